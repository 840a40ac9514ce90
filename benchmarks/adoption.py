"""Adopting ml-policy on real training repositories: what `init` and `init --baseline` cost.

    uv run python benchmarks/adoption.py                  # every project, 1 run each
    uv run python benchmarks/adoption.py --projects axolotl --files 1000

Issue 9 section 8: `init` and `init --baseline` under 5 s of ml-policy's own
time on a 1,000-file repository, the tools' own first runs excluded. Each
project is a pinned PyPI sdist (sha256-checked, cached under
$TMPDIR/ml-policy-bench/adoption/) made a git repository as a team would
have it; `--files N` keeps its first N files (sorted by path) to measure a
repository of that size. Each run starts from a fresh copy and no cache.

The stages run in this process, timed one by one, so that ml-policy's own
work (planning and writing init's files, the secrets scan for the secrets
baseline, the ML families, fingerprinting and writing the baseline) is told
apart from the tools' (Ruff, ruff-format, mypy, bandit). Writes
benchmarks/results/adoption.json and prints a Markdown table. Needs the
package index (PyPI) for the first download; nothing else.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness

RESULTS = harness.HERE / "results" / "adoption.json"
WORK = harness.WORK / "adoption"
TARGET_SECONDS = 5.0

# Published training projects whose sdists ship their own tool configuration.
PROJECTS = {
    "axolotl": (  # .pre-commit-config.yaml (4-space items, flow lists), .mypy.ini, .bandit
        "https://files.pythonhosted.org/packages/d0/e4/"
        "81f04ee0e9cc303a2d3943dbf724a65d572682547ce0f1835a97a1658cb9/axolotl-0.21.0.tar.gz",
        "8ffe32db155c764775c5cd3864621065d7cbdb07f04ce006dacf543fee2ae257",
    ),
    "liger-kernel": (  # .pre-commit-config.yaml with comments between hooks, ruff settings
        "https://files.pythonhosted.org/packages/3c/4e/"
        "98697a67e4e45f9faad58fe478e5f877137bf7a6ad1068179ff77e9efed6/liger_kernel-0.8.5.tar.gz",
        "4e8f8f611a8ad735c37c989410d09820bb08881f131851a3967c34baa7889d66",
    ),
}


def fetch(name: str) -> Path:
    url, sha256 = PROJECTS[name]
    archive = WORK / url.rsplit("/", 1)[1]
    if not archive.is_file() or _sha256(archive) != sha256:
        WORK.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (pinned https URL)
            archive.write_bytes(response.read())
    if _sha256(archive) != sha256:
        raise SystemExit(f"{archive}: sha256 differs from the pinned one")
    return archive


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fresh_repository(name: str, limit: int | None) -> Path:
    """The sdist unpacked into a new git repository (its first `limit` files), committed."""
    archive = fetch(name)
    target = WORK / f"{name}-{limit or 'all'}"
    shutil.rmtree(target, ignore_errors=True)
    unpacked = WORK / f"{name}-unpacked"
    if not unpacked.is_dir():
        unpacked.mkdir(parents=True)
        subprocess.run(
            ["tar", "xzf", archive, "-C", unpacked, "--strip-components=1", "--no-same-owner"],
            check=True,
        )
    files = sorted(p for p in unpacked.rglob("*") if p.is_file())
    keep = files[:limit] if limit else files
    # The tool configuration files stay, whatever the limit: they are what init meets.
    keep += [p for p in files if p.parent == unpacked and p.name.startswith(".")]
    for source in keep:
        destination = target / source.relative_to(unpacked)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    git = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-q", "--no-verify", "-m", "import"], cwd=target, check=True)
    return target


def timed(stages: dict[str, float], name: str, action: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    try:
        return action()
    finally:
        stages[name] = round(time.perf_counter() - started, 3)


def measure(repo: Path) -> dict[str, Any]:
    from ml_policy.apply import init
    from ml_policy.baseline import record
    from ml_policy.baseline.fingerprint import SourceLines
    from ml_policy.baseline.store import Baseline

    os.chdir(repo)  # as a user runs init: from the repository's root
    stages: dict[str, float] = {}
    choice = timed(stages, "init: choose bundle", lambda: init.choose_bundle(repo, None))
    _, planned = timed(
        stages,
        "init: plan (incl. secrets scan)",
        lambda: init.plan_init(repo, choice.ref, force=False),
    )
    timed(stages, "init: write", lambda: init.write(planned, repo))
    files = timed(stages, "baseline: list files", lambda: record._repository_files(repo))
    found: dict[str, Any] = {}
    for tool, collect in record._COLLECTORS.items():
        label = "baseline: ML families" if tool == "ml-policy" else f"tool: {tool}"
        try:
            found[tool] = timed(stages, label, functools.partial(collect, repo, files))
        except Exception as error:  # a tool that cannot run is reported, not fatal
            found[tool] = []
            stages[label + " (failed)"] = stages.pop(label)
            harness.say(f"{tool}: {str(error)[:200]}")

    def fingerprint_and_write() -> int:
        lines, baseline = SourceLines(repo), Baseline(tools=set(found))
        for findings in found.values():
            for finding in findings:
                baseline.add(lines.key(finding), finding.message)
        record.write(repo, baseline)
        return baseline.total()

    total = timed(stages, "baseline: fingerprint and write", fingerprint_and_write)
    own = sum(s for name, s in stages.items() if not name.startswith("tool:"))
    init_only = sum(s for name, s in stages.items() if name.startswith("init:"))
    return {
        "files": len(files),
        "findings": total,
        "per_tool": {tool: len(findings) for tool, findings in found.items()},
        "stages": stages,
        "init_own_seconds": round(init_only, 3),
        "init_baseline_own_seconds": round(own, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--projects", nargs="*", default=list(PROJECTS))
    parser.add_argument("--files", type=int, nargs="*", default=[1000, 0], help="0: all")
    arguments = parser.parse_args()
    results = []
    for name in arguments.projects:
        for limit in arguments.files:
            repo = fresh_repository(name, limit or None)
            result = {"project": name, "limit": limit or "all", **measure(repo)}
            results.append(result)
            harness.say(json.dumps(result, indent=2))
    report = {"machine": harness.machine(), "target_seconds": TARGET_SECONDS, "runs": results}
    harness.write_json(RESULTS, report)
    harness.say("| project | files | init own (s) | init --baseline own (s) | findings |")
    harness.say("|---|---|---|---|---|")
    for r in results:
        harness.say(
            f"| {r['project']} | {r['files']} | {r['init_own_seconds']} "
            f"| {r['init_baseline_own_seconds']} | {r['findings']} |"
        )


if __name__ == "__main__":
    main()
