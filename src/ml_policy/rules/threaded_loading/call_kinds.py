"""What a call inside the work does: I/O, plain Python, computing, a queue put, or unknown."""

from __future__ import annotations

from ml_policy.lint.lazy import cst
from ml_policy.lint.scopes import Scope

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


def qualified_kind(name: str) -> str:
    if name in PURE_OS:
        return PURE
    in_io_module = any(name == m or name.startswith(m + ".") for m in IO_MODULES)
    if in_io_module or name in IO_FUNCTIONS or _io_name(name.rsplit(".", 1)[-1]):
        return IO
    if name.startswith(COMPUTING_MODULES):
        return COMPUTE
    return PURE if name.startswith(PURE_MODULES) else OTHER


def name_kind(name: str, scope: Scope) -> str:
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


def method_kind(func: cst.Attribute, call: cst.Call) -> str:
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
