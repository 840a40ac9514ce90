"""conda environment files (environment*.yml): conda match specs and the nested `pip:` list.

Read with ruamel.yaml, which keeps each list item's line and the comment at
its end (`- pytorch>=2  # noqa: MLD001` suppresses that item's findings; a
`#` inside a quoted value is not a comment). `pytorch` and the other conda
names of ML packages are mapped to their PyPI names.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.tokens import CommentToken

from ml_policy.deps.classify import classify_conda
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.model import IndexSetting, Kind, Manifest, Pin, Position, Requirement
from ml_policy.deps.packages import conda_to_pypi
from ml_policy.deps.requirements import parse_pip_entry
from ml_policy.deps.source import read_text
from ml_policy.suppress import Noqa, mentions_noqa, noqa

OPERATOR_CHARS = "=<>!~"


def read_conda_environment(path: Path) -> Manifest:
    return parse_conda_environment(path, read_text(path))


def parse_conda_environment(path: Path, text: str) -> Manifest:
    document = _load(path, text)
    dependencies = document.get("dependencies") if isinstance(document, CommentedMap) else None
    if not isinstance(dependencies, CommentedSeq):
        return Manifest(path, Kind.CONDA)
    lines = text.split("\n")
    requirements: list[Requirement] = []
    index_settings: list[IndexSetting] = []
    errors: list[ManifestError] = []
    comments = _Comments(path, mentions_noqa(text))
    for index, item in enumerate(dependencies):
        line, column = dependencies.lc.item(index)
        if isinstance(item, str):
            found = conda_requirement(path, item, line + 1, column + 1)
            requirements += [found] if found is not None else []
            comments.add(dependencies, index, line)
        elif isinstance(item, CommentedMap) and isinstance(item.get("pip"), CommentedSeq):
            pip = _pip_section(path, item["pip"], lines, comments)
            requirements += pip.requirements
            index_settings += pip.index_settings
            errors += pip.errors
    return Manifest(
        path,
        Kind.CONDA,
        tuple(requirements),
        tuple(index_settings),
        tuple(errors),
        tuple(comments.found),
    )


class _Comments:
    """The noqa comments at the end of list items' lines, as ruamel.yaml attached them."""

    def __init__(self, path: Path, wanted: bool) -> None:
        self.path = path
        self.wanted = wanted  # only files that mention noqa are looked at
        self.found: list[Noqa] = []

    def add(self, sequence: CommentedSeq, index: int, line: int) -> None:
        """The comment after item `index` when it stands on the item's (0-based) line."""
        tokens = sequence.ca.items.get(index) if self.wanted else None
        token = tokens[0] if tokens else None
        if not isinstance(token, CommentToken) or token.start_mark.line != line:
            return  # no comment, or one on a line of its own below the item
        found = noqa(self.path, str(token.value).split("\n", 1)[0], line + 1)
        self.found += [found] if found is not None else []


def _load(path: Path, text: str) -> Any:
    try:
        return YAML(typ="rt", pure=True).load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ManifestError(path, f"invalid YAML: {problem}", line, column) from None
    except RecursionError:
        raise ManifestError(path, "not read: the YAML is nested too deep") from None


def _pip_section(
    path: Path, entries: CommentedSeq, lines: list[str], comments: _Comments
) -> Manifest:
    requirements: list[Requirement] = []
    index_settings: list[IndexSetting] = []
    errors: list[ManifestError] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, str):
            continue
        line, _ = entries.lc.item(index)
        comments.add(entries, index, line)
        physical = lines[line] if line < len(lines) else entry
        read = parse_pip_entry(path, line + 1, entry, physical)
        requirements += [
            replace(
                r, kind=Kind.CONDA, section="pip section of the conda environment", lockable=True
            )
            for r in read.requirements
        ]
        index_settings += read.index_settings
        errors += read.errors
        comments.found += read.noqa  # those of a file it includes (`- -r requirements.txt`)
    return Manifest(path, Kind.CONDA, tuple(requirements), tuple(index_settings), tuple(errors))


def parse_match_spec(spec: str) -> tuple[str, str, str] | None:
    """Split a match spec into (name, version, build).

    Forms: `[channel::]name[ version[ build]]`, `name=version=build`,
    `name==1.2`, `name>=1.2,<2`. None for what we do not read (the bracket
    form `name[version='>=1']`).
    """
    text = spec.split("#", maxsplit=1)[0].strip()
    if "::" in text:
        text = text.split("::", 1)[1]
    if "[" in text or not text:
        return None
    if " " in text:
        parts = text.split()
        return parts[0], (parts[1] if len(parts) > 1 else ""), (parts[2] if len(parts) > 2 else "")
    cut = next((i for i, char in enumerate(text) if char in OPERATOR_CHARS), len(text))
    name, rest = text[:cut], text[cut:]
    if rest.startswith("=") and not rest.startswith("=="):
        version, _, build = rest[1:].partition("=")
        return name, version, build
    return name, rest, ""


def conda_requirement(path: Path, spec: str, line: int, column: int) -> Requirement | None:
    """A classified requirement for one conda match spec (None when it cannot be read)."""
    parsed = parse_match_spec(spec)
    if parsed is None or not parsed[0]:
        return None
    name, version, build = parsed
    found = classify_conda(version, build)
    return Requirement(
        name=conda_to_pypi(name),
        text=spec.strip(),
        pin=found.pin,
        position=Position.on_line(path, line, column, column + len(spec.strip())),
        kind=Kind.CONDA,
        section="conda dependencies",
        version=found.version if found.pin is Pin.EXACT else None,
        detail=found.detail,
        lockable=True,
        base=True,
    )
