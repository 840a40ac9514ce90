"""The text screens of MLM001-MLM003: whether a file may hold a finding, before any parse.

Each is a necessary condition for the rule's verdict (in the rule's module) to find
anything, read from the text with `lint/textscan.py`'s sound scans:

- MLM001 needs a default that `mutable_kind` accepts: a list/dict/set display or
  comprehension; a call of `list`/`dict`/`set`/`bytearray` or of a name imported from
  collections, torch, numpy or pandas (so the file names one of them); or a bare
  name that a module-level `NAME = <display or call>` (or `NAME: ... =`) binds.
- MLM002 needs a default that is a call (`ml_state` reads calls only).
- MLM003 needs a statement directly in a class body whose value is a call of one of
  the factories `ml_state` knows for its kinds (`zeros`, `Linear`, `Parameter`, ...):
  the text must assign such a call (`= <chain ending in the name>(`) on a line that
  starts at a class body's indentation or may continue an earlier line (cheap, from the
  line alone), and that assignment must be in a logical line directly in a class body
  (exact, by Python's indentation rule). A file that imports a factory under another
  name (`zeros as z`), or whose text a scan cannot follow, stays a candidate.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable

from ml_policy.lint import textscan
from ml_policy.lint.prefilter import ScreenText
from ml_policy.rules.hyperparameters import ml_state
from ml_policy.rules.hyperparameters.mutable_defaults import BUILTIN_KINDS

# Where the qualified names `mutable_kind` accepts for calls start (through an import).
MUTABLE_CALL_MODULES = ("collections", "torch", "numpy", "pandas")


def may_mutate_default(text: ScreenText) -> bool:
    """MLM001: a default that may be a mutable object."""
    defaults = text.defaults
    if defaults is None or defaults.displays:
        return True
    roots = defaults.call_roots
    if roots & BUILTIN_KINDS.keys() or (roots and text.mentions(*MUTABLE_CALL_MODULES)):
        return True
    return any(textscan.binds_at_statement_start(text.text, name) for name in defaults.names)


def may_build_ml_default(text: ScreenText) -> bool:
    """MLM002: a default that is a call."""
    defaults = text.defaults
    return defaults is None or bool(defaults.call_roots)


def _last_names(*groups: Iterable[str]) -> frozenset[str]:
    return frozenset(name.rsplit(".", 1)[-1] for group in groups for name in group)


# The factories of the kinds MLM003 reports (tensor, parameter, array, module), by the
# last part of their qualified names: the name a call spells, however the module is imported.
CLASS_ATTRIBUTE_FACTORIES = _last_names(
    ml_state.TENSOR_FACTORIES,
    ml_state.PARAMETERS,
    ml_state.ARRAY_FACTORIES,
    ml_state.ARRAY_CONVERTERS,
    ml_state.SIZED_RANDOM,
    ml_state.STATEFUL_MODULES,
    ml_state.CONTAINERS,
)
# `as` after whitespace (the pattern starts with the word: found fast), and the word before.
_AS = re.compile(r"as(?<=\sas)(?!\w)")
_LAST_WORD = re.compile(r"\w+\Z")


def _imports_factory_as(text: str) -> bool:
    """`from torch import zeros as z`, `import numpy.array as a`: a factory by another name."""
    for match in _AS.finditer(text):
        start = max(match.start() - 80, 0)
        before = text[start : match.start()].rstrip(" \t\f\n\\")
        if not before and start:
            return True  # a long gap: the word before is out of sight
        word = _LAST_WORD.search(before)
        if word and word.group() in CLASS_ATTRIBUTE_FACTORIES:
            return True
    return False


def may_assign_class_attribute(text: ScreenText) -> bool:
    """MLM003: a class-body statement that may assign an ML object."""
    if "class" not in text.raw:
        return False  # no class statement: no class body (a third of the files)
    if _imports_factory_as(text.text):
        return True
    assignments = textscan.factory_assignments(CLASS_ATTRIBUTE_FACTORIES)  # compiled once
    sinks = [m.start() for m in assignments.finditer(text.text)]
    bodies = text.class_bodies
    if not sinks or bodies is None:
        return bool(sinks)
    possible = textscan.possible_class_statements(text.text, sinks, bodies)
    if not possible:
        return possible is None
    spans = text.class_statement_spans  # exact, and dearer: only for the files left
    return spans is None or any(_within(position, spans) for position in possible)


def _within(position: int, spans: list[tuple[int, int]]) -> bool:
    index = bisect.bisect_right(spans, (position, math.inf)) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]
