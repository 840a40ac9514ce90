"""What init means to change in .pre-commit-config.yaml, decided on the parsed data.

The ml-policy entry is recognised by its hook ids, whatever its `repo:` is
(the canonical URL, a mirror, a fork, `local`, a path), so a repository never
gets a second entry. Only an entry with the canonical URL is kept in step:
its `rev:` compared, its missing hooks added; any other is reported and left
to its owner. `expected` is what a loader must read after the edit: the check
that an edit changed nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ml_policy import HOOK_REPO_URL, __version__
from ml_policy.apply.plan import Action, Change
from ml_policy.apply.textfile import InputError

REV = f"v{__version__}"
KEY = "repos[ml-policy]"


@dataclass
class Intent:
    """The edits init wants: a new entry, or a rev and hooks for the existing one."""

    hooks: list[str]  # the bundle's hooks
    changes: list[Change]
    entry: int | None = None  # index of the ml-policy entry in `repos`; None: add one
    set_rev: bool = False
    missing: list[str] = field(default_factory=list)  # hooks to add to the entry
    drop: list[str] = field(default_factory=list)  # hooks to take out of it (upgrade)

    @property
    def add_entry(self) -> bool:
        return self.entry is None

    @property
    def edits(self) -> bool:
        return self.add_entry or self.set_rev or bool(self.missing) or bool(self.drop)


def intend(
    path: Path, data: dict[Any, Any], hooks: list[str], ours: Iterable[str], *, force: bool
) -> Intent:
    """What to change, given the file's parsed content and every hook id ml-policy ships."""
    repos = data.get("repos")
    if repos is None:
        return Intent(hooks, [Change(KEY, Action.ADD, f"{len(hooks)} hooks at {REV}")])
    if not isinstance(repos, list):
        raise InputError(path, "'repos' must be a list")
    twins = twin_hook_notes(repos, hooks)
    index = find_entry(repos, set(ours))
    if index is None:
        return Intent(hooks, [Change(KEY, Action.ADD, f"{len(hooks)} hooks at {REV}"), *twins])
    entry = repos[index]
    present = hook_ids(path, entry)
    missing = [hook for hook in hooks if hook not in present]
    if not is_canonical(entry.get("repo")):
        notes = [*_other_source(entry.get("repo"), missing), *twins]
        return Intent(hooks, notes, entry=index)
    rev_change = _rev_change(entry, force=force)
    changes = [rev_change] + [
        Change(f"{KEY}.hooks[{hook}]", Action.ADD if hook in missing else Action.UNCHANGED)
        for hook in hooks
    ]
    set_rev = rev_change.action is Action.FORCED
    changes += twins
    return Intent(hooks, changes, entry=index, set_rev=set_rev, missing=missing)


# The upstream hook repositories of the tools the ml-policy hooks wrap: (repository path, ids,
# the ml-policy hook that runs the same tool, pinned, with the baseline).
_TWINS = (
    ("astral-sh/ruff-pre-commit", {"ruff", "ruff-check"}, "ml-policy-ruff"),
    ("charliermarsh/ruff-pre-commit", {"ruff", "ruff-check"}, "ml-policy-ruff"),
    ("astral-sh/ruff-pre-commit", {"ruff-format"}, "ml-policy-ruff-format"),
    ("charliermarsh/ruff-pre-commit", {"ruff-format"}, "ml-policy-ruff-format"),
    ("pre-commit/mirrors-mypy", {"mypy"}, "ml-policy-mypy"),
    ("pycqa/bandit", {"bandit"}, "ml-policy-bandit"),
    ("yelp/detect-secrets", {"detect-secrets"}, "ml-policy-secrets"),
)


def twin_hook_notes(repos: list[Any], hooks: list[str]) -> list[Change]:
    """Notes for the repository's own hooks of a tool the bundle also runs: they read the
    configuration init merges, at their own version and without the baseline."""
    notes = []
    for entry in repos:
        if not isinstance(entry, dict) or not isinstance(entry.get("repo"), str):
            continue
        path = entry["repo"].rstrip("/").removesuffix(".git").lower()
        for upstream, ids, ours in _TWINS:
            theirs = [h for h in hook_list(entry) if _id(h) in ids]
            if not path.endswith("/" + upstream) or not theirs or ours not in hooks:
                continue
            names = ", ".join(str(_id(h)) for h in theirs)
            notes.append(
                Change(
                    f"repos[{upstream}]",
                    Action.NOTE,
                    f"your own {names} hook ({upstream} {entry.get('rev', '')}) reads the "
                    "settings init merges too, at its own version and without the baseline: "
                    f"it will fail on what {ours} accepts; remove it ({ours} runs the "
                    "pinned tool)",
                )
            )
    return notes


