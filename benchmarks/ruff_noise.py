"""How often the Ruff rules a bundle leaves off fire on real ML code (bundles version 2).

For each bundle and each code base, Ruff runs once with the bundle's `ruff.toml` plus every
stable rule that configuration does not enable (`--extend-select`), so each rule is measured
in the company it would join: the bundle's per-file-ignores and plugin settings apply. The
results file holds, per bundle, per rule and per code base, the number of findings, the
rate per 1,000 lines and a few sample locations; `--samples CODE` prints findings of one rule
with their source line from the last run, for reading.

    uv run python benchmarks/ruff_noise.py --work /work/scratch-me/noise
    uv run python benchmarks/ruff_noise.py --work /work/scratch-me/noise --samples PERF401

The code bases are read-only: each is mirrored (hard links) under `--work`, with the bundle's
configuration written at the mirror's root and passed by `--config`, so patterns such as
`**/tests/**` are anchored where a repository's own pyproject would anchor them and no
configuration of the code base applies. `--work` must not be /tmp or a parent folder of a
repository: Ruff finds a stray ruff.toml in any parent folder. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness import mirror, project_tool, say, today, version_of, write_json

HERE = Path(__file__).resolve().parent
POLICIES = HERE.parent / "policies"
BUNDLES = ("ml-strict", "ml-baseline", "ml-library")
# name -> (folder, target-version from the code base's requires-python)
CODE_BASES = {
    "transformers": (Path("/work/corpus-plain/transformers-5.23.0"), "py310"),
    "timm": (Path("/work/corpus-plain/timm-1.0.31"), "py39"),
    "lightning": (Path("/work/corpus-plain/lightning-2.6.6"), "py310"),
    "torchvision": (Path("/work/corpus-plain/torchvision-0.29.1"), "py310"),
    "axolotl": (Path("/work/cmp/ax"), "py312"),
    "liger-kernel": (Path("/work/cmp/lk"), "py310"),
}
CONFIG_NAME = "ruff-noise.toml"
SAMPLES_KEPT = 1
ENABLED_LINE = re.compile(r"^\t[\w-]+ \(([A-Z]+[0-9]+)\),$")


def ruff() -> str:
    found = project_tool("ruff")
    if found is None:
        sys.exit("ruff not found: run with `uv run`")
    return found


def stable_rules() -> dict[str, dict[str, str]]:
    """Every stable rule of the pinned Ruff: code -> name, linter, summary."""
    listed = subprocess.run(
        [ruff(), "rule", "--all", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        rule["code"]: {"name": rule["name"], "linter": rule["linter"], "summary": rule["summary"]}
        for rule in json.loads(listed.stdout)
        if "Stable" in rule["status"]
    }


def stage(work: Path, name: str, bundle: str, version: int) -> Path:
    """The code base mirrored once under `work`, with this bundle's config at its root."""
    source, target_version = CODE_BASES[name]
    root = work / "mirror" / name
    if not (root / ".staged").exists():
        shutil.rmtree(root, ignore_errors=True)
        mirror(source, root)
        (root / ".staged").write_text("")
    config = (POLICIES / bundle / str(version) / "ruff.toml").read_text()
    (root / CONFIG_NAME).write_text(f'target-version = "{target_version}"\n{config}')
    return root


