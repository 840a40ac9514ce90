"""Output that hostile input cannot break: odd file names and messages in every format,
notebook positions, one MLE001 per broken notebook, and quiet hooks under pre-commit.

File names are made on disk as bytes and the real CLI runs in a subprocess, its
output read as bytes: what a CI log, a terminal or a SARIF upload would get.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ml_policy.diagnostics import Diagnostic, Edit, Fix
from ml_policy.report import FORMATS, lossy, printable, render

# Every call after the first sees the list: MLM001, on line 1 column 9 of the file.
MUTATED = b"def f(x=[]):\n    x.append(1)\n"
ESC = "\x1b"


def check(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`ml-policy check . --no-cache ARGS` in `repo`, output as bytes."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PRE_COMMIT")
    }
    return subprocess.run(
        [sys.executable, "-m", "ml_policy", "check", ".", "--no-cache", *args],
        cwd=repo,
        env={**environment, **(env or {})},
        capture_output=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    return folder


def make(repo: Path, name: bytes, content: bytes = MUTATED) -> None:
    with open(os.path.join(os.fsencode(repo), name), "wb") as file:
        file.write(content)


def utf8(result: subprocess.CompletedProcess[bytes]) -> str:
    """The output as text: it must be valid UTF-8, and the run must have found the file."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == b""
    return result.stdout.decode("utf-8")  # strict: invalid UTF-8 fails the test


# --- file names that are not UTF-8 ----------------------------------------------


@pytest.fixture
def latin1_name(repo: Path) -> Path:
    if sys.platform == "darwin":
        pytest.skip("APFS refuses file names that are not UTF-8")
    make(repo, b"caf\xe9.py")
    return repo


# LC_ALL=C: Python then writes unencodable text as raw bytes (surrogateescape),
# which is how 0.1.0 emitted invalid UTF-8; a UTF-8 locale made it fail instead.
LOCALES = [{"LC_ALL": "C"}, {"LC_ALL": "C.UTF-8"}, {"PYTHONIOENCODING": "ascii"}]


@pytest.mark.slow
@pytest.mark.parametrize("env", LOCALES, ids=["C", "C.UTF-8", "ascii"])
def test_non_utf8_name_in_json_is_valid_utf8_and_lossy(
    latin1_name: Path, env: dict[str, str]
) -> None:
    (finding,) = json.loads(utf8(check(latin1_name, "--output-format", "json", env=env)))
    assert Path(finding["filename"]).name == "caf\ufffd.py"  # Ruff's to_string_lossy


