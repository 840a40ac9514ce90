"""Threads (MLP002): CPU-bound data preparation run where the GIL serialises it.

The rule collects, in one traversal, what Python's scoping needs (which name is
bound to what, per function, class and module), the calls that hand work to a
thread, and the DataLoaders' `collate_fn`/`worker_init_fn`. In `finish` it
resolves each hand-off to the function it runs and reads that function's body:
only a same-module function whose body provably iterates over data doing
Python-level computation, with no I/O anywhere, is reported.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from ml_policy.lint.calls import UNKNOWN, argument, is_test_file, literal_int
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule

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

DATALOADER = "torch.utils.data.DataLoader"
# Keyword and position in DataLoader(dataset, batch_size, ..., collate_fn, ..., worker_init_fn).
DATALOADER_HOOKS = (("collate_fn", 6), ("worker_init_fn", 10))
DATASETS = frozenset({"torch.utils.data.Dataset", "torch.utils.data.IterableDataset"})
DATASET_METHODS = frozenset({"__getitem__", "__getitems__", "__iter__"})

# --- what a call inside the work does ----------------------------------------------
IO, PURE, COMPUTE, SCALAR, PUT, OTHER = "io", "pure", "compute", "scalar", "put", "other"

# Modules whose every call reads, writes, talks to the network or runs a process.
IO_MODULES = (
    "requests", "urllib", "urllib3", "httpx", "aiohttp", "http", "socket", "ssl", "ftplib",
    "smtplib", "paramiko", "boto3", "botocore", "s3fs", "gcsfs", "adlfs", "fsspec",
    "google.cloud", "azure", "huggingface_hub", "subprocess", "shutil", "glob", "tarfile",
    "zipfile", "gzip", "bz2", "lzma", "sqlite3", "h5py", "zarr", "lmdb", "webdataset",
    "smart_open", "tensorflow.io", "torchvision.io", "soundfile", "imageio", "pyarrow", "redis",
    "pymongo", "psycopg2", "grpc", "zmq", "tempfile", "selectors", "select", "mmap", "asyncio",
    "csv", "os",
)  # fmt: skip
IO_FUNCTIONS = frozenset({
    "time.sleep", "cv2.imread", "cv2.imwrite", "cv2.imdecode", "cv2.VideoCapture",
    "numpy.fromfile", "numpy.loadtxt", "numpy.genfromtxt", "numpy.memmap", "numpy.savez",
    "numpy.savez_compressed", "numpy.savetxt", "datasets.load_dataset",
})  # fmt: skip
# os functions that only compute on strings or read the environment.
PURE_OS = frozenset({
    "os.path.join", "os.path.basename", "os.path.dirname", "os.path.splitext", "os.path.split",
    "os.path.normpath", "os.fspath", "os.getenv", "os.environ.get", "os.getpid", "os.cpu_count",
})  # fmt: skip
# Names of functions and methods that do I/O or wait, whoever defines them:
# np.load, img.save, f.read, future.result, event.wait.
IO_NAMES = frozenset({
    "open", "read", "readline", "readlines", "readinto", "read_bytes", "read_text", "write",
    "writelines", "write_bytes", "write_text", "load", "dump", "save", "savefig", "imread",
    "imwrite", "imdecode", "urlopen", "urlretrieve", "recv", "recv_into", "recvfrom", "send",
    "sendall", "sendfile", "connect", "request", "get_object", "put_object", "head_object",
    "copy_object", "delete_object", "iter_content", "iter_lines", "raise_for_status", "exists",
    "is_file", "is_dir", "iterdir", "glob", "rglob", "mkdir", "makedirs", "unlink", "rename",
    "stat", "touch", "flush", "seek", "listdir", "scandir", "walk", "to_csv", "to_parquet",
    "to_json", "to_pickle", "to_hdf", "to_feather", "to_excel", "to_sql", "sleep", "wait",
    "result", "acquire", "communicate", "check_output", "execute", "fetchone", "fetchall",
    "fetchmany", "input",
})  # fmt: skip
IO_PREFIXES = (
    "read_", "load_", "download", "upload", "fetch", "write_", "save_", "open_", "from_pretrained",
)  # fmt: skip
WAITS = frozenset({"get", "join"})  # without positional arguments: queue.get(), thread.join()
CLIENT_VERBS = frozenset({"get", "put", "post", "delete", "head", "list", "patch"})
CLIENT_WORDS = frozenset({
    "client", "session", "http", "https", "requests", "s3", "gcs", "bucket", "storage", "api",
    "conn", "connection", "remote", "hub", "fs", "store", "blob", "redis", "db", "cache",
})  # fmt: skip

# Calls that run as plain Python on the thread, holding the GIL. The computing ones and the
# conversions take Python scalars (or iterate in Python): evidence that a loop works per element,
# where `x / 255.0` alone could be numpy dividing a whole array per iteration.
COMPUTING_BUILTINS = frozenset({"abs", "divmod", "max", "min", "pow", "round", "sum"})
SCALAR_BUILTINS = frozenset({"int", "float", "ord", "chr", "complex"})
PURE_BUILTINS = frozenset({
    "all", "any", "bin", "bool", "bytearray", "bytes", "dict", "enumerate", "format", "frozenset",
    "getattr", "hasattr", "hash", "hex", "id", "isinstance", "iter", "len", "list", "next", "oct",
    "print", "range", "repr", "reversed", "set", "slice", "sorted", "str", "tuple", "type", "zip",
})  # fmt: skip
COMPUTING_MODULES = ("math.", "cmath.", "statistics.", "colorsys.")
PURE_MODULES = (
    "random.", "operator.", "itertools.", "bisect.", "heapq.", "collections.", "re.", "struct.",
    "copy.",
)  # fmt: skip
PURE_METHODS = frozenset({
    "append", "appendleft", "extend", "insert", "pop", "popleft", "add", "update", "setdefault",
    "items", "keys", "values", "get", "index", "count", "remove", "discard", "clear", "copy",
    "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper", "replace", "startswith",
    "endswith", "join", "format", "find", "isdigit", "isalpha", "splitlines",
})  # fmt: skip
PUTS = frozenset({"put", "put_nowait"})  # a producer handing batches to a queue
# Decorators after which the body still runs as written (and functools.*).
HARMLESS_DECORATORS = frozenset({"staticmethod", "classmethod"})

SMALL_RANGE = 16  # `for c in range(3)` walks channels, not data
# Not @ (matmul runs in native code without the GIL) nor | (set and type unions).
ARITHMETIC = frozenset({
    "Add", "Subtract", "Multiply", "Divide", "FloorDivide", "Modulo", "Power", "LeftShift",
    "RightShift", "BitAnd", "BitXor",
})  # fmt: skip
HOW = (
    "the GIL runs one thread at a time; "
    "use DataLoader workers (num_workers) or a ProcessPoolExecutor"
)
IN_LOADER_HOW = (
    "the GIL runs one thread at a time; do the work inline and let DataLoader workers "
    "(num_workers) parallelise it"
)


# --- scopes ----------------------------------------------------------------------


@dataclass(eq=False)
class _Scope:
    """One Python scope and what each name in it is bound to (None: a value we do not track)."""

    kind: str  # module | class | function | lambda
    node: cst.FunctionDef | cst.ClassDef | cst.Lambda | None
    parent: _Scope | None
    bindings: dict[str, list[cst.CSTNode | None]] = field(default_factory=dict)

    def bind(self, name: str, value: cst.CSTNode | None) -> None:
        self.bindings.setdefault(name, []).append(value)

    def find(self, name: str) -> tuple[_Scope, list[cst.CSTNode | None]] | None:
        """The scope that binds `name` as Python resolves it here (class bodies do not enclose)."""
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.bindings and (scope is self or scope.kind != "class"):
                return scope, scope.bindings[name]
            scope = scope.parent
        return None

    def only(self, name: str) -> cst.CSTNode | None:
        """The one value `name` is bound to, or None when it is unbound, rebound or untracked."""
        found = self.find(name)
        return found[1][0] if found and len(found[1]) == 1 else None

    def function(self) -> _Scope | None:
        """The innermost enclosing `def` (lambdas do not count)."""
        scope: _Scope | None = self
        while scope is not None and scope.kind != "function":
            scope = scope.parent
        return scope


# --- what a function does -----------------------------------------------------


@dataclass(frozen=True)
class _Work:
    """A function handed to a thread, and how the message names it."""

    label: str
    node: cst.FunctionDef | cst.Lambda


@dataclass(frozen=True)
class _Loop:
    """One level of iteration: a `for`, a `while` (no iter), a comprehension's `for` clause."""

    iter: cst.BaseExpression | None
    body: tuple[cst.CSTNode, ...]  # what runs on every iteration
    inner: _Loop | None = None  # the next `for` clause of the same comprehension


