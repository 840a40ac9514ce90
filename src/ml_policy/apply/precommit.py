"""Merge the bundle's hooks into .pre-commit-config.yaml, keeping the user's file.

The ml-policy repository entry is added (or completed with missing hooks);
every other repository, comment and setting is left as it was. ruamel.yaml
round-trips the file; if it cannot reproduce the file exactly (unusual
indentation), ml-policy refuses to edit it rather than reformat it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from ml_policy import HOOK_REPO_URL, __version__
from ml_policy.apply.plan import Action, Change, FilePlan
from ml_policy.apply.textfile import InputError, TextStyle, read_text
from ml_policy.bundles import Bundle

REV = f"v{__version__}"


def plan_precommit(path: Path, bundle: Bundle, *, force: bool) -> tuple[FilePlan, TextStyle]:
    """The merged .pre-commit-config.yaml and its changes, without writing anything."""
    before, style = read_text(path)
    hooks = bundle.hook_ids()
    if before is None or not before.strip():
        after = new_config(bundle.ref, hooks)
        return FilePlan(
            path,
            before,
            after,
            [Change("repos[ml-policy]", Action.ADD, f"{len(hooks)} hooks at {REV}")],
        ), style
    yaml, document = _load(path, before)
    changes = _merge(document, hooks, force=force)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return FilePlan(path, before, buffer.getvalue(), changes), style


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


def _load(path: Path, text: str) -> tuple[YAML, Any]:
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
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise InputError(path, f"invalid YAML: {error.problem or error.context}", line) from None
    except YAMLError as error:
        raise InputError(path, f"invalid YAML: {error}") from None
    if not isinstance(document, CommentedMap):
        raise InputError(path, "expected a mapping with a 'repos' list at the top level")
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    if buffer.getvalue() != text:
        raise InputError(
            path,
            "its indentation cannot be reproduced exactly, so ml-policy will not edit it; "
            f"add the ml-policy repository at rev {REV} by hand (`ml-policy init --diff` shows it)",
        )
    return yaml, document


def _merge(document: CommentedMap, hooks: list[str], *, force: bool) -> list[Change]:
    repos = document.setdefault("repos", CommentedSeq())
    if not isinstance(repos, list):
        raise InputError(Path(".pre-commit-config.yaml"), "'repos' must be a list")
    entry = next((r for r in repos if isinstance(r, dict) and _is_ours(r.get("repo"))), None)
    if entry is None:
        repos.append(_entry(hooks))
        return [Change("repos[ml-policy]", Action.ADD, f"{len(hooks)} hooks at {REV}")]
    changes = [_merge_rev(entry, force=force)]
    present = {
        h.get("id") for h in entry.setdefault("hooks", CommentedSeq()) if isinstance(h, dict)
    }
    for hook in hooks:
        if hook in present:
            changes.append(Change(f"repos[ml-policy].hooks[{hook}]", Action.UNCHANGED))
        else:
            entry["hooks"].append(CommentedMap(id=hook))
            changes.append(Change(f"repos[ml-policy].hooks[{hook}]", Action.ADD))
    return changes


def _merge_rev(entry: dict[str, Any], *, force: bool) -> Change:
    current = str(entry.get("rev", ""))
    if current == REV:
        return Change("repos[ml-policy].rev", Action.UNCHANGED)
    if force:
        entry["rev"] = REV
        return Change("repos[ml-policy].rev", Action.FORCED, f"{current} -> {REV}")
    return Change(
        "repos[ml-policy].rev",
        Action.CONFLICT,
        f"yours {current}, installed ml-policy is {REV}; "
        "kept yours (--force, or `ml-policy upgrade`)",
    )


def _is_ours(url: object) -> bool:
    return isinstance(url, str) and url.rstrip("/").removesuffix(".git") == HOOK_REPO_URL


def _entry(hooks: list[str]) -> CommentedMap:
    return CommentedMap(
        repo=HOOK_REPO_URL, rev=REV, hooks=CommentedSeq(CommentedMap(id=h) for h in hooks)
    )
