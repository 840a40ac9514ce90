"""redact(): every credential a detector knows is masked; ordinary messages are untouched.

Tokens are built at run time (tests/test_secrets_tokens.py explains why). Each
sample is first shown to be a real finding of the detect-secrets detector (or
ours) it stands for, so the test cannot pass on a sample no detector flags.
"""

from __future__ import annotations

import random
import string

import pytest
import test_secrets_tokens as tokens
from detect_secrets.plugins.base import BasePlugin
from test_secrets_tokens import ALNUM, HEX, body

from ml_policy.redact import MASK, excerpt, redact

LOWER_ALNUM = string.ascii_lowercase + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits

# (detector class name, a line it flags, the part that must not be shown when it is not
# what the detector reports)
GIT_HUB = "gh" + "p_" + body(ALNUM, 36)
GIT_LAB = "gl" + "pat-" + body(ALNUM, 20)
KEY_BODY = body(ALNUM, 64)
SAMPLES = [
    ("AWSKeyDetector", f"key = {tokens.aws_access_key()}", None),
    ("AWSKeyDetector", f'aws_secret_key = "{body(ALNUM + "/+", 40)}"', None),
    ("AzureStorageKeyDetector", f"AccountKey={body(ALNUM + '+/', 86)}==", None),
    ("BasicAuthDetector", f"https://admin:{body(ALNUM, 12)}@db.example.com/x", None),
    ("CloudantDetector", f'cloudant_password = "{body(HEX, 64)}"', None),
    ("DiscordBotTokenDetector", f"M{body(ALNUM, 23)}.{body(ALNUM, 6)}.{body(ALNUM, 27)}", None),
    ("GitHubTokenDetector", f"GH = '{GIT_HUB}'", None),
    ("GitLabTokenDetector", f"token: {GIT_LAB}", None),
    ("IbmCloudIamDetector", f'ibm_cloud_iam_api_key = "{body(ALNUM, 44)}"', None),
    ("IbmCosHmacDetector", f'secret_access_key = "{body(HEX, 48)}"', None),
    (
        "JwtTokenDetector",
        "eyJ" + "hbGciOiJIUzI1NiJ9." + "eyJ" + "zdWIiOiIxMjM0In0." + body(ALNUM, 43),
        None,
    ),
    ("MailchimpDetector", f"{body(LOWER_ALNUM, 32)}-us12", None),
    ("NpmDetector", "//registry.npmjs.org/:_authToken=" + "np" + f"m_{body(ALNUM, 36)}", None),
    ("PrivateKeyDetector", "-----BEGIN RSA PRIVATE" + f" KEY-----\n{KEY_BODY}\n", KEY_BODY),
    ("PypiTokenDetector", "pypi-" + "AgEIcHlwaS5vcmc" + body(ALNUM, 70), None),
    ("SendGridDetector", f"SG.{body(ALNUM, 22)}.{body(ALNUM, 43)}", None),
    ("SlackDetector", "xox" + f"b-{body(string.digits, 12)}-{body(LOWER_ALNUM, 24)}", None),
    (
        "SlackDetector",
        "https://hooks.slack.com/services/T"
        + body(UPPER_ALNUM, 8)
        + "/B"
        + body(UPPER_ALNUM, 8)
        + "/"
        + body(ALNUM, 24),
        None,
    ),
    ("SoftlayerDetector", f'softlayer_api_key = "{body(LOWER_ALNUM, 64)}"', None),
    ("SquareOAuthDetector", "sq0" + f"csp-{body(ALNUM, 43)}", None),
    ("StripeDetector", "sk" + f"_live_{body(ALNUM, 24)}", None),
    ("TelegramBotTokenDetector", f"{body(string.digits, 9)}:{body(ALNUM, 35)}", None),
    ("TwilioKeyDetector", "AC" + body(LOWER_ALNUM, 32), None),
    ("HuggingFaceDetector", f"HF_TOKEN={tokens.hugging_face()}", None),
    ("HuggingFaceDetector", f"token = '{tokens.hugging_face_org()}'", None),
    ("WandbDetector", f"wandb.login(key='{tokens.hex_key()}')", None),
    ("WandbDetector", f"WANDB_API_KEY={tokens.hex_key()}", None),
    ("WandbDetector", f"x = '{tokens.wandb_v1()}'", None),
    ("OpenAIApiKeyDetector", f"client = OpenAI(api_key='{tokens.openai_legacy()}')", None),
    ("OpenAIApiKeyDetector", f"OPENAI = '{tokens.openai_project()}'", None),
    ("AnthropicDetector", f"k = '{tokens.anthropic()}'", None),
    ("ReplicateDetector", f"k = '{tokens.replicate()}'", None),
    ("KaggleDetector", f"KAGGLE_KEY={tokens.hex_key(32)}", None),
    ("KaggleDetector", f"k = '{tokens.kaggle_api_token()}'", None),
    ("CometDetector", f"COMET_API_KEY={tokens.comet()}", None),
]


