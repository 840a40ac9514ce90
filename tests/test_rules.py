"""Every rule's documented examples are tests: `valid` snippets yield nothing,
`invalid` snippets yield exactly the lines marked `# error`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ml_policy.config import Settings
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.rule import Rule
from ml_policy.rule_docs import document
from ml_policy.rules import ALL_RULES

SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## References",
)


def findings(rule: type[Rule], code: str, name: str = "example.py") -> list[int]:
    settings = Settings(root=Path.cwd())
    diagnostics = lint_bytes(Path(name), code.encode(), settings, [rule])
    assert all(d.code in {rule.code, "MLE001"} for d in diagnostics)
    assert not [d for d in diagnostics if d.code == "MLE001"], diagnostics
    return [d.line for d in diagnostics]


def marked(code: str) -> list[int]:
    return [
        n for n, line in enumerate(code.splitlines(), start=1) if re.search(r"#\s*error\b", line)
    ]


EXAMPLES = [
    (r, kind, s) for r in ALL_RULES for kind in ("valid", "invalid") for s in r.examples(kind)
]


@pytest.mark.parametrize(
    ("rule", "kind", "snippet"), EXAMPLES, ids=lambda v: getattr(v, "code", None)
)
def test_examples(rule: type[Rule], kind: str, snippet: str) -> None:
    expected = marked(snippet) if kind == "invalid" else []
    if kind == "invalid":
        assert expected, "an invalid example must mark its error lines with `# error`"
    assert findings(rule, snippet) == expected


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_metadata(rule: type[Rule]) -> None:
    assert re.fullmatch(r"ML[A-Z][0-9]{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.name)
    assert rule.summary
    assert rule.triggers
    assert rule.valid
    assert rule.invalid
    doc = rule.__doc__ or ""
    positions = [doc.find(section) for section in SECTIONS]
    assert -1 not in positions, f"{rule.code} docs need the sections {SECTIONS}"
    assert positions == sorted(positions)


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in ALL_RULES}) == len(ALL_RULES)
    assert len({r.name for r in ALL_RULES}) == len(ALL_RULES)


def test_rule_pages_are_current() -> None:
    """docs/rules/CODE.md (where diagnostics link) matches `ml-policy rule CODE`.

    Regenerate with: uv run python -m ml_policy.rule_docs docs/rules
    """
    folder = Path(__file__).parents[1] / "docs" / "rules"
    codes = ["MLE001", *(r.code for r in ALL_RULES)]
    assert sorted(p.stem for p in folder.glob("*.md")) == sorted(codes)
    for code in codes:
        assert (folder / f"{code}.md").read_text() == f"{document(code)}\n", code
