"""The one place that talks to detect-secrets: configure its plugins, scan files, type the results.

detect-secrets keeps its settings in a process-wide singleton; every scan runs
inside `transient_settings`, which restores the previous settings afterwards.
Our ML plugins are registered the way detect-secrets registers any custom
plugin: by the path of the file that defines them.

Every file is read once, here (`read_content`): a symlink as the name of its
target (what git stores), anything else only as a regular file under a size
cap, opened without blocking. detect-secrets and our plugins then open a
private copy of those bytes by name, never the repository's file: a name
cannot lead them to a FIFO, a device or a file outside the repository.
"""

from __future__ import annotations

import codecs
import logging
import tempfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml_policy.parallel import pool_size
from ml_policy.secrets import screen
from ml_policy.secrets.reading import NotScannedError, read_content

if TYPE_CHECKING:
    from detect_secrets.core.potential_secret import PotentialSecret

    from ml_policy.secrets.plugins import _MLTokenDetector

    # Loaded on first use (module __getattr__): importing detect-secrets takes half
    # a second, which a run answered from the cache must not pay.
    ML_DETECTORS: tuple[type[_MLTokenDetector], ...]

# detect-secrets plugins (class names) that are off unless a later bundle turns
# them on. The entropy and keyword detectors report checksums, hashes, base64
# fixtures and `pad_token = "<pad>"` all over ML code; IPPublicDetector reads
# four-part versions (nvidia-cudnn-cu12==8.9.2.26) as addresses;
# ArtifactoryDetector's `AP[0-9A-F]...` password pattern matches quoted
# identifiers ("APFSPhysicalStore" in ultralytics) and sha512 digests, and
# JFrog stopped issuing its AKC keys in 2024; our OpenAIApiKeyDetector
# supersedes OpenAIDetector (newer key layouts).
OFF_BY_DEFAULT = frozenset(
    {
        "Base64HighEntropyString",
        "HexHighEntropyString",
        "KeywordDetector",
        "IPPublicDetector",
        "ArtifactoryDetector",
        "OpenAIDetector",
    }
)

# Our plugins (plugins.py), by class name and secret type (a test checks both).
ML_DETECTOR_NAMES = (
    "HuggingFaceDetector",
    "WandbDetector",
    "OpenAIApiKeyDetector",
    "AnthropicDetector",
    "ReplicateDetector",
    "KaggleDetector",
    "CometDetector",
)
ML_SECRET_TYPES = frozenset(
    {
        "Hugging Face Token",
        "Weights & Biases API Key",
        "OpenAI API Key",
        "Anthropic API Key",
        "Replicate API Token",
        "Kaggle API Key",
        "Comet API Key",
    }
)


def __getattr__(name: str) -> object:
    if name == "ML_DETECTORS":
        return _ml_detectors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _ml_detectors() -> tuple[type[_MLTokenDetector], ...]:
    from ml_policy.secrets import plugins

    return tuple(getattr(plugins, name) for name in ML_DETECTOR_NAMES)


# detect-secrets' default filters, minus `is_indirect_reference`: it drops any
# line shaped like `x = call(...)`, which is exactly how tokens leak in ML code
# (`client = OpenAI(api_key="sk-...")`). It exists for the keyword detector,
# which is off. Plus ours: placeholder passwords in example URLs.
FILTERS = (
    "ml_policy.secrets.filters.is_placeholder_password",
    "detect_secrets.filters.allowlist.is_line_allowlisted",
    "detect_secrets.filters.heuristic.is_sequential_string",
    "detect_secrets.filters.heuristic.is_potential_uuid",
    "detect_secrets.filters.heuristic.is_likely_id_string",
    "detect_secrets.filters.heuristic.is_templated_secret",
    "detect_secrets.filters.heuristic.is_prefixed_with_dollar_sign",
    "detect_secrets.filters.heuristic.is_lock_file",
    "detect_secrets.filters.heuristic.is_not_alphanumeric_string",
    "detect_secrets.filters.heuristic.is_swagger_file",
)
# Filters of the file's path, applied here to the real one: detect-secrets sees a copy
# in a temporary folder, whose path says nothing (or, by chance, "swagger").
_PATH_FILTERS = ("detect_secrets.filters.heuristic.is_swagger_file",)

