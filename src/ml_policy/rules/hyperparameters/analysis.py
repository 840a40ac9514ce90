"""One analysis per file of MLM001-MLM003, shared by the screens and the rules."""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Iterator
from functools import cached_property

from ml_policy.lint.imports import ImportTable
from ml_policy.rules.hyperparameters.ml_state import MODULE_BASES, is_empty_placeholder, ml_state
from ml_policy.rules.hyperparameters.mutable_defaults import (
    BUILTIN_KINDS,
    CACHE_WORDS,
    is_cache_name,
    is_empty_container,
    might_be_mutable,
    mutable_kind,
)
from ml_policy.rules.hyperparameters.mutations import Mutation, first_mutation
from ml_policy.rules.hyperparameters.scopes import (
    DefOrLambda,
    ImportTime,
    all_scoped,
    binding_counts,
    local_names,
    module_assignments,
    parameter_defaults,
)

BUILTIN_NAMES = frozenset(dir(builtins))


class Analysis:
    """The findings of MLM001-MLM003 on one stdlib tree, computed on demand.

    The screens need only the import-time part of the module; the whole tree is walked again
    only to confirm a candidate (binding counts) and, in the rules, to match the libcst tree.
    Findings are keyed by the id of their def, lambda or class node (the tree outlives them).
    """

    def __init__(self, tree: ast.Module, imports: ImportTable) -> None:
        self.tree = tree
        self.imports = imports

    @cached_property
    def import_time(self) -> ImportTime:
        return ImportTime.of(self.tree)

    @cached_property
    def module_values(self) -> dict[str, ast.expr]:
        return dict(module_assignments(self.tree.body))

    @cached_property
    def counts(self) -> Counter[str]:
        return binding_counts(self.tree)

    @cached_property
    def scoped(self) -> list[DefOrLambda | ast.ClassDef]:
        return all_scoped(self.tree)

    @cached_property
    def callables(self) -> list[DefOrLambda]:
        """Defs and lambdas in order: the i-th is libcst's i-th FunctionDef or Lambda."""
        return [node for node in self.scoped if not isinstance(node, ast.ClassDef)]

    @cached_property
    def classes(self) -> list[ast.ClassDef]:
        return [node for node in self.scoped if isinstance(node, ast.ClassDef)]

    @cached_property
    def mutated(self) -> dict[tuple[int, str], Mutation]:
        """MLM001: (id of the def or lambda, parameter) -> the mutation that proves the harm."""
        found: dict[tuple[int, str], Mutation] = {}
        for function in self.import_time.callables:
            for arg, default in parameter_defaults(function.args):
                mutation = self._mutation(function, arg, default)
                if mutation is not None:
                    found[id(function), arg.arg] = mutation
        return found

    def _mutation(self, function: DefOrLambda, arg: ast.arg, default: ast.expr) -> Mutation | None:
        if is_cache_name(arg.arg) or not might_be_mutable(default):
            return None
        if isinstance(default, ast.Name) and self._is_registry(default.id):
            return None
        kind = mutable_kind(default, self.imports, self.module_values)
        empty = is_empty_container(default)
        proof = (
            None
            if kind is None
            else first_mutation(function, arg.arg, kind, self.imports, empty=empty)
        )
        if proof is None or not self._unshadowed(default):
            return None
        return Mutation(proof[0], proof[1], self._fixable(function, arg, default))

    def _is_registry(self, name: str) -> bool:
        """A module-level cache or registry passed in on purpose: a cache-like name, or an
        empty container (a constant would hold values; an empty one exists to be filled)."""
        value = self.module_values.get(name)
        cache_like = any(word in name.lower() for word in CACHE_WORDS)
        return cache_like or (value is not None and is_empty_container(value))

    def _unshadowed(self, default: ast.expr) -> bool:
        """A module-level name bound nowhere else; `list()` and co. not rebound in the module."""
        if isinstance(default, ast.Name):
            return self.counts[default.id] == 1 and not self.counts["*"]
        func = default.func if isinstance(default, ast.Call) else None
        if isinstance(func, ast.Name) and func.id in BUILTIN_KINDS:
            return not self.counts[func.id] and not self.counts["*"]
        return True

    def _fixable(self, function: DefOrLambda, arg: ast.arg, default: ast.expr) -> bool:
        """Moving the default into the body must evaluate the same names, to a new object."""
        if isinstance(function, ast.Lambda) or isinstance(default, ast.Name):
            return False
        if isinstance(arg.annotation, ast.Constant):
            return False  # "Tensor" | None is not an expression Python can evaluate
        names = _names(default)
        known = all(
            name in self.imports.names or (name in BUILTIN_NAMES and not self.counts[name])
            for name in names
        )
        return known and not names & local_names(function)

    @cached_property
    def ml_defaults(self) -> dict[tuple[int, str], str]:
        """MLM002: (id of the def or lambda, parameter) -> the kind of ML state of its default."""
        found: dict[tuple[int, str], str] = {}
        for function in self.import_time.callables:
            for arg, default in parameter_defaults(function.args):
                kind = ml_state(default, self.imports)
                if kind is None or is_empty_placeholder(default, self.imports):
                    continue
                if (id(function), arg.arg) not in self.mutated:
                    found[id(function), arg.arg] = kind
        return found

    def module_classes(self, *, strict: bool) -> set[int]:
        """Ids of the import-time classes that subclass torch.nn.Module, directly or through
        this file. Loose: a base named like a class of the file is that class; strict: only if
        the name is bound by class statements alone (a full walk: only to confirm findings)."""
        classes = self.import_time.classes
        by_name: dict[str, list[ast.ClassDef]] = {}
        for node in classes:
            by_name.setdefault(node.name, []).append(node)
        found: set[int] = set()
        changed = True
        while changed:  # a fixpoint: classes may subclass classes defined further down
            changed = False
            for node in classes:
                if id(node) in found:
                    continue
                if any(self._is_module_base(b, by_name, found, strict) for b in node.bases):
                    found.add(id(node))
                    changed = True
        return found

    def _is_module_base(
        self, base: ast.expr, by_name: dict[str, list[ast.ClassDef]], found: set[int], strict: bool
    ) -> bool:
        if self.imports.resolve_ast(base) in MODULE_BASES:
            return True
        if not isinstance(base, ast.Name) or base.id not in by_name:
            return False
        classes = by_name[base.id]
        if strict and self.counts[base.id] != len(classes):
            return False
        return all(id(node) in found for node in classes)

    @cached_property
    def class_attributes(self) -> dict[tuple[int, int], str]:
        """MLM003: (id of the class, statement index in its body) -> the kind of ML object."""
        found: dict[tuple[int, int], str] = {}
        loose = self.module_classes(strict=False)
        for node in self.import_time.classes:
            if id(node) in loose:
                found.update(self._attributes(node))
        if found:
            strict = self.module_classes(strict=True)
            found = {key: kind for key, kind in found.items() if key[0] in strict}
        return found

    def _attributes(self, node: ast.ClassDef) -> Iterator[tuple[tuple[int, int], str]]:
        for index, stmt in enumerate(node.body):
            value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
            if value is None or is_empty_placeholder(value, self.imports):
                continue
            kind = ml_state(value, self.imports)
            if kind in {"tensor", "parameter", "array", "module"}:
                yield (id(node), index), kind


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


_last: list[Analysis] = []  # one slot: screens and rules of one file share one analysis


def analysis(tree: ast.Module, imports: ImportTable) -> Analysis:
    if _last and _last[0].tree is tree and _last[0].imports is imports:
        return _last[0]
    _last[:] = [Analysis(tree, imports)]
    return _last[0]
