"""JUnit XML like Ruff's: a test suite per file, a failing test case per finding.

Built with ElementTree so that markup characters and newlines are escaped.
File names that are not UTF-8 are shown `lossy`, as Ruff shows them. A
notebook finding's `line` and `column` are in the `.ipynb` file (the JSON
string holding the cell's line); its failure text names the cell and the
position inside it, as text output does.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from ml_policy.report import UNPRINTABLE, display_path, lossy
from ml_policy.report.cells import FileRegions

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ml_policy.diagnostics import Diagnostic

TOOL = "ml-policy"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry even escaped (most C0 controls): a stray
# one from a parse error message would make the whole report unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Allowed but not to be written raw: DEL and C1 (the 8-bit CSI would reach a
# terminal showing the report), bidirectional controls, line separators.
_REFERENCES = {code: f"&#x{code:x};" for code in UNPRINTABLE if code >= 0x7F}


def render(diagnostics: Sequence[Diagnostic], root: Path) -> str:
    """Write a `testsuites` document; a clean run is one passing test case."""
    if diagnostics:
        regions = FileRegions()
        groups = _by_file(diagnostics, root).items()
        suites = [_suite(path, group, regions) for path, group in groups]
        tests = failures = len(diagnostics)
    else:
        suites, tests, failures = [_clean_suite()], 1, 0
    document = _element(
        "testsuites",
        name=TOOL,
        tests=str(tests),
        skipped="0",
        failures=str(failures),
        errors="0",
    )
    document.extend(suites)
    ElementTree.indent(document, space="    ")
    # Markup is ASCII, so these can only be in values: references keep them exactly.
    text = ElementTree.tostring(document, encoding="unicode").translate(_REFERENCES)
    return _DECLARATION + text + "\n"


def _by_file(diagnostics: Sequence[Diagnostic], root: Path) -> dict[str, list[Diagnostic]]:
    groups: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        groups.setdefault(display_path(diagnostic.path, root), []).append(diagnostic)
    return groups


def _suite(path: str, diagnostics: list[Diagnostic], regions: FileRegions) -> ElementTree.Element:
    count = str(len(diagnostics))
    suite = _element(
        "testsuite",
        name=path,
        tests=count,
        skipped="0",
        errors="0",
        failures=count,
        package=TOOL,
    )
    # Ruff's class name is the file's path without its extension.
    classname = path.removesuffix(PurePath(path).suffix)
    for diagnostic in diagnostics:
        suite.append(_case(diagnostic, classname, regions))
    return suite


def _case(diagnostic: Diagnostic, classname: str, regions: FileRegions) -> ElementTree.Element:
    line, column, _, _ = regions.region(diagnostic)
    case = _element(
        "testcase",
        name=f"{TOOL}.{diagnostic.code}",
        classname=classname,
        line=str(line),
        column=str(column),
    )
    properties = ElementTree.SubElement(case, "properties")
    severity = _element("property", name="severity", value=diagnostic.severity.value)
    properties.append(severity)
    failure = _element("failure", message=diagnostic.message)
    cell = f"cell {diagnostic.cell}, " if diagnostic.cell is not None else ""
    position = f"{cell}line {diagnostic.line}, col {diagnostic.column}"
    failure.text = _xml_text(f"{position}, {diagnostic.message}")
    case.append(failure)
    return case


def _clean_suite() -> ElementTree.Element:
    suite = _element(
        "testsuite",
        name=TOOL,
        tests="1",
        skipped="0",
        errors="0",
        failures="0",
        package=TOOL,
    )
    suite.append(_element("testcase", name="No errors found", classname=TOOL))
    return suite


def _element(tag: str, **attributes: str) -> ElementTree.Element:
    return ElementTree.Element(tag, {key: _xml_text(value) for key, value in attributes.items()})


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", lossy(text))
