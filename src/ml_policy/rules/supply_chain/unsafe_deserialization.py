"""MLS001: a file unpickled by torch.load, joblib, numpy, cloudpickle, dill or pandas."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

from ml_policy.config import Settings
from ml_policy.diagnostics import Applicability
from ml_policy.lint import textscan
from ml_policy.lint.calls import UNKNOWN, Unknown, argument, literal_bool, with_keyword
from ml_policy.lint.lazy import cst
from ml_policy.lint.prefilter import ScreenText
from ml_policy.lint.rule import FileContext
from ml_policy.lint.scopes import Scope
from ml_policy.rules.data_loading.dataloaders import is_test_code
from ml_policy.rules.supply_chain.arguments import string_value
from ml_policy.rules.supply_chain.hub_rule import CollectingRule
from ml_policy.rules.supply_chain.pickle_apis import (
    ALLOW_PICKLE_POSITION,
    CANONICAL,
    LOADS,
    SAVES,
    TO_PICKLE,
    TORCH_LOAD,
    TRIGGERS,
)
from ml_policy.rules.supply_chain.text_screens import LOAD_CALL, imports_module, word_search
from ml_policy.rules.training_loops.loops import body_nodes

_PICKLE_MODULES = frozenset({"pickle", "dill", "cloudpickle"})
_MODULES = ("torch", "joblib", "numpy", "cloudpickle", "dill", "pandas")
# The loads' own names, and the names written before them (`torch` of `torch.load`).
_LOAD_NAMES = tuple(sorted({name.rsplit(".", 1)[1] for name in LOADS}))
_LOAD_MODULES = frozenset(name.rsplit(".", 2)[-2] for name in LOADS)


class UnsafeDeserialization(CollectingRule):
    """## What it does
    Checks for files unpickled by `torch.load` without `weights_only=True`
    (where it unpickles by default: torch older than 2.6, or an explicit
    `weights_only=False`), `joblib.load`, `numpy.load(..., allow_pickle=True)`,
    `cloudpickle.load(s)`, `dill.load(s)` and `pandas.read_pickle`.

    ## Why is this bad?
    Unpickling runs code: a pickle names functions to call while it is
    read, so a crafted checkpoint, cache or dataset file runs whatever its
    author wants, with your credentials and data. Model files are downloaded,
    shared and mirrored; `weights_only=True` (torch's safe unpickler, the
    default since torch 2.6) loads tensors and plain containers only.

    Which torch applies is read from the repository's declared requirements
    (`pyproject.toml`, `setup.cfg`, `setup.py`, conda environments,
    requirements files, in the file's folder or the nearest folder above it
    that declares torch, up to the settings root). A `torch.load` without
    `weights_only` is reported only when every declared torch is older than
    2.6; when the declared torch is unknown or newer, only an explicit
    `weights_only=False` is.

    Silent when the file is a literal local path that the same module writes
    (`torch.save(state, "cache.pt")` ... `torch.load("cache.pt")`), for bytes
    just pickled (`dill.loads(dill.dumps(x))`) and for `cloudpickle.loads` /
    `dill.loads` in `__setstate__` (an object's own state, as its
    `__getstate__` pickled it); when `weights_only` or `allow_pickle` is not a
    literal, or a `**kwargs` could pass it (unless the function itself sets
    `kwargs["weights_only"] = False`, with `setdefault` or `update` too: a
    wrapper that turns the safe unpickler off for its callers); when
    `torch.load` is given its own
    `pickle_module=` (often a restricted unpickler); and in tests and test
    helpers, which load the fixtures and files they write.

    Plain `pickle.load` is Ruff's `S301`, and bandit's `B614` (`torch.load`)
    is left to this rule, which knows the torch version.

    ## Example
    ```python
    import torch

    state = torch.load(path, weights_only=False)
    ```

    ## Use instead
    ```python
    import torch

    state = torch.load(path, weights_only=True)
    ```

    ## Fix
    For `torch.load`: adds `weights_only=True` (or turns a literal `False`
    into `True`). Unsafe: a checkpoint holding more than tensors and plain
    containers (an optimizer object, a custom class) no longer loads until its
    classes are allowed with `torch.serialization.add_safe_globals`.

    ## References
    - [torch.load and weights_only](https://pytorch.org/docs/stable/notes/serialization.html#weights-only)
    - [Python: pickle is not secure](https://docs.python.org/3/library/pickle.html)
    - [joblib: persistence security](https://joblib.readthedocs.io/en/stable/persistence.html)
    - [numpy.load allow_pickle](https://numpy.org/doc/stable/reference/generated/numpy.load.html)
    - [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
    """

    code = "MLS001"
    cheap_on_tree = True
    name = "unsafe-deserialization"
    summary = "File unpickled (`torch.load` without `weights_only=True`, joblib, dill, ...)"
    fix_applicability: ClassVar[Applicability | None] = Applicability.UNSAFE
    triggers: ClassVar[tuple[str, ...]] = TRIGGERS
    valid: ClassVar[tuple[str, ...]] = (
        """
        import joblib
        import numpy as np
        import torch

        a = torch.load(path, weights_only=True)
        b = torch.load(path, weights_only=args.trusted)
        c = np.load(path)
        d = np.load(path, allow_pickle=False)
        torch.save(state, "cache/state.pt")
        e = torch.load("cache/state.pt", weights_only=False)
        joblib.dump(model, "model.joblib")
        f = joblib.load("model.joblib")
        """,
        """
        import torch

        state = torch.load(path)  # unknown torch (no requirements): not reported
        """,
        """
        import torch


        def torch_load(*args, **kwargs):
            kwargs.setdefault("weights_only", True)
            return torch.load(*args, **kwargs)


        def other(path, **kwargs):
            def inner():
                kwargs["weights_only"] = False  # another function's statement

            return torch.load(path, **kwargs)
        """,
    )
    invalid: ClassVar[tuple[str, ...]] = (
        """
        import dill
        import joblib
        import numpy
        import pandas as pd
        from torch import load

        a = load(path, map_location="cpu", weights_only=False)  # error
        b = joblib.load(path)  # error
        c = numpy.load(path, None, True)  # error
        d = pd.read_pickle("downloaded/frame.pkl")  # error
        e = dill.loads(payload)  # error
        f = load(path, **{"weights_only": False})  # error
        """,
        """
        import torch


        def torch_load(*args, **kwargs):
            if "weights_only" not in kwargs:
                kwargs["weights_only"] = False
            return torch.load(*args, **kwargs)  # error


        def load_state(path, **options):
            options.setdefault("weights_only", False)
            return torch.load(path, **options)  # error
        """,
    )

    @classmethod
    def applies_to(cls, path: Path, settings: Settings) -> bool:
        return not is_test_code(path)  # tests load the fixtures and files they write

    @classmethod
    def text_screen(cls, text: ScreenText) -> bool:
        if not text.exact:
            return True
        if not word_search(LOAD_CALL, text.raw):
            return False
        if not any(imports_module(text.raw, module) for module in _MODULES):
            return False
        # `torch.load(`, `np.load(` (an `as` name), a bare `load(`; not `json.load(`.
        code = text.text
        return textscan.calls_following(code, _LOAD_NAMES, _LOAD_MODULES) or textscan.imported_as(
            code, _LOAD_NAMES
        )

    @classmethod
    def screen_context(cls, context: FileContext) -> bool:
        return any(_candidate(node, context) for node in context.nodes(ast.Call))

    @classmethod
    def places(cls, context: FileContext) -> Iterator[ast.Call]:
        # A load's verdict reads the paths the module's saves write: the saves are places too.
        for node in context.nodes(ast.Call):
            if _candidate(node, context) or _may_save(node, context):
                yield node

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.saves: list[tuple[cst.Call, Scope, int, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        name = self._name(node)
        if name in LOADS:
            self.keep(node)
            return
        where = SAVES.get(name or "")
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == TO_PICKLE[0]:
            where = TO_PICKLE[1:]
        if where is not None:
            self.saves.append((node, self.scope, *where))

    def _name(self, call: cst.Call) -> str | None:
        name = self.resolve(call.func)
        return None if name is None else CANONICAL.get(name, name)

    def finish(self) -> None:
        written = self._written()
        for call, scope in self.calls:
            name = self._name(call)
            if name is None or self._reads_own_data(call, scope, name, written):
                continue
            if name == TORCH_LOAD:
                self._torch_load(call, scope)
            elif name != "numpy.load" or self._allows_pickle(call, scope):
                self.report(call, _message(name))

    def _written(self) -> set[str]:
        """The literal paths the module's own save calls write."""
        found: set[str] = set()
        for call, scope, position, keyword in self.saves:
            target = argument(call, keyword, position)
            text = string_value(target.value, scope) if isinstance(target, cst.Arg) else None
            if text is not None:
                found.add(text)
        return found

    def _reads_own_data(self, call: cst.Call, scope: Scope, name: str, written: set[str]) -> bool:
        """A literal path the module writes, bytes it has just pickled (`loads(dumps(x))`),
        or an object's own state in `__setstate__` (what its `__getstate__` pickled)."""
        load = LOADS[name]
        if load.position is None:
            return self._own_bytes(call, scope)
        source = argument(call, load.keyword, load.position)
        return isinstance(source, cst.Arg) and string_value(source.value, scope) in written

    def _own_bytes(self, call: cst.Call, scope: Scope) -> bool:
        payload = call.args[0].value if call.args else None
        if isinstance(payload, cst.Call) and (self.resolve(payload.func) or "").endswith("dumps"):
            return True
        function = scope.function()
        node = function.node if function else None
        return isinstance(node, cst.FunctionDef) and node.name.value == "__setstate__"

    def _allows_pickle(self, call: cst.Call, scope: Scope) -> bool:
        value = self.keyword(call, "allow_pickle", scope)
        if value is None:
            positional = argument(call, "allow_pickle", ALLOW_PICKLE_POSITION)
            value = positional.value if isinstance(positional, cst.Arg) else positional
        return isinstance(value, cst.BaseExpression) and literal_bool(value) is True

    def _torch_load(self, call: cst.Call, scope: Scope) -> None:
        unpickler = self.keyword(call, "pickle_module", scope)
        value = self.keyword(call, "weights_only", scope)
        if value is UNKNOWN and unpickler is UNKNOWN and _splat_set_false(call, scope):
            # A wrapper that turns the safe unpickler off: its own default path unpickles
            # (a caller's `pickle_module=` through the same dict is not this default).
            self.report(
                call,
                "`torch.load(..., **kwargs)` where this function sets `weights_only` to False in "
                "the dict: the file is unpickled, and a crafted file runs code",
            )
            return
        if unpickler is not None and _custom_unpickler(unpickler, self.resolve):
            return  # its own (often restricted) Unpickler: not judged here
        if value is None:
            if self._unpickles_by_default():
                fixed = with_keyword(call, "weights_only", "True")
                self.report(
                    call,
                    "`torch.load` without `weights_only=True` under the declared torch (older "
                    "than 2.6, where it unpickles by default): a crafted file runs code",
                    fix=((call, fixed),),
                    fix_message="Add `weights_only=True`",
                )
            return
        if value is UNKNOWN or literal_bool(value) is not False:
            return
        direct = argument(call, "weights_only")
        fix: tuple[tuple[cst.CSTNode, cst.CSTNode], ...] = ()
        if isinstance(direct, cst.Arg) and direct.value is value:
            fix = ((direct, direct.with_changes(value=cst.Name("True"))),)
        self.report(
            call,
            "`torch.load(..., weights_only=False)` unpickles the file: a crafted file runs code",
            fix=fix,
            fix_message="Set `weights_only=True`" if fix else "",
        )

    def _unpickles_by_default(self) -> bool:
        return self.context.fact(_unpickles_by_default)


def _splat_set_false(call: cst.Call, scope: Scope) -> bool:
    """Whether the function around the call sets `weights_only` to a literal False in a
    dict it passes with `**` (`kwargs["weights_only"] = False`, or `.setdefault`/`.update`)."""
    function = scope.function()
    node = function.node if function is not None else None
    splatted = {
        a.value.value for a in call.args if a.star == "**" and isinstance(a.value, cst.Name)
    }
    if not isinstance(node, cst.FunctionDef) or not splatted:
        return False
    return any(_sets_false(statement, splatted) for statement in body_nodes(node))


def _sets_false(node: cst.CSTNode, names: set[str]) -> bool:
    if isinstance(node, cst.Assign) and literal_bool(node.value) is False:
        return any(_weights_only_item(target.target, names) for target in node.targets)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        owner = node.func.value
        if not (isinstance(owner, cst.Name) and owner.value in names):
            return False
        if node.func.attr.value == "setdefault" and len(node.args) == 2:
            key, value = node.args
            return _is_weights_only(key.value) and literal_bool(value.value) is False
        if node.func.attr.value == "update":
            return any(
                arg.keyword is not None
                and arg.keyword.value == "weights_only"
                and literal_bool(arg.value) is False
                for arg in node.args
            )
    return False


def _weights_only_item(target: cst.BaseExpression, names: set[str]) -> bool:
    """`kwargs["weights_only"]` for one of `names`."""
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return False
    index = target.slice[0].slice
    owner = target.value
    return (
        isinstance(owner, cst.Name)
        and owner.value in names
        and isinstance(index, cst.Index)
        and _is_weights_only(index.value)
    )


def _is_weights_only(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == "weights_only"


def _custom_unpickler(
    value: cst.BaseExpression | Unknown, resolve: Callable[[cst.BaseExpression], str | None]
) -> bool:
    """Whether `pickle_module=` is something other than pickle, dill or cloudpickle."""
    return isinstance(value, Unknown) or resolve(value) not in _PICKLE_MODULES


def _message(name: str) -> str:
    call = "numpy.load(..., allow_pickle=True)" if name == "numpy.load" else name
    return (
        f"`{call}` unpickles its input: a crafted file runs code when it is loaded; "
        "load only files this program wrote, or use a format that holds data only"
    )


def _candidate(call: ast.Call, context: FileContext) -> bool:
    """A load call that `finish` may report (the screen)."""
    name = context.imports.resolve_ast(call.func)
    name = None if name is None else CANONICAL.get(name, name)
    if name not in LOADS:
        return False
    if name == TORCH_LOAD:  # no `weights_only` counts only under a torch that unpickles
        return _keyword_may_be(call, "weights_only", False, absent=False) or (
            _keyword_may_be(call, "weights_only", False, absent=True)
            and context.fact(_unpickles_by_default)
        )
    if name == "numpy.load":
        if len(call.args) > ALLOW_PICKLE_POSITION:
            given = call.args[ALLOW_PICKLE_POSITION]
            return isinstance(given, ast.Constant) and given.value is True
        return _keyword_may_be(call, "allow_pickle", True, absent=False)
    return True


def _may_save(call: ast.Call, context: FileContext) -> bool:
    """A call that `_written` may read a path from."""
    if isinstance(call.func, ast.Attribute) and call.func.attr == TO_PICKLE[0]:
        return True
    name = context.imports.resolve_ast(call.func)
    return name is not None and CANONICAL.get(name, name) in SAVES


def _unpickles_by_default(context: FileContext) -> bool:
    """Whether the torch the file's folders declare unpickles in `torch.load` by default."""
    from ml_policy.rules.supply_chain.torch_pin import TorchDefault, torch_load_default

    found = torch_load_default(context.path, context.settings.root)
    return found is TorchDefault.UNPICKLES


def _keyword_may_be(call: ast.Call, keyword: str, value: bool, absent: bool) -> bool:
    """Whether `keyword=` may be the literal `value` (or missing, when `absent` counts)."""
    for item in call.keywords:
        if item.arg == keyword:
            return isinstance(item.value, ast.Constant) and item.value.value is value
    if any(item.arg is None for item in call.keywords):
        return True  # a `**` dict may pass it
    return absent
