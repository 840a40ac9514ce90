"""MLP002: CPU-bound data preparation handed to a thread, where the GIL serialises it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ml_policy.config import Settings
from ml_policy.lint.calls import UNKNOWN, argument, is_test_file
from ml_policy.lint.imports import DATALOADER
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope, ScopedRule
from ml_policy.rules.threaded_loading.cpu_bound import Summary, Work, WorkAnalysis
from ml_policy.rules.threaded_loading.screen import Candidates
from ml_policy.rules.threaded_loading.thread_apis import (
    FACTORIES,
    FACTORY_PACKAGES,
    HAND_OFF_METHODS,
    HAND_OFFS,
    TARGET_POSITION,
)

# Keyword and position in DataLoader(dataset, batch_size, ..., collate_fn, ..., worker_init_fn).
DATALOADER_HOOKS = (("collate_fn", 6), ("worker_init_fn", 10))
DATASETS = frozenset({"torch.utils.data.Dataset", "torch.utils.data.IterableDataset"})
DATASET_METHODS = frozenset({"__getitem__", "__getitems__", "__iter__"})
HOW = (
    "the GIL runs one thread at a time; "
    "use DataLoader workers (num_workers) or a ProcessPoolExecutor"
)
IN_LOADER_HOW = (
    "the GIL runs one thread at a time; do the work inline and let DataLoader workers "
    "(num_workers) parallelise it"
)


@dataclass(frozen=True)
class _HandOff:
    """A call that gives work to a thread: `Thread(target=...)` or `pool.<method>(work, ...)`."""

    call: cst.Call
    scope: Scope
    method: str | None  # None: a Thread(...) call


class ThreadedCpuBoundLoading(ScopedRule):
    """## What it does
    Checks for CPU-bound Python handed to threads: the function given to
    `threading.Thread(target=...)`, to `ThreadPoolExecutor.submit`/`.map`, or
    to a `multiprocessing.pool.ThreadPool` / `multiprocessing.dummy.Pool`
    (`map`, `imap`, `starmap`, `apply_async`, ...) loops over data in Python:
    nested loops (over pixels, tokens, samples) that compute, or a loop or
    comprehension computing on Python numbers per item (arithmetic together
    with `min`/`max`/`round`/`math.*`/`int(...)`, which take scalars, not
    arrays). A thread pool created inside a `Dataset.__getitem__`/`__iter__`,
    a `collate_fn` or a `worker_init_fn` to run such work is reported where
    it is created; a hand-written loader thread producing such batches into a
    queue is reported at its `Thread(...)`.

    ## Why is this bad?
    CPython's global interpreter lock lets one thread run Python bytecode at
    a time. Python loops that decode, augment or collate samples on eight
    threads run no faster than on one, and they steal the interpreter from
    the training loop that should be feeding the accelerator. Threads pay
    off only while they wait (downloads, file and object-store reads) or run
    native code that releases the GIL (numpy, torch, OpenCV kernels).

    To stay precise the rule reports only what it can prove from the module:
    the work must be a `def`, a `lambda`, a `functools.partial`, or a method
    of the enclosing class, defined in the same file; the pool must be
    created in the same function or at module level (`with X(...) as ex:`,
    `ex = X(...)`); every call in a single loop must be plain Python
    (builtins, `math`, list and dict methods, or same-module helpers that are
    themselves plain Python). It stays silent on work that does any I/O or
    waits (`open`, `requests`, `boto3`, `pathlib` reads, `PIL.Image.open`,
    `cv2.imread`, `np.load`, `torch.load`, `pandas.read_*`, `time.sleep`,
    `queue.get()`, `os` file functions, ...), on vectorised bodies with no
    Python loop, on loops over a literal handful of items (`range(3)`), on
    decorated (e.g. `numba.njit`) and async functions, on process pools, in
    test files, and everywhere when the project sets `free-threaded = true`
    (a free-threaded CPython build has no GIL).

    ## Example
    ```python
    from concurrent.futures import ThreadPoolExecutor


    def augment(img):
        return [[min(255, int(p * 1.2 + 10)) for p in row] for row in img]


    with ThreadPoolExecutor(8) as ex:
        batch = list(ex.map(augment, images))
    ```

    ## Use instead
    Let DataLoader worker processes run the per-sample work (or use a
    process pool, or vectorise it):
    ```python
    from torch.utils.data import DataLoader

    loader = DataLoader(AugmentedImages(images), batch_size=64, num_workers=8)

    # or
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(8) as ex:
        batch = list(ex.map(augment, images, chunksize=64))
    ```

    ## References
    - [Python: the global interpreter lock](https://docs.python.org/3/glossary.html#term-global-interpreter-lock)
    - [Python: `concurrent.futures`, ThreadPoolExecutor and ProcessPoolExecutor](https://docs.python.org/3/library/concurrent.futures.html)
    - [PyTorch: Single- and Multi-process Data Loading](https://pytorch.org/docs/stable/data.html#single-and-multi-process-data-loading)
    - [PEP 703: Making the Global Interpreter Lock Optional](https://peps.python.org/pep-0703/)
    """

    code = "MLP002"
    name = "threaded-cpu-bound-loading"
    summary = "CPU-bound Python data preparation run on threads, where the GIL serialises it"
    # Every finding needs a call that resolves, through the imports, to one of FACTORIES:
    # threading.Thread, concurrent.futures.ThreadPoolExecutor, multiprocessing.pool.ThreadPool
    # (all spell "Thread") or multiprocessing.dummy.Pool (imported: "dummy" and
    # "multiprocessing" are in the text; `text_screen` asks for the second). ("Pool" would
    # admit every CNN file: MaxPool2d, AvgPool2d.)
    triggers: ClassVar[tuple[str, ...]] = ("Thread", "dummy")
    valid: ClassVar[tuple[str, ...]] = (
        # I/O-bound: downloads.
        """
        from concurrent.futures import ThreadPoolExecutor
        import requests


        def fetch(url):
            chunks = []
            for chunk in requests.get(url, stream=True).iter_content(1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)


        with ThreadPoolExecutor(16) as ex:
            blobs = list(ex.map(fetch, urls))
        """,
        # I/O-bound: file reads in the loop.
        """
        from multiprocessing.pool import ThreadPool


        def sizes(paths):
            out = []
            for p in paths:
                with open(p, "rb") as f:
                    out.append(len(f.read()) * 2)
            return out


        pool = ThreadPool(8)
        result = pool.map(sizes, shards)
        """,
        # A process pool: no GIL between workers.
        """
        from concurrent.futures import ProcessPoolExecutor


        def augment(img):
            return [[min(255, p * 2) for p in row] for row in img]


        with ProcessPoolExecutor() as ex:
            out = list(ex.map(augment, images))
        """,
        # Vectorised numpy: releases the GIL, no Python loop.
        """
        import numpy as np
        from concurrent.futures import ThreadPoolExecutor


        def normalize(img):
            return (np.asarray(img, dtype=np.float32) - 127.5) / 127.5


        with ThreadPoolExecutor() as ex:
            out = list(ex.map(normalize, images))
        """,
        # A single loop calling a helper from another module: cannot tell.
        """
        from threading import Thread
        from mylib import transform


        def worker(items, out):
            for x in items:
                out.append(transform(x))


        Thread(target=worker, args=(items, out)).start()
        """,
        # A loop over the three channels, not over data.
        """
        import threading


        def normalize(img, mean, std):
            for c in range(3):
                img[c] = (img[c] - mean[c]) / std[c]
            return img


        threading.Thread(target=normalize, args=(img, mean, std)).start()
        """,
        # Compiled by numba with the GIL released.
        """
        from concurrent.futures import ThreadPoolExecutor
        from numba import njit


        @njit(nogil=True)
        def augment(img):
            out = img.copy()
            for y in range(img.shape[0]):
                for x in range(img.shape[1]):
                    out[y, x] = img[y, x] * 2
            return out


        with ThreadPoolExecutor() as ex:
            out = list(ex.map(augment, images))
        """,
        # Not the standard library's executor.
        """
        from my_runtime import ThreadPoolExecutor


        def augment(img):
            return [[p * 2 for p in row] for row in img]


        with ThreadPoolExecutor() as ex:
            out = list(ex.map(augment, images))
        """,
        # An executor of unknown origin.
        """
        from concurrent.futures import ThreadPoolExecutor


        def augment(img):
            return [[p * 2 for p in row] for row in img]


        def run(executor, images):
            return list(executor.map(augment, images))


        IO_POOL = ThreadPoolExecutor(4)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        # Aliased import, nested pixel loops.
        """
        from concurrent.futures import ThreadPoolExecutor as TPE


        def augment(img):
            h, w = len(img), len(img[0])
            out = [[0] * w for _ in range(h)]
            for y in range(h):
                for x in range(w):
                    out[y][x] = min(255, int(img[y][x] * 1.2 + 10))
            return out


        with TPE(max_workers=8) as ex:
            batches = list(ex.map(augment, images))  # error
        """,
        # Module alias, a lambda.
        """
        import concurrent.futures as cf

        ex = cf.ThreadPoolExecutor()
        futures = [ex.submit(lambda row: [min(v, 255) for v in row], r) for r in rows]  # error
        """,
        # multiprocessing.dummy, functools.partial, a same-module helper doing arithmetic.
        """
        import functools
        from multiprocessing.dummy import Pool


        def scale(value, factor):
            return round(value * factor + 0.5)


        def rescale(sample, factor):
            return [scale(v, factor) for v in sample]


        with Pool(4) as pool:
            out = pool.map(functools.partial(rescale, factor=2.0), samples)  # error
        """,
        # The target by position: Thread(group, target, ...).
        """
        import threading


        def histogram(images, hist):
            for img in images:
                for value in img.flat:
                    hist[value // 4] += 1


        threading.Thread(None, histogram, args=(images, hist)).start()  # error
        """,
        # A hand-written threaded loader feeding a queue.
        """
        import queue
        from threading import Thread


        def make_batch(samples):
            return [[px / 255.0 for px in s] for s in samples]


        def producer(q, shards):
            for shard in shards:
                q.put(make_batch(shard))


        q = queue.Queue(maxsize=8)
        Thread(target=producer, args=(q, shards), daemon=True).start()  # error
        """,
        # A pool in Dataset.__getitem__, running a bound method.
        """
        from concurrent.futures import ThreadPoolExecutor
        from torch.utils.data import Dataset


        class Crops(Dataset):
            def __getitem__(self, i):
                with ThreadPoolExecutor(4) as ex:  # error
                    return list(ex.map(self.jitter, self.crops[i]))

            def jitter(self, crop):
                return [[p + 3 for p in row] for row in crop]
        """,
        # A pool in a collate_fn.
        """
        from multiprocessing.pool import ThreadPool
        from torch.utils.data import DataLoader


        def to_gray(img):
            return [[(r * 299 + g * 587 + b * 114) // 1000 for r, g, b in row] for row in img]


        def collate(batch):
            pool = ThreadPool(8)  # error
            return pool.map(to_gray, batch)


        loader = DataLoader(ds, batch_size=32, num_workers=4, collate_fn=collate)
        """,
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.creations: dict[cst.Call, tuple[str, Scope]] = {}  # thread factory calls: kind, where
        self.hand_offs: list[_HandOff] = []
        self.loaders: list[tuple[cst.Call, Scope]] = []

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return text.mentions("Thread", "multiprocessing")

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        """A hand-off the full rule could resolve to a same-module function, and a loop."""
        if not context.imports.mentions(*FACTORY_PACKAGES):
            return False
        return Candidates(context.imports, context.tree).found()

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        # Free-threaded CPython has no GIL to serialise threads; tests start threads on purpose.
        return not settings.free_threaded and not is_test_file(path)

    # The calls that matter.

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.resolve(node.func)
        kind = FACTORIES.get(qualified or "")
        if kind is not None:
            self.creations[node] = (kind, self.scope)
            if kind == "thread":
                self.hand_offs.append(_HandOff(node, self.scope, None))
        elif qualified == DATALOADER:
            self.loaders.append((node, self.scope))
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value in HAND_OFF_METHODS:
            self.hand_offs.append(_HandOff(node, self.scope, node.func.attr.value))

    # Decisions, once every binding in the module is known.

    def finish(self) -> None:
        if not self.hand_offs:
            return
        analysis = WorkAnalysis(self.context.imports, self.scopes)
        hooks = self._hooks(analysis)
        reported: set[cst.Call] = set()
        for hand_off in self.hand_offs:
            self._check(hand_off, analysis, hooks, reported)

    def _check(
        self,
        hand_off: _HandOff,
        analysis: WorkAnalysis,
        hooks: dict[cst.CSTNode, str],
        reported: set[cst.Call],
    ) -> None:
        pool = self._pool(hand_off)
        if pool is None:
            return
        kind, creations = pool
        if hand_off.method is None:
            work = argument(hand_off.call, "target", TARGET_POSITION)
        else:
            work = argument(hand_off.call, HAND_OFFS[kind][hand_off.method], 0)
        verdict = (
            None
            if work is None or work is UNKNOWN
            else analysis.verdict(work.value, hand_off.scope)
        )
        if verdict is None:
            return
        contexts = {c: self._context(c, hooks) for c in creations}
        if not any(contexts.values()):
            self.report(hand_off.call, _message(kind, *verdict))
        for creation, context in contexts.items():
            if context and creation not in reported:
                reported.add(creation)
                self.report(creation, _context_message(kind, context, *verdict))

    def _pool(self, hand_off: _HandOff) -> tuple[str, tuple[cst.Call, ...]] | None:
        """The kind of thread the work goes to, and the calls that created it; None if unknown."""
        if hand_off.method is None:
            return "thread", (hand_off.call,)
        if not isinstance(hand_off.call.func, cst.Attribute):
            return None
        receiver = hand_off.call.func.value
        if isinstance(receiver, cst.Call):
            creations: tuple[cst.CSTNode | None, ...] = (receiver,)
        elif isinstance(receiver, cst.Name) and (found := hand_off.scope.find(receiver.value)):
            creations = tuple(found[1])  # every binding of the name must be a thread pool
        else:
            return None
        kinds = {
            self.creations[c][0] if isinstance(c, cst.Call) and c in self.creations else None
            for c in creations
        }
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is None or kind == "thread" or hand_off.method not in HAND_OFFS[kind]:
            return None
        return kind, tuple(c for c in creations if isinstance(c, cst.Call))

    def _hooks(self, analysis: WorkAnalysis) -> dict[cst.CSTNode, str]:
        """Functions a DataLoader of this module calls per batch or per worker, and their names."""
        hooks: dict[cst.CSTNode, str] = {}
        for call, scope in self.loaders:
            for keyword, position in DATALOADER_HOOKS:
                arg = argument(call, keyword, position)
                work = None if arg is None or arg is UNKNOWN else analysis.work(arg.value, scope)
                if work is not None:
                    hooks[work.node] = f"{keyword} {work.label}"
        return hooks

    def _context(self, creation: cst.Call, hooks: dict[cst.CSTNode, str]) -> str | None:
        """Where the pool is created, if in a DataLoader hook or a Dataset's per-sample method."""
        function = self.creations[creation][1].function()
        if function is None or not isinstance(function.node, cst.FunctionDef):
            return None
        if function.node in hooks:
            return hooks[function.node]
        owner, name = function.parent, function.node.name.value
        if (
            name in DATASET_METHODS
            and owner
            and isinstance(owner.node, cst.ClassDef)
            and self._dataset(owner.node)
        ):
            return f"`{owner.node.name.value}.{name}`"
        return None

    def _dataset(self, cls: cst.ClassDef, depth: int = 0) -> bool:
        """Whether `cls` subclasses torch's (Iterable)Dataset, directly or via same-file classes."""
        outer = self.scopes[cls].parent
        for base in cls.bases:
            # Dataset[T] names Dataset.
            value = base.value.value if isinstance(base.value, cst.Subscript) else base.value
            if base.keyword is not None:
                continue
            if self.resolve(value) in DATASETS:
                return True
            parent = outer.only(value.value) if outer and isinstance(value, cst.Name) else None
            if isinstance(parent, cst.ClassDef) and depth < 8 and self._dataset(parent, depth + 1):
                return True
        return False


def _message(kind: str, work: Work, summary: Summary) -> str:
    if kind != "thread":
        return f"{work.label} {summary.reason} on a thread pool: {HOW}"
    producer = "threaded batch producer: " if summary.puts else ""
    return f"{producer}{work.label} {summary.reason} on a thread: {HOW}"


def _context_message(kind: str, context: str, work: Work, summary: Summary) -> str:
    what = "thread started" if kind == "thread" else "thread pool created"
    return f"{what} in {context} runs {work.label}, which {summary.reason}: {IN_LOADER_HOW}"
