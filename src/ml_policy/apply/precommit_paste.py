"""The text a user pastes when .pre-commit-config.yaml cannot be edited (Action.MANUAL).

Each wanted change (the ml-policy entry, its rev, its missing hooks) becomes a
MANUAL change whose `paste` is ready to copy: block lines for a block list,
a `{...}` item for a flow-style `[...]` list.
"""

from __future__ import annotations

from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from ml_policy import HOOK_REPO_URL
from ml_policy.apply import precommit_text
from ml_policy.apply.plan import Action, Change
from ml_policy.apply.precommit_intent import KEY, REV, Intent
from ml_policy.apply.yaml_insert import SeqStyle, compose, value_of


def manual(text: str, intent: Intent, reason: str, *, has_repos: bool) -> list[Change]:
    """The plan when the file cannot be edited: each wanted edit as text to paste."""
    flow = in_flow(text, intent)
    made = {Action.ADD, Action.FORCED, Action.UPDATED, Action.REMOVED}
    changes = [c for c in intent.changes if c.action not in made]
    why = f"not edited because {reason}"
    if intent.add_entry:
        changes.append(_entry(intent.hooks, why, flow=flow, has_repos=has_repos))
    if intent.set_rev:
        changes.append(Change(f"{KEY}.rev", Action.MANUAL, f"{why}: set it by hand", f"rev: {REV}"))
    if intent.missing:
        paste = _hooks(intent.missing, flow=flow)
        changes.append(
            Change(f"{KEY}.hooks", Action.MANUAL, f"{why}: add these to its hooks by hand", paste)
        )
    if intent.drop:
        paste = "\n".join(f"- id: {hook}" for hook in intent.drop)
        detail = f"{why}: take these out of its hooks by hand"
        changes.append(Change(f"{KEY}.hooks", Action.MANUAL, detail, paste))
    return changes


def in_flow(text: str, intent: Intent) -> bool:
    """Whether the text to paste goes into a [...] or {...} collection (flow style)."""
    try:
        root = compose(text)
    except YAMLError:
        return False
    if not isinstance(root, MappingNode):
        return False
    found = value_of(root, "repos")
    target: Node = found[1] if found else root
    if found and intent.entry is not None and isinstance(target, SequenceNode):
        entry = target.value[intent.entry] if intent.entry < len(target.value) else None
        hooks = value_of(entry, "hooks") if isinstance(entry, MappingNode) else None
        target = hooks[1] if hooks else entry or target
    return bool(getattr(target, "flow_style", False))


def flow_entry(hooks: list[str]) -> str:
    """The entry as one flow mapping, for a `repos: [...]` list."""
    items = ", ".join(f"{{id: {hook}}}" for hook in hooks)
    return f"{{repo: {HOOK_REPO_URL}, rev: {REV}, hooks: [{items}]}}"


def _entry(hooks: list[str], why: str, *, flow: bool, has_repos: bool) -> Change:
    if flow:
        item = flow_entry(hooks)
        paste = item if has_repos else f"repos: [{item}]"
    else:
        style = SeqStyle(dash=0) if has_repos else precommit_text.NEW_REPOS
        item = "\n".join(style.render(precommit_text.entry_lines(hooks)))
        paste = item if has_repos else f"repos:\n{item}"
    where = "add this item to 'repos' by hand" if has_repos else "add this key by hand"
    return Change(KEY, Action.MANUAL, f"{why}: {where}", paste)


def _hooks(hooks: list[str], *, flow: bool) -> str:
    if flow:
        return ", ".join(f"{{id: {hook}}}" for hook in hooks)
    return "\n".join(f"- id: {hook}" for hook in hooks)
