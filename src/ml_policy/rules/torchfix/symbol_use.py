"""Uses of listed PyTorch names: what MLT001, MLT004 and MLT005 share.

A use is a reference through an attribute chain that resolves to a listed
name (`torch.solve(...)`, `t.cuda.amp.autocast()`, `amp.GradScaler`, a bare
`@torch.cuda.amp.custom_fwd`), or a `from ... import` of one. A name bound by
such an import is reported once, at the import, not again at each call.
Assignment targets (`torch.symeig = shim`) are not uses. Uses under a version
guard are not reported (`guards.py`).

A fix is offered only where the table names an exact drop-in equivalent, and
only when it can be spelt through the file's own imports: an attribute chain
is rebuilt from a name the file imports (`functorch.vmap` -> `torch.func.vmap`
when `torch` is imported), a `from` import changes its module when every name
it imports moves to the same new module under the same name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import ClassVar

from ml_policy.lint.imports import canonical
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.spelled import may_use, spelt_last_names
from ml_policy.rules.torchfix.deprecations import Symbol, last_names
from ml_policy.rules.torchfix.guarded_rule import TorchFixRule
from ml_policy.rules.torchfix.unguarded import unguarded_nodes


def ast_uses(context: FileContext, table: dict[str, Symbol]) -> Iterator[ast.AST]:
    """The attribute chains and `from` imports of the stdlib tree that name a listed name
    outside version guards and annotations (the rules' screen and places)."""
    imports = context.imports
    for node in unguarded_nodes(context.tree):
        if isinstance(node, ast.Attribute):
            if imports.resolve_ast(node) in table:
                yield node
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found = (canonical(f"{node.module}.{alias.name}") for alias in node.names)
            if any(qualified in table for qualified in found):
                yield node


class SymbolUseRule(TorchFixRule):
    """Reports uses of the names in `table`; subclasses say how in `describe`."""

    table: ClassVar[dict[str, Symbol]]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        # A use spells the listed name's last component: the file must contain one (unless
        # the rule names a cheaper test of its own).
        if "triggers" not in cls.__dict__:
            cls.triggers = last_names(cls.table)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._in_import = 0
        self._in_annotation = 0
        self._targets: set[cst.CSTNode] = set()

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        # Every component of a resolved name is written in the file (the import's target
        # and the attributes after the local name), so one listed name has all of them, and
        # its last one after a dot or in a `from` import's list.
        raw = text.raw
        written: dict[str, bool] = {}  # each part looked for once

        def is_written(part: str) -> bool:
            found = written.get(part)
            if found is None:
                found = written[part] = part in raw
            return found

        spelt = spelt_last_names(raw)
        return any(
            name.rpartition(".")[2] in spelt
            and all(is_written(part) for part in name.split("."))
            and may_use(raw, name)
            for name in cls.table
        )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return any(True for _ in ast_uses(context, cls.table))

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.AST]:
        # A use's verdict reads the statement it is in and the guards around it.
        return ast_uses(context, cls.table)

    @classmethod
    def describe(cls, symbol: Symbol) -> str:
        """The finding's message for a use of `symbol`."""
        raise NotImplementedError

    def visit_Import(self, node: cst.Import) -> None:
        self._in_import += 1

    def leave_Import(self, original_node: cst.Import) -> None:
        self._in_import -= 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import += 1
        module = _dotted(node.module) if node.module is not None and not node.relative else None
        if module is None or isinstance(node.names, cst.ImportStar) or self.guarded:
            return
        found = [
            self.table[qualified]
            for alias in node.names
            if (qualified := canonical(f"{module}.{_dotted(alias.name)}")) in self.table
            and self._deprecated_here(self.table[qualified])
        ]
        if found:  # one finding per statement, as a finding's fix is the whole statement
            message = "; ".join(self.describe(symbol) for symbol in found)
            fix = _moved_import(node, node.names, module, self.table)
            moved = found[0].rename.rpartition(".")[0] if found[0].rename else ""
            self._report(node, message, fix, f"Import from `{moved}`")

    def leave_ImportFrom(self, original_node: cst.ImportFrom) -> None:
        self._in_import -= 1

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets.add(node.target)

    # An annotation names a type; it calls nothing (`scaler: torch.cuda.amp.GradScaler`).
    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._in_annotation += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        self._in_annotation -= 1

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._in_import or self._in_annotation or node in self._targets or self.guarded:
            return
        qualified = self.resolve(node)
        if qualified is None or qualified not in self.table:
            return
        symbol = self.table[qualified]
        if not self._deprecated_here(symbol):
            return
        spelt = self._spelling(node, symbol.rename) if symbol.rename else None
        fix = None if spelt is None else (node, cst.parse_expression(spelt))
        self._report(node, self.describe(symbol), fix, f"Use `{symbol.rename}`")

    def _deprecated_here(self, symbol: Symbol) -> bool:
        """Whether the repository may run a torch that deprecates `symbol` (not when every
        torch it declares is older than the release that did)."""
        if symbol.deprecated_in is None:
            return True
        from ml_policy.rules.supply_chain.torch_pin import Declared, declared

        path, root = self.context.path, self.context.settings.root
        return declared(path, root, symbol.deprecated_in) is not Declared.BEFORE

    def _report(
        self,
        node: cst.CSTNode,
        message: str,
        fix: tuple[cst.CSTNode, cst.CSTNode] | None,
        fix_message: str,
    ) -> None:
        if fix is None:
            self.report(node, message)
        else:
            self.report(node, message, fix=(fix,), fix_message=fix_message)

    def _spelling(self, node: cst.Attribute, qualified: str) -> str | None:
        """`qualified` spelt through a name the file imports (a module prefix of it), the
        chain's own first name first."""
        names = self.context.imports.names
        root = _root(node)
        for local in sorted(names, key=lambda name: (name != root, name)):
            if qualified.startswith(names[local] + "."):
                return local + qualified[len(names[local]) :]
        return None


def _root(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` of a Name/Attribute chain."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _moved_import(
    node: cst.ImportFrom,
    aliases: Sequence[cst.ImportAlias],
    module: str,
    table: dict[str, Symbol],
) -> tuple[cst.CSTNode, cst.CSTNode] | None:
    """The import with its new module, when every name it imports moved there unchanged."""
    targets = set()
    for alias in aliases:
        name = _dotted(alias.name)
        symbol = table.get(canonical(f"{module}.{name}"))
        if symbol is None or symbol.rename is None:
            return None
        new_module, _, new_name = symbol.rename.rpartition(".")
        if new_name != name:
            return None
        targets.add(new_module)
    if len(targets) != 1:
        return None
    moved = cst.parse_expression(targets.pop())
    if not isinstance(moved, cst.Attribute | cst.Name):
        return None
    return node, node.with_changes(module=moved)
