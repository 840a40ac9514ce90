"""The output writers: exact text, parsed structure, escaping and path handling."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

import ml_policy
from ml_policy.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from ml_policy.report import FORMATS, display_path, relative_to_root, render
from ml_policy.report.github import escape_data, escape_property

# A message with every character some format has to escape.
AWKWARD = "torch, unpinned: 100% <&>\nsee docs"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "repo"


def safe_fix(root: Path) -> Diagnostic:
    fix = Fix("Default to `None`", (Edit("None", 3, 20, 3, 22),), Applicability.SAFE)
    path = root / "src" / "train.py"
    return Diagnostic("MLM001", "default `lr` is mutated", path, 3, 5, 3, 17, fix=fix)


def unsafe_fix(root: Path) -> Diagnostic:
    edit = Edit(", num_workers=4", 10, 30, 10, 30)
    fix = Fix("Add `num_workers=4`", (edit,), Applicability.UNSAFE)
    path = root / "src" / "data.py"
    return Diagnostic(
        "MLP001", "synchronous DataLoader", path, 10, 9, 10, 19, Severity.WARNING, fix
    )


def no_fix(root: Path) -> Diagnostic:
    path = root / "requirements.txt"
    return Diagnostic("MLD001", AWKWARD, path, 2, 1, 2, 6, Severity.NOTE)


def findings(root: Path) -> list[Diagnostic]:
    # Deliberately out of order: render() sorts by file, then position.
    return [safe_fix(root), no_fix(root), unsafe_fix(root)]


# --- render() and paths -------------------------------------------------------


def test_render_rejects_an_unknown_format(root: Path) -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render("xml", [], root)


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_renders(output_format: str, root: Path) -> None:
    assert render(output_format, findings(root), root).endswith("\n")


@pytest.mark.slow
def test_writers_are_imported_only_when_used() -> None:
    src = str(Path(ml_policy.__file__).parent.parent)
    code = (
        "import pathlib, sys, ml_policy.report as r;"
        "assert not [m for m in sys.modules if m.startswith('ml_policy.report.')];"
        "r.render('text', [], pathlib.Path());"
        "print(sorted(m for m in sys.modules if m.startswith('ml_policy.report.')))"
    )
    path = os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "['ml_policy.report.text']"


def test_paths_under_the_root_are_relative_and_posix(root: Path) -> None:
    assert display_path(root / "src" / "train.py", root) == "src/train.py"
    assert display_path(root / "src" / ".." / "setup.py", root) == "setup.py"
    assert relative_to_root(root / "a.py", root) == "a.py"


def test_paths_outside_the_root_are_shown_as_given(root: Path) -> None:
    outside = root.parent / "other" / "x.py"
    assert display_path(outside, root) == str(outside)
    assert relative_to_root(outside, root) is None
    assert display_path(root / ".." / "x.py", root) == str(root / ".." / "x.py")


def test_relative_paths_are_resolved_against_the_working_directory(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root.mkdir()
    monkeypatch.chdir(root)
    assert display_path(Path("src/x.py"), root) == "src/x.py"
    assert display_path(Path("src/x.py"), Path()) == "src/x.py"
    assert display_path(Path("../y.py"), root) == str(Path("../y.py"))


# --- text ----------------------------------------------------------------------


def test_text_is_ruffs_concise_format(root: Path) -> None:
    # The message's newline is shown escaped: one finding, one line.
    assert render("text", findings(root), root) == (
        "requirements.txt:2:1: MLD001 torch, unpinned: 100% <&>\\nsee docs\n"
        "src/data.py:10:9: MLP001 synchronous DataLoader\n"
        "src/train.py:3:5: MLM001 [*] default `lr` is mutated\n"
        "Found 3 errors.\n"
        "[*] 1 fixable with `--fix`"
        " (1 unsafe fix available with `--fix --unsafe-fixes`).\n"
    )


def test_text_summary_wording(root: Path) -> None:
    assert render("text", [safe_fix(root)], root).splitlines()[1:] == [
        "Found 1 error.",
        "[*] 1 fixable with `--fix`.",
    ]
    unsafe = [
        unsafe_fix(root),
        Diagnostic("MLP001", "m", root / "b.py", fix=unsafe_fix(root).fix),
    ]
    assert render("text", unsafe, root).splitlines()[2:] == [
        "Found 2 errors.",
        "2 unsafe fixes available with `--fix --unsafe-fixes`.",
    ]
    assert render("text", [no_fix(root)], root).splitlines()[-1] == "Found 1 error."


def test_text_does_not_count_display_only_fixes(root: Path) -> None:
    fix = Fix("Pin it", (Edit("==2.3.1", 1, 6, 1, 6),), Applicability.DISPLAY_ONLY)
    diagnostic = Diagnostic("MLD001", "unpinned", root / "r.txt", 1, 1, fix=fix)
    assert render("text", [diagnostic], root) == "r.txt:1:1: MLD001 unpinned\nFound 1 error.\n"


def test_text_shows_paths_outside_the_root_as_given(root: Path) -> None:
    outside = root.parent / "other" / "x.py"
    diagnostic = Diagnostic("MLM002", "shared tensor", outside, 4, 2)
    assert render("text", [diagnostic], root).startswith(f"{outside}:4:2: MLM002 shared tensor\n")


def test_text_empty(root: Path) -> None:
    assert render("text", [], root) == "All checks passed!\n"


# --- json ----------------------------------------------------------------------


def test_json_matches_ruffs_layout_exactly(root: Path) -> None:
    # Laid out as ruff 0.17.6 prints `--output-format json` (keys alphabetical,
    # two-space indent), less Ruff's `name` key.
    expected = """\
