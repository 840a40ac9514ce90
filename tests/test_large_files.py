"""Large inputs (issue 8 section 4): bounded stages, said out loud, and cheaper positions.

Speed itself is measured in benchmarks/large_files.py, not here: these tests check
the behaviour (what is reported for a file over a stage's limit, that findings in
large files within the limits are still reported) and that the cheaper position
computation gives exactly what libcst's PositionProvider gives.
"""

from __future__ import annotations

import io
import json
import sys
import tokenize
from pathlib import Path

import libcst as cst
import pytest
from conftest import PYTHON_PROGRAMS, ml_policy, run
from hypothesis import HealthCheck, given, settings
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from ml_policy import registry
from ml_policy.config import Settings
from ml_policy.lint.engine import lint_bytes
from ml_policy.lint.limits import AST_MAX_TOKENS, CST_MAX_TOKENS, count_tokens
from ml_policy.lint.positions import WantedPositions, positions
from ml_policy.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]
LOADER = "from torch.utils.data import DataLoader\n\nloader = DataLoader(ds, batch_size=8)\n"
# The messages below name the rules a file was not checked by: the first release's rules,
# so that a later rule's text screen does not change which ones these files reach.
FIRST_RULES = tuple(r for r in ALL_RULES if registry.added(r.code) == registry.FIRST_RELEASE)


def padding(size: int) -> str:
    """About `size` characters of Python that cost the parsers nothing: one string literal."""
    body = ("weights and vocabulary " * (size // 23 + 1))[: size - 12]
    return f'PAD = """{body}"""\n'


def numbers(tokens: int) -> str:
    """A list literal of about `tokens` tokens, about as many characters: dense data."""
    return "X = [" + "1," * (tokens // 2) + "]\n"


def lint(path: Path, text: str) -> list[tuple[str, int, str]]:
    path.write_text(text)
    found = lint_bytes(path, text.encode(), Settings(root=path.parent), FIRST_RULES)
    return [(d.code, d.line, d.message) for d in found]


# --- files over a stage's limit: one MLE001 that names the rules not checked -------------


def test_over_the_ast_limit_is_mle001_naming_the_rules(tmp_path: Path) -> None:
    text = LOADER + numbers(AST_MAX_TOKENS)
    [(code, line, message)] = lint(tmp_path / "train.py", text)
    assert (code, line) == ("MLE001", 1)
    assert message == (
        "file too large for the ML rules (more than 400,000 Python tokens): "
        "not checked by MLM002, MLP001, MLP003"
    )


def test_over_the_ast_limit_without_any_trigger_is_clean(tmp_path: Path) -> None:
    """The text pre-filter is exact: no rule's trigger, no possible finding."""
    assert lint(tmp_path / "table.py", numbers(2 * AST_MAX_TOKENS)) == []


@pytest.mark.slow
def test_over_the_libcst_limit_is_mle001_naming_the_screened_rules(tmp_path: Path) -> None:
    text = LOADER + numbers(CST_MAX_TOKENS)
    tokens = count_tokens(text, AST_MAX_TOKENS)
    assert CST_MAX_TOKENS < tokens < CST_MAX_TOKENS + 100
    [(code, line, message)] = lint(tmp_path / "train.py", text)
    assert (code, line) == ("MLE001", 1)
    assert message == (
        f"file too large for the ML rules' full parse ({tokens:,} Python tokens > 100,000 "
        "limit): not checked by MLP001"  # the screens of MLP003 and MLM002 found nothing
    )


def test_over_the_libcst_limit_but_no_candidate_is_clean(tmp_path: Path) -> None:
    text = "from torch.utils.data import DataLoader\n\nprint(DataLoader)\n"
    assert lint(tmp_path / "train.py", text + numbers(CST_MAX_TOKENS)) == []


def test_over_the_limits_in_a_test_file_the_rules_skip_is_clean(tmp_path: Path) -> None:
    """MLP001/MLP003 never check tests: no MLE001 for what they would not have reported."""
    assert lint(tmp_path / "test_loader.py", LOADER + numbers(CST_MAX_TOKENS)) == []
    [(_, _, message)] = lint(tmp_path / "test_big.py", LOADER + numbers(AST_MAX_TOKENS))
    assert message.endswith("not checked by MLM002")  # `torch` is in it; MLM002 checks tests


def test_a_large_file_of_few_tokens_is_checked_to_its_end(tmp_path: Path) -> None:
    """Megabytes of docstrings are a few tokens: the limits count tokens, not bytes."""
    text = LOADER + padding(3 << 20) + "late = DataLoader(ds)\n"
    found = lint(tmp_path / "train.py", text)
    assert [(code, line) for code, line, _ in found] == [("MLP001", 3), ("MLP001", 5)]


@pytest.mark.slow
def test_a_file_just_within_the_libcst_limit_is_checked(tmp_path: Path) -> None:
    text = LOADER + numbers(CST_MAX_TOKENS - 1000) + "late = DataLoader(ds)\n"
    assert count_tokens(text, AST_MAX_TOKENS) <= CST_MAX_TOKENS
    found = lint(tmp_path / "train.py", text)
    assert [(code, line) for code, line, _ in found] == [("MLP001", 3), ("MLP001", 5)]


def test_a_notebook_over_the_limit_is_mle001(tmp_path: Path) -> None:
    cells = [LOADER, numbers(CST_MAX_TOKENS)]
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "source": c,
                "execution_count": None,
            }
            for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    [(code, _, message)] = lint(tmp_path / "explore.ipynb", json.dumps(notebook))
    assert code == "MLE001"
    assert message.startswith("file too large for the ML rules' full parse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = 1\n", 3),
        ("def f(a, *b):  # comment, with 'quotes'\n    return a ** 2\n", 15),
        ('s = f"{x!r}" + rb\'\\\'\' + """a\n\'\'\' " b"""\n', 7),
        ("t = 'it''s' \\\n    'more'\n", 6),  # Python: 5 (the backslash is not a token)
    ],
)
def test_tokens_are_counted_as_python_counts_them(text: str, expected: int) -> None:
    """Strings and comments are one token each, an operator character one (`**` two): as
    Python counts them, or a few more, never fewer."""
    assert count_tokens(text, 1000) == expected


