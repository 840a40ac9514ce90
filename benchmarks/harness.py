"""What every benchmark script shares: the staged corpus, launching a tool and timing it.

A tool runs as a user runs it, as a subprocess with its output in files: wall time
with time.perf_counter, CPU time of the child and its workers from getrusage.
Standard library only.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = Path(tempfile.gettempdir()) / "ml-policy-bench"
CORES = os.cpu_count() or 1
# Each run's tool output, named by process so two runs at once do not mix them.
STDOUT = WORK / f"stdout-{os.getpid()}.txt"
STDERR = WORK / f"stderr-{os.getpid()}.txt"


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    returncode: int
    load_1min: float  # the machine's load average when the run began
    stdout: Path
    stderr: Path

    def stderr_tail(self) -> str:
        lines = self.stderr.read_text(errors="replace").strip().splitlines()
        return (lines or ["(no output)"])[-1]


def tool_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment with `extra`, byte-code caching on and ml-policy's default pool.

    An installed ml-policy (pip, pre-commit) runs from compiled byte-code; with
    PYTHONDONTWRITEBYTECODE set, an editable install would recompile every module of
    the project on every run (30-70 ms here), which no user pays. The first run writes
    the `__pycache__` folders (git-ignored); the quick measurements take a median.
    ML_POLICY_WORKERS comes only from `extra`, so a default-pool row is one.
    """
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("ML_POLICY_WORKERS", None)
    return env | (extra or {})


def run_once(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run a command with its output in files (a pipe would slow a chatty tool down)."""
    WORK.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with STDOUT.open("wb") as out, STDERR.open("wb") as err:
        start = time.perf_counter()
        completed = subprocess.run(
            command, cwd=cwd, env=tool_environment(env), stdout=out, stderr=err, check=False
        )
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, completed.returncode, load, STDOUT, STDERR)


def clean_up() -> None:
    STDOUT.unlink(missing_ok=True)
    STDERR.unlink(missing_ok=True)


def finish(table: str, output: Path) -> int:
    """End a run: its table on stdout, where its results went, its output files removed."""
    say(table)
    sys.stderr.write(f"wrote {output}\n")
    clean_up()
    return 0


# --- the corpus ------------------------------------------------------------------


def corpus_packages(source: Path, wanted: list[str] | None) -> list[str]:
    """The package folders of the corpus (`wanted`: names, or NAME==VERSION, to keep)."""
    folders = sorted(
        p.name
        for p in source.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not p.name.endswith(".partial")
    )
    if wanted:
        folders = [f for f in folders if any(f.split("-")[0] == w.split("==")[0] for w in wanted)]
    if not folders:
        raise SystemExit(
            f"no corpus under {source}; fetch it first: uv run python benchmarks/corpus.py"
        )
    return folders


def stage(source: Path, packages: list[str]) -> Path:
    """Mirror the package folders outside any git work tree, once (kept for later runs).

    benchmarks/corpus/ is git-ignored, and ml-policy, Ruff's and Fixit's
    folder walks all honour .gitignore: in place they would see no file.
    """
    root = WORK / "corpus"
    for package in packages:
        target = root / package
        if (target / ".staged").exists():
            continue
        shutil.rmtree(target, ignore_errors=True)
        mirror(source / package, target)
        (target / ".staged").write_text("")
    return root


def mirror(source: Path, target: Path) -> None:
    """Copy a folder as hard links (no bytes copied), else as copies."""
    shutil.copytree(source, target, copy_function=_link_or_copy)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


# --- the tools and the machine -------------------------------------------------------


def project_tool(name: str) -> str | None:
    """A console script of the project's environment (`uv run` puts it beside python)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def version_of(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


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


# --- output ----------------------------------------------------------------------------


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fmt(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def today() -> str:
    return datetime.date.today().isoformat()


def write_json(path: Path, data: object) -> None:
    """Write a results file whole or not at all (a long run rewrites it as it goes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(data, indent=2) + "\n")
    partial.replace(path)
