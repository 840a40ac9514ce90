"""Cold speed of the secrets scan (`ml-policy secrets --no-cache`), before and after the screen.

    uv run python benchmarks/secrets_speed.py                          # the corpus (corpus.py)
    uv run python benchmarks/secrets_speed.py --tree ~/src/some-repo   # any folder
    uv run python benchmarks/secrets_speed.py --before-ref 70a9309 --full

Variants, each `python -m ml_policy secrets <target> --no-cache --exit-zero
--output-format json`, in one process (`ML_POLICY_WORKERS=1`) and with the
default pool:

- `after`: this working tree;
- `before` (`--before-ref REF`): the `src/` of commit REF (`git archive`, in a
  fresh temporary folder, first on PYTHONPATH);
- `full` (`--full`): this working tree with the screen off (`scan._screen`
  returns None): every file and every line through detect-secrets.

Each repeat runs every variant once, so variants share the machine's load;
the table shows medians. `same output` compares each variant's JSON findings
with `after`'s. A target that is a git work tree is scanned in place (its
tracked files); the corpus is git-ignored here, so it is mirrored (hard links)
into a fresh temporary folder first. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import corpus as corpus_module
import harness

REPO = harness.HERE.parent
RESULTS = harness.HERE / "results" / "secrets-speed.json"
# The screen off: every file and line goes to detect-secrets, as before any screen.
FULL = (
    "import sys\n"
    "from ml_policy.secrets import scan\n"
    "scan._screen = lambda disabled: None\n"
    "from ml_policy.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@dataclass
class Result:
    target: str
    variant: str
    processes: str  # "1" or "pool"
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    findings: int | None = None
    same_output: bool | None = None


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    work = Path(tempfile.mkdtemp(prefix="ml-policy-secrets-speed-"))
    try:
        before = _extract(args.before_ref, work) if args.before_ref else None
        targets = [(str(t), t) for t in args.tree] or [("corpus", _stage_corpus(work))]
        sizes = {name: _size(path) for name, path in targets}
        results = [r for name, path in targets for r in _measure(name, path, before, args)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        harness.clean_up()
    report = {
        "machine": _machine(),
        "before_ref": args.before_ref,
        "targets": {name: {"files": n, "bytes": b} for name, (n, b) in sizes.items()},
        "results": _rows(results),
    }
    harness.write_json(args.output, report)
    harness.say(_table(results, sizes))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, action="append", default=[], help="a folder to scan")
    parser.add_argument("--before-ref", help="also measure the src/ of this git commit")
    parser.add_argument("--full", action="store_true", help="also measure with the screen off")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-pool", action="store_true", help="one process only")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def _extract(ref: str, work: Path) -> Path:
    """The `src/` (and `policies/`) of `ref`, unpacked under `work`."""
    archive = work / "before.tar"
    with archive.open("wb") as out:
        # The bundles (policies/) are read next to the package.
        subprocess.run(["git", "archive", ref, "src", "policies"], cwd=REPO, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(work / "before", filter="data")
    return work / "before" / "src"


def _stage_corpus(work: Path) -> Path:
    """The corpus packages, mirrored outside this (git-ignoring) work tree."""
    root = work / "corpus"
    for package in harness.corpus_packages(corpus_module.CORPUS, None):
        harness.mirror(corpus_module.CORPUS / package, root / package)
    return root


def _measure(
    name: str, target: Path, before: Path | None, args: argparse.Namespace
) -> list[Result]:
    variants = ["after", *(["before"] if before else []), *(["full"] if args.full else [])]
    processes = ["1"] if args.no_pool else ["1", "pool"]
    results = {(v, p): Result(name, v, p) for p in processes for v in variants}
    outputs: dict[tuple[str, str], list[str]] = {}
    for _ in range(args.repeats):
        for (variant, procs), result in results.items():
            run = harness.run_once(_command(variant), target, _env(variant, procs, before))
            if run.returncode != 0:
                raise SystemExit(f"{variant} ({procs}) failed: {run.stderr_tail()}")
            result.wall.append(run.wall_s)
            result.cpu.append(run.cpu_s)
            result.load.append(run.load_1min)
            outputs[variant, procs] = _findings(run.stdout)
    for (variant, procs), result in results.items():
        result.findings = len(outputs[variant, procs])
        result.same_output = outputs[variant, procs] == outputs["after", procs]
    return list(results.values())


def _command(variant: str) -> list[str]:
    tail = ["secrets", ".", "--no-cache", "--exit-zero", "--output-format", "json"]
    if variant == "full":
        return [sys.executable, "-c", FULL, *tail]
    return [sys.executable, "-m", "ml_policy", *tail]


def _env(variant: str, processes: str, before: Path | None) -> dict[str, str]:
    """What the variant adds to the tools' environment (harness.tool_environment)."""
    env = {"ML_POLICY_WORKERS": "1"} if processes == "1" else {}
    if variant == "before" and before is not None:
        inherited = os.environ.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(before), inherited]))
    return env


def _findings(output: Path) -> list[str]:
    """The findings of a JSON report, each as one sorted line (order-independent)."""
    return sorted(json.dumps(item, sort_keys=True) for item in json.loads(output.read_text()))


def _size(target: Path) -> tuple[int, int]:
    """Files and bytes ml-policy scans there: git's tracked files, else every file."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=target, capture_output=True, check=False
    ).stdout
    files = [target / os.fsdecode(n) for n in listed.split(b"\0") if n] or [
        p for p in target.rglob("*") if p.is_file()
    ]
    regular = [f for f in files if f.is_file() and not f.is_symlink()]
    return len(regular), sum(f.stat().st_size for f in regular)


def _rows(results: list[Result]) -> list[dict[str, object]]:
    return [
        {
            **asdict(r),
            "median_wall": statistics.median(r.wall),
            "median_cpu": statistics.median(r.cpu),
        }
        for r in results
    ]


def _machine() -> dict[str, object]:
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "revision": revision,
        "date": time.strftime("%Y-%m-%d"),
    }


def _table(results: list[Result], sizes: dict[str, tuple[int, int]]) -> str:
    lines = [
        "| target | variant | processes | wall s | CPU s | MB/CPU-s | vs after (CPU) "
        "| findings | same output | load |",
        "|---|---|---|--:|--:|--:|--:|--:|---|--:|",
    ]
    after = {
        (r.target, r.processes): statistics.median(r.cpu) for r in results if r.variant == "after"
    }
    for r in results:
        cpu = statistics.median(r.cpu)
        megabytes = sizes[r.target][1] / 1e6
        ratio = cpu / after[r.target, r.processes]
        lines.append(
            f"| {r.target} ({sizes[r.target][0]:,} files, {megabytes:.1f} MB) | {r.variant} "
            f"| {r.processes} | {statistics.median(r.wall):.2f} | {cpu:.2f} "
            f"| {megabytes / cpu:.1f} | {ratio:.1f}x | {r.findings} | {r.same_output} "
            f"| {statistics.median(r.load):.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
