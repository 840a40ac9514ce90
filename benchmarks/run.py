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
import json
import re
import shlex
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import corpus as corpus_module
import harness
from harness import CORES, WORK

RESULTS = harness.HERE / "results" / "latest.json"

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

# Placeholders of a command template, shown as they are and filled in when it runs.
TARGET = "<corpus>"  # the corpus's package folders, or the measurement's one file
FILLED_CACHE = "<tmp>"  # a cache folder emptied, then filled by a first run that is not timed


# --- counting findings in a tool's output ----------------------------------------------


def count_json(stdout: Path) -> int:
    return len(json.loads(stdout.read_text()))


def count_lines(pattern: str) -> Callable[[Path], int]:
    """Findings as the output lines that match `pattern`."""
    compiled = re.compile(pattern)

    def counter(stdout: Path) -> int:
        with stdout.open(errors="replace") as out:
            return sum(1 for line in out if compiled.search(line))

    return counter


FINDING_LINE = count_lines(r"^\S.*:\d+:\d+:? ")  # path:line:col: CODE message
TORCHFIX_LINE = count_lines(r": TOR\d")  # torchfix prints fix diffs too
FIXIT_LINE = count_lines(r"@\d+:\d+ ")


# --- the measurements ------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One measurement: the command that runs (and is shown), how it is timed and counted."""

    name: str
    group: str  # "ml-policy", "ruff" or "peers"
    argv: tuple[str, ...]  # argv[0] is the tool's name
    env: dict[str, str] = field(default_factory=dict)  # shown before the command
    cores: int = 1  # what lines/s is divided by: CORES where the tool runs its default pool
    file: str | None = None  # TARGET is this file of the corpus, not the package folders
    venv: str | None = None  # the peer venv (PEER_VENVS) the tool lives in
    ok_codes: tuple[int, ...] = (0,)
    repeats: int | None = None  # None: one run, or QUICK_REPEATS when one run is quick
    count: Callable[[Path], int] | None = None  # findings in the first timed run's stdout
    stderr_errors: str | None = None  # noted: stderr lines that look like errors
    remark: str = ""  # shown after the command

    @property
    def warm(self) -> bool:
        """The timed runs read a cache that a first run filled."""
        return FILLED_CACHE in self.argv

    def shown(self) -> str:
        """The command as a user would type it: the argv that runs, its placeholders kept."""
        words = [f"{name}={value}" for name, value in self.env.items()]
        words += [_shown_word(word, self.file) for word in self.argv]
        remarks = [*(["2nd run"] if self.warm else []), *([self.remark] if self.remark else [])]
        return " ".join(words) + "".join(f"  ({remark})" for remark in remarks)


def _shown_word(word: str, file: str | None) -> str:
    if word == TARGET:
        return file or TARGET
    if word == FILLED_CACHE:
        return word
    return shlex.quote(word) if word else '""'


ONE_PROCESS = {"ML_POLICY_WORKERS": "1"}
ONE_THREAD = {"RAYON_NUM_THREADS": "1"}
JSON_REPORT = ("--exit-zero", "--output-format", "json")
CHECK_COLD = ("ml-policy", "check", TARGET, "--no-cache", *JSON_REPORT)
CHECK_WARM = ("ml-policy", "check", TARGET, "--cache-dir", FILLED_CACHE, *JSON_REPORT)
# `lint` runs the Python rules only: what the libcst peers are compared with.
LINT_COLD = ("ml-policy", "lint", TARGET, "--no-cache", *JSON_REPORT)
LINT_WARM = ("ml-policy", "lint", TARGET, "--cache-dir", FILLED_CACHE, *JSON_REPORT)
# One file: a hook call. `lint` exits 1 on findings.
LINT_FILE = ("ml-policy", "lint", TARGET, "--no-cache")
LINT_FILE_WARM = ("ml-policy", "lint", TARGET, "--cache-dir", FILLED_CACHE)
# --isolated: the project's [tool.ruff] must not apply to the corpus.
RUFF_ALL = ("ruff", "check", "--isolated", "--no-cache", "--select", "ALL")
RUFF_DEFAULT = ("ruff", "check", "--isolated", "--no-cache")
RUFF_REPORT = ("--exit-zero", "--output-format", "concise", TARGET)
FLAKE8 = ("flake8", "--isolated", "--select", "TOR")
FLAKE8_ERRORS = "Traceback|Error|error"
TORCHFIX_ERRORS = "Traceback|rror"

