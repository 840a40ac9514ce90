"""MLG004's hook details: a bundle hook that is there, but checks less than it should.

pre-commit lets a configuration override any key of a hook it runs, so a hook
can be present and still check nothing. For each hook of the recorded bundle
in the ml-policy entry of .pre-commit-config.yaml, at the line of the key:

- `entry:` other than the hook's own (`entry: "true"` runs nothing);
- `args:` that narrow what it checks (`NARROWING` below; an argument not known
  to narrow is left alone: `--show-fixes`, `--output-format`, `--config` naming
  the file the tool reads anyway, `--strict`, `--extend-select`);
- `files:` or `exclude:` (of the hook, or at the top of the file) that leave out
  files the hook would check: only the project's own files count, not tests,
  scripts, docs or vendored code (drift.project);
- `stages:` on which it never runs before a commit or a push (`[manual]`).

The `rev:` and missing hooks are init's to report (MLG004 through the drift plan).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ml_policy import registry, toolconfig
from ml_policy.apply.precommit import our_hook_ids
from ml_policy.apply.precommit_intent import find_entry
from ml_policy.drift.project import Project
from ml_policy.drift.trap import Trap
from ml_policy.toolconfig import PRECOMMIT

CODE = "MLG004"
_PYTHON = (".py", ".pyi", ".ipynb")


@dataclass(frozen=True)
class HookSpec:
    """What .pre-commit-hooks.yaml says of a hook: its entry and the files it is given
    (a `files` pattern, or Python files only). tests/test_drift_hooks.py checks the two agree."""

    entry: str
    files: str | None = None
    python: bool = False


_DEPS_FILES = r"""(?xi)(^|/)(
    pyproject\.toml | setup\.(cfg|py)
  | [^/]*(requirements|constraints)[^/]*\.(txt|in) | (requirements|requirement|reqs)/[^/]+\.(txt|in)
  | environment[^/]*\.ya?ml
  | (dockerfile|containerfile)([._-][^/]*)? | [^/]*[._-](dockerfile|containerfile)
  | [^/]*\.(sh|bash|ipynb)
  | \.github/workflows/[^/]+\.ya?ml
)$
"""
_CONFIG_FILES = (
    r"(^|/)(pyproject\.toml|\.pre-commit-config\.yaml|ruff\.toml|\.ruff\.toml|mypy\.ini"
    r"|\.mypy\.ini|setup\.cfg|\.bandit)$"
)
_DOCKERFILES = (
    r"(?i)(^|/)((dockerfile|containerfile)([._-][^/]*)?|[^/]*[._-](dockerfile|containerfile))$"
)
HOOKS = {
    "ml-policy-lint": HookSpec("ml-policy lint", python=True),
    "ml-policy-deps": HookSpec("ml-policy deps", _DEPS_FILES),
    "ml-policy-artifacts": HookSpec("ml-policy artifacts"),
    "ml-policy-secrets": HookSpec("ml-policy secrets"),
    "ml-policy-config": HookSpec("ml-policy check-config", _CONFIG_FILES),
    "ml-policy-ruff": HookSpec("ml-policy ruff check --force-exclude", python=True),
    "ml-policy-ruff-format": HookSpec("ml-policy ruff format --force-exclude", python=True),
    "ml-policy-mypy": HookSpec("ml-policy mypy", python=True),
    "ml-policy-bandit": HookSpec("ml-policy bandit", python=True),
    "ml-policy-hadolint": HookSpec("ml-policy hadolint", _DOCKERFILES),
}
_ML_FAMILIES = {
    "lint": "lint",
    "deps": "deps",
    "artifacts": "artifacts",
    "secrets": "secrets",
    "config": "check-config",
}
_RUNNING_STAGES = frozenset(
    {"pre-commit", "commit", "pre-merge-commit", "merge-commit", "pre-push", "push"}
)

# Arguments that narrow each hook's check, by the option as written (before any `=`).
# Options of the ML hooks: `--select` is judged on its value, the rest always narrow.
_ML_NARROWING = {"--ignore", "--exclude", "--exit-zero", "--update-baseline"}
_RUFF_NARROWING = {
    *("--exit-zero", "-e", "--ignore", "--extend-ignore", "--select", "--per-file-ignores"),
    *("--extend-per-file-ignores", "--exclude", "--extend-exclude", "--fix-only", "--diff"),
    *("--add-noqa", "--isolated"),
}
# `ruff format --diff` fails on unformatted files as --check does: not narrowing there.
_FORMAT_NARROWING = {"--exclude", "--extend-exclude", "--isolated", "--range"}
_MYPY_NARROWING_PREFIXES = ("--allow-", "--implicit-", "--disable-", "--ignore-")
_MYPY_NARROWING_NEGATIONS = ("--no-warn-", "--no-check-", "--no-strict", "--no-disallow-")
_MYPY_NARROWING = {"--no-extra-checks", "--exclude"}
_BANDIT_NARROWING = {
    *("-s", "--skip", "-t", "--tests", "-x", "--exclude", "--exit-zero", "-ll", "-lll"),
    *("-ii", "-iii", "-b", "--baseline"),
}
_BANDIT_LEVELS = {"--severity-level", "--confidence-level"}  # narrowing above "low"


def traps(project: Project, hooks: Sequence[str]) -> list[Trap]:
    """The hook details that narrow the bundle's hooks (`hooks`) in .pre-commit-config.yaml."""
    path = project.root / PRECOMMIT
    document = _load(path)
    if not isinstance(document, Mapping):
        return []
    repos = document.get("repos")
    if not isinstance(repos, list):
        return []
    found = _top_level(project, path, document)
    index = find_entry(repos, our_hook_ids(list(hooks)))
    if index is None:
        return found
    judge = _HookJudge(project, path)
    for hook in repos[index].get("hooks") or []:
        if isinstance(hook, Mapping) and hook.get("id") in hooks:
            found += judge.traps(hook)
    return found


