"""What the hooks let pass: findings the repository's baseline accepted.

Every hook calls this after finding what it finds and before printing: the
findings the baseline holds are counted, not shown, and the count is said
(stderr) so that it is seen going down. A repository without a baseline
file pays one `stat`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.baseline import store
from ml_policy.baseline.fingerprint import Finding, SourceLines

if TYPE_CHECKING:
    from ml_policy.baseline.tool_output import Reported
    from ml_policy.diagnostics import Diagnostic


def finding(diagnostic: Diagnostic, root: Path, tool: str | None = None) -> Finding:
    """The baseline's view of a diagnostic; a tool's codes are kept as `tool:CODE`."""
    absolute = Path(os.path.abspath(diagnostic.path))
    try:
        path = absolute.relative_to(root).as_posix()
    except ValueError:
        path = absolute.as_posix()
    code = f"{tool}:{diagnostic.code}" if tool else diagnostic.code
    return Finding(path, code, diagnostic.line, diagnostic.message, diagnostic.cell)


def new_diagnostics(
    diagnostics: Sequence[Diagnostic], start: Path, tool: str | None = None
) -> tuple[list[Diagnostic], str | None]:
    """The findings the baseline at the repository of `start` does not accept, and a note
    (`tool`: the tool whose findings these are, for a tool hook reported as diagnostics)."""
    if not diagnostics:
        return [], None
    root = store.root_for(start)
    baseline = store.load(root)
    if baseline is None:
        return list(diagnostics), None
    matcher, lines = baseline.matcher(), SourceLines(root)
    kept = [d for d in diagnostics if not matcher.accepts(lines.key(finding(d, root, tool)))]
    return kept, note(matcher.accepted, baseline, f"{tool}:" if tool else "ML")


def new_reported(
    reported: Sequence[Reported], baseline: store.Baseline, root: Path
) -> tuple[list[Reported], int]:
    matcher, lines = baseline.matcher(), SourceLines(root)
    kept = [r for r in reported if not matcher.accepts(lines.key(r.finding))]
    return kept, matcher.accepted


def note(accepted: int, baseline: store.Baseline, prefix: str) -> str | None:
    if not accepted:
        return None
    what = prefix.rstrip(":") if prefix != "ML" else "ml-policy"
    return (
        f"{accepted} finding(s) accepted by {store.NAME} not shown "
        f"(it holds {baseline.total(prefix)} {what} findings in all; once fixed, "
        "`ml-policy baseline` drops them)"
    )