def _detector(name: str) -> BasePlugin:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    from ml_policy.secrets import plugins

    every: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    classes = {c.__name__: c for c in every}
    return (getattr(plugins, name, None) or classes[name])()


def _secrets_found(name: str, line: str) -> set[str]:
    detector = _detector(name)
    found = {
        secret.secret_value
        for text in line.splitlines()
        for secret in detector.analyze_line(filename="x.env", line=text)
    }
    return {value for value in found if value}


@pytest.mark.parametrize(("detector", "line", "hidden"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_what_a_detector_flags_is_masked(detector: str, line: str, hidden: str | None) -> None:
    found = _secrets_found(detector, line)
    assert found, f"{detector} does not flag the sample: fix the sample"
    shown = redact(f"pyproject.toml:3: cannot parse {line!r} (value {line})")
    for secret in [hidden] if hidden else found:
        # Some detectors report a group (`ghp`), others the whole token: judge the token.
        whole = next((word for word in _words(line) if secret in word), secret)
        assert whole[len(whole) // 3 :] not in shown, shown
    assert MASK in shown


@pytest.mark.parametrize("first", ["q", "b", "z", "0", "a"])
def test_a_mailchimp_key_is_masked_whatever_it_starts_with(first: str) -> None:
    key = first + "wp93tj6axpj1de6bfwbzofe2dchjne7-us12"
    shown = redact(f"pyproject.toml:3: cannot parse {key!r} (value {key})")
    assert "wp93tj6axpj1de6bfwbzofe2dchjne7" not in shown
    assert shown.count(MASK) == 2


def _words(line: str) -> list[str]:
    return [w.strip("'\"=") for w in line.replace("=", " ").replace(":", " ").split()]


def test_every_regex_detector_has_a_sample() -> None:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    from ml_policy.secrets.scan import ML_DETECTORS

    classes: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    regex_based = {c.__name__ for c in classes if issubclass(c, RegexBasedDetector)}
    # Off in every bundle and about public data, not credentials.
    regex_based -= {"IPPublicDetector", "ArtifactoryDetector", "OpenAIDetector"}
    covered = {sample[0] for sample in SAMPLES}
    assert regex_based | {d.__name__ for d in ML_DETECTORS} <= covered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "--extra-index-url https://__token__:" + "SECRETVALUE@pypi.example.com/simple",
            "--extra-index-url https://***@pypi.example.com/simple",
        ),
        ("torch @ https://user:TOKEN@host/torch.whl", "torch @ https://***@host/torch.whl"),
        ("https://ghtoken@github.com/org/x.git", "https://***@github.com/org/x.git"),
        ("git+ssh://git@github.com/org/x.git@v1", "git+ssh://git@github.com/org/x.git@v1"),
        ("https://h/f.whl?token=abc123&x=1", "https://h/f.whl?token=***&x=1"),
        (
            "https://b.s3/w.pt?X-Amz-Signature=ab12cd&X-Amz-Date=1",
            "https://b.s3/w.pt?X-Amz-Signature=***&X-Amz-Date=1",
        ),
        ('password = "hunter2hunter2"', 'password = "***"'),
        ("DB_PASS=hunter2hunter2", "DB_PASS=***"),
        ('api_key: "self.config.value_12"', 'api_key: "***"'),  # quoted: a value, not code
        ("HF_TOKEN=abcd1234efgh5678", "HF_TOKEN=***"),
        ("accessToken: abcd1234efgh5678", "accessToken: ***"),
        ("MYTOKEN=abcd1234efgh5678", "MYTOKEN=***"),
        ("monkey = abcd1234efgh5678", "monkey = abcd1234efgh5678"),
        # detect-secrets' keywords count wherever they start a part of the name.
        ('SECRET_KEY_BASE = "abcd1234efgh5678"', 'SECRET_KEY_BASE = "***"'),
        ('db_password_hash = "abcd1234efgh5678"', 'db_password_hash = "***"'),
        ('my_private_key_value: "abcd1234efgh5678"', 'my_private_key_value: "***"'),
        # The others only as the name's last part.
        ("auth_token = abcd1234efgh5678", "auth_token = ***"),
        ("Authorization: Bearer0123456789abcdef", "Authorization: ***"),
        ("session_key = abcd1234efgh5678", "session_key = ***"),
        ("HF_TOKEN_2=abcd1234efgh5678", "HF_TOKEN_2=***"),
        ("https://h/f?sig=ab12cd&author=someone1", "https://h/f?sig=***&author=someone1"),
        ("KEY=QUJDRDEyMzRFRkdINTY3OA==", "KEY=***"),
        # A weak name's value that reads as words is kept; a strong name's is not.
        ("SMTP_PASS=Xk29_QpLm7ZzR4_TvW8nYb", "SMTP_PASS=***"),
        ('PASSWORD = "correct-horse-battery-staple"', 'PASSWORD = "***"'),
        ("db_password = my_db_password_value", "db_password = ***"),
    ],
)
def test_urls_and_assignments(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "message",
    [
        "torch>=2.0 is not pinned: pin it with == (e.g. torch==2.5.1+cu121)",
        "tokenizers==0.20.3 and transformers==4.46.3 were not released together",
        "`DataLoader` without `num_workers`: batches are prepared on the training process",
        "mutable default `layers=[]` is mutated (`layers.append(x)`) before it is rebound",
        "git+https://github.com/org/repo.git@0123456789abcdef0123456789abcdef01234567",
        "--hash=sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "model_name_or_path = 'meta-llama/Llama-3.1-8B-Instruct' has no revision",
        "pyproject.toml:6: [tool.ml-policy] slect: unknown key 'slect' (did you mean 'select'?)",
        "src/models/ResNet50Backbone/train_with_MixedPrecision_v2.py",
        "hf_xxx (placeholder), api_key: str = os.environ['OPENAI_API_KEY']",
        "weights/model-00001-of-00004.safetensors is 4.9 GB, over the 500 KB limit",
        'error: Class cannot subclass "_Gemma3CausalLMOutputWithPast" (has type "Any")',
        "Wav2Vec2ForSequenceClassification, XLMRobertaForTokenClassification",
        "Qwen3MoeForCausalLMWithValueHead and Qwen2VLForConditionalGeneration",
        "class NomicGPT4AllPromptTokenizingStrategy(TestQwen3_5FusedAttnParity):",
        "tokenizer = AutoTokenizer.from_pretrained(path)",
        "    tokenizer: PreTrainedTokenizerBase,",
        "max_tokens = 4096000000, num_tokens_total: 12345678",
        "eos_token_id = self.tokenizer.eos_token_id",
        "(passed_config, *_), passed_kwargs = mock_factory.call_args",
        "model_keys = LlamaForCausalLMWithAdapters().state_dict().keys()",
        "f(cluster_assignment_samples=cluster_assignment_samples_from_the_prior)",
        # From ultralytics and sentence-transformers, through Ruff's code frames.
        "    serverSelectionTimeoutMS=30000,",
        "self.use_signed_tpos_enc_to_obj_ptrs = use_signed_tpos_enc_to_obj_ptrs_0",
        'layer_kwargs["memory_key_padding_mask"] = memory_key_padding_mask_01',
        "https://huggingface.co/models?author=cross-encoder&other=reranker",
        "self.encoder(x, src_key_padding_mask=src_key_padding_mask_0001)",
        "self.sigmoid_activation = torch.nn.functional.logsigmoid",
        "session_options = onnxruntime.SessionOptions2024",
        "signal_to_noise = compute_snr_v2(x)",
        "token_type_ids = torch.zeros_like(input_ids_0001)",
        # From audiocraft and pytorch-ignite, through Ruff's code frames.
        "204 |   class StreamableConvTranspose1d(nn.Module):",
        "from audiocraft.modules import StreamableConv1d, StreamableConvTranspose1d",
        "backward_pass = hvd_amp_backward_pass if idist.backend() else None",
        '_INTEGRATION_VERSION_KEY = "source_code/integrations/neptune-pytorch-ignite"',
        "token = Rouge.WORDNET_KEY_VALUE[token]",
    ],
)
def test_ordinary_messages_are_untouched(message: str) -> None:
    assert redact(message) == message


