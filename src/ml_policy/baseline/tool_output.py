"""The tools' machine-readable reports as baseline findings, each with its line for people.

The tool hooks run Ruff (`--output-format json`), mypy (`-O json`) and bandit
(`-f json`) when a baseline holds findings of theirs, keep what the baseline
does not accept, and print that in the tool's own one-line style.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_policy.baseline.fingerprint import Finding


class ReportError(Exception):
    """A tool's report that could not be read (the tool's output is then shown as it was)."""


@dataclass(frozen=True)
class Reported:
    finding: Finding
    display: str  # the tool's one-line rendering, shown when the finding is new
    item: Any = None  # the tool's own JSON object, for output in the tool's own formats


def relative(name: str, cwd: Path, root: Path) -> str:
    """A tool's file name as a path from the repository root, with forward slashes."""
    absolute = Path(os.path.normpath(cwd / name))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()  # outside the repository: never in its baseline


def ruff(stdout: str, cwd: Path, root: Path, code_prefix: str = "ruff:") -> list[Reported]:
    """`ruff check --output-format json` (or `ruff format --check --output-format json`)."""
    try:
        items = json.loads(stdout or "[]")
    except json.JSONDecodeError as error:
        raise ReportError(f"ruff's JSON: {error.msg}") from None
    return [_ruff_item(item, cwd, root, code_prefix) for item in _objects(items)]


def _ruff_item(item: dict[str, Any], cwd: Path, root: Path, prefix: str) -> Reported:
    location = item.get("location") or {}
    row, column = int(location.get("row") or 0), int(location.get("column") or 0)
    cell = item.get("cell")
    code = str(item.get("code") or "syntax-error")
    name = str(item.get("filename", ""))
    path = relative(name, cwd, root)
    finding = Finding(path, f"{prefix}{code}", row, str(item.get("message", "")), cell)
    where = f"{path}:{f'cell {cell}:' if cell else ''}{row}:{column}:"
    return Reported(finding, f"{where} {code} {finding.message}", item)


def mypy(stdout: str, cwd: Path, root: Path) -> list[Reported]:
    """`mypy -O json`: one object per line; notes become part of the error they follow."""
    reported: list[Reported] = []
    for text in stdout.splitlines():
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError:
            raise ReportError(f"mypy's JSON line {text[:80]!r}") from None
        if not isinstance(item, dict):
            raise ReportError("mypy's JSON: not an object")
        current = _mypy_item(item, cwd, root)
        if item.get("severity") == "note":
            # A note explains the error before it: shown with it, never a finding of its own.
            if reported:
                before = reported[-1]
                reported[-1] = Reported(before.finding, f"{before.display}\n{current.display}")
            continue
        reported.append(current)
    return reported


def _mypy_item(item: dict[str, Any], cwd: Path, root: Path) -> Reported:
    path = relative(str(item.get("file", "")), cwd, root)
    line = int(item.get("line") or 0)
    severity = str(item.get("severity", "error"))
    code = item.get("code") or severity
    message = str(item.get("message", ""))
    display = f"{path}:{line}: {severity}: {message}" + (f"  [{code}]" if item.get("code") else "")
    if item.get("hint"):
        display += "".join(
            f"\n{path}:{line}: note: {hint}" for hint in str(item["hint"]).splitlines()
        )
    return Reported(Finding(path, f"mypy:{code}", max(line, 0), message), display)


def bandit(stdout: str, cwd: Path, root: Path) -> list[Reported]:
    """`bandit -f json`: its results (its errors are printed by the hook as they are)."""
    try:
        document = json.loads(stdout or "{}")
    except json.JSONDecodeError as error:
        raise ReportError(f"bandit's JSON: {error.msg}") from None
    results = document.get("results", []) if isinstance(document, dict) else []
    return [_bandit_item(item, cwd, root) for item in _objects(results)]


def bandit_errors(stdout: str) -> list[str]:
    """Files bandit could not scan, as `path: reason` lines."""
    document = json.loads(stdout or "{}")
    errors = document.get("errors", []) if isinstance(document, dict) else []
    return [f"{e.get('filename', '')}: {e.get('reason', '')}" for e in _objects(errors)]


def _bandit_item(item: dict[str, Any], cwd: Path, root: Path) -> Reported:
    path = relative(str(item.get("filename", "")), cwd, root)
    line = int(item.get("line_number") or 0)
    column = int(item.get("col_offset") or 0) + 1
    test = str(item.get("test_id", ""))
    text = str(item.get("issue_text", ""))
    level = f"[{item.get('issue_severity', '')}/{item.get('issue_confidence', '')}]"
    return Reported(
        Finding(path, f"bandit:{test}", line, text),
        f"{path}:{line}:{column}: {test} {level} {text}",
    )


def _objects(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise ReportError("expected a list of findings")
    return [item for item in items if isinstance(item, dict)]


def ruff_github(reported: Reported) -> str:
    """A finding as Ruff's `--output-format github` writes it: a workflow annotation."""
    finding, item = reported.finding, reported.item or {}
    end = item.get("end_location") or {}
    column = (item.get("location") or {}).get("column", 1)
    code = finding.code.removeprefix("ruff:")
    where = (
        f"file={finding.path},line={finding.line},col={column},"
        f"endLine={end.get('row', finding.line)},endColumn={end.get('column', column)}"
    )
    text = f"{finding.path}:{finding.line}:{column}: {code} {finding.message}"
    return f"::error title=Ruff ({code}),{where}::{text}"
