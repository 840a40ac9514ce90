"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

Shaped like Ruff's SARIF (keys alphabetical, fixes as artifact changes) with
three differences code scanning needs: file URIs are relative to the project
root (`%SRCROOT%`); columns are declared as code points, which is what
Diagnostic columns count (SARIF's default is UTF-16 code units); and a
notebook finding's region is in the `.ipynb` file (the JSON string holding
the cell's line), with the cell and the region inside it as the result's
properties `cell` and `cellRegion` (Ruff gives in-cell positions as if they
were the file's). Edits inside a cell are not file edits, so such a finding
has no `fixes`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import quote

from ml_policy import HOOK_REPO_URL, __version__
from ml_policy.diagnostics import Severity
from ml_policy.report import absolute_path, dump_json, relative_to_root
from ml_policy.report.cells import FileRegions

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ml_policy.diagnostics import Diagnostic, Edit, Fix

JSONObject = dict[str, object]

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def render(diagnostics: Sequence[Diagnostic], root: Path) -> str:
    """Write a SARIF log: one run with the driver, its rules and the results."""
    regions = FileRegions()
    run: JSONObject = {
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(root)}},
        "results": [_result(diagnostic, root, regions) for diagnostic in diagnostics],
        "tool": {"driver": _driver(diagnostics)},
    }
    log = {"$schema": SCHEMA, "runs": [run], "version": "2.1.0"}
    return dump_json(log) + "\n"


def _driver(diagnostics: Sequence[Diagnostic]) -> JSONObject:
    return {
        "informationUri": HOOK_REPO_URL,
        "name": "ml-policy",
        "rules": _rules(diagnostics),
        "version": __version__,
    }


def _rules(diagnostics: Sequence[Diagnostic]) -> list[JSONObject]:
    # A Diagnostic has no rule summary, so (as Ruff does without rule
    # metadata) the first finding's message describes its rule.
    first: dict[str, Diagnostic] = {}
    for diagnostic in diagnostics:
        first.setdefault(diagnostic.code, diagnostic)
    return [
        {
            "helpUri": diagnostic.url,
            "id": code,
            "shortDescription": {"text": diagnostic.message},
        }
        for code, diagnostic in sorted(first.items())
    ]


def _result(diagnostic: Diagnostic, root: Path, regions: FileRegions) -> JSONObject:
    d = diagnostic
    artifact = _artifact_location(d.path, root)
    region = _region(*regions.region(d))
    result: JSONObject = {
        "level": _LEVELS[d.severity],
        "locations": [{"physicalLocation": _physical(artifact, region)}],
        "message": {"text": d.message},
        "ruleId": d.code,
    }
    if d.cell is not None:
        cell_region = _region(d.line, d.column, d.end_line, d.end_column)
        result["properties"] = {"cell": d.cell, "cellRegion": cell_region}
    elif d.fix is not None:
        result["fixes"] = [_fix(d.fix, artifact)]
    return result


def _physical(artifact: JSONObject, region: JSONObject) -> JSONObject:
    return {"artifactLocation": artifact, "region": region}


def _fix(fix: Fix, artifact: JSONObject) -> JSONObject:
    change = {
        "artifactLocation": artifact,
        "replacements": [_replacement(edit) for edit in fix.edits],
    }
    return {"artifactChanges": [change], "description": {"text": fix.message}}


def _replacement(edit: Edit) -> JSONObject:
    region = _region(edit.line, edit.column, edit.end_line, edit.end_column)
    replacement: JSONObject = {"deletedRegion": region}
    if edit.content:
        replacement["insertedContent"] = {"text": edit.content}
    return replacement


def _artifact_location(path: Path, root: Path) -> JSONObject:
    relative = relative_to_root(path, root)
    if relative is None:
        return {"uri": absolute_path(path).as_uri()}
    # Code scanning matches results to files by repository-relative URI. Quoted
    # from the name's bytes, as Ruff's `Url::from_file_path` and `Path.as_uri`
    # do: a name that is not UTF-8 keeps its exact bytes (`caf%E9.py`).
    return {"uri": quote(os.fsencode(relative)), "uriBaseId": SRCROOT}


def _root_uri(root: Path) -> str:
    # SARIF requires a base URI to end with a slash.
    uri = absolute_path(root).as_uri()
    return uri if uri.endswith("/") else f"{uri}/"


def _region(line: int, column: int, end_line: int, end_column: int) -> JSONObject:
    return {
        "endColumn": end_column,
        "endLine": end_line,
        "startColumn": column,
        "startLine": line,
    }
