"""Text output: Ruff's concise format, one line per finding, then a summary.

The wording of the summary is Ruff's (checked against ruff 0.17.6) so that
people and scripts that know Ruff's output read ours the same way. File
names and messages are shown `printable`: a newline or an escape sequence in
either cannot forge a line of output or drive the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ml_policy.diagnostics import Applicability
from ml_policy.report import display_path, printable

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ml_policy.diagnostics import Diagnostic


def render(diagnostics: Sequence[Diagnostic], root: Path, *, summary: bool = True) -> str:
    """Write `path:line:col: CODE message` per finding, then Ruff's summary (if `summary`)."""
    lines = [_line(diagnostic, root) for diagnostic in diagnostics]
    if not summary:
        return "".join(f"{line}\n" for line in lines)
    if not diagnostics:
        return "All checks passed!\n"
    count = len(diagnostics)
    lines.append(f"Found {count} error{'' if count == 1 else 's'}.")
    fixes = _fix_summary(diagnostics)
    if fixes:
        lines.append(fixes)
    return "\n".join(lines) + "\n"


def _line(diagnostic: Diagnostic, root: Path) -> str:
    # Ruff marks only what plain `--fix` would apply.
    marker = " [*]" if _applicability(diagnostic) is Applicability.SAFE else ""
    path = printable(display_path(diagnostic.path, root))
    cell = f"cell {diagnostic.cell}:" if diagnostic.cell else ""
    position = f"{path}:{cell}{diagnostic.line}:{diagnostic.column}:"
    return f"{position} {diagnostic.code}{marker} {printable(diagnostic.message)}"


def _fix_summary(diagnostics: Sequence[Diagnostic]) -> str | None:
    safe = _count(diagnostics, Applicability.SAFE)
    unsafe = _count(diagnostics, Applicability.UNSAFE)
    fixes = "fix" if unsafe == 1 else "fixes"
    hidden = f"{unsafe} unsafe {fixes} available with `--fix --unsafe-fixes`"
    if safe and unsafe:
        return f"[*] {safe} fixable with `--fix` ({hidden})."
    if safe:
        return f"[*] {safe} fixable with `--fix`."
    if unsafe:
        return f"{hidden}."
    # Display-only fixes are never applied, so Ruff does not count them.
    return None


def _count(diagnostics: Sequence[Diagnostic], applicability: Applicability) -> int:
    return sum(_applicability(d) is applicability for d in diagnostics)


def _applicability(diagnostic: Diagnostic) -> Applicability | None:
    return None if diagnostic.fix is None else diagnostic.fix.applicability