@dataclass
class _Facts:
    """What a stretch of code does, as far as the rule can tell."""

    io: bool = False  # reads, writes, downloads or waits somewhere
    # Every call is plain Python: builtins, math, list methods, same-module pure helpers.
    pure: bool = True
    computes: bool = False  # does arithmetic in Python (outside indexing and conditions)
    scalar: bool = False  # calls that take Python scalars: min, round, math.*, int(...)
    yields: bool = False
    puts: bool = False  # hands items to a queue
    loops: list[_Loop] = field(default_factory=list)  # the outermost loops in it
    # Why same-module helpers it calls are CPU-bound, ranked.
    reasons: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Summary:
    io: bool = False
    pure: bool = False
    computes: bool = False
    scalar: bool = False
    yields: bool = False
    puts: bool = False
    reason: str | None = None  # why it is CPU-bound Python; None: not shown to be


OPAQUE = _Summary()  # decorated, async, or recursive: assume nothing


class _Analysis:
    """Resolves the work handed to threads and decides whether it is CPU-bound Python."""

    def __init__(self, imports: ImportTable, scopes: dict[cst.CSTNode, _Scope]) -> None:
        self.imports = imports
        self.scopes = scopes  # FunctionDef, Lambda and ClassDef -> the scope they open
        self.summaries: dict[cst.CSTNode, _Summary] = {}
        self.printer = cst.Module(body=())

    # Which function runs.

    def work(self, expr: cst.BaseExpression, scope: _Scope, depth: int = 0) -> _Work | None:
        """The same-module function `expr` names: a def, lambda, partial or bound method."""
        if depth > 3:
            return None
        if isinstance(expr, cst.Lambda):
            return _Work("a lambda", expr)
        if isinstance(expr, cst.Name):
            return self._named(expr.value, scope, depth)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            method = self.method(expr.value.value, expr.attr.value, scope)
            return _Work(f"`{expr.attr.value}`", method) if method else None
        if isinstance(expr, cst.Call):
            return self._called(expr, scope, depth)
        return None

    def _named(self, name: str, scope: _Scope, depth: int) -> _Work | None:
        found = scope.find(name)
        if found is None or len(found[1]) != 1:
            return None
        value = found[1][0]
        if isinstance(value, cst.FunctionDef | cst.Lambda):
            return _Work(f"`{name}`", value)
        if isinstance(value, cst.Call):  # work = partial(f, ...) or work = Transform()
            return self._called(value, found[0], depth + 1)
        return None

    def _called(self, call: cst.Call, scope: _Scope, depth: int) -> _Work | None:
        """`functools.partial(f, ...)` runs f; an instance of a same-module class its `__call__`."""
        if self.imports.resolve(call.func) == "functools.partial":
            func = argument(call, POSITIONAL_ONLY, 0)
            return (
                None if func is None or func is UNKNOWN else self.work(func.value, scope, depth + 1)
            )
        if isinstance(call.func, cst.Name):
            cls = scope.only(call.func.value)
            if isinstance(cls, cst.ClassDef):
                method = self.scopes[cls].bindings.get("__call__", [])
                if len(method) == 1 and isinstance(method[0], cst.FunctionDef):
                    return _Work(f"`{cls.name.value}`", method[0])
        return None

    def method(self, receiver: str, name: str, scope: _Scope) -> cst.FunctionDef | None:
        """`self.name` inside a method of a same-file class: that class's own `def name`."""
        found = scope.find(receiver)
        owner = found[0] if found else None
        if (
            owner is None
            or owner.kind != "function"
            or owner.parent is None
            or owner.parent.kind != "class"
        ):
            return None
        if not isinstance(owner.node, cst.FunctionDef) or owner.node.decorators:
            return None  # a staticmethod's first parameter is not the instance
        params = owner.node.params.params
        if not params or params[0].name.value != receiver:
            return None
        value = owner.parent.bindings.get(name, [])
        return value[0] if len(value) == 1 and isinstance(value[0], cst.FunctionDef) else None

    # Whether it is CPU-bound.

    def verdict(self, expr: cst.BaseExpression, scope: _Scope) -> tuple[_Work, _Summary] | None:
        """The work and why it is CPU-bound Python, or None (unknown, I/O, vectorised, ...)."""
        work = self.work(expr, scope)
        if work is None:
            return None
        summary = self.summary(work.node)
        if summary.io or summary.yields or summary.reason is None:
            return None  # a generator does its work where it is iterated, not on the thread
        return work, summary

    def summary(self, node: cst.FunctionDef | cst.Lambda) -> _Summary:
        if node not in self.summaries:
            self.summaries[node] = OPAQUE  # a recursive call tells nothing more
            self.summaries[node] = self._summarise(node)
        return self.summaries[node]

    def _summarise(self, node: cst.FunctionDef | cst.Lambda) -> _Summary:
        if isinstance(node, cst.FunctionDef) and (node.asynchronous or not self._plain(node)):
            return OPAQUE  # @numba.njit, @torch.compile, ... : not the Python the body shows
        facts = self.scan((node.body,), self.scopes[node])
        ranked = [r for loop in facts.loops for r in self._loop_reasons(loop, self.scopes[node])]
        ranked += facts.reasons
        reason = min(ranked, key=lambda r: r[0])[1] if ranked else None
        return _Summary(
            facts.io, facts.pure, facts.computes, facts.scalar, facts.yields, facts.puts, reason
        )

    def _plain(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            expr = decorator.decorator
            expr = expr.func if isinstance(expr, cst.Call) else expr
            name = self.imports.resolve(expr) or ""
            plain_name = isinstance(expr, cst.Name) and expr.value in HARMLESS_DECORATORS
            if not plain_name and not name.startswith("functools."):
                return False
        return True

    def _loop_reasons(self, loop: _Loop, scope: _Scope) -> Iterator[tuple[int, str]]:
        """Why `loop` (or one inside it) is CPU-bound Python, ranked: nested data loops first."""
        facts = self.scan(loop.body, scope)
        inner = [*facts.loops, *([loop.inner] if loop.inner else [])]
        if loop.iter is not None and _over_data(loop, scope):
            for other in inner:
                if other.iter is not None and self._computes_over_data(other, scope):
                    over = f"`{self.code(loop.iter)}` and `{self.code(other.iter)}`"
                    yield 0, f"runs nested Python loops over {over}"
            if facts.computes and facts.scalar and facts.pure:
                yield 2, f"loops over `{self.code(loop.iter)}` in Python, computing per item"
        for other in inner:
            yield from self._loop_reasons(other, scope)

    def _computes_over_data(self, loop: _Loop, scope: _Scope) -> bool:
        """Whether `loop` walks data and computes in Python on every iteration."""
        if not _over_data(loop, scope):
            return False
        if self.scan(loop.body, scope).computes:
            return True
        return loop.inner is not None and self._computes_over_data(loop.inner, scope)

    def scan(self, roots: Sequence[cst.CSTNode], scope: _Scope) -> _Facts:
        """The facts of some code, nested defs and classes aside (iterative: code nests deeply)."""
        facts = _Facts()
        stack = [(root, True, False, scope) for root in reversed(roots)]
        while stack:
            node, counting, in_loop, where = stack.pop()
            if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Annotation | cst.Decorator):
                continue  # runs only when called, or never
            loop = _loop_of(node)
            if loop is not None and not in_loop:
                facts.loops.append(loop)
            self._note(node, counting, where, facts)
            where = self.scopes.get(node, where) if isinstance(node, cst.Lambda) else where
            uncounted = _uncounted(node)
            stack.extend(
                (child, counting and id(child) not in uncounted, in_loop or loop is not None, where)
                for child in reversed(node.children)
            )
        return facts

    def _note(self, node: cst.CSTNode, counting: bool, scope: _Scope, facts: _Facts) -> None:
        if isinstance(node, cst.Call):
            self._call(node, counting, scope, facts)
        elif isinstance(node, cst.Yield):
            facts.yields = True
        elif counting and _is_arithmetic(node):
            facts.computes = True

    def _call(self, call: cst.Call, counting: bool, scope: _Scope, facts: _Facts) -> None:
        for arg in call.args:  # map(cv2.imread, paths), pool.map(load, keys): called in there
            self._passed(arg.value, scope, facts)
        kind = self.classify(call, scope)
        if isinstance(kind, _Work):
            helper = self.summary(kind.node)
            facts.io = facts.io or helper.io
            facts.pure = facts.pure and helper.pure
            facts.computes = facts.computes or (counting and helper.pure and helper.computes)
            facts.scalar = facts.scalar or (counting and helper.pure and helper.scalar)
            if helper.reason:
                facts.reasons.append((1, f"calls {kind.label}, which {helper.reason}"))
            return
        facts.io = facts.io or kind == IO
        facts.pure = facts.pure and kind in {PURE, COMPUTE, SCALAR, PUT}
        facts.computes = facts.computes or (counting and kind == COMPUTE)
        facts.scalar = facts.scalar or (counting and kind in {COMPUTE, SCALAR})
        facts.puts = facts.puts or kind == PUT

    def _passed(self, value: cst.BaseExpression, scope: _Scope, facts: _Facts) -> None:
        """A function passed as an argument runs somewhere: its I/O counts; it is not pure."""
        if not isinstance(value, cst.Name | cst.Attribute):
            return
        work = self.work(value, scope)
        qualified = None if work else self.imports.resolve(value)
        if work is not None:
            facts.io = facts.io or self.summary(work.node).io
            facts.pure = False
        elif qualified is not None and _qualified_kind(qualified) == IO:
            facts.io = True

    def classify(self, call: cst.Call, scope: _Scope) -> _Work | str:
        """The same-module function it runs, or its kind: IO, PURE, COMPUTE, SCALAR, PUT, OTHER."""
        work = self.work(call.func, scope)
        if work is not None:
            return work
        qualified = self.imports.resolve(call.func)
        if qualified is not None:
            return _qualified_kind(qualified)
        if isinstance(call.func, cst.Name):
            return _name_kind(call.func.value, scope)
        if isinstance(call.func, cst.Attribute):
            return _method_kind(call.func, call)
        return OTHER

    def code(self, node: cst.CSTNode) -> str:
        text = " ".join(self.printer.code_for_node(node).split())
        return text if len(text) <= 40 else text[:39] + "…"


