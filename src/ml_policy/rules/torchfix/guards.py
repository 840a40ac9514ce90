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
name or upper-case `_TORCH_...` flag, a version string literal) or probes the
API (`hasattr`, `getattr`, `dir`); after such an `if` whose body leaves the
block (`return`, `raise`, `continue`, `break`: the rest of the block is the
other branch); in an
assignment of a default that such an `if` right after it overrides (`f =
old; if hasattr(...): f = new`); in a `try`
that catches `ImportError`, `ModuleNotFoundError` or `AttributeError` (body and
handlers); or in an `except Exception:` / bare `except:` handler (a fallback).

The tracker is a fact of the file that runs ahead of the rules in the shared
traversal: a rule asks `guarded` at the node it visits.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

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
        return is_version_identifier(node.value)
    if isinstance(node, cst.Attribute):
        return is_version_identifier(node.attr.value)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        return node.func.value in PROBING_CALLS
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return isinstance(value, str) and _VERSION_STRING.match(value) is not None
    return False


def is_version_identifier(identifier: str) -> bool:
    """`__version__`, `TORCH_VERSION`, `version_info`; `_TORCH_GREATER_EQUAL_2_4`, `is_torch_1_13`;
    a module-level flag about torch (`_TORCH_GRAD_SCALER_HAS_DEVICE`)."""
    lowered = identifier.lower()
    if "version" in lowered:
        return True
    return "torch" in lowered and (_DIGIT.search(lowered) is not None or identifier.isupper())


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


def _assigned_names(statement: cst.CSTNode) -> set[str]:
    """The names a simple statement line (or a small statement of a one-line body)
    assigns (`x = ...`, `x: T = ...`)."""
    if isinstance(statement, cst.SimpleStatementLine):
        smalls: Sequence[cst.CSTNode] = statement.body
    elif isinstance(statement, cst.BaseSmallStatement):
        smalls = [statement]
    else:
        return set()
    names: set[str] = set()
    for small in smalls:
        targets: list[cst.BaseExpression] = []
        if isinstance(small, cst.Assign):
            targets = [target.target for target in small.targets]
        elif isinstance(small, cst.AnnAssign):
            targets = [small.target]
        names.update(target.value for target in targets if isinstance(target, cst.Name))
    return names


def _overridden_defaults(statements: Sequence[cst.BaseStatement]) -> set[cst.CSTNode]:
    """Assignments of a default that the next statement, a guarded `if`, may replace:

    weight_norm = nn.utils.weight_norm
    if hasattr(nn.utils.parametrizations, "weight_norm"):
        weight_norm = nn.utils.parametrizations.weight_norm
    """
    found: set[cst.CSTNode] = set()
    for statement, following in itertools.pairwise(statements):
        if not isinstance(following, cst.If) or not is_guard_test(following.test):
            continue
        overridden = set[str]().union(*(_assigned_names(s) for s in following.body.body))
        if _assigned_names(statement) & overridden:
            found.add(statement)
    return found


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
        # `x = old_api` lines that a following `if guard: x = new_api` overrides.
        self._defaults: set[cst.CSTNode] = set()

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

    def visit_Module(self, node: cst.Module) -> None:
        self._defaults.update(_overridden_defaults(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks.append(0)
        self._defaults.update(_overridden_defaults(node.body))

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.depth += node in self._defaults

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self.depth -= original_node in self._defaults

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.depth -= self._blocks.pop()


def guard_tracker(context: FileContext) -> GuardTracker:
    """The file's guards: tracked in the traversal, so asked for before it (in a rule's init)."""
    tracker = GuardTracker()
    context.visitors.append(tracker)
    return tracker
