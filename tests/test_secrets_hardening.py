"""Issue 8 for the secrets checker: the baseline hashes whole secrets, and no file is trusted.

Every detector (ours and each of detect-secrets' own, those off by default
switched on) is run on two different secrets of its kind: the baseline that
accepts one must not accept the other. Then the files the checker reads by
name: the baseline (confined to the project, a regular file under a cap,
never blocking) and the scanned files (a symlink is judged as git stores it,
never by its target).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
import test_secrets_tokens as tokens
from conftest import check_files, ml_policy, write_files

from ml_policy.config import ConfigError, SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.secrets import baseline, exact, scan
from ml_policy.secrets.checker import redact

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def findings(root: Path, files: dict[str, str | bytes]) -> list[Diagnostic]:
    """Write `files` under `root` and run the MLK checker over them."""
    return check_files(root, files, ["MLK"])


def sha1(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()  # noqa: S324 - detect-secrets' own hash


def guarded(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI with a time and memory limit: what used to hang or eat memory fails fast."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "ml_policy", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        preexec_fn=limit_memory,
    )


# --- every detector, two secrets of one kind -------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A detector, a file with one of its secrets, and the secret's whole value."""

    detector: str
    name: str
    text: Callable[[str], str]
    make: Callable[[], str]
    value: Callable[[str], str] = lambda token: token

    @property
    def secret_type(self) -> str:
        return _secret_types()[self.detector]


def _pem_value(pem: str) -> str:
    """A private key as hashed: from its marker to its end marker, without whitespace."""
    start, end = pem.index("BEGIN"), pem.rindex("PRIVATE KEY") + len("PRIVATE KEY")
    return "".join(pem[start:end].split())


