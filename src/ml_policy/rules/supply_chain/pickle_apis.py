"""The APIs that unpickle a file (MLS001), and those that write one (its own files)."""

from __future__ import annotations

from dataclasses import dataclass

TORCH_LOAD = "torch.load"


@dataclass(frozen=True)
class Load:
    """An unpickling API and where it takes the file (None: it takes bytes)."""

    position: int | None
    keyword: str


LOADS = {
    TORCH_LOAD: Load(0, "f"),
    "torch.serialization.load": Load(0, "f"),
    "joblib.load": Load(0, "filename"),
    "numpy.load": Load(0, "file"),
    "cloudpickle.load": Load(0, "file"),
    "cloudpickle.loads": Load(None, ""),
    "dill.load": Load(0, "file"),
    "dill.loads": Load(None, ""),
    "pandas.read_pickle": Load(0, "filepath_or_buffer"),
}
CANONICAL = {"torch.serialization.load": TORCH_LOAD}
# numpy.load(file, mmap_mode=None, allow_pickle=False, ...)
ALLOW_PICKLE_POSITION = 2

# Writers of a file by path: (0-based position, keyword) of the path.
SAVES = {
    "torch.save": (1, "f"),
    "torch.serialization.save": (1, "f"),
    "joblib.dump": (1, "filename"),
    "numpy.save": (0, "file"),
    "numpy.savez": (0, "file"),
    "numpy.savez_compressed": (0, "file"),
    "pandas.to_pickle": (1, "filepath_or_buffer"),
}
# `DataFrame.to_pickle(path)`: a method, matched by name.
TO_PICKLE = ("to_pickle", 0, "path")

TRIGGERS = ("load", "read_pickle")
