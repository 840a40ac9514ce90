"""Version-guarded fallbacks: code that runs only on some PyTorch versions.

A library that supports several PyTorch releases calls the old API where the
new one is missing:

    if version.parse(torch.__version__) >= version.parse("2.4"):
        scaler = torch.amp.GradScaler("cuda")
    else:
        scaler = torch.cuda.amp.GradScaler()

Such a call is deliberate, not a finding. A node is under a guard when it is
inside (test, body or else) an `if` or conditional expression whose test reads
a version (a name with "version" in it, a `_TORCH_GREATER_EQUAL_2_4`-style
flag, a version string literal) or probes the API (`hasattr`, `getattr`,
`dir`); after such an `if` whose body leaves the block (`return`, `raise`,
`continue`, `break`: the rest of the block is the other branch); in a `try`
that catches `ImportError`, `ModuleNotFoundError` or `AttributeError` (body and
handlers); or in an `except Exception:` / bare `except:` handler (a fallback).

The tracker is a fact of the file that runs ahead of the rules in the shared
traversal: a rule asks `guarded` at the node it visits.
"""

from __future__ import annotations

import re

from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Visitor

# Exceptions whose `try` tells that the code inside probes for an API.
PROBING_EXCEPTIONS = frozenset({"ImportError", "ModuleNotFoundError", "AttributeError"})
# Handlers of these (or a bare `except:`) are fallbacks whatever their `try` holds.
FALLBACK_EXCEPTIONS = frozenset({"Exception", "BaseException"})
PROBING_CALLS = frozenset({"hasattr", "getattr", "dir"})
_VERSION_STRING = re.compile(r"[<>=!~ ]*v?\d+\.\d+")
_DIGIT = re.compile(r"\d")


def is_guard_test(test: cst.BaseExpression) -> bool:
    """Whether an `if` test reads a version or probes for an API."""
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if _is_version_sign(node):
            return True
        stack.extend(node.children)
    return False


def _is_version_sign(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return _is_version_identifier(node.value)
    if isinstance(node, cst.Attribute):
        return _is_version_identifier(node.attr.value)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        return node.func.value in PROBING_CALLS
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return isinstance(value, str) and _VERSION_STRING.match(value) is not None
    return False


def _is_version_identifier(identifier: str) -> bool:
    """`__version__`, `TORCH_VERSION`, `version_info`; `_TORCH_GREATER_EQUAL_2_4`, `is_torch_1_13`."""
    lowered = identifier.lower()
    return "version" in lowered or ("torch" in lowered and _DIGIT.search(lowered) is not None)


def _leaves_block(body: cst.BaseSuite) -> bool:
    """Whether a suite's last statement leaves the block (so what follows is the other branch)."""
    statements = body.body
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, cst.SimpleStatementLine):
        small = last.body[-1] if last.body else None
    elif isinstance(last, cst.BaseSmallStatement):
        small = last
    else:
        return False
    return isinstance(small, cst.Return | cst.Raise | cst.Continue | cst.Break)


def _caught_names(handler: cst.ExceptHandler) -> set[str] | None:
    """The exception names a handler catches; None for a bare `except:`."""
    if handler.type is None:
        return None
    kinds = handler.type.elements if isinstance(handler.type, cst.Tuple) else ()
    values = [element.value for element in kinds] or [handler.type]
    names = set()
    for value in values:
        if isinstance(value, cst.Name):
            names.add(value.value)
        elif isinstance(value, cst.Attribute):
            names.add(value.attr.value)
    return names


def _probes(node: cst.Try) -> bool:
    return any((_caught_names(h) or set()) & PROBING_EXCEPTIONS for h in node.handlers)


def _is_fallback(handler: cst.ExceptHandler) -> bool:
    names = _caught_names(handler)
    return names is None or bool(names & (FALLBACK_EXCEPTIONS | PROBING_EXCEPTIONS))


class GuardTracker(Visitor):
    """Counts, during the traversal, the guards around the node being visited."""

    def __init__(self) -> None:
        self.depth = 0
        self._ifs: list[bool] = []
        self._tries: list[bool] = []
        self._handlers: list[bool] = []
        # Per open block: guards that cover the rest of it (after an `if guard: return`).
        self._blocks: list[int] = [0]

    @property
    def guarded(self) -> bool:
        return self.depth > 0

    def _enter(self, stack: list[bool], guard: bool) -> None:
        stack.append(guard)
        self.depth += guard

    def _leave(self, stack: list[bool]) -> bool:
        guard = stack.pop()
        self.depth -= guard
        return guard

    def visit_If(self, node: cst.If) -> None:
        self._enter(self._ifs, is_guard_test(node.test))

    def leave_If(self, original_node: cst.If) -> None:
        if self._leave(self._ifs) and _leaves_block(original_node.body):
            self._blocks[-1] += 1
            self.depth += 1

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._enter(self._ifs, is_guard_test(node.test))

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        self._leave(self._ifs)

    def visit_Try(self, node: cst.Try) -> None:
        self._enter(self._tries, _probes(node))

    def leave_Try(self, original_node: cst.Try) -> None:
        self._leave(self._tries)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._enter(self._handlers, _is_fallback(node))

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self._leave(self._handlers)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks.append(0)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.depth -= self._blocks.pop()


def guard_tracker(context: FileContext) -> GuardTracker:
    """The file's guards: tracked in the traversal, so asked for before it (in a rule's init)."""
    tracker = GuardTracker()
    context.visitors.append(tracker)
    return tracker
