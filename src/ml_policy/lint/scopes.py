"""Python's scoping on the libcst tree: which name each scope binds to what.

The scopes are a fact of the file, collected once in the rules' traversal by a
`ScopeTracker` that runs ahead of the rules: a `ScopedRule` reads, at each node,
the scope it is in (`self.scope`) and, in `finish`, every binding of the module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule, Visitor


@dataclass(eq=False)
class Scope:
    """One Python scope and what each name in it is bound to (None: a value we do not track)."""

    kind: str  # module | class | function | lambda
    node: cst.FunctionDef | cst.ClassDef | cst.Lambda | None
    parent: Scope | None
    bindings: dict[str, list[cst.CSTNode | None]] = field(default_factory=dict)

    def bind(self, name: str, value: cst.CSTNode | None) -> None:
        self.bindings.setdefault(name, []).append(value)

    def find(self, name: str) -> tuple[Scope, list[cst.CSTNode | None]] | None:
        """The scope that binds `name` as Python resolves it here (class bodies do not enclose)."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings and (scope is self or scope.kind != "class"):
                return scope, scope.bindings[name]
            scope = scope.parent
        return None

    def only(self, name: str) -> cst.CSTNode | None:
        """The one value `name` is bound to, or None when it is unbound, rebound or untracked."""
        found = self.find(name)
        return found[1][0] if found and len(found[1]) == 1 else None

    def function(self) -> Scope | None:
        """The innermost enclosing `def` (lambdas do not count)."""
        scope: Scope | None = self
        while scope is not None and scope.kind != "function":
            scope = scope.parent
        return scope


class ScopeTracker(Visitor):
    """Records, during the traversal, the scopes of the module and their bindings."""

    def __init__(self) -> None:
        self.scope = self.module = Scope("module", None, None)
        # FunctionDef, Lambda, ClassDef -> the scope it opens
        self.scopes: dict[cst.CSTNode, Scope] = {}

    def _open(self, kind: str, node: cst.FunctionDef | cst.ClassDef | cst.Lambda) -> None:
        self.scope = self.scopes[node] = Scope(kind, node, self.scope)

    def _close(self) -> None:
        self.scope = self.scope.parent or self.module

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope.bind(node.name.value, node)
        self._open("class", node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._close()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scope.bind(node.name.value, node)
        self._open("function", node)
        self._bind_parameters(node.params)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._close()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._open("lambda", node)
        self._bind_parameters(node.params)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._close()

    def _bind_parameters(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            self.scope.bind(param.name.value, None)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.scope.bind(star.name.value, None)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._bind(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        # In the enclosing scope: conservative, it can only hide names.
        self._bind(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, None)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        self.scope.bind(node.evaluated_alias or node.evaluated_name.split(".")[0], None)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:  # rebinds the module's name from inside a function: no longer known
            self.scope.bind(item.name.value, None)
            self.module.bind(item.name.value, None)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.scope.bind(item.name.value, None)


def module_scopes(context: FileContext) -> ScopeTracker:
    """The file's scopes: collected in the traversal, so asked for before it (`ScopedRule`)."""
    tracker = ScopeTracker()
    context.visitors.append(tracker)
    return tracker


class ScopedRule(Rule):
    """A rule that reads the module's scopes."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.tracker = context.fact(module_scopes)

    @property
    def scope(self) -> Scope:
        """The scope of the node being visited."""
        return self.tracker.scope

    @property
    def scopes(self) -> dict[cst.CSTNode, Scope]:
        """FunctionDef, Lambda and ClassDef -> the scope it opens."""
        return self.tracker.scopes
