"""setup.cfg (`install_requires`, `extras_require`) and literal lists in setup.py.

setup.cfg is read with configparser (as setuptools does); each requirement's
line is found by walking the key's value lines in the raw text. setup.py is
read with libcst: only string literals in list/tuple literals given to
`setup(install_requires=..., extras_require=...)`, directly or through a
module-level name bound once to such a literal. Anything computed stays silent.
A `# noqa` comment on a requirement's line suppresses its findings: in setup.cfg
a comment is what setuptools drops from a value (` #` or a tab and `#`), in
setup.py a Python comment token.
"""

from __future__ import annotations

import configparser
import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from ml_policy.deps.classify import classify_pep508
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.model import Kind, Manifest, Pin, Position, Requirement
from ml_policy.deps.packages import normalize
from ml_policy.deps.source import read_text
from ml_policy.suppress import Noqa, mentions_noqa, noqa

REQUIRES_KEYS = ("install_requires", "setup_requires", "tests_require")
# Where setuptools cuts a comment off a value line (jaraco.text.drop_comment).
CFG_COMMENT = re.compile(r"[ \t]#")


@dataclass(frozen=True)
class LiteralRequirement:
    """A requirement string and where it was written."""

    text: str
    line: int
    column: int
    end_column: int
    section: str
    published: bool


def to_requirements(
    path: Path, kind: Kind, literals: Sequence[LiteralRequirement]
) -> tuple[list[Requirement], list[ManifestError]]:
    """Parse and classify requirement strings; malformed ones become errors at their line."""
    found: list[Requirement] = []
    errors: list[ManifestError] = []
    for item in literals:
        try:
            parsed = Pep508(item.text)
        except InvalidRequirement as error:
            message = f"not a valid requirement {item.text!r}: {str(error).splitlines()[0]}"
            errors.append(ManifestError(path, message, item.line, item.column))
            continue
        classified = classify_pep508(parsed)
        found.append(
            Requirement(
                name=normalize(parsed.name),
                text=item.text,
                pin=classified.pin,
                position=Position.on_line(path, item.line, item.column, item.end_column),
                kind=kind,
                section=item.section,
                version=classified.version if classified.pin is Pin.EXACT else None,
                detail=classified.detail,
                published=item.published,
                base="install_requires" in item.section and parsed.marker is None,
            )
        )
    return found, errors


# --- setup.cfg -------------------------------------------------------------------------


def read_setup_cfg(path: Path) -> Manifest:
    return parse_setup_cfg(path, read_text(path))


def parse_setup_cfg(path: Path, text: str) -> Manifest:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as error:
        line = getattr(error, "lineno", 1) or 1
        message = getattr(error, "message", str(error)).splitlines()[0]
        raise ManifestError(path, f"invalid setup.cfg: {message}", line) from None
    literals: list[LiteralRequirement] = []
    lines = text.split("\n")
    if parser.has_section("options"):
        for key in REQUIRES_KEYS:
            if parser.has_option("options", key):
                literals += _cfg_values(lines, "options", key, parser.get("options", key))
    extras = "options.extras_require"
    if parser.has_section(extras):
        for key in parser.options(extras):
            literals += _cfg_values(lines, extras, key, parser.get(extras, key))
    found, errors = to_requirements(path, Kind.SETUP_CFG, literals)
    return Manifest(path, Kind.SETUP_CFG, tuple(found), (), tuple(errors), _cfg_noqa(path, lines))


def _cfg_noqa(path: Path, lines: list[str]) -> tuple[Noqa, ...]:
    """The noqa comments at the end of value lines (a whole-line comment is on no finding)."""
    found: list[Noqa] = []
    for number, raw in enumerate(lines, start=1):
        if not mentions_noqa(raw) or raw.lstrip().startswith(("#", ";")):
            continue
        comment = CFG_COMMENT.search(raw)
        item = noqa(path, raw[comment.start() + 1 :], number) if comment else None
        found += [item] if item is not None else []
    return tuple(found)


def _cfg_values(lines: list[str], section: str, key: str, value: str) -> list[LiteralRequirement]:
    """Pair each requirement of a multi-line value with its line in the raw text."""
    if value.strip().startswith(("file:", "attr:")):
        return []  # a requirements file (checked itself) or a computed value
    label = f"[{section}] {key}"
    published = key not in ("tests_require", "setup_requires")
    # setuptools splits a one-line value at `;` and a multi-line value at newlines.
    separator = "\n" if "\n" in value.strip() else ";"
    wanted = [_strip_cfg_comment(v) for v in value.split(separator)]
    wanted = [v for v in wanted if v]
    found: list[LiteralRequirement] = []
    block = _value_lines(lines, section, key)
    for text in wanted:
        for number, raw in block:
            column = raw.find(text)
            if column >= 0:
                end = column + len(text) + 1
                found.append(LiteralRequirement(text, number, column + 1, end, label, published))
                block = [item for item in block if item[0] > number]
                break
    return found


def _strip_cfg_comment(line: str) -> str:
    # setuptools drops inline `#` and `;` comments after whitespace in list values.
    for marker in (" #", "\t#"):
        line = line.split(marker, maxsplit=1)[0]
    return line.strip() if not line.strip().startswith(("#", ";")) else ""


def _value_lines(lines: list[str], section: str, key: str) -> list[tuple[int, str]]:
    """(line number, text) of the key's line and its indented continuation lines."""
    in_section = False
    block: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if block:
                break
            in_section = stripped[1:-1].strip() == section
            continue
        if not in_section:
            continue
        if block:
            if raw[:1].isspace() or not stripped:
                block.append((number, raw))
                continue
            break
        name = stripped.split("=")[0].split(":")[0].strip().lower()
        if name == key and stripped[len(name) :].lstrip()[:1] in ("=", ":"):
            separator = raw.index(stripped[len(name) :].lstrip()[:1], raw.index(stripped))
            block.append((number, " " * (separator + 1) + raw[separator + 1 :]))
    return block


# --- setup.py ------------------------------------------------------------------------------


def read_setup_py(path: Path) -> Manifest:
    return parse_setup_py(path, read_text(path))


# A setup.py passes requirements to setup() by one of these keywords, spelt out.
SETUP_KEYWORDS = ("install_requires", "extras_require", "setup_requires", "tests_require")


def parse_setup_py(path: Path, text: str) -> Manifest:
    literals: list[LiteralRequirement] = []
    # Many files named setup.py set something else up (a trainer's, a test's): without
    # a requirements keyword there is nothing to read, and its syntax is Ruff's to judge.
    if any(keyword in text for keyword in SETUP_KEYWORDS):
        from ml_policy.deps import setup_py  # libcst only when a setup.py is read

        literals = setup_py.requirement_literals(path, text)
    found, errors = to_requirements(path, Kind.SETUP_PY, literals)
    return Manifest(path, Kind.SETUP_PY, tuple(found), (), tuple(errors), _py_noqa(path, text))


def _py_noqa(path: Path, text: str) -> tuple[Noqa, ...]:
    """The noqa of Python's comment tokens (a `# noqa` inside a string is not one)."""
    if not mentions_noqa(text):
        return ()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return ()  # not Python: its requirements could not be read either
    found = (noqa(path, t.string, t.start[0]) for t in tokens if t.type == tokenize.COMMENT)
    return tuple(item for item in found if item is not None)
