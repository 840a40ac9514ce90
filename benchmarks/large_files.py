"""Time and peak memory of `ml-policy check --no-cache FILE` on generated large files.

    uv run python benchmarks/large_files.py                        # every case at 1, 5, 15 MB
    uv run python benchmarks/large_files.py --cases py-lines py-line --sizes 1 5
    uv run python benchmarks/large_files.py --list                 # the cases
    uv run python benchmarks/large_files.py --table benchmarks/results/large-files.json

Issue 8 section 4: a file under the 20 MB input cap must cost time and memory
roughly linear in its size; target: under 10 s and 500 MB peak RSS each. Every
case is a deterministic generated file of at least N MiB, in a folder of its
own under $TMPDIR/ml-policy-bench/large-files/ (outside any git work tree or
pyproject.toml, so the default settings apply; regenerated when its generator
changes), checked as a user would: `ml-policy check --no-cache --exit-zero
--output-format json FILE`, one process. Wall time with time.perf_counter; CPU
time and peak RSS of the child (and any worker it waited for) from os.wait4. A
run is stopped after --timeout seconds, and its address space is capped at
--memory-limit (Python then raises MemoryError, libcst's native parser aborts),
so a super-linear stage cannot take the machine down. Prints a Markdown table
and writes benchmarks/results/large-files.json (after each case). Standard
library only.

To measure another version of ml-policy with the same interpreter, put its
`src` first on PYTHONPATH:

    mkdir /tmp/old && git archive <rev> src policies | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src uv run python benchmarks/large_files.py --output FILE
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import harness

RESULTS = harness.HERE / "results" / "large-files.json"
WORK = harness.WORK / "large-files"
MIB = 1 << 20
TARGET_SECONDS = 10.0
TARGET_MB = 500

# --- the generated files --------------------------------------------------------

# Realistic ML code: a dataset, loaders, a thread pool, a model, defaults, a CLI. Every
# copy names its functions and classes apart (`_7`), as a long generated module would.
# It holds findings for most MLM/MLP rules, so every stage of the lint engine runs.
ML_CODE = '''\
class Images_{i}(Dataset):
    """Images stored as .npy files, loaded and augmented one sample at a time."""

    def __init__(self, paths: list[str], scale: float = 1.1) -> None:
        self.paths = paths
        self.scale = scale

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> np.ndarray:
        return augment_{i}(np.load(self.paths[index]), self.scale)


def augment_{i}(image: np.ndarray, scale: float) -> np.ndarray:
    out = image.copy()
    for row in range(image.shape[0]):
        for col in range(image.shape[1]):
            out[row, col] = min(255, image[row, col] * scale)
    return out


def augment_all_{i}(images: list[np.ndarray]) -> list[np.ndarray]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(augment_{i}, images, [1.1] * len(images)))


def make_loader_{i}(paths: list[str], batch_size: int = 64) -> DataLoader:
    return DataLoader(Images_{i}(paths), batch_size=batch_size, shuffle=True)


class Classifier_{i}(nn.Module):
    head = nn.Linear(512, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x)


def train_{i}(model: nn.Module, paths: list, history=[], steps: int = 100) -> list:
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    for step, batch in enumerate(make_loader_{i}(paths)):
        loss = model(batch.cuda(non_blocking=True)).sum()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        history.append(loss.item())
        if step >= steps:
            break
    return history


def evaluate_{i}(model: nn.Module, weights=torch.ones(10)) -> torch.Tensor:
    return model.head.weight @ weights


def parse_args_{i}() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tag", action="append", default=["baseline"])
    parser.add_argument("--lr", type=float, default=3e-4)
    return parser.parse_args()


'''
ML_IMPORTS = """\
import argparse
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


