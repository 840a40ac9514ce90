"""Every `ml-policy COMMAND --option` that a message, a doc or a bundle mentions exists.

A hint that names a command the CLI does not have (`ml-policy sync`) sends
the user to an argparse error. This test reads every text ml-policy ships or
documents - the package's sources and data, the bundles, docs/, README.md,
the examples and the hook definitions - finds each `ml-policy WORD` (in
backticks or not) and checks WORD against the real parser (cli._parser()),
then each option written right after it (`ml-policy init --diff`) against
that subcommand.

`ml-policy` followed by an ordinary word is prose ("ml-policy runs on code
from forks"): PROSE lists those words. In code - inside backticks, a fenced
block, or after `$ `, `entry:` or `run:` - every word must be a command.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from ml_policy.cli import _parser
from ml_policy.tools import TOOL_COMMANDS

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".txt", ".cfg", ".ipynb", ".json"}

# Words that follow "ml-policy" in sentences, where ml-policy is the program, not a command.
PROSE = {
    "release": "the ml-policy release of the recorded bundle",
    "that": "the release of ml-policy that added each rule",
    "hooks": "the ml-policy hooks run from one checkout",
    "reads": "ml-policy reads Ruff's comment grammar",
    "ships": "every hook id ml-policy ships",
    "was": "when ml-policy was adopted",
    "lets": "ml-policy lets a team accept what exists",
    "add": "lets ml-policy add the bundle's keys",
    "as": "ships with ml-policy as data",
    "cannot": "ml-policy cannot safely edit",
    "codes": "ml-policy codes start with ML",
    "config": "the hook named 'ml-policy config drift'",
    "could": "ml-policy could not check",
    "did": "a folder ml-policy did not create",
    "does": "ml-policy does not write to",
    "entry": "the ml-policy entry pins Ruff",
    "exists": "the mistakes ml-policy exists to catch",
    "hook": "the ml-policy hook repository",
    "in": "adopting ml-policy in an existing repository",
    "is": "ml-policy is a pre-commit hook repository",
    "made": "only when ml-policy made it",
    "or": "ml-policy or pre-commit",
    "prints": "what ml-policy prints",
    "quotes": "ml-policy quotes user input",
    "repository": "the ml-policy repository entry",
    "rewrites": "ml-policy rewrites no hard-linked file",
    "ruff": "the hooks named 'ml-policy ruff (pinned)', 'ml-policy ruff format (pinned)'",
    "runs": "ml-policy runs on code from forks",
    "settings": "Ruff, mypy, bandit and ml-policy settings",
    "version": "the ml-policy version",
    "will": "ml-policy will not edit it",
    "write": "make ml-policy write outside the repository",
    "writes": "ml-policy writes its .gitignore",
}
# Rule codes and families in prose: "secrets: ml-policy MLK", "ml-policy MLM002 reports".
RULE_CODE = re.compile(r"ML[A-Z]+[0-9]*")

# --- planned by issue 9: remove once init's options exist ---
PLANNED_COMMANDS: dict[str, set[str]] = {}
PLANNED_OPTIONS: dict[str, set[str]] = {}
# --- end of planned by issue 9 ---

MENTION = re.compile(r"(?<![\w./-])ml-policy[ \t]+(?P<word>-{0,2}[A-Za-z][\w-]*)")
# Where a command line written in prose ends.
END = re.compile(r"""[`'"(),;:#{}]|\.(\s|$)""")
CODE_BEFORE = re.compile(r"(`|\$ |\b(entry|run):\s*(uv run (--frozen )?)?)$")


@dataclass(frozen=True)
class Mention:
    path: Path
    line: int
    in_code: bool
    words: tuple[str, ...]  # the command and what follows it on the command line

    def __str__(self) -> str:
        where = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path.name
        return f"{where}:{self.line}: `ml-policy {' '.join(self.words)}`"


def scanned_files() -> list[Path]:
    """What ml-policy ships or documents. CHANGELOG.md is history: it may name the past."""
    folders = [ROOT / "src" / "ml_policy", ROOT / "policies", ROOT / "docs", ROOT / "examples"]
    found = [p for folder in folders for p in folder.rglob("*") if p.suffix in TEXT_SUFFIXES]
    found += [ROOT / "README.md", ROOT / ".pre-commit-hooks.yaml", ROOT / ".pre-commit-config.yaml"]
    return sorted(p for p in found if p.is_file() and "__pycache__" not in p.parts)


def mentions(path: Path) -> Iterator[Mention]:
    fenced = False
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        for match in MENTION.finditer(line):
            before = line[: match.start()]
            backticked = before.endswith("`")
            in_code = fenced or backticked or bool(CODE_BEFORE.search(before))
            words = (match["word"], *_command_line(line[match.end() :], backticked).split())
            yield Mention(path, number, in_code, words)