SPECS = (  # in the order of the table
    Spec("ml-policy-cold", "ml-policy", CHECK_COLD, cores=CORES, count=count_json),
    Spec("ml-policy-cold-1-process", "ml-policy", CHECK_COLD, ONE_PROCESS, count=count_json),
    Spec("ml-policy-cold-lint", "ml-policy", LINT_COLD, cores=CORES, count=count_json),
    Spec("ml-policy-cold-lint-1-process", "ml-policy", LINT_COLD, ONE_PROCESS, count=count_json),
    Spec("ml-policy-warm", "ml-policy", CHECK_WARM, cores=CORES, count=count_json),
    Spec("ml-policy-warm-lint", "ml-policy", LINT_WARM, cores=CORES, count=count_json),
    Spec(
        "ml-policy-one-file-prefiltered",
        "ml-policy",
        LINT_FILE,
        file=FILE_PREFILTERED,
        ok_codes=(0, 1),
        repeats=ONE_FILE_REPEATS,
    ),
    Spec(
        "ml-policy-one-file-parsed",
        "ml-policy",
        LINT_FILE,
        file=FILE_PARSED,
        ok_codes=(0, 1),
        repeats=ONE_FILE_REPEATS,
    ),
    Spec(  # an unchanged file
        "ml-policy-one-file-cached",
        "ml-policy",
        LINT_FILE_WARM,
        file=FILE_PARSED,
        ok_codes=(0, 1),
        repeats=ONE_FILE_REPEATS,
    ),
    Spec("ml-policy-version", "ml-policy", ("ml-policy", "--version"), repeats=ONE_FILE_REPEATS),
    # The floor under every start-up time: the interpreter itself.
    Spec("python-startup", "ml-policy", ("python", "-c", ""), repeats=ONE_FILE_REPEATS),
    Spec("ruff-all", "ruff", (*RUFF_ALL, *RUFF_REPORT), cores=CORES, count=FINDING_LINE),
    Spec("ruff-all-1-thread", "ruff", (*RUFF_ALL, *RUFF_REPORT), ONE_THREAD, count=FINDING_LINE),
    Spec("ruff-default", "ruff", (*RUFF_DEFAULT, *RUFF_REPORT), cores=CORES, count=FINDING_LINE),
    Spec(
        "ruff-default-1-thread",
        "ruff",
        (*RUFF_DEFAULT, *RUFF_REPORT),
        ONE_THREAD,
        count=FINDING_LINE,
    ),
    Spec(
        "flake8-torchfix-1-process",
        "peers",
        (*FLAKE8, "-j", "1", "--exit-zero", TARGET),
        venv="torchfix",
        count=FINDING_LINE,
        stderr_errors=FLAKE8_ERRORS,
    ),
    Spec(
        "flake8-torchfix",
        "peers",
        (*FLAKE8, "--exit-zero", TARGET),
        cores=CORES,
        venv="torchfix",
        count=FINDING_LINE,
        stderr_errors=FLAKE8_ERRORS,
        remark="-j auto",
    ),
    # torchfix and fixit exit 1 when they have findings.
    Spec(
        "torchfix-cli-1-process",
        "peers",
        ("torchfix", "-j", "1", TARGET),
        venv="torchfix",
        ok_codes=(0, 1),
        count=TORCHFIX_LINE,
        stderr_errors=TORCHFIX_ERRORS,
    ),
    Spec(
        "torchfix-cli",
        "peers",
        ("torchfix", TARGET),
        cores=CORES,
        venv="torchfix",
        ok_codes=(0, 1),
        count=TORCHFIX_LINE,
        stderr_errors=TORCHFIX_ERRORS,
        remark="-j = cores",
    ),
    # fixit's CLI has no jobs option: several files always go to a spawn pool of
    # cpu_count workers. Its summary line says "files with errors".
    Spec(
        "fixit",
        "peers",
        ("fixit", "lint", TARGET),
        cores=CORES,
        venv="fixit",
        ok_codes=(0, 1),
        count=FIXIT_LINE,
        stderr_errors="Traceback|Exception|failed",
        remark="default rules; spawn pool, no jobs option",
    ),
)
GROUPS = ("ml-policy", "ruff", "peers")
ROW_ORDER = {spec.name: i for i, spec in enumerate(SPECS)}