CASES: dict[str, Case] = {
    # ours (MLK001)
    "hugging-face": Case(
        "HuggingFaceDetector", "train.py", 'HF = "{}"\n'.format, tokens.hugging_face
    ),
    "hugging-face-org": Case(
        "HuggingFaceDetector", "hub.py", "HfApi(token='{}')\n".format, tokens.hugging_face_org
    ),
    "wandb-v1": Case("WandbDetector", "run.sh", 'export W="{}"\n'.format, tokens.wandb_v1),
    "wandb-env": Case(
        "WandbDetector", "run.sh", "export WANDB_API_KEY={}\n".format, tokens.hex_key
    ),
    "wandb-netrc": Case(
        "WandbDetector",
        ".netrc",
        "machine api.wandb.ai\n  login user\n  password {}\n".format,
        tokens.hex_key,
    ),
    "openai": Case(
        "OpenAIApiKeyDetector", "chat.py", 'OpenAI(api_key="{}")\n'.format, tokens.openai_project
    ),
    "anthropic": Case("AnthropicDetector", "agent.py", 'K = "{}"\n'.format, tokens.anthropic),
    "replicate": Case(
        "ReplicateDetector", ".env", "REPLICATE_API_TOKEN={}\n".format, tokens.replicate
    ),
    "kaggle-token": Case(
        "KaggleDetector", ".env", "KAGGLE_API_TOKEN={}\n".format, tokens.kaggle_api_token
    ),
    "kaggle-json": Case(
        "KaggleDetector",
        "kaggle.json",
        '{{"username": "alice", "key": "{}"}}\n'.format,
        lambda: tokens.hex_key(32),
    ),
    "comet": Case(
        "CometDetector", "train.py", 'os.environ["COMET_API_KEY"] = "{}"\n'.format, tokens.comet
    ),
    # detect-secrets' own (MLK002)
    "aws-access-key": Case(
        "AWSKeyDetector", "deploy.py", 'AWS_ACCESS_KEY_ID = "{}"\n'.format, tokens.aws_access_key
    ),
    "aws-secret-key": Case(
        "AWSKeyDetector",
        "deploy.py",
        'aws_secret_access_key = "{}"\n'.format,
        tokens.aws_secret_key,
    ),
    "artifactory": Case(
        "ArtifactoryDetector", "ci.py", 'ARTIFACTORY = "{}"\n'.format, tokens.artifactory
    ),
    "azure-storage": Case(
        "AzureStorageKeyDetector",
        "storage.py",
        'CONN = "DefaultEndpointsProtocol=https;AccountName=ml;AccountKey={};"\n'.format,
        tokens.azure_storage_key,
    ),
    "base64-entropy": Case(
        "Base64HighEntropyString", "fixture.py", 'F = "{}"\n'.format, tokens.high_entropy_base64
    ),
    "basic-auth": Case(
        "BasicAuthDetector",
        "db.py",
        'DB = "postgresql://trainer:{}@db.internal:5432/runs"\n'.format,
        tokens.password,
    ),
    "cloudant": Case(
        "CloudantDetector", "db.py", 'cloudant_password = "{}"\n'.format, tokens.cloudant_password
    ),
    "discord": Case("DiscordBotTokenDetector", "bot.py", 'T = "{}"\n'.format, tokens.discord),
    "github": Case("GitHubTokenDetector", "ci.py", 'GH = "{}"\n'.format, tokens.github),
    "gitlab": Case("GitLabTokenDetector", "ci.py", 'GL = "{}"\n'.format, tokens.gitlab),
    "gitlab-ci-build": Case(
        "GitLabTokenDetector", "ci.py", 'GL = "{}"\n'.format, tokens.gitlab_ci_build
    ),
    "gitlab-ci-build-prefixed": Case(
        "GitLabTokenDetector", "ci.py", 'GL = "{}"\n'.format, tokens.gitlab_ci_build_prefixed
    ),
    "hex-entropy": Case("HexHighEntropyString", "fixture.py", 'F = "{}"\n'.format, tokens.hex_key),
    "ibm-cloud-iam": Case(
        "IbmCloudIamDetector",
        "ibm.py",
        'ibm_cloud_iam_api_key = "{}"\n'.format,
        tokens.ibm_cloud_iam,
    ),
    "ibm-cos-hmac": Case(
        "IbmCosHmacDetector",
        "ibm.py",
        'ibm_cos_hmac_secret_access_key = "{}"\n'.format,
        lambda: tokens.hex_key(48),
    ),
    "jwt": Case("JwtTokenDetector", "auth.py", 'T = "{}"\n'.format, tokens.jwt),
    "keyword": Case("KeywordDetector", "settings.py", 'password = "{}"\n'.format, tokens.password),
    "mailchimp": Case("MailchimpDetector", "mail.py", 'K = "{}"\n'.format, tokens.mailchimp),
    "npm": Case(
        "NpmDetector", ".npmrc", "//registry.npmjs.org/:_authToken={}\n".format, tokens.npm
    ),
    "openai-classic": Case("OpenAIDetector", "chat.py", 'K = "{}"\n'.format, tokens.openai_classic),
    "private-key": Case(
        "PrivateKeyDetector", "id_rsa", "{}".format, tokens.private_key, _pem_value
    ),
    "pypi": Case("PypiTokenDetector", ".pypirc", "password = {}\n".format, tokens.pypi),
    "sendgrid": Case("SendGridDetector", "mail.py", 'K = "{}"\n'.format, tokens.sendgrid),
    "slack": Case("SlackDetector", "bot.py", 'T = "{}"\n'.format, tokens.slack),
    "slack-webhook": Case("SlackDetector", "bot.py", 'URL = "{}"\n'.format, tokens.slack_webhook),
    "softlayer": Case(
        "SoftlayerDetector", "sl.py", 'softlayer_api_key = "{}"\n'.format, tokens.softlayer
    ),
    "square": Case("SquareOAuthDetector", "pay.py", 'K = "{}"\n'.format, tokens.square),
    "stripe": Case("StripeDetector", "pay.py", 'K = "{}"\n'.format, tokens.stripe),
    "telegram": Case("TelegramBotTokenDetector", "bot.py", 'T = "{}"\n'.format, tokens.telegram),
    "twilio": Case("TwilioKeyDetector", "sms.py", 'SID = "{}"\n'.format, tokens.twilio),
    "twilio-api-key": Case(
        "TwilioKeyDetector", "sms.py", 'K = "{}"\n'.format, tokens.twilio_api_key
    ),
}


