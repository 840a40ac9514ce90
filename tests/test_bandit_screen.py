"""bandit's file list screened by text (ml_policy.bandit_screen).

The screen may only take out files bandit could not report: the slow tests
run the real bandit over every blacklisted name, written every way bandit
reads it (and ways meant to slip past a text search), with and without the
screen, and compare the findings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bandit.core import extension_loader

from ml_policy.bandit_screen import may_match, needles

BLACKLISTS: dict[str, list[dict[str, Any]]] = extension_loader.MANAGER.blacklist
XMLRPC = [("xmlrpc",)]


def test_needles_are_the_parts_of_each_name() -> None:
    table = {
        "Import": [{"qualnames": ["Crypto.Cipher", "pyghmi"]}],
        "Call": [{"qualnames": ["pyghmi"]}],
    }
    assert needles(table) == [("Crypto", "Cipher"), ("pyghmi",)]


@pytest.mark.parametrize(
    "source",
    [
        b"import xmlrpc.client\n",
        b"from xmlrpc import client\n",
        b"mod = __import__('x' 'mlrpc')\n",  # concatenated: only the call is in the text
        b"import importlib\nmod = importlib.import_module('\\x78mlrpc')\n",
        "import \uff58mlrpc.client\n".encode(),  # fullwidth x: the identifier is xmlrpc
        b"# coding: utf-7\nimport +AHg-mlrpc\n",  # UTF-7 spells x as +AHg-
        b"# coding: no-such-codec\nimport os\n",  # unreadable: bandit says so
        b"\xff\xfe not utf-8\n",
    ],
)
def test_kept_when_bandit_could_read_a_name(source: bytes) -> None:
    assert may_match(source, XMLRPC, calls=True)


@pytest.mark.parametrize(
    ("source", "calls"),
    [
        (b"import os\nprint('hello')\n", True),
        ("# caf\u00e9: non-ASCII, no name\nimport os\n".encode(), True),
        (b"# -*- coding: latin-1 -*-\nimport os\n", True),
        (b"mod = __import__('x' 'mlrpc')\n", False),  # no Call blacklist: the call is harmless
    ],
)
def test_screened_out_when_no_name_can_be_there(source: bytes, calls: bool) -> None:
    assert not may_match(source, XMLRPC, calls=calls)


def test_every_part_must_occur() -> None:
    parts = [("Crypto", "Cipher")]
    assert not may_match(b"import Crypto\n", parts, calls=False)
    assert may_match(b"from Crypto import Cipher\n", parts, calls=False)
    assert may_match(b"import Crypto . \\\n  Cipher\n", parts, calls=False)


def _forms(qualname: str) -> list[str]:
    """Ways a file can name `qualname` for bandit (import, call through an alias, import call)."""
    head, _, tail = qualname.rpartition(".")
    spelled = "".join(f"\\x{ord(char):02x}" for char in qualname)
    forms = [
        f"import {qualname}\n",
        f"import importlib\nimportlib.import_module('{spelled}')\n",
        f"__import__('{qualname[:1]}' '{qualname[1:]}')\n",
    ]
    if "a" <= qualname[0] <= "z":  # the fullwidth letter: the same identifier to Python
        fullwidth = chr(ord("\uff41") + ord(qualname[0]) - ord("a"))
        forms.append(f"import {fullwidth}{qualname[1:]}\n")
    if head:
        forms += [f"from {head} import {tail}\n", f"import {head} as alias\nalias.{tail}()\n"]
    else:
        forms.append(f"{qualname}()\n")
    return forms


def _bandit(module: str, folder: Path, tests: str) -> tuple[set[tuple[str, int, str]], set[str]]:
    """(findings, files read) of a bandit run over every file of `folder`."""
    files = sorted(str(path) for path in folder.iterdir())
    command = [sys.executable, "-m", module, "-q", "-f", "json", "-t", tests, *files]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=folder)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    found = {(Path(r["filename"]).name, r["line_number"], r["test_id"]) for r in report["results"]}
    read = {Path(name).name for name in report["metrics"] if name != "_totals"}
    return found, read


@pytest.mark.slow
def test_screened_bandit_reports_every_blacklisted_name_as_bandit_does(tmp_path: Path) -> None:
    checks = [check for node_checks in BLACKLISTS.values() for check in node_checks]
    qualnames = sorted({name for check in checks for name in check["qualnames"]})
    for number, qualname in enumerate(qualnames):
        for variant, form in enumerate(_forms(qualname)):
            (tmp_path / f"f{number}_{variant}.py").write_text(form, encoding="utf-8")
    (tmp_path / "utf7.py").write_bytes(b"# coding: utf-7\nimport +AHg-mlrpc\n")
    (tmp_path / "plain.py").write_text("import os\nprint(os.sep)\n")
    tests = ",".join(sorted({check["id"] for check in checks}))

    plain, plain_read = _bandit("bandit", tmp_path, tests)
    screened, screened_read = _bandit("ml_policy.bandit_screen", tmp_path, tests)

    assert screened == plain
    assert len({name for name, _, _ in plain}) > 2 * len(qualnames)  # the forms really are found
    assert ("utf7.py", 2, "B411") in screened
    assert "plain.py" in plain_read
    assert "plain.py" not in screened_read


@pytest.mark.slow
def test_no_screen_when_a_test_is_not_a_blacklist(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("import os\nassert os.sep\n")
    found, read = _bandit("ml_policy.bandit_screen", tmp_path, "B101,B411")
    assert found == {("plain.py", 2, "B101")}
    assert read == {"plain.py"}


@pytest.mark.slow
def test_hook_reports_and_screens(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\ntests = ["B411", "B413"]\n')
    (tmp_path / "rpc.py").write_text("import xmlrpc.client\n")
    (tmp_path / "plain.py").write_text("import os\n")
    command = [sys.executable, "-m", "ml_policy", "bandit", "rpc.py", "plain.py"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.returncode == 1
    assert "B411" in result.stdout
    assert "Total lines of code: 1\n" in result.stdout  # plain.py was not read