# --- measuring -------------------------------------------------------------------------


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
    date: str = field(default_factory=harness.today)
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
class Setup:
    """What every measurement needs: the staged corpus."""

    root: Path  # the staged corpus; tools run with it as working directory
    packages: list[str]  # its package folders, relative to root
    lines: int
    files: int


def measure(spec: Spec, setup: Setup) -> Measurement:
    m = Measurement(spec.name, spec.group, spec.shown(), spec.cores, target_lines(spec, setup))
    if spec.file and not (setup.root / spec.file).exists():
        m.status = "skipped: file not in this corpus (fetch the default packages)"
        return m
    tool = locate(spec)
    if tool is None:
        m.status = "failed: not installed"
        if spec.venv:
            m.status = f"failed: could not install {' '.join(PEER_VENVS[spec.venv])}"
        return m
    cache = WORK / "cache" / spec.name
    filled = {TARGET: [spec.file] if spec.file else setup.packages, FILLED_CACHE: [str(cache)]}
    command = [tool, *(part for word in spec.argv[1:] for part in filled.get(word, [word]))]
    if spec.warm:
        shutil.rmtree(cache, ignore_errors=True)
        first = harness.run_once(command, setup.root, spec.env)
        if first.returncode not in spec.ok_codes:
            return _failed(m, first)
        m.notes.append(f"1st (filling) run {first.wall_s:.2f} s")
    return timed(m, spec, command, setup.root)


def target_lines(spec: Spec, setup: Setup) -> int:
    """The lines lines/s counts: the corpus's, the one file's, or none (a start-up row)."""
    if spec.file:
        file = setup.root / spec.file
        return file.read_bytes().count(b"\n") if file.exists() else 0
    return setup.lines if TARGET in spec.argv else 0


def locate(spec: Spec) -> str | None:
    """The tool's executable; None if it is not installed (or its peer venv cannot be)."""
    name = spec.argv[0]
    if name == "python":
        return sys.executable
    if spec.venv is None:
        return harness.project_tool(name)
    venv = peer_venv(spec.venv)
    return None if venv is None else str(venv / "bin" / name)


def timed(m: Measurement, spec: Spec, command: list[str], cwd: Path) -> Measurement:
    """Time `command` into m: the median of `repeats` runs, or of 5 when one run is quick."""
    runs: list[harness.Run] = []
    wanted = spec.repeats or 1
    while len(runs) < wanted:
        run = harness.run_once(command, cwd, spec.env)
        if m.load_1min is None:
            m.load_1min = round(run.load_1min, 2)
        if run.returncode not in spec.ok_codes:
            return _failed(m, run)
        if spec.count is not None and not runs:
            m.findings = spec.count(run.stdout)
        runs.append(run)
        if spec.repeats is None and len(runs) == 1 and run.wall_s < QUICK_SECONDS:
            wanted = QUICK_REPEATS
    m.wall_s = statistics.median(r.wall_s for r in runs)
    m.cpu_s = statistics.median(r.cpu_s for r in runs)
    m.runs = len(runs)
    if spec.stderr_errors:
        _note_stderr_errors(m, runs[-1], spec.stderr_errors)
    return m


def _failed(m: Measurement, run: harness.Run) -> Measurement:
    m.status = f"failed: exit {run.returncode}"
    m.notes.append(f"stderr ends: {run.stderr_tail()[:300]}")
    return m


def _note_stderr_errors(m: Measurement, run: harness.Run, pattern: str) -> None:
    """Note how many stderr lines of a run look like errors (a peer that chokes on files)."""
    stderr = run.stderr.read_text(errors="replace").splitlines()
    errors = [line for line in stderr if re.search(pattern, line)]
    if errors:
        m.notes.append(f"{len(errors)} error lines on stderr, first: {errors[0][:200]}")


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


def selected(args: argparse.Namespace, spec: Spec) -> bool:
    """--only/--skip take a group, a measurement, or a prefix of measurement names ending at '-'."""

    def matches(names: list[str] | None) -> bool:
        return any(
            n in (spec.group, spec.name) or spec.name.startswith(n + "-") for n in names or []
        )

    return (not args.only or matches(args.only)) and not matches(args.skip)