def _qualified_kind(name: str) -> str:
    if name in PURE_OS:
        return PURE
    in_io_module = any(name == m or name.startswith(m + ".") for m in IO_MODULES)
    if in_io_module or name in IO_FUNCTIONS or _io_name(name.rsplit(".", 1)[-1]):
        return IO
    if name.startswith(COMPUTING_MODULES):
        return COMPUTE
    return PURE if name.startswith(PURE_MODULES) else OTHER


def _name_kind(name: str, scope: _Scope) -> str:
    if scope.find(name) is None:  # nothing in the module binds it: a builtin
        if name in {"open", "input"}:
            return IO
        if name in COMPUTING_BUILTINS:
            return COMPUTE
        if name in SCALAR_BUILTINS:
            return SCALAR
        if name in PURE_BUILTINS:
            return PURE
    return IO if _io_name(name) else OTHER  # load_image(...) from elsewhere: assume it reads


def _method_kind(func: cst.Attribute, call: cst.Call) -> str:
    method = func.attr.value
    positional = any(arg.keyword is None and not arg.star for arg in call.args)
    if _io_name(method) or (method in WAITS and not positional):
        return IO
    if method in CLIENT_VERBS and _client_like(func.value):
        return IO  # session.get(url), bucket.put(...)
    if method in PUTS:
        return PUT
    return PURE if method in PURE_METHODS else OTHER


