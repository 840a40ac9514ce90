"""Whether the work handed to a thread is CPU-bound Python: loops over data, computing per item.

A function is summarised once (its I/O, purity, arithmetic, loops); a same-module helper it
calls contributes its own summary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ml_policy.lint.calls import UNKNOWN, argument, literal_int
from ml_policy.lint.imports import ImportTable
from ml_policy.lint.lazy import cst
from ml_policy.lint.scopes import Scope
from ml_policy.rules.threaded_loading.call_kinds import (
    COMPUTE,
    IO,
    OTHER,
    PURE,
    PUT,
    SCALAR,
    method_kind,
    name_kind,
    qualified_kind,
)
from ml_policy.rules.threaded_loading.thread_apis import POSITIONAL_ONLY

# Decorators after which the body still runs as written (and functools.*).
HARMLESS_DECORATORS = frozenset({"staticmethod", "classmethod"})

SMALL_RANGE = 16  # `for c in range(3)` walks channels, not data
# Not @ (matmul runs in native code without the GIL) nor | (set and type unions).
ARITHMETIC = frozenset({
    "Add", "Subtract", "Multiply", "Divide", "FloorDivide", "Modulo", "Power", "LeftShift",
    "RightShift", "BitAnd", "BitXor",
})  # fmt: skip


@dataclass(frozen=True)
class Work:
    """A function handed to a thread, and how the message names it."""

    label: str
    node: cst.FunctionDef | cst.Lambda


@dataclass(frozen=True)
class Loop:
    """One level of iteration: a `for`, a `while` (no iter), a comprehension's `for` clause."""

    iter: cst.BaseExpression | None
    body: tuple[cst.CSTNode, ...]  # what runs on every iteration
    inner: Loop | None = None  # the next `for` clause of the same comprehension


@dataclass
class Facts:
    """What a stretch of code does, as far as the rule can tell."""

    io: bool = False  # reads, writes, downloads or waits somewhere
    # Every call is plain Python: builtins, math, list methods, same-module pure helpers.
    pure: bool = True
    computes: bool = False  # does arithmetic in Python (outside indexing and conditions)
    scalar: bool = False  # calls that take Python scalars: min, round, math.*, int(...)
    yields: bool = False
    puts: bool = False  # hands items to a queue
    loops: list[Loop] = field(default_factory=list)  # the outermost loops in it
    # Why same-module helpers it calls are CPU-bound, ranked.
    reasons: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    io: bool = False
    pure: bool = False
    computes: bool = False
    scalar: bool = False
    yields: bool = False
    puts: bool = False
    reason: str | None = None  # why it is CPU-bound Python; None: not shown to be


OPAQUE = Summary()  # decorated, async, or recursive: assume nothing