def _secret_types() -> dict[str, str]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import BasePlugin

    mapping: dict[str, type[BasePlugin]] = dict(get_mapping_from_secret_type_to_class())
    types = {cls.__name__: kind for kind, cls in mapping.items()}
    return types | {d.__name__: str(d.secret_type) for d in scan.ML_DETECTORS}


@pytest.fixture
def enable(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Switch on a detector that is off by default (a bundle could)."""

    def switch_on(detector: str) -> None:
        monkeypatch.setattr(scan, "OFF_BY_DEFAULT", scan.OFF_BY_DEFAULT - {detector})

    return switch_on


def test_every_detector_has_a_case() -> None:
    covered = {case.detector for case in CASES.values()} | {"IPPublicDetector"}
    assert covered == set(scan.builtin_plugin_names()) | {d.__name__ for d in scan.ML_DETECTORS}


def test_public_ip_detector_gives_the_whole_address_and_is_filtered(
    tmp_path: Path, enable: Callable[[str], None]
) -> None:
    """Its value is the address, port included; detect-secrets' filter that a secret has a
    letter drops every address, so nothing of it ever reaches a baseline."""
    from detect_secrets.plugins.ip_public import IPPublicDetector

    address = tokens.public_ip() + ":8080"
    assert list(IPPublicDetector().analyze_string(f'HOST = "{address}"')) == [address]
    enable("IPPublicDetector")
    assert findings(tmp_path, {"hosts.py": f'HOST = "{address}"\n'}) == []


def of_kind(diagnostics: list[Diagnostic], secret_type: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.message.startswith(secret_type + " ")]


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_the_whole_secret_is_hashed_and_measured(
    tmp_path: Path, case_name: str, enable: Callable[[str], None]
) -> None:
    case = CASES[case_name]
    enable(case.detector)
    first, second = case.make(), case.make()
    assert case.value(first) != case.value(second)
    [path] = write_files(tmp_path, {case.name: case.text(first)})
    found = [f for f in scan.scan_files([path]).findings[path] if f.secret_type == case.secret_type]
    assert [(f.secret, f.hashed_secret) for f in found] == [
        (case.value(first), sha1(case.value(first)))
    ]

    settings = SettingsResolver(cwd=tmp_path).for_path(path)
    assert baseline.update(settings) >= 1
    assert of_kind(findings(tmp_path, {case.name: case.text(first)}), case.secret_type) == []
    # Another secret of the same kind, in the same file: the baseline does not accept it.
    [reported] = of_kind(findings(tmp_path, {case.name: case.text(second)}), case.secret_type)
    whole = case.value(second)
    assert f"{case.secret_type} {redact(whole)}: " in reported.message
    assert f"({len(whole)} chars)" in reported.message
    assert whole not in reported.message


def test_two_tokens_of_one_kind_on_one_line_are_two_findings(tmp_path: Path) -> None:
    first, second = tokens.github(), tokens.github()
    found = findings(tmp_path, {"ci.py": f'TOKENS = ["{first}", "{second}"]\n'})
    assert [(d.line, d.column) for d in found] == [(1, 12), (1, 56)]


@pytest.mark.parametrize("name", sorted(exact.EXACT))
def test_exact_detectors_match_where_detect_secrets_does(name: str) -> None:
    """Only the value changes: the same places are found as by detect-secrets' own class."""
    from detect_secrets.plugins.base import RegexBasedDetector

    ours = exact.EXACT[name]
    theirs = cast("type[RegexBasedDetector]", ours.__mro__[1])
    samples = "\n".join(case.text(case.make()) for case in CASES.values() if case.detector == name)
    samples += ' "AKC' + "x" * 8 + '" glpat-short ' + "eyJ" + "a.b " + "AccountKey=" + "a" * 80
    assert samples.strip()
    patterns = [cast("list[re.Pattern[str]]", cls.denylist) for cls in (ours, theirs)]
    for mine, original in zip(*patterns, strict=True):
        assert [m.start() for m in mine.finditer(samples)] == [
            m.start() for m in original.finditer(samples)
        ]


def test_forked_workers_use_the_exact_detectors(tmp_path: Path) -> None:
    made = {f"m{n}.py": f'GH = "{tokens.github()}"\n' for n in range(8)}
    paths = write_files(tmp_path, made)
    found = scan.scan_files(paths, workers=2).findings
    assert sorted(len(found[p][0].secret) for p in paths) == [40] * 8


def test_detect_secrets_own_classes_are_back_after_a_scan(tmp_path: Path) -> None:
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.settings import get_plugins, transient_settings

    [path] = write_files(tmp_path, {"ci.py": f'GH = "{tokens.github()}"\n'})
    assert scan.scan_files([path]).findings[path][0].secret.startswith("ghp_")
    with transient_settings({"plugins_used": [{"name": "GitHubTokenDetector"}]}):
        assert [type(p) for p in get_plugins()] == [GitHubTokenDetector]


# --- private keys: the key, not its header ---------------------------------------------------


def key_findings(tmp_path: Path, name: str, text: str) -> list[scan.Finding]:
    [path] = write_files(tmp_path, {name: text})
    return scan.scan_files([path]).findings.get(path, [])


def test_private_key_forms(tmp_path: Path) -> None:
    pem = tokens.private_key()
    value = _pem_value(pem)
    one_line = json.dumps({"type": "service_account", "private_key": pem}) + "\n"
    block = "key: |\n" + "".join(f"    {line}\n" for line in pem.splitlines())
    forms = {
        "id_rsa": pem,
        "service-account.json": one_line,
        "secrets.yaml": block,
        "key.py": 'KEY = """\\\n' + pem + '"""\n',
    }
    secrets = {
        name: [f.secret for f in key_findings(tmp_path, name, t)] for name, t in forms.items()
    }
    assert secrets["id_rsa"] == [value]
    assert secrets["secrets.yaml"] == [value]  # re-indented: the same key, the same hash
    assert secrets["key.py"] == [value]
    [escaped] = secrets["service-account.json"]
    assert escaped.startswith("BEGINRSAPRIVATEKEY-----\\n")
    assert escaped.endswith("PRIVATEKEY")
    assert pem.splitlines()[1] in escaped


PUTTY = "PuTTY-User-" + "Key-File-2"


def test_private_key_without_end_marker_and_putty(tmp_path: Path) -> None:
    cut = "\n".join(tokens.private_key().splitlines()[:4]) + "\n\nprint('done')\n"
    [found] = key_findings(tmp_path, "cut.pem", cut)
    assert found.secret == "".join(cut.split("\n\n")[0][len("-----") :].split())
    body = tokens.body(tokens.BASE64, 64)
    putty = (
        f"{PUTTY}: ssh-rsa\nEncryption: none\nPrivate-Lines: 1\n"
        f"{body}\nPrivate-MAC: {tokens.hex_key()}\nnext = 1\n"
    )
    [found] = key_findings(tmp_path, "id.ppk", putty)
    assert body in found.secret
    assert found.secret.startswith(PUTTY)
    assert "next" not in found.secret


def test_pgp_armour_and_a_far_end_marker(tmp_path: Path) -> None:
    rows = "".join(tokens.body(tokens.BASE64, 64) + "\n" for _ in range(3))
    armour = "PGP PRIVATE KEY BLOCK"
    pgp = f"-----BEGIN {armour}-----\nVersion: 1\n\n{rows}=AbCd\n-----END {armour}-----\n"
    [found] = key_findings(tmp_path, "key.asc", pgp)
    assert found.secret == _pem_value(pgp) + " BLOCK".replace(" ", "")
    # A marker in code, and an end marker further down: the code between is no key.
    code = 'HEADER = "-----BEGIN ' + 'RSA PRIVATE KEY-----"\nx = parse(HEADER)\n'
    code += 'FOOTER = "-----END RSA PRIVATE KEY-----"\n'
    [found] = key_findings(tmp_path, "pem.py", code)
    assert found.secret == 'BEGINRSAPRIVATEKEY-----"'


def test_two_keys_on_one_line_are_two_findings(tmp_path: Path) -> None:
    first, second = tokens.private_key(), tokens.private_key()
    text = json.dumps({"a": first, "b": second}) + "\n"
    found = key_findings(tmp_path, "keys.json", text)
    assert len({f.hashed_secret for f in found}) == 2
    assert [f.column for f in found] == [text.index("BEGIN") + 1, text.rindex("BEGIN") + 1]


# --- baselines written by 0.1.0 ----------------------------------------------------------------


def write_baseline(root: Path, entries: dict[str, list[tuple[str, str]]]) -> None:
    results = {
        name: [{"type": kind, "filename": name, "hashed_secret": hashed} for kind, hashed in rows]
        for name, rows in entries.items()
    }
    (root / ".secrets.baseline").write_text(json.dumps({"version": "1.5.0", "results": results}))


@pytest.mark.parametrize(
    ("kind", "partial", "make"),
    [
        ("GitHub Token", "ghp", tokens.github),
        ("GitLab Token", "glpat", tokens.gitlab),
        ("GitLab Token", "", tokens.gitlab_ci_build),
        ("Private Key", "BEGIN " + "RSA PRIVATE KEY", tokens.private_key),
    ],
)
def test_a_family_entry_of_an_old_baseline_accepts_nothing(
    tmp_path: Path, kind: str, partial: str, make: Callable[[], str]
) -> None:
    write_baseline(tmp_path, {"ci.py": [(kind, sha1(partial))]})
    found = findings(tmp_path, {"ci.py": f"T = '''{make()}'''\n"})
    assert [d.code for d in found] == ["MLK002"]
    assert f"the baseline's entry from ml-policy 0.1.0 accepted any {kind}" in found[0].message
    assert "ml-policy secrets --update-baseline" in found[0].message


def test_an_exact_old_entry_gets_no_family_hint(tmp_path: Path) -> None:
    token = tokens.github()
    write_baseline(tmp_path, {"ci.py": [("GitHub Token", sha1("ghp"))], "b.py": []})
    found = findings(tmp_path, {"other.py": f'T = "{token}"\n'})
    assert "0.1.0" not in found[0].message  # the family entry is for another file


@pytest.mark.slow
def test_the_cache_of_a_run_before_the_fix_is_not_used(git_repo: Path) -> None:
    from ml_policy.cache import Cache

    (git_repo / "ci.py").write_text(f'GH = "{tokens.github()}"\n')
    old_context = ("secrets", "", "")  # the key 0.1.0 computed, as the CLI names the file
    old_key = Cache.key(
        Path("ci.py"), Cache.digest((git_repo / "ci.py").read_bytes()), *old_context
    )
    Cache(git_repo / ".ml-policy-cache").put(old_key, [])  # "no findings", as it believed
    result = ml_policy("secrets", "ci.py", cwd=git_repo)
    assert result.returncode == 1
    assert "GitHub Token ghp_…(40 chars)" in result.stdout


# --- the baseline file: where it is, what it is ----------------------------------------------


@pytest.fixture
def project(git_repo: Path) -> Path:
    """A repository with one token, and a folder beside it that is outside."""
    (git_repo / "train.py").write_text(f'HF = "{tokens.hugging_face()}"\n')
    (git_repo.parent / "outside").mkdir()
    return git_repo


def accepting_baseline(repo: Path) -> str:
    """A baseline text accepting the repository's token."""
    settings = SettingsResolver(cwd=repo).for_path(repo / "train.py")
    return baseline.create(settings)[0]


@pytest.mark.slow
@pytest.mark.parametrize("value", ["../outside/file", "{outside}/file"])
def test_a_configured_baseline_outside_the_project_is_a_config_error(
    project: Path, value: str
) -> None:
    outside = project.parent / "outside" / "file"
    outside.write_text("precious\n")
    setting = value.format(outside=project.parent / "outside")
    (project / "pyproject.toml").write_text(
        f'[tool.ml-policy]\nselect = ["MLK"]\n\n[tool.ml-policy.secrets]\nbaseline = "{setting}"\n'
    )
    for args in (("secrets", "--update-baseline"), ("secrets", "train.py")):
        result = guarded(*args, cwd=project)
        assert result.returncode == 2, result.stderr
        assert "pyproject.toml:5: [tool.ml-policy.secrets] baseline must name a file inside" in (
            result.stderr
        )
        assert "Traceback" not in result.stderr
    assert outside.read_text() == "precious\n"


@pytest.mark.slow
def test_init_does_not_create_a_baseline_outside_the_project(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.ml-policy.secrets]\nbaseline = "../outside/b"\n')
    result = guarded("init", cwd=project)
    assert result.returncode == 2, result.stdout
    assert "[tool.ml-policy.secrets] baseline must name a file inside" in result.stderr
    assert not (project.parent / "outside" / "b").exists()


@pytest.mark.slow
def test_a_baseline_symlink_to_outside_is_neither_written_nor_read(project: Path) -> None:
    outside = project.parent / "outside" / "baseline.json"
    outside.write_text(accepting_baseline(project))  # it would accept the token
    (project / ".secrets.baseline").symlink_to(outside)
    before = outside.read_text()
    for args in (("secrets", "train.py"), ("secrets", "--update-baseline")):
        result = guarded(*args, cwd=project)
        assert result.returncode == 2, result.stderr
        assert ".secrets.baseline: the secrets baseline ([tool.ml-policy.secrets] baseline)" in (
            result.stderr
        )
        assert "resolves outside" in result.stderr
    assert outside.read_text() == before
    assert (project / ".secrets.baseline").is_symlink()


@pytest.mark.slow
def test_a_baseline_in_a_linked_folder_outside_is_refused(project: Path) -> None:
    (project / "ci").symlink_to(project.parent / "outside")
    (project / "pyproject.toml").write_text('[tool.ml-policy.secrets]\nbaseline = "ci/b.json"\n')
    result = guarded("secrets", "--update-baseline", cwd=project)
    assert result.returncode == 2
    assert "resolves outside" in result.stderr
    assert not (project.parent / "outside" / "b.json").exists()


@pytest.mark.slow
def test_a_baseline_symlink_inside_is_read_and_written_through(project: Path) -> None:
    (project / "ci").mkdir()
    (project / "ci" / "baseline.json").write_text('{"results": {}}\n')
    (project / ".secrets.baseline").symlink_to("ci/baseline.json")
    assert guarded("secrets", "train.py", cwd=project).returncode == 1
    updated = guarded("secrets", "--update-baseline", cwd=project)
    assert updated.returncode == 0, updated.stderr
    assert (project / ".secrets.baseline").is_symlink()  # the link stays a link
    assert "Hugging Face Token" in (project / "ci" / "baseline.json").read_text()
    assert guarded("secrets", "train.py", cwd=project).returncode == 0


@pytest.mark.slow
def test_a_baseline_symlink_to_dev_zero_is_an_error_at_once(project: Path) -> None:
    (project / ".secrets.baseline").symlink_to("/dev/zero")
    result = guarded("secrets", "train.py", cwd=project)
    assert result.returncode == 2
    assert ".secrets.baseline: the secrets baseline" in result.stderr


@pytest.mark.slow
@needs_fifo
def test_a_fifo_baseline_is_an_error_at_once(project: Path) -> None:
    os.mkfifo(project / ".secrets.baseline")
    result = guarded("secrets", "train.py", cwd=project)
    assert result.returncode == 2
    assert ".secrets.baseline: the secrets baseline is not read: cannot read: not a regular" in (
        result.stderr
    )
    update = guarded("secrets", "--update-baseline", cwd=project)
    assert update.returncode == 2
    assert "not a regular file: the secrets baseline was not written" in update.stderr


@pytest.mark.slow
def test_a_huge_baseline_is_refused_before_it_is_read(project: Path) -> None:
    with (project / ".secrets.baseline").open("wb") as handle:
        handle.truncate(baseline.BASELINE_MAX_BYTES + 1)  # sparse: no disk, 16 MB of NULs
    result = guarded("secrets", "train.py", cwd=project)
    assert result.returncode == 2
    assert ".secrets.baseline: the secrets baseline is not read: larger than 16 MB" in (
        result.stderr
    )


def test_location_refusals_in_process(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ml-policy.secrets]\nbaseline = "../b"\n')
    settings = SettingsResolver(cwd=tmp_path).for_path(tmp_path / "x.py")
    with pytest.raises(ConfigError, match=r"pyproject\.toml:2: \[tool\.ml-policy\.secrets\]"):
        baseline.location(settings)
    with pytest.raises(ConfigError):
        baseline.update(settings)


# --- the scanned files: symlinks, FIFOs, what is opened --------------------------------------


@pytest.mark.slow
def test_a_symlink_to_a_secret_outside_is_not_read(project: Path) -> None:
    secret_file = project.parent / "outside" / "credentials.env"
    secret_file.write_text(f"HF_TOKEN={tokens.hugging_face()}\n")
    (project / "creds.env").symlink_to(secret_file)
    for given in (".", "creds.env"):
        result = guarded("secrets", "--no-cache", given, cwd=project)
        assert "creds.env" not in result.stdout, result.stdout


@pytest.mark.slow
def test_a_symlink_is_judged_by_what_git_stores(project: Path) -> None:
    token = tokens.hugging_face()
    (project / "link").symlink_to(f"../{token}")  # git stores this text
    (project / "alias.py").symlink_to("train.py")  # the target is scanned on its own
    result = guarded("secrets", "--no-cache", "link", "alias.py", "train.py", cwd=project)
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if "MLK001" in line] == ["link", "train.py"]
    assert token not in result.stdout


