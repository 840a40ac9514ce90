"""`ml-policy upgrade --baseline`: accept the findings that the new configuration adds.

Every hook's findings are collected (baseline.record) before the upgrade writes,
under the old configuration, and again after. Those found only after are the
existing violations of the rules the new version turns on (or of a limit it
tightens): they join the repository's baseline, so it stays as green as it was
while new code is held to them. What failed before still fails; what the old
baseline accepted stays accepted while it is still there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ml_policy.baseline import record, store


@dataclass(frozen=True)
class Accepted:
    path: Path  # the baseline written
    added: int  # findings the new configuration added, now accepted
    failed: dict[str, str]  # tool -> why it could not be recorded


def collect(path: Path) -> store.Baseline:
    """Every hook's current findings in the repository holding `path` (nothing written)."""
    return record.record(store.root_for(path), add=True).baseline


def accept_new(path: Path, before: store.Baseline) -> Accepted:
    """Add the findings not in `before` to the baseline, dropping those fixed since."""
    root = store.root_for(path)
    now = record.record(root, add=True)
    after = now.baseline
    new = after.counts - before.counts
    old = store.load(root) or store.Baseline()
    counts = new | (old.counts & after.counts)
    # A tool that could not run now keeps what the old baseline accepted of it.
    counts |= Counter({k: n for k, n in old.counts.items() if record.tool_of(k[1]) in now.failed})
    baseline = store.Baseline(counts, tools=after.tools | old.tools)
    baseline.messages = {k: after.messages.get(k) or old.messages.get(k, "") for k in counts}
    return Accepted(record.write(root, baseline), sum(new.values()), now.failed)
