"""Measure ml-policy and its peers on the benchmark corpus (see benchmarks/README.md).

    uv run python benchmarks/corpus.py && uv run python benchmarks/run.py
    uv run python benchmarks/run.py --only ml-policy            # a group, or one measurement
    uv run python benchmarks/run.py --skip peers --packages timm

Prints a Markdown table and writes benchmarks/results/latest.json. Every
tool is run as a user would run it, as a subprocess, on the same files:
wall time with time.perf_counter, CPU time of the child and its workers from
getrusage. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import corpus as corpus_module

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
WORK = Path(tempfile.gettempdir()) / "ml-policy-bench"
CORES = os.cpu_count() or 1
# Each run's tool output, named by process so two runs at once do not mix them.
STDOUT = WORK / f"stdout-{os.getpid()}.txt"
STDERR = WORK / f"stderr-{os.getpid()}.txt"

# The peers live in throwaway venvs, never in the project: torchfix caps libcst
# below 1.6, so Fixit gets a venv of its own with ml-policy's libcst.
PEER_VENVS = {
    "torchfix": ("torchfix==0.7.0", "flake8==7.5.0"),
    "fixit": ("fixit==2.2.1", "libcst==1.9.0"),
}
# A run shorter than this is repeated and the median taken; longer runs are timed once.
QUICK_SECONDS = 10.0
QUICK_REPEATS = 5
ONE_FILE_REPEATS = 5
# One file of each kind for `ml-policy lint FILE` (paths inside the default corpus).
FILE_PREFILTERED = "transformers-5.23.0/transformers/utils/hp_naming.py"  # never reaches libcst
FILE_PARSED = "lightning-2.6.6/lightning/pytorch/demos/boring_classes.py"  # DataLoader(x) calls
# A file `ml-policy check` must report (MLP001), to tell whether the lint rules run at all.
PROBE = "from torch.utils.data import DataLoader\n\nloader = DataLoader(dataset)\n"
# Lines of output that are findings, per output style.
FINDING_LINE = re.compile(r"^\S.*:\d+:\d+:? ")
FIXIT_FINDING_LINE = re.compile(r"@\d+:\d+ ")


@dataclass
class Measurement:
    name: str
    group: str  # "ml-policy", "ruff" or "peers"
    command: str  # as a user would type it; <corpus> stands for the package folders
    cores: int = 1  # what lines/s is divided by
    lines: int = 0
    status: str = "ok"
    wall_s: float | None = None
    cpu_s: float | None = None
    runs: int = 0
    findings: int | None = None
    load_1min: float | None = None  # the machine's load average when the measurement began
    date: str = field(default_factory=lambda: datetime.date.today().isoformat())
    notes: list[str] = field(default_factory=list)

    @property
    def lines_per_s(self) -> float | None:
        return self.lines / self.wall_s if self.wall_s and self.lines else None

    @property
    def lines_per_s_per_core(self) -> float | None:
        rate = self.lines_per_s
        return rate / self.cores if rate else None

    @property
    def lines_per_cpu_s(self) -> float | None:
        """Lines per CPU-second of the tool and its workers: per-core speed, busy machine or not."""
        return self.lines / self.cpu_s if self.cpu_s and self.lines else None


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    returncode: int
    stdout: Path
    stderr: Path


@dataclass
class Setup:
    """What every measurement needs: the staged corpus and where the tools are."""

    root: Path  # the staged corpus; tools run with it as working directory
    packages: list[str]  # its package folders, relative to root
    lines: int
    files: int
    args: argparse.Namespace
    notes: dict[str, list[str]] = field(default_factory=dict)  # by group

    def note(self, group: str, text: str) -> None:
        self.notes.setdefault(group, []).append(text)

    def corpus_command(self, *parts: str) -> list[str]:
        return [*parts, *self.packages]


# --- running and timing ------------------------------------------------------


def tool_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment with `extra`, but with byte-code caching on.

    An installed ml-policy (pip, pre-commit) runs from compiled byte-code; with
    PYTHONDONTWRITEBYTECODE set, an editable install would recompile every module of
    the project on every run (30-70 ms here), which no user pays. The first run writes
    the `__pycache__` folders (git-ignored); the quick measurements take a median.
    """
    env = {**os.environ, **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run a command with its output in files (a pipe would slow a chatty tool down)."""
    WORK.mkdir(parents=True, exist_ok=True)
    stdout, stderr = STDOUT, STDERR
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=tool_environment(env),
            stdout=out,
            stderr=err,
            check=False,
        )
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, completed.returncode, stdout, stderr)


def timed(
    m: Measurement,
    command: Sequence[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    ok_codes: Sequence[int] = (0,),
    repeats: int | None = None,
    before_each: Callable[[], None] | None = None,
    count: Callable[[Run], int | None] | None = None,
) -> Measurement:
    """Time `command` into m: the median of `repeats` runs, or of 5 when one run is quick."""
    runs: list[Run] = []
    wanted = repeats or 1
    m.load_1min = round(os.getloadavg()[0], 2)
    while len(runs) < wanted:
        if before_each:
            before_each()
        run = run_once(command, cwd, env)
        if run.returncode not in ok_codes:
            return _failed(m, run)
        if count is not None and not runs:
            m.findings = count(run)
        runs.append(run)
        if repeats is None and len(runs) == 1 and run.wall_s < QUICK_SECONDS:
            wanted = QUICK_REPEATS
    m.wall_s = statistics.median(r.wall_s for r in runs)
    m.cpu_s = statistics.median(r.cpu_s for r in runs)
    m.runs = len(runs)
    return m


def _failed(m: Measurement, run: Run) -> Measurement:
    lines = run.stderr.read_text(errors="replace").strip().splitlines() or ["(no output)"]
    m.status = f"failed: exit {run.returncode}"
    m.notes.append(f"stderr ends: {lines[-1][:300]}")
    return m


def count_lines(pattern: re.Pattern[str]) -> Callable[[Run], int]:
    def counter(run: Run) -> int:
        with run.stdout.open(errors="replace") as out:
            return sum(1 for line in out if pattern.search(line))

    return counter


def count_json(run: Run) -> int | None:
    try:
        return len(json.loads(run.stdout.read_text() or "[]"))
    except ValueError:
        return None


def stderr_note(m: Measurement, pattern: str = "Traceback|Error|error") -> None:
    """Note how many stderr lines of the last run look like errors (a peer that chokes on files)."""
    errors = [
        line for line in STDERR.read_text(errors="replace").splitlines() if re.search(pattern, line)
    ]
    if errors:
        m.notes.append(f"{len(errors)} error lines on stderr, first: {errors[0][:200]}")


# --- the tools ---------------------------------------------------------------


def project_tool(name: str) -> str | None:
    """A console script of the project's environment (`uv run` puts it beside python)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def peer_venv(name: str) -> Path | None:
    """The throwaway venv of a peer, made on first use; None if it cannot be installed."""
    venv = WORK / f"venv-{name}"
    if (venv / "installed.txt").exists():
        return venv
    uv = shutil.which("uv")
    if uv is None:
        return None
    made = subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(venv)], check=False)
    install = subprocess.run(
        [uv, "pip", "install", "-q", "-p", str(venv / "bin" / "python"), *PEER_VENVS[name]],
        check=False,
        capture_output=True,
        text=True,
    )
    if made.returncode or install.returncode:
        sys.stderr.write(f"run: could not install {name}: {install.stderr.strip()[-300:]}\n")
        return None
    (venv / "installed.txt").write_text("\n".join(PEER_VENVS[name]) + "\n")
    return venv


