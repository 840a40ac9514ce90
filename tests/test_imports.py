"""ImportTable: which local names resolve through imports, and its shortcut walk."""

from __future__ import annotations

import ast
import textwrap
import warnings

import pytest
from conftest import PYTHON_PROGRAMS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_policy.lint.astwalk import index_nodes
from ml_policy.lint.bindings import bound_names as _bound_names
from ml_policy.lint.imports import ImportTable, _binding_nodes, _imports


def table(source: str) -> dict[str, str]:
    return ImportTable.from_ast(ast.parse(textwrap.dedent(source))).names


# --- the reference: every node of ast.walk, no shortcuts --------------------------------------


def reference_bound(node: ast.AST) -> set[str]:
    """The names a node binds other than by importing, by the module docstring's definition."""
    match node:
        case ast.Name(id=name, ctx=ast.Store() | ast.Del()):
            return {name}
        case ast.FunctionDef(name=name) | ast.AsyncFunctionDef(name=name) | ast.ClassDef(name=name):
            return {name}
        case ast.arg(arg=name):
            return {name}
        case ast.ExceptHandler(name=str(name)) | ast.MatchAs(name=str(name)):
            return {name}
        case ast.MatchStar(name=str(name)):
            return {name}
        case ast.Global(names=names) | ast.Nonlocal(names=names):
            return set(names)
        case _:
            return set()


def reference_table(tree: ast.AST) -> dict[str, str]:
    imported: dict[str, set[str]] = {}
    other: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for local, target in _imports(node):
                imported.setdefault(local, set()).add(target)
        other |= reference_bound(node)
    return {
        local: next(iter(targets))
        for local, targets in imported.items()
        if len(targets) == 1 and local not in other
    }


def parse(source: str) -> ast.Module:
    with warnings.catch_warnings():  # e.g. "'str' object is not callable" in generated code
        warnings.simplefilter("ignore")
        return ast.parse(source)


def assert_matches_reference(tree: ast.AST) -> None:
    walked = set().union(*(reference_bound(node) for node in ast.walk(tree)))
    found = {name for node in _binding_nodes(index_nodes(tree)) for name in _bound_names(node)}
    assert found == walked
    assert ImportTable.from_ast(tree).names == reference_table(tree)


# --- what the table holds ----------------------------------------------------------------------


def test_import_forms() -> None:
    source = """
        import os
        import os.path
        import numpy as np
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torch import nn as tnn
        from . import sibling
        from ..pkg import thing
        from .mod import *
    """
    assert table(source) == {
        "os": "os",
        "np": "numpy",
        "F": "torch.nn.functional",
        "DataLoader": "torch.utils.data.DataLoader",
        "tnn": "torch.nn",
        "sibling": ".sibling",
        "thing": "..pkg.thing",
    }


def test_imports_inside_functions_and_branches_count() -> None:
    source = """
        def f():
            if x:
                import torch
        try:
            import ujson as json
        except ImportError:
            import json
    """
    assert table(source) == {"torch": "torch"}  # json: two different targets


def test_the_same_import_twice_still_resolves() -> None:
    assert table("import torch\ndef f():\n    import torch\n") == {"torch": "torch"}


SHADOWING = [
    "torch = 1",
    "torch, x = 1, 2",
    "x, *torch = y",
    "torch += 1",
    "torch: int = 1",
    "del torch",
    "def torch(): pass",
    "async def torch(): pass",
    "class torch: pass",
    "def f(torch): pass",
    "def f(*, torch=1): pass",
    "def f(*torch, **kwargs): pass",
    "def f(x, /, **torch): pass",
    "g = lambda torch: torch",
    "for torch in x: pass",
    "async def f():\n    async for torch in x: pass",
    "with x as torch: pass",
    "with x as (y, torch): pass",
    "try:\n    pass\nexcept E as torch:\n    pass",
    "[1 for torch in x]",
    "{k: v for k, (v, torch) in x}",
    "(torch := 1)",
    "f(x, y=[(torch := 2)])",
    "def f():\n    global torch",
    "def f():\n    def g():\n        nonlocal torch",
    "match x:\n    case [torch]: pass",
    "match x:\n    case [y, *torch]: pass",
    "match x:\n    case C() as torch: pass",
    "def f(x: (torch := int)): pass",
    "def f() -> (torch := int): pass",
    "def f(x=(torch := 1)): pass",
    "@(torch := decorator)\ndef f(): pass",
    "class C(B, metaclass=(torch := M)): pass",
    "assert (torch := x), (y := 1)",
    "raise (torch := E) from (y := F)",
    "class C:\n    def f(self):\n        torch = 1",
    "import other as torch",
]


@pytest.mark.parametrize("statement", SHADOWING)
def test_any_other_binding_shadows_an_import(statement: str) -> None:
    tree = parse("import torch\n" + statement + "\n")
    assert "torch" not in ImportTable.from_ast(tree).names
    assert_matches_reference(tree)


@pytest.mark.parametrize("statement", SHADOWING)
def test_reading_a_name_does_not_shadow_it(statement: str) -> None:
    tree = parse("import torch\nimport numpy as np\n" + statement + "\nnp.array(torch)\n")
    assert ImportTable.from_ast(tree).names["np"] == "numpy"


