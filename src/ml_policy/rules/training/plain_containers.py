"""MLC002's verdict, on the stdlib tree: the `self.<name>` attributes of nn.Module classes
that keep layers with parameters in a plain list, tuple or dict and never register them.

Per class, every `self.<name>` in its methods is read: assignments (each must be a plain
container), items put in (`.append`, `.extend`, `.insert`, `self.x[k] = ...`) and reads.
A read that is not an index, a loop, `len`/`enumerate`/`zip`/... or `.items()`-like hands
the container to code we do not follow (`nn.ModuleList(self.x)`, `nn.Sequential(*self.x)`,
a return): the attribute is dropped. So is every attribute of a class that registers
modules by hand (`add_module`, `register_module`, `setattr`) or overrides what registration
feeds (`parameters`, `state_dict`, `to`, `_apply`, ...).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TypeGuard

from ml_policy.lint.bindings import binding_counts, bound_names
from ml_policy.lint.rule import FileContext
from ml_policy.rules.hyperparameters.ml_state import ml_state
from ml_policy.rules.training.module_classes import torch_module_classes

REGISTERING_METHODS = frozenset({"add_module", "register_module", "register_parameter"})
REGISTRATION_OVERRIDES = frozenset(
    {"parameters", "named_parameters", "children", "named_children", "modules"}
    | {"named_modules", "state_dict", "load_state_dict", "to", "cuda", "_apply", "__setattr__"}
)
READING_CALLS = frozenset({"len", "enumerate", "zip", "reversed", "iter", "range", "print"})
READING_METHODS = frozenset({"items", "values", "keys", "get", "index", "count"})
CONTAINER_CALLS = frozenset({"list", "tuple", "dict"})
KINDS: dict[type[ast.AST], str] = {ast.List: "list", ast.ListComp: "list", ast.Tuple: "tuple"}
KINDS |= {ast.Set: "set", ast.SetComp: "set", ast.GeneratorExp: "tuple"}


@dataclass
class Attribute:
    """What the methods of one class do with `self.<name>`."""

    first: ast.expr  # the first value assigned, where the finding is
    kind: str  # list, tuple, dict, set: how the first value is spelt
    plain: bool = True  # every assignment is a plain container
    holds_state: bool = False
    escapes: bool = False


@dataclass
class ClassFacts:
    """The facts of one class that the verdict needs."""

    node: ast.ClassDef
    stateful: frozenset[str]  # same-file module classes that create parameters
    context: FileContext
    attributes: dict[str, Attribute] = field(default_factory=dict)
    # the method being read: its names -> values of `name = value` (None: bound otherwise)
    locals_: dict[str, list[ast.expr] | None] = field(default_factory=dict)


def unregistered_attributes(context: FileContext) -> dict[int, dict[str, Attribute]]:
    """id of each nn.Module class -> its attributes that hold unregistered layers."""
    found: dict[int, dict[str, Attribute]] = {}
    if not _may_put_layers_in_self(context):
        return found  # the cheap necessary condition, before the classes are worked out
    classes = context.fact(torch_module_classes)
    if not classes:
        return found
    stateful = _stateful_classes(classes, context)
    for node in classes:
        if _registers_by_hand(node):
            continue
        facts = ClassFacts(node, stateful, context)
        _read_class(node, facts)
        hits = {
            name: attribute
            for name, attribute in facts.attributes.items()
            if attribute.plain and attribute.holds_state and not attribute.escapes
        }
        if hits:
            found[id(node)] = hits
    return found


def _may_put_layers_in_self(context: FileContext) -> bool:
    """A necessary condition of every finding, from one walk of the tree: something that
    may be a layer put into a `self.<name>` container (in an assigned display or
    comprehension, or by `.append`/`.insert`/`.extend` or under a key into an attribute
    assigned such a container somewhere). Looser than the verdict: classes are not told
    apart, any class of the file may build state, any name assigned a layer anywhere may
    hold one, and `list`/`dict`/`tuple` may be the builtins."""
    classes: set[str] = set()
    containers: set[str] = set()  # `self.<name>` assigned a plain container somewhere
    items: list[tuple[str, ast.expr]] = []  # (name, item put into `self.<name>`)
    calls: list[tuple[ast.Name, ast.Call]] = []  # `name = <call>`
    for node in context.nodes(ast.ClassDef, ast.Assign, ast.AnnAssign, ast.Call):
        if isinstance(node, ast.ClassDef):
            classes.add(node.name)
        elif isinstance(node, ast.Call):
            items.extend(_put_in_self(node, context))
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                _assigned_to_self(node.target, node.value, context, containers, items)
        elif isinstance(node, ast.Assign):
            if len(node.targets) == 1:  # as the verdict reads assignments
                _assigned_to_self(node.targets[0], node.value, context, containers, items)
            items.extend(
                (target.value.attr, node.value)  # `self.x[key] = item`
                for target in node.targets
                if isinstance(target, ast.Subscript) and _is_self_attribute(target.value)
            )
            if isinstance(node.value, ast.Call):
                calls.extend(
                    (target, node.value) for target in node.targets if isinstance(target, ast.Name)
                )
    layer_names = {target.id for target, call in calls if _builds_state(call, classes, context)}
    return any(
        name in containers and _may_be_layer(item, classes, layer_names, context)
        for name, item in items
    )


def _is_self_attribute(node: ast.expr) -> TypeGuard[ast.Attribute]:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _assigned_to_self(
    target: ast.expr,
    value: ast.expr,
    context: FileContext,
    containers: set[str],
    items: list[tuple[str, ast.expr]],
) -> None:
    if _is_self_attribute(target):
        found = _container_items(value, context, builtins_checked=False)
        if found is not None:
            containers.add(target.attr)
            items.extend((target.attr, item) for item in found)


def _put_in_self(call: ast.Call, context: FileContext) -> list[tuple[str, ast.expr]]:
    """The items of `self.x.append(item)`, `.insert(i, item)`, `.extend(items)`."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and _is_self_attribute(func.value)):
        return []
    name = func.value.attr
    if func.attr == "append" and call.args:
        return [(name, call.args[0])]
    if func.attr == "insert" and len(call.args) > 1:
        return [(name, call.args[1])]
    if func.attr == "extend" and call.args:
        return [
            (name, item)
            for item in _container_items(call.args[0], context, builtins_checked=False) or ()
        ]
    return []


