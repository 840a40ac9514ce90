"""The least a rule wave can cost where it reports: libcst for the files it has findings in.

    ML_POLICY_WORKERS=1 uv run ml-policy lint --no-cache --exit-zero \\
        --output-format json CORPUS > findings.json
    uv run python benchmarks/libcst_floor.py findings.json CORPUS [FIRST_WAVE_PREFIXES]

Every rule's verdict is a libcst visit of the whole file, so a file where a rule reports
is parsed with libcst and visited whatever the pre-filters do. Over the files where a
rule outside the first wave (by default MLM, MLP, MLE) reports, this times the libcst
parse and the visit by the rules that report there, in one process with libcst already
imported; the best of three rounds. `benchmarks/wave2-speed.md` records its output.
"""

from __future__ import annotations

import ast
import json
import sys
import time
from pathlib import Path

from ml_policy.config import Settings
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.lint.source import read_source
from ml_policy.rules import ALL_RULES


def reporting_rules(findings: Path, first_wave: tuple[str, ...]) -> dict[Path, list[str]]:
    """Per file, the codes outside the first wave that report in it."""
    codes: dict[Path, set[str]] = {}
    for finding in json.loads(findings.read_text()):
        if not finding["code"].startswith(first_wave):
            codes.setdefault(Path(finding["filename"]), set()).add(finding["code"])
    return {path: sorted(found) for path, found in codes.items()}


def one_round(files: dict[Path, list[str]], settings: Settings) -> tuple[float, float]:
    """Seconds of libcst parsing and of visiting, over every file."""
    rules: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
    parsing = visiting = 0.0
    for path, codes in files.items():
        text = read_source(path, path.read_bytes()).text
        started = time.perf_counter()
        module = cst.parse_module(text)
        parsing += time.perf_counter() - started
        context = FileContext.of_tree(ast.parse(text), path, settings)
        visitors = [rules[code](context) for code in codes]
        started = time.perf_counter()
        cst.visit_batched(module, [*context.visitors, *visitors])  # type: ignore[list-item]
        for visitor in visitors:
            visitor.finish()
        visiting += time.perf_counter() - started
    return parsing, visiting


def main(findings: Path, corpus: Path, first_wave: tuple[str, ...]) -> None:
    files = reporting_rules(findings, first_wave)
    cst.parse_module("x = 1\n")  # import libcst's parser before timing
    parsing, visiting = min((one_round(files, Settings(root=corpus)) for _ in range(3)), key=sum)
    lines = sum(len(path.read_bytes().splitlines()) for path in files)
    sys.stdout.write(
        f"{len(files)} files ({lines:,} lines) with findings of rules after "
        f"{', '.join(first_wave)}: libcst parse {parsing:.2f} s + visit {visiting:.2f} s "
        f"= {parsing + visiting:.2f} s\n"
    )


if __name__ == "__main__":
    prefixes = tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else ("MLM", "MLP", "MLE")
    main(Path(sys.argv[1]), Path(sys.argv[2]), prefixes)
