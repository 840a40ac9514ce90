"""The pinned third-party tools behind the tool hooks, set up the way a repository needs.

`ml-policy ruff`, `ml-policy mypy` and `ml-policy bandit` run the Ruff, mypy
and bandit this package pins (the versions every bundle was validated with),
with the repository's own configuration, and fix the classic traps of running
them from a pre-commit environment:

- mypy in an isolated hook environment cannot see the project's
  dependencies, so `import torch` is an error or, with
  `ignore_missing_imports`, silently `Any`. The wrapper points mypy at the
  project's interpreter (`--python-executable`) and says which one it used.
- bandit reads `[tool.bandit]` only when given `-c pyproject.toml`, and fails
  when that file does not exist; and it reads a project's `.bandit` only when
  walking a folder, never for the file names pre-commit passes. The wrapper
  passes `-c pyproject.toml` when the table is there and `--ini .bandit` when
  that file has a [bandit] section; bandit then applies both.
- mypy applies its `exclude` only to folders it walks, and imports its plugins
  from its own environment: the wrapper drops excluded files pre-commit names
  and borrows missing plugins from the project's (`mypy_setup`).

With a baseline (`.ml-policy-baseline.json`) holding a tool's findings, the
tool runs with its JSON report and only the findings the baseline does not
accept are printed, the tool's way (`baseline.tool_hooks`); `ruff format` is
not given the files the baseline exempts. Otherwise everything is passed
through unchanged, and the tool's exit status is ours.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from subprocess import CompletedProcess

# The subcommands that hand their whole argument list to a tool, with their help.
TOOL_COMMANDS = {
    "ruff": "the pinned Ruff (`ruff check`, `ruff format`) (hooks ml-policy-ruff, -ruff-format)",
    "mypy": "the pinned mypy, against the project's interpreter (hook ml-policy-mypy)",
    "bandit": "the pinned bandit, with [tool.bandit] and .bandit (hook ml-policy-bandit)",
}


# cli.py imports this module for TOOL_COMMANDS on every run, so it imports
# nothing slow (dataclasses, subprocess) until a tool actually runs.
class Interpreter(NamedTuple):
    """A project's Python, and where it was found (for the message)."""

    executable: Path
    found_by: str


def run(tool: str, args: Sequence[str]) -> int:
    """Run `tool` (one of TOOL_COMMANDS) with `args`; the tool's exit status."""
    if tool == "mypy":
        return run_mypy(args)
    if tool == "ruff":
        return run_ruff(args)
    return run_bandit(args)


def run_ruff(args: Sequence[str]) -> int:
    """The pinned Ruff; `ruff format` skips the files a baseline exempts."""
    if not args or args[0] != "format":
        return _call("ruff", args)
    from ml_policy.baseline import store
    from ml_policy.baseline.tool_hooks import formatter_args

    root = store.root_for(Path.cwd())
    baseline = store.load(root)
    kept = list(args) if baseline is None else formatter_args(args, baseline, root)
    if kept is None:
        return 0  # every file given is exempt: nothing to format
    return _relay(_run("ruff", kept))


def run_mypy(args: Sequence[str], cwd: Path | None = None) -> int:
    """The pinned mypy against the project's interpreter, when one is found, on the files
    its configuration does not exclude, with the plugins it names."""
    command = mypy_command(args, cwd or Path())
    if command is None:
        return 0  # every file given is excluded by the configuration
    return _call("mypy", *command)


def mypy_command(args: Sequence[str], cwd: Path) -> tuple[list[str], list[str]] | None:
    """mypy's arguments and the folders to append to its import path; None when the
    configuration excludes every file given."""
    from ml_policy import mypy_setup

    setup = mypy_setup.read(args)
    if setup.args is None:
        return None
    chosen = None
    if not _given(setup.args, "--python-executable", "--no-site-packages"):
        chosen = _project_python(cwd)
    prefix = [] if chosen is None else ["--python-executable", str(chosen)]
    plugin_path, notes = mypy_setup.plugin_path(setup.plugins, chosen)
    for note in notes:
        _say(note)
    return [*prefix, *setup.args], plugin_path


def _project_python(cwd: Path) -> Path | None:
    """The project interpreter mypy should use (None: mypy's default), said on stderr."""
    for candidate in project_interpreters(cwd, os.environ):
        problem = _fails_to_run(candidate.executable)
        if problem is None:
            _say(f"type-checking against {candidate.executable} ({candidate.found_by})")
            return candidate.executable
        _say(f"ignoring {candidate.executable} ({candidate.found_by}): it does not run: {problem}")
    _say(
        "no project environment found (looked for VIRTUAL_ENV and .venv up to the git root): "
        f"third-party imports resolve in mypy's own environment ({sys.prefix}); "
        "create .venv or pass --python-executable"
    )
    return None


