"""MLM001: a mutable default that the function mutates, and its fix (default to None).

The verdict (`mutated_defaults`) is decided on the stdlib `ast`, in the screen: libcst
parses only files with findings. MLM002 reads it too (it does not report these again).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.lint.bindings import binding_counts
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.rules.hyperparameters.cst_matching import CallableRule, source
from ml_policy.rules.hyperparameters.definitions import (
    DefOrLambda,
    import_time,
    local_names,
    module_assignments,
    parameter_defaults,
)
from ml_policy.rules.hyperparameters.mutable_defaults import (
    BUILTIN_KINDS,
    CACHE_WORDS,
    is_cache_name,
    is_empty_container,
    might_be_mutable,
    mutable_kind,
)
from ml_policy.rules.hyperparameters.mutations import Mutation, first_mutation
from ml_policy.rules.hyperparameters.text_screens import may_mutate_default

if TYPE_CHECKING:
    from ml_policy.rules.hyperparameters.cst_matching import Defaulted


class MutatedMutableDefault(CallableRule):
    """## What it does
    Checks for parameters whose default is a mutable object that the function
    mutates. A mutable default is a list, dict or set display or
    comprehension, a call to `list()`, `dict()`, `set()`, `bytearray()`,
    `collections.defaultdict`/`OrderedDict`/`Counter`/`deque`, a NumPy array,
    torch tensor or pandas factory, or a name bound once, at module level, to
    one of these. A mutation is an item assignment or deletion, a mutating
    method (`append`, `update`, `pop`, `add`, ...; for tensors the in-place
    methods ending in `_`), an augmented assignment (`p += ...`),
    `torch.nn.init.*_(p)`, `random.shuffle(p)`, `out=p`, or a pandas method
    with `inplace=True`. The finding is at the default, and names the
    mutation that proves the harm.

    ## Why is this bad?
    A default is evaluated once, when the function is defined. A mutated
    default keeps the changes: the second call sees the layers, metrics or
    hyperparameters the first call added, and a rerun in the same process
    (a notebook, a sweep, a test session) trains a different model from a
    fresh one. Unlike Ruff's B006, which flags every mutable default, this
    rule reports only defaults that are proven to be mutated.

    Precision first: a mutation counts only if no rebinding of the parameter
    (`p = list(p)`, `if p is None: p = []`, even a conditional one) comes
    before it in the body, and, for an empty default, not inside
    `if KEY in p:` (the default never gets there). Mutations through aliases (`q = p`,
    `self.x = p`) and in nested functions, classes and lambdas are not
    followed; functions created at call time (nested `def`s) are not
    checked. State kept on purpose is skipped: parameters used as a
    per-function cache (a name that starts with `_` or contains `cache`,
    `memo` or `registry`), and module-level registries passed as defaults (a
    name bound to an empty container, or named like a cache).

    ## Example
    ```python
    def build_mlp(sizes=(128, 64), layers=[]):
        for size in sizes:
            layers.append(size)
        return layers
    ```

    ## Use instead
    ```python
    def build_mlp(sizes=(128, 64), layers=None):
        if layers is None:
            layers = []
        for size in sizes:
            layers.append(size)
        return layers
    ```

    ## Fix
    Defaults the parameter to `None` (an annotation `T` becomes `T | None`)
    and creates the object at the top of the body, after the docstring. Not
    offered when the default is a module-level name, reads names the function
    shadows, or is annotated with a string. Unsafe: callers that pass `None`
    explicitly now get the default.

    ## References
    - [Python tutorial: Default Argument Values](https://docs.python.org/3/tutorial/controlflow.html#default-argument-values)
    - [Ruff B006: mutable-argument-default](https://docs.astral.sh/ruff/rules/mutable-argument-default/)
    """

    code = "MLM001"
    name = "mutated-mutable-default"
    summary = (
        "Mutable default that the function mutates: every call sees the previous call's values"
    )
    triggers: ClassVar[tuple[str, ...]] = ("def", "lambda")
    fix_applicability: ClassVar[Applicability | None] = Applicability.UNSAFE
    valid: ClassVar[tuple[str, ...]] = (
        """
        def f(layers=None):
            if layers is None:
                layers = []
            layers.append(1)
        """,
        """
        def f(layers=[]):
            if not layers:
                layers = [64]
            layers.append(1)
        """,
        """
        def f(layers=[]):
            layers = list(layers)
            layers.append(1)
        """,
        """
        def f(layers=[], config={}):
            config = {**config}
            config["lr"] = 0.1
            return layers + [1]
        """,
        """
        def f(cfg={}):
            alias = cfg
            alias["lr"] = 1
        """,
        """
        def f(cfg={}):
            def inner():
                cfg["lr"] = 1

            return inner
        """,
        """
        import torch


        def f(t=torch.zeros(3), u=torch.ones(2)):
            return t.add(1), u.sort()
        """,
        """
        def f(t=[]):
            t.add_(1)
        """,
        """
        def f(_seen=set(), memo={}):
            _seen.add(1)
            memo[1] = 2
        """,
        """
        def outer():
            def f(acc=[]):
                acc.append(1)

            return f
        """,
        """
        LAYERS = []
        LAYERS = [1]


        def f(layers=LAYERS):
            layers.append(2)
        """,
        """
        def list():
            return ()


        def f(xs=list()):
            xs.append(1)
        """,
        """
        from mylib import make_list


        def f(xs=make_list(), ys=()):
            xs.append(1)
            ys += (1,)
        """,
        """
        def f(xs=[], **kwargs):
            kwargs["a"] = 1
            return xs
        """,
        """
        def f(params={}):
            if "quantiles" in params:  # never true for the default
                params["intervals"] = [10, 50, 90]
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        def f(layers=[]):  # error
            layers.append(1)
        """,
        """
        def f(a, /, b={}):  # error
            b["lr"] = 0.1
        """,
        """
        def f(*, seen=set()):  # error
            seen.add(1)
        """,
        """
        class Trainer:
            def fit(self, callbacks=[]):  # error
                callbacks.extend([1])
        """,
        """
        async def f(xs=[]):  # error
            for x in range(3):
                xs.append(x)
        """,
        """
        import torch


        def f(t=torch.zeros(3)):  # error
            t.add_(1)
        """,
        """
        import torch
        import torch.nn as nn


        def f(w=torch.empty(3, 3)):  # error
            nn.init.xavier_uniform_(w)
        """,
        """
        import numpy as np


        def f(a=np.zeros(3)):  # error
            a += 1
        """,
        """
        import pandas as pd


        def f(df=pd.DataFrame()):  # error
            df.dropna(inplace=True)
        """,
        """
        from collections import defaultdict


        def f(d=defaultdict(list)):  # error
            d.update(a=1)
        """,
        """
        DEFAULT_LAYERS = [64, 32]


        def f(layers=DEFAULT_LAYERS):  # error
            layers.append(16)
        """,
        """
        def f(xs=[]):  # error
            xs.append(1)
            xs = []
        """,
        """
        def f(xs=[]):  # error
            if xs:
                xs.pop()
            else:
                xs = [1]
        """,
        """
        f = lambda x, acc=[]: acc.append(x)  # error
        """,
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.module: cst.Module | None = None
        self.indents: list[str] = []  # of the enclosing indented blocks, for the fix

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        return may_mutate_default(text)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return bool(context.fact(mutated_defaults))

    @classmethod
    def verdicts(cls, context: FileContext) -> Collection[tuple[int, str]]:
        return context.fact(mutated_defaults).keys()

    def visit_Module(self, node: cst.Module) -> None:
        self.module = node

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.indents.append(self._indent(node))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.indents.pop()

    def check(
        self, node: cst.FunctionDef | cst.Lambda, function: int, defaulted: Defaulted
    ) -> None:
        mutated = self.context.fact(mutated_defaults)
        reported = [
            (param, default, mutated[function, param.name.value])
            for param, default in defaulted
            if (function, param.name.value) in mutated
        ]
        fix = self._fix(node, reported) if isinstance(node, cst.FunctionDef) else ()
        for param, default, mutation in reported:
            name = param.name.value
            self.report(
                default,
                self._message(name, default, mutation),
                fix=fix,
                fix_message=f"Default `{name}` to `None` and create the object in the body",
            )

    def _message(self, name: str, default: cst.BaseExpression, mutation: Mutation) -> str:
        # Notebook cells are joined into one text: its line numbers are not the cell's.
        notebook = self.context.path.suffix == ".ipynb"
        where = "in the body" if notebook else f"on line {mutation.line}"
        return (
            f"mutable default `{source(default)}` of `{name}` is mutated ({mutation.what} "
            f"{where}): every call after the first sees the previous call's values"
        )

    def _indent(self, block: cst.IndentedBlock) -> str:
        if block.indent is not None:
            return block.indent
        return self.module.default_indent if self.module is not None else "    "

    def _fix(
        self,
        node: cst.FunctionDef | cst.Lambda,
        reported: list[tuple[cst.Param, cst.BaseExpression, Mutation]],
    ) -> tuple[tuple[cst.CSTNode, cst.CSTNode], ...]:
        """One fix for all reported parameters of a def (their edits would overlap)."""
        body = node.body
        if not isinstance(body, cst.IndentedBlock) or not all(m.fixable for *_, m in reported):
            return ()
        edits: list[tuple[cst.CSTNode, cst.CSTNode]] = []
        checks: list[cst.BaseStatement] = []
        for param, default, _ in reported:
            param_edits = _none_default(param, default)
            if param_edits is None:
                return ()
            edits.extend(param_edits)
            checks.append(_if_none(param.name.value, default))
        # The checks go after the docstring (or the `def` line), indented like the body; the
        # edit replaces the end of that line with itself plus the new lines.
        anchor = _anchor(body)
        indent = "".join(self.indents) + self._indent(body)
        edits.append((anchor, cst.IndentedBlock(header=anchor, body=checks, indent=indent)))
        return tuple(edits)


# --- the verdict, on the stdlib tree ---

BUILTIN_NAMES = frozenset(dir(builtins))


def module_values(context: FileContext) -> dict[str, ast.expr]:
    """What the module's `NAME = value` statements run at import time assign."""
    return dict(module_assignments(context.tree.body))


def mutated_defaults(context: FileContext) -> dict[tuple[int, str], Mutation]:
    """(id of the def or lambda, parameter) -> the mutation that proves the harm."""
    found: dict[tuple[int, str], Mutation] = {}
    for function in context.fact(import_time).callables:
        for arg, default in parameter_defaults(function.args):
            mutation = _mutation(context, function, arg, default)
            if mutation is not None:
                found[id(function), arg.arg] = mutation
    return found


def _mutation(
    context: FileContext, function: DefOrLambda, arg: ast.arg, default: ast.expr
) -> Mutation | None:
    if is_cache_name(arg.arg) or not might_be_mutable(default):
        return None
    if isinstance(default, ast.Name) and _is_registry(context, default.id):
        return None
    imports = context.imports
    kind = mutable_kind(default, imports, context.fact(module_values))
    empty = is_empty_container(default)
    proof = None if kind is None else first_mutation(function, arg.arg, kind, imports, empty=empty)
    if proof is None or not _unshadowed(context, default):
        return None
    return Mutation(proof[0], proof[1], _fixable(context, function, arg, default))


def _is_registry(context: FileContext, name: str) -> bool:
    """A module-level cache or registry passed in on purpose: a cache-like name, or an
    empty container (a constant would hold values; an empty one exists to be filled)."""
    value = context.fact(module_values).get(name)
    cache_like = any(word in name.lower() for word in CACHE_WORDS)
    return cache_like or (value is not None and is_empty_container(value))


def _unshadowed(context: FileContext, default: ast.expr) -> bool:
    """A module-level name bound nowhere else; `list()` and co. not rebound in the module."""
    counts = context.fact(binding_counts)
    if isinstance(default, ast.Name):
        return counts[default.id] == 1 and not counts["*"]
    func = default.func if isinstance(default, ast.Call) else None
    if isinstance(func, ast.Name) and func.id in BUILTIN_KINDS:
        return not counts[func.id] and not counts["*"]
    return True


def _fixable(context: FileContext, function: DefOrLambda, arg: ast.arg, default: ast.expr) -> bool:
    """Moving the default into the body must evaluate the same names, to a new object."""
    if isinstance(function, ast.Lambda) or isinstance(default, ast.Name):
        return False
    if isinstance(arg.annotation, ast.Constant):
        return False  # "Tensor" | None is not an expression Python can evaluate
    names = {n.id for n in ast.walk(default) if isinstance(n, ast.Name)}
    counts = context.fact(binding_counts)
    known = all(
        name in context.imports.names or (name in BUILTIN_NAMES and not counts[name])
        for name in names
    )
    return known and not names & local_names(function)


# --- the fix, on the libcst tree ---


def _none_default(
    param: cst.Param, default: cst.BaseExpression
) -> list[tuple[cst.CSTNode, cst.CSTNode]] | None:
    """Edits that make the default `None` and the annotation `T | None`; None if not possible."""
    edits: list[tuple[cst.CSTNode, cst.CSTNode]] = [(default, cst.Name("None"))]
    if param.annotation is None:
        return edits
    annotation = param.annotation.annotation
    if any(isinstance(n, cst.Name) and n.value in {"None", "Optional"} for n in _walk(annotation)):
        return edits
    if not isinstance(annotation, cst.Name | cst.Attribute | cst.Subscript | cst.BinaryOperation):
        return None
    optional = cst.BinaryOperation(left=annotation, operator=cst.BitOr(), right=cst.Name("None"))
    return [*edits, (annotation, optional)]


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _if_none(name: str, default: cst.BaseExpression) -> cst.If:
    """`if name is None: name = default`."""
    assign = cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=default)
    return cst.If(
        test=cst.Comparison(cst.Name(name), [cst.ComparisonTarget(cst.Is(), cst.Name("None"))]),
        body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[assign])]),
    )


def _anchor(body: cst.IndentedBlock) -> cst.TrailingWhitespace:
    """The end of the line the checks follow: the docstring's line, else the `def` line."""
    first = body.body[0] if body.body else None
    if (
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    ):
        return first.trailing_whitespace
    return body.header