MAX_LINE_CHARS = 4000  # longer lines only get our detectors (see _ml_tokens_in_long_lines)


Detected = tuple[int, str, str, str]  # line, type, secret, hashed secret


@dataclass(frozen=True)
class Finding:
    """One secret in one file. `secret` stays in memory: output shows it redacted."""

    path: Path
    line: int
    column: int  # 1-based; 1 when detect-secrets found it in a transformed line
    secret_type: str
    secret: str
    hashed_secret: str
    source_line: str  # the line as it is in the file, for inline allow comments

    @property
    def is_ml_token(self) -> bool:
        return self.secret_type in ML_SECRET_TYPES


def builtin_plugin_names() -> list[str]:
    """Every plugin that ships with detect-secrets, by class name."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: Collection[type] = get_mapping_from_secret_type_to_class().values()
    return sorted(c.__name__ for c in classes if c.__module__.startswith("detect_secrets."))


def enabled_plugins(disabled: Collection[str]) -> tuple[list[str], list[str]]:
    """(detect-secrets plugins, ML plugins) that run, by class name."""
    builtin = [n for n in builtin_plugin_names() if n not in OFF_BY_DEFAULT | set(disabled)]
    ml = [name for name in ML_DETECTOR_NAMES if name not in disabled]
    return builtin, ml


@dataclass
class ScanResult:
    """Secrets per file (files without any are absent), and files that could not be scanned."""

    findings: dict[Path, list[Finding]] = field(default_factory=dict)
    not_scanned: dict[Path, str] = field(default_factory=dict)  # path -> reason


def scan_files(
    paths: Sequence[Path], disabled: Collection[str] = (), workers: int | None = None
) -> ScanResult:
    """Scan `paths` with every enabled plugin; bad input becomes `not_scanned`, never an error."""
    result = ScanResult()
    global _SCREEN, _ML_ENABLED  # noqa: PLW0603 - forked workers inherit them, no pickling
    _ML_ENABLED = tuple(d for d in _ml_detectors() if d.__name__ not in disabled)
    with _settings(disabled), _quiet():
        _SCREEN = _screen(frozenset(disabled))  # from the plugins these settings run
        outcomes = _map(paths, pool_size(len(paths), workers))
    for path, outcome in zip(paths, outcomes, strict=True):
        if isinstance(outcome, str):
            result.not_scanned[path] = outcome
        elif outcome:
            result.findings[path] = outcome
    return result


def _map(paths: Sequence[Path], workers: int) -> list[list[Finding] | str]:
    if workers <= 1:
        return [_outcome(path) for path in paths]
    import multiprocessing

    # Forked inside the configured settings: workers inherit detect-secrets' state.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_outcome, paths, chunksize=max(1, len(paths) // (workers * 8)))


def _outcome(path: Path) -> list[Finding] | str:
    """A file's findings, or why it was not scanned."""
    try:
        return _scan_one(path)
    except NotScannedError as reason:
        return str(reason)


def _scan_one(path: Path) -> list[Finding]:
    data = read_content(path)
    if data is None:
        return []
    text, view = _decode(data)
    lines = _lines(text)
    long_lines = []
    short, short_lines = text, lines
    if max(map(len, lines)) > MAX_LINE_CHARS:
        long_lines = [n for n, line in enumerate(lines, 1) if len(line) > MAX_LINE_CHARS]
        short_lines = ["" if len(line) > MAX_LINE_CHARS else line for line in lines]
        short, view = "\n".join(short_lines), None
    possible = () if _filtered_by_path(path) else _possible(path.name, short, short_lines, view)
    if possible == () and not long_lines:
        return []  # most files: no copy, no detect-secrets
    try:
        with tempfile.TemporaryDirectory(prefix="ml-policy-secrets-") as folder:
            copy = Path(folder) / path.name  # the same name: extensions and file names matter
            found = _ml_tokens_in_long_lines(copy, text, lines, long_lines)
            if possible != ():
                found += _detect(copy, short, possible)
    except OSError as error:  # no writable temporary folder (TMPDIR)
        reason = f"not scanned for secrets: no temporary copy: {error.strerror or error}"
        raise NotScannedError(reason) from None
    # Two detect-secrets results on one line may widen to the same private keys.
    return list(dict.fromkeys(f for secret in found for f in _findings(path, lines, *secret)))