def _may_be_layer(
    item: ast.expr, classes: set[str], layer_names: set[str], context: FileContext
) -> bool:
    if isinstance(item, ast.Call):
        return _builds_state(item, classes, context)
    if isinstance(item, ast.Name):
        return item.id in layer_names
    if isinstance(item, ast.List | ast.Tuple | ast.Dict):
        return any(
            isinstance(sub, ast.Call) and _builds_state(sub, classes, context)
            for sub in _container_items(item, context, builtins_checked=False) or ()
        )
    return False


def _methods(node: ast.ClassDef) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            yield stmt


def _walk(node: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(node, parent) pairs below `node`, nested classes left out (their `self` is theirs)."""
    stack = [node]
    while stack:
        parent = stack.pop()
        for child in ast.iter_child_nodes(parent):
            if not isinstance(child, ast.ClassDef):
                yield child, parent
                stack.append(child)


def _registers_by_hand(node: ast.ClassDef) -> bool:
    for method in _methods(node):
        if method.name in REGISTRATION_OVERRIDES:
            return True
    for sub, _ in _walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Attribute) and func.attr in REGISTERING_METHODS:
                return True
            if isinstance(func, ast.Name) and func.id == "setattr":
                return True
    return False


def _stateful_classes(classes: list[ast.ClassDef], context: FileContext) -> frozenset[str]:
    """Names of the file's nn.Module classes that create parameters or buffers (a fixpoint:
    a class holding another such class is one), each bound once, by its class statement."""
    counts = context.fact(binding_counts)
    unique = {node.name: node for node in classes if counts[node.name] == 1}
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, node in unique.items():
            if name not in found and _creates_state(node, frozenset(found), context):
                found.add(name)
                changed = True
    return frozenset(found)


def _creates_state(node: ast.ClassDef, stateful: frozenset[str], context: FileContext) -> bool:
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in stateful:
            return True
    for sub, _ in _walk(node):
        if isinstance(sub, ast.Call) and _builds_state(sub, stateful, context):
            return True
        if (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr in {"register_buffer", "register_parameter"}
        ):
            return True
    return False


def _builds_state(call: ast.Call, stateful: AbstractSet[str], context: FileContext) -> bool:
    """A call that builds a layer with parameters or buffers, or an nn.Parameter."""
    if isinstance(call.func, ast.Name) and call.func.id in stateful:
        return True
    return ml_state(call, context.imports) in {"module", "parameter"}


def _self_attributes(
    method: ast.AST,
) -> Iterator[tuple[ast.Attribute, ast.AST, ast.AST | None]]:
    """Each `self.<name>` in a method, with its parent and grandparent."""
    parents: dict[int, ast.AST] = {}
    for node, parent in _walk(method):
        parents[id(node)] = parent
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            yield node, parent, parents.get(id(parent))


def _read_class(node: ast.ClassDef, facts: ClassFacts) -> None:
    methods = list(_methods(node))
    for method in methods:
        facts.locals_ = _plain_locals(method)
        for attr, parent, _ in _self_attributes(method):
            if isinstance(attr.ctx, ast.Store):
                _assigned(attr, parent, facts)
    for method in methods:
        facts.locals_ = _plain_locals(method)
        for attr, parent, grandparent in _self_attributes(method):
            attribute = facts.attributes.get(attr.attr)
            if attribute is not None and isinstance(attr.ctx, ast.Load):
                _read_use(attr, parent, grandparent, attribute, facts)


def _plain_locals(method: ast.AST) -> dict[str, list[ast.expr] | None]:
    """Names the function binds -> the values of its `name = value` statements (None when
    it also binds the name otherwise: a parameter, a loop, a tuple target, ...)."""
    found: dict[str, list[ast.expr] | None] = {}
    for node, parent in _walk(method):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            values = found.setdefault(node.id, [])
            if isinstance(parent, ast.Assign) and node in parent.targets and values is not None:
                values.append(parent.value)
            else:
                found[node.id] = None
        elif isinstance(node, ast.arg | ast.alias | ast.ExceptHandler):
            for name in bound_names(node):
                found[name] = None
    return found


def _read_use(
    node: ast.Attribute,
    parent: ast.AST,
    grandparent: ast.AST | None,
    attribute: Attribute,
    facts: ClassFacts,
) -> None:
    """One read of `self.<name>`: putting items in, a harmless read, or handing it on."""
    if isinstance(parent, ast.Attribute) and parent.attr in {"append", "extend", "insert"}:
        if isinstance(grandparent, ast.Call) and grandparent.func is parent:
            _put_in(parent.attr, grandparent, attribute, facts)
        else:
            attribute.escapes = True  # `add = self.x.append`: not followed
    elif (
        isinstance(parent, ast.Subscript)
        and isinstance(parent.ctx, ast.Store)
        and isinstance(grandparent, ast.Assign)
    ):
        if _holds_state(grandparent.value, facts):  # `self.x[key] = nn.Linear(...)`
            attribute.holds_state = True
    elif not _reads_only(node, parent):
        attribute.escapes = True


def _assigned(node: ast.Attribute, parent: ast.AST, facts: ClassFacts) -> None:
    if isinstance(parent, ast.Assign) and parent.targets == [node]:
        value: ast.expr | None = parent.value
    elif isinstance(parent, ast.AnnAssign):
        value = parent.value
        if value is None:
            return  # a declaration
    else:
        value = None  # a tuple target, an augmented assignment, a for target
    attribute = facts.attributes.get(node.attr)
    if attribute is None:
        attribute = facts.attributes[node.attr] = Attribute(value or node, _kind(value))
    items = None if value is None else _container_items(value, facts.context)
    if items is None:
        attribute.plain = False
    elif any(_holds_state(item, facts) for item in items):
        attribute.holds_state = True


def _put_in(method: str, call: ast.Call, attribute: Attribute, facts: ClassFacts) -> None:
    """`self.x.append(item)`, `.insert(i, item)`, `.extend(items)`."""
    if method == "append" and call.args:
        items = [call.args[0]]
    elif method == "insert" and len(call.args) > 1:
        items = [call.args[1]]
    elif method == "extend" and call.args:
        items = _container_items(call.args[0], facts.context) or []
    else:
        items = []
    if any(_holds_state(item, facts) for item in items):
        attribute.holds_state = True


def _reads_only(node: ast.Attribute, parent: ast.AST) -> bool:
    """A read that cannot hand the container on: indexing, looping, len(), .items(), ..."""
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return True  # `self.x[i]` (an item stored by `self.x[k] = v` is judged at its store)
    if isinstance(parent, ast.For | ast.comprehension) and parent.iter is node:
        return True
    if isinstance(parent, ast.Attribute) and parent.attr in READING_METHODS:
        return True
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id in READING_CALLS
    )


def _container_items(
    value: ast.expr, context: FileContext, *, builtins_checked: bool = True
) -> list[ast.expr] | None:
    """The items a plain container display, comprehension or `list()`/`dict()`/`tuple()`/
    `OrderedDict()` call is built from; None otherwise. Without `builtins_checked`, the
    calls count even where the module binds those names (the cheap screen's superset)."""
    if isinstance(value, ast.Call):
        if value.keywords or len(value.args) > 1:
            return None
        if not _is_container_call(value, context, builtins_checked):
            return None
        if not value.args:
            return []
        return _container_items(value.args[0], context, builtins_checked=builtins_checked)
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return [item for item in value.elts if not isinstance(item, ast.Starred)]
    if isinstance(value, ast.Dict):
        return list(value.values)
    if isinstance(value, ast.ListComp | ast.SetComp | ast.GeneratorExp):
        return [value.elt]
    if isinstance(value, ast.DictComp):
        return [value.value]
    return None


def _is_container_call(call: ast.Call, context: FileContext, builtins_checked: bool) -> bool:
    func = call.func
    if isinstance(func, ast.Name) and func.id in CONTAINER_CALLS:
        return not builtins_checked or context.fact(binding_counts)[func.id] == 0
    return context.imports.resolve_ast(func) == "collections.OrderedDict"


def _kind(value: ast.expr | None) -> str:
    """How the container is spelt, for the message."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id
    if value is None:
        return "list"
    return KINDS.get(type(value), "dict")


def _holds_state(item: ast.expr, facts: ClassFacts) -> bool:
    """An item that is (or, one level down, contains) a layer with parameters."""
    if isinstance(item, ast.Call):
        return _builds_state(item, facts.stateful, facts.context)
    if isinstance(item, ast.Name):
        values = facts.locals_.get(item.id)
        return bool(values) and all(
            isinstance(v, ast.Call) and _builds_state(v, facts.stateful, facts.context)
            for v in values or ()
        )
    if isinstance(item, ast.List | ast.Tuple | ast.Dict):
        nested = _container_items(item, facts.context) or []
        return any(
            isinstance(sub, ast.Call) and _builds_state(sub, facts.stateful, facts.context)
            for sub in nested
        )
    return False