@pytest.mark.slow
def test_a_symlinks_finding_is_baselined_under_the_links_name(project: Path) -> None:
    (project / "train.py").unlink()
    (project / "link").symlink_to(f"../{tokens.hugging_face()}")
    assert guarded("secrets", "--no-cache", "link", cwd=project).returncode == 1
    assert guarded("secrets", "--update-baseline", cwd=project).returncode == 0
    assert '"link": [' in (project / ".secrets.baseline").read_text()
    assert guarded("secrets", "--no-cache", "link", cwd=project).returncode == 0


@pytest.mark.slow
@needs_fifo
def test_a_fifo_is_reported_not_waited_for(project: Path) -> None:
    os.mkfifo(project / "fifo.py")
    result = guarded("secrets", "--no-cache", "fifo.py", cwd=project)
    assert result.returncode == 1
    assert "fifo.py:1:1: MLE001 cannot read: not a regular file" in result.stdout
    (project / "zero.txt").symlink_to("/dev/zero")
    assert guarded("secrets", "--no-cache", "zero.txt", cwd=project).returncode == 0


class _Opens:
    """Files opened while `recording` (path, flags), as Python's audit hook "open" sees them."""

    recording = False
    seen: list[tuple[str, int]] = []  # noqa: RUF012 - one recorder per test process
    hooked = False

    @classmethod
    def hook(cls, event: str, args: tuple[object, ...]) -> None:
        if cls.recording and event == "open" and isinstance(args[0], str | Path):
            cls.seen.append((os.fspath(args[0]), args[2] if isinstance(args[2], int) else 0))


