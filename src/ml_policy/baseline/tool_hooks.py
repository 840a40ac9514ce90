"""The tool hooks' side of the baseline: the tools' new findings, printed their way.

With a baseline that holds a tool's findings, `tools` runs the tool with its
JSON report; this module keeps the findings the baseline does not accept and
prints them one per line as the tool would, then a summary with the count
that passed. ruff-format's exemption is per file: a baselined unformatted
file is not handed to the formatter at all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ml_policy.baseline import gate, store, tool_output
from ml_policy.baseline.tool_output import Reported, ReportError

_PARSERS: dict[str, Callable[[str, Path, Path], list[Reported]]] = {
    "ruff": tool_output.ruff,
    "mypy": tool_output.mypy,
    "bandit": tool_output.bandit,
}


def report_new(
    tool: str, stdout: str, baseline: store.Baseline, root: Path, *, output_format: str = ""
) -> int:
    """Print the findings of `tool`'s JSON report the baseline does not accept; the exit code.
    Ruff's `json` and `github` formats are kept; others print Ruff's concise lines."""
    try:
        reported = _PARSERS[tool](stdout, Path.cwd(), root)
    except ReportError as error:
        sys.stderr.write(f"ml-policy {tool}: cannot read the report ({error}); its output:\n")
        sys.stdout.write(stdout)
        return 2
    new, accepted = gate.new_reported(reported, baseline, root)
    if output_format == "json":
        sys.stdout.write(json.dumps([r.item for r in new], indent=2) + "\n")
        return _noted(1 if new else 0, tool, accepted, baseline)
    show = tool_output.ruff_github if output_format == "github" else _display
    lines = [show(r) for r in new]
    if tool == "bandit":
        lines += [f"error: {e}" for e in tool_output.bandit_errors(stdout)]
    failed = bool(lines)  # new findings, or files bandit could not scan
    if output_format != "github":
        lines.append(_summary(tool, new))
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return _noted(1 if failed else 0, tool, accepted, baseline)


def _display(reported: Reported) -> str:
    return reported.display


def _noted(code: int, tool: str, accepted: int, baseline: store.Baseline) -> int:
    if note := gate.note(accepted, baseline, f"{tool}:"):
        sys.stderr.write(f"ml-policy {tool}: {note}\n")
    return code


def _summary(tool: str, new: Sequence[Reported]) -> str:
    count = len(new)
    if tool == "mypy":
        files = len({r.finding.path for r in new})
        return f"Found {count} error(s) in {files} file(s)" if count else "Success: no issues found"
    return f"Found {count} error(s)." if count else "All checks passed!"


def formatter_args(args: Sequence[str], baseline: store.Baseline, root: Path) -> list[str] | None:
    """`ruff format` arguments without the files the baseline exempts; None when no file is
    left (ruff format with no file formats the whole folder)."""
    exempt = baseline.unformatted()
    if not exempt:
        return list(args)
    cwd = Path.cwd()
    kept = [a for a in args if not _names_exempt(a, exempt, cwd, root)]
    given = [a for a in args[1:] if not a.startswith("-")]
    left = [a for a in kept[1:] if not a.startswith("-")]
    if given and not left:
        return None
    if not left or any((cwd / a).is_dir() for a in left):
        # Ruff walks a folder itself (no file given: the current one): it is told which
        # files to leave out.
        excluded = [
            part for name in sorted(exempt) for part in ("--extend-exclude", str(root / name))
        ]
        return [kept[0], *excluded, *kept[1:]]
    return kept


def _names_exempt(argument: str, exempt: frozenset[str], cwd: Path, root: Path) -> bool:
    if argument.startswith("-"):
        return False
    return tool_output.relative(argument, cwd, root) in exempt and (cwd / argument).is_file()