def test_excerpt_is_short_and_masked() -> None:
    token = tokens.hugging_face()
    shown = excerpt(f"{token}>=1.0 and a very long tail of text after it")
    assert token[3:] not in shown
    assert shown.startswith("'hf_***")
    assert len(shown) <= 42
    assert excerpt("abc") == "'abc'"


def test_diagnostics_and_fixes_carry_masked_messages() -> None:
    from pathlib import Path

    from ml_policy.diagnostics import Diagnostic, Fix

    token = tokens.hugging_face()
    diagnostic = Diagnostic("MLD004", f"https://__token__:{token}@h/simple", Path("r.txt"))
    assert diagnostic.message == "https://***@h/simple"
    assert Fix(f"use {token}", ()).message == "use hf_***"


def test_a_private_key_in_a_json_document_leaves_it_valid() -> None:
    import json

    key = (
        "-----BEGIN RSA PRIVATE"
        + " KEY-----\n"
        + body(ALNUM, 64)
        + "\n-----END RSA PRIVATE KEY-----"
    )
    document = json.dumps([{"message": f"cannot parse {key}"}, {"message": "next"}], indent=2)
    masked = json.loads(redact(document))
    assert masked == [
        {"message": "cannot parse -----BEGIN RSA PRIVATE" + " KEY-----***"},
        {"message": "next"},
    ]


def test_random_words_are_masked_even_when_they_read_like_class_names() -> None:
    """The class-name exception lets through about 1 in 26,000 random tokens (39 of 1 M):
    of a seeded sample of 40,000, at most a few."""
    generator = random.Random(14)
    words = ["".join(generator.choices(ALNUM, k=generator.randint(24, 48))) for _ in range(40_000)]
    mixed = [w for w in words if not (w.isalpha() or w.lower() == w or w.upper() == w)]
    shown = [word for word in mixed if redact(f"value {word} here") != f"value {MASK} here"]
    assert len(shown) <= 4
    assert len(mixed) > 39_000