[
  {
    "cell": null,
    "code": "MLM001",
    "end_location": {
      "column": 17,
      "row": 3
    },
    "filename": "%s",
    "fix": {
      "applicability": "safe",
      "edits": [
        {
          "content": "None",
          "end_location": {
            "column": 22,
            "row": 3
          },
          "location": {
            "column": 20,
            "row": 3
          }
        }
      ],
      "message": "Default to `None`"
    },
    "location": {
      "column": 5,
      "row": 3
    },
    "message": "default `lr` is mutated",
    "noqa_row": 3,
    "severity": "error",
    "url": "%s"
  }
]
""" % (root / "src" / "train.py", ml_policy.DOCS_URL + "/docs/rules/MLM001.md")  # noqa: UP031
    assert render("json", [safe_fix(root)], root) == expected


def test_json_values(root: Path) -> None:
    parsed = json.loads(render("json", findings(root), root))
    assert [item["code"] for item in parsed] == ["MLD001", "MLP001", "MLM001"]
    plain, unsafe, _ = parsed
    assert plain == {
        "cell": None,
        "code": "MLD001",
        "end_location": {"column": 6, "row": 2},
        "filename": str(root / "requirements.txt"),
        "fix": None,
        "location": {"column": 1, "row": 2},
        "message": AWKWARD,
        "noqa_row": 2,
        "severity": "info",
        "url": f"{ml_policy.DOCS_URL}/docs/rules/MLD001.md",
    }
    assert unsafe["fix"] == {
        "applicability": "unsafe",
        "edits": [
            {
                "content": ", num_workers=4",
                "end_location": {"column": 30, "row": 10},
                "location": {"column": 30, "row": 10},
            }
        ],
        "message": "Add `num_workers=4`",
    }
    assert unsafe["severity"] == "warning"


def test_json_display_only_is_spelled_as_ruff_spells_it(root: Path) -> None:
    fix = Fix("Pin it", (Edit("==2.3.1", 1, 6, 1, 6),), Applicability.DISPLAY_ONLY)
    diagnostic = Diagnostic("MLD001", "unpinned", root / "r.txt", fix=fix)
    assert json.loads(render("json", [diagnostic], root))[0]["fix"]["applicability"] == (
        "displayonly"
    )


def test_json_edits_are_in_source_order(root: Path) -> None:
    edits = (Edit("b", 5, 1, 5, 2), Edit("a", 2, 3, 2, 4))
    diagnostic = Diagnostic("MLM001", "m", root / "a.py", fix=Fix("f", edits))
    parsed = json.loads(render("json", [diagnostic], root))
    assert [edit["content"] for edit in parsed[0]["fix"]["edits"]] == ["a", "b"]


def test_json_filenames_are_absolute(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root.mkdir()
    monkeypatch.chdir(root)
    outside = root.parent / "other" / "x.py"
    diagnostics = [
        Diagnostic("MLM002", "m", Path("src/x.py")),
        Diagnostic("MLM002", "m", outside),
    ]
    parsed = json.loads(render("json", diagnostics, root))
    assert [item["filename"] for item in parsed] == [
        str(outside),
        str(root / "src" / "x.py"),
    ]


def test_json_empty(root: Path) -> None:
    assert render("json", [], root) == "[]\n"


# --- sarif ---------------------------------------------------------------------


def sarif(diagnostics: list[Diagnostic], root: Path) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(render("sarif", diagnostics, root))
    return parsed


def test_sarif_log_and_driver(root: Path) -> None:
    log = sarif([*findings(root), Diagnostic("MLM001", "again", root / "z.py")], root)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": f"{root.as_uri()}/"}}
    driver = run["tool"]["driver"]
    assert driver["name"] == "ml-policy"
    assert driver["version"] == ml_policy.__version__
    assert driver["informationUri"] == ml_policy.HOOK_REPO_URL
    # One rule per distinct code, described by its first finding.
    assert driver["rules"] == [
        {
            "helpUri": f"{ml_policy.DOCS_URL}/docs/rules/{code}.md",
            "id": code,
            "shortDescription": {"text": text},
        }
        for code, text in [
            ("MLD001", AWKWARD),
            ("MLM001", "default `lr` is mutated"),
            ("MLP001", "synchronous DataLoader"),
        ]
    ]


def test_sarif_results(root: Path) -> None:
    (run,) = sarif(findings(root), root)["runs"]
    plain, unsafe, safe = run["results"]
    assert plain == {
        "level": "note",
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": "requirements.txt",
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {
                        "endColumn": 6,
                        "endLine": 2,
                        "startColumn": 1,
                        "startLine": 2,
                    },
                }
            }
        ],
        "message": {"text": AWKWARD},
        "ruleId": "MLD001",
    }
    assert unsafe["level"] == "warning"
    assert safe["level"] == "error"
    assert safe["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/train.py"
    assert safe["fixes"] == [
        {
            "artifactChanges": [
                {
                    "artifactLocation": {
                        "uri": "src/train.py",
                        "uriBaseId": "%SRCROOT%",
                    },
                    "replacements": [
                        {
                            "deletedRegion": {
                                "endColumn": 22,
                                "endLine": 3,
                                "startColumn": 20,
                                "startLine": 3,
                            },
                            "insertedContent": {"text": "None"},
                        }
                    ],
                }
            ],
            "description": {"text": "Default to `None`"},
        }
    ]


def test_sarif_deletions_have_no_inserted_content(root: Path) -> None:
    fix = Fix("Remove it", (Edit("", 1, 1, 2, 1),))
    (run,) = sarif([Diagnostic("MLM003", "m", root / "a.py", fix=fix)], root)["runs"]
    replacement = run["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {
        "deletedRegion": {
            "endColumn": 1,
            "endLine": 2,
            "startColumn": 1,
            "startLine": 1,
        }
    }


def test_sarif_uris(root: Path) -> None:
    outside = root.parent / "other dir" / "x.py"
    inside = root / "my models" / "a.py"
    diagnostics = [
        Diagnostic("MLM002", "m", inside),
        Diagnostic("MLM002", "m", outside),
    ]
    (run,) = sarif(diagnostics, root)["runs"]
    results = run["results"]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results]
    # Sorted by path: ".../other dir" comes before ".../repo".
    assert locations == [
        {"uri": outside.as_uri()},
        {"uri": "my%20models/a.py", "uriBaseId": "%SRCROOT%"},
    ]
    assert outside.as_uri().startswith("file:///")


def test_sarif_empty(root: Path) -> None:
    log = sarif([], root)
    (run,) = log["runs"]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    assert run["tool"]["driver"]["name"] == "ml-policy"


# --- github --------------------------------------------------------------------


def test_github_annotations(root: Path) -> None:
    assert render("github", findings(root), root) == (
        "::notice title=ml-policy (MLD001),file=requirements.txt,"
        "line=2,col=1,endLine=2,endColumn=6::"
        "requirements.txt:2:1: MLD001 torch, unpinned: 100%25 <&>%0Asee docs\n"
        "::warning title=ml-policy (MLP001),file=src/data.py,"
        "line=10,col=9,endLine=10,endColumn=19::"
        "src/data.py:10:9: MLP001 synchronous DataLoader%0A  help: Add `num_workers=4`\n"
        "::error title=ml-policy (MLM001),file=src/train.py,"
        "line=3,col=5,endLine=3,endColumn=17::"
        "src/train.py:3:5: MLM001 default `lr` is mutated%0A  help: Default to `None`\n"
    )


def test_github_escapes_like_the_actions_toolkit() -> None:
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert escape_data("%0A") == "%250A"


def test_github_escapes_the_file_property(root: Path) -> None:
    diagnostic = Diagnostic("MLA001", "big", root / "odd,na:me%.bin", 1, 1)
    assert render("github", [diagnostic], root) == (
        "::error title=ml-policy (MLA001),file=odd%2Cna%3Ame%25.bin,line=1,col=1,"
        "endLine=1,endColumn=1::odd,na:me%25.bin:1:1: MLA001 big\n"
    )


def test_github_outside_the_root(root: Path) -> None:
    outside = root.parent / "x.py"
    (line,) = render("github", [Diagnostic("MLM002", "m", outside)], root).splitlines()
    assert f",file={escape_property(str(outside))}," in line
    assert line.endswith(f"::{escape_data(str(outside))}:1:1: MLM002 m")


def test_github_empty(root: Path) -> None:
    assert render("github", [], root) == ""


# --- junit ---------------------------------------------------------------------


def test_junit_document(root: Path) -> None:
    output = render("junit", findings(root), root)
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    suites = ElementTree.fromstring(output)  # noqa: S314 - our own writer's output
    assert suites.tag == "testsuites"
    assert suites.attrib == {
        "name": "ml-policy",
        "tests": "3",
        "skipped": "0",
        "failures": "3",
        "errors": "0",
    }
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("requirements.txt", "1", "1"),
        ("src/data.py", "1", "1"),
        ("src/train.py", "1", "1"),
    ]


def test_junit_test_cases(root: Path) -> None:
    suites = ElementTree.fromstring(render("junit", findings(root), root))  # noqa: S314 - our own writer's output
    case = suites.find("testsuite/testcase")
    assert case is not None
    assert case.attrib == {
        "name": "ml-policy.MLD001",
        "classname": "requirements",
        "line": "2",
        "column": "1",
    }
    prop = case.find("properties/property")
    assert prop is not None
    assert prop.attrib == {"name": "severity", "value": "note"}
    failure = case.find("failure")
    assert failure is not None
    # Markup and the newline survive the round trip through XML escaping.
    assert failure.get("message") == AWKWARD
    assert failure.text == f"line 2, col 1, {AWKWARD}"
    classnames = [c.get("classname") for c in suites.iter("testcase")]
    assert classnames == ["requirements", "src/data", "src/train"]


def test_junit_groups_by_file(root: Path) -> None:
    diagnostics = [
        safe_fix(root),
        Diagnostic("MLM002", "m", root / "src" / "train.py", 9, 1),
    ]
    suites = ElementTree.fromstring(render("junit", diagnostics, root))  # noqa: S314 - our own writer's output
    (suite,) = list(suites)
    assert suite.attrib == {
        "name": "src/train.py",
        "tests": "2",
        "skipped": "0",
        "errors": "0",
        "failures": "2",
        "package": "ml-policy",
    }
    assert [c.get("line") for c in suite.iter("testcase")] == ["3", "9"]


def test_junit_outside_the_root_and_control_characters(root: Path) -> None:
    outside = root.parent / "other" / "x.py"
    diagnostic = Diagnostic("MLE001", "bad byte \x1b here", outside, 1, 1)
    suites = ElementTree.fromstring(render("junit", [diagnostic], root))  # noqa: S314 - our own writer's output
    suite = suites.find("testsuite")
    failure = suites.find("testsuite/testcase/failure")
    assert suite is not None
    assert failure is not None
    assert suite.get("name") == str(outside)
    assert failure.get("message") == "bad byte \ufffd here"


def test_junit_empty(root: Path) -> None:
    assert render("junit", [], root) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="ml-policy" tests="1" skipped="0" failures="0" errors="0">\n'
        '    <testsuite name="ml-policy" tests="1" skipped="0" errors="0" failures="0"'
        ' package="ml-policy">\n'
        '        <testcase name="No errors found" classname="ml-policy" />\n'
        "    </testsuite>\n"
        "</testsuites>\n"
    )


# --- notebooks: the formats that open the file point into the .ipynb ------------------

# As Jupyter writes a notebook (indent 1, sorted keys, one JSON string per source line).
NOTEBOOK_CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n", "Prose."]},
    {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import torch\n"]},
    {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "source": ["import torch\n", 'x = "café"; loader = DataLoader(ds)\n'],
    },
]
NOTEBOOK_TEXT = json.dumps({"cells": NOTEBOOK_CELLS}, indent=1, sort_keys=True, ensure_ascii=False)


@pytest.fixture
def notebook_finding(root: Path) -> Diagnostic:
    """MLP001 on `DataLoader(ds)`: cell 3, line 2, columns 22 to 36 of that cell."""
    path = root / "explore.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(NOTEBOOK_TEXT + "\n", encoding="utf-8")
    return Diagnostic("MLP001", "no workers", path, 2, 22, 2, 36, cell=3)


def file_line(line: int) -> str:
    return NOTEBOOK_TEXT.splitlines()[line - 1]


def test_the_notebook_layout_under_test() -> None:
    assert file_line(25) == '    "x = \\"café\\"; loader = DataLoader(ds)\\n"'


def test_sarif_notebook_region_is_in_the_file_and_the_cell_a_property(
    root: Path, notebook_finding: Diagnostic
) -> None:
    # Edits inside a cell are not edits of the file: no SARIF fix for them.
    fix = Fix("Add `num_workers=4`", (Edit(", num_workers=4", 2, 35, 2, 35),))
    with_fix = dataclasses.replace(notebook_finding, fix=fix)
    (result,) = json.loads(render("sarif", [with_fix], root))["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    # Line 25 of the file, the JSON string of the cell's line 2; columns past `\\"` escapes.
    assert region == {"startLine": 25, "startColumn": 29, "endLine": 25, "endColumn": 43}
    assert file_line(25)[28:42] == "DataLoader(ds)"
    assert result["properties"] == {
        "cell": 3,
        "cellRegion": {"startLine": 2, "startColumn": 22, "endLine": 2, "endColumn": 36},
    }
    assert "fixes" not in result


def test_github_annotates_the_notebooks_line_and_names_the_cell(
    root: Path, notebook_finding: Diagnostic
) -> None:
    assert render("github", [notebook_finding], root) == (
        "::error title=ml-policy (MLP001),file=explore.ipynb,"
        "line=25,col=29,endLine=25,endColumn=43::"
        "explore.ipynb:cell 3:2:22: MLP001 no workers\n"
    )


def test_junit_notebook_case_is_at_the_file_line_and_the_text_names_the_cell(
    root: Path, notebook_finding: Diagnostic
) -> None:
    suites = ElementTree.fromstring(render("junit", [notebook_finding], root))  # noqa: S314 - our own writer's output
    case = suites.find("testsuite/testcase")
    assert case is not None
    assert (case.get("line"), case.get("column")) == ("25", "29")
    failure = case.find("failure")
    assert failure is not None
    assert failure.text == "cell 3, line 2, col 22, no workers"


def test_json_and_text_keep_ruffs_cell_positions(root: Path, notebook_finding: Diagnostic) -> None:
    (finding,) = json.loads(render("json", [notebook_finding], root))
    assert (finding["cell"], finding["location"]) == (3, {"column": 22, "row": 2})
    assert render("text", [notebook_finding], root).startswith(
        "explore.ipynb:cell 3:2:22: MLP001 no workers\n"
    )


def test_a_notebook_that_cannot_be_read_again_falls_back_to_its_start(
    root: Path, notebook_finding: Diagnostic
) -> None:
    notebook_finding.path.write_text("{not json")
    (result,) = json.loads(render("sarif", [notebook_finding], root))["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
    assert result["properties"]["cell"] == 3
    notebook_finding.path.unlink()
    assert ",line=1,col=1," in render("github", [notebook_finding], root)
