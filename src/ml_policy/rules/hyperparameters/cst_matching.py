"""The libcst side of MLM001 and MLM002: the defs and lambdas the analysis names.

The analysis decides on the stdlib `ast`; libcst is parsed only to report at the right
node. Defs and lambdas are matched between the two trees by their ordinal in source
order, checked by name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.hyperparameters.analysis import analysis


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
    """Matches libcst's defs and lambdas to the analysis by ordinal (checked by name)."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.analysis = analysis(context.tree, context.imports)
        self.ordinal = -1
        self.in_sync = True
        self.current = 0  # id of the stdlib node of the def or lambda being checked

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node, node.params)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._enter(node, node.params)

    def _enter(self, node: cst.FunctionDef | cst.Lambda, params: cst.Parameters) -> None:
        self.ordinal += 1
        if not self.in_sync or self.ordinal >= len(self.analysis.callables):
            self.in_sync = False
            return
        expected = self.analysis.callables[self.ordinal]
        self.current = id(expected)
        if isinstance(node, cst.FunctionDef):
            self.in_sync = (
                isinstance(expected, ast.FunctionDef | ast.AsyncFunctionDef)
                and expected.name == node.name.value
            )
        else:
            self.in_sync = isinstance(expected, ast.Lambda)
        if self.in_sync:  # once the trees disagree, say nothing rather than something wrong
            self.check(node, list(defaulted_parameters(params)))

    def check(self, node: cst.FunctionDef | cst.Lambda, defaulted: Defaulted) -> None:
        raise NotImplementedError