def _python_tokens(text: str) -> int:
    layout = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return sum(1 for token in tokens if token.type not in layout)


@pytest.mark.slow
def test_the_count_is_never_below_pythons_on_real_code() -> None:
    """The limits bound memory per token: the estimate must not undercount real code."""
    for folder in ("src", "tests", "examples", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            python = _python_tokens(text)
            assert python <= count_tokens(text, 10**7) <= 1.5 * python + 10, path


def test_counting_stops_past_the_limit() -> None:
    assert count_tokens("a " * 1000, 10) == 11


@pytest.mark.slow
def test_the_cli_reports_an_unchecked_large_file_as_an_error(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(LOADER + numbers(AST_MAX_TOKENS))
    result = ml_policy("lint", "--no-cache", "train.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "train.py:1:1: MLE001 file too large for the ML rules (more than 400,000" in (
        result.stdout
    )


@pytest.mark.slow
def test_a_file_over_the_libcst_limit_never_imports_libcst(tmp_path: Path) -> None:
    """The work a large file costs: the stdlib parse and the screens, no libcst at all."""
    (tmp_path / "train.py").write_text(LOADER + numbers(CST_MAX_TOKENS))
    probe = (
        "import sys; from ml_policy.cli import main; "
        "code = main(['lint', '--no-cache', 'train.py']); "
        "print(code, 'libcst._nodes.base' in sys.modules)"
    )
    result = run([sys.executable, "-c", probe], tmp_path, check=True)
    assert result.stdout.strip().endswith("1 False")


# --- the other checkers -------------------------------------------------------------------


@pytest.mark.slow
def test_a_manifest_over_a_megabyte_is_mle001_not_minutes_of_parsing(tmp_path: Path) -> None:
    lines = "".join(f"package-{i}==1.0.{i}\n" for i in range(60_000))  # about 1.3 MB
    (tmp_path / "requirements.txt").write_text("numpy>=1.2\n" + lines)
    result = ml_policy("deps", "--no-cache", "--output-format", "json", ".", cwd=tmp_path)
    [record] = json.loads(result.stdout)
    assert record["code"] == "MLE001"
    assert record["message"].startswith("not checked: ")
    assert record["message"] == "not checked: larger than 1 MB"


@pytest.mark.slow
def test_a_large_notebook_is_still_scanned_for_install_commands(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": padding(3 << 20)},
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "!pip install transformers\n",
        },
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "explore.ipynb").write_text(json.dumps(notebook))
    result = ml_policy("deps", "--no-cache", "--output-format", "json", ".", cwd=tmp_path)
    assert [r["code"] for r in json.loads(result.stdout)] == ["MLD006"]


# --- positions: PositionProvider's ranges, for the reported nodes only -------------------

# Constructs whose positions are computed specially (hoisted starts and ends, syntactic
# ranges that skip whitespace and parentheses), odd newlines and wide characters.
TRICKY = (
    "x = 1\r\ny = (\r\n    2\r\n)\r\n",
    "x = 1\ry = [\r  2,\r]\r",
    "x = 1\r\n\ry = 2\n\r\nz = 3\n",
    "@decorator\n@other(1)\ndef f(a, /, b=(1), *c, d: int = 2, **e) -> None:\n    pass\n",
    "class A(B, metaclass=M):\n    '''doc'''\n\n    x: int = 1\n    def f(self): ...\n",
    "if a:\n\tpass\nelif b:\n\tx = 1; y = 2;\nelse:\n\t# comment\n\tpass\n",
    "s = 'é' + \"日本語\" + f'{x!r:>{width}}' + b'\\x00'\n",
    "with (open(a) as f, open(b) as g):\n    async def h():\n        await x\n",
    "try:\n    pass\nexcept (A, B) as e:\n    raise\nelse:\n    pass\nfinally:\n    del x\n",
    "match p:\n    case [1, *rest] | {'k': v, **kw} if v:\n        pass\n"
    "    case C(a=1):\n        pass\n",
    "x = (  # comment\n    a\n    + b  # more\n)\nlambda: (yield)\n",
    "for i in range(3):\n    continue\nelse:\n    pass\nwhile x:\n    break\n",
    "def f():\n    global g\n    nonlocal_ = [i for i in x if i for j in i]\n"
    "    return {k: v for k, v in d}\n",
    "x = \\\n    1\n",
    "",
    "\n\n# only a comment\n",
    "pass",
)


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def _all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    collector = _Nodes()
    module.visit(collector)
    return collector.nodes


def _expected(module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


def _sources() -> list[tuple[str, str]]:
    found = [(f"tricky-{i}", text) for i, text in enumerate(TRICKY)]
    for rule in ALL_RULES:
        for kind in ("valid", "invalid"):
            for i, snippet in enumerate(rule.examples(kind)):
                found.append((f"{rule.code}-{kind}-{i}", snippet))
    for folder in ("examples", "src/ml_policy/lint", "src/ml_policy/rules"):
        found.extend(
            (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
            for path in sorted((ROOT / folder).rglob("*.py"))
        )
    return found


SOURCES = _sources()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "text"), SOURCES, ids=[name for name, _ in SOURCES])
def test_positions_of_every_node_are_position_providers(name: str, text: str) -> None:
    module = cst.parse_module(text)
    expected = _expected(module)
    assert positions(module, _all_nodes(module)) == expected


@pytest.mark.parametrize(
    ("name", "text"), SOURCES[: len(TRICKY)], ids=[n for n, _ in SOURCES[: len(TRICKY)]]
)
def test_positions_of_one_node_at_a_time(name: str, text: str) -> None:
    """Asked alone, each node still gets its range (hoisted ends, stopping early)."""
    module = cst.parse_module(text)
    expected = _expected(module)
    for node in _all_nodes(module):
        assert positions(module, [node])[node] == expected[node]


def test_positions_of_nothing_generate_nothing() -> None:
    assert positions(cst.parse_module("x = 1\n"), []) == {}


@pytest.mark.slow
def test_positions_stop_generating_code_after_the_last_wanted_node() -> None:
    """Work in proportion to where the findings are, not to the module's size."""
    module = cst.parse_module("x = [1, 2]\n" + "y = x\n" * 20_000)
    first = module.body[0]
    state = WantedPositions.of(module, [first])
    assert state.found[first] == _expected(module)[first]
    assert len(state.tokens) < 20  # the first statement's tokens, not 100,000


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(PYTHON_PROGRAMS)
def test_positions_match_on_generated_programs(source: str) -> None:
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return
    nodes = _all_nodes(module)
    expected = _expected(module)
    assert positions(module, nodes) == expected
    for node in nodes[:: max(1, len(nodes) // 7)]:
        assert positions(module, [node])[node] == expected[node]
