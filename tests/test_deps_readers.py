"""Manifest readers and pin classification: positions, shapes, and bad input (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from ml_policy.deps.classify import classify_conda, classify_pep508, classify_poetry
from ml_policy.deps.conda import parse_conda_environment, parse_match_spec
from ml_policy.deps.errors import ManifestError
from ml_policy.deps.model import Pin
from ml_policy.deps.pyproject import parse_pyproject
from ml_policy.deps.requirements import logical_lines, parse_requirements
from ml_policy.deps.setupfiles import parse_setup_cfg, parse_setup_py

# --- classification ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pin", "version"),
    [
        ("torch==2.1.0", Pin.EXACT, "2.1.0"),
        ("torch==2.1.0+cu121", Pin.EXACT, "2.1.0+cu121"),
        ("torch===2.1.0-custom", Pin.EXACT, "2.1.0-custom"),
        ("torch>=2,==2.1.0", Pin.EXACT, "2.1.0"),
        ("torch==2.*", Pin.BOUNDED, None),
        ("torch~=2.1", Pin.BOUNDED, None),
        ("torch<3", Pin.BOUNDED, None),
        ("torch>=2,<3", Pin.BOUNDED, None),
        ("torch>=2", Pin.LOWER, None),
        ("torch>2,!=2.0.1", Pin.LOWER, None),
        ("torch!=2.0.1", Pin.UNPINNED, None),
        ("torch", Pin.UNPINNED, None),
        ("torch[cuda]", Pin.UNPINNED, None),
        ("torch @ git+https://github.com/pytorch/pytorch@" + "a" * 40, Pin.EXACT, None),
        ("torch @ git+https://github.com/pytorch/pytorch@v2.1.0", Pin.UNPINNED, None),
        ("torch @ git+https://github.com/pytorch/pytorch", Pin.UNPINNED, None),
        ("torch @ https://h/torch-2.1.0-py3-none-any.whl#sha256=" + "0" * 64, Pin.EXACT, None),
        ("torch @ https://h/torch-2.1.0-py3-none-any.whl", Pin.UNPINNED, None),
    ],
)
def test_classify_pep508(text: str, pin: Pin, version: str | None) -> None:
    found = classify_pep508(Pep508(text))
    assert (found.pin, found.version) == (pin, version)


def test_classify_pep508_hash_option_pins_a_url() -> None:
    found = classify_pep508(Pep508("torch @ https://h/torch-2.1.0-py3-none-any.whl"), hashed=True)
    assert found.pin is Pin.EXACT


@pytest.mark.parametrize(
    ("constraint", "pin"),
    [
        ("2.1.0", Pin.EXACT),
        ("==2.1.0", Pin.EXACT),
        ("^2.1", Pin.BOUNDED),
        ("~2.1", Pin.BOUNDED),
        ("~=2.1", Pin.BOUNDED),
        ("2.1.*", Pin.BOUNDED),
        (">=2.1,<3", Pin.BOUNDED),
        (">= 2.1 < 3", Pin.BOUNDED),
        (">=2.1", Pin.LOWER),
        ("*", Pin.UNPINNED),
        ("", Pin.UNPINNED),
        ("2.0.0 || 2.1.0", Pin.BOUNDED),
        (">=2 || 1.0.0", Pin.LOWER),
        ("latest", Pin.UNKNOWN),
    ],
)
def test_classify_poetry(constraint: str, pin: Pin) -> None:
    assert classify_poetry(constraint).pin is pin


@pytest.mark.parametrize(
    ("spec", "pin"),
    [
        ("pytorch=2.1.0", Pin.EXACT),
        ("pytorch==2.1", Pin.EXACT),
        ("pytorch=2.1.0=py3.11_cuda12.1_cudnn8_0", Pin.EXACT),
        ("pytorch 2.1.0", Pin.EXACT),
        ("pytorch=2.1", Pin.BOUNDED),  # a prefix match in conda
        ("pytorch=2.1.*", Pin.BOUNDED),
        ("pytorch>=2.1,<2.2", Pin.BOUNDED),
        ("pytorch>=2.1", Pin.LOWER),
        ("pytorch", Pin.UNPINNED),
        ("pytorch=*", Pin.UNPINNED),
        ("pytorch 2.0|2.1", Pin.BOUNDED),
        ("pytorch=abc.def", Pin.UNKNOWN),
    ],
)
def test_classify_conda(spec: str, pin: Pin) -> None:
    parsed = parse_match_spec(spec)
    assert parsed is not None
    _, version, build = parsed
    assert classify_conda(version, build).pin is pin


def test_match_spec_channel_and_bracket_forms() -> None:
    assert parse_match_spec("pytorch::pytorch=2.1.0") == ("pytorch", "2.1.0", "")
    assert parse_match_spec("numpy[version='>=1.26']") is None  # not read: stays silent


# --- requirements reader -----------------------------------------------------------------------


def test_logical_lines_join_continuations_and_drop_comments() -> None:
    text = "# head\ntorch==2.1 \\\n  --hash=sha256:ab  # c\nurl#frag\n\\\n"
    lines = [(line.number, line.text.strip()) for line in logical_lines(text)]
    assert lines == [(2, "torch==2.1   --hash=sha256:ab"), (4, "url#frag")]


def test_requirement_positions_and_sections(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    manifest = parse_requirements(path, "numpy==1.26.4\n\n   torch[cuda]>=2 ; python_version>'3'\n")
    torch = manifest.requirements[1]
    assert (torch.name, torch.position.line, torch.position.column) == ("torch", 3, 4)
    assert torch.position.end_column == 4 + len("torch[cuda]>=2 ; python_version>'3'")
    assert torch.text == "torch[cuda]>=2 ; python_version>'3'"


def test_index_options_are_recorded(tmp_path: Path) -> None:
    text = "-i https://a/simple\n--extra-index-url https://b/simple\n-f https://c/wheels\n"
    manifest = parse_requirements(tmp_path / "requirements.txt", text)
    assert [(s.option, s.value, s.position.line) for s in manifest.index_settings] == [
        ("--extra-index-url", "https://b/simple", 2)
    ]


def test_bare_wheel_url_takes_its_name_from_the_file_name(tmp_path: Path) -> None:
    text = (
        "https://download.pytorch.org/whl/cu121/torch-2.1.0%2Bcu121-cp311-cp311-linux_x86_64.whl\n"
    )
    (found,) = parse_requirements(tmp_path / "requirements.txt", text).requirements
    assert (found.name, found.pin) == ("torch", Pin.UNPINNED)
    assert "hash" in found.detail


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text())
def test_requirements_reader_never_raises(tmp_path: Path, text: str) -> None:
    manifest = parse_requirements(tmp_path / "requirements.txt", text)
    lines = text.split("\n")
    for error in manifest.errors:
        assert 1 <= error.line <= len(lines)
        assert error.message
    for requirement in manifest.requirements:
        assert 1 <= requirement.position.line <= len(lines)


REQUIREMENT_LIKE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "torch",
                "torch>=2",
                "numpy==1.26.4",
                "-r",
                "-c x.txt",
                "--hash=sha256:ab",
                "\\",
                "#",
                "@",
                ";",
                "[",
                "]",
                "==",
                ">=",
                "git+https://h/r@main#egg=torch",
                "-e",
                " ",
                "${X}",
            ]
        ),
        st.text(alphabet="abc=<>!~.;@[]#-\\ 0123", max_size=12),
    ),
    max_size=8,
).map("".join)


@pytest.mark.slow
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(REQUIREMENT_LIKE, max_size=6))
def test_malformed_lines_are_errors_naming_their_line(tmp_path: Path, lines: list[str]) -> None:
    text = "\n".join(lines)
    manifest = parse_requirements(tmp_path / "requirements.txt", text)
    for error in manifest.errors:
        assert error.path.name == "requirements.txt"
        assert 1 <= error.line <= len(text.split("\n"))


def test_a_bad_line_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    manifest = parse_requirements(tmp_path / "requirements.txt", "numpy\n  torch>=\nscipy\n")
    (error,) = manifest.errors
    assert (error.line, error.column) == (2, 3)
    assert [r.name for r in manifest.requirements] == ["numpy", "scipy"]


# --- pyproject reader --------------------------------------------------------------------------


def test_pyproject_positions_of_duplicates_and_inline_tables(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "a"\ndependencies = ["torch>=2", "numpy",\n  "torch>=2"]\n'
        'optional-dependencies = { gpu = ["jax"] }\n'
    )
    manifest = parse_pyproject(tmp_path / "pyproject.toml", text)
    positions = [(r.name, r.position.line, r.position.column) for r in manifest.requirements]
    assert positions == [("torch", 3, 17), ("numpy", 3, 29), ("torch", 4, 3), ("jax", 5, 34)]


def test_pyproject_bad_requirement_is_an_error_at_its_string(tmp_path: Path) -> None:
    text = '[project]\nname = "a"\ndependencies = [\n  "numpy",\n  "torch>=",\n]\n'
    manifest = parse_pyproject(tmp_path / "pyproject.toml", text)
    (error,) = manifest.errors
    assert (error.line, error.column) == (5, 3)
    assert [r.name for r in manifest.requirements] == ["numpy"]


def _invalid(line: str) -> bool:
    try:
        Pep508(line)
    except InvalidRequirement:
        return True
    return False


PLAIN_LINES = st.lists(st.text(alphabet="abtorch=<>!~.;@[], 0123'\"", max_size=14), max_size=8)


@pytest.mark.slow
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=PLAIN_LINES)
def test_every_malformed_line_is_reported_at_its_line(tmp_path: Path, lines: list[str]) -> None:
    """Lines without comments, options or paths: exactly the ones packaging rejects are errors."""
    manifest = parse_requirements(tmp_path / "requirements.txt", "\n".join(lines))
    expected = [
        number
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.strip().startswith((".", "~")) and _invalid(line.strip())
    ]
    assert [error.line for error in manifest.errors] == expected


# --- every reader: arbitrary text gives a manifest or a ManifestError, nothing else -------------

TOMLISH = st.text(alphabet="[]{}=\"', .\n#abdeijnoprt0123=<>~^*-", max_size=200)


@pytest.mark.slow
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.one_of(TOMLISH, st.text(max_size=200)))
def test_other_readers_raise_only_manifest_errors(tmp_path: Path, text: str) -> None:
    readers = (
        (parse_pyproject, "pyproject.toml"),
        (parse_conda_environment, "environment.yml"),
        (parse_setup_cfg, "setup.cfg"),
        (parse_setup_py, "setup.py"),
    )
    for reader, name in readers:
        problems = []
        try:
            problems = list(reader(tmp_path / name, text).errors)
        except ManifestError as error:
            problems = [error]
        assert all(problem.line >= 1 and problem.message for problem in problems)


def test_a_name_libcst_rejects_is_a_manifest_error(tmp_path: Path) -> None:
    # Found by hypothesis: a character Python's tokenizer takes but libcst's validation refuses.
    text = 'from setuptools import setup\n\U00031350 = 1\nsetup(install_requires=["torch"])\n'
    with pytest.raises(ManifestError, match="syntax error"):
        parse_setup_py(tmp_path / "setup.py", text)
