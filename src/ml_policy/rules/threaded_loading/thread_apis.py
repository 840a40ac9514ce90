"""What creates a thread or thread pool, and how work is handed to it."""

from __future__ import annotations

# What creates a thread, by qualified name. A Thread runs one target; pools take work by method.
FACTORIES = {
    "threading.Thread": "thread",
    "concurrent.futures.ThreadPoolExecutor": "executor",
    "multiprocessing.pool.ThreadPool": "pool",
    "multiprocessing.dummy.Pool": "pool",
}
# A keyword no argument can carry: Executor.submit(fn, /) and partial(func, /) take it by position.
POSITIONAL_ONLY = ""
# Per kind of pool: the methods that hand over work, and the keyword of the work (position 0).
POOL_METHODS = ("map", "imap", "imap_unordered", "starmap", "apply", "apply_async", "map_async")
HAND_OFFS = {
    "executor": {"submit": POSITIONAL_ONLY, "map": "fn"},
    "pool": dict.fromkeys((*POOL_METHODS, "starmap_async"), "func"),
}
HAND_OFF_METHODS = frozenset(m for methods in HAND_OFFS.values() for m in methods)
TARGET_POSITION = 1  # Thread(group=None, target=None, ...)
FACTORY_PACKAGES = ("threading", "concurrent", "multiprocessing")
