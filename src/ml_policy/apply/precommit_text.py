"""The ml-policy entry written into .pre-commit-config.yaml as minimal text edits.

For files ruamel.yaml cannot reproduce exactly: the entry goes after the last
item of the `repos:` block sequence, and missing hooks after the last item of
the entry's `hooks:` sequence, each in the indentation its neighbours use
(yaml_insert).
"""

from __future__ import annotations

from collections import Counter

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ml_policy import HOOK_REPO_URL
from ml_policy.apply.precommit_intent import REV, Intent
from ml_policy.apply.yaml_insert import (
    Edit,
    NotEditableError,
    SeqStyle,
    append_lines,
    apply,
    check_owned,
    compose,
    content_end,
    is_block,
    replace_scalar,
    sequence_style,
    value_of,
)

HOOKS_STYLE = SeqStyle(dash=2, offset=2)  # `hooks:` then `  - id: ...`, relative to the key
NEW_REPOS = SeqStyle(dash=2, offset=2)  # a new `repos:` list, as `ml-policy init` writes one


def edit(text: str, intent: Intent) -> str:
    """`text` with the intended changes inserted; NotEditableError when that takes a rewrite."""
    root = compose(text)
    if root is None:  # nothing but comments (and document markers)
        return apply(text, [_at_end(text, ["repos:", *_entry_item(intent.hooks, NEW_REPOS)])])
    if not (isinstance(root, MappingNode) and is_block(root)):
        raise NotEditableError("its top level is not a block mapping of `key: value` lines")
    found = value_of(root, "repos")
    if found is None:
        return apply(text, [_add_repos_key(text, root, intent.hooks)])
    key, repos = found
    check_owned(root, repos, "'repos'")
    if intent.entry is None and _is_empty(repos):  # `repos:` and nothing after it
        indent = " " * key.start_mark.column
        lines = [indent + line for line in _entry_item(intent.hooks, NEW_REPOS)]
        return apply(text, [append_lines(text, key, lines)])
    if not (isinstance(repos, SequenceNode) and is_block(repos)):
        raise NotEditableError(_shape("'repos'", repos))
    if intent.entry is None:
        return apply(text, [_add_entry(text, repos, intent.hooks)])
    return apply(text, _complete_entry(text, repos, intent.entry, intent))


def entry_lines(hooks: list[str], hooks_style: SeqStyle = HOOKS_STYLE) -> list[str]:
    """The ml-policy entry's content lines, as if its keys were at column 0."""
    return [f"repo: {HOOK_REPO_URL}", f"rev: {REV}", "hooks:", *hook_lines(hooks, hooks_style)]


def hook_lines(hooks: list[str], style: SeqStyle, *, flow_items: bool = False) -> list[str]:
    items = [f"{{id: {hook}}}" if flow_items else f"id: {hook}" for hook in hooks]
    return [line for item in items for line in style.render([item])]


def _entry_item(
    hooks: list[str], style: SeqStyle, hooks_style: SeqStyle = HOOKS_STYLE
) -> list[str]:
    return style.render(entry_lines(hooks, hooks_style))


def _at_end(text: str, lines: list[str]) -> Edit:
    block = "".join(f"{line}\n" for line in lines)
    return Edit(len(text), len(text), block if text.endswith("\n") else "\n" + block)


def _add_repos_key(text: str, root: MappingNode, hooks: list[str]) -> Edit:
    """`repos:` with the entry, as the last key of the top-level mapping."""
    column = root.start_mark.column
    lines = ["repos:", *_entry_item(hooks, NEW_REPOS)]
    return append_lines(text, root, [" " * column + line for line in lines])


def _add_entry(text: str, repos: SequenceNode, hooks: list[str]) -> Edit:
    style = sequence_style(text, repos)
    item = _entry_item(hooks, style, _hooks_style(text, repos))
    return append_lines(text, repos, item, blank=style.spaced)


def _hooks_style(text: str, repos: SequenceNode) -> SeqStyle:
    """How the other entries indent their `hooks:` lists (the most common way)."""
    styles = []
    for entry in repos.value:
        found = value_of(entry, "hooks") if isinstance(entry, MappingNode) else None
        if found and isinstance(found[1], SequenceNode) and is_block(found[1]):
            style = sequence_style(text, found[1])
            dash = style.dash - entry.start_mark.column
            styles.append(SeqStyle(dash=dash, offset=style.offset))
    if not styles:
        return HOOKS_STYLE
    counts = Counter(styles)
    return max(reversed(styles), key=lambda style: counts[style])


def _complete_entry(text: str, repos: SequenceNode, index: int, intent: Intent) -> list[Edit]:
    entry = repos.value[index]
    check_owned(repos, entry, "the ml-policy entry")
    if not isinstance(entry, MappingNode):
        raise NotEditableError("the ml-policy entry is not a mapping")
    edits = []
    if intent.set_rev:
        found = value_of(entry, "rev")
        if found is None:
            raise NotEditableError("the ml-policy entry has no rev")
        check_owned(entry, found[1], "its rev")
        edits.append(replace_scalar(text, found[1], REV))
    if intent.missing:
        edits.append(_add_hooks(text, entry, intent.missing))
    if intent.drop:
        edits += _drop_hooks(text, entry, intent.drop)
    return edits


def _drop_hooks(text: str, entry: MappingNode, drop: list[str]) -> list[Edit]:
    """Delete the whole lines of each hook item whose id is in `drop`."""
    found = value_of(entry, "hooks")
    hooks = found[1] if found else None
    if not (isinstance(hooks, SequenceNode) and is_block(hooks)):
        raise NotEditableError("the ml-policy entry's 'hooks' is not a block list")
    edits = []
    for item in hooks.value:
        hook = value_of(item, "id") if isinstance(item, MappingNode) else None
        if hook is None or not isinstance(hook[1], ScalarNode) or hook[1].value not in drop:
            continue
        if item.flow_style or len(item.value) != 1:
            raise NotEditableError("a hook to remove is not a plain `- id: NAME` item")
        start = text.rfind("\n", 0, item.start_mark.index) + 1
        end = text.find("\n", content_end(text, item))
        edits.append(Edit(start, len(text) if end == -1 else end + 1, ""))
    return edits


def _add_hooks(text: str, entry: MappingNode, missing: list[str]) -> Edit:
    found = value_of(entry, "hooks")
    if found is None:
        if not is_block(entry):
            raise NotEditableError(_shape("the ml-policy entry", entry))
        column = entry.start_mark.column
        lines = ["hooks:", *hook_lines(missing, HOOKS_STYLE)]
        return append_lines(text, entry, [" " * column + line for line in lines])
    hooks = found[1]
    check_owned(entry, hooks, "its hooks")
    if not (isinstance(hooks, SequenceNode) and is_block(hooks)):
        raise NotEditableError(_shape("the ml-policy entry's 'hooks'", hooks))
    flow_items = isinstance(hooks.value[-1], MappingNode) and bool(hooks.value[-1].flow_style)
    style = sequence_style(text, hooks)
    return append_lines(text, hooks, hook_lines(missing, style, flow_items=flow_items))


def _is_empty(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.start_mark.index == node.end_mark.index


def _shape(what: str, node: Node) -> str:
    if getattr(node, "flow_style", False):
        return (
            f"{what} is a flow-style [...] or {{...}} collection, which ml-policy does not rewrite"
        )
    if isinstance(node, MappingNode | SequenceNode):
        return f"{what} is empty"
    return f"{what} is not a list"