def run_bandit(args: Sequence[str], cwd: Path | None = None) -> int:
    """The pinned bandit with the repository's configuration: [tool.bandit] of
    pyproject.toml and a .bandit file, whichever are there (toolconfig says how)."""
    if not args:
        return 0  # no files: nothing to check (bandit itself would print its usage)
    return _call("bandit", bandit_args(args, cwd or Path()))


def bandit_args(args: Sequence[str], cwd: Path) -> list[str]:
    """bandit's command line with the repository's configuration added: -c pyproject.toml
    and --ini .bandit, whichever hold settings (toolconfig.bandit_arguments)."""
    from ml_policy.toolconfig import bandit_arguments

    pyproject_ok = not _given(args, "-c", "--configfile") and _has_bandit_table(
        cwd / "pyproject.toml"
    )
    return [*bandit_arguments(cwd, args, pyproject_ok), *args]


def project_interpreters(start: Path, environ: Mapping[str, str]) -> list[Interpreter]:
    """The project's Python, best first: an activated virtualenv, then `.venv` in the project."""
    found = []
    active = environ.get("VIRTUAL_ENV", "")
    # pre-commit sets VIRTUAL_ENV to the hook's own environment (this one): not the project's.
    if active and not _same_path(Path(active), Path(sys.prefix)):
        python = _venv_python(Path(active))
        if python is not None:
            found.append(Interpreter(python, "VIRTUAL_ENV"))
    for folder in _project_folders(start):
        python = _venv_python(folder / ".venv")
        if python is not None:
            found.append(Interpreter(python, f".venv in {folder}"))
    return found


def _project_folders(start: Path) -> list[Path]:
    """`start` and its parents, up to the root of the git work tree that holds it."""
    folders = []
    for folder in [start.resolve(), *start.resolve().parents]:
        folders.append(folder)
        if (folder / ".git").exists():
            break
    return folders


def _venv_python(venv: Path) -> Path | None:
    # Not resolved: a venv's python is a symlink to the base interpreter, and
    # only the link's path makes Python read pyvenv.cfg and its site-packages.
    for python in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if python.is_file():
            return python
    return None


