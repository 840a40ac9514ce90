"""pip requirements files: requirements*.txt, *.in, constraints*.txt.

Follows pip's reading of the format: a trailing backslash continues a line, a
`#` at the start or after whitespace starts a comment, options may follow a
requirement (`--hash`), and `-r`/`-c` include other files relative to the
including file. Each requirement keeps its file and the line it starts on.
A line that is not a valid requirement is recorded as an error at that line
and the rest of the file is still read. Includes must stay inside the
repository (ml_policy.confine): a file from elsewhere is never read or quoted.
A `# noqa` comment speaks for every physical line of its logical line (a
comment ends the logical line, so it stands on the last one).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from ml_policy.confine import is_inside, repository_root
from ml_policy.deps.classify import VCS_SCHEMES, Classified, classify_pep508, classify_url
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.model import IndexSetting, Kind, Manifest, Pin, Position, Requirement
from ml_policy.deps.packages import normalize
from ml_policy.deps.source import read_text
from ml_policy.files import real_path
from ml_policy.redact import excerpt
from ml_policy.suppress import Noqa, noqa

SHORT_OPTIONS = {
    "-r": "--requirement",
    "-c": "--constraint",
    "-e": "--editable",
    "-i": "--index-url",
    "-f": "--find-links",
}
INCLUDES = {"--requirement": False, "--constraint": True}  # option -> included as constraints
MIXING_OPTIONS = ("--extra-index-url",)
URL_SCHEMES = ("http://", "https://", "file:", "ftp://")
ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


@dataclass(frozen=True)
class LogicalLine:
    """A line after joining continuations and dropping its comment."""

    number: int  # 1-based line where it starts
    text: str
    first_physical: str  # the physical line it starts on (for columns)
    end: int = 0  # 1-based line where it ends (0: where it starts)
    comment: str = ""  # the comment cut off its end, from the `#`


def read_requirements_file(path: Path) -> Manifest:
    """Read a requirements file and everything it includes (raises ManifestError if unreadable).

    A file the package beside it publishes as its dependencies (setup.py reading it into
    `install_requires`, setup.cfg's `file:`, pyproject.toml's `[tool.setuptools.dynamic]`)
    holds published metadata, as `[project] dependencies` does."""
    text = read_text(path)
    manifest = parse_requirements(
        path, text, constraint=path.name.lower().startswith("constraints")
    )
    if not _published_by_package(path):
        return manifest
    published = tuple(
        replace(r, published=True, section=f"{path.name} (the package's dependencies)")
        for r in manifest.requirements
    )
    return replace(manifest, requirements=published)


def _published_by_package(path: Path) -> bool:
    """Whether the packaging files beside `path` name it as a source of the package's
    dependencies (quoted in setup.py, after `file:` in setup.cfg or in the dynamic table)."""
    name = re.escape(path.name)
    checks = (
        ("setup.py", rf"(?s)install_requires.*[\"']{name}[\"']|[\"']{name}[\"'].*install_requires"),
        ("setup.cfg", rf"install_requires\s*=\s*file:\s*{name}\b"),
        ("pyproject.toml", rf"(?s)\[tool\.setuptools\.dynamic\].*?dependencies\s*=.*?{name}"),
    )
    for manifest, pattern in checks:
        beside = path.parent / manifest
        if beside.is_file():
            try:
                if re.search(pattern, read_text(beside)):
                    return True
            except ManifestError:
                continue  # the deps checker reports it
    return False


def parse_requirements(path: Path, text: str, constraint: bool = False) -> Manifest:
    """Parse requirements text; never raises: bad lines become `errors`."""
    reader = _Reader()
    reader.read(path, text, constraint, (real_path(path),))
    return reader.manifest(path)


def parse_pip_entry(path: Path, number: int, text: str, physical: str) -> Manifest:
    """One entry of a conda environment's `pip:` list, read as a requirements-file line."""
    reader = _Reader()
    reader.read_line(path, LogicalLine(number, text, physical), (real_path(path),))
    return reader.manifest(path)


