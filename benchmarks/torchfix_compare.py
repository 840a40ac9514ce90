"""TorchFix 0.7.0 `--select ALL` side by side with `ml-policy lint` on the same corpus.

Every TorchFix finding is matched with an ml-policy finding at the same file and line
whose code is TorchFix's code's equivalent; the rest are listed, by TorchFix code, to be
explained (benchmarks/torchfix.md). The equivalents come from the rules themselves
(`torchfix_codes` on each MLT rule), plus the first-wave and supply-chain rules that
cover a TorchFix check under another family (`OTHER_EQUIVALENTS`). A code whose rule
is not in this checkout is reported as such, so the script can be run again once it is.

    uv venv /work/scratch-torb/tfx
    uv pip install --python /work/scratch-torb/tfx/bin/python torchfix==0.7.0
    uv run python benchmarks/torchfix_compare.py /work/corpus-plain \\
        --torchfix /work/scratch-torb/tfx/bin/torchfix --reports /work/scratch-torb/reports

TorchFix takes about an hour on the 1.46 M-line library corpus: its report (and
ml-policy's) is kept in `--reports` and reused on the next run; delete a report to
rerun that tool.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from ml_policy.lint.rule import Rule
from ml_policy.registry import RULE_CODES, rule_class

# TorchFix checks that ml-policy covers outside the MLT family.
OTHER_EQUIVALENTS = {
    "TOR102": ("MLS001",),  # torch.load without weights_only
    "TOR401": ("MLP001",),  # DataLoader without workers
}
# TorchFix checks with no ml-policy equivalent, and why.
NOT_COVERED = {
    "TOR203": "import style (`import torchvision.models as models`): Ruff's business, no bug",
    "TOR901": "internal to the pytorch/pytorch repository",
}
# By full code: rules newer than the bundle a family prefix stands for are selected only so.
FAMILIES = ("MLT", "MLS", "MLP")
_LINE = re.compile(r"^(?P<path>.+?\.py):(?P<line>\d+):(?P<column>\d+): (?P<code>TOR\d+) ")

Finding = tuple[str, int, str]  # (path relative to the corpus, line, code)


def equivalents() -> dict[str, tuple[str, ...]]:
    """TorchFix code -> the ml-policy codes of the same check (rules in this checkout)."""
    found: dict[str, list[str]] = defaultdict(list)
    for code in RULE_CODES:
        rule = rule_class(code)
        if rule is not None and issubclass(rule, Rule):
            for torchfix in rule.torchfix_codes:
                found[torchfix].append(code)
    for torchfix, codes in OTHER_EQUIVALENTS.items():
        found[torchfix].extend(code for code in codes if code not in found[torchfix])
    return {torchfix: tuple(codes) for torchfix, codes in found.items()}


def torchfix_findings(report: Path, corpus: Path) -> list[Finding]:
    found = []
    for text in report.read_text(errors="replace").splitlines():
        match = _LINE.match(text)
        if match:
            path = _relative(Path(match["path"]), corpus)
            found.append((path, int(match["line"]), match["code"]))
    return found


def ml_policy_findings(report: Path, corpus: Path) -> list[Finding]:
    return [
        (_relative(Path(d["filename"]), corpus), d["location"]["row"], d["code"])
        for d in json.loads(report.read_text())
    ]


def _relative(path: Path, corpus: Path) -> str:
    try:
        return str(path.resolve().relative_to(corpus.resolve()))
    except ValueError:
        return str(path)


def run_torchfix(torchfix: str, corpus: Path, report: Path) -> None:
    with report.open("w") as out:
        subprocess.run([torchfix, "--select", "ALL", str(corpus)], stdout=out, check=False)


def run_ml_policy(corpus: Path, report: Path) -> None:
    command = [sys.executable, "-m", "ml_policy", "lint", "--no-cache", "--exit-zero"]
    select = ",".join(code for code in RULE_CODES if code.startswith(FAMILIES))
    command += ["--select", select, "--output-format", "json", str(corpus)]
    with report.open("w") as out:
        subprocess.run(command, stdout=out, check=True)


def compare(torchfix: list[Finding], ours: list[Finding]) -> str:
    """The side-by-side as Markdown."""
    mapping = equivalents()
    ours_at = {(path, line, code) for path, line, code in ours}
    matched: Counter[str] = Counter()
    unmatched: dict[str, list[Finding]] = defaultdict(list)
    for path, line, code in torchfix:
        if any((path, line, ours_code) in ours_at for ours_code in mapping.get(code, ())):
            matched[code] += 1
        else:
            unmatched[code].append((path, line, code))
    out = ["| TorchFix code | findings | matched | not matched | ml-policy equivalent |"]
    out.append("| --- | --- | --- | --- | --- |")
    for code in sorted({c for _, _, c in torchfix}):
        missed = len(unmatched[code])
        row = [code, matched[code] + missed, matched[code], missed, _equivalent(code, mapping)]
        out.append("| " + " | ".join(map(str, row)) + " |")
    for code, findings in sorted((c, f) for c, f in unmatched.items() if f):
        out += ["", f"### {code} not matched ({len(findings)})", ""]
        out += [f"- {path}:{line}" for path, line, _ in sorted(findings)]
    out += ["", "### ml-policy findings TorchFix does not have, by code", ""]
    torchfix_at = set(torchfix)
    same_check = defaultdict(list)
    for torchfix_code, codes in mapping.items():
        for code in codes:
            same_check[code].append(torchfix_code)
    extra = Counter(
        code
        for path, line, code in ours
        if not any((path, line, t) in torchfix_at for t in same_check[code])
    )
    out += [f"- {code}: {count}" for code, count in sorted(extra.items())] or ["- none"]
    return "\n".join(out) + "\n"


def _equivalent(code: str, mapping: dict[str, tuple[str, ...]]) -> str:
    if code in NOT_COVERED:
        return f"none: {NOT_COVERED[code]}"
    if code in mapping:
        return ", ".join(mapping[code])
    return "rule not in this checkout (part A of issue 12: rerun after merging)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--torchfix", default="torchfix", help="the torchfix executable")
    parser.add_argument("--reports", type=Path, required=True, help="folder for both reports")
    args = parser.parse_args()
    args.reports.mkdir(parents=True, exist_ok=True)
    name = args.corpus.resolve().name
    torchfix_report = args.reports / f"torchfix-{name}.txt"
    ml_policy_report = args.reports / f"ml-policy-{name}.json"
    if not torchfix_report.exists():
        run_torchfix(args.torchfix, args.corpus, torchfix_report)
    if not ml_policy_report.exists():
        run_ml_policy(args.corpus, ml_policy_report)
    sys.stdout.write(
        compare(
            torchfix_findings(torchfix_report, args.corpus),
            ml_policy_findings(ml_policy_report, args.corpus),
        )
    )


if __name__ == "__main__":
    main()
