"""The lint engine on real files: bad input, notebooks, noqa, cache, pool, fixes, start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PYTHON_PROGRAMS, lint_file, ml_policy, notebook, run
from hypothesis import HealthCheck, given, settings

from ml_policy.config import Settings
from ml_policy.lint.engine import lint_bytes
from ml_policy.rules import ALL_RULES

TRIGGERING = "from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=4)\n"


def lint(tmp_path: Path, name: str, data: bytes) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.line, d.column, d.message) for d in lint_file(tmp_path / name, data)]


def codes_and_lines(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, str]]:
    records = json.loads(result.stdout)
    return [(Path(r["filename"]).name, r["code"], str(r["location"]["row"])) for r in records]


# --- bad input: a clear finding naming the position, never a traceback ----------------


def test_syntax_error_is_mle001_with_position(tmp_path: Path) -> None:
    [(code, line, column, message)] = lint(tmp_path, "a.py", b"x = 1\ndef f(:\n    pass\n")
    assert (code, line, column) == ("MLE001", 2, 7)
    assert message.startswith("cannot parse: ")


def test_python2_file(tmp_path: Path) -> None:
    data = b'print "hello"\n' + TRIGGERING.encode()  # parsed: a rule could fire on it
    [(code, line, _, message)] = lint(tmp_path, "py2.py", data)
    assert (code, line) == ("MLE001", 1)
    assert "print" in message or "parenthes" in message


def test_syntax_error_where_no_rule_could_fire_is_left_to_ruff(tmp_path: Path) -> None:
    """Not parsed at all: the text pre-filter clears it first (Ruff reports the error)."""
    assert lint(tmp_path, "py2.py", b'print "hello"\n') == []


def test_syntax_newer_than_the_running_python(tmp_path: Path) -> None:
    # PEP 695 (3.12); the mutable default makes MLM001 a candidate, so the file is parsed.
    data = b"def first[T](items: list[T] = []) -> T:\n    return items[0]\n"
    found = lint(tmp_path, "generic.py", data)
    if sys.version_info >= (3, 12):
        assert found == []
    else:
        [(code, line, _, message)] = found
        assert (code, line) == ("MLE001", 1)
        assert "Python 3.12 syntax" in message


def test_undecodable_file(tmp_path: Path) -> None:
    [(code, line, _, message)] = lint(tmp_path, "latin.py", b"x = 1\ns = '\xe9t\xe9'\n")
    assert (code, line) == ("MLE001", 2)
    assert "cannot decode as utf-8" in message


def test_coding_cookie_is_honoured(tmp_path: Path) -> None:
    data = ("# -*- coding: latin-1 -*-\ns = 'été'\n" + TRIGGERING).encode("latin-1")
    assert [c for c, *_ in lint(tmp_path, "cookie.py", data)] == ["MLP001"]


def test_bom_and_crlf_keep_positions(tmp_path: Path) -> None:
    data = ("\ufeff" + TRIGGERING).replace("\n", "\r\n").encode()
    assert [(c, line, col) for c, line, col, _ in lint(tmp_path, "bom.py", data)] == [
        ("MLP001", 2, 10)
    ]


@pytest.mark.parametrize("data", [b"", b"\n\n", b"# just a comment\n"])
def test_empty_files(tmp_path: Path, data: bytes) -> None:
    assert lint(tmp_path, "empty.py", data) == []


def test_null_bytes_and_binary(tmp_path: Path) -> None:
    [(code, *_)] = lint(tmp_path, "bin.py", b"\x00\x01\x02\x89PNG\r\n\x1a\n")
    assert code == "MLE001"


def test_deep_nesting_does_not_crash(tmp_path: Path) -> None:
    data = ("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n" + TRIGGERING).encode()
    assert [c for c, *_ in lint(tmp_path, "deep.py", data)] in (["MLE001"], ["MLP001"])


@pytest.mark.parametrize("terms", [1000, 3000])
def test_long_operator_chains_do_not_crash(tmp_path: Path, terms: int) -> None:
    # Valid Python that ast accepts but libcst's recursive visitor cannot walk (1000
    # terms) or that ast itself rejects (3000): a finding, never a RecursionError.
    data = (TRIGGERING + "x = " + " + ".join(["a"] * terms) + "\n").encode()
    [(code, line, _, message)] = lint(tmp_path, "chain.py", data)
    assert (code, line) == ("MLE001", 1)
    assert "deep" in message or "recursion" in message


@pytest.mark.slow
def test_python_syntax_warnings_are_not_printed(tmp_path: Path) -> None:
    # An invalid escape: a SyntaxWarning on 3.12+, a DeprecationWarning (shown with -W) before.
    (tmp_path / "train.py").write_text('PATTERN = "\\d+"\n' + TRIGGERING)
    command = [sys.executable, "-W", "default", "-m", "ml_policy", "lint", "--no-cache", "train.py"]
    result = run(command, tmp_path)
    assert result.returncode == 1
    assert result.stderr == ""


@pytest.mark.slow
def test_bad_files_do_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "train.py").write_text(TRIGGERING)
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    (tmp_path / "big.py").write_bytes(b"# padding\n" * (2 * 1024 * 1024 + 1))
    result = ml_policy("check", ".", "--no-cache", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    found = codes_and_lines(result)
    assert ("broken.py", "MLE001", "1") in found
    assert ("train.py", "MLP001", "2") in found
    assert "dangling.py" not in [name for name, _, _ in found]  # a link, judged as a link
    messages = [r["message"] for r in json.loads(result.stdout)]
    assert any(m.startswith("not checked: larger than") for m in messages)


# --- notebooks ------------------------------------------------------------------------


@pytest.mark.slow
def test_notebook_cells_are_checked_with_cell_positions(tmp_path: Path) -> None:
    data = notebook(
        ("markdown", "# Training\nSome prose, DataLoader(x)"),
        ("code", "%pip install torch==2.5.1\nfrom torch.utils.data import DataLoader"),
        ("code", "!nvidia-smi\nfor i in range(2):\n    %time x = i\nloader = DataLoader(ds)"),
        ("code", "%%bash\nDataLoader(  ds )"),
    ).encode()
    path = tmp_path / "explore.ipynb"
    path.write_bytes(data)
    [diagnostic] = lint_bytes(path, data, Settings(root=tmp_path), ALL_RULES)
    assert (diagnostic.code, diagnostic.cell, diagnostic.line, diagnostic.column) == (
        "MLP001",
        3,
        4,
        10,
    )
    result = ml_policy("lint", "explore.ipynb", "--no-cache", cwd=tmp_path)
    assert result.stdout.startswith("explore.ipynb:cell 3:4:10: MLP001 ")


def test_notebook_magic_assignments_bind_unknown_values(tmp_path: Path) -> None:
    data = notebook(
        ("code", "VERSION = !curl -s https://example.invalid/v\ntimes = %timeit -o f()"),
        ("code", "from torch.utils.data import DataLoader\nloader = DataLoader(ds)"),
    ).encode()
    path = tmp_path / "explore.ipynb"
    path.write_bytes(data)
    found = lint_bytes(path, data, Settings(root=tmp_path), ALL_RULES)
    assert [(d.code, d.cell, d.line) for d in found] == [("MLP001", 2, 2)]


def test_notebook_magics_continued_with_a_backslash(tmp_path: Path) -> None:
    # IPython joins a `!`/`%` line ending in `\` with the next: not an "unexpected indent".
    data = notebook(
        ("code", "!pip install torch \\\n    --index-url https://x \\\n  -q\nx = 1 + \\\n  2"),
        ("code", "%pip install a \\\n  b\nfrom torch.utils.data import DataLoader"),
        ("code", "loader = DataLoader(ds)"),
    ).encode()
    path = tmp_path / "explore.ipynb"
    found = lint_bytes(path, data, Settings(root=tmp_path), ALL_RULES)
    assert [(d.code, d.cell, d.line) for d in found] == [("MLP001", 3, 1)]


def test_notebook_that_is_not_json(tmp_path: Path) -> None:
    [(code, line, _, message)] = lint(tmp_path, "bad.ipynb", b'{"cells": [\n  {"cell_type": ')
    assert (code, line) == ("MLE001", 2)
    assert message.startswith("notebook is not valid JSON")


def test_notebook_syntax_error_points_into_its_cell(tmp_path: Path) -> None:
    data = notebook(("code", "import torch"), ("code", "x = 1\ndef f(:\n    pass")).encode()
    path = tmp_path / "nb.ipynb"
    [diagnostic] = lint_bytes(path, data, Settings(root=tmp_path), ALL_RULES)
    assert (diagnostic.code, diagnostic.cell, diagnostic.line) == ("MLE001", 2, 2)


# --- suppression -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "reported"),
    [
        ("", True),
        ("  # noqa", False),
        ("  # noqa: MLP001", False),
        ("  # NOQA:MLP001,E501", False),
        ("  # noqa: E501 MLP001", False),
        ("  # noqa: MLP003", True),
        ("  # noqa: E501", True),
    ],
)
def test_noqa(tmp_path: Path, comment: str, reported: bool) -> None:
    data = TRIGGERING.rstrip("\n") + comment + "\n"
    assert bool(lint(tmp_path, "a.py", data.encode())) is reported


@pytest.mark.slow
def test_selection_and_per_file_ignores_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ml-policy]\nselect = ["MLP"]\nper-file-ignores = { "scripts/" = ["MLP001"] }\n'
    )
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "run.py").write_text(TRIGGERING)
    (tmp_path / "train.py").write_text(TRIGGERING)
    result = ml_policy("check", ".", "--no-cache", "--output-format", "json", cwd=tmp_path)
    assert codes_and_lines(result) == [("train.py", "MLP001", "2")]
    ignored = ml_policy("check", ".", "--no-cache", "--ignore", "MLP001", cwd=tmp_path)
    assert ignored.returncode == 0


# --- cache and pool ----------------------------------------------------------------------


@pytest.mark.slow
def test_concurrent_hook_processes_share_the_cache(tmp_path: Path) -> None:
    for index in range(30):
        (tmp_path / f"m{index}.py").write_text(TRIGGERING + f"x = {index}\n")
    command = [sys.executable, "-m", "ml_policy", "lint", "--output-format", "json"]
    files = sorted(p.name for p in tmp_path.glob("*.py"))
    processes = [
        subprocess.Popen([*command, *files], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [json.loads(p.communicate(timeout=120)[0]) for p in processes]
    assert all(output == outputs[0] for output in outputs)
    assert len(outputs[0]) == 30
    for entry in (tmp_path / ".ml-policy-cache").rglob("*.json"):
        json.loads(entry.read_bytes().partition(b"\n")[2])  # whole entries only
    assert not list((tmp_path / ".ml-policy-cache").rglob("*.tmp"))


@pytest.mark.slow
def test_pool_gives_the_same_result(tmp_path: Path) -> None:
    for index in range(40):
        (tmp_path / f"m{index}.py").write_text(TRIGGERING if index % 3 else "def f(:\n")
    args = ("check", ".", "--no-cache", "--output-format", "json")
    single = run([sys.executable, "-m", "ml_policy", *args], tmp_path)
    env = {**os.environ, "ML_POLICY_WORKERS": "2"}
    pooled = subprocess.run(
        [sys.executable, "-m", "ml_policy", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert json.loads(pooled.stdout) == json.loads(single.stdout)
    assert len(json.loads(single.stdout)) == 40


# --- fixes -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_fix_keeps_encoding_and_line_endings(tmp_path: Path) -> None:
    source = (
        "# -*- coding: latin-1 -*-\n# été\nimport torch\n"
        + TRIGGERING
        + "batch = next(iter(loader)).cuda()\n"
    )
    path = tmp_path / "train.py"
    path.write_bytes(source.replace("\n", "\r\n").encode("latin-1"))
    result = ml_policy("lint", "train.py", "--fix", "--unsafe-fixes", "--no-cache", cwd=tmp_path)
    fixed = path.read_bytes()
    assert b"loader = DataLoader(ds, batch_size=4, pin_memory=True)\r\n" in fixed
    assert "# été\r\n".encode("latin-1") in fixed
    assert result.stdout.startswith("train.py:5:10: MLP001")  # not fixable: still reported
    assert result.stdout.endswith("Found 2 errors (1 fixed, 1 remaining).\n")  # Ruff's wording


@pytest.mark.slow
def test_safe_fix_only_without_unsafe_flag(tmp_path: Path) -> None:
    source = (
        "import torch\n"
        + TRIGGERING.replace("batch_size=4", "batch_size=4, num_workers=2")
        + "x = loader.cuda()\n"
    )
    path = tmp_path / "train.py"
    path.write_text(source)
    result = ml_policy("lint", "train.py", "--fix", "--no-cache", cwd=tmp_path)
    assert path.read_text() == source  # MLP003's fix is unsafe
    assert result.returncode == 1
    diff = ml_policy("lint", "train.py", "--diff", "--unsafe-fixes", "--no-cache", cwd=tmp_path)
    assert "+loader = DataLoader(ds, batch_size=4, num_workers=2, pin_memory=True)" in diff.stdout
    assert path.read_text() == source


# --- start-up ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_file_the_prefilter_clears_never_imports_libcst(tmp_path: Path) -> None:
    (tmp_path / "utils.py").write_text("def add(a, b):\n    return a + b\n")
    probe = (
        "import sys; from ml_policy.cli import main; "
        "code = main(['lint', '--no-cache', 'utils.py']); "
        "print(code, 'libcst._nodes.base' in sys.modules)"
    )
    result = run([sys.executable, "-c", probe], tmp_path, check=True)
    assert result.stdout.strip().endswith("0 False")


# --- fuzzing -----------------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=PYTHON_PROGRAMS)
def test_generated_programs_never_crash_the_engine(source: str) -> None:
    path = Path("generated.py")
    text = source + "\nfrom torch.utils.data import DataLoader\nDataLoader(ds)\n"
    for diagnostic in lint_bytes(
        path, text.encode("utf-8", "surrogatepass"), Settings(root=Path.cwd()), ALL_RULES
    ):
        assert diagnostic.line >= 1