@dataclass
class _Reader:
    requirements: list[Requirement] = field(default_factory=list)
    index_settings: list[IndexSetting] = field(default_factory=list)
    errors: list[ManifestError] = field(default_factory=list)
    read_files: set[Path] = field(default_factory=set)
    suppressions: list[Noqa] = field(default_factory=list)

    def manifest(self, path: Path) -> Manifest:
        """What was read, as the manifest of `path`."""
        return Manifest(
            path,
            Kind.REQUIREMENTS,
            tuple(self.requirements),
            tuple(self.index_settings),
            tuple(self.errors),
            tuple(self.suppressions),
        )

    def read(self, path: Path, text: str, constraint: bool, stack: tuple[Path, ...]) -> None:
        self.read_files.add(stack[-1])
        for line in logical_lines(text):
            self.read_line(path, line, stack, constraint)
            found = noqa(path, line.comment, line.number, line.end) if line.comment else None
            self.suppressions += [found] if found is not None else []

    def read_line(
        self, path: Path, line: LogicalLine, stack: tuple[Path, ...], constraint: bool = False
    ) -> None:
        try:
            self._line(path, line, constraint, stack)
        except ManifestError as error:
            self.errors.append(error)

    def _line(
        self, path: Path, line: LogicalLine, constraint: bool, stack: tuple[Path, ...]
    ) -> None:
        stripped = line.text.strip()
        if stripped.startswith("-"):
            self._options(path, line, stripped, constraint, stack)
            return
        requirement_text, options = split_options(stripped)
        hashed = any(option.startswith("--hash") for option in options)
        found = requirement_from_text(requirement_text, path, line, hashed)
        if found is not None:
            self.requirements.append(_as_constraint(found, constraint))

    def _options(
        self, path: Path, line: LogicalLine, text: str, constraint: bool, stack: tuple[Path, ...]
    ) -> None:
        tokens = _shell_tokens(text, path, line.number)
        option, value = split_option(tokens)
        if value is None:
            return  # a flag (--pre, --no-index, --require-hashes): nothing to check
        if option in INCLUDES:
            self._include(path, line, value, constraint or INCLUDES[option], stack)
        elif option == "--editable":
            found = requirement_from_text(value, path, line, hashed=False, editable=True)
            if found is not None:
                self.requirements.append(_as_constraint(found, constraint))
        elif option in MIXING_OPTIONS:
            where = _position(path, line, option if option in line.text else value, 0)
            self.index_settings.append(IndexSetting(option, value, where))

    def _include(
        self, path: Path, line: LogicalLine, target: str, constraint: bool, stack: tuple[Path, ...]
    ) -> None:
        if "${" in target or target.startswith(URL_SCHEMES):
            return  # an environment variable or a remote file: cannot be followed here
        included = real_path(path.parent / target)
        if not is_inside(included, repository_root(stack[0])):
            # `-r /home/runner/.netrc` would echo a file that is not the repository's.
            raise ManifestError(
                path, f"include outside the repository, not read: {excerpt(target)}", line.number
            )
        if included in stack:
            chain = " -> ".join(p.name for p in (*stack, included))
            raise ManifestError(path, f"include cycle: {chain}", line.number)
        if included in self.read_files:
            return  # already read through another include
        try:
            text = read_text(included)
        except ManifestError as error:
            raise ManifestError(
                path, f"cannot read included {excerpt(target)}: {error.message}", line.number
            ) from None
        self.read(path.parent / target, text, constraint, (*stack, included))


def _as_constraint(requirement: Requirement, constraint: bool) -> Requirement:
    if not constraint:
        return requirement
    return Requirement(**{**requirement.__dict__, "constraint": True, "section": "constraints"})


def _shell_tokens(text: str, path: Path, line: int) -> list[str]:
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as error:
        raise ManifestError(path, f"cannot split the options: {error}", line) from None


def split_option(tokens: list[str]) -> tuple[str, str | None]:
    """`-r a.txt`, `-ra.txt`, `--requirement=a.txt`, `--requirement a.txt` -> (long name, value)."""
    if not tokens:
        return "", None
    first, rest = tokens[0], tokens[1:]
    if first.startswith("--"):
        name, equals, attached = first.partition("=")
        value = attached if equals else (rest[0] if rest else None)
        return name, value
    short, attached = first[:2], first[2:]
    value = attached or (rest[0] if rest else None)
    return SHORT_OPTIONS.get(short, short), value


def split_options(text: str) -> tuple[str, list[str]]:
    """A requirement and the options after it, split as pip does (at a token starting with -)."""
    tokens = text.split(" ")
    for index, token in enumerate(tokens):
        if index and token.startswith("-"):
            return " ".join(tokens[:index]).strip(), [t for t in tokens[index:] if t]
    return text, []


