"""What MLP001 and MLP003 share: the DataLoader calls of a file, and the files they skip."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import ClassVar

from ml_policy.config import Settings
from ml_policy.lint.calls import ast_calls_of, is_test_file
from ml_policy.lint.imports import DATALOADER
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule

# Folders of test helpers shipped inside packages (accelerate.test_utils, ...).
TEST_SUPPORT_DIRECTORIES = frozenset({"test_utils", "testing_utils", "testutils"})


def is_test_code(path: Path) -> bool:
    """Tests, and the test helpers packages ship: both run loaders synchronously on purpose."""
    return is_test_file(path) or bool(TEST_SUPPORT_DIRECTORIES.intersection(path.parts[:-1]))


def dataloader_calls(context: FileContext) -> list[ast.Call]:
    """The file's DataLoader calls on the stdlib tree (one walk for both rules' screens)."""
    return list(ast_calls_of(context.tree, context.imports, DATALOADER))


class DataLoaderRule(Rule):
    """Collects DataLoader calls; the rule decides in `finish`, once the file is seen."""

    triggers: ClassVar[tuple[str, ...]] = ("DataLoader",)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.calls: list[cst.Call] = []

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        return not is_test_code(path)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        """A DataLoader call that `finish` may report."""
        return bool(cls.reportable_calls(context))

    @classmethod
    def reportable_calls(cls, context: FileContext) -> list[ast.AST]:
        """The calls `finish` may report, on the stdlib tree."""
        return [call for call in context.fact(dataloader_calls) if cls.may_report(call)]

    @classmethod
    def may_report(cls, call: ast.Call) -> bool:
        """`finish`'s test of a call's arguments, on the stdlib tree."""
        raise NotImplementedError

    def visit_Call(self, node: cst.Call) -> None:
        if self.resolve(node.func) == DATALOADER:
            self.collect(node)

    def collect(self, call: cst.Call) -> None:
        """Keep a DataLoader call for `finish`."""
        self.calls.append(call)