def _decode(data: bytes) -> tuple[str, bytes | None]:
    """The text, and its UTF-8 when that is `data` (the screen searches bytes)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Tokens are ASCII: Latin-1 keeps them intact in a file of any 8-bit encoding.
        return data.decode("latin-1"), None
    return text, data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data


Possible = tuple[screen.PatternScreen, ...] | None  # None: every pattern, every line


def _possible(name: str, text: str, lines: list[str], view: bytes | None) -> Possible:
    """The patterns that could match a line detect-secrets scans in `text` (see screen.py)."""
    if _SCREEN is None:
        return None
    if screen.may_invent_text(name, text) and screen.may_be_transformed(name, lines):
        return _SCREEN.patterns
    possible = _SCREEN.possible(text, view, fenced=screen.keeps_whole_runs(name, text))
    if not possible or screen.may_be_transformed(name, lines):
        return possible
    # detect-secrets will scan these very lines: only a match on one of them counts.
    stripped = [line.rstrip() for line in lines]
    return possible if screen.candidate_lines(stripped, possible) else ()


def _ml_tokens_in_long_lines(
    copy: Path, text: str, lines: list[str], numbers: list[int]
) -> list[Detected]:
    """Our detectors (linear-time patterns) on the lines detect-secrets is not given.

    Some of detect-secrets' own patterns take quadratic time on one long line
    (NpmDetector's `//.+/:_authToken=`: minutes on a notebook's base64 image
    output), so lines over MAX_LINE_CHARS are blanked for it; cloud keys on
    such lines are not found. Our contextual detectors read the lines before
    a candidate from `copy`, which holds the whole text meanwhile.
    """
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import get_code_snippet

    if not numbers:
        return []
    copy.write_text(text, encoding="utf-8")
    found: list[Detected] = []
    for number in numbers:
        line = lines[number - 1]
        snippet = get_code_snippet(lines, number)
        if is_line_allowlisted(str(copy), line, snippet):
            continue
        for detector in _ML_ENABLED:
            secrets = detector().analyze_line(str(copy), line, number, snippet)
            found += [(number, s.type, s.secret_value or "", s.secret_hash) for s in secrets]
    return found


def _lines(text: str) -> list[str]:
    """Lines as detect-secrets numbers them (universal newlines; not str.splitlines,
    which also splits at form feeds and other separators)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


_SCREEN: screen.Screen | None = None  # None: every file and line goes to detect-secrets
_ML_ENABLED: tuple[type[_MLTokenDetector], ...] = ()


def _screen(disabled: frozenset[str]) -> screen.Screen | None:
    """The screen for the plugins detect-secrets runs now (inside `_settings`).

    detect-secrets calls every plugin and filter on every line through its
    dependency injection (measured: ~12k lines/s per core on timm's sources),
    and searching the whole text with every pattern costs about as much: the
    screen (screen.py) looks for what every match must contain instead, and
    hands detect-secrets only the lines where a pattern matches. `disabled`
    is already in the settings; the parameter lets tests turn screening off.
    """
    import locale

    from detect_secrets.settings import get_plugins

    del disabled
    # detect-secrets reads our UTF-8 copy with open()'s default encoding: the screen
    # reads the text as UTF-8, so the two must agree (they do in UTF-8 locales and mode).
    if codecs.lookup(locale.getpreferredencoding(False)).name != "utf-8":
        return None
    return screen.build(get_plugins())


def _filtered_by_path(path: Path) -> bool:
    """detect-secrets' path filters (swagger files), on the file's real path."""
    from detect_secrets.filters.heuristic import is_swagger_file

    return is_swagger_file(str(path))


def _detect(copy: Path, text: str, possible: Possible) -> list[Detected]:
    """detect-secrets on `text`, written to `copy` (UTF-8, which is all it reads)."""
    copy.write_text(text, encoding="utf-8")
    try:
        return [
            (secret.line_number, secret.type, secret.secret_value, secret.secret_hash)
            for secret in _scan_file(str(copy), possible)
            if secret.secret_value is not None
        ]
    except Exception as error:  # detect-secrets' parsers can fail on odd files: say so
        raise NotScannedError(f"not scanned for secrets: {type(error).__name__}") from None


