"""How far each lint rule's files get through the engine's stages, and what each costs.

    uv run python benchmarks/lint_stages.py /work/corpus-plain        # every rule
    uv run python benchmarks/lint_stages.py /work/corpus-plain MLC,MLT # some prefixes

Per rule, over the `.py` files of a folder, in this process and one rule at a time:
the files whose text holds a trigger, that its text screen keeps, and that its screen
on the stdlib tree keeps (then visited with libcst), and the seconds each stage took.
Above the table: how many files reach the stdlib parse and libcst at all, and how many
of them only for rules after the first wave (MLM, MLP). A fact of the file (such as
the shared walk of the tree) is charged to the first rule that asks for it. Standard
library and ml-policy only; `benchmarks/wave2-speed.md` records its output.
"""

from __future__ import annotations

import ast
import sys
import time
import warnings
from collections import Counter, defaultdict
from pathlib import Path

from ml_policy.config import Settings
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.lint.source import SourceError, read_source
from ml_policy.rules import ALL_RULES

FIRST_WAVE = ("MLM", "MLP")
STAGES = ("trigger", "text", "screen", "visit")


class Tally:
    """Files and seconds per rule and stage, and the files each parser saw."""

    def __init__(self) -> None:
        self.files: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.seconds: defaultdict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self.parsed: Counter[str] = Counter()
        self.parse_seconds: defaultdict[str, float] = defaultdict(float)

    def time(self, code: str, stage: str, started: float, kept: bool) -> bool:
        self.seconds[code][stage] += time.perf_counter() - started
        self.files[code][stage] += kept
        return kept


def main(folder: Path, prefixes: tuple[str, ...]) -> None:
    rules = [rule for rule in ALL_RULES if rule.code.startswith(prefixes)]
    settings = Settings(root=folder)
    tally = Tally()
    for path in sorted(folder.rglob("*.py")):
        try:
            source = read_source(path, path.read_bytes())
        except (SourceError, OSError):  # unreadable text is MLE001's, not a stage
            continue
        _run_stages(path, source.text, settings, rules, tally)
    sys.stdout.write(_report(rules, tally) + "\n")


def _run_stages(
    path: Path, text: str, settings: Settings, rules: list[type[Rule]], tally: Tally
) -> None:
    screen_text = ScreenText(text)
    candidates = [rule for rule in rules if _text_stages(rule, screen_text, tally)]
    if not candidates:
        return
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return
    _parsed(tally, "ast", started, candidates)
    context = FileContext.of_tree(tree, path, settings)
    screened = [
        rule
        for rule in candidates
        if tally.time(rule.code, "screen", time.perf_counter(), rule.screen_context(context))
    ]
    if not screened:
        return
    started = time.perf_counter()
    try:
        module = cst.parse_module(text)
    except Exception:  # a libcst parse error is MLE001's
        return
    _parsed(tally, "cst", started, screened)
    for rule in screened:
        own = FileContext(path, settings, context.imports, tree, context.index)
        visitor = rule(own)
        started = time.perf_counter()
        cst.visit_batched(module, [*own.visitors, visitor])  # type: ignore[list-item]
        visitor.finish()
        tally.time(rule.code, "visit", started, True)


def _text_stages(rule: type[Rule], text: ScreenText, tally: Tally) -> bool:
    started = time.perf_counter()
    triggered = any(trigger in text.raw for trigger in rule.triggers)
    if not tally.time(rule.code, "trigger", started, triggered):
        return False
    started = time.perf_counter()
    kept = rule.text_screen(text) if text.exact else True
    return tally.time(rule.code, "text", started, kept)


def _parsed(tally: Tally, parser: str, started: float, rules: list[type[Rule]]) -> None:
    seconds = time.perf_counter() - started
    tally.parsed[parser] += 1
    tally.parse_seconds[parser] += seconds
    if not any(rule.code.startswith(FIRST_WAVE) for rule in rules):
        tally.parsed[f"{parser} new-only"] += 1
        tally.parse_seconds[f"{parser} new-only"] += seconds


def _report(rules: list[type[Rule]], tally: Tally) -> str:
    lines = [
        ", ".join(
            f"{name}: {tally.parsed[name]} files ({tally.parse_seconds[name]:.1f} s)"
            for name in ("ast", "ast new-only", "cst", "cst new-only")
        ),
        "",
        "| rule | " + " | ".join(STAGES) + " | " + " | ".join(f"{s} s" for s in STAGES) + " |",
        "|---" * (1 + 2 * len(STAGES)) + "|",
    ]
    for rule in rules:
        files, seconds = tally.files[rule.code], tally.seconds[rule.code]
        counts = " | ".join(str(files[stage]) for stage in STAGES)
        times = " | ".join(f"{seconds[stage]:.2f}" for stage in STAGES)
        lines.append(f"| {rule.code} | {counts} | {times} |")
    return "\n".join(lines)


if __name__ == "__main__":
    chosen = tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else ("",)
    main(Path(sys.argv[1]), chosen)