def _load(path: Path) -> Any:
    """The YAML with line numbers (ruamel's round-trip loader); None when it cannot be
    read (init reports that)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from ml_policy.files import read_regular

    try:
        return YAML().load(read_regular(path).decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, YAMLError):
        return None


# Programs that run a command in a project's environment: `uv run --frozen ml-policy lint`
# in a `repo: local` hook runs what `ml-policy lint` runs.
_RUNNERS = frozenset({"uv", "uvx", "pipx", "poetry", "pdm", "hatch", "rye", "conda", "pixi"})


def _same_command(entry: str, own: str) -> bool:
    """Whether `entry` runs the hook's own command, directly or through a runner."""
    words, wanted = entry.split(), own.split()
    if words == wanted:
        return True
    prefix = words[: len(words) - len(wanted)]
    return words[len(prefix) :] == wanted and bool(prefix) and prefix[0] in _RUNNERS


def _key_line(node: Any, key: str) -> int:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def _top_level(project: Project, path: Path, document: Mapping[str, Any]) -> list[Trap]:
    found = []
    for key, left_out in (("exclude", _searched), ("files", _not_searched)):
        pattern = document.get(key)
        if not isinstance(pattern, str):
            continue
        removed = left_out(pattern, project.owned)
        if removed:
            message = f"top-level {key}: {_leaves(removed)} unchecked by every hook"
            line = _key_line(document, key)
            found.append(Trap(CODE, path, line, message, key=f"pre-commit.{key}"))
    return found


class _HookJudge:
    def __init__(self, project: Project, path: Path) -> None:
        self.project, self.path = project, path

    def traps(self, hook: Mapping[str, Any]) -> list[Trap]:
        hook_id = str(hook["id"])
        spec = HOOKS.get(hook_id)
        if spec is None:
            return []
        found = []

        def add(key: str, what: str, line: int | None = None, entry: str | None = None) -> None:
            where = line or _key_line(hook, key)
            message = f"hook {hook_id}: {what}"
            override = f"pre-commit.{hook_id}.{key}"
            found.append(Trap(CODE, self.path, where, message, key=override, entry=entry))

        entry = hook.get("entry")
        if entry is not None and not _same_command(str(entry), spec.entry):
            add("entry", f"entry {str(entry)!r} replaces the hook's `{spec.entry}`")
        args = hook.get("args")
        if isinstance(args, list):
            listed = [str(a) for a in args]
            for index, shown in _narrowing(hook_id, listed, self.project.root):
                line = _item_line(args, index)
                add("args", f"`{shown}` narrows what it checks", line, listed[index])
        for key, left_out in (("exclude", _searched), ("files", _not_searched)):
            pattern = hook.get(key)
            if isinstance(pattern, str):
                removed = left_out(pattern, self._candidates(spec))
                if removed:
                    add(key, f"{key}: {_leaves(removed)} unchecked")
        stages = hook.get("stages")
        if isinstance(stages, list) and not _RUNNING_STAGES.intersection(map(str, stages)):
            shown = ", ".join(map(str, stages)) or "none"
            add("stages", f"stages [{shown}]: it never runs before a commit or a push")
        return found

    def _candidates(self, spec: HookSpec) -> list[str]:
        if spec.python:
            return [n for n in self.project.sources if n.endswith(_PYTHON)]
        if spec.files is None:
            return list(self.project.owned)
        return _searched(spec.files, self.project.owned)


