"""Where Ruff, mypy and bandit really read their configuration in one folder.

Each tool takes one file and ignores the others (none of them merges files),
so writing the bundle into a file the tool does not read switches the policy
off without a word. The precedence below is each tool's documented one, for
the tool versions this package pins:

- Ruff 0.17 (docs/configuration.md, "Config file discovery"): the closest
  folder with a configuration wins; in one folder `.ruff.toml` beats
  `ruff.toml`, which beats `pyproject.toml`; a pyproject.toml counts only
  with a `[tool.ruff]` table, a ruff.toml always.
- mypy 2.4 (config_file.rst, "Config file"; mypy/config_parser.py
  `_find_config_file`): `mypy.ini`, then `.mypy.ini`, then `pyproject.toml`
  with `[tool.mypy]`, then `setup.cfg` with `[mypy]`, in the current folder
  and then up to the repository root; the first found is the only one read.
  mypy.ini and .mypy.ini count even without a [mypy] section (mypy then runs
  with its defaults).
- bandit 1.9 (bandit/cli/main.py): `[tool.bandit]` only when given
  `-c pyproject.toml`; a `.bandit` INI file only through `--ini`, or when
  found by walking a *folder* target (never for file arguments, which is how
  pre-commit calls it); and whatever the `args:` of a bandit hook in
  .pre-commit-config.yaml say. Given both, bandit applies both: the INI's
  values act as command-line options, which add to the config file's.

Only one folder is looked at: `init` and the hooks run from the repository root.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ml_policy.config import ConfigError, read_toml

PYPROJECT = "pyproject.toml"
RUFF_FILES = (".ruff.toml", "ruff.toml", PYPROJECT)
MYPY_FILES = ("mypy.ini", ".mypy.ini", PYPROJECT, "setup.cfg")
BANDIT_INI = ".bandit"
PRECOMMIT = ".pre-commit-config.yaml"
BANDIT_HOOK_REPO = "github.com/pycqa/bandit"


@dataclass(frozen=True)
class Source:
    """One file holding a tool's configuration, and where in it."""

    path: Path
    section: str  # "[tool.ruff]", "[mypy]", "the whole file"

    def describe(self, root: Path) -> str:
        try:
            name = self.path.relative_to(root).as_posix()
        except ValueError:
            name = str(self.path)
        return name if self.section == WHOLE_FILE else f"{name} {self.section}"


WHOLE_FILE = "the whole file"


@dataclass(frozen=True)
class Found:
    """The file a tool reads (None: none, it runs with defaults) and those it ignores."""

    tool: str
    reads: Source | None
    shadows: tuple[Source, ...] = ()

    def shadowing(self, root: Path) -> str | None:
        """'X is read; Y, Z are ignored', or None when nothing is shadowed."""
        if self.reads is None or not self.shadows:
            return None
        ignored = ", ".join(source.describe(root) for source in self.shadows)
        return f"{self.tool} reads {self.reads.describe(root)}, and ignores {ignored}"


def ruff(folder: Path) -> Found:
    """Ruff's configuration in `folder`."""
    found = [
        Source(folder / name, "[tool.ruff]" if name == "pyproject.toml" else WHOLE_FILE)
        for name in RUFF_FILES
        if _has_ruff(folder / name)
    ]
    return Found("Ruff", found[0] if found else None, tuple(found[1:]))


def mypy(folder: Path) -> Found:
    """mypy's configuration in `folder`."""
    found = []
    for name in MYPY_FILES:
        path = folder / name
        if name == "pyproject.toml":
            if _toml_table(path, "mypy") is not None:
                found.append(Source(path, "[tool.mypy]"))
        elif name == "setup.cfg":
            if "mypy" in ini_sections(path):
                found.append(Source(path, "[mypy]"))
        elif path.is_file():
            found.append(Source(path, WHOLE_FILE))
    return Found("mypy", found[0] if found else None, tuple(found[1:]))


def _has_ruff(path: Path) -> bool:
    if path.name != "pyproject.toml":
        return path.is_file()
    return _toml_table(path, "ruff") is not None


def _toml_table(path: Path, tool: str) -> Mapping[str, Any] | None:
    """`[tool.<tool>]` of a TOML file, or None (no file, no table)."""
    if not path.is_file():
        return None
    table = read_toml(path)[1].get("tool", {})
    found = table.get(tool) if isinstance(table, Mapping) else None
    return found if isinstance(found, Mapping) else None


