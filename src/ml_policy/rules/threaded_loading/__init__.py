"""Threads (MLP002): CPU-bound data preparation run where the GIL serialises it.

The rule collects, in one traversal, what Python's scoping needs (which name is
bound to what, per function, class and module), the calls that hand work to a
thread, and the DataLoaders' `collate_fn`/`worker_init_fn`. In `finish` it
resolves each hand-off to the function it runs and reads that function's body:
only a same-module function whose body provably iterates over data doing
Python-level computation, with no I/O anywhere, is reported.

Modules: `threaded_cpu_bound_loading` (the rule, on `lint.scopes`: bindings per scope),
`thread_apis` (what starts threads and takes work), `cpu_bound` (whether the work
is CPU-bound Python), `call_kinds` (what a call in it does), `screen` (the cheap
stdlib-ast pre-check).
"""

from __future__ import annotations

from ml_policy.lint.scopes import Scope
from ml_policy.rules.threaded_loading.cpu_bound import WorkAnalysis
from ml_policy.rules.threaded_loading.threaded_cpu_bound_loading import ThreadedCpuBoundLoading

# The names the tests use to drive the analysis directly.
_Analysis = WorkAnalysis
_Scope = Scope

__all__ = ["ThreadedCpuBoundLoading"]