"""


def repeated(size: int, head: str, unit: Callable[[int], str], tail: str = "") -> Iterator[str]:
    """`head`, then `unit(0)`, `unit(1)`, ... until at least `size` bytes with `tail`."""
    written = len(head) + len(tail)
    yield head
    i = 0
    while written < size:
        text = unit(i)
        written += len(text.encode())
        yield text
        i += 1
    yield tail


def py_lines(size: int) -> Iterator[str]:
    return repeated(size, ML_IMPORTS, lambda i: ML_CODE.format(i=i))


def py_line(size: int) -> Iterator[str]:
    """Data on one line: a huge list literal (weights or a vocabulary pasted into code)."""
    return repeated(
        size,
        "WEIGHTS = [",
        lambda i: f"{i % 997 * 0.125}, -{i % 89}.5, 'label_{i % 1000}', ",
        "]\n",
    )


def py_line_calls(size: int) -> Iterator[str]:
    """One long line of calls the MLP001/MLP003 pre-filter and screen both pass."""
    head = "from torch.utils.data import DataLoader\nLOADERS = ["
    return repeated(size, head, lambda i: f"DataLoader(sets[{i}], batch_size={i % 512}), ", "]\n")


def py_line_dense(size: int) -> Iterator[str]:
    """The most tokens per byte: `1,1,1,...` on one line, after a DataLoader call."""
    head = "from torch.utils.data import DataLoader\nloader = DataLoader(ds)\nX = ["
    return repeated(size, head, lambda i: "1," * 512, "]\n")


def notebook(size: int) -> Iterator[str]:
    """A notebook of code cells, each one copy of the ML code (no outputs)."""

    def cell(i: int) -> str:
        source = json.dumps((ML_IMPORTS if i == 0 else "") + ML_CODE.format(i=i))
        return ("" if i == 0 else ",") + (
            '{"cell_type": "code", "execution_count": null, "metadata": {}, '
            f'"outputs": [], "source": {source}}}\n'
        )

    tail = '], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
    return repeated(size, '{"cells": [\n', cell, tail)


ML_PACKAGES = ("torch", "numpy", "transformers", "torchvision", "scikit-learn")


def requirements(size: int) -> Iterator[str]:
    """Pinned requirements; one in fifty an unpinned ML package (an MLD001 each)."""

    def line(i: int) -> str:
        if i % 50 == 0:
            return f"{ML_PACKAGES[i // 50 % 5]}>=1.{i % 7}\n"
        return f"package-{i}==1.{i % 100}.0\n"

    return repeated(size, "torch==2.3.1\n", line)


def conda_environment(size: int) -> Iterator[str]:
    head = "name: train\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
    return repeated(size, head, lambda i: f"  - package-{i}=1.{i % 100}.0\n")


def workflow(size: int) -> Iterator[str]:
    head = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"

    def step(i: int) -> str:
        return f"      - name: step {i}\n        run: pip install package-{i}==1.{i % 100}.0\n"

    return repeated(size, head, step)


def script(size: int) -> Iterator[str]:
    """A shell script of `pip install` lines, one in fifty an unpinned ML package (MLD006)."""

    def line(i: int) -> str:
        if i % 50 == 0:
            return f"pip install {ML_PACKAGES[i // 50 % 5]}\n"
        return f"pip install package-{i}==1.{i % 100}.0\n"

    return repeated(size, "#!/bin/sh\nset -e\n", line)


def text_line(size: int) -> Iterator[str]:
    """One long line of hex-like words (a dump): what the secrets entropy scan reads."""
    return repeated(size, "", lambda i: f"{(i * 2654435761) % (1 << 32):08x}{i:x} ", "\n")


@dataclass(frozen=True)
class Case:
    name: str
    file: str  # path inside the case's folder: some checkers pick files by name
    generate: Callable[[int], Iterator[str]]
    what: str


CASES = {
    case.name: case
    for case in (
        Case(
            "py-lines", "train.py", py_lines, "ML code, ~60-line units repeated: many short lines"
        ),
        Case("py-line", "weights.py", py_line, "one line: a list literal of numbers and strings"),
        Case("py-line-calls", "loaders.py", py_line_calls, "one line of `DataLoader(...)` calls"),
        Case(
            "py-line-dense", "data.py", py_line_dense, "one line of `1,1,1,...` (and a DataLoader)"
        ),
        Case("ipynb", "explore.ipynb", notebook, "a notebook of code cells (the ML code)"),
        Case("requirements", "requirements.txt", requirements, "one requirement a line"),
        Case("conda", "environment.yml", conda_environment, "a conda environment, one a line"),
        Case("workflow", ".github/workflows/ci.yml", workflow, "a workflow of `pip install` steps"),
        Case("script", "setup.sh", script, "a shell script of `pip install` lines"),
        Case("text-line", "dump.txt", text_line, "one line of hex words (secrets scan only)"),
    )
}
DEFAULT_SIZES = (1, 5, 15)


def generate(case: Case, mib: float) -> Path:
    """The case's file of at least `mib` MiB (written once; the content is deterministic)."""
    path = WORK / f"{case.name}-{mib:g}MB-{_fingerprint(case)}" / case.file
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.writelines(case.generate(int(mib * MIB)))
    partial.replace(path)
    return path


