"""MLM004: argparse `action="append"` or `"extend"` with a non-empty default list."""

from __future__ import annotations

import ast
from typing import ClassVar

from ml_policy.lint.calls import literal_str
from ml_policy.lint.lazy import cst
from ml_policy.lint.rule import FileContext, Rule

APPEND_ACTIONS = frozenset({"append", "extend"})


class ArgparseAppendDefault(Rule):
    """## What it does
    Checks for `add_argument(..., action="append" | "extend", default=[...])`
    with a non-empty list or tuple literal as the default. Any receiver
    counts (parsers and argument groups are passed around); `action` and
    `default` must be literal keywords, else the rule stays silent. The
    finding is at the `add_argument` call.

    ## Why is this bad?
    argparse does not replace a list default with the values given on the
    command line: it appends them to it. With `default=[128, 64]`,
    `--hidden 256` yields `[128, 64, 256]`, so a sweep that sets the layer
    sizes silently trains a bigger model than it asked for.

    ## Example
    ```python
    parser.add_argument("--hidden", type=int, action="append", default=[128, 64])
    args = parser.parse_args()
    ```

    ## Use instead
    ```python
    parser.add_argument("--hidden", type=int, action="append", default=None)
    args = parser.parse_args()
    if args.hidden is None:
        args.hidden = [128, 64]
    ```

    ## References
    - [argparse: action](https://docs.python.org/3/library/argparse.html#action)
    - [CPython issue #60603: append action with a default list](https://github.com/python/cpython/issues/60603)
    """

    code = "MLM004"
    name = "argparse-append-default"
    summary = 'argparse `action="append"` or `"extend"` with a non-empty default list'
    triggers: ClassVar[tuple[str, ...]] = ("add_argument",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        parser.add_argument("--x", action="append")
        parser.add_argument("--y", action="append", default=[])
        parser.add_argument("--z", action="extend", default=None)
        """,
        """
        parser.add_argument("--x", action="store", default=[1, 2])
        parser.add_argument("--y", nargs="+", default=[1, 2])
        """,
        """
        parser.add_argument("--x", action=ACTION, default=[1, 2])
        """,
        """
        parser.add_argument("--x", action="append", default=DEFAULTS)
        """,
        """
        parser.add_argument("--x", action="append", default=[*DEFAULTS])
        """,
        """
        add_argument("--x", action="append", default=[1])
        """,
        """
        parser.add_argument("--x", **{"action": "append", "default": [1]})
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        parser.add_argument("--x", action="append", default=[1, 2])  # error
        """,
        """
        group.add_argument("--tag", action="extend", nargs="+", default=("a",))  # error
        """,
        """
        self.parser.add_argument(  # error
            "--x",
            action="append",
            default=["a"],
        )
        """,
        """
        def add_options(p, **kw):
            p.add_argument("-l", type=int, action="append", default=[1], **kw)  # error
        """,
    )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return any(
            isinstance(n, ast.Call) and _appends_to_default(n) for n in ast.walk(context.tree)
        )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "add_argument":
            return
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        action = literal_str(keywords["action"]) if "action" in keywords else None
        default = keywords.get("default")
        if (
            action in APPEND_ACTIONS
            and isinstance(default, cst.List | cst.Tuple)
            and any(not isinstance(e, cst.StarredElement) for e in default.elements)
        ):
            self.report(
                node,
                f'`add_argument(action="{action}")` with a non-empty default: argparse appends '
                "the command-line values to the default instead of replacing it; use "
                "`default=None` and fill in the default after parsing",
            )


def _appends_to_default(call: ast.Call) -> bool:
    """The stdlib-ast twin of ArgparseAppendDefault.visit_Call (its screen)."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "add_argument":
        return False
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    action = keywords.get("action")
    default = keywords.get("default")
    return (
        isinstance(action, ast.Constant)
        and action.value in APPEND_ACTIONS
        and isinstance(default, ast.List | ast.Tuple)
        and any(not isinstance(e, ast.Starred) for e in default.elts)
    )
