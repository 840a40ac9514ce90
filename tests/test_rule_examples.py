"""Every rule of every family, from the registry: its examples run, its docs are complete.

`invalid` examples are reported (at exactly the lines marked `# error`, for the
rules that mark them), `valid` ones are not. Each runs once, in a fresh git
repository with only that rule selected, through the same checker a hook runs.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import marked, write_files

from ml_policy import checkers, registry, rule_docs
from ml_policy.config import CliOverrides, SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.rule import BaseRule

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## References",
]
RULES = registry.rules()
EXAMPLES = [
    pytest.param(rule, kind, example, id=f"{rule.code}-{kind}-{number}")
    for rule in RULES
    for kind in ("invalid", "valid")
    for number, example in enumerate(rule.examples(kind), start=1)
]


def run_example(root: Path, rule: type[BaseRule], example: str) -> list[Diagnostic]:
    """Every finding in the example's files, with only `rule` selected (MLE001: every rule)."""
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    paths = write_files(root, rule.example_files(example))
    always_on = rule.code == registry.PARSE_ERROR
    cli = CliOverrides(select=None if always_on else (rule.code,))
    families = None if always_on else (rule.code[:3],)
    return checkers.run_all(paths, SettingsResolver(cli, cwd=root), families)


@pytest.mark.parametrize(("rule", "kind", "example"), EXAMPLES)
def test_example(tmp_path: Path, rule: type[BaseRule], kind: str, example: str) -> None:
    found = run_example(tmp_path, rule, example)
    if rule.code != registry.PARSE_ERROR:
        assert not [d for d in found if d.code == registry.PARSE_ERROR], found
    lines = [d.line for d in found if d.code == rule.code]
    if kind == "valid":
        assert lines == []
    elif rule.marks_lines:
        assert marked(example), "an invalid example marks its reported lines with `# error`"
        assert lines == marked(example)
    else:
        assert lines


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule: type[BaseRule]) -> None:
    assert re.fullmatch(r"ML[A-Z][0-9]{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)  # kebab-case
    assert rule.summary
    assert not rule.summary.endswith(".")
    assert rule.valid
    assert rule.invalid
    headings = [line for line in rule.documentation().splitlines() if line.startswith("## ")]
    assert [h for h in headings if h in SECTIONS] == SECTIONS  # in order; "## Fix" may follow


def test_registry_codes_are_the_classes_codes() -> None:
    for family in registry.FAMILIES:
        for code, spec in family.rules.items():
            assert registry.load(spec).code == code  # type: ignore[attr-defined]
            assert code[:3] in family.prefixes
    assert [rule.code for rule in RULES] == list(registry.RULE_CODES)
    assert len({rule.name for rule in RULES}) == len(RULES)


def test_every_family_prefix_is_a_family_of_its_own() -> None:
    prefixes = [p for family in registry.FAMILIES for p in family.prefixes]
    assert len(prefixes) == len(set(prefixes))
    assert not set(prefixes) & set(registry.ALWAYS_ON)


def test_docs_pages_are_current() -> None:
    pages = sorted((ROOT / "docs" / "rules").glob("*.md"))
    assert [page.stem for page in pages] == list(registry.RULE_CODES)
    for page in pages:
        expected = f"{rule_docs.document(page.stem)}\n"
        assert page.read_text(encoding="utf-8") == expected, (
            f"{page} is stale: uv run python -m ml_policy.rule_docs"
        )


def test_readme_rule_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert rule_docs.with_table(readme) == readme, "uv run python -m ml_policy.rule_docs"
