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
from functools import cached_property
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


class ConfigError(PolicyError):
    """A configuration problem, always naming the file (and line and key when known)."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


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

    def is_excluded(self, path: Path) -> bool:
        """Whether `exclude` (gitignore syntax, relative to `root`) covers `path`."""
        return bool(self.exclude) and self._exclude_spec.match_file(self.relative(path))

    def relative(self, path: Path) -> str:
        """`path` relative to `root`, in POSIX form (as patterns are written)."""
        try:
            # realpath, not Path.resolve(): that raises on a symlink loop before Python 3.13.
            real = os.path.realpath
            return Path(real(path)).relative_to(real(self.root)).as_posix()
        except ValueError:
            return path.as_posix()

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
    bad = [v for v in value if not CODE_PATTERN.fullmatch(v)]
    return (
        f"{bad[0]!r} is not an ml-policy rule code or prefix (they start with ML)" if bad else None
    )


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(map(repr, choices))}"

    return check


def _bundle_ref(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*@[0-9]+", value):
        return None
    return 'must be "NAME@VERSION", e.g. "ml-strict@1" (a recorded bundle is always pinned)'


def _table_of(check: Check) -> Check:
    def check_table(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "must be a table"
        for key, item in value.items():
            if problem := check(item):
                return f"[{key!r}] {problem}"
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
    "per-file-ignores": _table_of(_codes),
    "exclude": _strings,
    "ml-packages": _strings,
    "free-threaded": _boolean,
    "deps": {"mode": _one_of("app", "library"), "pin": _one_of("exact", "bounded")},
    "artifacts": {
        "max-kb": _size_kb,
        "lfs": _strings,
        "limits": _table_of(_size_kb),
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
            raise InvalidSettingError(path, f"unknown key {key!r}{hint}")
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
        parent = ".".join((table, *self.key_path[:-1])) if table else ".".join(self.key_path[:-1])
        return (
            f"[{parent}] {self.key_path[-1]}: {self}" if parent else f"{self.key_path[-1]}: {self}"
        )


def key_line(text: str, table: str, key_path: Sequence[str]) -> int | None:
    """Best-effort line of a key in TOML text, for error messages: the key's line, else its
    deepest table header's; None when neither is written."""
    from ml_policy.tomlpos import TomlPositions  # only an error message needs it

    return TomlPositions(text).key_line([*table.split("."), *key_path] if table else key_path)


# --- reading -----------------------------------------------------------------


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """Read a TOML file, turning every failure into a ConfigError naming it."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, f"cannot read: {error}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        message = getattr(error, "msg", str(error))
        raise ConfigError(path, f"invalid TOML: {message}", line) from None
    except RecursionError:
        raise ConfigError(path, "invalid TOML: nested too deep") from None


def ml_policy_table(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `[tool.ml-policy]` table of a parsed pyproject, if it has one."""
    tool = document.get("tool")
    table = tool.get("ml-policy") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


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
        """Bad codes given on the command line, as usage errors."""
        given = [*(self.select or ()), *self.extend_select, *self.ignore]
        return [
            f"{c!r} is not an ml-policy rule code or prefix"
            for c in given
            if not CODE_PATTERN.fullmatch(c)
        ]


class SettingsResolver:
    """Find the settings for each file: the nearest pyproject.toml with a
    `[tool.ml-policy]` table above it (as Ruff does), each read once per run."""

    def __init__(self, cli: CliOverrides | None = None, cwd: Path | None = None) -> None:
        self._cli = cli or CliOverrides()
        self._cwd = (cwd or Path.cwd()).resolve()
        self._by_directory: dict[Path, Settings] = {}
        # Files arrive by the thousand from a few folders: the settings of a regular file
        # (not a symlink, which may point anywhere) are its folder's, so they are kept by
        # the folder as given, and each folder is resolved once.
        self._by_parent: dict[Path, Settings] = {}

    def for_path(self, path: Path) -> Settings:
        try:
            regular_file = S_ISREG(os.lstat(os.path.join(self._cwd, path)).st_mode)
        except (OSError, ValueError):
            regular_file = False
        if regular_file:
            parent = path.parent
            settings = self._by_parent.get(parent)
            if settings is None:
                settings = self._for_directory((self._cwd / parent).resolve())
                self._by_parent[parent] = settings
            return settings
        absolute = Path(os.path.realpath(self._cwd / path))  # no RuntimeError on a symlink loop
        directory = absolute if absolute.is_dir() else absolute.parent
        return self._for_directory(directory)

    def _for_directory(self, directory: Path) -> Settings:
        cached = self._by_directory.get(directory)
        if cached is not None:
            return cached
        settings = self._read(directory / "pyproject.toml")
        if settings is None:
            parent = directory.parent
            settings = self._for_directory(parent) if parent != directory else self._defaults()
        self._by_directory[directory] = settings
        return settings

    def _read(self, pyproject: Path) -> Settings | None:
        if not pyproject.is_file():
            return None
        text, document = read_toml(pyproject)
        table = ml_policy_table(document)
        if table is None:
            return None
        checked_table(pyproject, text, table, TABLE)
        bundle_layer = bundle_defaults(table.get("bundle"), pyproject)
        settings = build_settings(pyproject.parent, pyproject, [bundle_layer, table])
        return self._cli.apply(settings)

    def _defaults(self) -> Settings:
        settings = build_settings(self._cwd, None, [bundle_defaults(None, None)])
        return self._cli.apply(settings)


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
