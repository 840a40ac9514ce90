"""Merge the bundle's hooks into .pre-commit-config.yaml, keeping the user's file.

The ml-policy repository entry is added (or completed with missing hooks);
every other repository, comment and setting is left as it was. ruamel.yaml
round-trips the file when it reproduces it exactly; otherwise the entry is
inserted as text, in the indentation the file uses (precommit_text). Either
way the result must load as the old content plus the entry, or it is not
written. Where no edit can be made (a `repos: [...]` flow list, anchors), the
plan asks the user to paste the exact text (precommit_paste, Action.MANUAL);
the other files are still merged.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from ml_policy import HOOK_REPO_URL, bundles
from ml_policy.apply import precommit_paste, precommit_text
from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.apply.precommit_intent import KEY, REV, Intent, expected, intend
from ml_policy.apply.textfile import InputError, TextStyle, read_text
from ml_policy.apply.yaml_insert import NotEditableError


def plan_precommit(
    path: Path, bundle: bundles.Bundle, *, force: bool
) -> tuple[FilePlan, TextStyle]:
    """The merged .pre-commit-config.yaml and its changes, without writing anything."""
    before, style = read_text(path)
    hooks = bundle.hook_ids()
    if before is None or not before.strip():
        after = new_config(bundle.ref, hooks)
        return FilePlan(
            path, before, after, [Change(KEY, Action.ADD, f"{len(hooks)} hooks at {REV}")]
        ), style
    data = load(path, before)
    intent = intend(path, data, hooks, our_hook_ids(hooks), force=force)
    return plan_intent(path, before, data, intent), style


def load(path: Path, text: str) -> dict[Any, Any]:
    """The file's top-level mapping (empty for a file of comments only)."""
    data = _parse(path, text)
    if data is not None and not isinstance(data, dict):
        raise InputError(path, "expected a mapping with a 'repos' list at the top level")
    return data or {}


def plan_intent(path: Path, before: str, data: dict[Any, Any], intent: Intent) -> FilePlan:
    """The file with `intent`'s edits made, or the text to paste when they cannot be."""
    if not intent.edits:
        return FilePlan(path, before, before, intent.changes)
    try:
        after = _edited(path, before, intent, expected(data, intent))
    except NotEditableError as reason:
        changes = precommit_paste.manual(before, intent, str(reason), has_repos="repos" in data)
        return FilePlan(path, before, before, changes)
    return FilePlan(path, before, after, intent.changes)


def new_config(bundle_ref: str, hooks: list[str]) -> str:
    lines = [
        "# pre-commit hooks (https://pre-commit.com). The ml-policy entry pins Ruff, mypy,",
        f"# bandit, their configuration and the ML rules together ({bundle_ref}).",
        "repos:",
        f"  - repo: {HOOK_REPO_URL}",
        f"    rev: {REV}",
        "    hooks:",
        *(f"      - id: {hook}" for hook in hooks),
    ]
    return "\n".join(lines) + "\n"


def our_hook_ids(hooks: list[str]) -> set[str]:
    """Every hook id an ml-policy entry can run: the bundle's and every other bundle's."""
    return set(hooks).union(*(bundle.hook_ids() for bundle in bundles.all_bundles()))


def _edited(path: Path, text: str, intent: Intent, wanted: dict[Any, Any]) -> str:
    """The edited text, round-tripped if possible, else by insertion; checked by loading it."""
    after = _round_trip(text, intent)
    if after is not None and _loads_as(path, after, wanted):
        return after
    after = precommit_text.edit(text, intent)
    if not _loads_as(path, after, wanted):
        raise NotEditableError("an insertion would change how the rest of the file reads")
    return after


def _loads_as(path: Path, text: str, wanted: dict[Any, Any]) -> bool:
    try:
        return bool(_parse(path, text) == wanted)
    except InputError:
        return False


def _parse(path: Path, text: str) -> Any:
    """The file's content as plain data (what pre-commit's loader sees)."""
    try:
        return YAML(typ="safe").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = str(error.problem or error.context)
        if "'\\t'" in problem:
            problem += " (a tab outside a quoted or block string: replace the tab with spaces)"
        raise InputError(path, f"invalid YAML: {problem}", line) from None
    except YAMLError as error:
        raise InputError(path, f"invalid YAML: {error}") from None


def _round_trip(text: str, intent: Intent) -> str | None:
    """The edit made by ruamel.yaml, when it reproduces the unedited file byte for byte."""
    loaded = _load_exact(text)
    if loaded is None:
        return None
    yaml, document = loaded
    repos = document.get("repos")
    if intent.entry is None:
        entry = CommentedMap(repo=HOOK_REPO_URL, rev=REV)
        entry["hooks"] = CommentedSeq(CommentedMap(id=hook) for hook in intent.hooks)
        if repos is None:
            document["repos"] = repos = CommentedSeq()
        repos.append(entry)
    else:
        entry = repos[intent.entry]
        if intent.set_rev:
            entry["rev"] = REV
        if intent.drop:
            hooks = entry["hooks"]
            for index in reversed(range(len(hooks))):
                if isinstance(hooks[index], dict) and hooks[index].get("id") in intent.drop:
                    del hooks[index]
        if intent.missing:
            if entry.get("hooks") is None:
                entry["hooks"] = CommentedSeq()
            entry["hooks"].extend(CommentedMap(id=hook) for hook in intent.missing)
    return _dump(yaml, document)


def _load_exact(text: str) -> tuple[YAML, CommentedMap] | None:
    try:
        _, indent, offset = load_yaml_guess_indent(text)
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096  # never re-wrap the user's long lines
        yaml.indent(
            mapping=2 if indent is None else indent,
            sequence=4 if indent is None else indent,
            offset=2 if offset is None else offset,
        )
        document = yaml.load(text)
    except YAMLError:
        return None
    if not isinstance(document, CommentedMap) or _dump(yaml, document) != text:
        return None
    return yaml, document


def _dump(yaml: YAML, document: CommentedMap) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()