def _item_line(items: Any, index: int) -> int | None:
    try:
        return int(items.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return None


def _searched(pattern: str, names: Iterable[str]) -> list[str]:
    """The names pre-commit's `re.search(pattern)` matches (none for an invalid pattern:
    pre-commit refuses it)."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        return []
    return [name for name in names if compiled.search(name)]


def _not_searched(pattern: str, names: Iterable[str]) -> list[str]:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return []
    return [name for name in names if not compiled.search(name)]


def _leaves(removed: Sequence[str]) -> str:
    example = next((name for name in removed if name.endswith(_PYTHON)), removed[0])
    return f"leaves {len(removed)} of the project's files (like {example})"


def _narrowing(hook_id: str, args: list[str], root: Path) -> list[tuple[int, str]]:
    """(index, argument) of each argument that narrows the hook's check."""
    name = hook_id.removeprefix("ml-policy-")
    family = _ML_FAMILIES.get(name)
    judge = _JUDGES.get(name) if family is None else _ml_judge(family)
    if judge is None:
        return []
    found = []
    for index, arg in enumerate(args):
        option, equals, value = arg.partition("=")
        shown = arg
        if not equals and index + 1 < len(args) and not args[index + 1].startswith("-"):
            value = args[index + 1]
            shown = f"{arg} {value}"
        if arg.startswith("-") and judge(option, value, root):
            found.append((index, shown))
    return found


Judge = Callable[[str, str, Path], bool]


def _ml_judge(family: str) -> Judge:
    prefixes = registry.family(family).prefixes

    def narrows(option: str, value: str, root: Path) -> bool:
        del root
        if option == "--select":
            chosen = [code.strip() for code in value.split(",") if code.strip()]
            return not all(any(p.startswith(c) for c in chosen) for p in prefixes)
        return option in _ML_NARROWING

    return narrows


def _ruff(option: str, value: str, root: Path) -> bool:
    if option == "--config":
        return not _reads(root, value, toolconfig.ruff(root))
    return option in _RUFF_NARROWING


def _ruff_format(option: str, value: str, root: Path) -> bool:
    if option == "--config":
        return not _reads(root, value, toolconfig.ruff(root))
    return option in _FORMAT_NARROWING


def _mypy(option: str, value: str, root: Path) -> bool:
    if option == "--config-file":
        return not _reads(root, value, toolconfig.mypy(root))
    if option == "--follow-imports":
        return value == "skip"
    if option.startswith(_MYPY_NARROWING_NEGATIONS):
        return True
    return option.startswith(_MYPY_NARROWING_PREFIXES) or option in _MYPY_NARROWING


def _bandit(option: str, value: str, root: Path) -> bool:
    if option in ("-c", "--configfile"):
        return PurePosixPath(value).name != "pyproject.toml"
    if option == "--ini":
        return PurePosixPath(value).name != toolconfig.BANDIT_INI
    if option in _BANDIT_LEVELS:
        return value.lower() not in ("low", "all")
    return option in _BANDIT_NARROWING


def _hadolint(option: str, value: str, root: Path) -> bool:
    del value, root
    return option == "--exit-zero"  # it takes no other option


def _reads(root: Path, value: str, found: toolconfig.Found) -> bool:
    """Whether `--config VALUE` names the file the tool reads anyway (not an inline
    `KEY=VALUE` override, not another file)."""
    return found.reads is not None and (root / value).resolve() == found.reads.path.resolve()


_JUDGES: dict[str, Judge] = {
    "ruff": _ruff,
    "ruff-format": _ruff_format,
    "mypy": _mypy,
    "bandit": _bandit,
    "hadolint": _hadolint,
}