def _io_name(name: str) -> bool:
    return name in IO_NAMES or name.startswith(IO_PREFIXES)


def _client_like(expr: cst.BaseExpression) -> bool:
    words: list[str] = []
    while isinstance(expr, cst.Attribute):
        words.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        words.append(expr.value)
    return any(part in CLIENT_WORDS for word in words for part in word.lower().split("_"))


def _loop_of(node: cst.CSTNode) -> _Loop | None:
    if isinstance(node, cst.For):
        return _Loop(node.iter, (node.body,))
    if isinstance(node, cst.While):
        return _Loop(None, (node.body,))
    if isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp):
        return _comprehension((node.elt,), node.for_in)
    if isinstance(node, cst.DictComp):
        return _comprehension((node.key, node.value), node.for_in)
    return None


def _comprehension(elements: tuple[cst.CSTNode, ...], first: cst.CompFor) -> _Loop:
    """`[e for a in xs if c for b in a]` as loop(xs, body: c, a, loop(a, body: e))."""
    clauses = [first]
    while clauses[-1].inner_for_in is not None:
        clauses.append(clauses[-1].inner_for_in)
    loop = _Loop(clauses[-1].iter, (*clauses[-1].ifs, *elements))
    for index in reversed(range(len(clauses) - 1)):
        later = tuple(n for c in clauses[index + 1 :] for n in (c.iter, *c.ifs))
        loop = _Loop(clauses[index].iter, (*clauses[index].ifs, *later, *elements), loop)
    return loop