def read_ini(path: Path, *, interpolation: bool = False) -> configparser.RawConfigParser:
    """An INI file as the tool reads it: mypy with RawConfigParser, bandit with
    ConfigParser (interpolation on). Malformed: a ConfigError naming the line."""
    from ml_policy.files import read_regular

    parser = configparser.ConfigParser() if interpolation else configparser.RawConfigParser()
    try:
        text = read_regular(path).decode("utf-8-sig")
        parser.read_string(text, source=str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, f"cannot read: {error}") from None
    except configparser.Error as error:
        line = getattr(error, "lineno", None)
        message = str(error).splitlines()[0]
        raise ConfigError(path, f"invalid INI: {message}", line) from None
    return parser


def ini_sections(path: Path) -> list[str]:
    """The sections of an INI file ([] when there is none)."""
    return read_ini(path).sections() if path.is_file() else []


# --- bandit -------------------------------------------------------------------


@dataclass(frozen=True)
class BanditSettings:
    """bandit settings from one place: lists as bandit applies them."""

    origin: str  # where they were written, for messages
    skips: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    configfile: str | None = None  # a -c file named there
    ini: str | None = None  # an --ini file named there
    other: tuple[str, ...] = ()  # keys with no [tool.bandit] equivalent


@dataclass(frozen=True)
class BanditFound:
    """Every place bandit settings for this repository live."""

    pyproject: Path | None  # pyproject.toml with [tool.bandit]
    ini: Path | None  # .bandit with a [bandit] section
    ini_settings: BanditSettings | None
    hooks: tuple[BanditSettings, ...] = field(default_factory=tuple)


# The .bandit keys with a [tool.bandit] counterpart; the rest are run options
# (targets, recursive, format, output, level, ...) that only a command line has.
BANDIT_INI_KEYS = {"skips": "skips", "tests": "tests", "exclude": "exclude_dirs"}


def bandit(folder: Path) -> BanditFound:
    """bandit's configuration for the repository at `folder`."""
    pyproject = folder / "pyproject.toml"
    ini = folder / BANDIT_INI
    settings = bandit_ini(ini)
    return BanditFound(
        pyproject if _toml_table(pyproject, "bandit") is not None else None,
        ini if settings is not None else None,
        settings,
        tuple(bandit_hooks(folder / PRECOMMIT)),
    )


def bandit_ini(path: Path) -> BanditSettings | None:
    """A .bandit file's [bandit] section, or None (no file, no section: bandit ignores it)."""
    if not path.is_file():
        return None
    parser = read_ini(path, interpolation=True)
    if not parser.has_section("bandit"):
        return None
    values = dict(parser.items("bandit"))
    return BanditSettings(
        origin=path.name,
        skips=_commas(values.get("skips")),
        tests=_commas(values.get("tests")),
        exclude=_commas(values.get("exclude")),
        configfile=values.get("configfile"),
        other=tuple(key for key in values if key not in BANDIT_INI_KEYS),
    )


