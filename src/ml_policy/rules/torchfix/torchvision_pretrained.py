"""MLT104: torchvision model builders called with the deprecated `pretrained=`."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from typing import ClassVar

from ml_policy.diagnostics import Applicability
from ml_policy.lint import textscan
from ml_policy.lint.calls import UNKNOWN, argument, literal_bool
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext, Rule
from ml_policy.rules.torchfix.torchvision_weights import PRETRAINED, PRETRAINED_BACKBONE, builder

# What may stand between two tokens inside brackets: spaces, newlines, comments, `\`.
_GAP = r"(?:\s|#[^\n]*\n|\\\n)*"
# Patterns start with the word, not `\b` (tried at every position): `textscan.word_search`.
_LEGACY_KEYWORD = re.compile(rf"pretrained(?:_backbone)?{_GAP}=(?!=)")
# `(True` or `(False`: the old positional `pretrained`.
_BOOL_FIRST = re.compile(rf"\({_GAP}(?:True|False)\b")


@cache
def _builder_named() -> re.Pattern[str]:
    """A builder's name before `(`, `)` (a parenthesized callee) or `as` (an alias)."""
    names = "|".join(sorted({name for _, name in PRETRAINED}))
    return re.compile(rf"(?:{names}){_GAP}(?:[()]|as\b)")


# (legacy parameter, its replacement, what `True` loaded)
_LEGACY = (
    ("pretrained", "weights", PRETRAINED),
    ("pretrained_backbone", "weights_backbone", PRETRAINED_BACKBONE),
)


class TorchvisionPretrained(Rule):
    """## What it does
    Checks for torchvision model builders (`torchvision.models.resnet50`,
    `torchvision.models.detection.fasterrcnn_resnet50_fpn`, ...) called with
    `pretrained=` or `pretrained_backbone=`, or with a literal `True`/`False`
    as their first positional argument (the old `pretrained`).

    TorchFix: TOR201

    ## Why is this bad?
    torchvision 0.13 replaced these flags with `weights=` and
    `weights_backbone=`, and has warned since that they may be removed. The
    flag hides which weights are loaded (`pretrained=True` means one
    particular checkpoint of several, and it is not the best one for many
    models); `weights=` names it, so a run is reproducible and the choice is
    visible in review.

    Other libraries' `pretrained=` (timm's `create_model`, for instance) is
    not this rule's: only torchvision's builders are checked.

    ## Example
    ```python
    from torchvision import models

    backbone = models.resnet50(pretrained=True)
    ```

    ## Use instead
    ```python
    from torchvision import models

    backbone = models.resnet50(weights="IMAGENET1K_V1")
    ```

    ## Fix
    For a literal `pretrained=True`, names the weights it loaded
    (`weights="IMAGENET1K_V1"`, the string form torchvision accepts for its
    weight enums); for `False`, `weights=None`. The same for
    `pretrained_backbone`. Unsafe: `weights=` needs torchvision 0.13 or later.
    Not offered where the weights depend on other arguments (quantized
    models) or for a positional flag.

    ## References
    - [torchvision: Models and pre-trained weights](https://pytorch.org/vision/stable/models.html)
    - [TorchFix](https://github.com/pytorch-labs/torchfix)
    """

    code = "MLT104"
    cheap_on_tree = True
    name = "torchvision-pretrained"
    summary = "torchvision model builder called with the deprecated `pretrained=`"
    torchfix_codes: ClassVar[tuple[str, ...]] = ("TOR201",)
    fix_applicability: ClassVar[Applicability | None] = Applicability.UNSAFE
    triggers: ClassVar[tuple[str, ...]] = ("torchvision",)
    valid: ClassVar[tuple[str, ...]] = (
        """
        import timm
        from torchvision import models

        a = models.resnet50(weights="IMAGENET1K_V1")
        b = models.resnet50(weights=None)
        c = timm.create_model("resnet50", pretrained=True)
        d = models.resnet50(weights)
        """,
        """
        from torchvision.models import resnet18


        def build(pretrained=True):
            return resnet18(**kwargs)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import torchvision
        from torchvision import models

        a = models.resnet50(pretrained=True)  # error
        b = torchvision.models.resnet18(pretrained=False)  # error
        c = models.vgg16(True)  # error
        d = models.resnet50(pretrained=cfg.pretrained)  # error
        """,
        """
        from torchvision.models.detection import fasterrcnn_resnet50_fpn as frcnn
        from torchvision.models.quantization import resnet50 as qresnet

        a = frcnn(pretrained=False, pretrained_backbone=True)  # error
        b = qresnet(pretrained=True, quantize=True)  # error
        """,
    )

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        """A `pretrained=` keyword, or a literal bool passed first in a file that names a
        builder before a parenthesis or an `as`."""
        raw = text.raw
        if textscan.word_search(_LEGACY_KEYWORD, raw):
            return True
        return bool(_BOOL_FIRST.search(raw)) and textscan.word_search(_builder_named(), raw)

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return any(True for _ in _builder_calls(context))

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Call]:
        return _builder_calls(context)

    def visit_Call(self, node: cst.Call) -> None:
        name = self.resolve(node.func)
        key = None if name is None else builder(name)
        if key is None:
            return
        named: list[str] = []
        fixes: list[tuple[cst.CSTNode, cst.CSTNode]] = []
        for legacy, replacement, loaded in _LEGACY:
            arg = _legacy_argument(node, legacy) if key in loaded else None
            if arg is None:
                continue
            named.append(f"`{legacy}` (use `{replacement}`)")
            fixes.extend(_fixed(arg, replacement, loaded[key]))
        if not named:
            return
        message = f"torchvision deprecated {' and '.join(named)}: name the weights to load"
        fix_message = "Name the weights `pretrained=` loaded" if fixes else ""
        self.report(node, message, fix=tuple(fixes), fix_message=fix_message)


def _legacy_argument(call: cst.Call, legacy: str) -> cst.Arg | None:
    """The `legacy=` argument, or (for `pretrained`) a literal bool passed first."""
    arg = argument(call, legacy)
    if arg is not None and arg is not UNKNOWN:
        return arg
    if legacy != "pretrained" or arg is UNKNOWN:
        return None
    first = argument(call, legacy, 0)
    if first is None or first is UNKNOWN or literal_bool(first.value) is None:
        return None
    return first


def _fixed(
    arg: cst.Arg, replacement: str, loaded: str | None
) -> tuple[tuple[cst.CSTNode, cst.CSTNode], ...]:
    """Edits to `replacement=` naming what the literal flag loaded; none when not known."""
    flag = literal_bool(arg.value)
    if arg.keyword is None or flag is None or (flag and loaded is None):
        return ()
    value: cst.BaseExpression = cst.SimpleString(f'"{loaded}"') if flag else cst.Name("None")
    return ((arg.keyword, cst.Name(replacement)), (arg.value, value))


def _builder_calls(context: FileContext) -> Iterator[ast.Call]:
    """The calls of a model builder the rule may report (from the screens' shared walk)."""
    for node in context.nodes(ast.Call):
        if _ast_may_report(node):
            name = context.imports.resolve_ast(node.func)
            if name is not None and builder(name) is not None:
                yield node


def _ast_may_report(call: ast.Call) -> bool:
    """A legacy keyword (or a `**` splat that may hold one), or a literal bool first."""
    if any(k.arg in {"pretrained", "pretrained_backbone", None} for k in call.keywords):
        return True
    return bool(call.args) and isinstance(call.args[0], ast.Constant | ast.Starred)
