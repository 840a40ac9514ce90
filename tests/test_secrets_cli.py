"""`ml-policy secrets` and `init` end to end: the real CLI in temporary git repositories."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import test_secrets_tokens as tokens
from conftest import cache_entry_records, ml_policy, rewrite_cache_entry, run

from ml_policy.secrets import plugins

pytestmark = pytest.mark.slow


def commit(repo: Path, *names: str) -> None:
    run(["git", "add", *names], repo, check=True)
    run(["git", "commit", "-q", "-m", "add"], repo, check=True)


def test_init_accepts_existing_secrets_and_new_ones_fail(git_repo: Path) -> None:
    old = tokens.hugging_face()
    (git_repo / "train.py").write_text(f'HF_TOKEN = "{old}"\n')
    commit(git_repo, "train.py")

    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert ".secrets.baseline: create" in result.stdout
    assert "1 secret(s) already in the repository accepted" in result.stdout
    saved = json.loads((git_repo / ".secrets.baseline").read_text())
    assert set(saved) == {"version", "plugins_used", "filters_used", "results"}
    assert [e["type"] for e in saved["results"]["train.py"]] == ["Hugging Face Token"]
    assert old not in (git_repo / ".secrets.baseline").read_text()

    clean = ml_policy("secrets", "train.py", cwd=git_repo)
    assert (clean.returncode, clean.stdout.strip()) == (0, "All checks passed!")

    new = tokens.openai_project()
    (git_repo / "train.py").write_text(f'"""Moved down."""\n\nHF_TOKEN = "{old}"\nKEY = "{new}"\n')
    leaked = ml_policy("secrets", "train.py", cwd=git_repo)
    assert leaked.returncode == 1
    assert leaked.stdout.startswith("train.py:4:8: MLK001 OpenAI API Key sk-p…(")
    assert new not in leaked.stdout + leaked.stderr
    assert old not in leaked.stdout + leaked.stderr


def test_update_baseline_accepts_what_is_there_now(git_repo: Path) -> None:
    token = tokens.hugging_face()
    (git_repo / "train.py").write_text(f'HF_TOKEN = "{token}"\n')
    commit(git_repo, "train.py")
    assert ml_policy("secrets", "train.py", cwd=git_repo).returncode == 1

    updated = ml_policy("secrets", "--update-baseline", cwd=git_repo)
    assert updated.returncode == 0, updated.stderr
    assert "1 secret(s) accepted" in updated.stderr
    assert token not in (git_repo / ".secrets.baseline").read_text()
    assert ml_policy("secrets", "train.py", cwd=git_repo).returncode == 0


def test_second_init_keeps_the_baseline_byte_for_byte(git_repo: Path) -> None:
    assert ml_policy("init", cwd=git_repo).returncode == 0
    (git_repo / "new.py").write_text(f'T = "{tokens.hugging_face()}"\n')
    before = (git_repo / ".secrets.baseline").read_bytes()
    again = ml_policy("init", cwd=git_repo)
    assert again.returncode == 0, again.stderr
    assert ".secrets.baseline: unchanged" in again.stdout
    assert (git_repo / ".secrets.baseline").read_bytes() == before


def test_init_never_replaces_a_users_baseline(git_repo: Path) -> None:
    mine = b'{"version": "1.4.0", "results": {}}  \n'
    (git_repo / ".secrets.baseline").write_bytes(mine)
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert (git_repo / ".secrets.baseline").read_bytes() == mine


def test_init_dry_run_shows_the_baseline_and_writes_nothing(git_repo: Path) -> None:
    result = ml_policy("init", "--diff", cwd=git_repo)
    assert "--- /dev/null\n+++ b/.secrets.baseline\n" in result.stdout
    assert not (git_repo / ".secrets.baseline").exists()


def test_init_honours_a_configured_baseline_path(git_repo: Path) -> None:
    (git_repo / "pyproject.toml").write_text(
        '[tool.ml-policy.secrets]\nbaseline = "ci/secrets.baseline"\n'
    )
    (git_repo / "ci").mkdir()
    assert ml_policy("init", cwd=git_repo).returncode == 0
    assert (git_repo / "ci" / "secrets.baseline").is_file()
    assert not (git_repo / ".secrets.baseline").exists()


@pytest.mark.parametrize("output_format", ["json", "sarif", "github", "junit"])
def test_no_output_format_shows_a_secret(git_repo: Path, output_format: str) -> None:
    token, key = tokens.anthropic(), tokens.aws_access_key()
    (git_repo / "agent.py").write_text(f'A = "{token}"\nB = "{key}"\n')
    result = ml_policy("secrets", "--output-format", output_format, "agent.py", cwd=git_repo)
    assert result.returncode == 1, result.stderr
    assert "MLK001" in result.stdout
    assert "MLK002" in result.stdout
    assert token not in result.stdout
    assert key not in result.stdout


def test_json_positions(git_repo: Path) -> None:
    (git_repo / "a.py").write_text(f'x = 1\nT = "{tokens.replicate()}"\n')
    result = ml_policy("secrets", "--output-format", "json", "a.py", cwd=git_repo)
    [item] = json.loads(result.stdout)
    assert (item["code"], item["filename"].endswith("a.py")) == ("MLK001", True)
    assert item["location"] == {"row": 2, "column": 6}
    assert item["end_location"] == {"row": 2, "column": 46}


def test_hook_without_files_and_bad_input(git_repo: Path) -> None:
    assert ml_policy("secrets", cwd=git_repo).returncode == 0
    (git_repo / "weights.bin").write_bytes(b"\x00" * 64 + tokens.hugging_face().encode())
    (git_repo / "notes.txt").write_bytes(("caf\xe9 " + tokens.replicate()).encode("latin-1"))
    (git_repo / "broken.yaml").write_text("a: [\n  - {\n")
    result = ml_policy("secrets", "weights.bin", "notes.txt", "broken.yaml", cwd=git_repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("notes.txt:1:6: MLK001 Replicate API Token")


def test_malformed_baseline_exits_2_naming_it(git_repo: Path) -> None:
    (git_repo / ".secrets.baseline").write_text("<<<<<<< HEAD\n")
    (git_repo / "a.py").write_text("x = 1\n")
    result = ml_policy("secrets", "a.py", cwd=git_repo)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert ".secrets.baseline:1: the secrets baseline is not valid JSON" in result.stderr


def test_check_runs_the_secrets_checker_too(git_repo: Path) -> None:
    (git_repo / "config.yaml").write_text(f"hf_token: {tokens.hugging_face()}\n")
    result = ml_policy("check", "--select", "MLK", ".", cwd=git_repo)
    assert result.returncode == 1
    assert "config.yaml:1:11: MLK001 Hugging Face Token" in result.stdout


def test_detect_secrets_loads_the_plugins_by_path(git_repo: Path) -> None:
    (git_repo / "a.py").write_text(f'T = "{tokens.hugging_face()}"\nW = "{tokens.wandb_v1()}"\n')
    command = [sys.executable, "-m", "detect_secrets", "scan", "--plugin", plugins.__file__, "a.py"]
    result = run(command, git_repo)
    assert result.returncode == 0, result.stderr
    types = {entry["type"] for entry in json.loads(result.stdout)["results"]["a.py"]}
    assert types >= {"Hugging Face Token", "Weights & Biases API Key"}


def test_rule_documentation(tmp_path: Path) -> None:
    result = ml_policy("rule", "MLK001", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# ml-service-token (MLK001)")
    listing = ml_policy("rule", "--all", cwd=tmp_path).stdout
    assert "MLK002  secret" in listing


def test_results_are_cached_per_file_content_and_baseline(git_repo: Path) -> None:
    (git_repo / "train.py").write_text(f'HF_TOKEN = "{tokens.hugging_face()}"\n')
    command = ("secrets", "train.py", "--output-format", "json")
    first = ml_policy(*command, cwd=git_repo)
    [entry] = (git_repo / ".ml-policy-cache").rglob("*.json")
    # The cache is really consulted: an entry the user's ml-policy rewrote is what the
    # second run reports (tests/test_cache.py: a planted one is not).
    planted = cache_entry_records(entry)
    planted[0]["message"] = "from the cache"
    rewrite_cache_entry(entry, planted)
    assert json.loads(ml_policy(*command, cwd=git_repo).stdout)[0]["message"] == "from the cache"
    assert ml_policy(*command, "--no-cache", cwd=git_repo).stdout == first.stdout
    # A new baseline is a new key: the token it accepts is no longer reported.
    assert ml_policy("secrets", "--update-baseline", cwd=git_repo).returncode == 0
    assert json.loads(ml_policy(*command, cwd=git_repo).stdout) == []