def _command_line(rest: str, backticked: bool) -> str:
    """What follows the command word, up to the closing backtick or the end of the phrase."""
    if backticked:
        return rest.partition("`")[0]
    end = END.search(rest)
    return rest if end is None else rest[: end.start()]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def problems(mention: Mention, parser: argparse.ArgumentParser) -> list[str]:
    """What is wrong with one mention (nothing for prose)."""
    command, *rest = mention.words
    if command.startswith("-"):  # `ml-policy --version`
        return _option_problems(mention, "ml-policy", parser, mention.words)
    if command in subcommands(parser):
        if command in TOOL_COMMANDS:
            return []  # what follows goes to the tool
        return _option_problems(mention, command, subcommands(parser)[command], rest)
    if command in PLANNED_COMMANDS:
        unplanned = [o for o in _options(rest) if o not in PLANNED_COMMANDS[command]]
        return [f"{mention}: {o} is not planned for {command}" for o in unplanned]
    if not mention.in_code and (command in PROSE or RULE_CODE.fullmatch(command)):
        return []
    return [f"{mention}: no command {command!r} (if this is prose, add the word to PROSE)"]


def _option_problems(
    mention: Mention, command: str, parser: argparse.ArgumentParser, words: Sequence[str]
) -> list[str]:
    """The options among `words` that `parser` (or a sub-action named before them) lacks."""
    found = []
    planned = PLANNED_OPTIONS.get(command, set())
    for word in words:
        known = {*parser._option_string_actions, *planned}
        if word in subcommands(parser):
            parser = subcommands(parser)[word]  # `ml-policy bundles show`
        elif word.startswith("-") and _option(word) not in known:
            found.append(f"{mention}: {command} has no option {_option(word)}")
    return found


def _options(words: Sequence[str]) -> list[str]:
    return [_option(w) for w in words if w.startswith("-")]


def _option(word: str) -> str:
    """`[--bundle` -> `--bundle`, `--output-format=json` -> `--output-format`."""
    return word.strip("[]{}<>|").split("=", 1)[0].rstrip(".")


def every_mention() -> list[Mention]:
    return [mention for path in scanned_files() for mention in mentions(path)]


def test_every_mentioned_command_and_option_exists() -> None:
    parser = _parser()
    found = [problem for mention in every_mention() for problem in problems(mention, parser)]
    assert found == []


def test_the_scan_sees_the_mentions_it_is_meant_to_check() -> None:
    seen = {str(m).split(": ", 1)[1] for m in every_mention()}
    assert "`ml-policy init --diff`" in seen  # a message in apply/
    assert "`ml-policy rule MLD001`" in seen  # the rule docs
    assert "`ml-policy lint`" in seen  # a hook's entry
    assert "`ml-policy secrets --update-baseline`" in seen  # README


def test_every_prose_word_is_still_used() -> None:
    """A word no text uses any more is one more way for a wrong command to pass."""
    used = {m.words[0] for m in every_mention() if not m.in_code}
    assert set(PROSE) - used == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("run `ml-policy sync` first", ["no command 'sync'"]),
        ("kept yours (--force, or ml-policy sync)", ["no command 'sync'"]),
        ("`ml-policy init --difff` shows it", ["init has no option --difff"]),
        ("ml-policy init [PATH] [--bundle NAME[@VERSION]] [--dry-run]", []),
        ("`ml-policy check --output-format=sarif src`", []),
        ("`ml-policy bundles show ml-strict@1`", []),
        ("`ml-policy bundles show --nope`", ["bundles has no option --nope"]),
        ("`ml-policy mypy --strict src`", []),  # the tool's own options
        ("`ml-policy --version`", []),
        ("`ml-policy --nope`", ["ml-policy has no option --nope"]),
        ("ml-policy runs on code from forks --fast", []),  # prose
        ("`ml-policy runs`", ["no command 'runs'"]),  # prose words are not commands in code
        ("secrets: ml-policy MLK finds them", []),
        ("hook repository github.com/ml-policy/ml-policy rev", []),
        ("ml-policy-lint and ml-policy.toml", []),
        ("`ml-policy baseline --add`", []),
        ("`ml-policy init --migrate`", []),
        ("`ml-policy baseline --remove`", ["baseline has no option --remove"]),
        ("`ml-policy init --unplanned`", ["init has no option --unplanned"]),
    ],
)
def test_the_check_itself(tmp_path: Path, text: str, expected: list[str]) -> None:
    (tmp_path / "example.md").write_text(text + "\n")
    parser = _parser()
    found = [p for mention in mentions(tmp_path / "example.md") for p in problems(mention, parser)]
    assert len(found) == len(expected), found
    for problem, part in zip(found, expected, strict=True):
        assert part in problem
