"""Requirement string literals in a setup.py, found with libcst (imported only for setup.py).

Reads `setup(...)` / `setuptools.setup(...)` calls: `install_requires=[...]`
and `extras_require={"name": [...]}` given as literals, or as a module-level
name assigned exactly once to a literal. Anything else (a comprehension, a
function call, a name bound twice) cannot be told and is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from ml_policy.deps.errors import ManifestError
from ml_policy.deps.setupfiles import LiteralRequirement

PUBLISHED_KEYWORDS = ("install_requires",)
OTHER_KEYWORDS = ("setup_requires", "tests_require")


def requirement_literals(path: Path, text: str) -> list[LiteralRequirement]:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        where = (error.raw_line, error.raw_column + 1)
        raise ManifestError(path, f"syntax error: {error.message}", *where) from None
    except cst.CSTValidationError:  # the parser accepts a name Python rejects (U+31350)
        raise ManifestError(path, "syntax error: not valid Python") from None
    except RecursionError:
        raise ManifestError(path, "not checked: nested too deeply to parse") from None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    bindings = _module_bindings(module)
    finder = _SetupCalls()
    module.visit(finder)
    found: list[LiteralRequirement] = []
    for call in finder.calls:
        for argument in call.args:
            keyword = argument.keyword.value if argument.keyword else None
            if keyword in (*PUBLISHED_KEYWORDS, *OTHER_KEYWORDS):
                value = _resolve(argument.value, bindings)
                section = f"setup({keyword}=...)"
                found += _strings(value, positions, section, keyword in PUBLISHED_KEYWORDS)
            elif keyword == "extras_require":
                found += _extras(_resolve(argument.value, bindings), bindings, positions)
    return found


class _SetupCalls(cst.CSTVisitor):
    """Calls named `setup` or `<module>.setup` (setuptools / distutils)."""

    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if name == "setup":
            self.calls.append(node)


def _module_bindings(module: cst.Module) -> dict[str, cst.BaseExpression]:
    """Module-level names assigned exactly once (a second assignment makes them unknowable)."""
    seen: dict[str, cst.BaseExpression | None] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets = _assigned_names(small)
            for name in targets:
                value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
                seen[name] = None if name in seen else value
    return {name: value for name, value in seen.items() if value is not None}


def _assigned_names(small: cst.BaseSmallStatement) -> list[str]:
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        return [target.value] if isinstance(target, cst.Name) else []
    if isinstance(small, (cst.AnnAssign, cst.AugAssign)):
        return [small.target.value] if isinstance(small.target, cst.Name) else []
    return []


def _resolve(
    node: cst.BaseExpression | None, bindings: Mapping[str, cst.BaseExpression]
) -> cst.BaseExpression | None:
    if isinstance(node, cst.Name):
        return bindings.get(node.value)
    return node


def _strings(
    node: cst.BaseExpression | None,
    positions: Mapping[cst.CSTNode, CodeRange],
    section: str,
    published: bool,
) -> list[LiteralRequirement]:
    if not isinstance(node, (cst.List, cst.Tuple)):
        return []
    found = []
    for element in node.elements:
        value = element.value
        if isinstance(element, cst.Element) and isinstance(value, cst.SimpleString):
            text = value.evaluated_value
            if isinstance(text, str):
                where = positions[value]
                end = where.end.column + 1 if where.end.line == where.start.line else 0
                found.append(
                    LiteralRequirement(
                        text.strip(),
                        where.start.line,
                        where.start.column + 1,
                        end,
                        section,
                        published,
                    )
                )
    return found


def _extras(
    node: cst.BaseExpression | None,
    bindings: Mapping[str, cst.BaseExpression],
    positions: Mapping[cst.CSTNode, CodeRange],
) -> list[LiteralRequirement]:
    if not isinstance(node, cst.Dict):
        return []
    found = []
    for element in node.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            extra = element.key.evaluated_value
            section = f"setup(extras_require={{{extra!r}: ...}})"
            found += _strings(_resolve(element.value, bindings), positions, section, True)
    return found