# Every kind of place an expression can sit in; W is where one that binds goes.
EXPRESSION_SLOTS = [
    "class C(W): pass",
    "x < y < W",
    "with W: pass",
    "[W for y in z]",
    "{W: 1 for y in z}",
    "{1: W for y in z}",
    "[y for y in z if W]",
    "try:\n    pass\nfinally:\n    W",
    "try:\n    pass\nexcept E:\n    pass\nelse:\n    W",
    "while x:\n    pass\nelse:\n    W",
    "f'{x:{W}}'",
    "f'{W}'",
    "W()",
    "f(*W, **W)",
    "for y in W: pass",
    "{W: 1}",
    "{1: W}",
    "x and W",
    "def f(*, k=W): pass",
    "W + 1",
    "1 + W",
    "-W",
    "x if W else y",
    "x[W:]",
    "x[:W]",
    "x[::W]",
    "x[W]",
    "x[W] = 1",
    "await W",
    "yield W",
    "return W",
    "if x:\n    pass\nelse:\n    W",
    "match W:\n    case _: pass",
    "match x:\n    case y if W: pass",
    "assert x, W",
    "x += W",
    "x: W",
]
BINDERS = ["(torch := 1)", "(lambda torch: 0)", "[0 for torch in y]"]


@pytest.mark.parametrize("slot", EXPRESSION_SLOTS)
@pytest.mark.parametrize("binder", BINDERS)
def test_a_binding_anywhere_in_an_expression_shadows(slot: str, binder: str) -> None:
    body = textwrap.indent(slot.replace("W", binder), "    ")
    tree = parse("import torch\nasync def outer():\n" + body + "\n")
    assert "torch" not in ImportTable.from_ast(tree).names
    assert_matches_reference(tree)


def test_resolve_ast_and_canonical_names() -> None:
    imports = ImportTable.from_ast(ast.parse("import torch.nn as nn\n"))
    expression = ast.parse("nn.modules.linear.Linear", mode="eval").body
    assert imports.resolve_ast(expression) == "torch.nn.Linear"
    assert imports.resolve_ast(ast.parse("other.x", mode="eval").body) is None
    assert imports.mentions("torch")
    assert not imports.mentions("numpy")


def test_a_tree_edited_by_hand_with_fields_left_out() -> None:
    tree = ast.parse("import torch\ndef f(torch): pass\n")
    function = tree.body[1]
    assert isinstance(function, ast.FunctionDef)
    del function.decorator_list, function.returns  # ast.walk skips missing fields too
    assert ImportTable.from_ast(tree).names == {}


# --- properties: the shortcut walk sees what ast.walk sees ---------------------------------------

NAMES = ("torch", "np", "nn", "x")
TEMPLATES = (
    "import {m}",
    "import {m} as {a}",
    "from {m} import {a}",
    "from {m} import {b} as {a}",
    "from .{m} import {a}",
    "{a} = {b}",
    "{a}, *{b} = {c}",
    "{a}.{b} = {c}[{a}]",
    "{a} += 1",
    "{a}: {b} = 1",
    "del {a}",
    "def {a}({b}, *{c}, k={a}, **kw) -> {b}: return {c}",
    "async def {a}(): await {b}",
    "@{b}\nclass {a}({c}): pass",
    "for {a} in {b}: pass",
    "with {b} as ({a}, {c}): pass",
    "try:\n    pass\nexcept {b} as {a}:\n    pass",
    "[{a} for {b} in {c} if {a}]",
    "{{{a}: {b} for {a}, {b} in {c}}}",
    "({a} := {b})",
    "f = lambda {a}, *{b}: {c}",
    "global {a}",
    "def g():\n    nonlocal {a}",
    "match {c}:\n    case [{a}, *{b}]: pass",
    "match {c}:\n    case {{'k': {a}, **{b}}}: pass",
    "match {c}:\n    case C(k={a}) as {b}: pass",
    "print({a}.{b}({c}), f'{{{a}!r}}')",
)
WRAPPERS = ("{0}", "def outer():\n{1}", "if x:\n{1}", "class K:\n{1}")


@st.composite
def programs(draw: st.DrawFn) -> str:
    statements = []
    for template in draw(st.lists(st.sampled_from(TEMPLATES), max_size=8)):
        a, b, c = (draw(st.sampled_from(NAMES)) for _ in range(3))
        module = draw(st.sampled_from(("torch", "numpy", "torch.nn", "os.path")))
        statement = template.format(a=a, b=b, c=c, m=module)
        wrapper = draw(st.sampled_from(WRAPPERS))
        statements.append(wrapper.format(statement, textwrap.indent(statement, "    ")))
    return "\n".join(statements) + "\n"


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(source=programs())
def test_programs_of_imports_and_bindings_match_the_reference(source: str) -> None:
    assert_matches_reference(parse(source))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=PYTHON_PROGRAMS)
def test_generated_programs_match_the_reference(source: str) -> None:
    assert_matches_reference(parse("import torch\nfrom numpy import array\n" + source))