# --- report ------------------------------------------------------------------------------


def tool_versions() -> dict[str, str]:
    versions = {}
    for name in ("ml-policy", "ruff"):
        tool = harness.project_tool(name)
        versions[name] = harness.version_of([tool, "--version"]) if tool else "not found"
    for venv_name, pins in PEER_VENVS.items():
        if (WORK / f"venv-{venv_name}" / "installed.txt").exists():
            versions[f"{venv_name} venv"] = " ".join(pins)
    return versions


def table(measurements: list[Measurement]) -> str:
    columns = "measurement command cores wall_s CPU_s lines/s lines/s/core lines/CPU-s findings"
    columns += " load status"
    rows = [
        "| " + " | ".join(c.replace("_", " ") for c in columns.split()) + " |",
        "|---|---|" + "--:|" * 8 + "---|",
    ]
    fmt = harness.fmt
    for m in measurements:
        cells = [
            m.name,
            f"`{m.command}`",
            str(m.cores),
            fmt(m.wall_s, 3 if (m.wall_s or 0) < 1 else 2),
            fmt(m.cpu_s, 2),
            fmt(m.lines_per_s),
            fmt(m.lines_per_s_per_core),
            fmt(m.lines_per_cpu_s),
            "" if m.findings is None else f"{m.findings:,}",
            fmt(m.load_1min, 1),
            "; ".join([m.status, *m.notes]),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def write_results(
    path: Path, setup: Setup, measurements: list[Measurement], kept: dict[str, Any]
) -> None:
    """Write the results; with --update, `kept` is the old file, whose other rows stay."""
    fresh = {m.name for m in measurements}
    old = [e for e in kept.get("measurements", []) if e["name"] not in fresh]
    report = {
        "date": harness.today(),
        "machine": harness.machine(),
        "corpus": {"packages": setup.packages, "files": setup.files, "lines": setup.lines},
        "tools": {**kept.get("tools", {}), **tool_versions()},
        "notes": {},  # by group; no measurement has notes of its group any more
        "measurements": sorted(old + [_entry(m) for m in measurements], key=_row_order),
    }
    harness.write_json(path, report)


def _entry(m: Measurement) -> dict[str, object]:
    data = asdict(m)
    for key in ("wall_s", "cpu_s"):
        data[key] = None if data[key] is None else round(data[key], 4)
    rates = {
        "lines_per_s": m.lines_per_s,
        "lines_per_s_per_core": m.lines_per_s_per_core,
        "lines_per_cpu_s": m.lines_per_cpu_s,
    }
    return data | {key: None if rate is None else round(rate) for key, rate in rates.items()}


def _row_order(entry: dict[str, Any]) -> tuple[int, int]:
    group = GROUPS.index(entry["group"]) if entry["group"] in GROUPS else len(GROUPS)
    return group, ROW_ORDER.get(entry["name"], len(ROW_ORDER))


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


def _arguments(argv: list[str] | None) -> argparse.Namespace:
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
    return parser.parse_args(argv)


def staged_corpus(args: argparse.Namespace) -> Setup:
    packages = harness.corpus_packages(args.corpus, args.packages)
    root = harness.stage(args.corpus, packages)
    counts = [corpus_module.count(root / p) for p in packages]
    files = sum(files for files, _ in counts)
    return Setup(root, packages, lines=sum(lines for _, lines in counts), files=files)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.table:
        harness.say(table(read_results(args.table)))
        return 0
    setup = staged_corpus(args)
    harness.say(
        f"corpus: {', '.join(setup.packages)}: {setup.files:,} files, {setup.lines:,} lines"
    )
    kept = load_kept(args.output, setup) if args.update else {}
    measurements: list[Measurement] = []
    for spec in SPECS:
        if selected(args, spec):
            m = measure(spec, setup)
            sys.stderr.write(f"  {m.name}: {harness.fmt(m.wall_s, 3)} s {m.status}\n")
            measurements.append(m)
            write_results(args.output, setup, measurements, kept)  # a long run keeps what it has
    return harness.finish(table(measurements), args.output)


if __name__ == "__main__":
    sys.exit(main())