@pytest.fixture
def opened() -> Iterator[list[tuple[str, int]]]:
    if not _Opens.hooked:
        sys.addaudithook(_Opens.hook)  # cannot be removed: it records only while asked
        _Opens.hooked = True
    _Opens.seen = []
    _Opens.recording = True
    try:
        yield _Opens.seen
    finally:
        _Opens.recording = False


def test_scanned_files_are_opened_once_without_blocking_or_following(
    tmp_path: Path, opened: list[tuple[str, int]]
) -> None:
    [path] = write_files(tmp_path, {"config.yaml": f"hf_token: {tokens.hugging_face()}\n"})
    opened.clear()  # from here on
    result = scan.scan_files([path], workers=1)
    assert len(result.findings[path]) == 1
    of_the_file = [flags for name, flags in opened if name == str(path)]
    assert len(of_the_file) == 1
    assert of_the_file[0] & os.O_NONBLOCK
    assert of_the_file[0] & os.O_NOFOLLOW


def test_path_filters_look_at_the_real_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = f'T = "{tokens.hugging_face()}"\n'
    assert findings(tmp_path, {"docs/swagger/api.py": text}) == []
    temporary = tmp_path / "swagger-tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    latin1 = f"# caf\xe9\nT = '{tokens.hugging_face()}'\n".encode("latin-1")
    assert len(findings(tmp_path, {"src/old.py": latin1})) == 1


def test_no_temporary_folder_is_a_file_not_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    found = findings(tmp_path, {"a.py": f'T = "{tokens.hugging_face()}"\n'})
    assert [(d.code, d.message) for d in found] == [
        ("MLE001", "not scanned for secrets: no temporary copy: No such file or directory")
    ]
