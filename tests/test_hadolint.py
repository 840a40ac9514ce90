"""`ml-policy hadolint` (hook ml-policy-hadolint): the pinned binary, its configuration, and
its findings in every output format. The real hadolint runs in every test that lints."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from conftest import HookRepo, commit, init_repo, pre_commit, write_config, write_files

from ml_policy import cli
from ml_policy.config import ConfigError
from ml_policy.deps.commands import is_dockerfile
from ml_policy.hadolint import binary, configuration, own_configuration, rule_url
from ml_policy.settings.model import HadolintSettings

LATEST = "FROM python:latest\n"  # DL3007, a warning
PINNED = "FROM python:3.12.7-slim\nUSER 1000\n"  # nothing to report


def hadolint(
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
) -> tuple[int, str, str]:
    """`ml-policy hadolint ARGS` run in `folder`: (exit status, stdout, stderr)."""
    monkeypatch.chdir(folder)
    status = cli.main(["hadolint", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def json_findings(output: str) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(output)
    return findings


# --- the binary ----------------------------------------------------------------------------


def test_binary_is_the_pinned_release_from_this_environment() -> None:
    import subprocess

    path = binary()
    assert path.parent == Path(os.path.realpath(path)).parent or path.is_file()
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)
    assert "2.15.1" in version.stdout


# --- configuration: the repository's file, the table on top -------------------------------


def test_table_alone_becomes_hadolint_keys() -> None:
    table = HadolintSettings(
        ignore=("DL3008",),
        error=("DL3007",),
        failure_threshold="warning",
        trusted_registries=("docker.io",),
        label_schema={"maintainer": "text"},
        strict_labels=True,
    )
    assert configuration(table, {}) == {
        "ignored": ["DL3008"],
        "override": {"error": ["DL3007"]},
        "failure-threshold": "warning",
        "trustedRegistries": ["docker.io"],
        "label-schema": {"maintainer": "text"},
        "strict-labels": True,
    }


def test_file_alone_is_kept_as_it_is() -> None:
    own = {"ignored": ["DL3008"], "failure-threshold": "error", "format": "tty"}
    assert configuration(HadolintSettings(), own) == own


def test_table_lists_add_to_the_files_and_its_scalars_replace_them() -> None:
    own = {
        "ignored": ["DL3008"],
        "override": {"warning": ["DL3007", "DL3015"], "info": ["DL3042"]},
        "trustedRegistries": "ghcr.io",  # hadolint takes one string too
        "label-schema": {"maintainer": "email", "version": "semver"},
        "failure-threshold": "error",
    }
    table = HadolintSettings(
        ignore=("DL3013", "DL3008"),
        error=("DL3007",),
        trusted_registries=("docker.io",),
        label_schema={"maintainer": "text"},
        failure_threshold="info",
    )
    merged = configuration(table, own)
    assert merged["ignored"] == ["DL3008", "DL3013"]
    # DL3007 moved from the file's warnings to the table's errors; the rest unchanged.
    assert merged["override"] == {"warning": ["DL3015"], "info": ["DL3042"], "error": ["DL3007"]}
    assert merged["trustedRegistries"] == ["ghcr.io", "docker.io"]
    assert merged["label-schema"] == {"maintainer": "text", "version": "semver"}
    assert merged["failure-threshold"] == "info"


def test_own_file_is_read_from_the_root_under_either_name(tmp_path: Path) -> None:
    assert own_configuration(tmp_path) == {}
    (tmp_path / ".hadolint.yml").write_text("ignored:\n  - DL3008\n")
    assert own_configuration(tmp_path) == {"ignored": ["DL3008"]}
    (tmp_path / ".hadolint.yaml").write_text("")  # the .yaml name first, as hadolint
    assert own_configuration(tmp_path) == {}


@pytest.mark.parametrize(
    ("text", "line", "said"),
    [
        ("ignored:\n  - DL3008\n bad: [\n", 3, "not valid YAML"),
        ("- DL3008\n", None, "must be a mapping"),
    ],
)
def test_malformed_own_file_is_an_error_naming_it(
    tmp_path: Path, text: str, line: int | None, said: str
) -> None:
    (tmp_path / ".hadolint.yaml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        own_configuration(tmp_path)
    assert raised.value.path == tmp_path / ".hadolint.yaml"
    assert said in str(raised.value)
    if line is not None:
        assert raised.value.line == line


def test_rule_urls() -> None:
    assert rule_url("DL3007") == "https://github.com/hadolint/hadolint/wiki/DL3007"
    assert rule_url("SC2086") == "https://www.shellcheck.net/wiki/SC2086"


# --- which files are Dockerfiles -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Dockerfile",
        "dockerfile",
        "Dockerfile.gpu",
        "Dockerfile-dev",
        "train.dockerfile",
        "Containerfile",
        "Containerfile.cuda12",
    ],
)
def test_dockerfile_names(name: str) -> None:
    assert is_dockerfile(Path("docker") / name)


@pytest.mark.parametrize(
    "name",
    [
        "dockerfile.py",
        "Dockerfile.md",
        "Dockerfile.j2",
        "Dockerfile.dockerignore",
        "dockerfile_utils.py",
        "Dockerfiles",
        "requirements.txt",
    ],
)
def test_names_that_are_not_dockerfiles(name: str) -> None:
    assert not is_dockerfile(Path(name))


# --- the command -----------------------------------------------------------------------------


def test_findings_fail_with_hadolints_code_line_and_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path, {"Dockerfile": "# a comment\n" + LATEST})
    status, out, _ = hadolint(
        tmp_path, capsys, monkeypatch, "--output-format", "json", "Dockerfile"
    )
    assert status == 1
    (finding,) = json_findings(out)
    assert finding["code"] == "DL3007"
    assert finding["location"] == {"row": 2, "column": 1}
    assert finding["severity"] == "warning"
    assert finding["url"] == "https://github.com/hadolint/hadolint/wiki/DL3007"


def test_clean_dockerfile_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path, {"Dockerfile": PINNED})
    status, out, err = hadolint(tmp_path, capsys, monkeypatch, "Dockerfile")
    assert (status, err) == (0, "")
    assert "All checks passed" in out


def test_no_files_does_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert hadolint(tmp_path, capsys, monkeypatch) == (0, "", "")


def test_files_that_are_not_dockerfiles_are_not_given_to_hadolint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read as a Dockerfile, this would be DL1000 (hadolint cannot parse it).
    write_files(tmp_path, {"dockerfile.py": "import os\nprint(os.name)\n"})
    status, out, _ = hadolint(tmp_path, capsys, monkeypatch, "dockerfile.py")
    assert status == 0
    assert "DL" not in out


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "junit"])
def test_every_output_format_carries_hadolints_findings(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    output_format: str,
) -> None:
    write_files(tmp_path, {"docker/Dockerfile.gpu": LATEST})
    status, out, _ = hadolint(
        tmp_path, capsys, monkeypatch, "--output-format", output_format, "docker/Dockerfile.gpu"
    )
    assert status == 1
    if output_format == "sarif":
        (result,) = json.loads(out)["runs"][0]["results"]
        assert result["ruleId"] == "DL3007"
        assert result["level"] == "warning"
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith("docker/Dockerfile.gpu")
    elif output_format == "junit":
        (case,) = ElementTree.fromstring(out).iter("testcase")  # noqa: S314 - our own output
        assert "DL3007" in ElementTree.tostring(case, encoding="unicode")
    elif output_format == "github":
        assert out.startswith(("::warning ", "::error "))
        assert "file=docker/Dockerfile.gpu,line=1" in out
        assert "DL3007" in out
    else:
        assert "DL3007" in out
        assert "docker/Dockerfile.gpu" in out


def test_failure_threshold_shows_findings_below_it_without_failing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(
        tmp_path,
        {
            "Dockerfile": LATEST,
            "pyproject.toml": '[tool.ml-policy.hadolint]\nfailure-threshold = "error"\n',
        },
    )
    status, out, _ = hadolint(tmp_path, capsys, monkeypatch, "Dockerfile")
    assert status == 0
    assert "DL3007" in out


def test_table_makes_a_rule_an_error_and_then_it_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    table = '[tool.ml-policy.hadolint]\nfailure-threshold = "error"\nerror = ["DL3007"]\n'
    write_files(tmp_path, {"Dockerfile": LATEST, "pyproject.toml": table})
    status, out, _ = hadolint(
        tmp_path, capsys, monkeypatch, "--output-format", "json", "Dockerfile"
    )
    assert status == 1
    assert [f["severity"] for f in json_findings(out)] == ["error"]


def test_ignore_in_the_table_and_in_the_own_file_both_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dockerfile = LATEST + "RUN pip install torch\n"  # DL3007; DL3013 and DL3042
    write_files(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            ".hadolint.yaml": "ignored: [DL3042]\n",
            "pyproject.toml": '[tool.ml-policy.hadolint]\nignore = ["DL3013"]\n',
        },
    )
    status, out, _ = hadolint(
        tmp_path, capsys, monkeypatch, "--output-format", "json", "Dockerfile"
    )
    assert status == 1
    assert [f["code"] for f in json_findings(out)] == ["DL3007"]


def test_user_level_hadolint_configuration_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    write_files(home, {".config/hadolint.yaml": "ignored: [DL3007]\n"})
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    repo = tmp_path / "repo"
    write_files(repo, {"Dockerfile": LATEST})
    status, out, _ = hadolint(repo, capsys, monkeypatch, "Dockerfile")
    assert status == 1
    assert "DL3007" in out


def test_excluded_files_are_not_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(
        tmp_path,
        {
            "vendor/Dockerfile": LATEST,
            "pyproject.toml": '[tool.ml-policy]\nexclude = ["vendor/"]\n',
        },
    )
    status, out, _ = hadolint(tmp_path, capsys, monkeypatch, "vendor/Dockerfile")
    assert status == 0
    assert "DL3007" not in out


def test_invalid_table_is_an_error_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(
        tmp_path,
        {"Dockerfile": LATEST, "pyproject.toml": '[tool.ml-policy.hadolint]\nignore = ["DL30"]\n'},
    )
    status, out, err = hadolint(tmp_path, capsys, monkeypatch, "Dockerfile")
    assert status == 2
    for said in ("hadolint", "ignore", "DL30"):
        assert said in err
    assert "Traceback" not in out + err


def test_malformed_own_file_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path, {"Dockerfile": LATEST, ".hadolint.yaml": "ignored: [DL3007\n"})
    status, _, err = hadolint(tmp_path, capsys, monkeypatch, "Dockerfile")
    assert status == 2
    assert ".hadolint.yaml:2" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "content",
    [
        b"FROM python:3.12\nRUN [\n",
        b"\x00\xff\xfe binary \x00",
        "FROM pyth\u00f6n:3.12\nRUN [\n".encode(),
    ],
)
def test_files_hadolint_cannot_read_are_findings_not_tracebacks(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
) -> None:
    write_files(tmp_path, {"Dockerfile": content, "Containerfile": LATEST})
    status, out, err = hadolint(
        tmp_path, capsys, monkeypatch, "--output-format", "json", "Dockerfile", "Containerfile"
    )
    assert "Traceback" not in out + err
    assert status == 1
    codes = {(f["filename"].rsplit("/", 1)[-1], f["code"]) for f in json_findings(out)}
    assert ("Containerfile", "DL3007") in codes  # the other file is still checked
    assert any(name == "Dockerfile" for name, _ in codes)  # and this one is a finding


def test_a_folder_is_searched_for_dockerfiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path, {"docker/Dockerfile.gpu": LATEST, "docker/notes.md": "FROM x\n"})
    status, out, _ = hadolint(tmp_path, capsys, monkeypatch, "--output-format", "json", "docker")
    assert status == 1
    assert [f["filename"].rsplit("/", 1)[-1] for f in json_findings(out)] == ["Dockerfile.gpu"]


def test_a_missing_file_is_a_clear_error_not_hadolints_backtrace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = hadolint(tmp_path, capsys, monkeypatch, "Dockerfile.missing")
    assert status == 2
    assert "Dockerfile.missing" in err
    assert "backtrace" not in (out + err).lower()


# --- the hook, under pre-commit -----------------------------------------------------------


@pytest.mark.slow
def test_hook_runs_the_pinned_hadolint_under_pre_commit(
    hook_repo: HookRepo, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    init_repo(repo)
    write_config(repo, hook_repo, ("ml-policy-hadolint",))
    write_files(
        repo, {"docker/Dockerfile.train": LATEST, "Dockerfile": PINNED, "dockerfile.py": "x = 1\n"}
    )
    commit(repo)
    result = pre_commit(repo, hook_repo, "run", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "docker/Dockerfile.train:1:1: DL3007" in result.stdout
    assert "dockerfile.py" not in result.stdout
    write_files(repo, {"docker/Dockerfile.train": PINNED})
    result = pre_commit(repo, hook_repo, "run", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
