"""Positions of a few libcst nodes, the same as libcst's PositionProvider gives, for less.

PositionProvider (through MetadataWrapper) traverses the module once more and
then generates its code, building a CodeRange for every node and splitting
every token on newlines: on a 256 KB module that took 3.3 s, twice the
parse, and it grew faster than the module. The findings of a file need the
positions of a handful of nodes. This codegen state records only those: the
line and column are counted from the generated text when a wanted node
starts or ends (each token is counted once), and code generation stops once
the last wanted node is done. Everything else is libcst's own code
generation, so the ranges are PositionProvider's (syntactic positions,
`start_node`/`end_node` hoisting and all); tests compare the two on every
node of many modules.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Collection, Iterator, Mapping

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition
from libcst.metadata import CodeRange

NEWLINE = re.compile(r"\r\n?|\n")  # libcst's NEWLINE_RE
NO_OP = contextlib.nullcontext()


class _AllFound(Exception):  # noqa: N818 - control flow, not an error
    """Every wanted node has its position: the rest of the code need not be generated."""


def positions(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[cst.CSTNode, CodeRange]:
    """The PositionProvider range of each of `nodes` (nodes of `module`) by node.

    The engine imports this module only once libcst is loaded (pre-filtered files never
    import libcst).
    """
    return WantedPositions.of(module, nodes).found


class WantedPositions(CodegenState):
    """libcst's codegen state, recording PositionProvider ranges of the wanted nodes only."""

    def __init__(self, indent: str, newline: str, nodes: Collection[cst.CSTNode]) -> None:
        super().__init__(default_indent=indent, default_newline=newline)
        self.wanted = {id(node) for node in nodes}
        self.remaining = len(self.wanted)
        self.found: dict[cst.CSTNode, CodeRange] = {}
        self.starts: list[CodePosition] = []  # of the wanted nodes being generated
        self.counted = 0  # tokens already in line and column
        self.line = 1
        self.column = 0

    @classmethod
    def of(cls, module: cst.Module, nodes: Collection[cst.CSTNode]) -> WantedPositions:
        """The state after generating `module`'s code up to the end of the last wanted node."""
        state = cls(module.default_indent, module.default_newline, nodes)
        if nodes:
            with contextlib.suppress(_AllFound):
                module._codegen(state)  # what PositionProvider itself runs
        return state

    def here(self) -> CodePosition:
        """The position after the tokens generated so far (counting the new ones)."""
        new = self.tokens[self.counted :]
        self.counted = len(self.tokens)
        if new:
            text = "".join(new)
            if "\r" in text:  # "\r" + "\n" in two tokens are two newlines, not one
                for token in new:
                    self._advance(token)
            else:
                self._advance(text)
        return CodePosition(self.line, self.column)

    def _advance(self, text: str) -> None:
        segments = NEWLINE.split(text)
        if len(segments) == 1:
            self.column += len(text)
        else:
            self.line += len(segments) - 1
            self.column = len(segments[-1])

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.starts.append(self.here())

    def after_codegen(self, node: cst.CSTNode) -> None:
        if id(node) not in self.wanted:
            return
        start = self.starts.pop()
        if node not in self.found:  # a syntactic position recorded inside wins
            self.found[node] = CodeRange(start, self.here())
        self.remaining -= 1
        if self.remaining <= 0 and not self.starts:
            raise _AllFound

    def pop_trailing_newline(self) -> None:
        self.here()  # PositionProvider counts the newline before it is popped
        super().pop_trailing_newline()
        self.counted = min(self.counted, len(self.tokens))

    # libcst's is a generator-based context manager for every node; a shared no-op is cheaper.
    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> contextlib.AbstractContextManager[None]:
        if id(node) not in self.wanted:
            return NO_OP
        return self._syntactic(node, start_node, end_node)

    @contextlib.contextmanager
    def _syntactic(
        self, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None
    ) -> Iterator[None]:
        # The hoisted ends come from children generated inside: record those too.
        extra = [n for n in (start_node, end_node) if n is not None and id(n) not in self.wanted]
        self.wanted.update(id(n) for n in extra)
        self.remaining += len(extra)
        start = self.here()
        yield
        end = self.here()
        start = self.found[start_node].start if start_node is not None else start
        end = self.found[end_node].end if end_node is not None else end
        self.found[node] = CodeRange(start, end)


def on_lines(
    ranges: Mapping[cst.CSTNode, CodeRange], line: Callable[[int], int]
) -> dict[cst.CSTNode, CodeRange]:
    """`ranges` with each line number mapped through `line` (columns kept)."""
    return {
        node: CodeRange(
            CodePosition(line(where.start.line), where.start.column),
            CodePosition(line(where.end.line), where.end.column),
        )
        for node, where in ranges.items()
    }