def _fingerprint(case: Case) -> str:
    """Of the generator's code: a changed generator writes its files anew."""
    code = inspect.getsource(case.generate) + ML_IMPORTS + ML_CODE
    return hashlib.sha256(code.encode()).hexdigest()[:8]


# --- measuring -------------------------------------------------------------------


@dataclass
class Measurement:
    name: str  # case-sizeMB
    case: str
    size_bytes: int
    lines: int
    command: str
    status: str = "ok"
    wall_s: float | None = None
    cpu_s: float | None = None
    peak_rss_mb: float | None = None
    findings: dict[str, int] = field(default_factory=dict)  # code -> count
    load_1min: float | None = None
    date: str = field(default_factory=harness.today)
    notes: list[str] = field(default_factory=list)

    @property
    def within_target(self) -> bool:
        return (
            self.status == "ok"
            and self.wall_s is not None
            and self.wall_s < TARGET_SECONDS
            and (self.peak_rss_mb or 0) < TARGET_MB
        )


# Runs the command in a fresh, small interpreter and reports its usage: Linux carries a
# process's peak RSS over fork and exec, so a direct child of this process (which reads the
# tools' output) would report at least this process's own peak.
LAUNCHER = """
import json, os, resource, signal, sys, time
report, limit, timeout, *command = sys.argv[1:]
resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(command[0], command)
deadline, killed = time.monotonic() + float(timeout), False
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    if time.monotonic() > deadline:
        os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        killed = True
        break
    time.sleep(0.02)
result = {
    "wall_s": time.perf_counter() - start,
    "cpu_s": usage.ru_utime + usage.ru_stime,
    "maxrss_kib": usage.ru_maxrss,
    "exit": None if killed else os.waitstatus_to_exitcode(status),
}
with open(report, "w") as out:
    json.dump(result, out)
"""


def measure(
    case: Case, mib: float, command: Sequence[str], args: argparse.Namespace
) -> Measurement:
    path = generate(case, mib)
    data = path.read_bytes()
    shown = " ".join([Path(command[0]).name, *command[1:], case.file])
    m = Measurement(f"{case.name}-{mib:g}MB", case.name, len(data), data.count(b"\n"), shown)
    del data
    report = WORK / f"usage-{os.getpid()}.json"
    limit = args.memory_limit * MIB
    launch = [sys.executable, "-c", LAUNCHER, str(report), str(limit), str(args.timeout)]
    cwd = path.parents[len(Path(case.file).parts) - 1]
    run = harness.run_once([*launch, *command, case.file], cwd)
    if run.returncode != 0:  # the launcher's own failure, not the command's
        raise SystemExit(f"large_files: the launcher failed: {run.stderr_tail()}")
    m.load_1min = round(run.load_1min, 2)
    usage = json.loads(report.read_text())
    m.wall_s, m.cpu_s = usage["wall_s"], usage["cpu_s"]
    m.peak_rss_mb = usage["maxrss_kib"] / 1024
    _judge(m, usage["exit"], args, run.stdout, run.stderr)
    return m


