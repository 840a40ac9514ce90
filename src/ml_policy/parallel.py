"""How many processes a run forks: one per core for folder runs, none for a hook's few files.

Under pre-commit (PRE_COMMIT=1) the file list is already split across hook
processes, so each checks its share itself. `ML_POLICY_WORKERS` (passed in
as `workers`) overrides the choice; 1 means no pool.
"""

from __future__ import annotations

import os

POOL_THRESHOLD = 16  # below this many files per process, forking costs more than it saves


def pool_size(items: int, workers: int | None) -> int:
    if workers is not None:
        return workers
    if os.environ.get("PRE_COMMIT") or items < POOL_THRESHOLD:
        return 1
    import multiprocessing  # only here: a hook call never needs it

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, max(1, items // POOL_THRESHOLD))