def _over_data(loop: _Loop, scope: _Scope) -> bool:
    """Whether a `for` walks data, not a literal handful of things: `range(3)`, `("a", "b")`."""
    it: cst.CSTNode | None = loop.iter
    if isinstance(it, cst.Name):  # MICS = ("left", "right") ... for mic in MICS
        it = scope.only(it.value) or it
    if isinstance(it, cst.List | cst.Tuple | cst.Set | cst.SimpleString | cst.ConcatenatedString):
        return False
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "range":
        bounds = [literal_int(a.value) if not a.keyword and not a.star else None for a in it.args]
        ints = [b for b in bounds if b is not None]
        if 0 < len(ints) == len(bounds) <= 3 and ints[2:] != [0]:
            return len(range(*ints)) > SMALL_RANGE
    return True


def _uncounted(node: cst.CSTNode) -> set[int]:
    """Children whose arithmetic is bookkeeping: indices, conditions, range bounds, f-strings."""
    if isinstance(node, cst.Subscript):
        return {id(element) for element in node.slice}
    if isinstance(node, cst.If | cst.While | cst.IfExp | cst.CompIf):
        return {id(node.test)}
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "range"
    ):
        return {id(arg) for arg in node.args}
    if isinstance(node, cst.FormattedString):
        return {id(part) for part in node.parts}
    return set()


