"""`[tool.ml-policy]` in pyproject.toml -> a typed, validated Settings object.

Settings are layered: the recorded bundle's ml-policy.toml (ml-strict's latest
version when no bundle is recorded), then the user's table key by key, then
the command line. Unknown keys are errors that name the file, line and key:
a typo must never silently switch policy off.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any

from ml_policy.errors import PolicyError

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TABLE = "tool.ml-policy"
CODE_PATTERN = re.compile(r"ML[A-Z]*[0-9]*")
# Gitignore patterns pathspec always accepts (checked over every short combination).
PLAIN_PATTERN = re.compile(r"[\w.* /-]*")
# Error messages quote user values at most this long: a value may be a pasted token.
EXCERPT = 40
CODE_EXCERPT = 16  # rule codes are 6 characters: a longer one is not a typo of one
KEY_EXCERPT = 24  # the longest key is 22


class ConfigError(PolicyError):
    """A configuration problem, always naming the file (and line and key when known)."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.detail = message


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """`value` as text, cut to `limit` characters with an ellipsis (for error messages)."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}\u2026"


def quoted(value: object, limit: int = EXCERPT) -> str:
    """A user value for an error message: short, and quoted as Python would."""
    return repr(excerpt(value, limit))


# --- the typed settings -------------------------------------------------------


@dataclass(frozen=True)
class DepsSettings:
    """How strictly dependencies must be pinned (the MLD rules)."""

    mode: str = "app"  # app: exact pins or a lock file; library: lower bounds
    pin: str = "exact"  # app mode only: exact, or bounded (a range with an upper bound)


@dataclass(frozen=True)
class ArtifactSettings:
    """Size and git-lfs limits for weights, datasets and notebooks (the MLA rules)."""

    max_kb: int = 500
    lfs: tuple[str, ...] = ()
    limits: Mapping[str, int] = field(default_factory=dict)
    notebook_max_kb: int = 1024
    allow_notebook_outputs: bool = False


@dataclass(frozen=True)
class SecretSettings:
    """detect-secrets set-up (the MLK rules)."""

    baseline: str = ".secrets.baseline"
    disable_plugins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Override:
    """A deliberate, documented departure from the bundle (`[tool.ml-policy.overrides]`)."""

    key: str
    reason: str
    add: tuple[Any, ...] = ()
    remove: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Settings:
    """The effective policy for the files below `root`."""

    root: Path
    source: Path | None = None  # the pyproject.toml read, if any
    bundle: str | None = None  # "name@version" as recorded by `init`
    select: tuple[str, ...] = ("ML",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    ml_packages: tuple[str, ...] = ()
    free_threaded: bool = False
    deps: DepsSettings = DepsSettings()
    artifacts: ArtifactSettings = ArtifactSettings()
    secrets: SecretSettings = SecretSettings()
    overrides: Mapping[str, Override] = field(default_factory=dict)

    def is_enabled(self, code: str, path: Path | None = None) -> bool:
        """Whether `code` is on for `path`: the longest matching prefix wins, as in Ruff."""
        selected = _longest_prefix(code, (*self.select, *self.extend_select))
        ignored = _longest_prefix(code, self.ignore)
        if selected < 0 or ignored >= selected:
            return False
        return path is None or not any(code.startswith(p) for p in self.ignored_for(path))

    def ignored_for(self, path: Path) -> tuple[str, ...]:
        """Codes `per-file-ignores` turns off for `path`."""
        if not self.per_file_ignores:
            return ()  # the common case, without resolving the path (two realpath calls)
        relative = self.relative(path)
        return tuple(
            code
            for spec, codes in self._per_file_specs
            if spec.match_file(relative)
            for code in codes
        )

    def is_excluded(self, path: Path, folder: bool = False) -> bool:
        """Whether `exclude` (gitignore syntax, relative to `root`) covers `path`.

        A folder is matched as `name/`, so that a pattern like `vendor/` covers it.
        """
        if not self.exclude:
            return False
        relative = self.relative(path)
        return self._exclude_spec.match_file(f"{relative}/" if folder else relative)

    def relative(self, path: Path) -> str:
        """`path` relative to `root`, in POSIX form (as patterns are written)."""
        try:
            # realpath, not Path.resolve(): that raises on a symlink loop before Python 3.13.
            return Path(os.path.realpath(path)).relative_to(self._real_root).as_posix()
        except ValueError:
            return path.as_posix()

    @cached_property
    def _real_root(self) -> str:
        # Resolved once: discovery asks for every file and folder.
        return os.path.realpath(self.root)

    @cached_property
    def _exclude_spec(self) -> GitIgnoreSpec:
        return _gitignore(self.exclude)

    @cached_property
    def _per_file_specs(self) -> list[tuple[GitIgnoreSpec, tuple[str, ...]]]:
        return [(_gitignore([p]), codes) for p, codes in self.per_file_ignores.items()]


def _gitignore(patterns: Sequence[str]) -> GitIgnoreSpec:
    # Only runs that filter paths need pathspec.
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(patterns)


def _longest_prefix(code: str, prefixes: Sequence[str]) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


# --- validation ----------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns an error message or None


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _size_kb(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be a whole number of kilobytes (0 or more)"


def _strings(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    return None if ok else "must be a list of strings"


def _codes(value: Any) -> str | None:
    if _strings(value):
        return 'must be a list of rule codes or prefixes, like ["MLM", "MLP001"]'
    return next((problem for code in value if (problem := code_problem(code))), None)


def code_problem(code: str) -> str | None:
    """Why `code` is not a rule code or code prefix of this release; None when it is one.

    As in Ruff, a selector must name something that exists: a typo (`MLP01`,
    `MLX999`) would otherwise select nothing, or ignore nothing, in silence.
    A family reserved for a later release (`MLG`) is valid and selects nothing yet.
    """
    from ml_policy.checkers import RESERVED_FAMILIES  # the registry imports this module

    if code in _known_prefixes():
        return None
    if not code.strip(" ,"):
        return f"{quoted(code, CODE_EXCERPT)} is not a rule code (an empty string or a stray comma)"
    problem = f"{quoted(code, CODE_EXCERPT)} is not an ml-policy rule code or prefix"
    family = RESERVED_FAMILIES.get(code[:3])
    if family and CODE_PATTERN.fullmatch(code):
        return f"{problem} (the {code[:3]} rules, {family}, come in a later release)"
    if code.upper() == "ALL":
        return f"{problem} (`ML` selects every ml-policy rule)"
    suggestion = _closest_code(code)
    if suggestion:
        return f"{problem} (did you mean {suggestion!r}?)"
    if not code.upper().startswith("ML"):
        return f"{problem} (ml-policy codes start with ML; Ruff's go in [tool.ruff])"
    return f"{problem} (`ml-policy rule --all` lists them)"


def selects_nothing(code: str) -> bool:
    """Whether a valid selector matches no rule of this release (a family reserved for later)."""
    from ml_policy.checkers import RULE_CODES

    return not any(known.startswith(code) for known in RULE_CODES)


@cache
def _known_prefixes() -> frozenset[str]:
    """Every valid selector: each prefix (from "ML" on) of each rule code and reserved family."""
    from ml_policy.checkers import RESERVED_FAMILIES, RULE_CODES

    return frozenset(
        name[:end] for name in (*RULE_CODES, *RESERVED_FAMILIES) for end in range(2, len(name) + 1)
    )


def _closest_code(code: str) -> str | None:
    from ml_policy.checkers import RULE_CODES

    if code.upper() in _known_prefixes():
        return code.upper()
    families = {known[:3] for known in RULE_CODES}
    close = difflib.get_close_matches(code.upper(), [*RULE_CODES, *families], n=1, cutoff=0.75)
    return close[0] if close else None


def _patterns(value: Any) -> str | None:
    """A list of gitignore patterns that pathspec can compile."""
    return _strings(value) or next(
        (problem for pattern in value if (problem := pattern_problem(pattern))), None
    )


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not a valid gitignore pattern, or None."""
    if PLAIN_PATTERN.fullmatch(pattern):
        return None  # always valid: no need to import pathspec (the bundles' patterns)
    try:
        _gitignore([pattern])
    except ValueError:  # pathspec's GitIgnorePatternError, e.g. for "!" or a trailing "\\"
        return f"{quoted(pattern)} is not a valid gitignore pattern"
    return None


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(map(repr, choices))}"

    return check


