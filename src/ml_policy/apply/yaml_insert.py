"""Minimal edits to YAML text, placed by the marks of ruamel.yaml's composed nodes.

Used when a file cannot be round-tripped exactly: new lines are inserted
after the last line of a block collection, in that collection's own
indentation, and a one-line scalar is replaced in place; every other byte
stays. The caller checks the result by parsing it (`apply.precommit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class NotEditableError(Exception):
    """The text cannot be edited without rewriting some of it; says why."""


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] with `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SeqStyle:
    """How a block sequence writes its items: the dash column, `- ` width, blank lines."""

    dash: int = 0
    offset: int = 2  # columns from the dash to the item's content
    spaced: bool = False  # items separated by a blank line

    def render(self, lines: list[str]) -> list[str]:
        """One item, from its content `lines` written as if at column 0."""
        head = " " * self.dash + "-" + " " * (self.offset - 1)
        rest = " " * (self.dash + self.offset)
        return [head + lines[0], *(rest + line if line else line for line in lines[1:])]


def compose(text: str) -> Node | None:
    """The document's node tree, with marks (the text was already parsed once)."""
    node: Node | None = YAML().compose(text)
    return node


def apply(text: str, edits: list[Edit]) -> str:
    """`text` with non-overlapping `edits` applied."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def value_of(mapping: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    """The key and value nodes for a plain string key (the last one, as loaders keep)."""
    found = None
    for key_node, value in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            found = key_node, value
    return found


def is_block(node: Node) -> bool:
    """A non-empty block (indented, not [...] or {...}) mapping or sequence."""
    return isinstance(node, MappingNode | SequenceNode) and not node.flow_style and bool(node.value)


def check_owned(parent: Node, child: Node, what: str) -> None:
    """Refuse a node that is an alias or anchored: an edit would show up elsewhere too."""
    inside = parent.start_mark.index <= child.start_mark.index <= parent.end_mark.index
    if not inside or child.anchor is not None:
        raise NotEditableError(f"{what} uses a YAML anchor or alias")


def sequence_style(text: str, node: SequenceNode) -> SeqStyle:
    """The dash column and `- ` width most items use (the last item breaks a tie)."""
    dash = node.start_mark.column
    offsets = [_offset(text, item, dash) for item in node.value]
    offset = max(reversed(offsets), key=offsets.count) if offsets else 2
    return SeqStyle(dash=dash, offset=max(offset, 2), spaced=_spaced(text, node))


def _offset(text: str, item: Node, dash: int) -> int:
    return item.start_mark.column - dash if item.start_mark.column > dash else 2


def _spaced(text: str, node: SequenceNode) -> bool:
    """The last of several items is set off by a blank line."""
    if len(node.value) < 2:
        return False
    start = _line_start(text, node.value[-1].start_mark.index)
    previous = _line_start(text, max(start - 1, 0))
    return start > 0 and not text[previous : start - 1].strip()


def append_lines(text: str, node: Node, lines: list[str], *, blank: bool = False) -> Edit:
    """Insert whole `lines` (already indented) right after `node`'s last line of content."""
    end = content_end(text, node)
    newline = text.find("\n", end)
    block = "".join(f"{line}\n" for line in ([""] if blank else []) + lines)
    if newline == -1:  # the file ends on this line, without a newline: keep it that way
        return Edit(len(text), len(text), "\n" + block.removesuffix("\n"))
    return Edit(newline + 1, newline + 1, block)


def replace_scalar(text: str, node: Node, value: str) -> Edit:
    """Replace a one-line plain or quoted scalar with `value`, in the same quotes."""
    if not isinstance(node, ScalarNode) or node.style not in {None, "'", '"'}:
        raise NotEditableError("the value is not a plain or quoted scalar")
    start, end = node.start_mark.index, node.end_mark.index
    if node.start_mark.line != node.end_mark.line or start == end:
        raise NotEditableError("the value is empty or spans several lines")
    quote = node.style or ""
    return Edit(start, end, f"{quote}{value}{quote}")


def content_end(text: str, node: Node) -> int:
    """Index just past the last character of `node`'s own content (no trailing comments)."""
    if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
        start: int = node.start_mark.index
        end: int = node.end_mark.index
        if _keeps_trailing_lines(text, node):
            return max(end - 1, start)  # its blank lines are part of it
        while end > start and text[end - 1].isspace():
            end -= 1  # a block scalar's mark lies past its trailing blank lines
        return end
    if isinstance(node, SequenceNode):
        last = node.value[-1]
        if last.start_mark.index == last.end_mark.index:
            raise NotEditableError("the last item of a sequence is empty")
        return content_end(text, last)
    if isinstance(node, MappingNode):
        key, value = node.value[-1]
        if value.start_mark.index == value.end_mark.index:  # `key:` with no value
            return content_end(text, key)
        return content_end(text, value)
    raise NotEditableError(f"unexpected YAML node {type(node).__name__}")


def _keeps_trailing_lines(text: str, node: Node) -> bool:
    """A block scalar with the keep indicator (`|+`, `>2+`): trailing blank lines count."""
    if not isinstance(node, ScalarNode) or node.style not in {"|", ">"}:
        return False
    start = node.start_mark.index
    newline = text.find("\n", start)
    header = text[start : newline if newline != -1 else len(text)]
    return "+" in header.partition("#")[0]


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1