def _is_arithmetic(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.BinaryOperation):
        return (
            type(node.operator).__name__ in ARITHMETIC
            and not _is_sequence_or_text(node.left)
            and not _is_sequence_or_text(node.right)
        )
    if isinstance(node, cst.AugAssign):
        operator = type(node.operator).__name__.removesuffix("Assign")
        counter = isinstance(node.target, cst.Name) and isinstance(node.value, cst.Integer)
        counter = counter and operator in {"Add", "Subtract"}  # i += 1 counts, it does not compute
        return operator in ARITHMETIC and not counter and not _is_sequence_or_text(node.value)
    return False


def _is_sequence_or_text(node: cst.BaseExpression) -> bool:
    """`"a" + b`, `"%d" % n`, `[0] * w`: building strings and lists, not computing on data."""
    return isinstance(
        node,
        cst.SimpleString
        | cst.ConcatenatedString
        | cst.FormattedString
        | cst.List
        | cst.Tuple
        | cst.ListComp,
    )


# --- the screen (stdlib ast) ----------------------------------------------------------


class _Candidates:
    """Whether a file may hold a finding, from the stdlib ast in one walk.

    A superset of what the full rule resolves, so it never rejects a file the
    rule would report: a `Thread(...)` or a hand-off method on a pool created
    in the file, whose work is a lambda, a call (partial, an instance), a name
    the module binds, or `x.name` where the module defines `name`; and a loop.
    """

    def __init__(self, imports: ImportTable, tree: ast.Module) -> None:
        self.imports = imports
        self.pools: set[str] = set()  # names bound to a thread-pool factory call somewhere
        self.bound: set[str] = set()  # names bound other than by import (defs included)
        self.defs: set[str] = set()
        self.hand_offs: list[tuple[ast.Call, bool]] = []  # (call, is a Thread(...))
        self.loops = False
        for node in ast.walk(tree):
            self._note(node)

    def found(self) -> bool:
        return self.loops and any(self._could_run(call, thread) for call, thread in self.hand_offs)

    def _note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            thread = self._kind(node) == "thread"
            method = isinstance(node.func, ast.Attribute) and node.func.attr in HAND_OFF_METHODS
            if thread or method:
                self.hand_offs.append((node, thread))
        elif isinstance(node, ast.For | ast.While | ast.comprehension):
            self.loops = True
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.defs.add(node.name)
            self.bound.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            self.bound.add(node.id)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.withitem):
            self._note_pool(node)

    def _note_pool(self, node: ast.Assign | ast.AnnAssign | ast.withitem) -> None:
        value: ast.expr | None
        if isinstance(node, ast.withitem):
            value, targets = node.context_expr, [node.optional_vars]
        else:
            value = node.value
            targets = list(node.targets) if isinstance(node, ast.Assign) else [node.target]
        if isinstance(value, ast.Call) and self._kind(value) in HAND_OFFS:
            self.pools.update(t.id for t in targets if isinstance(t, ast.Name))

    def _kind(self, call: ast.Call) -> str | None:
        return FACTORIES.get(self.imports.resolve_ast(call.func) or "")

    def _could_run(self, call: ast.Call, thread: bool) -> bool:
        if not thread and not self._on_pool(call.func):
            return False
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        ):
            return True  # splats: let the full rule decide
        if thread:
            works = [k.value for k in call.keywords if k.arg == "target"] + call.args[1:2]
        else:
            works = [k.value for k in call.keywords if k.arg in {"fn", "func"}] + call.args[:1]
        return any(self._could_name(work) for work in works)

    def _on_pool(self, func: ast.expr) -> bool:
        """`pool.method` on a name bound to a thread pool, or `ThreadPool(...).method`."""
        receiver = func.value if isinstance(func, ast.Attribute) else None
        if isinstance(receiver, ast.Call):
            return self._kind(receiver) in HAND_OFFS
        return isinstance(receiver, ast.Name) and receiver.id in self.pools

    def _could_name(self, work: ast.expr) -> bool:
        if isinstance(work, ast.Lambda | ast.Call):
            return True
        if isinstance(work, ast.Name):
            return work.id in self.bound
        return isinstance(work, ast.Attribute) and work.attr in self.defs