def _fails_to_run(python: Path) -> str | None:
    """Why `python` cannot run (a venv whose base interpreter is gone), or None."""
    import subprocess

    try:
        result = subprocess.run(
            [str(python), "-c", ""], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    return None if result.returncode == 0 else f"exit status {result.returncode}"


def _same_path(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve()
    except OSError:
        return False


def _given(args: Sequence[str], *options: str) -> bool:
    return any(arg == option or arg.startswith(f"{option}=") for arg in args for option in options)


# [tool.bandit] keys bandit reads with set(...) or as globs: a string there is taken
# character by character (`exclude_dirs = "tests"` excludes every path with a "t" in it).
BANDIT_LISTS = {"tests": "B614", "skips": "B101", "exclude_dirs": "tests/*", "include": "*.py"}
BANDIT_STRINGS = ("plugin_name_pattern", "log_format")


def _has_bandit_table(pyproject: Path) -> bool:
    """Whether pyproject.toml has [tool.bandit]; a malformed file, or a value bandit would
    crash on or misread, is an error naming its line."""
    if not pyproject.is_file():
        return False
    from ml_policy.config import ConfigError, key_line, read_toml

    text, document = read_toml(pyproject)
    tool = document.get("tool")
    if not isinstance(tool, dict) or "bandit" not in tool:
        return False
    problem = _bandit_problem(tool["bandit"])
    if problem is None:
        return True
    key, message = problem
    line = key_line(text, "tool.bandit", [key] if key else [])
    where = f"[tool.bandit] {key}" if key else "[tool.bandit]"
    raise ConfigError(pyproject, f"{where}: {message}", line)


def _bandit_problem(table: object) -> tuple[str, str] | None:
    """(key, problem) for the first value bandit cannot use, or None."""
    if not isinstance(table, dict):
        return "", "must be a table"
    for key, example in BANDIT_LISTS.items():
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return key, f'must be a list of strings, like ["{example}"]'
    for key in BANDIT_STRINGS:
        if not isinstance(table.get(key, ""), str):
            return key, "must be a string"
    profiles = table.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        return "profiles", "must be a table of tables"
    return None


def _call(module: str, args: Sequence[str], sys_path: Sequence[str] = ()) -> int:
    """Run the pinned `module` with `args`; with a baseline holding its findings, show only
    the new ones. `sys_path` is appended to the tool's import path (mypy plugins)."""
    from ml_policy.baseline import store

    root = store.root_for(Path.cwd())
    baseline = store.load(root)
    if baseline is None or not baseline.total(f"{module}:"):
        if module == "mypy":
            return _mypy_to_the_end(args, sys_path)
        return _relay(_run(module, args, sys_path))
    result = _run(module, _json_output(module, args), sys_path)
    if result.returncode not in (0, 1):  # the tool failed: its own words
        return _relay(result)
    from ml_policy.baseline.tool_hooks import report_new

    chosen = without_output_format(args)[1] if module == "ruff" else ""
    output = result.stdout.decode("utf-8", "replace")
    return report_new(module, output, baseline, root, output_format=chosen)


def run_json(
    module: str, args: Sequence[str], sys_path: Sequence[str] = ()
) -> CompletedProcess[bytes]:
    """The tool with its machine-readable report on stdout (for the baseline)."""
    return _run(module, _json_output(module, args), sys_path)


def _run(module: str, args: Sequence[str], sys_path: Sequence[str] = ()) -> CompletedProcess[bytes]:
    """The tool from this package's own environment (the pinned version, whatever PATH says),
    its output captured. mypy runs in a second interpreter here, not in this process:
    there it would free the graph it built before returning (seconds on a cold run)."""
    import subprocess

    return subprocess.run([*_command(module, sys_path), *args], capture_output=True, check=False)


# mypy with folders appended to its import path (where the project's mypy plugins live):
# appended, not prepended, as _extend_path does.
_MYPY_WITH_PATH = (
    "import sys; sys.path.extend(p for p in sys.argv.pop(1).split('\\0') if p); "
    "from mypy.__main__ import console_entry; console_entry()"
)


def _command(module: str, sys_path: Sequence[str]) -> list[str]:
    if module == "ruff":
        from ruff import find_ruff_bin

        return [find_ruff_bin()]  # what `python -m ruff` would exec, one interpreter sooner
    if module == "bandit":
        return [sys.executable, "-m", "ml_policy.bandit_screen"]
    if module == "mypy" and sys_path:
        return [sys.executable, "-c", _MYPY_WITH_PATH, "\0".join(sys_path)]
    return [sys.executable, "-m", module]


def _mypy_to_the_end(args: Sequence[str], sys_path: Sequence[str]) -> int:
    """mypy in this process (it has read mypy's configuration already: a second interpreter
    importing mypy again cost a third of a one-file run), writing through its streams
    (cli.main redacts them; mypy writes each message whole), and ending the process as
    `mypy` does, without freeing the graph it built: freeing it took 1.3 s of a 2.6 s cold
    one-file check on liger-kernel."""
    from mypy.main import main

    _extend_path(sys_path)
    try:
        main(args=list(args), stdout=sys.stdout, stderr=sys.stderr)
    except SystemExit as stop:  # an option error, or --no-fast-exit
        return stop.code if isinstance(stop.code, int) else 2
    return 0


def _extend_path(sys_path: Sequence[str]) -> None:
    # Appended, not prepended, so that mypy's own packages win over the project's copies
    # of them (`sys_path` is where the project's mypy plugins live).
    sys.path.extend(path for path in sys_path if path and path not in sys.path)


def _relay(result: CompletedProcess[bytes]) -> int:
    # The tools' output quotes source lines (bandit shows the hard-coded password it found),
    # so it is captured and written through our own streams, which cli.main redacts.
    for data, stream in ((result.stdout, sys.stdout), (result.stderr, sys.stderr)):
        if data:
            stream.flush()
            stream.buffer.write(data)
            stream.buffer.flush()
    return result.returncode


def _json_output(module: str, args: Sequence[str]) -> list[str]:
    # Last, so that ours wins over a format the caller chose (argparse keeps the last).
    if module == "mypy":
        return [*args, "-O", "json"]
    if module == "bandit":
        return [*args, "-q", "-f", "json"]  # -q: no progress bar on stdout before the JSON
    # Ruff refuses a repeated option: the caller's format is taken out (and honoured when
    # the new findings are printed).
    rest = without_output_format(args[1:])[0]
    return [args[0], "--output-format", "json", *rest]  # ruff check|format ...


def without_output_format(args: Sequence[str]) -> tuple[list[str], str]:
    """Ruff's arguments without `--output-format X` (or `=X`), and X ("" if not given)."""
    kept: list[str] = []
    chosen = ""
    words = iter(args)
    for word in words:
        if word == "--output-format":
            chosen = next(words, "")
        elif word.startswith("--output-format="):
            chosen = word.partition("=")[2]
        else:
            kept.append(word)
    return kept, chosen


def _say(message: str) -> None:
    sys.stderr.write(f"ml-policy mypy: {message}\n")
