"""Resolve local names to qualified names through a module's import statements.

A small pass of our own over the stdlib `ast` (DESIGN.md section 8): about
ten times cheaper than libcst's ScopeProvider/QualifiedNameProvider, and
enough for the rules. It is deliberately conservative: a name that is bound
anywhere in the module other than by an import of one single target (an
assignment, a def, a parameter, a loop variable, a second import of something
else) does not resolve at all, so a local that shadows an import is never
taken for the import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from ml_policy.lint.astwalk import NodeIndex, index_nodes
from ml_policy.lint.bindings import bound_names
from ml_policy.lint.lazy import cst

DATALOADER = "torch.utils.data.DataLoader"  # what the data-loading rules look for
# Public re-exports: the rules compare against the documented names.
CANONICAL = {
    "torch.utils.data.dataloader.DataLoader": DATALOADER,
    "torch.utils.data.dataset.Dataset": "torch.utils.data.Dataset",
    "torch.utils.data.dataset.IterableDataset": "torch.utils.data.IterableDataset",
    "torch.utils.data.dataset.TensorDataset": "torch.utils.data.TensorDataset",
    "torch.nn.modules.module.Module": "torch.nn.Module",
    "torch.nn.parameter.Parameter": "torch.nn.Parameter",
    "concurrent.futures.thread.ThreadPoolExecutor": "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor": "concurrent.futures.ProcessPoolExecutor",
    "multiprocessing.dummy.Pool": "multiprocessing.dummy.Pool",
    "numpy.core.multiarray.array": "numpy.array",
}


def canonical(name: str) -> str:
    """The public spelling of a name: `torch.nn.modules.linear.Linear` -> `torch.nn.Linear`."""
    if name in CANONICAL:
        return CANONICAL[name]
    if name.startswith("torch.nn.modules."):
        return "torch.nn." + name.rsplit(".", 1)[-1]
    if name.startswith("torch.optim.") and name.count(".") == 3 and "lr_scheduler" not in name:
        return "torch.optim." + name.rsplit(".", 1)[-1]  # torch.optim.adam.Adam -> torch.optim.Adam
    return name


@dataclass
class ImportTable:
    """Local name -> qualified name, for the names bound only by imports."""

    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_ast(cls, tree: ast.AST) -> ImportTable:
        return cls.from_index(index_nodes(tree))

    @classmethod
    def from_index(cls, index: NodeIndex) -> ImportTable:
        """The table of a tree from its nodes by class (`astwalk.index_nodes`)."""
        imported: dict[str, set[str]] = {}
        other: set[str] = set()
        for node in _binding_nodes(index):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for local, target in _imports(node):
                    imported.setdefault(local, set()).add(target)
            else:
                other.update(bound_names(node))
        names = {
            local: targets.pop()
            for local, targets in imported.items()
            if len(targets) == 1 and local not in other
        }
        return cls(names)

    def resolve_ast(self, node: ast.expr) -> str | None:
        """The qualified name of a Name or Attribute chain in the stdlib ast."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.names:
            return None
        return canonical(".".join([self.names[node.id], *reversed(parts)]))

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a Name or Attribute chain in libcst, or None."""
        parts: list[str] = []
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name) or node.value not in self.names:
            return None
        return canonical(".".join([self.names[node.value], *reversed(parts)]))

    def mentions(self, *modules: str) -> bool:
        """Whether anything is imported from one of `modules` (e.g. "torch")."""
        return any(target.split(".")[0] in modules for target in self.names.values())


def _imports(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """(local name, qualified target) for each name an import statement binds."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            yield local, alias.name if alias.asname else local
        return
    base = "." * node.level + (node.module or "")
    separator = "" if base.endswith(".") else "."
    for alias in node.names:
        if alias.name != "*":
            yield alias.asname or alias.name, f"{base}{separator}{alias.name}"


# The node classes that `_imports` or `bound_names` read.
_BINDING_KINDS = (
    *(ast.Name, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef),
    *(ast.ClassDef, ast.arg, ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.Global),
    ast.Nonlocal,
)


def _binding_nodes(index: NodeIndex) -> Iterator[ast.AST]:
    """The nodes of a tree that may bind a name (Names read are not)."""
    for kind in _BINDING_KINDS:
        for node in index.get(kind, ()):
            if kind is not ast.Name or type(cast(ast.Name, node).ctx) is not ast.Load:
                yield node
