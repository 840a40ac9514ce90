"""The MLD rule docs: the checker agrees with their examples; their sections are complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_deps_support import findings

from ml_policy.catalog import RuleInfo, family_rules
from ml_policy.deps.catalog import RULES

FILE_FOR_LANGUAGE = {
    "text": "requirements.txt",
    "toml": "pyproject.toml",
    "dockerfile": "Dockerfile",
}


def _examples(kind: str) -> list[tuple[RuleInfo, str]]:
    return [(rule, example) for rule in RULES for example in getattr(rule, kind)]


@pytest.mark.parametrize(("rule", "example"), _examples("invalid"))
def test_invalid_examples_are_reported(tmp_path: Path, rule: RuleInfo, example: str) -> None:
    name = FILE_FOR_LANGUAGE[rule.example_language]
    assert rule.code in {code for _, _, code in findings(tmp_path, {name: example})}


@pytest.mark.parametrize(("rule", "example"), _examples("valid"))
def test_valid_examples_are_not_reported(tmp_path: Path, rule: RuleInfo, example: str) -> None:
    name = FILE_FOR_LANGUAGE[rule.example_language]
    assert rule.code not in {code for _, _, code in findings(tmp_path, {name: example})}


def test_codes_are_mld001_to_mld006_and_listed_with_the_other_families() -> None:
    assert [rule.code for rule in RULES] == [f"MLD00{n}" for n in range(1, 7)]
    assert {rule.code for rule in family_rules()} >= {rule.code for rule in RULES}
