"""MLP002 threaded-cpu-bound-loading: CPU-bound Python handed to threads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import marked

from ml_policy.config import Settings
from ml_policy.diagnostics import Diagnostic
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.rules.threaded_loading import ThreadedCpuBoundLoading, _Analysis, _Scope

RULE = ThreadedCpuBoundLoading
SETTINGS = Settings(root=Path.cwd())
AUGMENT = """\
def augment(img):
    return [[min(255, int(p * 1.2)) for p in row] for row in img]
"""


def lint(code: str, settings: Settings = SETTINGS, name: str = "x.py") -> list[Diagnostic]:
    diagnostics = lint_bytes(Path(name), code.encode(), settings, [RULE])
    assert all(d.code == RULE.code for d in diagnostics), diagnostics
    return diagnostics


def lines(code: str, settings: Settings = SETTINGS, name: str = "x.py") -> list[int]:
    return [d.line for d in lint(code, settings, name)]


def screened(code: str) -> bool:
    """Whether the cheap stages (text triggers, then the stdlib-ast screen) let the file through."""
    tree = ast.parse(code)
    triggered = any(t in code for t in RULE.triggers)
    return triggered and RULE.screen(tree)


# --- the documented examples (they run in test_rule_examples.py) ------------------------


def test_documentation() -> None:
    assert (RULE.code, RULE.name) == ("MLP002", "threaded-cpu-bound-loading")
    assert len(RULE.valid) >= 8
    assert len(RULE.invalid) >= 6


def test_position_and_message_of_a_pool_hand_off() -> None:
    (diagnostic,) = lint(RULE.examples("invalid")[0])
    assert (diagnostic.line, diagnostic.column) == (14, 20)  # the ex.map(...) call
    assert diagnostic.message == (
        "`augment` runs nested Python loops over `range(h)` and `range(w)` on a thread pool: "
        "the GIL runs one thread at a time; use DataLoader workers (num_workers) or a "
        "ProcessPoolExecutor"
    )


def test_position_and_message_in_dataset_getitem() -> None:
    (diagnostic,) = lint(RULE.examples("invalid")[5])
    assert (diagnostic.line, diagnostic.column) == (7, 14)  # the ThreadPoolExecutor(4) call
    assert diagnostic.message.startswith(
        "thread pool created in `Crops.__getitem__` runs `jitter`, which runs nested Python loops"
    )
    assert "DataLoader workers (num_workers)" in diagnostic.message


def test_threaded_producer_message() -> None:
    (diagnostic,) = lint(RULE.examples("invalid")[4])
    assert diagnostic.message.startswith(
        "threaded batch producer: `producer` calls `make_batch`, which runs nested Python loops"
    )


# --- what hands work to a thread -----------------------------------------------------

# Each reports the marked line; they also prove the screen never rejects a reported file.
POSITIVE = [
    # Thread(target=f) by keyword, module imported under an alias.
    "import threading as th\n" + AUGMENT + "t = th.Thread(target=augment, args=(img,))  # error\n",
    # Thread(group, target) by position.
    "from threading import Thread\n"
    + AUGMENT
    + "Thread(None, augment, args=(img,)).start()  # error\n",
    # concurrent.futures imported as a module, map by keyword.
    "from concurrent import futures\n" + AUGMENT + "with futures.ThreadPoolExecutor() as ex:\n"
    "    out = list(ex.map(fn=augment, iterables=images))  # error\n",
    # An unnamed pool.
    "from multiprocessing.pool import ThreadPool\n"
    + AUGMENT
    + "out = ThreadPool(4).imap_unordered(augment, images)  # error\n",
    # `from multiprocessing import dummy`, pool methods with `func=`.
    "from multiprocessing import dummy\n" + AUGMENT + "pool = dummy.Pool(4)\n"
    "r = pool.apply_async(func=augment, args=(img,))  # error\n",
    # A partial bound to a name first.
    "import functools\nfrom concurrent.futures import ThreadPoolExecutor\n"
    + AUGMENT
    + "work = functools.partial(augment)\nex = ThreadPoolExecutor()\n"
    "fut = ex.submit(work, img)  # error\n",
    # A pool used in a nested function, a same-module helper called on each item.
    "from concurrent.futures import ThreadPoolExecutor\n"
    + AUGMENT
    + "def run(images):\n    with ThreadPoolExecutor() as ex:\n"
    "        def go(batch):\n            return [augment(i) for i in batch]\n"
    "        return [ex.submit(go, b) for b in images]  # error\n",
    # An instance of a same-module class with __call__.
    "from concurrent.futures import ThreadPoolExecutor\n"
    "class Jitter:\n    def __call__(self, img):\n"
    "        return [[p + 1 for p in row] for row in img]\n"
    "with ThreadPoolExecutor() as ex:\n    out = list(ex.map(Jitter(), images))  # error\n",
    # A module-level pool used inside a function.
    "from concurrent.futures import ThreadPoolExecutor\n"
    + AUGMENT
    + "POOL = ThreadPoolExecutor(8)\ndef prepare(images):\n"
    "    return list(POOL.map(augment, images))  # error\n",
    # A bound method counting tokens in nested Python loops.
    "import threading\nclass Tokenizer:\n    def start(self, texts):\n"
    "        threading.Thread(target=self.count, args=(texts,)).start()  # error\n"
    "    def count(self, texts):\n        counts = {}\n        for text in texts:\n"
    "            for word in text.split():\n"
    "                counts[word] = counts.get(word, 0) + 1\n"
    "        return counts\n",
]


@pytest.mark.parametrize("code", POSITIVE)
def test_hand_offs(code: str) -> None:
    assert lines(code) == marked(code)


@pytest.mark.parametrize("code", [*POSITIVE, *RULE.examples("invalid")])
def test_screen_admits_every_reported_file(code: str) -> None:
    assert lines(code)
    assert screened(code)


def test_screen_rejects_files_without_a_candidate() -> None:
    no_threads = AUGMENT + "out = [augment(i) for i in images]\n"
    imported_work = (
        "from concurrent.futures import ThreadPoolExecutor\nfrom aug import augment\n"
        "with ThreadPoolExecutor() as ex:\n    out = list(ex.map(augment, images))\n"
    )
    no_loop = (
        "import threading\ndef work(x):\n    return x * 2\n"
        "threading.Thread(target=work, args=(1,)).start()\n"
    )
    splat_on_unknown_pool = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        + AUGMENT
        + "class Api:\n    def run(self, fn, *args):\n        return self.pool.submit(fn, *args)\n"
    )
    for code in (no_threads, imported_work, no_loop, splat_on_unknown_pool):
        assert not screened(code), code


def test_free_threaded_projects_are_not_checked(tmp_path: Path) -> None:
    free = Settings(root=tmp_path, free_threaded=True)
    for code in (*RULE.examples("invalid"), *POSITIVE):
        assert lines(code, free) == []


def test_test_files_are_not_checked() -> None:
    assert lines(RULE.examples("invalid")[0], name="tests/test_augment.py") == []


# --- what stays silent -------------------------------------------------------------------

SILENT = {
    "unknown executor": "from concurrent.futures import ThreadPoolExecutor\n"
    + AUGMENT
    + "IO = ThreadPoolExecutor()\ndef run(executor, images):\n"
    "    return list(executor.map(augment, images))\n",
    "pool on an attribute": "from concurrent.futures import ThreadPoolExecutor\n"
    + AUGMENT
    + "class Loader:\n    def __init__(self):\n        self.pool = ThreadPoolExecutor()\n"
    "    def load(self, images):\n        return list(self.pool.map(augment, images))\n",
    "rebound to a process pool": "from concurrent.futures import ProcessPoolExecutor, "
    "ThreadPoolExecutor\n" + AUGMENT + "ex = ThreadPoolExecutor()\nif big:\n"
    "    ex = ProcessPoolExecutor()\nout = list(ex.map(augment, images))\n",
    "multiprocessing.Pool": "import multiprocessing as mp\n"
    + AUGMENT
    + "with mp.Pool(8) as pool:\n    out = pool.map(augment, images)\n",
    "ProcessPoolExecutor alias": "from concurrent.futures import ProcessPoolExecutor as PPE\n"
    "import threading\n" + AUGMENT + "with PPE() as ex:\n    out = list(ex.map(augment, images))\n",
    "splatted target": "import threading\n"
    + AUGMENT
    + "threading.Thread(*spec).start()\nthreading.Thread(**spec).start()\n",
    "submit(fn=...) is not the work": "from concurrent.futures import ThreadPoolExecutor\n"
    + AUGMENT
    + "ex = ThreadPoolExecutor()\nex.submit(train, fn=augment)\n",
    "work rebound": "from concurrent.futures import ThreadPoolExecutor\n"
    + AUGMENT
    + "augment = wrap(augment)\nwith ThreadPoolExecutor() as ex:\n"
    "    out = list(ex.map(augment, images))\n",
    "file reads, then pixels": "from concurrent.futures import ThreadPoolExecutor\n"
    "from PIL import Image\ndef load(path):\n    img = Image.open(path)\n"
    "    return [[p // 2 for p in row] for row in img]\n"
    "with ThreadPoolExecutor() as ex:\n    out = list(ex.map(load, paths))\n",
    "object-store downloads": "import boto3\nfrom concurrent.futures import ThreadPoolExecutor\n"
    "s3 = boto3.client('s3')\ndef fetch(keys):\n    for key in keys:\n"
    "        s3.download_file('bucket', key, key.split('/')[-1])\n"
    "        total = sum(len(k) * 2 for k in keys)\n"
    "with ThreadPoolExecutor(32) as ex:\n    ex.map(fetch, shards)\n",
    "I/O in a same-module helper": "import numpy as np\nfrom threading import Thread\n"
    "def read(path):\n    return np.load(path)\n"
    "def worker(paths, out):\n    for p in paths:\n        arr = read(p)\n"
    "        out.append([min(v, 1) for v in arr])\n"
    "Thread(target=worker, args=(paths, out)).start()\n",
    "I/O passed as a function": "import cv2\nfrom concurrent.futures import ThreadPoolExecutor\n"
    "def load(paths):\n    imgs = list(map(cv2.imread, paths))\n"
    "    return [[[min(c, 255) for c in px] for px in row] for row in imgs]\n"
    "with ThreadPoolExecutor() as ex:\n    out = list(ex.map(load, shards))\n",
    "a same-module reader passed as a function": "import threading\n"
    "def read(path):\n    with open(path) as f:\n        return f.read()\n"
    "def work(paths, out):\n    for text in map(read, paths):\n"
    "        out.append([min(ord(c), 127) for c in text])\n"
    "threading.Thread(target=work, args=(paths, out)).start()\n",
    "queue consumer": "import queue, threading\ndef consume(q, out):\n    while True:\n"
    "        item = q.get()\n        out.append(sum(v * v for v in item))\n"
    "threading.Thread(target=consume, args=(q, out)).start()\n",
    "arrays, one per item": "from concurrent.futures import ThreadPoolExecutor\n"
    "def scale(batch):\n    return [img / 255.0 for img in batch]\n"
    "with ThreadPoolExecutor() as ex:\n    out = list(ex.map(scale, batches))\n",
    "dict fields of a sample": "import threading\ndef norm(sample):\n"
    "    for key, value in sample.items():\n        sample[key] = value * 2 - 1\n"
    "threading.Thread(target=norm, args=(s,)).start()\n",
    "channels from a constant": "import threading\nCHANNELS = ('r', 'g', 'b')\n"
    "def norm(img):\n    for c in CHANNELS:\n        for row in img[c]:\n"
    "            row *= 2\n"
    "threading.Thread(target=norm, args=(img,)).start()\n",
    "a generator": "from concurrent.futures import ThreadPoolExecutor\n"
    "def rows(img):\n    for row in img:\n        yield [min(p, 1) for p in row]\n"
    "with ThreadPoolExecutor() as ex:\n    out = list(ex.map(rows, images))\n",
    "an async def": "import threading\nasync def work(img):\n"
    "    return [[min(p, 1) for p in row] for row in img]\n"
    "threading.Thread(target=work, args=(img,)).start()\n",
    "vectorised torch": "import torch\nfrom concurrent.futures import ThreadPoolExecutor\n"
    "def prep(x):\n    return torch.nn.functional.interpolate(x, scale_factor=2) * 2 - 1\n"
    "with ThreadPoolExecutor() as ex:\n    out = list(ex.map(prep, images))\n",
    "a local class named like the pool": "import threading\n"
    + AUGMENT
    + "class ThreadPoolExecutor:\n    def map(self, f, xs):\n        return [f(x) for x in xs]\n"
    "out = ThreadPoolExecutor().map(augment, images)\n",
}


@pytest.mark.parametrize("code", SILENT.values(), ids=SILENT.keys())
def test_silent(code: str) -> None:
    assert lines(code) == []


# --- DataLoader contexts: reported where the pool is created ------------------------------


def test_pool_in_iter_of_a_dataset_subclassed_through_a_same_file_base() -> None:
    code = (
        "import threading\nimport torch.utils.data as tud\n"
        + AUGMENT
        + "class Base(tud.IterableDataset):\n    pass\n"
        "class Stream(Base):\n    def __iter__(self):\n"
        "        t = threading.Thread(target=augment, args=(self.img,))  # error\n"
        "        t.start()\n        yield from self.items\n"
    )
    (diagnostic,) = lint(code)
    assert diagnostic.line == marked(code)[0]
    assert diagnostic.message.startswith("thread started in `Stream.__iter__` runs `augment`")


def test_one_report_per_pool_in_a_collate_fn() -> None:
    code = (
        "import functools\nfrom concurrent.futures import ThreadPoolExecutor\n"
        "from torch.utils.data import DataLoader as DL\n" + AUGMENT + "def collate(batch, scale):\n"
        "    with ThreadPoolExecutor() as ex:  # error\n"
        "        first = [ex.submit(augment, b) for b in batch]\n"
        "        return list(ex.map(augment, batch)), first\n"
        "loader = DL(ds, 32, collate_fn=functools.partial(collate, scale=2), num_workers=2)\n"
    )
    (diagnostic,) = lint(code)
    assert diagnostic.line == marked(code)[0]
    assert diagnostic.message.startswith(
        "thread pool created in collate_fn `collate` runs `augment`"
    )


def test_pool_in_a_worker_init_fn_passed_by_position() -> None:
    code = (
        "from multiprocessing.pool import ThreadPool\nfrom torch.utils.data import DataLoader\n"
        + AUGMENT
        + "def init(worker_id):\n    pool = ThreadPool(2)  # error\n    pool.map(augment, CACHE)\n"
        "loader = DataLoader(ds, 8, True, None, None, 4, None, False, False, 0, init)\n"
    )
    assert lines(code) == marked(code)


def test_getitem_of_a_class_that_is_not_a_dataset_reports_the_hand_off() -> None:
    code = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        + AUGMENT
        + "class Table:\n    def __getitem__(self, i):\n"
        "        with ThreadPoolExecutor() as ex:\n"
        "            return list(ex.map(augment, self.rows[i]))  # error\n"
    )
    assert lines(code) == marked(code)


def test_io_bound_pool_in_getitem_is_silent() -> None:
    code = (
        "from concurrent.futures import ThreadPoolExecutor\nfrom torch.utils.data import Dataset\n"
        "import cv2\nclass Frames(Dataset):\n    def __getitem__(self, i):\n"
        "        with ThreadPoolExecutor() as ex:\n"
        "            return list(ex.map(cv2.imread, self.paths[i]))\n"
        "    def decode(self, paths):\n        return [cv2.imread(p) for p in paths]\n"
    )
    assert lines(code) == []


# --- robustness -----------------------------------------------------------------------------


def test_long_expressions_in_the_work() -> None:
    terms = " + ".join(["v"] * 100)
    code = (
        "import threading\ndef work(xs):\n    return [[min("
        + terms
        + ", 1) for v in x] for x in xs]\n"
        "threading.Thread(target=work, args=(xs,)).start()  # error\n"
    )
    assert lines(code) == marked(code)


def test_the_body_scan_does_not_recurse() -> None:
    # A 1500-term sum nests past the recursion limit: a recursive walk would overflow.
    expression = cst.parse_expression(" + ".join(["v"] * 1500))
    facts = _Analysis(ImportTable(), {}).scan([expression], _Scope("module", None, None))
    assert facts.computes


def test_recursive_helpers_terminate() -> None:
    code = (
        "import threading\ndef a(xs):\n    return [b(x) for x in xs]\n"
        "def b(x):\n    return a(x) + 1\n"
        "threading.Thread(target=a, args=(xs,)).start()\n"
    )
    assert lines(code) == []