def _judge(
    m: Measurement, code: int | None, args: argparse.Namespace, out: Path, err: Path
) -> None:
    if code is None:
        m.status = f"killed at {args.timeout:.0f} s"
        return
    stderr = err.read_text(errors="replace")
    try:
        findings = json.loads(out.read_text() or "[]")
    except ValueError:
        findings = None
    out_of_memory = f"out of memory (address space capped at {args.memory_limit:,} MB)"
    if code != 0 or findings is None:
        last = (stderr.strip().splitlines() or ["(no output)"])[-1]
        if "memory allocation of" in stderr:  # Rust's allocator (libcst's parser) aborts
            m.status = f"aborted: {out_of_memory}"
        else:
            m.status = f"failed: exit {code}"
            m.notes.append(f"stderr ends: {last[:200]}")
        return
    m.findings = dict(sorted(collections.Counter(f["code"] for f in findings).items()))
    if "MemoryError" in stderr or "MemoryError" in out.read_text(errors="replace"):
        m.status = out_of_memory
    for f in findings:
        if f["code"] == "MLE001":
            m.notes.append(f"MLE001: {f['message'][:160]}")


# --- report ------------------------------------------------------------------------


def table(measurements: list[Measurement]) -> str:
    rows = [
        "| case | size MB | lines | wall s | CPU s | peak RSS MB | findings | load | target"
        " | status |",
        "|---|--:|--:|--:|--:|--:|---|--:|---|---|",
    ]
    for m in measurements:
        findings = ", ".join(f"{code} {count:,}" for code, count in m.findings.items())
        target = "yes" if m.within_target else "**no**"
        cells = [
            m.name,
            f"{m.size_bytes / MIB:.1f}",
            f"{m.lines:,}",
            harness.fmt(m.wall_s, 2),
            harness.fmt(m.cpu_s, 2),
            harness.fmt(m.peak_rss_mb, 0),
            findings,
            harness.fmt(m.load_1min, 1),
            target,
            "; ".join([m.status, *m.notes]),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def write_results(path: Path, command: Sequence[str], measurements: list[Measurement]) -> None:
    report = {
        "date": harness.today(),
        "machine": harness.machine(),
        "command": " ".join([Path(command[0]).name, *command[1:], "FILE"]),
        "tools": {"ml-policy": harness.version_of([command[0], "--version"])},
        "pythonpath": os.environ.get("PYTHONPATH", ""),
        "target": {"wall_s": TARGET_SECONDS, "peak_rss_mb": TARGET_MB},
        "measurements": [asdict(m) for m in measurements],
    }
    harness.write_json(path, report)


def read_results(path: Path) -> list[Measurement]:
    names = set(Measurement.__dataclass_fields__)
    entries = json.loads(path.read_text())["measurements"]
    return [Measurement(**{k: v for k, v in e.items() if k in names}) for e in entries]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cases", nargs="+", choices=list(CASES), default=list(CASES), metavar="CASE"
    )
    parser.add_argument("--sizes", nargs="+", type=float, default=list(DEFAULT_SIZES), metavar="MB")
    parser.add_argument("--command", default="check", help="the ml-policy command (default: check)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds (default: 300)")
    parser.add_argument(
        "--memory-limit", type=int, default=8192, metavar="MB", help="address space (default: 8192)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="default: %(default)s")
    parser.add_argument("--table", type=Path, metavar="JSON", help="only print a results table")
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    args = parser.parse_args(argv)
    if args.table:
        harness.say(table(read_results(args.table)))
        return 0
    if args.list:
        for case in CASES.values():
            harness.say(f"{case.name:14} {case.file:26} {case.what}")
        return 0
    ml_policy = harness.project_tool("ml-policy")
    if ml_policy is None:
        raise SystemExit("large_files: ml-policy is not installed (run with `uv run`)")
    command = [ml_policy, args.command, "--no-cache", "--exit-zero", "--output-format", "json"]
    measurements: list[Measurement] = []
    for name in args.cases:
        for mib in args.sizes:
            m = measure(CASES[name], mib, command, args)
            sys.stderr.write(
                f"  {m.name}: {harness.fmt(m.wall_s, 2)} s, {harness.fmt(m.peak_rss_mb, 0)} MB,"
                f" {m.status}\n"
            )
            measurements.append(m)
            write_results(args.output, command, measurements)
    return harness.finish(table(measurements), args.output)


if __name__ == "__main__":
    sys.exit(main())
