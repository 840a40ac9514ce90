"""Lint against a bare `ast.parse` of the corpus, and the text pre-filter's soundness on it.

    uv run python benchmarks/corpus.py && uv run python benchmarks/prefilter.py
    mkdir /tmp/old && git archive 46e73a6 src policies | tar -x -C /tmp/old
    uv run python benchmarks/prefilter.py --src /tmp/old/src \\
        --output benchmarks/results/prefilter-before.json         # the engine before

Timed in one run, interleaved (`--repeats` rounds, so the machine's load falls on
every command alike), each a subprocess on the staged corpus (`run.py`'s):

- `parse`: read, decode and `ast.parse` every `.py` file of the corpus, nothing else;
- `lint`: `ML_POLICY_WORKERS=1 ml-policy lint <corpus> --no-cache --exit-zero
  --output-format json` (one process: what a core does);
- `lint-<CODE>`: the same with `--select CODE`, for each ML rule.

The ratio of a lint row is parse CPU / lint CPU (above 1: the lint is cheaper
than parsing every file), from the medians. Then, unless `--skip-compare` (or
with `--src`), the engine runs in this process over every file with and without
the pre-filter (`lint_bytes(..., prefilter=False)`): the findings must be the
same but for MLE001 on files no rule could fire on; it also counts the files and
lines each rule keeps. Writes `benchmarks/results/prefilter.json`. Standard
library and ml-policy only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import corpus as corpus_module
import harness

RESULTS = harness.HERE / "results" / "prefilter.json"
CODES = ("MLM001", "MLM002", "MLM003", "MLM004", "MLP001", "MLP002", "MLP003")

BARE_PARSE = """
import ast, os, sys, warnings
warnings.simplefilter("ignore")
count = 0
for folder in sys.argv[1:]:
    for directory, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith(".py"):
                with open(os.path.join(directory, name), "rb") as handle:
                    ast.parse(handle.read().decode("utf-8"))
                count += 1
print(count)
"""


def commands(packages: list[str], codes: tuple[str, ...]) -> dict[str, list[str]]:
    lint = [sys.executable, "-m", "ml_policy", "lint", *packages, "--no-cache", "--exit-zero"]
    lint += ["--output-format", "json"]
    found = {"parse": [sys.executable, "-c", BARE_PARSE, *packages], "lint": lint}
    found.update({f"lint-{code}": [*lint, "--select", code] for code in codes})
    return found


def measure(root: Path, packages: list[str], args: argparse.Namespace) -> dict[str, Any]:
    env = {"ML_POLICY_WORKERS": "1"}
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    todo = commands(packages, tuple(args.codes))
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in todo}
    for round_ in range(args.repeats):
        for name, command in todo.items():
            done = harness.run_once(command, root, env)
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr.read_text()[-500:]}")
            load = done.load_1min
            runs[name].append(
                {"wall_s": done.wall_s, "cpu_s": done.cpu_s, "load": load, "round": round_}
            )
            if name.startswith("lint"):
                runs[name][-1]["findings"] = len(json.loads(done.stdout.read_text()))
            sys.stderr.write(f"  {name}: {done.cpu_s:.2f} s CPU (load {load:.1f})\n")
    return {name: _summary(found) for name, found in runs.items()}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
        "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
        "loads": [round(r["load"], 2) for r in runs],
        "findings": runs[0].get("findings"),
        "runs": [
            {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()} for r in runs
        ],
    }


def ratios(timed: dict[str, Any]) -> dict[str, float]:
    parse = timed["parse"]["cpu_s"]
    return {name: round(parse / row["cpu_s"], 2) for name, row in timed.items() if name != "parse"}


def compare(root: Path, packages: list[str]) -> dict[str, Any]:
    """The engine on every file, with and without the pre-filter, in this process."""
    from ml_policy.config import Settings
    from ml_policy.lint.engine import _candidates, lint_bytes
    from ml_policy.lint.source import SourceError, read_source
    from ml_policy.rules import ALL_RULES

    settings = Settings(root=root)
    kept: dict[str, list[int]] = {rule.code: [0, 0] for rule in ALL_RULES}
    parsed = [0, 0]
    differences: list[str] = []
    cpu = {"with": 0.0, "without": 0.0, "text screens": 0.0}
    findings = 0
    for path in sorted(p for package in packages for p in (root / package).rglob("*.py")):
        data = path.read_bytes()
        lines = data.count(b"\n")
        start = time.process_time()
        on = lint_bytes(path, data, settings, ALL_RULES)
        cpu["with"] += time.process_time() - start
        start = time.process_time()
        off = lint_bytes(path, data, settings, ALL_RULES, prefilter=False)
        cpu["without"] += time.process_time() - start
        try:
            source = read_source(path, data)
        except SourceError:
            continue
        start = time.process_time()
        left = _candidates(path, source, settings, ALL_RULES, prefilter=True)
        cpu["text screens"] += time.process_time() - start
        for rule in left:
            kept[rule.code][0] += 1
            kept[rule.code][1] += lines
        if left:
            parsed[0] += 1
            parsed[1] += lines
        findings += len(off)
        only_mle001 = not left and not on and all(d.code == "MLE001" for d in off)
        if on != off and not only_mle001:
            differences.append(str(path.relative_to(root)))
    return {
        "identical": not differences,
        "differences": differences,
        "findings": findings,
        "files_parsed": parsed[0],
        "lines_parsed": parsed[1],
        "kept_by_rule": {code: {"files": f, "lines": n} for code, (f, n) in kept.items()},
        "engine_cpu_s": {name: round(value, 2) for name, value in cpu.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpus_module.CORPUS)
    parser.add_argument("--packages", nargs="+", metavar="NAME")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--codes", nargs="*", default=list(CODES), help="rules timed alone")
    parser.add_argument("--src", help="run ml-policy from this source tree (PYTHONPATH)")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    packages = harness.corpus_packages(args.corpus, args.packages)
    root = harness.stage(args.corpus, packages)
    counts = [corpus_module.count(root / p) for p in packages]
    result: dict[str, Any] = {
        "date": harness.today(),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "ml_policy_src": args.src or "working tree",
        "corpus": {
            "packages": packages,
            "files": sum(f for f, _ in counts),
            "lines": sum(n for _, n in counts),
        },
    }
    result["timed"] = measure(root, packages, args)
    harness.clean_up()
    result["parse_over_lint_cpu"] = ratios(result["timed"])
    if not args.skip_compare and not args.src:
        result["compare"] = compare(root, packages)
    harness.write_json(args.output, result)
    harness.say(table(result))
    return 0 if result.get("compare", {}).get("identical", True) else 1


def table(result: dict[str, Any]) -> str:
    rows = [
        "| command | CPU s | wall s | parse / lint (CPU) | findings | loads |",
        "|---|--:|--:|--:|--:|---|",
    ]
    ratio = result["parse_over_lint_cpu"]
    for name, row in result["timed"].items():
        loads = ", ".join(f"{load:.1f}" for load in row["loads"])
        rows.append(
            f"| {name} | {row['cpu_s']:.2f} | {row['wall_s']:.2f} | {ratio.get(name, '')} "
            f"| {row['findings'] if row['findings'] is not None else ''} | {loads} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