@pytest.mark.slow
@pytest.mark.parametrize("env", LOCALES, ids=["C", "C.UTF-8", "ascii"])
def test_non_utf8_name_in_sarif_keeps_its_bytes_in_the_uri(
    latin1_name: Path, env: dict[str, str]
) -> None:
    log = json.loads(utf8(check(latin1_name, "--output-format", "sarif", env=env)))
    (result,) = log["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    # Percent-encoded bytes, as Ruff's Url::from_file_path: code scanning finds the file.
    assert location["artifactLocation"] == {"uri": "caf%E9.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("env", LOCALES[:2], ids=["C", "C.UTF-8"])
def test_non_utf8_name_in_text_github_and_junit(latin1_name: Path, env: dict[str, str]) -> None:
    text = utf8(check(latin1_name, env=env))
    assert text.startswith("caf\ufffd.py:1:9: MLM001 ")
    github = utf8(check(latin1_name, "--output-format", "github", env=env))
    assert ",file=caf\ufffd.py,line=1," in github
    junit = utf8(check(latin1_name, "--output-format", "junit", env=env))
    suite = ElementTree.fromstring(junit).find("testsuite")  # noqa: S314 - our own output
    assert suite is not None
    assert suite.get("name") == "caf\ufffd.py"


@pytest.mark.slow
def test_text_on_an_ascii_terminal_escapes_what_it_cannot_encode(latin1_name: Path) -> None:
    result = check(latin1_name, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(b"caf\\ufffd.py:1:9: MLM001 ")


def test_lossy_is_rusts_to_string_lossy() -> None:
    assert lossy("plain é") == "plain é"
    assert lossy(os.fsdecode(b"caf\xe9.py")) == "caf\ufffd.py"
    # One U+FFFD per invalid sequence, not per byte: b"\xe2\x82" is one cut-off character.
    assert lossy(os.fsdecode(b"a\xe2\x82b")) == b"a\xe2\x82b".decode("utf-8", "replace")
    assert lossy(os.fsdecode(b"a\xe2\x82b")) == "a\ufffdb"
    assert lossy("lone \ud800 surrogate") == "lone \ufffd surrogate"


# --- file names and messages that try to forge output -----------------------------

FORGED = b"x.py\nfake.py:1:1: MLK001 forged finding\n" + b"\x1b]0;pwned\x07\x1b[2J.py"


@pytest.fixture
def hostile(repo: Path) -> Path:
    make(repo, FORGED)
    make(repo, b"e\x1b[31mred\xc2\x9b.py")  # U+009B: the 8-bit CSI
    make(repo, b"\xe2\x80\xaeyp.txt.py")  # U+202E: shown reversed, "py.txt"
    return repo


@pytest.mark.slow
def test_text_shows_hostile_names_escaped_one_finding_per_line(hostile: Path) -> None:
    output = utf8(check(hostile))
    lines = output.splitlines()
    assert len(lines) == 3 + 2  # three findings, "Found 3 errors.", the fixes line
    assert not any(line.startswith("fake.py") for line in lines)
    assert ESC not in output
    assert "\x9b" not in output
    assert "\u202e" not in output
    assert "\\u202eyp.txt.py:1:9: MLM001 " in output
    assert "e\\x1b[31mred\\x9b.py:1:9: MLM001 " in output
    forged = "x.py\\nfake.py:1:1: MLK001 forged finding\\n\\x1b]0;pwned\\x07\\x1b[2J.py"
    assert f"{forged}:1:9: MLM001 " in output


@pytest.mark.slow
def test_github_shows_hostile_names_escaped(hostile: Path) -> None:
    output = utf8(check(hostile, "--output-format", "github"))
    lines = output.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("::error title=ml-policy (MLM001),file=") for line in lines)
    assert ESC not in output
    assert "\x9b" not in output
    # The newline is the toolkit's %0A, which GitHub turns back into the real name.
    assert "file=x.py%0Afake.py%3A1%3A1%3A MLK001 forged finding%0A\\x1b]0;pwned" in output


@pytest.mark.slow
def test_junit_and_json_carry_hostile_names_as_valid_documents(hostile: Path) -> None:
    junit = utf8(check(hostile, "--output-format", "junit"))
    assert ESC not in junit
    names = [s.get("name") for s in ElementTree.fromstring(junit)]  # noqa: S314 - our own output
    assert "x.py\nfake.py:1:1: MLK001 forged finding\n\ufffd]0;pwned\ufffd\ufffd[2J.py" in names
    findings = json.loads(utf8(check(hostile, "--output-format", "json")))
    # JSON escapes control characters itself: the exact name, nothing lost.
    assert {Path(f["filename"]).name for f in findings} >= {os.fsdecode(FORGED)}


def hostile_message(root: Path) -> Diagnostic:
    # A message may quote input text (a requirement line, a YAML error).
    message = "bad line 'x\nfake.py:1:1: MLK001 forged\x1b[2J\x9b\u2028\u202e'"
    fix = Fix("help\x1b[1m", (Edit("", 1, 1, 1, 2),))
    return Diagnostic("MLE001", message, root / "requirements.txt", fix=fix)


@pytest.mark.parametrize("output_format", FORMATS)
def test_messages_cannot_forge_lines_or_terminal_sequences(
    output_format: str, tmp_path: Path
) -> None:
    output = render(output_format, [hostile_message(tmp_path)], tmp_path)
    assert ESC not in output
    assert "\x9b" not in output
    assert "\u2028" not in output
    assert "\u202e" not in output
    if output_format in ("text", "github"):
        assert not any(line.startswith("fake.py") for line in output.splitlines())
    if output_format == "text":
        assert output.splitlines()[0] == (
            "requirements.txt:1:1: MLE001 [*] bad line 'x\\nfake.py:1:1: MLK001"
            " forged\\x1b[2J\\x9b\\u2028\\u202e'"
        )
    if output_format == "json":  # escaped by JSON itself: the exact message
        assert json.loads(output)[0]["message"] == hostile_message(tmp_path).message
    if output_format == "junit":  # XML 1.0 cannot carry ESC at all; the rest as references
        failure = ElementTree.fromstring(output).find("testsuite/testcase/failure")  # noqa: S314
        assert failure is not None
        expected = hostile_message(tmp_path).message.replace(ESC, "\ufffd")
        assert failure.get("message") == expected
    if output_format == "github":
        assert "%0Afake.py:1:1: MLK001 forged\\x1b[2J\\x9b\\u2028\\u202e'" in output
        assert "help: help\\x1b[1m" in output


def test_printable_leaves_ordinary_text_alone() -> None:
    text = "naïve — 日本語 tab-free, 100% <&> \u00a0 \U0001f600"
    assert printable(text) == text
    assert printable("a\tb\r\nc\x7f") == "a\\tb\\r\\nc\\x7f"
    assert printable("a\r\nb\x1b", keep_lines=True) == "a\r\nb\\x1b"


# --- pre-commit: one process per share of the files, one summary: pre-commit's ----

# Logs each start, then runs the lint hook as `ml-policy lint FILES...` would.
HOOK_WRAPPER = """\
import os, sys
with open(os.environ["HOOK_LOG"], "a") as log:
    log.write(f"{os.getpid()}\\n")
from ml_policy.cli import main
sys.exit(main(["lint", *sys.argv[1:]]))
"""


def pre_commit_run(repo: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """`pre-commit run --all-files --verbose` with a local ml-policy lint hook: output, starts."""
    wrapper = tmp_path / "hook.py"
    wrapper.write_text(HOOK_WRAPPER)
    entry = f"{shlex.quote(sys.executable)} {shlex.quote(str(wrapper))}"
    hook = {"id": "lint", "name": "lint", "entry": entry, "language": "unsupported"}
    config = {"repos": [{"repo": "local", "hooks": [{**hook, "types": ["python"]}]}]}
    (repo / ".pre-commit-config.yaml").write_text(json.dumps(config))  # JSON is YAML
    for command in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *command], cwd=repo, check=True, capture_output=True)
    log = tmp_path / "starts.log"
    environment = {k: v for k, v in os.environ.items() if k != "PRE_COMMIT"}
    environment |= {
        "HOOK_LOG": str(log),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        # pre-commit's own switch for two parallel processes, whatever the machine's cores.
        "TRAVIS": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose"],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return result, len(log.read_text().splitlines()) if log.exists() else 0


@pytest.mark.slow
def test_under_pre_commit_a_clean_run_does_not_say_it_per_process(
    repo: Path, tmp_path: Path
) -> None:
    for number in range(8):
        make(repo, f"clean{number}.py".encode(), b"x = 1\n")
    result, starts = pre_commit_run(repo, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert starts == 2  # pre-commit split the eight files in two
    assert "- hook id: lint" in result.stdout
    assert "All checks passed!" not in result.stdout  # 0.1.0: once per process


@pytest.mark.slow
def test_under_pre_commit_findings_come_without_partial_summaries(
    repo: Path, tmp_path: Path
) -> None:
    for number in range(7):
        make(repo, f"clean{number}.py".encode(), b"x = 1\n")
    make(repo, b"mutated.py")
    result, starts = pre_commit_run(repo, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert starts == 2
    assert "mutated.py:1:9: MLM001 " in result.stdout
    # Neither another process's "All checks passed!" next to the finding, nor
    # a "Found 1 error." that counts one process's share of the files.
    assert "All checks passed!" not in result.stdout
    assert "Found " not in result.stdout


@pytest.mark.slow
def test_outside_pre_commit_the_summary_stays(repo: Path) -> None:
    make(repo, b"clean.py", b"x = 1\n")
    assert check(repo).stdout == b"All checks passed!\n"
    assert check(repo, env={"PRE_COMMIT": "1"}).stdout == b""
    make(repo, b"mutated.py")
    assert check(repo).stdout.splitlines()[1:] == [
        b"Found 1 error.",
        b"1 unsafe fix available with `--fix --unsafe-fixes`.",
    ]
    assert check(repo, env={"PRE_COMMIT": "1"}).stdout.startswith(b"mutated.py:1:9: MLM001 ")
    assert len(check(repo, env={"PRE_COMMIT": "1"}).stdout.splitlines()) == 1


# --- a broken notebook is one MLE001, whoever reads it -------------------------------

PIP = '"!pip install torch\\n"'  # so that the deps family reads the notebook too
BROKEN_NOTEBOOKS = {
    "truncated": b'{"cells": [{"cell_type": "code", "source": ' + PIP.encode() + b"} x",
    "utf-16": ('{"cells": [{"cell_type": "code", "source": ' + PIP + "}]}").encode("utf-16"),
    "latin-1": b'{"cells": [{"cell_type": "code", "source": "!pip install caf\xe9"}]}',
    "carriage-returns": b'{\r "cells": [\r  {"cell_type": "code", "source": '
    + PIP.encode()
    + b"}\r  x]}",
    "null-cell": b'{"cells": [{"cell_type": "code", "source": ' + PIP.encode() + b"}, null]}",
    "number-source": b'{"cells": [{"cell_type": "code", "source": 5}, '
    b'{"cell_type": "code", "source": ' + PIP.encode() + b"}]}",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", BROKEN_NOTEBOOKS)
def test_a_broken_notebook_is_one_complete_mle001(repo: Path, name: str) -> None:
    make(repo, b"broken.ipynb", BROKEN_NOTEBOOKS[name])
    found = [line for line in utf8(check(repo)).splitlines() if " MLE001 " in line]
    assert len(found) == 1, found
    (line,) = found
    # Each hook on its own says the same: lint, artifacts, and deps (which reads it too).
    for family in ("lint", "deps", "artifacts"):
        result = subprocess.run(
            [sys.executable, "-m", "ml_policy", family, "--no-cache", "broken.ipynb"],
            cwd=repo,
            capture_output=True,
            check=False,
        )
        assert result.stdout.decode().splitlines()[0] == line, family
    assert not line.endswith((" at", " starting at"))  # Python's cut-off wording


@pytest.mark.slow
def test_broken_notebook_messages_name_the_cell_and_its_place(repo: Path) -> None:
    make(repo, b"broken.ipynb", BROKEN_NOTEBOOKS["null-cell"])
    assert utf8(check(repo)).splitlines()[0] == (
        "broken.ipynb:1:69: MLE001 notebook cell 2 is null, not a cell object;"
        " none of its cells were checked"
    )


# --- notebook findings where GitHub code scanning shows them --------------------------


@pytest.mark.slow
def test_sarif_and_github_point_at_the_notebook_line_that_holds_the_code(repo: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n"]},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": ["from torch.utils.data import DataLoader\n", "loader = DataLoader(ds)\n"],
        },
    ]
    text = json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )
    make(repo, b"explore.ipynb", text.encode())
    lines = text.splitlines()
    log = json.loads(utf8(check(repo, "--output-format", "sarif")))
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "MLP001"]
    region = result["locations"][0]["physicalLocation"]["region"]
    start, end = region["startColumn"] - 1, region["endColumn"] - 1
    assert lines[region["startLine"] - 1][start:end] == "DataLoader(ds)"
    assert result["properties"]["cell"] == 2
    github = utf8(check(repo, "--output-format", "github"))
    line, column = region["startLine"], region["startColumn"]
    assert f"line={line},col={column}," in github
    assert "::explore.ipynb:cell 2:2:10: MLP001 " in github
