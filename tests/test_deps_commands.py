"""Install commands in Dockerfiles, shell scripts, workflows and notebooks: what and where."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from conftest import notebook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml_policy.deps.commands import CommandScan, is_command_file, scan_file
from ml_policy.deps.errors import ManifestError

FIXTURES = Path(__file__).parent / "fixtures" / "deps" / "commands"
SCRIPT = Path("install.sh")
DOCKERFILE = Path("Dockerfile")
WORKFLOW = Path(".github/workflows/ci.yml")
NOTEBOOK = Path("explore.ipynb")

Install = tuple[str, str, bool, int, int, int, int, "int | None"]
Index = tuple[str, str, int, int, int, int, "int | None"]


def installs(scan: CommandScan) -> list[Install]:
    return [
        (a.requirement, a.installer, a.literal, a.line, a.column, a.end_line, a.end_column, a.cell)
        for a in scan.installs
    ]


def indexes(scan: CommandScan) -> list[Index]:
    return [
        (o.option, o.value, o.line, o.column, o.end_line, o.end_column, o.cell)
        for o in scan.index_options
    ]


def packages(path: Path, text: str) -> list[str]:
    return [arg.requirement for arg in scan_file(path, text).installs]


def spans(path: Path, text: str) -> list[tuple[str, int, int, int, int]]:
    scan = scan_file(path, text)
    return [(a.requirement, a.line, a.column, a.end_line, a.end_column) for a in scan.installs]


# --- realistic files ------------------------------------------------------------------


def test_dockerfile_fixture() -> None:
    scan = scan_file(DOCKERFILE, (FIXTURES / "Dockerfile").read_text())
    assert installs(scan) == [
        ("torch==${TORCH}+cu121", "pip", False, 11, 9, 11, 32, None),
        ("torchvision", "pip", True, 12, 9, 12, 20, None),
        ("transformers==4.41.0", "pip", True, 15, 24, 15, 46, None),
        ("accelerate>=0.30", "uv-pip", True, 18, 25, 18, 43, None),
    ]
    assert indexes(scan) == [
        ("--extra-index-url", "https://download.pytorch.org/whl/cu121", 13, 9, 13, 65, None),
        ("--index-strategy", "unsafe-best-match", 18, 44, 18, 78, None),
    ]


def test_shell_script_fixture() -> None:
    scan = scan_file(Path("setup_env.sh"), (FIXTURES / "setup_env.sh").read_text())
    assert installs(scan) == [
        ("python=3.11", "conda", True, 4, 26, 4, 37, None),
        ("pytorch=2.3.1", "conda", True, 5, 3, 5, 16, None),
        ("numpy<2", "pip", True, 6, 54, 6, 63, None),
        (".[${extra}]", "pip", False, 7, 39, 7, 52, None),
        ("pytest", "uv-add", True, 11, 14, 11, 20, None),
        ("ruff==0.17.6", "uv-add", True, 11, 21, 11, 33, None),
    ]
    assert indexes(scan) == []


def test_workflow_fixture() -> None:
    path = FIXTURES / ".github" / "workflows" / "train.yml"
    scan = scan_file(path, path.read_text())
    assert installs(scan) == [
        ("pip", "pip", True, 13, 43, 13, 46, None),
        ("torch==2.3.1", "pip", True, 14, 23, 14, 35, None),
        ("scikit-learn>=1.4", "pip", True, 15, 13, 15, 32, None),
        ("${{ matrix.extra }}", "pip", False, 16, 26, 16, 45, None),
        ("pandas", "pip", True, 16, 46, 16, 52, None),
        ("jax[cuda12]", "uv-pip", True, 19, 11, 19, 22, None),
        ("xgboost", "pip", True, 27, 26, 27, 33, None),  # windows, but `shell: bash`
    ]
    assert indexes(scan) == [("-i", "https://pypi.org/simple", 15, 33, 15, 59, None)]


def test_notebook_fixture() -> None:
    scan = scan_file(NOTEBOOK, (FIXTURES / "explore.ipynb").read_text())
    assert installs(scan) == [
        ("torch==2.3.1", "pip", True, 1, 17, 1, 29, 2),
        ("timm", "pip", True, 1, 30, 1, 34, 2),
        ("datasets", "pip", True, 5, 63, 5, 71, 2),
        ("peft=={version}", "uv-pip", False, 2, 17, 2, 32, 3),
        ("xgboost", "conda", True, 3, 34, 3, 41, 3),
        ("safetensors", "pip", True, 3, 3, 3, 14, 4),
    ]
    assert indexes(scan) == [
        ("--extra-index-url", "https://example.invalid/simple", 5, 14, 5, 62, 2),
    ]


# --- which files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile",
        "Dockerfile.gpu",
        "Dockerfile-cuda12",
        "dockerfile",
        "train.Dockerfile",
        "docker/cuda.dockerfile",
        "Containerfile",
        "Containerfile.dev",
        "scripts/setup.sh",
        "run.bash",
        ".github/workflows/ci.yml",
        "repo/.github/workflows/release.yaml",
        "notebooks/eda.ipynb",
    ],
)
def test_command_files(name: str) -> None:
    assert is_command_file(Path(name))


@pytest.mark.parametrize(
    "name",
    [
        "requirements.txt",
        "pyproject.toml",
        "environment.yml",
        ".github/dependabot.yml",
        "workflows/ci.yml",
        ".github/workflows/README.md",
        "setup.py",
        "docker-compose.yml",
        "Dockerfile.dockerignore",
        "dockerfile_utils.py",
        "build.sh.txt",
    ],
)
def test_other_files(name: str) -> None:
    assert not is_command_file(Path(name))
    assert scan_file(Path(name), "pip install torch\n") == CommandScan((), ())


# --- installers and their options -----------------------------------------------------


@pytest.mark.parametrize(
    ("command", "installer"),
    [
        ("pip install torch", "pip"),
        ("pip3 install torch", "pip"),
        ("pip3.11 install torch", "pip"),
        ("/opt/conda/bin/pip install torch", "pip"),
        ("python -m pip install torch", "pip"),
        ("python3.11 -m pip install torch", "pip"),
        ("python3 -u -X utf8 -mpip install torch", "pip"),
        ("python3 -Im pip install torch", "pip"),
        ("python -W ignore -Xdev -m pip install torch", "pip"),
        ("pip --no-cache-dir --timeout 60 install torch", "pip"),
        ("uv pip install torch", "uv-pip"),
        ("uv --no-cache pip install torch", "uv-pip"),
        ("python -m uv pip install torch", "uv-pip"),
        ("uv add torch", "uv-add"),
        ("conda install torch", "conda"),
        ("mamba install torch", "conda"),
        ("micromamba install torch", "conda"),
        ("conda create -n env torch", "conda"),
        ("conda run -n env pip install torch", "pip"),
    ],
)
def test_installers(command: str, installer: str) -> None:
    [arg] = scan_file(SCRIPT, command + "\n").installs
    assert (arg.requirement, arg.installer) == ("torch", installer)
    assert (arg.line, arg.column, arg.end_column) == (1, len(command) - 4, len(command) + 1)


@pytest.mark.parametrize(
    "command",
    [
        "pip download torch",
        "pip show torch",
        "pip uninstall -y torch",
        "uv pip compile torch",
        "uv sync",
        "conda env create -f environment.yml",
        "conda remove torch",
        "python -c 'import pip' install torch",
        "python -Ic 'import pip' install torch",
        "python -W -m pip install torch",  # -m is the value of -W here
        "python -m venv install",
        "echo pip install torch",
        'echo "pip install torch"',
        "command -v pip install",
        "pipx install torch",
        "$PIP install torch",
    ],
)
def test_not_install_commands(command: str) -> None:
    assert packages(SCRIPT, command + "\n") == []


def test_pip_options_with_values_are_skipped_and_index_options_reported() -> None:
    text = (
        "pip install -r req.txt -c constraints.txt -e ./pkg --target /t --prefix=/p"
        " --platform manylinux2014_x86_64 --upgrade-strategy eager --python /usr/bin/python3"
        " -i https://i.example --extra-index-url=https://e.example -f ./wheels"
        " -U --no-deps -q --pre --no-cache-dir torch\n"
    )
    scan = scan_file(SCRIPT, text)
    # Not literal: req.txt or constraints.txt may pin torch.
    assert installs(scan) == [("torch", "pip", False, 1, 265, 1, 270, None)]
    assert indexes(scan) == [
        ("-i", "https://i.example", 1, 159, 1, 179, None),
        ("--extra-index-url", "https://e.example", 1, 180, 1, 215, None),
        ("-f", "./wheels", 1, 216, 1, 227, None),
    ]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("-qUr req.txt torch", ["torch"]),  # a short cluster ending in an option with a value
        ("-rreq.txt torch", ["torch"]),  # the value attached
        ("--requirement=req.txt torch", ["torch"]),
        ("--editable git+https://github.com/org/repo.git numpy", ["numpy"]),
        ("--upgrade --force-reinstall numpy scipy", ["numpy", "scipy"]),
        ("-- -weird-name", ["-weird-name"]),
        ("--extra-index https://e.example torch", ["torch"]),  # pip takes unique prefixes
        (
            "'torch[cuda]>=2' \"numpy==1.26.*\" ./local .",
            ["torch[cuda]>=2", "numpy==1.26.*", "./local", "."],
        ),
        (
            "git+https://github.com/org/repo.git@abc123#egg=repo",
            ["git+https://github.com/org/repo.git@abc123#egg=repo"],
        ),
        ("'' torch", ["torch"]),  # an empty argument is no package
    ],
)
def test_pip_arguments(arguments: str, expected: list[str]) -> None:
    assert packages(SCRIPT, f"pip install {arguments}\n") == expected


def test_pip_abbreviation_is_reported_by_its_full_name() -> None:
    [option] = scan_file(
        SCRIPT, "pip install --extra-index https://e.example torch\n"
    ).index_options
    assert (option.option, option.value) == ("--extra-index-url", "https://e.example")
    assert (option.column, option.end_column) == (13, 44)


def test_pip_alias_is_reported_by_its_usual_name() -> None:
    [option] = scan_file(SCRIPT, "pip install --pypi-url https://p.example torch\n").index_options
    assert (option.option, option.value, option.column) == ("--index-url", "https://p.example", 13)


def test_ambiguous_abbreviation_is_not_resolved() -> None:
    # `--no` could be many pip options: pip itself rejects it, and so nothing is reported
    scan = scan_file(SCRIPT, "pip install --no https://e.example torch\n")
    assert scan.index_options == ()


def test_uv_pip_options() -> None:
    text = (
        "uv pip install --system --index-strategy unsafe-best-match --torch-backend cu121"
        " -p 3.11 --overrides o.txt --default-index https://d.example torch\n"
    )
    scan = scan_file(SCRIPT, text)
    # Not literal: o.txt may pin torch.
    assert installs(scan) == [("torch", "uv-pip", False, 1, 142, 1, 147, None)]
    assert indexes(scan) == [
        ("--index-strategy", "unsafe-best-match", 1, 25, 1, 59, None),
        ("--default-index", "https://d.example", 1, 108, 1, 141, None),
    ]


def test_uv_add_options() -> None:
    text = "uv add --dev --editable ./lib -m \"sys_platform == 'linux'\" --group gpu torch==2.3.1\n"
    assert packages(SCRIPT, text) == ["./lib", "torch==2.3.1"]  # uv add --editable is a flag


def test_conda_options() -> None:
    text = (
        "conda install -y -n train -c pytorch -c nvidia --channel conda-forge"
        " --file extra.txt --solver libmamba pytorch=2.3.1 'numpy>=1.26'\n"
    )
    scan = scan_file(SCRIPT, text)
    assert installs(scan) == [
        ("pytorch=2.3.1", "conda", True, 1, 105, 1, 118, None),
        ("numpy>=1.26", "conda", True, 1, 119, 1, 132, None),
    ]
    assert indexes(scan) == []  # channels are not pip indexes


# --- the shell ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [
        "sudo ",
        "sudo -H -u builder ",
        "env PIP_NO_CACHE_DIR=1 ",
        "env -u HOME -- ",
        "PIP_NO_CACHE_DIR=1 FOO=bar ",
        "time ",
        "time -p ",
        "nohup ",
        "timeout 10m ",
        "nice -n 5 ",
        "exec ",
        "command ",
        "! ",
        "if ",
        "then ",
        "do ",
        "{ ",
    ],
)
def test_command_prefixes(prefix: str) -> None:
    text = f"{prefix}pip install torch\n"
    assert spans(SCRIPT, text) == [("torch", 1, len(prefix) + 13, 1, len(prefix) + 18)]


def test_chains_and_separators() -> None:
    text = (
        "apt-get update && pip install a || pip install b; pip install c | tee log & pip install d"
        "\n"
        "(cd x && pip install e) ; `pip install f` ; $(pip install g)\n"
        "pip install h 2>&1 >/tmp/log </dev/null && pip install i &>>all.log\n"
    )
    assert spans(SCRIPT, text) == [
        ("a", 1, 31, 1, 32),
        ("b", 1, 48, 1, 49),
        ("c", 1, 63, 1, 64),
        ("d", 1, 89, 1, 90),
        ("e", 2, 22, 2, 23),
        ("h", 3, 13, 3, 14),
        ("i", 3, 56, 3, 57),
    ]


def test_line_continuations_and_comments() -> None:
    text = (
        "pip install \\\n    torch \\\n    numpy  # the rest: pip install no\n"
        "pip install tor\\\nch\n"
        "pip install a\\\n  b\n"
    )
    assert spans(SCRIPT, text) == [
        ("torch", 2, 5, 2, 10),
        ("numpy", 3, 5, 3, 10),
        ("torch", 4, 13, 5, 3),  # one word across a continuation
        ("a", 6, 13, 6, 14),  # the continuation that ends a word is not part of it
        ("b", 7, 3, 7, 4),
    ]


def test_here_document_bodies_are_not_commands() -> None:
    text = (
        "cat > r.txt <<'REQ'\npip install no\nREQ\n"
        "cat <<-EOF\n\tpip install no\n\tEOF\n"
        "pip install yes\n"
    )
    assert spans(SCRIPT, text) == [("yes", 7, 13, 7, 16)]


@pytest.mark.parametrize(
    ("word", "literal"),
    [
        ("torch", True),
        ("'torch==2.*'", True),
        ('"torch==$V"', False),
        ("torch==$V", False),
        ("torch==${V}", False),
        ("torch==${V:-2.3}", False),
        ("$(cat pkg)", False),
        ("`cat pkg`", False),
        ("torch==2.*", False),  # an unquoted glob
        ("tor?h", False),
        ("torch{,vision}", False),
        ("~/wheels/torch.whl", False),
        ("torch[cuda]", True),  # unmatched globs pass through: the usual way to write extras
        ("'$V'", True),
        ('"price$"', True),
        ("\\$V", True),
    ],
)
def test_literal(word: str, literal: bool) -> None:
    [arg] = scan_file(SCRIPT, f"pip install {word}\n").installs
    assert arg.literal is literal
    assert (arg.column, arg.end_column) == (13, 13 + len(word))


def test_quoted_word_spans_the_quotes() -> None:
    [arg] = scan_file(SCRIPT, "pip install 'torch'==\"2.3.1\"\n").installs
    assert (arg.requirement, arg.column, arg.end_column) == ("torch==2.3.1", 13, 29)


def test_unterminated_quote_skips_that_command_only() -> None:
    text = "pip install numpy\npip install 'torch\n"
    assert packages(SCRIPT, text) == ["numpy"]


def test_script_with_other_interpreter_is_skipped() -> None:
    assert packages(SCRIPT, "#!/usr/bin/env python3\nimport os  # pip install x\n") == []
    assert packages(SCRIPT, "#!/usr/bin/env -S bash -e\npip install x\n") == ["x"]


# --- Dockerfiles ------------------------------------------------------------------------------


def test_dockerfile_continuation_drops_comment_and_empty_lines() -> None:
    text = (
        "FROM python\nRUN pip install \\\n# a comment\n\n"
        "    torch \\\n  \t# indented comment\n    numpy\n"
    )
    assert spans(DOCKERFILE, text) == [("torch", 5, 5, 5, 10), ("numpy", 7, 5, 7, 10)]


def test_dockerfile_backslash_with_trailing_blanks_continues() -> None:
    text = "FROM python\nRUN pip install \\  \n    torch\n"
    assert spans(DOCKERFILE, text) == [("torch", 3, 5, 3, 10)]


def test_dockerfile_escape_directive() -> None:
    text = "# escape=`\nFROM python\nRUN pip install C:\\wheels\\x.whl `\n    torch\n"
    # with ` as the escape, a backslash is no continuation and reaches the shell as is
    assert spans(DOCKERFILE, text) == [("C:wheelsx.whl", 3, 17, 3, 32), ("torch", 4, 5, 4, 10)]


def test_escape_directive_after_a_comment_is_a_comment() -> None:
    text = "# hello\n# escape=`\nFROM python\nRUN pip install torch \\\n    numpy\n"
    assert packages(DOCKERFILE, text) == ["torch", "numpy"]  # `\` still continues


def test_dockerfile_instruction_keywords_and_flags() -> None:
    text = (
        "from python\n"
        "run --mount=type=cache,target=/root/.cache --network=host pip install a\n"
        "ONBUILD RUN pip install b\n"
        "CMD pip install c\n"
        "ENV X='pip install d'\n"
    )
    assert spans(DOCKERFILE, text) == [("a", 2, 71, 2, 72), ("b", 3, 25, 3, 26)]


def test_dockerfile_exec_form() -> None:
    text = 'FROM python\nRUN [ "pip",  "install", "-i", "https://i.example", \\\n  "torch" ]\n'
    scan = scan_file(DOCKERFILE, text)
    assert installs(scan) == [("torch", "pip", True, 3, 3, 3, 10, None)]
    assert indexes(scan) == [("-i", "https://i.example", 2, 26, 2, 51, None)]


def test_dockerfile_exec_form_shell_script() -> None:
    text = 'FROM python\nRUN ["/bin/bash", "-ec", "pip install torch && uv add numpy"]\n'
    assert spans(DOCKERFILE, text) == [("torch", 2, 39, 2, 44), ("numpy", 2, 55, 2, 60)]


def test_dockerfile_exec_form_with_escapes_is_left_out() -> None:
    text = 'FROM python\nRUN ["sh", "-c", "pip install \\"torch\\""]\n'
    assert packages(DOCKERFILE, text) == []


def test_dockerfile_invalid_json_array_is_shell_form() -> None:
    text = "FROM python\nRUN [pip, install]\nRUN pip install x\n"
    assert packages(DOCKERFILE, text) == ["x"]


def test_dockerfile_heredoc_script() -> None:
    text = (
        "FROM python\n"
        "RUN <<EOF\n"
        "set -e\n"
        "pip install torch \\\n"
        "  numpy\n"
        "EOF\n"
        "RUN <<-EOT bash -ex\n"
        "\tuv pip install jax\n"
        "\tEOT\n"
        "RUN pip install after\n"
    )
    assert spans(DOCKERFILE, text) == [
        ("torch", 4, 13, 4, 18),
        ("numpy", 5, 3, 5, 8),
        ("jax", 8, 17, 8, 20),
        ("after", 10, 17, 10, 22),
    ]


def test_dockerfile_heredocs_that_are_not_shell() -> None:
    text = (
        "FROM python\n"
        "RUN python3 <<EOF\nimport os\nos.system('pip install a')\nEOF\n"
        "RUN <<EOF\n#!/usr/bin/env python3\nprint('pip install b')\nEOF\n"
        "COPY <<EOF /app/setup.sh\npip install c\nEOF\n"
        "RUN cat <<EOF > /r.txt && pip install d\npip install e\nEOF\n"
    )
    assert spans(DOCKERFILE, text) == [("d", 13, 39, 13, 40)]


def test_dockerfile_shell_instruction() -> None:
    text = (
        "FROM windows\n"
        'SHELL ["powershell", "-Command"]\n'
        "RUN pip install skipped\n"
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
        "RUN pip install a\n"
        'SHELL ["cmd", "/S", "/C"]\n'
        "FROM python\n"
        "RUN pip install b\n"
    )
    assert packages(DOCKERFILE, text) == ["a", "b"]


def test_dockerfile_crlf() -> None:
    text = "FROM python\r\nRUN pip install \\\r\n    torch\r\n"
    assert spans(DOCKERFILE, text) == [("torch", 3, 5, 3, 10)]


# --- workflows ---------------------------------------------------------------------------------


def workflow(*steps: str, job: str = "    runs-on: ubuntu-latest\n", top: str = "") -> str:
    return f"{top}jobs:\n  test:\n{job}    steps:\n" + "".join(steps)


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("      - run: pip install torch\n", [("torch", 5, 26, 5, 31)]),
        ("      - run: 'pip install ''torch'''\n", [("torch", 5, 27, 5, 36)]),
        ('      - run: "pip install \\"torch\\""\n', [("torch", 5, 27, 5, 36)]),
        ('      - run: "pip install \\ttorch"\n', [("torch", 5, 29, 5, 34)]),
        ("      - run: pip install\n          torch\n", [("torch", 6, 11, 6, 16)]),
        ("      - run: |\n          pip install torch\n", [("torch", 6, 23, 6, 28)]),
        ("      - run: |-\n\n          pip install torch\n", [("torch", 7, 23, 7, 28)]),
        ("      - run: |2\n            pip install torch\n", [("torch", 6, 25, 6, 30)]),
        ("      - run: >\n          pip install\n          torch\n", [("torch", 7, 11, 7, 16)]),
        (
            "      - run: >\n          pip install a\n\n            pip install b\n",
            [("a", 6, 23, 6, 24), ("b", 8, 25, 8, 26)],
        ),
        (
            "      - name: x\n        run: |  # comment\n"
            "          pip install \\\n            a b\n",
            [("a", 8, 13, 8, 14), ("b", 8, 15, 8, 16)],
        ),
    ],
)
def test_workflow_run_scalars(step: str, expected: list[tuple[str, int, int, int, int]]) -> None:
    assert spans(WORKFLOW, workflow(step)) == expected


def test_workflow_single_quoted_doubled_quote_maps_to_both() -> None:
    # 'pip install ''torch''' -> pip install 'torch': the shell word 'torch' unquotes to torch
    text = workflow("      - run: 'pip install ''torch'' x'\n")
    assert packages(WORKFLOW, text) == ["torch", "x"]


@pytest.mark.parametrize(
    ("job", "top", "step_shell", "scanned"),
    [
        ("    runs-on: ubuntu-latest\n", "", "", True),
        ("    runs-on: windows-latest\n", "", "", False),  # pwsh by default
        ("    runs-on: [self-hosted, windows]\n", "", "", False),
        ("    runs-on: windows-latest\n", "", "        shell: bash\n", True),
        ("    runs-on: ubuntu-latest\n", "", "        shell: pwsh\n", False),
        ("    runs-on: ubuntu-latest\n", "", "        shell: python\n", False),
        ("    runs-on: ubuntu-latest\n", "", "        shell: sh -e {0}\n", True),
        ("    runs-on: ubuntu-latest\n", "defaults:\n  run:\n    shell: pwsh\n", "", False),
        ("    runs-on: windows-2022\n", "defaults:\n  run:\n    shell: bash\n", "", True),
        (
            "    runs-on: ubuntu-latest\n    defaults:\n      run:\n        shell: cmd\n",
            "defaults:\n  run:\n    shell: bash\n",
            "",
            False,
        ),
    ],
)
def test_workflow_shells(job: str, top: str, step_shell: str, scanned: bool) -> None:
    text = workflow("      - run: pip install torch\n" + step_shell, job=job, top=top)
    assert packages(WORKFLOW, text) == (["torch"] if scanned else [])


def test_workflow_alias_reported_once() -> None:
    text = workflow("      - run: &install pip install torch\n      - run: *install\n")
    assert spans(WORKFLOW, text) == [("torch", 5, 35, 5, 40)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "- pip install torch\n",
        "jobs: install\n",
        "jobs:\n  a:\n    steps: install\n",
        "jobs:\n  a:\n    steps:\n      - run: 3\n      - run: [pip install x]\n",
        "on: push  # install\n",
    ],
)
def test_workflow_shapes_without_run_scripts(text: str) -> None:
    assert scan_file(WORKFLOW, text) == CommandScan((), ())


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("jobs:\n  a: [install\n", 3, 1),
        ("jobs:\n  a:\n    - run: pip install x\n   b: 1\n", 4, 4),
        ('jobs: "install\n', 2, 1),
        ("jobs:\n\tsteps: install\n", 2, 1),
        ("install: \x00\n", 1, 10),
    ],
)
def test_malformed_workflow_raises_manifest_error(text: str, line: int, column: int) -> None:
    with pytest.raises(ManifestError) as caught:
        scan_file(WORKFLOW, text)
    assert (caught.value.path, caught.value.line, caught.value.column) == (WORKFLOW, line, column)


def test_files_without_install_words_are_not_parsed() -> None:
    # the cheap pre-check: no "install", " add" or "create", no parse (and no parse error)
    assert scan_file(WORKFLOW, "jobs: [") == CommandScan((), ())
    assert scan_file(NOTEBOOK, "{") == CommandScan((), ())


# --- notebooks -----------------------------------------------------------------------------------


def test_notebook_line_magics_and_escapes() -> None:
    text = notebook(
        ("markdown", "%pip install no"),
        ("code", "import os\n  %pip install a\n!!pip install b\n%system pip install c"),
        (
            "code",
            ["%mamba install -y d\n", "x = 1  # !pip install no\n", "!pip install e \\\n", "  f"],
        ),
        ("raw", "!pip install no"),
    )
    scan = scan_file(NOTEBOOK, text)
    assert installs(scan) == [
        ("a", "pip", True, 2, 16, 2, 17, 2),
        ("b", "pip", True, 3, 15, 3, 16, 2),
        ("c", "pip", True, 4, 21, 4, 22, 2),
        ("d", "conda", True, 1, 19, 1, 20, 3),
        ("e", "pip", True, 3, 14, 3, 15, 3),
        ("f", "pip", True, 4, 3, 4, 4, 3),
    ]


def test_notebook_ipython_expansions_are_not_literal() -> None:
    # IPython substitutes {expr} and $name before the shell runs, quotes or not
    text = notebook(("code", "!pip install torch=={v} '$pkg' \"x{y}\" numpy '{'"))
    assert [(a.requirement, a.literal) for a in scan_file(NOTEBOOK, text).installs] == [
        ("torch=={v}", False),
        ("$pkg", False),
        ("x{y}", False),
        ("numpy", True),
        ("{", True),
    ]


def test_notebook_cell_magics() -> None:
    text = notebook(
        ("code", "%%bash\npip install a {b} '{c}'\n"),
        ("code", "%%script bash\npip install c\n"),
        ("code", "%%capture\n%pip install d\n"),
        ("code", "%%writefile setup.sh\n!pip install no\n%pip install no\n"),
        ("code", "%%python\nprint('pip install no')\n"),
        ("code", "%%script python\npip install no\n"),
    )
    assert [
        (a.requirement, a.literal, a.line, a.cell) for a in scan_file(NOTEBOOK, text).installs
    ] == [
        ("a", True, 2, 1),
        ("{b}", False, 2, 1),  # a bash cell: braces are brace expansion
        ("{c}", True, 2, 1),  # and quoted braces are text
        ("c", True, 2, 2),
        ("d", True, 2, 3),
    ]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('{"cells": [\n  {"source": "pip install x"\n', 3, 1, "not valid JSON"),
        ('{"cells": "pip install x"}', 1, 1, "no 'cells' list"),
        ('["pip install x"]', 1, 1, "no 'cells' list"),
        ("[" * 100_000 + "install", 1, 1, ""),
    ],
)
def test_malformed_notebook_raises_manifest_error(
    text: str, line: int, column: int, message: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        scan_file(NOTEBOOK, text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.message


def test_notebook_odd_cells_are_errors_not_skipped() -> None:
    # A cell without source is still a cell; one Jupyter cannot read hides code: MLE001.
    good = [{"cell_type": "code"}, {"cell_type": "code", "source": ["!pip install x"]}]
    text = json.dumps({"cells": good})
    assert [(a.requirement, a.cell) for a in scan_file(NOTEBOOK, text).installs] == [("x", 2)]
    for odd in (1, {"cell_type": "code", "source": 5}, {"cell_type": "code", "source": [7]}):
        with pytest.raises(ManifestError, match="notebook cell 2 "):
            scan_file(NOTEBOOK, json.dumps({"cells": [*good[:1], odd, *good[1:]]}))


# --- never prints ---------------------------------------------------------------------------------


def test_scan_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    for path in (FIXTURES / "Dockerfile", FIXTURES / "setup_env.sh", FIXTURES / "explore.ipynb"):
        scan_file(path, path.read_text())
    assert capsys.readouterr() == ("", "")


# --- properties -----------------------------------------------------------------------------------

SHELLISH = st.lists(
    st.sampled_from(
        [
            *" \t\n\r\\'\"$`(){}[]<>|&;#=-~*?!%:,.09azAZé\x00\u2028\ufeff",
            "pip ",
            "install ",
            "uv ",
            "add ",
            "conda ",
            "create ",
            "python -m ",
            "RUN ",
            "<<EOF",
            "EOF\n",
            "- run: ",
            "|",
            ">",
            "${{",
            "# escape=`\n",
            '["',
            '"]',
            "%pip ",
            "!pip ",
            "%%bash\n",
            "--extra-index-url",
            "-i ",
            "-e ",
            "sudo ",
            "env ",
            "jobs:\n",
            "steps:\n",
        ]
    ),
    max_size=60,
).map("".join)
KINDS = [DOCKERFILE, SCRIPT, WORKFLOW, NOTEBOOK]


def scan_or_manifest_error(path: Path, text: str) -> None:
    with contextlib.suppress(ManifestError):  # the one exception allowed
        scan_file(path, text)


@pytest.mark.parametrize("path", KINDS, ids=str)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=200), SHELLISH))
def test_any_text_gives_a_scan_or_manifest_error(path: Path, text: str) -> None:
    scan_or_manifest_error(path, text)
    scan_or_manifest_error(path, "install\n" + text)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(source=st.one_of(st.text(max_size=120), SHELLISH))
def test_any_cell_or_run_step_gives_a_scan_or_manifest_error(source: str) -> None:
    scan_or_manifest_error(NOTEBOOK, notebook(("code", "install\n" + source)))
    scan_or_manifest_error(
        WORKFLOW, workflow("      - run: " + json.dumps("install " + source) + "\n")
    )
    scan_or_manifest_error(WORKFLOW, workflow("      - run: |\n          install " + source + "\n"))


NAMES = st.from_regex(r"[a-z][a-z0-9_.-]{0,8}(==[0-9]\.[0-9])?", fullmatch=True)
STYLES = ["plain", "single", "double", "literal", "folded"]


def run_step(style: str, command: str) -> str:
    if style == "plain":
        return f"      - run: {command}\n"
    if style == "single":
        return f"      - run: '{command}'\n"
    if style == "double":
        return f"      - run: {json.dumps(command)}\n"
    header = "|" if style == "literal" else ">"
    return f"      - run: {header}\n          {command}\n"


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=4), style=st.sampled_from(STYLES))
def test_workflow_positions_point_at_each_argument(names: list[str], style: str) -> None:
    text = workflow(run_step(style, "pip install " + " ".join(names)))
    lines = text.split("\n")
    found = scan_file(WORKFLOW, text).installs
    assert [arg.requirement for arg in found] == names
    for arg in found:
        assert arg.line == arg.end_line
        assert lines[arg.line - 1][arg.column - 1 : arg.end_column - 1] == arg.requirement


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["code", "pip install x", ""]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["cells", "cell_type", "source", "jobs", "steps", "run", "shell"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


CELLS = st.lists(
    st.fixed_dictionaries(
        {"cell_type": st.sampled_from(["code", "markdown"])}, optional={"source": JSON_VALUES}
    ),
    max_size=3,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(document=JSON_VALUES, cells=CELLS)
def test_any_json_shape_gives_a_scan_or_manifest_error(document: object, cells: object) -> None:
    # JSON is YAML too: odd shapes of notebooks and workflows, not just odd text
    text = json.dumps(document) + "\n# install"
    scan_or_manifest_error(NOTEBOOK, json.dumps(document) + " ")
    scan_or_manifest_error(NOTEBOOK, json.dumps({"cells": document, "x": "install"}))
    scan_or_manifest_error(NOTEBOOK, json.dumps({"cells": cells, "x": "install"}))
    scan_or_manifest_error(WORKFLOW, text)
    scan_or_manifest_error(WORKFLOW, json.dumps({"jobs": {"a": {"steps": document}}}) + "#install")