def enabled_rules(root: Path) -> set[str]:
    """The rules the configuration at `root` enables, as Ruff itself resolves them."""
    shown = subprocess.run(
        [ruff(), "check", "--config", str(root / CONFIG_NAME), "--show-settings", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    block = shown.stdout.split("linter.rules.enabled = [", 1)[1].split("]\n", 1)[0]
    return {m.group(1) for line in block.splitlines() if (m := ENABLED_LINE.match(line))}


def checked_lines(root: Path) -> int:
    """Lines (newlines) of the files Ruff checks under `root` with this configuration."""
    listed = subprocess.run(
        [ruff(), "check", "--config", str(root / CONFIG_NAME), "--show-files", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    files = [Path(line) for line in listed.stdout.splitlines() if line.endswith((".py", ".pyi"))]
    return sum(path.read_bytes().count(b"\n") for path in files)


def run_candidates(root: Path, candidates: list[str], raw: Path) -> list[dict[str, object]]:
    """Ruff's JSON findings of `candidates` under `root` (also kept in `raw` for reading)."""
    done = subprocess.run(
        [
            ruff(),
            "check",
            "--config",
            str(root / CONFIG_NAME),
            "--extend-select",
            ",".join(candidates),
            "--no-cache",
            "--exit-zero",
            "--output-format",
            "json",
            ".",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"ruff failed under {root}: {done.stderr.strip()[-500:]}")
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(done.stdout)
    wanted = set(candidates)
    return [f for f in json.loads(done.stdout) if f["code"] in wanted]


def spread(items: list[dict[str, object]], count: int) -> list[dict[str, object]]:
    """`count` items evenly spaced through `items` (deterministic samples)."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def where(finding: dict[str, object], root: Path) -> str:
    location = finding["location"]
    row = location.get("row") if isinstance(location, dict) else "?"
    path = Path(str(finding["filename"])).relative_to(root)
    return f"{path}:{row}"


def measure_bundle(
    bundle: str, version: int, rules: dict[str, dict[str, str]], work: Path
) -> dict[str, object]:
    per_rule: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    lines: dict[str, int] = {}
    candidates: list[str] = []
    for name in CODE_BASES:
        root = stage(work, name, bundle, version)
        if not candidates:
            candidates = sorted(set(rules) - enabled_rules(root))
        lines[name] = checked_lines(root)
        raw = work / "raw" / bundle / f"{name}.json"
        found = run_candidates(root, candidates, raw)
        by_code: dict[str, list[dict[str, object]]] = defaultdict(list)
        for finding in found:
            by_code[str(finding["code"])].append(finding)
        for code, hits in by_code.items():
            if code not in set(candidates):
                continue
            per_rule[code][name] = {
                "findings": len(hits),
                "per_kloc": round(1000 * len(hits) / max(lines[name], 1), 3),
                "files": len({h["filename"] for h in hits}),
                "samples": [where(h, root) for h in spread(hits, SAMPLES_KEPT)],
            }
        say(f"{bundle}@{version} {name}: {lines[name]:,} lines, {len(found):,} findings")
    total_lines = sum(lines.values())
    table = {}
    silent = sorted(code for code in candidates if not per_rule[code])
    for code in sorted(per_rule):
        total = sum(int(found["findings"]) for found in per_rule[code].values())
        table[code] = {
            **rules[code],
            "total": total,
            "per_kloc": round(1000 * total / total_lines, 3),
            "code_bases": per_rule[code],  # only the code bases where it fired
        }
    return {
        "version": version,
        "lines": lines,
        "candidates": len(candidates),
        "rules": table,  # the candidates that fired somewhere
        "silent": silent,  # the candidates that fired nowhere
    }


def measure(work: Path, bundles: list[str], version: int, output: Path) -> None:
    """One results file per bundle (together they are too large for our own MLA001 limit)."""
    rules = stable_rules()
    shared: dict[str, object] = {
        "date": today(),
        "ruff": version_of([ruff(), "--version"]),
        "code_bases": {n: {"path": str(p), "target": t} for n, (p, t) in CODE_BASES.items()},
    }
    for bundle in bundles:
        measured = measure_bundle(bundle, version, rules, work)
        write_json(output / f"{bundle}.json", {**shared, "bundle": bundle, **measured})
    say(f"wrote {output}")


def print_table(output: Path, bundle: str, codes: list[str]) -> None:
    """A Markdown table of `codes` from a results file: findings per code base and per kloc."""
    results = json.loads((output / f"{bundle}.json").read_text())
    rules = results["rules"]
    silent = set(results["silent"])
    names = list(results["code_bases"])
    say("| rule | " + " | ".join(names) + " | all | per kloc |")
    say("|---|" + "---:|" * (len(names) + 2))
    for code in codes:
        rule = rules.get(code)
        if rule is None:
            verdict = "0" if code in silent else "on already"
            say(f"| {code} | " + " | ".join(verdict for _ in names) + f" | {verdict} | |")
            continue
        counts = [str(rule["code_bases"].get(n, {}).get("findings", 0)) for n in names]
        say(f"| {code} | " + " | ".join(counts) + f" | {rule['total']} | {rule['per_kloc']} |")


def show_samples(work: Path, bundle: str, code: str, count: int) -> None:
    """Print `count` findings of `code` per code base with the line they point at."""
    for name in CODE_BASES:
        raw = work / "raw" / bundle / f"{name}.json"
        if not raw.exists():
            continue
        root = work / "mirror" / name
        hits = [f for f in json.loads(raw.read_text()) if f["code"] == code]
        say(f"== {name}: {len(hits)} findings of {code}")
        for finding in spread(hits, count):
            row = int(finding["location"]["row"])  # type: ignore[index]
            text = Path(str(finding["filename"])).read_text(errors="replace").splitlines()
            source = text[row - 1].strip() if row <= len(text) else ""
            say(f"{where(finding, root)}: {finding['message']}\n    {source[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="mirrors and raw Ruff output")
    parser.add_argument("--bundles", nargs="+", default=list(BUNDLES), choices=BUNDLES)
    parser.add_argument("--version", type=int, default=1, help="the bundle version measured")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "ruff-noise")
    parser.add_argument("--samples", metavar="CODE", help="print findings of CODE and stop")
    parser.add_argument("--count", type=int, default=12, help="samples per code base")
    parser.add_argument("--table", nargs="+", metavar="CODE", help="print a table and stop")
    args = parser.parse_args()
    work = args.work.resolve()
    temp = Path(tempfile.gettempdir()).resolve()
    if temp in (work, *work.parents):
        sys.exit(f"--work must not be under {temp}: a stray ruff.toml there changes Ruff's runs")
    if args.table:
        print_table(args.output, args.bundles[0], args.table)
    elif args.samples:
        show_samples(work, args.bundles[0], args.samples, args.count)
    else:
        measure(work, args.bundles, args.version, args.output)


if __name__ == "__main__":
    main()
