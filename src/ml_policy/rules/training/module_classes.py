"""Which classes of a file are `torch.nn.Module` subclasses, and where the traversal is.

MLC002 and MLC007 judge code inside nn.Module classes. Which classes those are is decided
on the stdlib tree (`hyperparameters.module_class_attribute.module_classes`, strict: a base
named like a class of the file counts only when the name is bound by class statements
alone); the libcst classes are matched to them by source order, as MLM003 does.
"""

from __future__ import annotations

import ast

from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.hyperparameters.cst_matching import OrdinalMatcher
from ml_policy.rules.hyperparameters.definitions import import_time, source_order
from ml_policy.rules.hyperparameters.module_class_attribute import module_classes


def torch_module_classes(context: FileContext) -> list[ast.ClassDef]:
    """The file's classes created at import time that subclass nn.Module (however imported)."""
    ids = module_classes(context, strict=True)
    return [node for node in context.fact(import_time).classes if id(node) in ids]


def module_class_ids(context: FileContext) -> frozenset[int]:
    return frozenset(id(node) for node in context.fact(torch_module_classes))


class ModuleClassRule(Rule):
    """A rule that knows, at each libcst node, the classes and defs it is inside."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        classes = context.fact(source_order).classes
        seen = [node for node in classes if context.seen_by_libcst(node)]
        self.class_matcher = OrdinalMatcher(seen)
        self.module_ids = context.fact(module_class_ids)
        # Innermost last: a class frame holds its stdlib node when it is an nn.Module
        # subclass (None otherwise); a def frame is the string "def".
        self.frames: list[ast.ClassDef | str | None] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        expected = self.class_matcher.match(node)
        is_module = expected is not None and id(expected) in self.module_ids
        self.frames.append(expected if is_module else None)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.frames.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.frames.append("def")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.frames.pop()

    def module_class(self) -> ast.ClassDef | None:
        """The innermost enclosing class, when it is an nn.Module subclass."""
        for frame in reversed(self.frames):
            if frame != "def":
                return frame if isinstance(frame, ast.ClassDef) else None
        return None

    def in_module_method(self) -> bool:
        """Inside a def (at any depth) of a class that is an nn.Module subclass."""
        inside_def = False
        for frame in reversed(self.frames):
            if frame == "def":
                inside_def = True
            else:
                return inside_def and isinstance(frame, ast.ClassDef)
        return False