def version_of(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def ml_policy_flags(ml_policy: str) -> set[str]:
    """The options `ml-policy check` and `lint` accept (some are still being added)."""
    flags: set[str] = set()
    for command in ("check", "lint"):
        done = subprocess.run(
            [ml_policy, command, "--help"], capture_output=True, text=True, check=False
        )
        flags.update(re.findall(r"--[a-z][a-z-]+", done.stdout))
    return flags


def honours_workers_variable() -> bool:
    """Whether the installed ml-policy reads ML_POLICY_WORKERS (a look at its source)."""
    try:
        import ml_policy
    except ImportError:
        return False
    package = Path(ml_policy.__file__).parent
    return any("ML_POLICY_WORKERS" in p.read_text() for p in package.rglob("*.py"))


# --- ml-policy ---------------------------------------------------------------


def ml_policy_measurements(setup: Setup) -> Iterator[Measurement]:
    ml_policy = project_tool("ml-policy")
    if ml_policy is None:
        yield Measurement("ml-policy", "ml-policy", "ml-policy", status="failed: not installed")
        return
    flags = ml_policy_flags(ml_policy)
    for flag in ("--no-cache", "--cache-dir"):
        if flag not in flags:
            setup.note("ml-policy", f"`ml-policy check` has no `{flag}` option yet")
    if not honours_workers_variable():
        setup.note(
            "ml-policy", "ml-policy does not read ML_POLICY_WORKERS yet (1-process row = default)"
        )
    no_cache = ["--no-cache"] if "--no-cache" in flags else []
    steps = {  # in ML_POLICY_ROWS order
        "ml-policy-cold": measure_ml_policy_cold,
        "ml-policy-cold-1-process": measure_ml_policy_single,
        "ml-policy-cold-lint": measure_ml_policy_cold_lint,
        "ml-policy-cold-lint-1-process": measure_ml_policy_cold_lint_single,
        "ml-policy-warm": measure_ml_policy_warm,
        "ml-policy-warm-lint": measure_ml_policy_warm_lint,
        "ml-policy-one-file-prefiltered": measure_ml_policy_file_prefiltered,
        "ml-policy-one-file-parsed": measure_ml_policy_file_parsed,
        "ml-policy-one-file-cached": measure_ml_policy_file_cached,
        "ml-policy-version": measure_ml_policy_startup,
        "python-startup": measure_python_startup,
    }
    if not lint_rules_run(ml_policy):
        setup.note(
            "ml-policy",
            "`ml-policy check` found nothing in a file with `DataLoader(dataset)` (MLP001): "
            "its lint rules do not run yet, so the ml-policy rows measure start-up and "
            "file discovery only",
        )
    for name, step in steps.items():
        if selected(setup.args, Measurement(name, "ml-policy", "")):
            yield step(setup, ml_policy, no_cache, flags)


def lint_rules_run(ml_policy: str) -> bool:
    """Whether `ml-policy check` runs the lint rules: it must report a synchronous DataLoader."""
    probe = WORK / "probe" / "train.py"
    probe.parent.mkdir(parents=True, exist_ok=True)
    probe.write_text(PROBE)
    done = subprocess.run(
        [ml_policy, "check", probe.name, "--no-cache", "--exit-zero", "--output-format", "json"],
        cwd=probe.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    return "MLP001" in done.stdout


def _check_command(ml_policy: str, extra: list[str]) -> list[str]:
    return [ml_policy, "check", *extra, "--exit-zero", "--output-format", "json"]


def measure_ml_policy_cold(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    command = _check_command(ml_policy, no_cache)
    m = Measurement(
        "ml-policy-cold",
        "ml-policy",
        f"ml-policy check <corpus> {' '.join(no_cache)} --exit-zero --output-format json",
        cores=CORES,
        lines=setup.lines,
    )
    return timed(m, setup.corpus_command(*command), setup.root, count=count_json)


def measure_ml_policy_single(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    command = _check_command(ml_policy, no_cache)
    m = Measurement(
        "ml-policy-cold-1-process",
        "ml-policy",
        f"ML_POLICY_WORKERS=1 ml-policy check <corpus> {' '.join(no_cache)} --exit-zero "
        "--output-format json",
        lines=setup.lines,
    )
    env = {"ML_POLICY_WORKERS": "1"}
    return timed(m, setup.corpus_command(*command), setup.root, env=env, count=count_json)


def measure_ml_policy_cold_lint(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    """`lint`: the Python rules only, what the libcst peers are compared with."""
    return _cold_lint(setup, "ml-policy-cold-lint", ml_policy, no_cache, single=False)


def measure_ml_policy_cold_lint_single(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    return _cold_lint(setup, "ml-policy-cold-lint-1-process", ml_policy, no_cache, single=True)


def _cold_lint(
    setup: Setup, name: str, ml_policy: str, no_cache: list[str], *, single: bool
) -> Measurement:
    command = [ml_policy, "lint", *no_cache, "--exit-zero", "--output-format", "json"]
    prefix = "ML_POLICY_WORKERS=1 " if single else ""
    m = Measurement(
        name,
        "ml-policy",
        f"{prefix}ml-policy lint <corpus> {' '.join(no_cache)} --exit-zero --output-format json",
        cores=1 if single else CORES,
        lines=setup.lines,
    )
    env = {"ML_POLICY_WORKERS": "1"} if single else None
    return timed(m, setup.corpus_command(*command), setup.root, env=env, count=count_json)


def measure_ml_policy_warm(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    """The second of two cached runs: every file's result comes from the cache."""
    return _warm(setup, "ml-policy-warm", "check", ml_policy, flags)


def measure_ml_policy_warm_lint(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    """The same with `lint`: the Python rules only (`check` runs the other families too)."""
    return _warm(setup, "ml-policy-warm-lint", "lint", ml_policy, flags)


def _warm(
    setup: Setup, name: str, command_name: str, ml_policy: str, flags: set[str]
) -> Measurement:
    cache = WORK / "ml-policy-cache"
    if "--cache-dir" in flags:
        options = ["--cache-dir", str(cache)]
        shown = "--cache-dir <tmp>"
    else:  # the default cache folder, wherever the run puts it
        options, shown, cache = [], "", setup.root / ".ml-policy-cache"
    base = [ml_policy, command_name, *options, "--exit-zero", "--output-format", "json"]
    command = setup.corpus_command(*base)
    m = Measurement(
        name,
        "ml-policy",
        f"ml-policy {command_name} <corpus> {shown} --exit-zero --output-format json (2nd run)",
        cores=CORES,
        lines=setup.lines,
    )
    shutil.rmtree(cache, ignore_errors=True)
    first = run_once(command, setup.root)
    if first.returncode != 0:
        return _failed(m, first)
    m.notes.append(f"1st (filling) run {first.wall_s:.2f} s")
    return timed(m, command, setup.root, count=count_json)


def _one_file(
    setup: Setup, name: str, path: str, ml_policy: str, no_cache: list[str]
) -> Measurement:
    file = setup.root / path
    lines = file.read_bytes().count(b"\n") if file.exists() else 0
    m = Measurement(name, "ml-policy", f"ml-policy lint {path} {' '.join(no_cache)}", lines=lines)
    if not file.exists():
        m.status = "skipped: file not in this corpus (fetch the default packages)"
        return m
    command = [ml_policy, "lint", path, *no_cache]
    return timed(m, command, setup.root, ok_codes=(0, 1), repeats=ONE_FILE_REPEATS)


def measure_ml_policy_file_prefiltered(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    return _one_file(setup, "ml-policy-one-file-prefiltered", FILE_PREFILTERED, ml_policy, no_cache)


def measure_ml_policy_file_parsed(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    return _one_file(setup, "ml-policy-one-file-parsed", FILE_PARSED, ml_policy, no_cache)


def measure_ml_policy_file_cached(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    """The parsed file again, its result in the cache (a hook call on an unchanged file)."""
    cache = WORK / "ml-policy-cache-one-file"
    shutil.rmtree(cache, ignore_errors=True)
    options = ["--cache-dir", str(cache)] if "--cache-dir" in flags else []
    file = setup.root / FILE_PARSED
    lines = file.read_bytes().count(b"\n") if file.exists() else 0
    shown = "--cache-dir <tmp> (2nd run)" if options else "(2nd run)"
    m = Measurement(
        "ml-policy-one-file-cached",
        "ml-policy",
        f"ml-policy lint {FILE_PARSED} {shown}",
        lines=lines,
    )
    if not file.exists():
        m.status = "skipped: file not in this corpus (fetch the default packages)"
        return m
    command = [ml_policy, "lint", FILE_PARSED, *options]
    first = run_once(command, setup.root)  # fills the cache
    if first.returncode not in (0, 1):
        return _failed(m, first)
    return timed(m, command, setup.root, ok_codes=(0, 1), repeats=ONE_FILE_REPEATS)


def measure_ml_policy_startup(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    m = Measurement("ml-policy-version", "ml-policy", "ml-policy --version")
    return timed(m, [ml_policy, "--version"], setup.root, repeats=ONE_FILE_REPEATS)


def measure_python_startup(
    setup: Setup, ml_policy: str, no_cache: list[str], flags: set[str]
) -> Measurement:
    """The floor under every start-up time: the interpreter itself."""
    m = Measurement("python-startup", "ml-policy", 'python -c ""')
    return timed(m, [sys.executable, "-c", ""], setup.root, repeats=ONE_FILE_REPEATS)


# --- Ruff (the floor) --------------------------------------------------------


def ruff_measurements(setup: Setup) -> Iterator[Measurement]:
    ruff = project_tool("ruff")
    if ruff is None:
        yield Measurement("ruff", "ruff", "ruff", status="failed: not installed")
        return
    # --isolated: the project's [tool.ruff] must not apply to the corpus.
    base = [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "concise"]
    variants = [
        ("ruff-all", ["--select", "ALL"], {}, CORES),
        ("ruff-all-1-thread", ["--select", "ALL"], {"RAYON_NUM_THREADS": "1"}, 1),
        ("ruff-default", [], {}, CORES),
        ("ruff-default-1-thread", [], {"RAYON_NUM_THREADS": "1"}, 1),
    ]
    for name, select, env, cores in variants:
        prefix = "RAYON_NUM_THREADS=1 " if env else ""
        shown = f"{prefix}ruff check --isolated --no-cache {' '.join(select)} --exit-zero <corpus>"
        m = Measurement(name, "ruff", " ".join(shown.split()), cores=cores, lines=setup.lines)
        if selected(setup.args, m):
            command = setup.corpus_command(*base, *select)
            yield timed(m, command, setup.root, env=env, count=count_lines(FINDING_LINE))


# --- the libcst peers ----------------------------------------------------------


def peer_measurements(setup: Setup) -> Iterator[Measurement]:
    steps = [
        measure_flake8_torchfix_single,
        measure_flake8_torchfix,
        measure_torchfix_single,
        measure_torchfix,
        measure_fixit,
    ]
    for step in steps:
        m = step(setup)
        if m is not None:
            yield m


def _peer(
    setup: Setup, name: str, venv_name: str, shown: str, cores: int
) -> tuple[Measurement, Path | None]:
    m = Measurement(name, "peers", shown, cores=cores, lines=setup.lines)
    if not selected(setup.args, m):
        return m, None
    venv = peer_venv(venv_name)
    if venv is None:
        m.status = f"failed: could not install {' '.join(PEER_VENVS[venv_name])}"
    return m, venv


def measure_flake8_torchfix_single(setup: Setup) -> Measurement | None:
    shown = "flake8 --isolated --select TOR -j 1 --exit-zero <corpus>"
    return _flake8(setup, "flake8-torchfix-1-process", ["-j", "1"], shown, 1)


def measure_flake8_torchfix(setup: Setup) -> Measurement | None:
    shown = "flake8 --isolated --select TOR --exit-zero <corpus>  (-j auto)"
    return _flake8(setup, "flake8-torchfix", [], shown, CORES)


def _flake8(setup: Setup, name: str, jobs: list[str], shown: str, cores: int) -> Measurement | None:
    m, venv = _peer(setup, name, "torchfix", shown, cores)
    if venv is None:
        return m if m.status != "ok" else None
    flake8 = str(venv / "bin" / "flake8")
    command = setup.corpus_command(flake8, "--isolated", "--select", "TOR", *jobs, "--exit-zero")
    timed(m, command, setup.root, count=count_lines(FINDING_LINE))
    stderr_note(m)
    return m


def measure_torchfix_single(setup: Setup) -> Measurement | None:
    return _torchfix(setup, "torchfix-cli-1-process", ["-j", "1"], "torchfix -j 1 <corpus>", 1)


def measure_torchfix(setup: Setup) -> Measurement | None:
    shown = "torchfix <corpus>  (-j = cores)"
    return _torchfix(setup, "torchfix-cli", [], shown, CORES)


def _torchfix(
    setup: Setup, name: str, jobs: list[str], shown: str, cores: int
) -> Measurement | None:
    m, venv = _peer(setup, name, "torchfix", shown, cores)
    if venv is None:
        return m if m.status != "ok" else None
    command = setup.corpus_command(str(venv / "bin" / "torchfix"), *jobs)
    # torchfix exits 1 when it has findings; it prints fix diffs too, so count TOR lines.
    timed(m, command, setup.root, ok_codes=(0, 1), count=count_lines(re.compile(r": TOR\d")))
    stderr_note(m, r"Traceback|rror")
    return m


def measure_fixit(setup: Setup) -> Measurement | None:
    # fixit's CLI has no jobs option: several files always go to a spawn pool of cpu_count workers.
    shown = "fixit lint <corpus>  (default rules; spawn pool, no jobs option)"
    m, venv = _peer(setup, "fixit", "fixit", shown, CORES)
    if venv is None:
        return m if m.status != "ok" else None
    command = setup.corpus_command(str(venv / "bin" / "fixit"), "lint")
    # fixit exits 1 when it has findings.
    timed(m, command, setup.root, ok_codes=(0, 1), count=count_lines(FIXIT_FINDING_LINE))
    stderr_note(m, r"Traceback|Exception|failed")  # its summary line says "files with errors"
    return m


# --- corpus, selection, report ----------------------------------------------


def stage(source: Path, packages: list[str]) -> Path:
    """Mirror the package folders outside any git work tree (hard links, else copies).

    benchmarks/corpus/ is git-ignored, and ml-policy, Ruff's and Fixit's
    folder walks all honour .gitignore: in place they would see no file.
    """
    root = WORK / "corpus"
    for package in packages:
        target = root / package
        if (target / ".staged").exists():
            continue
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source / package, target, copy_function=_link_or_copy)
        (target / ".staged").write_text("")
    return root


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def corpus_packages(source: Path, wanted: list[str] | None) -> list[str]:
    folders = sorted(
        p.name
        for p in source.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not p.name.endswith(".partial")
    )
    if wanted:
        folders = [f for f in folders if any(f.split("-")[0] == w.split("==")[0] for w in wanted)]
    if not folders:
        raise SystemExit(
            f"run: no corpus under {source}; fetch it first: uv run python benchmarks/corpus.py"
        )
    return folders


GROUPS = ("ml-policy", "ruff", "peers")


def group_wanted(args: argparse.Namespace, group: str) -> bool:
    if group in (args.skip or []):
        return False
    return not args.only or group in args.only or any(n not in GROUPS for n in args.only)


def selected(args: argparse.Namespace, m: Measurement) -> bool:
    """--only/--skip take a group, a measurement, or a prefix of measurement names ending at '-'."""

    def matches(names: list[str] | None) -> bool:
        return any(n in (m.group, m.name) or m.name.startswith(n + "-") for n in names or [])

    return (not args.only or matches(args.only)) and not matches(args.skip)


def machine() -> dict[str, object]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1).strip() if found else model
    return {
        "cores": CORES,
        "cpu": model,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
    }


def tool_versions() -> dict[str, str]:
    versions = {}
    for name, command in (("ml-policy", "ml-policy"), ("ruff", "ruff")):
        tool = project_tool(command)
        versions[name] = version_of([tool, "--version"]) if tool else "not found"
    for venv_name, pins in PEER_VENVS.items():
        if (WORK / f"venv-{venv_name}" / "installed.txt").exists():
            versions[f"{venv_name} venv"] = " ".join(pins)
    return versions


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _fmt(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def table(measurements: list[Measurement]) -> str:
    columns = "measurement command cores wall_s CPU_s lines/s lines/s/core lines/CPU-s findings"
    columns += " load status"
    rows = [
        "| " + " | ".join(c.replace("_", " ") for c in columns.split()) + " |",
        "|---|---|" + "--:|" * 8 + "---|",
    ]
    for m in measurements:
        cells = [
            m.name,
            f"`{m.command}`",
            str(m.cores),
            _fmt(m.wall_s, 3 if (m.wall_s or 0) < 1 else 2),
            _fmt(m.cpu_s, 2),
            _fmt(m.lines_per_s),
            _fmt(m.lines_per_s_per_core),
            _fmt(m.lines_per_cpu_s),
            "" if m.findings is None else f"{m.findings:,}",
            _fmt(m.load_1min, 1),
            "; ".join([m.status, *m.notes]),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def write_results(
    path: Path, setup: Setup, measurements: list[Measurement], kept: dict[str, Any]
) -> None:
    """Write the results; with --update, `kept` is the old file, whose other rows stay."""

    def entry(m: Measurement) -> dict[str, object]:
        data = asdict(m)
        for key in ("wall_s", "cpu_s"):
            data[key] = None if data[key] is None else round(data[key], 4)
        data["lines_per_s"] = None if m.lines_per_s is None else round(m.lines_per_s)
        per_core = m.lines_per_s_per_core
        data["lines_per_s_per_core"] = None if per_core is None else round(per_core)
        per_cpu_s = m.lines_per_cpu_s
        data["lines_per_cpu_s"] = None if per_cpu_s is None else round(per_cpu_s)
        return data

    fresh = {m.name for m in measurements}
    old = [e for e in kept.get("measurements", []) if e["name"] not in fresh]
    old_notes = kept.get("notes") or {}
    if not isinstance(old_notes, dict):  # an older file: notes were one list
        old_notes = {}
    measured_groups = {m.group for m in measurements}
    notes = {g: n for g, n in old_notes.items() if g not in measured_groups} | setup.notes
    report = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "corpus": {"packages": setup.packages, "files": setup.files, "lines": setup.lines},
        "tools": {**kept.get("tools", {}), **tool_versions()},
        "notes": notes,
        "measurements": sorted(old + [entry(m) for m in measurements], key=_group_order),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(report, indent=2) + "\n")
    partial.replace(path)


# The ml-policy rows in the order of the table, whichever of them a --update run replaced.
ML_POLICY_ROWS = (
    "ml-policy-cold",
    "ml-policy-cold-1-process",
    "ml-policy-cold-lint",
    "ml-policy-cold-lint-1-process",
    "ml-policy-warm",
    "ml-policy-warm-lint",
    "ml-policy-one-file-prefiltered",
    "ml-policy-one-file-parsed",
    "ml-policy-one-file-cached",
    "ml-policy-version",
    "python-startup",
)


def _group_order(entry: dict[str, Any]) -> tuple[int, int]:
    group = GROUPS.index(entry["group"]) if entry["group"] in GROUPS else len(GROUPS)
    name = entry["name"]
    return group, ML_POLICY_ROWS.index(name) if name in ML_POLICY_ROWS else len(ML_POLICY_ROWS)


def load_kept(path: Path, setup: Setup) -> dict[str, Any]:
    if not path.exists():
        return {}
    kept: dict[str, Any] = json.loads(path.read_text())
    corpus = kept.get("corpus", {})
    if corpus.get("packages") != setup.packages:
        raise SystemExit(f"run: --update: {path} holds results for another corpus: {corpus}")
    return kept


def read_results(path: Path) -> list[Measurement]:
    names = set(Measurement.__dataclass_fields__)
    entries = json.loads(path.read_text())["measurements"]
    return [Measurement(**{k: v for k, v in e.items() if k in names}) for e in entries]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpus_module.CORPUS)
    parser.add_argument(
        "--packages", nargs="+", metavar="NAME", help="a subset of the corpus (default: all of it)"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="groups (ml-policy, ruff, peers) or measurements"
    )
    parser.add_argument("--skip", nargs="+", metavar="NAME", help="groups or measurements")
    parser.add_argument("--output", type=Path, default=RESULTS, help="default: %(default)s")
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the output file's other measurements (same corpus only), replace these",
    )
    parser.add_argument(
        "--table", type=Path, metavar="JSON", help="only print the table of a results file"
    )
    args = parser.parse_args(argv)
    if args.table:
        _say(table(read_results(args.table)))
        return 0

    packages = corpus_packages(args.corpus, args.packages)
    root = stage(args.corpus, packages)
    counts = [corpus_module.count(root / p) for p in packages]
    setup = Setup(
        root,
        packages,
        lines=sum(lines for _, lines in counts),
        files=sum(files for files, _ in counts),
        args=args,
    )
    _say(f"corpus: {', '.join(packages)}: {setup.files:,} files, {setup.lines:,} lines")
    kept = load_kept(args.output, setup) if args.update else {}

    groups: list[tuple[str, Callable[[Setup], Iterator[Measurement]]]] = [
        ("ml-policy", ml_policy_measurements),
        ("ruff", ruff_measurements),
        ("peers", peer_measurements),
    ]
    measurements: list[Measurement] = []
    for group, measure in groups:
        if group_wanted(args, group):
            for m in measure(setup):
                sys.stderr.write(f"  {m.name}: {_fmt(m.wall_s, 3)} s {m.status}\n")
                measurements.append(m)
                write_results(
                    args.output, setup, measurements, kept
                )  # a long run keeps what it has
    _say(table(measurements))
    for group, notes in setup.notes.items():
        for note in notes:
            _say(f"- {group}: {note}")
    write_results(args.output, setup, measurements, kept)
    sys.stderr.write(f"wrote {args.output}\n")
    STDOUT.unlink(missing_ok=True)
    STDERR.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
