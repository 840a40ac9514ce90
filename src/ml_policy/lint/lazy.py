"""libcst, imported on first use.

`import libcst` costs about 230 ms; a hook call whose files the pre-filter or
the cache clears must not pay it. Rule modules import `cst` from here: the
name is bound at once, the module loads when a rule first touches it.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING

__all__ = ["cst"]


def lazy_module(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = lazy_module("libcst")
