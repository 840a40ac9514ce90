"""MLK detectors and the secrets checker, in process: positives and negatives per detector."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import test_secrets_tokens as tokens
from conftest import check_files

from ml_policy import checkers
from ml_policy.config import SettingsResolver
from ml_policy.diagnostics import Diagnostic
from ml_policy.files import MAX_BYTES
from ml_policy.secrets import baseline, plugins, scan
from ml_policy.secrets.checker import redact


def findings(root: Path, files: dict[str, str | bytes]) -> list[Diagnostic]:
    """Write `files` under `root` and run the MLK checker over them, as `ml-policy secrets` does."""
    return check_files(root, files, ["MLK"])


def where(diagnostics: list[Diagnostic], root: Path) -> list[tuple[str, int, int, str]]:
    return [(d.path.relative_to(root).as_posix(), d.line, d.column, d.code) for d in diagnostics]


# --- MLK001: one positive per published format ----------------------------------------------

Positive = tuple[str, Callable[[str], str], Callable[[], str]]  # file, text around it, token

POSITIVES: dict[str, Positive] = {
    "hugging-face": ("train.py", lambda t: f'HF_TOKEN = "{t}"\n', tokens.hugging_face),
    "hugging-face-org": (
        "hub.py",
        lambda t: f"api = HfApi(token='{t}')\n",
        tokens.hugging_face_org,
    ),
    "hf-in-login-call": (
        "login.py",
        lambda t: f'model = AutoModel.from_pretrained("org/m", token="{t}")\n',
        tokens.hugging_face,
    ),
    "wandb-v1": ("run.sh", lambda t: f'export SOME_VAR="{t}"\n', tokens.wandb_v1),
    "wandb-env": ("run.sh", lambda t: f"export WANDB_API_KEY={t}\n", tokens.hex_key),
    "wandb-environ": (
        "train.py",
        lambda t: f'os.environ["WANDB_API_KEY"] = "{t}"\n',
        tokens.hex_key,
    ),
    "wandb-login": ("train.py", lambda t: f'ok = wandb.login(key="{t}")\n', tokens.hex_key),
    "wandb-cli": ("setup.sh", lambda t: f"wandb login --relogin {t}\n", tokens.hex_key),
    "wandb-yaml": ("job.yaml", lambda t: f"env:\n  WANDB_API_KEY: {t}\n", tokens.hex_key),
    "wandb-config-section": (
        "conf/logger.yaml",
        lambda t: f"wandb:\n  project: vit\n  api_key: '{t}'\n",
        tokens.hex_key,
    ),
    "wandb-lowercase-name": ("cfg.toml", lambda t: f'wandb_api_key = "{t}"\n', tokens.hex_key),
    "openai-legacy": ("chat.py", lambda t: f'openai.api_key = "{t}"\n', tokens.openai_legacy),
    "openai-project": (
        "chat.py",
        lambda t: f'client = OpenAI(api_key="{t}")\n',
        tokens.openai_project,
    ),
    "anthropic": ("agent.py", lambda t: f'client = Anthropic(api_key="{t}")\n', tokens.anthropic),
    "replicate": (".env", lambda t: f"REPLICATE_API_TOKEN={t}\n", tokens.replicate),
    "kaggle-api-token": (".env", lambda t: f"KAGGLE_API_TOKEN={t}\n", tokens.kaggle_api_token),
    "kaggle-env": ("env.sh", lambda t: f"export KAGGLE_KEY='{t}'\n", lambda: tokens.hex_key(32)),
    "kaggle-json": (
        "kaggle.json",
        lambda t: f'{{"username":"alice","key":"{t}"}}\n',
        lambda: tokens.hex_key(32),
    ),
    "comet-env": ("train.py", lambda t: f'os.environ["COMET_API_KEY"] = "{t}"\n', tokens.comet),
    "comet-call": ("track.py", lambda t: f'comet_ml.login(api_key="{t}")\n', tokens.comet),
}


@pytest.mark.parametrize("case", sorted(POSITIVES))
def test_ml_token_is_reported_at_its_position(tmp_path: Path, case: str) -> None:
    name, render, make = POSITIVES[case]
    token = make()
    text = "import os\n" + render(token)
    found = findings(tmp_path, {name: text})
    number, line = next((n, s) for n, s in enumerate(text.splitlines(), 1) if token in s)
    assert where(found, tmp_path) == [(name, number, line.index(token) + 1, "MLK001")]
    assert found[0].end_column == line.index(token) + 1 + len(token)
    assert token not in found[0].message
    assert redact(token) in found[0].message


def test_netrc_entry_for_wandb(tmp_path: Path) -> None:
    key, other = tokens.hex_key(), tokens.hex_key()
    netrc = (
        f"machine github.com\n  login me\n  password {other}\n"
        f"machine api.wandb.ai\n  login user\n  password {key}\n"
    )
    found = findings(tmp_path, {".netrc": netrc})
    assert where(found, tmp_path) == [(".netrc", 6, 12, "MLK001")]


def test_one_line_netrc(tmp_path: Path) -> None:
    key = tokens.hex_key()
    found = findings(tmp_path, {"netrc": f"machine api.wandb.ai login user password {key}\n"})
    assert [(d.line, d.code) for d in found] == [(1, "MLK001")]


def test_pretty_printed_kaggle_json(tmp_path: Path) -> None:
    key = tokens.hex_key(32)
    text = f'{{\n  "username": "alice",\n  "key": "{key}"\n}}\n'
    found = findings(tmp_path, {"secrets/kaggle.json": text})
    assert where(found, tmp_path) == [("secrets/kaggle.json", 3, 11, "MLK001")]


# --- MLK001: what must stay silent ---------------------------------------------------------

NEGATIVES = {
    "hf-placeholder-x": 'token = "hf_' + "x" * 34 + '"\n',
    "hf-placeholder-your": 'token = "hf_' + "YourHuggingFaceTokenGoesRightHereOk" + '"\n',
    "hf-angle-placeholder": 'HF_TOKEN = "<your token>"\n',
    "hf-template": "export HF_TOKEN=${HF_TOKEN}\n",
    "hf-environ": 'token = os.environ["HF_TOKEN"]\n',
    "hf-identifier": "from x import hf_" + "quantizerprocessingweightsloadingx" + "\n",
    "hf-too-short": 'token = "hf_' + "AbCdEfGhIjKl" + '"\n',
    "hf-digits": 'token = "hf_' + "Ab1dEf2hIj3lMn4pQr5tUv6xYz7bCd8fGh" + '"\n',
    "hf-inside-word": 'name = "mhf_' + "AbqdEfrhIjslMnapQrbtUvcxYzdbCdefGh" + 'Zz"\n',
    "hex-sha-without-context": 'REVISION = "' + "0f3a" * 10 + '"\n',
    "hex-checksum-in-config": 'sha1: "' + "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3" + '"\n',
    "wandb-env-reference": 'wandb.login(key=os.environ["WANDB_API_KEY"])\n',
    "hex-api-key-without-wandb": f'api_key = "{tokens.hex_key()}"\n',
    "wandb-placeholder": "WANDB_API_KEY=your-api-key-here\n",
    "kaggle-key-elsewhere": '{"user": "bob", "key": "' + "9e107d9d372bb6826bd81d3542a419d6" + '"}',
    "comet-without-context": 'api_key = "' + "gKq3yV5sAcGsJUxiKAVgXQrdo" + '"\n',
    "openai-without-marker": 'key = "sk-' + "abcdefghijklmnopqrstuvwxyz012345678901234567" + '"\n',
    "openai-placeholder": 'OPENAI_API_KEY="sk-proj-your-key-here"\n',
    "replicate-too-short": 'REPLICATE_API_TOKEN="r8_' + "WesXNvqsCpq7r1gpQABpB3NJvdR" + '"\n',
    "anthropic-placeholder": 'ANTHROPIC_API_KEY="sk-ant-api03-..."\n',
}


@pytest.mark.parametrize("case", sorted(NEGATIVES))
def test_placeholders_and_lookalikes_are_not_reported(tmp_path: Path, case: str) -> None:
    assert findings(tmp_path, {"settings.py": NEGATIVES[case]}) == []


def test_netrc_key_of_another_machine_is_not_reported(tmp_path: Path) -> None:
    netrc = (
        f"machine api.wandb.ai\n  login user\nmachine example.org\n  password {tokens.hex_key()}\n"
    )
    assert findings(tmp_path, {".netrc": netrc}) == []


def test_placeholder_check() -> None:
    assert plugins._is_placeholder("hf_" + "x" * 34)
    assert plugins._is_placeholder("hf_" + "abab" * 8 + "ab")
    assert not plugins._is_placeholder(tokens.hugging_face())
    assert not plugins._is_placeholder(tokens.hex_key())


# --- MLK002 and the plugins that are off ---------------------------------------------------


def test_detect_secrets_own_plugin_reports_mlk002(tmp_path: Path) -> None:
    key = tokens.aws_access_key()
    found = findings(tmp_path, {"deploy.py": f'AWS_ACCESS_KEY_ID = "{key}"\n'})
    assert where(found, tmp_path) == [("deploy.py", 1, 22, "MLK002")]
    assert key not in found[0].message


def test_credentials_in_a_url_are_reported(tmp_path: Path) -> None:
    password = tokens.body(tokens.ALNUM, 16)
    text = f'DB = "postgresql://trainer:{password}@db.internal:5432/runs"\n'
    assert where(findings(tmp_path, {"db.py": text}), tmp_path) == [("db.py", 1, 28, "MLK002")]


def test_private_key_is_reported(tmp_path: Path) -> None:
    pem = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"
    assert [(d.line, d.code) for d in findings(tmp_path, {"id_rsa": pem})] == [(1, "MLK002")]


@pytest.mark.parametrize(
    "text",
    [
        'CHECKPOINT_SHA256 = "' + tokens.hex_key(64) + '"\n',  # HexHighEntropyString
        'FIXTURE = "' + "U29tZSBiYXNlNjQgdGV4dCB0aGF0IGxvb2tzIHJhbmRvbQ==" + '"\n',  # Base64
        'pad_token = "<pad>"\npassword = "' + "hunter2hunter" + '"\n',  # KeywordDetector
        "nvidia-cudnn-cu12==8.9.2.26\n",  # IPPublicDetector
        'devices.update(s.get("APFSPhysicalStore", "") for s in stores)\n',  # Artifactory
        'uri = "mongodb+srv://user:pass@cluster.mongodb.net/"\n',  # placeholder password
    ],
)
def test_noisy_plugins_are_off_by_default(tmp_path: Path, text: str) -> None:
    assert findings(tmp_path, {"requirements.txt": text}) == []


def test_disable_plugins_switches_off_ours_and_detect_secrets(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ml-policy.secrets]\ndisable-plugins = ["HuggingFaceDetector", "AWSKeyDetector"]\n'
    )
    hf, aws, replicate = tokens.hugging_face(), tokens.aws_access_key(), tokens.replicate()
    text = f'A = "{hf}"\nB = "{aws}"\nC = "{replicate}"\n'
    assert [(d.line, d.code) for d in findings(tmp_path, {"x.py": text})] == [(3, "MLK001")]


def test_mlk_codes_follow_select_and_ignore(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ml-policy]\nignore = ["MLK002"]\n')
    text = f'A = "{tokens.hugging_face()}"\nB = "{tokens.aws_access_key()}"\n'
    assert [(d.line, d.code) for d in findings(tmp_path, {"x.py": text})] == [(1, "MLK001")]


# --- inline allow comments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "reported"),
    [
        ("  # pragma: allowlist secret", False),
        ("  # noqa: MLK001", False),
        ("  # noqa", False),
        ("  # noqa: E501, MLK001", False),
        ("  # noqa: MLK002", True),
        ("  # a comment", True),
    ],
)
def test_inline_comments(tmp_path: Path, suffix: str, reported: bool) -> None:
    text = f'token = "{tokens.hugging_face()}"{suffix}\n'
    assert bool(findings(tmp_path, {"a.py": text})) is reported


def test_allowlist_nextline_pragma(tmp_path: Path) -> None:
    text = f'# pragma: allowlist nextline secret\ntoken = "{tokens.hugging_face()}"\n'
    assert findings(tmp_path, {"a.py": text}) == []


# --- the baseline ---------------------------------------------------------------------------


def accept(root: Path, name: str, token: str) -> None:
    entry = {"type": "Hugging Face Token", "filename": name, "hashed_secret": scan_hash(token)}
    document = {"version": "1.5.0", "results": {name: [entry]}}
    (root / ".secrets.baseline").write_text(json.dumps(document))


def scan_hash(token: str) -> str:
    import hashlib

    return hashlib.sha1(token.encode()).hexdigest()  # noqa: S324 - detect-secrets' own hash


def test_baseline_accepts_by_file_and_hash_not_line(tmp_path: Path) -> None:
    token = tokens.hugging_face()
    accept(tmp_path, "src/train.py", token)
    moved = f'"""Docs."""\n\n\nHF = "{token}"\n'
    assert findings(tmp_path, {"src/train.py": moved}) == []
    # the same token in another file, or another token in the same file, is reported
    other = findings(tmp_path, {"src/eval.py": f'HF = "{token}"\n'})
    assert where(other, tmp_path) == [("src/eval.py", 1, 7, "MLK001")]
    added = f'HF = "{token}"\nNEW = "{tokens.hugging_face()}"\n'
    assert [d.line for d in findings(tmp_path, {"src/train.py": added})] == [2]


def test_missing_baseline_allows_nothing(tmp_path: Path) -> None:
    assert baseline.read(tmp_path / ".secrets.baseline") == baseline.Baseline()
    assert len(findings(tmp_path, {"a.py": f'T = "{tokens.hugging_face()}"\n'})) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", ".secrets.baseline:1: the secrets baseline is not valid JSON"),
        ("[]", 'has no "results" table'),
        ('{"results": {"a.py": [{"type": "x"}]}}', "has an entry without hashed_secret"),
        ('<<<<<<< HEAD\n{"results": {}}\n', "not valid JSON"),
    ],
)
def test_malformed_baseline_is_an_error_naming_it(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / ".secrets.baseline").write_text(content)
    with pytest.raises(baseline.BaselineError, match=message.replace("(", r"\(")):
        findings(tmp_path, {"a.py": "x = 1\n"})


def test_baseline_file_itself_is_not_scanned(tmp_path: Path) -> None:
    accept(tmp_path, "a.py", tokens.hugging_face())
    content = (tmp_path / ".secrets.baseline").read_text()
    leaked = content.replace('"version"', f'"note": "{tokens.hugging_face()}", "version"')
    assert findings(tmp_path, {".secrets.baseline": leaked}) == []


def test_baseline_path_is_relative_to_the_settings_root(tmp_path: Path) -> None:
    package = tmp_path / "packages" / "model"
    package.mkdir(parents=True)
    (package / "pyproject.toml").write_text(
        '[tool.ml-policy.secrets]\nbaseline = "ci/secrets.json"\n'
    )
    (package / "ci").mkdir()
    token = tokens.hugging_face()
    accept(package, "train.py", token)
    (package / ".secrets.baseline").rename(package / "ci" / "secrets.json")
    assert findings(tmp_path, {"packages/model/train.py": f'T = "{token}"\n'}) == []


def test_created_baseline_is_slim_and_stable(tmp_path: Path) -> None:
    token = tokens.hugging_face()
    (tmp_path / "a.py").write_text(f'T = "{token}"\nU = "{token}"\n')
    settings = SettingsResolver(cwd=tmp_path).for_path(tmp_path)
    text, accepted = baseline.create(settings)
    assert accepted == 1
    assert "line_number" not in text
    assert "generated_at" not in text
    assert token not in text
    (tmp_path / "a.py").write_text(f'"""Moved."""\n\n\nT = "{token}"\n')
    assert baseline.create(settings)[0] == text
    (tmp_path / ".secrets.baseline").write_text(text)
    assert findings(tmp_path, {"b.py": "x = 1\n"}) == []
    assert baseline.read(tmp_path / ".secrets.baseline").allows("a.py", scan_hash(token))


# --- bad input ----------------------------------------------------------------------------


def test_binary_file_is_skipped(tmp_path: Path) -> None:
    data = b"\x00\x01\x02" + tokens.hugging_face().encode() + b"\xff\xfe"
    assert findings(tmp_path, {"model.pt": data}) == []


def test_latin1_file_is_scanned(tmp_path: Path) -> None:
    data = f"# caf\xe9\nT = '{tokens.hugging_face()}'\n".encode("latin-1")
    assert where(findings(tmp_path, {"old.py": data}), tmp_path) == [("old.py", 2, 6, "MLK001")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xef\xbb\xbf" + b"x = 1\r\n",
        "caf\xe9".encode("utf-16"),
        b"key: [unclosed\n  - {\n\t: :\n",
        b"[section\nkey = = =\n",
    ],
)
def test_odd_files_give_no_error(tmp_path: Path, data: bytes) -> None:
    for name in ("odd.yaml", "odd.ini", "odd.txt"):
        assert findings(tmp_path, {name: data}) == []


def test_crlf_and_bom(tmp_path: Path) -> None:
    text = f"\ufeffx = 1\r\nT = '{tokens.hugging_face()}'\r\n"
    assert where(findings(tmp_path, {"w.py": text}), tmp_path) == [("w.py", 2, 6, "MLK001")]


def test_huge_file_is_reported_as_not_scanned(tmp_path: Path) -> None:
    big = tmp_path / "dump.jsonl"
    big.write_bytes(b'{"x": 1}\n' * (MAX_BYTES // 9 + 1))
    found = checkers.run_all([big], SettingsResolver(cwd=tmp_path), families=["MLK"])
    assert [(d.code, d.message) for d in found] == [
        ("MLE001", "not scanned for secrets: larger than 20 MB")
    ]


def test_missing_file_and_folder_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    paths = [tmp_path / "folder"]
    assert checkers.run_all(paths, SettingsResolver(cwd=tmp_path), families=["MLK"]) == []


def test_pool_and_single_process_agree(tmp_path: Path) -> None:
    paths = []
    for number in range(40):
        path = tmp_path / f"m{number}.py"
        path.write_text(f'T = "{tokens.hugging_face()}"\n' if number % 3 == 0 else "x = 1\n")
        paths.append(path)
    alone = scan.scan_files(paths, workers=1)
    pooled = scan.scan_files(paths, workers=2)
    assert alone == pooled
    assert len(alone.findings) == 14


# --- detectors as detect-secrets plugins ------------------------------------------------


def test_plugins_are_detect_secrets_plugins() -> None:
    from detect_secrets.core.plugins.util import get_plugins_from_file

    classes: list[type] = list(get_plugins_from_file(plugins.__file__))
    loaded = {cls.__name__ for cls in classes}
    assert loaded == {detector.__name__ for detector in scan.ML_DETECTORS}


def test_redaction_never_shows_more_than_four_characters() -> None:
    assert redact("hf_" + "A" * 34) == "hf_A…(37 chars)"
    assert redact("hunter2") == "h…(7 chars)"
    assert redact("ab") == "…(2 chars)"


def test_update_rewrites_the_baseline_from_the_files(tmp_path: Path) -> None:
    token = tokens.hugging_face()
    (tmp_path / "a.py").write_text(f'T = "{token}"\n')
    settings = SettingsResolver(cwd=tmp_path).for_path(tmp_path)
    assert baseline.update(settings) == 1
    assert findings(tmp_path, {"a.py": f'# moved\nT = "{token}"\n'}) == []
    assert baseline.update(settings) == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_text_screen_changes_no_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = []
    for case, (name, render, make) in sorted(POSITIVES.items()):
        path = tmp_path / case / name
        path.parent.mkdir(parents=True)
        path.write_text(render(make()))
        paths.append(path)
    screened = scan.scan_files(paths, workers=1)
    monkeypatch.setattr(scan, "_screen", lambda disabled: None)
    assert scan.scan_files(paths, workers=1) == screened
    assert len(screened.findings) == len(POSITIVES)


def test_form_feed_does_not_shift_lines(tmp_path: Path) -> None:
    text = f"def f():\n    pass\n\x0c\n\nT = '{tokens.hugging_face()}'\n"
    assert where(findings(tmp_path, {"ff.py": text}), tmp_path) == [("ff.py", 5, 6, "MLK001")]


def test_token_in_a_notebook_cell(tmp_path: Path) -> None:
    token = tokens.hugging_face()
    cell = {"cell_type": "code", "source": [f'login(token="{token}")\n'], "outputs": []}
    notebook = json.dumps({"cells": [cell], "nbformat": 4, "nbformat_minor": 5}, indent=1)
    found = findings(tmp_path, {"eda.ipynb": notebook})
    number = next(n for n, s in enumerate(notebook.split("\n"), 1) if token in s)
    assert [(d.line, d.code) for d in found] == [(number, "MLK001")]


def test_config_sections_give_context_in_yaml(tmp_path: Path) -> None:
    keys = "".join(f"  option_{n}: {n}\n" for n in range(8))
    wandb_key, comet_key = tokens.hex_key(), tokens.comet()
    text = f"wandb:\n{keys}  api_key: {wandb_key}\ncomet:\n  api_key: {comet_key}\n"
    found = findings(tmp_path, {"configs/logging.yaml": text})
    assert [(d.line, d.column, d.code) for d in found] == [(10, 12, "MLK001"), (12, 12, "MLK001")]
    assert [d.message.split(" ")[0] for d in found] == ["Weights", "Comet"]


def test_api_key_in_another_services_section_is_not_wandb(tmp_path: Path) -> None:
    text = f"openai:\n  model: gpt\n  api_key: {tokens.hex_key()}\n"
    assert findings(tmp_path, {"configs/llm.yaml": text}) == []


def test_long_lines_stay_fast_and_ml_tokens_on_them_are_found(tmp_path: Path) -> None:
    # A notebook's base64 image output: detect-secrets' NpmDetector pattern
    # alone takes minutes on such a line.
    image = "iVBORw0KGgo//" * 200_000
    token, key = tokens.hugging_face(), tokens.aws_access_key()
    text = f'{{"data": "{image}", "t": "{token}"}}\nK = "{key}"\n'
    found = findings(tmp_path, {"out.ipynb": text})
    column = text.index(token) + 1
    assert [(d.line, d.column, d.code) for d in found] == [(1, column, "MLK001"), (2, 6, "MLK002")]