def _commas(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


# bandit's options that carry settings, by every spelling argparse accepts.
_HOOK_OPTIONS = {
    "-s": "skips",
    "--skip": "skips",
    "-t": "tests",
    "--tests": "tests",
    "-x": "exclude",
    "--exclude": "exclude",
    "-c": "configfile",
    "--configfile": "configfile",
    "--ini": "ini",
}


def precommit_file_filter(path: Path) -> Callable[[str], bool]:
    """Whether pre-commit gives a file (a path relative to the repository, with `/`) to its
    hooks at all: the top-level `files:` pattern finds it and `exclude:` does not (Python
    regular expressions, searched, as pre-commit does). Every file when the configuration
    cannot be read or its patterns compiled (pre-commit itself would refuse to run)."""
    document = _precommit_document(path)
    if not isinstance(document, dict):
        return lambda name: True
    try:
        found = re.compile(str(document.get("files", "")))
        excluded = re.compile(str(document.get("exclude", "^$")))
    except re.error:
        return lambda name: True
    return lambda name: bool(found.search(name)) and not excluded.search(name)


def _precommit_document(path: Path) -> Any:
    """.pre-commit-config.yaml as plain data; None when it cannot be read (the pre-commit
    merge reports that)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from ml_policy.files import read_regular

    try:
        return YAML(typ="safe").load(read_regular(path).decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, YAMLError):
        return None


def bandit_hooks(path: Path) -> list[BanditSettings]:
    """The settings in the `args:` of each bandit hook of .pre-commit-config.yaml.

    ml-policy-bandit does not see a hook's arguments, so init carries them into
    [tool.bandit]. A file that cannot be read is left to the pre-commit merge,
    which reports it.
    """
    if not path.is_file():
        return []
    document = _precommit_document(path)
    repos = document.get("repos") if isinstance(document, dict) else None
    found = []
    for repo in repos if isinstance(repos, list) else []:
        if not isinstance(repo, dict):
            continue
        url = str(repo.get("repo", ""))
        for hook in repo.get("hooks") or []:
            if isinstance(hook, dict) and _is_bandit_hook(url, hook):
                args = hook.get("args") or []
                where = f"the args of hook '{hook.get('id')}' ({url}) in {PRECOMMIT}"
                found.append(parse_bandit_args([str(a) for a in args], where))
    return found


def _is_bandit_hook(url: str, hook: Mapping[str, Any]) -> bool:
    upstream = BANDIT_HOOK_REPO in url.lower()
    return hook.get("id") == "bandit" and (upstream or url == "local")


def parse_bandit_args(args: Sequence[str], origin: str) -> BanditSettings:
    """Settings from a bandit command line, in every form argparse accepts
    (`-s B101`, `-sB101`, `--skip=B101`)."""
    values: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        for option, name in _HOOK_OPTIONS.items():
            if arg == option and index < len(args):
                values[name] = args[index]
                index += 1
            elif arg.startswith(option + "="):
                values[name] = arg[len(option) + 1 :]
            elif len(option) == 2 and arg.startswith(option) and not arg.startswith("--"):
                values[name] = arg[2:]
            else:
                continue
            break
    return BanditSettings(
        origin=origin,
        skips=_commas(values.get("skips")),
        tests=_commas(values.get("tests")),
        exclude=_commas(values.get("exclude")),
        configfile=values.get("configfile"),
        ini=values.get("ini"),
    )


def hook_settings(folder: Path, hook: BanditSettings) -> list[BanditSettings]:
    """A bandit hook's settings: its arguments, and the files they name (`-c` for a
    config file other than pyproject.toml, whose [tool.bandit] is read anyway; `--ini`)."""
    found = [hook]
    if hook.configfile and Path(hook.configfile).name != "pyproject.toml":
        found += _config_file_settings(folder / hook.configfile, hook.origin)
    if hook.ini:
        ini = bandit_ini(folder / hook.ini)
        found += [ini] if ini is not None else []
    return found


def _config_file_settings(path: Path, origin: str) -> list[BanditSettings]:
    """A bandit -c file: [tool.bandit] of a TOML file, or a YAML mapping."""
    if not path.is_file():
        return []
    if path.suffix == ".toml":
        table: Any = _toml_table(path, "bandit") or {}
    else:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        from ml_policy.files import read_regular

        try:
            table = YAML(typ="safe").load(read_regular(path).decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, YAMLError) as error:
            raise ConfigError(
                path, f"cannot read it as bandit's YAML configuration: {error}"
            ) from None
    if not isinstance(table, Mapping):
        return []

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    where = f"{path.name} (named by {origin})"
    other = tuple(str(key) for key in table if key not in {"skips", "tests", "exclude_dirs"})
    return [
        BanditSettings(
            where, strings("skips"), strings("tests"), strings("exclude_dirs"), other=other
        )
    ]


def bandit_arguments(folder: Path, args: Sequence[str], pyproject_ok: bool) -> list[str]:
    """The configuration options ml-policy-bandit adds to `args`.

    `--ini .bandit` when that file has a [bandit] section (bandit ignores it
    for file arguments), and `-c pyproject.toml` when `pyproject_ok` (it has a
    valid [tool.bandit]) unless .bandit names its own `configfile` (bandit
    would take our -c over it). Options the caller gave win over both.
    """
    extra: list[str] = []
    ini = folder / BANDIT_INI
    settings = None if _given(args, "--ini") else bandit_ini(ini)
    if settings is not None:
        extra += ["--ini", str(ini)]
    own_config = settings is not None and settings.configfile
    if pyproject_ok and not own_config and not _given(args, "-c", "--configfile"):
        extra += ["-c", str(folder / "pyproject.toml")]
    return extra


def _given(args: Sequence[str], *options: str) -> bool:
    return any(arg == option or arg.startswith(f"{option}=") for arg in args for option in options)