# --- the rule -------------------------------------------------------------------


@dataclass(frozen=True)
class _HandOff:
    """A call that gives work to a thread: `Thread(target=...)` or `pool.<method>(work, ...)`."""

    call: cst.Call
    scope: _Scope
    method: str | None  # None: a Thread(...) call


class ThreadedCpuBoundLoading(Rule):
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
    # A file that creates a thread spells Thread, ThreadPool(Executor), or imports
    # multiprocessing.dummy. ("Pool" would admit every CNN file: MaxPool2d, AvgPool2d.)
    triggers: ClassVar[tuple[str, ...]] = ("Thread", "multiprocessing")
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
        self.scope = self.module = _Scope("module", None, None)
        self.scopes: dict[
            cst.CSTNode, _Scope
        ] = {}  # FunctionDef, Lambda, ClassDef -> the scope it opens
        self.creations: dict[cst.Call, tuple[str, _Scope]] = {}  # thread factory calls: kind, where
        self.hand_offs: list[_HandOff] = []
        self.loaders: list[tuple[cst.Call, _Scope]] = []

    @classmethod
    def screen(cls, tree: ast.Module, imports: ImportTable) -> bool:
        """A hand-off the full rule could resolve to a same-module function, and a loop."""
        if not imports.mentions(*FACTORY_PACKAGES):
            return False
        return _Candidates(imports, tree).found()

    def get_visitors(self) -> dict[str, Callable[[cst.CSTNode], object]]:
        # Free-threaded CPython has no GIL to serialise threads; tests start threads on purpose.
        if self.context.settings.free_threaded or is_test_file(self.context.path):
            return {}
        return super().get_visitors()

    # Scopes and bindings.

    def _open(self, kind: str, node: cst.FunctionDef | cst.ClassDef | cst.Lambda) -> None:
        self.scope = self.scopes[node] = _Scope(kind, node, self.scope)

    def _close(self) -> None:
        self.scope = self.scope.parent or self.module

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope.bind(node.name.value, node)
        self._open("class", node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._close()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scope.bind(node.name.value, node)
        self._open("function", node)
        self._bind_parameters(node.params)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._close()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._open("lambda", node)
        self._bind_parameters(node.params)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._close()

    def _bind_parameters(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            self.scope.bind(param.name.value, None)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.scope.bind(star.name.value, None)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._bind(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(
            node.target, None
        )  # in the enclosing scope: conservative, it can only hide names

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, None)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        self.scope.bind(node.evaluated_alias or node.evaluated_name.split(".")[0], None)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:  # rebinds the module's name from inside a function: no longer known
            self.scope.bind(item.name.value, None)
            self.module.bind(item.name.value, None)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.scope.bind(item.name.value, None)

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
        analysis = _Analysis(self.context.imports, self.scopes)
        hooks = self._hooks(analysis)
        reported: set[cst.Call] = set()
        for hand_off in self.hand_offs:
            self._check(hand_off, analysis, hooks, reported)

    def _check(
        self,
        hand_off: _HandOff,
        analysis: _Analysis,
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

    def _hooks(self, analysis: _Analysis) -> dict[cst.CSTNode, str]:
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
            value = (
                base.value.value if isinstance(base.value, cst.Subscript) else base.value
            )  # Dataset[T]
            if base.keyword is not None:
                continue
            if self.resolve(value) in DATASETS:
                return True
            parent = outer.only(value.value) if outer and isinstance(value, cst.Name) else None
            if isinstance(parent, cst.ClassDef) and depth < 8 and self._dataset(parent, depth + 1):
                return True
        return False


def _message(kind: str, work: _Work, summary: _Summary) -> str:
    if kind != "thread":
        return f"{work.label} {summary.reason} on a thread pool: {HOW}"
    producer = "threaded batch producer: " if summary.puts else ""
    return f"{producer}{work.label} {summary.reason} on a thread: {HOW}"


def _context_message(kind: str, context: str, work: _Work, summary: _Summary) -> str:
    what = "thread started" if kind == "thread" else "thread pool created"
    return f"{what} in {context} runs {work.label}, which {summary.reason}: {IN_LOADER_HOW}"