def _scan_file(filename: str, possible: Possible) -> list[PotentialSecret]:
    """detect-secrets' `scan_file` (1.5.0), its plugins run only on the lines a possible
    pattern matches. Its transformers give the lines: the file's own, or those of an
    INI or YAML parse; a second pass with eager transformers if the first found nothing."""
    from detect_secrets.core import scan as ds
    from detect_secrets.settings import get_plugins

    if possible is None:
        return list(ds.scan_file(filename))
    if not get_plugins() or ds._is_filtered_out(["filename"], filename=filename):
        return []
    found: list[PotentialSecret] = []
    try:
        for lines in ds._get_lines_from_file(filename):
            found += _scan_lines(filename, lines, possible)
            if found:
                break
    except OSError:  # as detect-secrets: what was found stays, the rest is skipped
        pass
    return found


def _scan_lines(filename: str, lines: list[str], possible: Possible) -> Iterator[PotentialSecret]:
    """detect-secrets' `_process_line_based_plugins` on the candidate lines only: a
    line no plugin pattern matches yields nothing from any plugin, so skipping it
    changes nothing. Snippets (for `nextline` pragmas) still see every line."""
    from detect_secrets.core import scan as ds
    from detect_secrets.settings import get_plugins
    from detect_secrets.util.code_snippet import get_code_snippet

    candidates = screen.candidate_lines([line.rstrip() for line in lines], possible or ())
    for index in candidates:
        number, line = index + 1, lines[index].rstrip()
        snippet = get_code_snippet(lines=lines, line_number=number)
        if ds._is_filtered_out(["line"], filename=filename, line=line, context=snippet):
            continue
        for plugin in get_plugins():
            for secret in ds._scan_line(plugin, filename, line, number, snippet):
                if not ds._is_filtered_out(
                    ["context"],
                    filename=secret.filename,
                    secret=secret.secret_value,
                    plugin=plugin,
                    line=line,
                    context=snippet,
                ):
                    yield secret


def _findings(
    path: Path, lines: Sequence[str], number: int, kind: str, secret: str, hashed: str
) -> list[Finding]:
    from ml_policy.secrets import exact

    source = lines[number - 1] if 0 < number <= len(lines) else ""
    line = max(number, 1)
    if kind == exact.PRIVATE_KEY:  # detect-secrets found the marker: the secret is the key
        blocks = exact.private_key_blocks(lines, line)
        if blocks:  # always: detect-secrets found the marker in this text
            return [Finding(path, line, c, kind, key, _hash(key), source) for c, key in blocks]
    column = source.find(secret) + 1 or 1
    return [Finding(path, line, column, kind, secret, hashed, source)]


def _hash(secret: str) -> str:
    from detect_secrets.core.potential_secret import PotentialSecret

    return str(PotentialSecret.hash_secret(secret))


@contextmanager
def _settings(disabled: Collection[str]) -> Iterator[None]:
    """detect-secrets configured with our plugins and filters, for the duration of a scan."""
    from detect_secrets.settings import transient_settings

    from ml_policy.secrets import exact

    builtin, ml = enabled_plugins(disabled)
    path = _register_ml_plugins()
    config: dict[str, Any] = {
        "plugins_used": [
            *({"name": name} for name in builtin),
            *({"name": name, "path": path} for name in ml),
        ],
        "filters_used": [{"path": f} for f in FILTERS if f not in _PATH_FILTERS],
    }
    with transient_settings(config):
        exact.install()  # the whole secret as the value, for every detector
        yield


@cache
def _register_ml_plugins() -> str:
    """Load our plugin file the way `detect-secrets --plugin FILE` does; its file:// URL."""
    from detect_secrets.core.plugins.initialize import from_file

    from ml_policy.secrets import plugins

    filename = str(Path(plugins.__file__).resolve())
    from_file(filename)
    return f"file://{filename}"


@contextmanager
def _quiet() -> Iterator[None]:
    """No checker prints: detect-secrets logs to stderr, so mute it while scanning."""
    logger = logging.getLogger("detect-secrets")
    was_disabled = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was_disabled