def requirement_from_text(
    text: str, path: Path, line: LogicalLine, hashed: bool, editable: bool = False
) -> Requirement | None:
    """A classified requirement, None for a local path or what cannot be told apart."""
    if not text or "${" in text:
        return None  # pip expands ${VAR} at install time: we cannot know the value
    if text.startswith(VCS_SCHEMES) or text.startswith(URL_SCHEMES):
        return _bare_url(text, path, line, hashed)
    if editable or _looks_like_path(text):
        return None  # a local project or archive: no version to pin
    try:
        parsed = Pep508(text)
    except InvalidRequirement as error:
        message = str(error).splitlines()[0]
        column = max(line.first_physical.find(text), 0) + 1
        raise ManifestError(
            path, f"not a valid requirement {excerpt(text)}: {message}", line.number, column
        ) from None
    found = classify_pep508(parsed, hashed)
    found_here = _requirement(normalize(parsed.name), text, found, path, line)
    # A pin under an environment marker holds on some platforms only.
    return found_here if parsed.marker is None else replace(found_here, base=False)


def _bare_url(text: str, path: Path, line: LogicalLine, hashed: bool) -> Requirement | None:
    """`git+https://...#egg=name` or `https://.../name-1.0-py3-none-any.whl`."""
    url = text.split(";", maxsplit=1)[0].strip()
    name = _url_project_name(url)
    if name is None:
        return None
    return _requirement(name, text, classify_url(url, hashed), path, line)


def _url_project_name(url: str) -> str | None:
    _, _, fragment = url.partition("#")
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key == "egg" and value:
            return normalize(value.split("[")[0])
    filename = unquote(url.split("#", maxsplit=1)[0].rstrip("/").rsplit("/", 1)[-1])  # %2B: +
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[0])
        return str(parse_sdist_filename(filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def _looks_like_path(text: str) -> bool:
    head = text.split(";", maxsplit=1)[0].strip()
    if head.startswith((".", "/", "~")):
        return True
    if "@" in head:
        return False  # `name @ url` is a requirement
    return "/" in head or "\\" in head or head.endswith(ARCHIVES)


def _requirement(
    name: str, text: str, found: Classified, path: Path, line: LogicalLine
) -> Requirement:
    return Requirement(
        name=name,
        text=text,
        pin=found.pin,
        position=_position(path, line, text, 0),
        kind=Kind.REQUIREMENTS,
        section="requirements",
        version=found.version if found.pin is Pin.EXACT else None,
        detail=found.detail,
        base=True,
    )


def _position(path: Path, line: LogicalLine, token: str, start: int) -> Position:
    """Columns of `token` on the line where the logical line starts (clipped to that line)."""
    first = line.first_physical
    offset = first.find(token, start)
    if offset < 0:  # the token starts on a continuation line: point at the line's text
        offset = len(first) - len(first.lstrip())
    visible_end = len(first.rstrip("\\").rstrip())
    end = max(min(offset + len(token), visible_end), offset + 1)
    return Position.on_line(path, line.number, offset + 1, end + 1)


def logical_lines(text: str) -> Iterator[LogicalLine]:
    """Join backslash continuations and strip comments, as pip does."""
    pending: list[str] = []
    start = 0
    first = ""
    for number, physical in enumerate(text.split("\n"), start=1):
        continues = physical.endswith("\\") and _comment_start(physical) is None
        if not pending:
            start, first = number, physical
        if continues:
            pending.append(physical[:-1])
            continue
        pending.append(physical)
        yield from _logical(start, number, "".join(pending), first)
        pending = []
    if pending:  # a backslash on the last line continues into nothing
        yield from _logical(start, start + len(pending) - 1, "".join(pending), first)


def _logical(start: int, end: int, joined: str, first: str) -> Iterator[LogicalLine]:
    cut = _comment_start(joined)
    content = joined if cut is None else joined[:cut]
    if content.strip():
        yield LogicalLine(start, content, first, end, "" if cut is None else joined[cut:])


def _comment_start(line: str) -> int | None:
    """Where a comment starts: `#` at the start of the line or after whitespace."""
    index = line.find("#")
    while index >= 0:
        if index == 0 or line[index - 1].isspace():
            return index
        index = line.find("#", index + 1)
    return None