def hook_list(entry: dict[Any, Any]) -> list[Any]:
    hooks = entry.get("hooks")
    return hooks if isinstance(hooks, list) else []


def find_entry(repos: list[Any], ours: set[str]) -> int | None:
    """The ml-policy entry: the canonical URL first, else the first that runs our hooks."""
    entries = [(i, r) for i, r in enumerate(repos) if isinstance(r, dict)]
    for index, entry in entries:
        if is_canonical(entry.get("repo")):
            return index
    for index, entry in entries:
        hooks = entry.get("hooks")
        if isinstance(hooks, list) and any(_id(hook) in ours for hook in hooks):
            return index
    return None


def is_canonical(url: object) -> bool:
    return (
        isinstance(url, str)
        and url.rstrip("/").removesuffix(".git").lower() == HOOK_REPO_URL.lower()
    )


def new_entry(hooks: list[str]) -> dict[str, Any]:
    return {"repo": HOOK_REPO_URL, "rev": REV, "hooks": [{"id": hook} for hook in hooks]}


def expected(data: dict[Any, Any], intent: Intent) -> dict[Any, Any]:
    """`data` as a loader must read it after the edits (shared nodes are not followed)."""
    result = dict(data)
    repos = list(result.get("repos") or [])
    if intent.entry is None:
        repos.append(new_entry(intent.hooks))
    else:
        entry = dict(repos[intent.entry])
        if intent.set_rev:
            entry["rev"] = REV
        hooks = [h for h in entry.get("hooks") or [] if _id(h) not in intent.drop]
        if intent.missing or intent.drop:
            entry["hooks"] = [*hooks, *({"id": h} for h in intent.missing)]
        repos[intent.entry] = entry
    result["repos"] = repos
    return result


def _id(hook: object) -> object:
    return hook.get("id") if isinstance(hook, dict) else None


def hook_ids(path: Path, entry: dict[Any, Any]) -> set[object]:
    hooks = entry.get("hooks")
    if hooks is None:
        return set()
    if not isinstance(hooks, list):
        raise InputError(path, "the 'hooks' of the ml-policy repository must be a list")
    return {_id(hook) for hook in hooks}


def _rev_change(entry: dict[Any, Any], *, force: bool) -> Change:
    current = entry.get("rev")
    if current is None:
        return Change(
            f"{KEY}.rev", Action.CONFLICT, f"your entry has no rev: add `rev: {REV}` by hand"
        )
    if str(current) == REV:
        return Change(f"{KEY}.rev", Action.UNCHANGED)
    if force:
        return Change(f"{KEY}.rev", Action.FORCED, f"{current} -> {REV}")
    return Change(
        f"{KEY}.rev",
        Action.CONFLICT,
        f"yours {current}, installed ml-policy is {REV}; kept yours "
        f"(`ml-policy init --force` sets {REV}, as it takes the bundle's value "
        "for every conflict; or edit rev by hand)",
    )


def _other_source(url: object, missing: list[str]) -> list[Change]:
    """Notes for an entry that runs our hooks from elsewhere: init does not edit it."""
    source = "`repo: local`" if url == "local" else f"repo {url}"
    notes = [
        Change(
            KEY,
            Action.NOTE,
            f"the ml-policy hooks run from {source}; init leaves its repo and rev as they "
            f"are (this ml-policy is {REV} from {HOOK_REPO_URL})",
        )
    ]
    if missing:
        how = (
            "copy their definitions from ml-policy's .pre-commit-hooks.yaml"
            if url == "local"
            else "add them if that repository has them"
        )
        notes.append(
            Change(
                f"{KEY}.hooks",
                Action.NOTE,
                f"the bundle also runs {', '.join(missing)}, missing from {source}: {how}",
            )
        )
    return notes