class WorkAnalysis:
    """Resolves the work handed to threads and decides whether it is CPU-bound Python."""

    def __init__(self, imports: ImportTable, scopes: dict[cst.CSTNode, Scope]) -> None:
        self.imports = imports
        self.scopes = scopes  # FunctionDef, Lambda and ClassDef -> the scope they open
        self.summaries: dict[cst.CSTNode, Summary] = {}
        self.printer = cst.Module(body=())

    # Which function runs.

    def work(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Work | None:
        """The same-module function `expr` names: a def, lambda, partial or bound method."""
        if depth > 3:
            return None
        if isinstance(expr, cst.Lambda):
            return Work("a lambda", expr)
        if isinstance(expr, cst.Name):
            return self._named(expr.value, scope, depth)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            method = self.method(expr.value.value, expr.attr.value, scope)
            return Work(f"`{expr.attr.value}`", method) if method else None
        if isinstance(expr, cst.Call):
            return self._called(expr, scope, depth)
        return None

    def _named(self, name: str, scope: Scope, depth: int) -> Work | None:
        found = scope.find(name)
        if found is None or len(found[1]) != 1:
            return None
        value = found[1][0]
        if isinstance(value, cst.FunctionDef | cst.Lambda):
            return Work(f"`{name}`", value)
        if isinstance(value, cst.Call):  # work = partial(f, ...) or work = Transform()
            return self._called(value, found[0], depth + 1)
        return None

    def _called(self, call: cst.Call, scope: Scope, depth: int) -> Work | None:
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
                    return Work(f"`{cls.name.value}`", method[0])
        return None

    def method(self, receiver: str, name: str, scope: Scope) -> cst.FunctionDef | None:
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

    def verdict(self, expr: cst.BaseExpression, scope: Scope) -> tuple[Work, Summary] | None:
        """The work and why it is CPU-bound Python, or None (unknown, I/O, vectorised, ...)."""
        work = self.work(expr, scope)
        if work is None:
            return None
        summary = self.summary(work.node)
        if summary.io or summary.yields or summary.reason is None:
            return None  # a generator does its work where it is iterated, not on the thread
        return work, summary

    def summary(self, node: cst.FunctionDef | cst.Lambda) -> Summary:
        if node not in self.summaries:
            self.summaries[node] = OPAQUE  # a recursive call tells nothing more
            self.summaries[node] = self._summarise(node)
        return self.summaries[node]

    def _summarise(self, node: cst.FunctionDef | cst.Lambda) -> Summary:
        if isinstance(node, cst.FunctionDef) and (node.asynchronous or not self._plain(node)):
            return OPAQUE  # @numba.njit, @torch.compile, ... : not the Python the body shows
        facts = self.scan((node.body,), self.scopes[node])
        ranked = [r for loop in facts.loops for r in self._loop_reasons(loop, self.scopes[node])]
        ranked += facts.reasons
        reason = min(ranked, key=lambda r: r[0])[1] if ranked else None
        return Summary(
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

    def _loop_reasons(self, loop: Loop, scope: Scope) -> Iterator[tuple[int, str]]:
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

    def _computes_over_data(self, loop: Loop, scope: Scope) -> bool:
        """Whether `loop` walks data and computes in Python on every iteration."""
        if not _over_data(loop, scope):
            return False
        if self.scan(loop.body, scope).computes:
            return True
        return loop.inner is not None and self._computes_over_data(loop.inner, scope)

    def scan(self, roots: Sequence[cst.CSTNode], scope: Scope) -> Facts:
        """The facts of some code, nested defs and classes aside (iterative: code nests deeply)."""
        facts = Facts()
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

    def _note(self, node: cst.CSTNode, counting: bool, scope: Scope, facts: Facts) -> None:
        if isinstance(node, cst.Call):
            self._call(node, counting, scope, facts)
        elif isinstance(node, cst.Yield):
            facts.yields = True
        elif counting and _is_arithmetic(node):
            facts.computes = True

    def _call(self, call: cst.Call, counting: bool, scope: Scope, facts: Facts) -> None:
        for arg in call.args:  # map(cv2.imread, paths), pool.map(load, keys): called in there
            self._passed(arg.value, scope, facts)
        kind = self.classify(call, scope)
        if isinstance(kind, Work):
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

    def _passed(self, value: cst.BaseExpression, scope: Scope, facts: Facts) -> None:
        """A function passed as an argument runs somewhere: its I/O counts; it is not pure."""
        if not isinstance(value, cst.Name | cst.Attribute):
            return
        work = self.work(value, scope)
        qualified = None if work else self.imports.resolve(value)
        if work is not None:
            facts.io = facts.io or self.summary(work.node).io
            facts.pure = False
        elif qualified is not None and qualified_kind(qualified) == IO:
            facts.io = True

    def classify(self, call: cst.Call, scope: Scope) -> Work | str:
        """The same-module function it runs, or its kind: IO, PURE, COMPUTE, SCALAR, PUT, OTHER."""
        work = self.work(call.func, scope)
        if work is not None:
            return work
        qualified = self.imports.resolve(call.func)
        if qualified is not None:
            return qualified_kind(qualified)
        if isinstance(call.func, cst.Name):
            return name_kind(call.func.value, scope)
        if isinstance(call.func, cst.Attribute):
            return method_kind(call.func, call)
        return OTHER

    def code(self, node: cst.CSTNode) -> str:
        text = " ".join(self.printer.code_for_node(node).split())
        return text if len(text) <= 40 else text[:39] + "…"


def _loop_of(node: cst.CSTNode) -> Loop | None:
    if isinstance(node, cst.For):
        return Loop(node.iter, (node.body,))
    if isinstance(node, cst.While):
        return Loop(None, (node.body,))
    if isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp):
        return _comprehension((node.elt,), node.for_in)
    if isinstance(node, cst.DictComp):
        return _comprehension((node.key, node.value), node.for_in)
    return None


def _comprehension(elements: tuple[cst.CSTNode, ...], first: cst.CompFor) -> Loop:
    """`[e for a in xs if c for b in a]` as loop(xs, body: c, a, loop(a, body: e))."""
    clauses = [first]
    while clauses[-1].inner_for_in is not None:
        clauses.append(clauses[-1].inner_for_in)
    loop = Loop(clauses[-1].iter, (*clauses[-1].ifs, *elements))
    for index in reversed(range(len(clauses) - 1)):
        later = tuple(n for c in clauses[index + 1 :] for n in (c.iter, *c.ifs))
        loop = Loop(clauses[index].iter, (*clauses[index].ifs, *later, *elements), loop)
    return loop


def _over_data(loop: Loop, scope: Scope) -> bool:
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
