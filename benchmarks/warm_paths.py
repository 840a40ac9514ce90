"""Warm and one-file paths (issue 14 item 4) and `init` (item 6), measured as a user runs them.

    uv run python benchmarks/warm_paths.py --corpus --repo ~/src/axolotl --file src/axolotl/train.py

- `--corpus`: `ml-policy check .` and each checker's command, warm, in the staged
  corpus (benchmarks/corpus.py), run from inside it as a user runs it in a repository;
  a first untimed run fills a fresh cache folder (and a second one, two seconds later,
  lets the run index record every digest: a file younger than two seconds is not
  trusted by it).
- `--repo R --file F`: the one-file hook call of lint, deps, artifacts and secrets on
  `F` (and deps on the repository's first Dockerfile, when it has one), warm, and
  `check-config`, in a copy of the git repository `R` after `ml-policy init`;
  then `init` itself, timed on a fresh copy of `R`.

Each timing is the fastest of `--repeat` runs (default 7): on a shared machine the
fastest run is the one the load disturbed least. CPU is user + system of the command
and its workers. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import corpus as corpus_module
from harness import CORES, WORK, corpus_packages, run_once, stage

ML_POLICY = [sys.executable, "-m", "ml_policy"]
CHECKERS = ("lint", "deps", "artifacts", "secrets", "check-config")
RESULTS = Path(__file__).resolve().parent / "results" / "warm-paths.json"


def fastest(command: list[str], cwd: Path, repeat: int) -> dict[str, float]:
    runs = [run_once(command, cwd) for _ in range(repeat)]
    best = min(runs, key=lambda run: run.cpu_s)
    return {
        "cpu_s": round(best.cpu_s, 3),
        "wall_s": round(min(run.wall_s for run in runs), 3),
        "load": round(min(run.load_1min for run in runs), 2),
    }


def corpus_rows(repeat: int) -> dict[str, dict[str, float]]:
    staged = stage(corpus_module.CORPUS, corpus_packages(corpus_module.CORPUS, None))
    cache = WORK / "warm-cache"
    shutil.rmtree(cache, ignore_errors=True)
    rows = {}
    for command in ("check", *CHECKERS):
        argv = [*ML_POLICY, command, ".", "--cache-dir", str(cache), "--exit-zero"]
        argv += ["--output-format", "json"]
        for _ in range(2):  # fill, then let the run index record the settled files
            run_once(argv, staged)
            time.sleep(2.1)
        rows[f"corpus {command}"] = fastest(argv, staged, repeat)
    return rows


def repo_rows(repo: Path, file: str, repeat: int) -> dict[str, dict[str, float]]:
    work = Path(tempfile.mkdtemp(prefix="warm-paths-"))
    try:
        copy = work / "repo"
        _clone(repo, copy)
        subprocess.run([*ML_POLICY, "init"], cwd=copy, capture_output=True, check=False)
        rows = {}
        targets = [(command, file) for command in CHECKERS if command != "check-config"]
        dockerfile = next(iter(sorted(_dockerfiles(copy))), None)
        if dockerfile is not None:
            targets.append(("deps", dockerfile))
        for command, target in targets:
            argv = [*ML_POLICY, command, target]
            run_once(argv, copy)  # fills the cache
            rows[f"one file: {command} {target}"] = fastest(argv, copy, repeat)
        rows["check-config"] = fastest([*ML_POLICY, "check-config"], copy, repeat)
        rows["init (fresh copy)"] = _init(repo, work, repeat)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _init(repo: Path, work: Path, repeat: int) -> dict[str, float]:
    best: dict[str, float] | None = None
    for n in range(max(1, repeat // 2)):
        copy = work / f"init-{n}"
        _clone(repo, copy)
        run = fastest([*ML_POLICY, "init"], copy, 1)
        best = run if best is None or run["cpu_s"] < best["cpu_s"] else best
    assert best is not None  # noqa: S101 - at least one run
    return best


def _clone(repo: Path, target: Path) -> None:
    subprocess.run(["git", "clone", "-q", str(repo), str(target)], check=True)


def _dockerfiles(root: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return [name for name in listed if "dockerfile" in Path(name).name.lower()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="store_true", help="the warm corpus rows")
    parser.add_argument("--repo", type=Path, help="a git repository for the one-file rows")
    parser.add_argument("--file", help="the file of the one-file rows, relative to --repo")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows: dict[str, dict[str, float]] = {}
    if args.corpus:
        rows |= corpus_rows(args.repeat)
    if args.repo is not None:
        if args.file is None:
            parser.error("--repo needs --file")
        rows |= repo_rows(args.repo.resolve(), args.file, args.repeat)
    # Rows of earlier runs are kept (the corpus and a repository are measured apart).
    earlier = json.loads(RESULTS.read_text())["rows"] if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps({"cores": CORES, "rows": earlier | rows}, indent=2) + "\n")
    lines = ["| what | CPU s | wall s | load |", "|---|---:|---:|---:|"]
    for name, row in rows.items():
        lines.append(f"| {name} | {row['cpu_s']:.2f} | {row['wall_s']:.2f} | {row['load']:.1f} |")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.exit(main())
