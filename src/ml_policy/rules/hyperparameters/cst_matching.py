"""The libcst side of MLM001-MLM003: the defs, lambdas and classes their verdicts name.

The rules decide on the stdlib `ast`; libcst is parsed only to report at the right node.
Defs, lambdas and classes are matched between the two trees by their ordinal in source
order (`definitions.source_order`), checked by kind and name.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.hyperparameters.definitions import source_order

Scoped = TypeVar("Scoped", bound=ast.AST)  # a def or lambda, or a class


class OrdinalMatcher(Generic[Scoped]):
    """The stdlib node of each def, lambda or class libcst visits: the next one in source order.

    Once the trees disagree (kind or name), nothing matches: say nothing rather than
    something wrong.
    """

    def __init__(self, expected: Sequence[Scoped]) -> None:
        self.expected = expected
        self.ordinal = -1
        self.in_sync = True

    def match(self, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> Scoped | None:
        self.ordinal += 1
        if not self.in_sync or self.ordinal >= len(self.expected):
            self.in_sync = False
            return None
        expected = self.expected[self.ordinal]
        self.in_sync = _same(expected, node)
        return expected if self.in_sync else None


def _same(expected: ast.AST, node: cst.FunctionDef | cst.Lambda | cst.ClassDef) -> bool:
    if isinstance(node, cst.FunctionDef):
        return (
            isinstance(expected, ast.FunctionDef | ast.AsyncFunctionDef)
            and expected.name == node.name.value
        )
    if isinstance(node, cst.ClassDef):
        return isinstance(expected, ast.ClassDef) and expected.name == node.name.value
    return isinstance(expected, ast.Lambda)


def defaulted_parameters(params: cst.Parameters) -> Iterator[tuple[cst.Param, cst.BaseExpression]]:
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.default is not None:
            yield param, param.default


def source(node: cst.CSTNode, limit: int = 40) -> str:
    """Short source text of a node, for messages."""
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


if TYPE_CHECKING:  # evaluating cst.Param here would import libcst with the rules
    Defaulted = list[tuple[cst.Param, cst.BaseExpression]]


class CallableRule(Rule):
    """A rule that checks the defaulted parameters of each def and lambda."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        callables = context.fact(source_order).callables
        self.matcher = OrdinalMatcher([c for c in callables if context.seen_by_libcst(c)])

    @classmethod
    def verdicts(cls, context: FileContext) -> Collection[tuple[int, str]]:
        """(id of the stdlib def or lambda, parameter) of each default the rule reports."""
        raise NotImplementedError

    @classmethod
    def places(cls, context: FileContext) -> list[ast.AST]:
        # The verdict is the stdlib tree's: libcst only finds the defaults to report.
        reported = {function for function, _ in cls.verdicts(context)}
        return [node for node in context.fact(source_order).callables if id(node) in reported]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node, node.params)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._enter(node, node.params)

    def _enter(self, node: cst.FunctionDef | cst.Lambda, params: cst.Parameters) -> None:
        expected = self.matcher.match(node)
        if expected is not None:
            self.check(node, id(expected), list(defaulted_parameters(params)))

    def check(
        self, node: cst.FunctionDef | cst.Lambda, function: int, defaulted: Defaulted
    ) -> None:
        """Report on the defaulted parameters of `node`; `function`: the id of its stdlib node."""
        raise NotImplementedError
