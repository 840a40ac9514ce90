"""Run the lint rules over many files: cache first, then one process or a fork pool.

Under pre-commit the file list is already split across processes (and
PRE_COMMIT=1 is set), so each hook process lints its share itself; a pool is
used only for larger directory runs. ML_POLICY_WORKERS sets the pool size
(1: no pool).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ml_policy import registry
from ml_policy.cache import Cache
from ml_policy.checkers import RunOptions
from ml_policy.config import Settings, SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import MAX_BYTES, open_regular
from ml_policy.parallel import pool_size
from ml_policy.parse_error import not_checked, unreadable

if TYPE_CHECKING:
    from ml_policy.lint.rule import Rule

SUFFIXES = frozenset({".py", ".pyi", ".ipynb"})
# The codes, from the registry: a run the cache answers imports no rule (and no engine).
CODES = tuple(sorted(registry.family("lint").rules))

Codes = tuple[str, ...]


@dataclass(frozen=True)
class Job:
    path: Path
    data: bytes
    settings: Settings
    codes: Codes
    key: str  # the cache key; empty without a cache


def check(
    files: Sequence[Path], resolver: SettingsResolver, options: RunOptions
) -> list[Diagnostic]:
    """The lint checker `ml-policy check` and `ml-policy lint` run."""
    cache = Cache(options.cache_dir, "lint", files) if options.cache_dir else None
    found: list[Diagnostic] = []
    jobs: list[Job] = []
    code_sets: dict[int, tuple[Settings, Codes]] = {}
    for path in files:
        if path.suffix not in SUFFIXES or path.is_symlink():
            continue  # a link is judged as a link (artifacts), its target under its own name
        settings = resolver.for_path(path)
        codes = _enabled_codes(path, settings, code_sets)
        job_or_result = _prepare(path, settings, codes, cache) if codes else []
        if isinstance(job_or_result, Job):
            jobs.append(job_or_result)
        else:
            found.extend(job_or_result)
    for job, diagnostics in zip(jobs, _run(jobs, options.workers), strict=True):
        if cache:
            cache.put(job.key, diagnostics)
        found.extend(diagnostics)
    if cache:
        cache.finish()
    return found


def _enabled_codes(
    path: Path, settings: Settings, known: dict[int, tuple[Settings, Codes]]
) -> Codes:
    """The codes `settings.is_enabled(code, path)` keeps, without its per-call path resolution.

    What does not depend on the path is worked out once per Settings (there is one per
    configuration file); `per-file-ignores`, when there are any, is matched per file.
    Entries keep their Settings alive, so an id is never reused within a run.
    """
    entry = known.get(id(settings))
    if entry is None:
        on = tuple(code for code in CODES if settings.is_enabled(code))
        entry = known[id(settings)] = (settings, on)
    codes = entry[1]
    if settings.per_file_ignores:
        ignored = settings.ignored_for(path)
        codes = tuple(code for code in codes if not code.startswith(ignored))
    return codes


def _prepare(
    path: Path, settings: Settings, codes: Codes, cache: Cache | None
) -> Job | list[Diagnostic]:
    if cache is not None and (digest := cache.known_digest(path)) is not None:
        cached = cache.get(_key(path, digest, settings, codes, cache), path)
        if cached is not None:
            return cached  # the file unchanged since the last run: not even read
    try:
        with open_regular(path) as handle:  # one open and fstat instead of stat, open, fstat
            status = os.fstat(handle.fileno())  # before the read: see runindex.py
            if status.st_size > MAX_BYTES:
                message = f"not checked: larger than {MAX_BYTES >> 20} MB"
                return [not_checked(message, path)]
            data = handle.read()
    except OSError as error:
        return [unreadable(path, error)]
    if cache is None:
        return Job(path, data, settings, codes, key="")
    digest = Cache.digest(data)
    cache.remember(path, status, digest)
    key = _key(path, digest, settings, codes, cache)
    cached = cache.get(key, path)
    return cached if cached is not None else Job(path, data, settings, codes, key)


def _key(path: Path, digest: str, settings: Settings, codes: Codes, cache: Cache) -> str:
    contexts = registry.CACHE_CONTEXTS
    read_elsewhere = [_context(code)(path, settings, cache) for code in codes if code in contexts]
    context = (",".join(codes), str(settings.free_threaded), *read_elsewhere)
    return Cache.key(path, digest, "lint", *context)


ContextFunction = Callable[[Path, Settings, Cache], str]


@cache
def _context(code: str) -> ContextFunction:
    return cast("ContextFunction", registry.load(registry.CACHE_CONTEXTS[code]))


@cache
def _rules(codes: Codes) -> tuple[type[Rule], ...]:
    """The classes of `codes`, imported when a file must be linted."""
    return tuple(cast("type[Rule]", registry.rule_class(code)) for code in codes)


_JOBS: Sequence[Job] = ()  # handed to forked workers by inheritance, not pickling


def _lint(index: int) -> list[Diagnostic]:
    from ml_policy.lint.engine import lint_enabled

    job = _JOBS[index]
    return lint_enabled(job.path, job.data, job.settings, _rules(job.codes))


def _run(jobs: Sequence[Job], workers: int | None) -> list[list[Diagnostic]]:
    global _JOBS  # noqa: PLW0603 - the fork pool's shared, read-only input
    _JOBS = jobs
    for codes in {job.codes for job in jobs}:
        _rules(codes)  # imported once, before the pool forks
    try:
        count = pool_size(len(jobs), workers)
        if count <= 1:
            return [_lint(i) for i in range(len(jobs))]
        import multiprocessing

        context = multiprocessing.get_context("fork")
        with context.Pool(count) as pool:
            return pool.map(_lint, range(len(jobs)), chunksize=max(1, len(jobs) // (count * 8)))
    finally:
        _JOBS = ()
