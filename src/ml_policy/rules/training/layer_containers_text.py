"""MLC002's text screen: whether a file may put a layer into a plain `self.<name>` container.

Sound, as every text screen must be (`lint/prefilter.py`): it may keep a file the verdict
(`plain_containers.py`) clears, never drop one it reports. A finding needs a `self.<name>`
assigned a plain container (a display, a comprehension, `list()`/`dict()`/`tuple()` or
`OrderedDict()`) and a layer put into it: in that value, or by `.append`/`.insert`/
`.extend` or a `self.<name>[key] = ...` store. A layer is a call of a `torch.nn` layer
or container, of `Parameter`, of a class of the file, or of any name given by `as`, or a
bare name some `name = ...` binds to such a call (or to a value that goes on past its line).
"""

from __future__ import annotations

import re

from ml_policy.lint import textscan
from ml_policy.lint.textscan import IDENTIFIER, starts_word
from ml_policy.rules.hyperparameters.ml_state import CONTAINERS, PARAMETERS, STATEFUL_MODULES

LAYERS = frozenset(name.rsplit(".", 1)[1] for name in STATEFUL_MODULES | CONTAINERS | PARAMETERS)
CONTAINER_CALLS = frozenset({"list", "dict", "tuple"})
# `self.<name> = ` (maybe annotated, parenthesised, continued) before a bracket or a call.
ASSIGNED = re.compile(
    rf"self[\s\\)]*\.[\s\\]*(\w+)[\s\\)]*(?:{textscan.ANNOTATION})?=[\s\\]*"
    rf"(?:([\[{{(])|(?:[\w.]*\.)?(\w+)[\s\\]*(\())"
)
PUT_IN = re.compile(
    r"self[\s\\)]*\.[\s\\]*(\w+)[\s\\)]*"
    r"(?:\.[\s\\]*(?:append|insert|extend)[\s\\)]*(?=\()|(?=\[))"
)
_STORED = re.compile(r"[ \t\\]*=(?!=)([^\n]*)")
_CALLEE = re.compile(rf"({IDENTIFIER})[\s\\)]*\(")
_BARE_NAME = re.compile(rf"(?<![\w.])({IDENTIFIER})(?![\w.(\[])")
_CLASS = re.compile(r"class[ \t]+(\w+)")
_TUPLE_OR_GENERATOR = re.compile(r",|(?<!\w)for(?!\w)")


def may_put_layers_in_self(text: str) -> bool:
    """Whether some layer may go into a plain container held by a `self.<name>`."""
    screen = _Screen(text)
    containers: set[str] = set()
    position = 0
    # Overlapping: `if self.a: self.b = []` also finds `self.b`.
    while (assigned := ASSIGNED.search(text, position)) is not None:
        position = assigned.start() + 1
        opener = assigned.start(2) if assigned.group(2) else assigned.start(4)
        if assigned.group(3) is not None and not screen.container_call(assigned.group(3)):
            continue
        content = textscan.group_at(text, opener)
        if content is None:
            return True
        if assigned.group(2) == "(" and not _is_tuple_or_generator(content):
            continue  # a parenthesised value, not a container
        if screen.may_hold_layers(content):
            return True
        containers.add(assigned.group(1))
    return bool(containers) and any(
        screen.put_in_may_hold(put) for put in PUT_IN.finditer(text) if put.group(1) in containers
    )


def _is_tuple_or_generator(content: str) -> bool:
    top = textscan.top_level(content)
    return not top.strip() or _TUPLE_OR_GENERATOR.search(top) is not None


class _Screen:
    """One file's text and what the screen learns of it on demand."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._layers: frozenset[str] | None = None
        self._ordered_dicts: frozenset[str] | None = None

    def container_call(self, name: str) -> bool:
        if name in CONTAINER_CALLS:
            return True
        if self._ordered_dicts is None:
            # Any `as` name may be OrderedDict renamed (a superset).
            self._ordered_dicts = frozenset({"OrderedDict", *textscan.renamed(self.text)})
        return name in self._ordered_dicts

    def put_in_may_hold(self, put: re.Match[str]) -> bool:
        """`.append(...)`/`.insert`/`.extend`, or `[key] = value`."""
        content = textscan.group_at(self.text, put.end())
        if content is None:
            return True
        if self.text[put.end()] == "(":
            return self.may_hold_layers(content)
        stored = _STORED.match(self.text, put.end() + len(content) + 2)
        return stored is not None and (
            _goes_on(stored.group(1)) or self.may_hold_layers(stored.group(1))
        )

    def may_hold_layers(self, code: str) -> bool:
        # Nested groups and strings made `()`, not a name (` _ ` was looked up as one).
        top = textscan.top_level(code, placeholder=" () ")
        return self._calls_layer(code) or any(
            self._bound_to_layer(name) for name in set(_BARE_NAME.findall(top))
        )

    def _calls_layer(self, code: str) -> bool:
        if self._layers is None:
            local = {*_CLASS.findall(self.text), *textscan.renamed(self.text)}
            self._layers = LAYERS | local
        return any(callee in self._layers for callee in _CALLEE.findall(code))

    def _bound_to_layer(self, name: str) -> bool:
        for binding in re.finditer(rf"{name}[ \t]*=(?!=)([^\n]*)", self.text):
            value = binding.group(1)
            if starts_word(self.text, binding.start()) and (
                _goes_on(value) or self._calls_layer(value)
            ):
                return True
        return False


def _goes_on(line: str) -> bool:
    """Whether a value may go on past its line: a continuation, or brackets left open."""
    opened = sum(line.count(bracket) for bracket in "([{")
    return line.rstrip().endswith("\\") or opened > sum(line.count(b) for b in ")]}")