def _bundle_ref(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*@[0-9]+", value):
        return None
    return 'must be "NAME@VERSION", e.g. "ml-strict@1" (a recorded bundle is always pinned)'


def _table_of(check: Check, key_check: Check | None = None) -> Check:
    def check_table(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "must be a table"
        for key, item in value.items():
            if key_check and (problem := key_check(key)):
                return problem
            if problem := check(item):
                return f"[{quoted(key)}] {problem}"
        return None

    return check_table


def _override(value: Any) -> str | None:
    if not isinstance(value, dict):
        return 'must be a table like { add = ["E501"], reason = "..." }'
    unknown = set(value) - {"add", "remove", "reason"}
    if unknown:
        return f"has unknown key {sorted(unknown)[0]!r} (expected add, remove, reason)"
    if not isinstance(value.get("reason"), str) or not value["reason"].strip():
        return "needs a reason: every departure from the bundle says why"
    if any(not isinstance(value.get(k, []), list) for k in ("add", "remove")):
        return "add and remove must be lists"
    return None


Schema = Mapping[str, "Check | Schema"]

SCHEMA: Schema = {
    "bundle": _bundle_ref,
    "select": _codes,
    "extend-select": _codes,
    "ignore": _codes,
    "per-file-ignores": _table_of(_codes, pattern_problem),
    "exclude": _patterns,
    "ml-packages": _strings,
    "free-threaded": _boolean,
    "deps": {"mode": _one_of("app", "library"), "pin": _one_of("exact", "bounded")},
    "artifacts": {
        "max-kb": _size_kb,
        "lfs": _patterns,
        "limits": _table_of(_size_kb, pattern_problem),
        "notebook-max-kb": _size_kb,
        "allow-notebook-outputs": _boolean,
    },
    "secrets": {"baseline": _string, "disable-plugins": _strings},
    "overrides": _table_of(_override),
}


def validate(table: Mapping[str, Any], schema: Schema, where: tuple[str, ...]) -> None:
    """Raise InvalidSettingError for the first unknown key or bad value in `table`."""
    for key, value in table.items():
        rule = schema.get(key)
        path = (*where, key)
        if rule is None:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InvalidSettingError(path, f"unknown key {quoted(key, KEY_EXCERPT)}{hint}")
        if isinstance(rule, Mapping):
            if not isinstance(value, dict):
                raise InvalidSettingError(path, "must be a table")
            validate(value, rule, path)
        elif problem := rule(value):
            raise InvalidSettingError(path, problem)


class InvalidSettingError(Exception):
    """A bad key or value, before it is tied to a file and line."""

    def __init__(self, key_path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.key_path = key_path

    def describe(self, table: str) -> str:
        keys = [excerpt(key, KEY_EXCERPT) for key in self.key_path]
        parent = ".".join((table, *keys[:-1])) if table else ".".join(keys[:-1])
        return f"[{parent}] {keys[-1]}: {self}" if parent else f"{keys[-1]}: {self}"


def key_line(text: str, table: str, key_path: Sequence[str]) -> int | None:
    """Best-effort line of a key in TOML text, for error messages: the key's line, else its
    deepest table header's; None when neither is written."""
    from ml_policy.tomlpos import TomlPositions  # only an error message needs it

    return TomlPositions(text).key_line([*table.split("."), *key_path] if table else key_path)


# --- reading -----------------------------------------------------------------


MAX_CONFIG_BYTES = 16 * 1024 * 1024  # a configuration file is never this large


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """Read a TOML file, turning every failure into a ConfigError naming it."""
    from ml_policy.files import read_regular

    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(path, f"cannot read: {error}") from None
    except OSError as error:
        raise ConfigError(path, f"cannot read: {error.strerror or error}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message, line, _ = toml_error_position(error)
        raise ConfigError(path, f"invalid TOML: {message}", line) from None
    except RecursionError:
        raise ConfigError(path, "invalid TOML: nested too deep") from None


def toml_error_position(error: tomllib.TOMLDecodeError) -> tuple[str, int | None, int | None]:
    """(reason, line, column) of a TOML error: Python 3.14 gives lineno/colno; older ones
    say "(at line L, column C)" at the end of the message."""
    message = str(error)
    line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
    if line is None and message.endswith(")") and "(at line " in message:
        message, _, where = message[:-1].rpartition(" (at line ")
        line_text, _, column_text = where.partition(", column ")
        line = int(line_text) if line_text.isdigit() else None
        column = int(column_text) if column_text.isdigit() else None
    return getattr(error, "msg", message), line, column


def ml_policy_table(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `[tool.ml-policy]` table of a parsed pyproject, if it has one."""
    tool = document.get("tool")
    table = tool.get("ml-policy") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def settings_table(path: Path, text: str, document: Mapping[str, Any]) -> dict[str, Any] | None:
    """`[tool.ml-policy]` of a pyproject, or None; ConfigError when it is there but not a
    table (`[tool] ml-policy = 5`, `[[tool.ml-policy]]`) or misspelt (`[tool.ml_policy]`):
    a settings table that is silently skipped would switch the user's policy off."""
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return None
    if "ml-policy" not in tool:
        misspelt = next((key for key in tool if _looks_like_our_table(key)), None)
        if misspelt is not None:
            line = key_line(text, "", ["tool", misspelt])
            message = f"[tool.{excerpt(misspelt)}]: unknown table (did you mean [{TABLE}]?)"
            raise ConfigError(path, message, line)
        return None
    table = tool["ml-policy"]
    if isinstance(table, dict):
        return table
    line = key_line(text, TABLE, [])
    shape = "an array of tables ([[tool.ml-policy]])" if isinstance(table, list) else "a value"
    raise ConfigError(path, f"[{TABLE}] must be a table, not {shape}", line)


def _looks_like_our_table(key: str) -> bool:
    """`ml_policy`, `mlpolicy`, `ML-Policy`, `ml.policy`: our table's name, misspelt."""
    return key != "ml-policy" and re.sub(r"[-_. ]", "", key.lower()) == "mlpolicy"


def checked_table(path: Path, text: str, table: Mapping[str, Any], prefix: str) -> None:
    """Validate a settings table, reporting problems at their line in `path`."""
    try:
        validate(table, SCHEMA, ())
    except InvalidSettingError as problem:
        line = key_line(text, prefix, problem.key_path)
        raise ConfigError(path, problem.describe(prefix), line) from None


def build_settings(
    root: Path, source: Path | None, layers: Sequence[Mapping[str, Any]]
) -> Settings:
    """Fold validated tables (bundle defaults first, user last) into Settings."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return _from_table(root, source, merged)


def _from_table(root: Path, source: Path | None, table: Mapping[str, Any]) -> Settings:
    deps = table.get("deps", {})
    artifacts = table.get("artifacts", {})
    secrets = table.get("secrets", {})
    overrides = {
        key: Override(
            key, value["reason"], tuple(value.get("add", ())), tuple(value.get("remove", ()))
        )
        for key, value in table.get("overrides", {}).items()
    }
    defaults = ArtifactSettings()
    return Settings(
        root=root,
        source=source,
        bundle=table.get("bundle"),
        select=tuple(table.get("select", ("ML",))),
        extend_select=tuple(table.get("extend-select", ())),
        ignore=tuple(table.get("ignore", ())),
        per_file_ignores={k: tuple(v) for k, v in table.get("per-file-ignores", {}).items()},
        exclude=tuple(table.get("exclude", ())),
        ml_packages=tuple(table.get("ml-packages", ())),
        free_threaded=table.get("free-threaded", False),
        deps=DepsSettings(mode=deps.get("mode", "app"), pin=deps.get("pin", "exact")),
        artifacts=ArtifactSettings(
            max_kb=artifacts.get("max-kb", defaults.max_kb),
            lfs=tuple(artifacts.get("lfs", ())),
            limits=dict(artifacts.get("limits", {})),
            notebook_max_kb=artifacts.get("notebook-max-kb", defaults.notebook_max_kb),
            allow_notebook_outputs=artifacts.get("allow-notebook-outputs", False),
        ),
        secrets=SecretSettings(
            baseline=secrets.get("baseline", SecretSettings.baseline),
            disable_plugins=tuple(secrets.get("disable-plugins", ())),
        ),
        overrides=overrides,
    )


# --- command-line overrides and per-directory resolution -------------------------


@dataclass(frozen=True)
class CliOverrides:
    """Settings given on the command line; they beat every file."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings,
            select=self.select if self.select is not None else settings.select,
            extend_select=(*settings.extend_select, *self.extend_select),
            ignore=(*settings.ignore, *self.ignore),
            exclude=self.exclude if self.exclude is not None else settings.exclude,
        )

    def problems(self) -> list[str]:
        """Bad codes and patterns given on the command line, as usage errors."""
        given = [
            *(("--select", code) for code in self.select or ()),
            *(("--extend-select", code) for code in self.extend_select),
            *(("--ignore", code) for code in self.ignore),
        ]
        found = [
            f"{option}: {problem}" for option, code in given if (problem := code_problem(code))
        ]
        patterns = self.exclude or ()
        found += [f"--exclude: {problem}" for p in patterns if (problem := pattern_problem(p))]
        return found

    def warnings(self) -> list[str]:
        """Valid selectors that select no rule of this release (a family reserved for later)."""
        chosen = [("--select", c) for c in self.select or ()]
        chosen += [("--extend-select", c) for c in self.extend_select]
        return [
            f"{option}: {_selects_nothing_yet(code)}"
            for option, code in chosen
            if selects_nothing(code)
        ]


def _selects_nothing_yet(code: str) -> str:
    from ml_policy.checkers import RESERVED_FAMILIES

    family = RESERVED_FAMILIES.get(code[:3])
    later = f": the {code[:3]} rules ({family}) come in a later release" if family else ""
    return f"{code!r} selects no rule yet{later}"


@dataclass(frozen=True)
class BrokenSettings:
    """A nested project's pyproject.toml that could not be used: MLE001 for that file."""

    path: Path
    line: int
    message: str


class SettingsResolver:
    """Find the settings for each file: the nearest pyproject.toml with a
    `[tool.ml-policy]` table above it (as Ruff does), each read once per run.

    The pyproject.toml of the working directory and of the folders above it
    are the run's own settings: a problem there stops the run. One below it (a
    vendored package, a test fixture) that cannot be used is reported as MLE001
    for that file, and its folder is checked with the nearest valid settings
    above it. A folder that `exclude` covers is never looked into for settings.
    """

    def __init__(self, cli: CliOverrides | None = None, cwd: Path | None = None) -> None:
        self._cli = cli or CliOverrides()
        self._cwd = Path(os.path.realpath(cwd or Path.cwd()))
        self._by_directory: dict[Path, Settings] = {}
        # Files arrive by the thousand from a few folders: the settings of a regular file
        # (not a symlink, which may point anywhere) are its folder's, so they are kept by
        # the folder as given, and each folder is resolved once.
        self._by_parent: dict[Path, Settings] = {}
        self._defaults_settings: Settings | None = None
        self.broken: dict[Path, BrokenSettings] = {}
        self.warnings: dict[str, None] = {}  # in order, each once

    def for_path(self, path: Path) -> Settings:
        try:
            regular_file = S_ISREG(os.lstat(os.path.join(self._cwd, path)).st_mode)
        except (OSError, ValueError):
            regular_file = False
        if regular_file:
            parent = path.parent
            settings = self._by_parent.get(parent)
            if settings is None:
                settings = self._for_directory(Path(os.path.realpath(self._cwd / parent)))
                self._by_parent[parent] = settings
            return settings
        absolute = Path(os.path.realpath(self._cwd / path))  # no RuntimeError on a symlink loop
        # os.path.isdir: False (not an exception) for a folder that cannot be entered.
        directory = absolute if os.path.isdir(absolute) else absolute.parent
        return self._for_directory(directory)

    def _for_directory(self, directory: Path) -> Settings:
        cached = self._by_directory.get(directory)
        if cached is not None:
            return cached
        pyproject = directory / "pyproject.toml"
        if self._is_own(directory):
            # The run's own settings: nearest first, and every problem is fatal.
            settings = self._read(pyproject) or self._above(directory)
        elif directory.is_relative_to(self._cwd):
            # Below the run: the settings above decide whether this folder is
            # excluded, in which case its pyproject.toml is never read.
            above = self._above(directory)
            excluded = above.is_excluded(pyproject)
            settings = above if excluded else self._read_nested(pyproject, lambda: above)
        else:
            # Beside the run (a path given outside the working directory): nearest first.
            settings = self._read_nested(pyproject, lambda: self._above(directory))
        self._by_directory[directory] = settings
        return settings

    def _is_own(self, directory: Path) -> bool:
        return directory == self._cwd or directory in self._cwd.parents

    def _above(self, directory: Path) -> Settings:
        parent = directory.parent
        return self._for_directory(parent) if parent != directory else self._defaults()

    def _read_nested(self, pyproject: Path, above: Callable[[], Settings]) -> Settings:
        """A nested project's settings; when they cannot be used, MLE001 and those above."""
        try:
            settings = self._read(pyproject)
        except ConfigError as error:
            fallback = above()
            folder, source = self._shown(pyproject.parent), self._describe(fallback)
            message = f"{error.detail}; the files below {folder} are checked with {source}"
            self.broken[pyproject] = BrokenSettings(pyproject, error.line or 1, message)
            return fallback
        return settings or above()

    def _describe(self, settings: Settings) -> str:
        if settings.source is None:
            return "the default settings (ml-strict) instead"
        return f"the settings of {self._shown(settings.source)} instead"

    def _shown(self, path: Path) -> str:
        return Path(os.path.relpath(path, self._cwd)).as_posix()

    def _read(self, pyproject: Path) -> Settings | None:
        try:
            if not S_ISREG(os.stat(pyproject).st_mode):
                return None
        except (OSError, ValueError):
            return None  # none there, or a folder that cannot be entered: nothing to read
        text, document = read_toml(pyproject)
        table = settings_table(pyproject, text, document)
        if table is None:
            return None
        checked_table(pyproject, text, table, TABLE)
        bundle_layer = bundle_defaults(table.get("bundle"), pyproject)
        settings = build_settings(pyproject.parent, pyproject, [bundle_layer, table])
        self._warn_reserved(pyproject, text, table)
        return self._cli.apply(settings)

    def _warn_reserved(self, pyproject: Path, text: str, table: Mapping[str, Any]) -> None:
        for key in ("select", "extend-select"):
            for code in table.get(key, ()):
                if selects_nothing(code):
                    where = f"{pyproject}:{key_line(text, TABLE, [key]) or 1}"
                    self.warnings[f"{where}: [{TABLE}] {key}: {_selects_nothing_yet(code)}"] = None

    def _defaults(self) -> Settings:
        if self._defaults_settings is None:
            settings = build_settings(self._cwd, None, [bundle_defaults(None, None)])
            self._defaults_settings = self._cli.apply(settings)
        return self._defaults_settings


def bundle_defaults(ref: str | None, pyproject: Path | None) -> dict[str, Any]:
    """The bundle's ml-policy.toml (ml-strict's latest when none is recorded)."""
    # Imported here: bundles imports this module.
    from ml_policy import bundles

    try:
        bundle = bundles.get(ref) if ref else bundles.latest(bundles.DEFAULT_BUNDLE)
    except bundles.BundleError as error:
        where = pyproject or Path("pyproject.toml")
        line = key_line(where.read_text("utf-8-sig"), TABLE, ["bundle"]) if pyproject else None
        raise ConfigError(where, f"[{TABLE}] bundle: {error}", line) from None
    return bundle.ml_policy_settings()
