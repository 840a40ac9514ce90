"""GitHub Actions workflows: the `run:` scripts of steps that run a POSIX shell.

The YAML is composed (not loaded) so that each `run:` value keeps where it
is written; its script is then read as shell text at those positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml_policy.deps.commands.common import POSIX_SHELLS, basename
from ml_policy.deps.commands.yaml_scalars import after_properties, scalar_text
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.shell import Command, Comment, split_commands
from ml_policy.textpos import LineIndex

if TYPE_CHECKING:
    from ruamel.yaml.nodes import Node


def workflow_commands(path: Path, text: str, comments: list[Comment] | None) -> Iterator[Command]:
    root = _compose_yaml(path, text)
    default_shell = _default_shell(root)
    for job in _mapping_values(_get(root, "jobs")):
        job_shell = _default_shell(job) or default_shell or _runner_shell(job)
        steps = _get(job, "steps")
        for step in steps.value if _is_sequence(steps) else []:
            shell = _scalar(_get(step, "shell")) or job_shell
            run = _get(step, "run")
            if run is None or not _is_scalar(run) or not _is_posix(shell):
                continue
            script = scalar_text(text, run)
            if script is not None:
                yield from split_commands(script, comments=comments)
            if comments is not None:
                comments.extend(_run_comment(text, run))


# After a `run:` value: a YAML comment on the header line of a block scalar (`run: |  # ...`),
# or after the end of a plain or quoted one (`run: pip install x  # ...`).
BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*[ \t]+(#[^\n]*)")
TRAILING_COMMENT = re.compile(r"[ \t]+(#[^\n]*)")


def _run_comment(source: str, node: Any) -> list[Comment]:
    """The YAML comment written on a `run:` value's line, speaking for the whole script."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("|", ">"):
        match = BLOCK_HEADER_COMMENT.match(source, after_properties(source, start))
        end = max(end - 1, start)  # the block ends where the next line starts
    else:
        match = TRAILING_COMMENT.match(source, end)
    return [Comment(match.group(1), start, end)] if match else []


def _compose_yaml(path: Path, text: str) -> Node | None:
    from ruamel.yaml import YAML  # only workflow files pay for the import (~90 ms)
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        return YAML(typ="safe", pure=True).compose(text)  # type: ignore[no-any-return]
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ManifestError(path, f"invalid YAML: {error.problem}", line, column) from None
    except ReaderError as error:  # a character YAML does not allow (NUL, ...)
        line, column = LineIndex(text).position(error.position)
        raise ManifestError(path, f"invalid YAML: {error.reason}", line, column) from None
    except YAMLError as error:
        raise ManifestError(path, f"invalid YAML: {error}") from None
    except Exception as error:  # the parser's own failures on odd input: still bad YAML
        raise ManifestError(path, f"cannot read YAML: {type(error).__name__}") from None


def _is_scalar(node: object) -> bool:
    return getattr(node, "id", None) == "scalar"  # ruamel's node kinds, without importing ruamel


def _is_sequence(node: object) -> bool:
    return getattr(node, "id", None) == "sequence"


def _get(node: object, key: str) -> Any:
    if getattr(node, "id", None) != "mapping":
        return None
    for key_node, value in node.value:  # type: ignore[attr-defined]
        if _is_scalar(key_node) and key_node.value == key:
            return value
    return None


def _mapping_values(node: object) -> list[Node]:
    if getattr(node, "id", None) != "mapping":
        return []
    return [value for _, value in node.value]  # type: ignore[attr-defined]


def _scalar(node: object) -> str | None:
    return str(node.value) if _is_scalar(node) else None  # type: ignore[attr-defined]


def _default_shell(node: object) -> str | None:
    return _scalar(_get(_get(_get(node, "defaults"), "run"), "shell"))


def _runner_shell(job: object) -> str | None:
    """GitHub's default shell is pwsh on Windows runners, bash elsewhere."""
    runs_on = _get(job, "runs-on")
    labels = [runs_on] if _is_scalar(runs_on) else runs_on.value if _is_sequence(runs_on) else []
    windows = any("windows" in (_scalar(label) or "").lower() for label in labels)
    return "pwsh" if windows else None


def _is_posix(shell: str | None) -> bool:
    """bash, sh and custom `bash -e {0}` run POSIX shell; pwsh, cmd and python do not."""
    if shell is None:
        return True
    words = shell.split()
    return bool(words) and "${{" not in shell and basename(words[0]).lower() in POSIX_SHELLS
