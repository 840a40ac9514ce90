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

from ml_policy.lint.lazy import cst

# Public re-exports: the rules compare against the documented names.
CANONICAL = {
    "torch.utils.data.dataloader.DataLoader": "torch.utils.data.DataLoader",
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
        imported: dict[str, set[str]] = {}
        other: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    target = alias.name if alias.asname else local
                    imported.setdefault(local, set()).add(target)
            elif isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    separator = "" if base.endswith(".") else "."
                    imported.setdefault(alias.asname or alias.name, set()).add(
                        f"{base}{separator}{alias.name}"
                    )
            else:
                other.update(_bound_names(node))
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


def _bound_names(node: ast.AST) -> Iterator[str]:
    """Names a statement or expression binds other than by importing."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
        yield node.id
    elif isinstance(node, ast.arg):
        yield node.arg
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name
    elif isinstance(node, ast.alias):
        return
    elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
        yield node.name
    elif isinstance(node, ast.Global | ast.Nonlocal):
        yield from node.names
