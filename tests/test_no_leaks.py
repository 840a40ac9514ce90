"""No credential ever leaves ml-policy: every command, every output format, every file it writes.

One repository holds a dozen real-format tokens planted where ml-policy
quotes input: index and VCS URLs in requirements, Dockerfiles, workflows and
notebooks, malformed requirement and YAML lines, pyproject settings, source
lines next to a fix, an include of a file outside the repository, and
configuration values. Every command runs over it with every output format;
no token body may appear in stdout, stderr, the cache, or any file
ml-policy creates or changes (unless the file already held that token).
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
import test_secrets_tokens as tokens
from conftest import ml_policy, run, write_files
from test_secrets_tokens import ALNUM, body

pytestmark = pytest.mark.slow

OUTPUT_FORMATS = ("text", "json", "sarif", "github", "junit")

HF = tokens.hugging_face()
GITHUB = "gh" + "p_" + body(ALNUM, 36)
GITLAB = "gl" + "pat-" + body(ALNUM, 20)
OPENAI = tokens.openai_project()
AWS_ID = tokens.aws_access_key()
AWS_SECRET = body(ALNUM, 40)
WANDB = tokens.wandb_v1()
ANTHROPIC = tokens.anthropic()
REPLICATE = tokens.replicate()
KAGGLE = tokens.kaggle_api_token()
SLACK = "xox" + "b-" + body(string.digits, 12) + "-" + body(ALNUM, 24)
STRIPE = "sk" + "_live_" + body(ALNUM, 24)
KEY_BODY = body(ALNUM, 64)
PRIVATE_KEY = "-----BEGIN RSA PRIVATE" + " KEY-----" + KEY_BODY
OUTSIDE = "hf" + "_" + body(string.ascii_letters, 34)  # only in a file outside the repository

TOKENS = {
    "Hugging Face": HF,
    "GitHub": GITHUB,
    "GitLab": GITLAB,
    "OpenAI": OPENAI,
    "AWS key id": AWS_ID,
    "AWS secret": AWS_SECRET,
    "W&B": WANDB,
    "Anthropic": ANTHROPIC,
    "Replicate": REPLICATE,
    "Kaggle": KAGGLE,
    "Slack": SLACK,
    "Stripe": STRIPE,
    "private key": KEY_BODY,
    "outside file": OUTSIDE,
}


def _bodies(text: str) -> list[str]:
    """The planted tokens whose body (all but a short public prefix) appears in `text`."""
    return [name for name, token in TOKENS.items() if token[len(token) // 4 :] in text]


REPOSITORY = {
    "requirements.txt": (
        f"--extra-index-url https://__token__:{HF}@pypi.example.com/simple\n"
        f"git+https://oauth2:{GITHUB}@github.com/org/x.git@main#egg=x\n"
        f"torch @ https://user:{GITLAB}@host.example.com/torch-2.5.1-cp311-none-any.whl\n"
        f"{OPENAI}>=\n"
        f"{PRIVATE_KEY}\n"
        "-r ../outside/requirements.txt\n"
    ),
    "Dockerfile": (
        "FROM python:3.11-slim\n"
        f"RUN pip install --extra-index-url https://{AWS_ID}:{AWS_SECRET}@pkgs.example.com/simple"
        " torch\n"
    ),
    "environment.yml": f"name: train\ndependencies:\n  - pip:\n    - *{ANTHROPIC}\n",
    ".github/workflows/ci.yml": (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: pip install torch --extra-index-url https://{SLACK}@x.example.com/simple\n"
        f"      - run: echo {REPLICATE}: [\n"
    ),
    "pyproject.toml": (
        '[project]\nname = "train"\nversion = "0"\ndependencies = ["numpy>=1"]\n\n'
        f'[tool.uv]\nextra-index-url = ["https://x:{WANDB}@pkgs.example.com/simple"]\n'
    ),
    "train.py": (
        "import torch\nfrom torch.utils.data import DataLoader\n\n"
        f'STRIPE_KEY = "{STRIPE}"\nsecret_token = "{GITHUB}"\n\n'
        "def batches(dataset):\n"
        "    for batch in DataLoader(dataset, batch_size=8, num_workers=4):\n"
        '        yield batch.to("cuda")\n'
    ),
    "setup.ipynb": (
        '{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, '
        '"outputs": [], "source": ["!pip install --extra-index-url '
        f'https://kaggle:{KAGGLE}@x.example.com/simple torch"]}}], "metadata": {{}}, '
        '"nbformat": 4, "nbformat_minor": 5}\n'
    ),
}


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("leaks")
    write_files(top, {"outside/requirements.txt": f"--extra-index-url https://u:{OUTSIDE}@h/s\n"})
    repo = top / "repo"
    repo.mkdir()
    run(["git", "init", "-q", "-b", "main"], repo, check=True)
    write_files(repo, REPOSITORY)
    run(["git", "add", "-A"], repo, check=True)
    return repo


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {
        path: path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def _leaks_in_written_files(before: dict[Path, bytes], after: dict[Path, bytes]) -> list[str]:
    leaks = []
    for path, data in after.items():
        if before.get(path) == data:
            continue
        text = data.decode("utf-8", "replace")
        old = before.get(path, b"").decode("utf-8", "replace")
        leaks += [f"{path.name}: {name}" for name in _bodies(text) if name not in _bodies(old)]
    return leaks


def _commands() -> Iterator[tuple[str, ...]]:
    for output_format in OUTPUT_FORMATS:
        yield ("check", ".", "--output-format", output_format)
        for family in ("lint", "deps", "artifacts", "secrets"):
            yield (family, *REPOSITORY, "--output-format", output_format)
    yield ("check", ".", "--no-cache")
    yield ("bandit", "train.py")  # bandit quotes the hard-coded password it finds
    yield ("mypy", "train.py")
    yield ("check", ".", "--diff", "--unsafe-fixes")
    yield ("check", ".", "--select", GITHUB)
    yield ("check", ".", "--ignore", f"MLD001,{HF}")
    yield ("check", ".", "--exclude", f"https://u:{GITLAB}@x")
    yield ("rule", OPENAI)
    yield ("bundles", "show", f"{HF}@1")
    yield ("init", ".", "--bundle", STRIPE)
    yield ("init", ".", "--diff")
    yield ("init", ".", "--dry-run")
    yield ("secrets", "--update-baseline")
    yield ("check", ".", "--fix", "--unsafe-fixes")
    yield ("init", ".")
    yield ("check", ".")


def test_no_command_or_format_shows_a_token(repository: Path) -> None:
    cache = repository / ".ml-policy-cache"
    problems = []
    for command in _commands():
        before = _snapshot(repository)
        result = ml_policy(*command, cwd=repository)
        assert "Traceback" not in result.stderr, (command, result.stderr)
        shown = _bodies(result.stdout + result.stderr)
        problems += [f"{' '.join(command)[:60]}: prints {name}" for name in shown]
        problems += [
            f"{' '.join(command)[:60]}: writes {leak}"
            for leak in _leaks_in_written_files(before, _snapshot(repository))
        ]
    assert cache.is_dir()  # the cache was written, and is covered by the snapshots
    assert (repository / ".secrets.baseline").is_file()
    assert STRIPE in (repository / "train.py").read_text()  # --fix kept the file's own text
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    "table",
    [
        f'select = ["{GITHUB}"]',
        f'ignore = ["MLD001", "{HF}"]',
        f"{HF} = 1",
        f'per-file-ignores = {{ "x/" = ["{OPENAI}"] }}',
        f'bundle = "{STRIPE}@1"',
        f'[tool.ml-policy.deps]\nmode = "{SLACK}"',
        f'[tool.ml-policy.secrets]\ndisable-plugins = 5\n"{ANTHROPIC}" = 1',
    ],
)
def test_configuration_errors_do_not_quote_tokens(tmp_path: Path, table: str) -> None:
    header = "" if table.startswith("[") else "[tool.ml-policy]\n"
    write_files(tmp_path, {"pyproject.toml": header + table + "\n", "a.py": "x = 1\n"})
    for command in (("check", "."), ("lint", "a.py"), ("secrets", "--update-baseline")):
        result = ml_policy(*command, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "error" in result.stderr
        assert _bodies(result.stdout + result.stderr) == [], result.stderr


def test_an_include_outside_the_repository_is_not_read(repository: Path) -> None:
    result = ml_policy("deps", "requirements.txt", cwd=repository)
    assert "include outside the repository, not read: '../outside/requirements.txt'" in (
        result.stdout
    )
    assert "MLD004" not in [line for line in result.stdout.splitlines() if "outside" in line]


def test_a_credential_in_an_index_url_is_called_out(repository: Path) -> None:
    result = ml_policy("deps", "requirements.txt", "pyproject.toml", cwd=repository)
    index_findings = [line for line in result.stdout.splitlines() if "MLD004" in line]
    assert len(index_findings) == 2, result.stdout
    assert all("holds a credential, in a committed file" in line for line in index_findings)
    assert all("https://***@" in line for line in index_findings)


def test_a_symlink_to_a_file_outside_is_not_read(tmp_path: Path) -> None:
    write_files(tmp_path, {"outside/requirements.txt": f"torch @ https://u:{OUTSIDE}@h/t.whl\n"})
    repo = tmp_path / "repo"
    repo.mkdir()
    run(["git", "init", "-q", "-b", "main"], repo, check=True)
    (repo / "requirements.txt").symlink_to(tmp_path / "outside" / "requirements.txt")
    for command in (("deps", "requirements.txt"), ("check", ".")):
        result = ml_policy(*command, "--output-format", "json", cwd=repo)
        assert "h/t.whl" not in result.stdout  # nothing of the outside file is quoted
        assert result.returncode == 0, result.stdout
