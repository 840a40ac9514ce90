"""MLK001 and MLK002: how the secret rules document themselves (`ml-policy rule MLK001`)."""

from __future__ import annotations

from ml_policy.catalog import RuleInfo

_INLINE_ALLOW = """\
A finding is not reported when the secret is recorded in the repository's
secrets baseline (`[tool.ml-policy.secrets] baseline`, `.secrets.baseline` by
default: matched by file and hashed secret, never by line number, so moving
code does not invalidate it; `ml-policy init` creates it), when its line ends
with detect-secrets' `# pragma: allowlist secret` (or the line before carries
`# pragma: allowlist nextline secret`), or with a Ruff-style `# noqa: {code}`.
The hash covers the whole secret (a private key's whole block, not its
header): accepting one token never accepts another of its kind. The baseline
must be a regular file inside the project's folder.
Output never shows a secret in full: only its first characters and length.
A symlink is checked as git stores it, by its target's name: the target is
never read through the link."""

ML_SERVICE_TOKEN = RuleInfo(
    code="MLK001",
    name="ml-service-token",
    summary="token of an ML service (Hugging Face, W&B, OpenAI, Anthropic, ...) in a file",
    doc=f"""\
## What it does
Finds tokens of the services ML code talks to, by their published formats:
Hugging Face access tokens (`hf_` + 34 letters) and organization tokens
(`api_org_`), Weights & Biases API keys (`wandb_v1_` keys, and 40-digit hex
keys where W&B reads them: `WANDB_API_KEY=`, `wandb.login(key=...)`,
`wandb login KEY`, a netrc entry for `api.wandb.ai`), OpenAI API keys
(`sk-...T3BlbkFJ...`, `sk-proj-`, `sk-svcacct-`, `sk-admin-`), Anthropic API
keys (`sk-ant-api03-`, `sk-ant-admin01-`), Replicate tokens (`r8_` + 37),
Kaggle credentials (`KGAT_` tokens, `KAGGLE_KEY=`, the `"key"` of
kaggle.json) and Comet API keys (`COMET_API_KEY=`, `api_key` near the word
comet).

The detectors are detect-secrets plugins (`ml_policy.secrets.plugins`), so
`detect-secrets scan --plugin <that file>` finds the same tokens.

## Why is this bad?
A committed token stays in the history after it is deleted: anyone with the
repository (or a fork, or a leaked CI log) can download private models and
datasets, push to your Hub organization, read experiment data or spend your
inference budget. Revoke the token, then read it from the environment
(`HF_TOKEN`, `WANDB_API_KEY`, `OPENAI_API_KEY`, ...) or a secret store.

Placeholders are not reported: `hf_xxxx...`, values containing `your`,
`example`, `placeholder`, runs of one character, `${{HF_TOKEN}}`,
`os.environ["HF_TOKEN"]`.

{_INLINE_ALLOW.format(code="MLK001")}

## Example
```python
from huggingface_hub import login

login(token="hf_<34 letters>")
```

## Use instead
```python
import os

from huggingface_hub import login

login(token=os.environ["HF_TOKEN"])
```

## References
- [Hugging Face: User access tokens](https://huggingface.co/docs/hub/security-tokens)
- [W&B: Environment variables](https://docs.wandb.ai/guides/track/environment-variables/)
- [OpenAI: Best practices for API key safety](https://help.openai.com/en/articles/5112595-best-practices-for-api-key-safety)
- [detect-secrets: custom plugins](https://github.com/Yelp/detect-secrets/blob/master/docs/plugins.md)""",
    valid=(
        'import os\ntoken = os.environ["HF_TOKEN"]\n',
        'token = "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n',
        "export WANDB_API_KEY=${WANDB_API_KEY}\n",
    ),
    example_language="text",
)

SECRET = RuleInfo(
    code="MLK002",
    name="secret",
    summary="secret found by detect-secrets' own plugins (cloud keys, private keys, tokens)",
    doc=f"""\
## What it does
Runs detect-secrets' own token-format plugins: AWS access keys, Azure storage
keys, private keys, GitHub, GitLab, Slack, Stripe, Twilio, SendGrid, npm and
PyPI tokens, JSON web tokens, basic-auth credentials in URLs, and the rest
of detect-secrets 1.5.0's format detectors.

Off by default, because ML repositories are full of what they flag:
`Base64HighEntropyString` and `HexHighEntropyString` (checksums, model and
dataset hashes, git revisions, base64 test fixtures), `KeywordDetector`
(`pad_token = "<pad>"`, `eos_token`), `IPPublicDetector` (reads four-part
versions such as `nvidia-cudnn-cu12==8.9.2.26` as addresses) and
`ArtifactoryDetector` (its password pattern matches quoted identifiers such as
`"APFSPhysicalStore"`; JFrog no longer issues those keys). detect-secrets'
`OpenAIDetector` is replaced by MLK001's, which knows the newer key layouts.
Placeholder passwords in example URLs (`user:pass@`) are not reported.
`[tool.ml-policy.secrets] disable-plugins` switches off more plugins by class
name (ours too, e.g. `CometDetector`).

## Why is this bad?
A committed credential stays in the history after it is deleted, and cloud
keys are found and abused by automated scanners within minutes of a push.
Rotate the credential, then read it from the environment or a secret store.

{_INLINE_ALLOW.format(code="MLK002")}

## Example
```python
AWS_ACCESS_KEY_ID = "AKIA<16 letters and digits>"
```

## Use instead
```python
import boto3

session = boto3.Session()  # credentials from the environment or an instance role
```

## References
- [detect-secrets](https://github.com/Yelp/detect-secrets)
- [detect-secrets: filters and inline allowlisting](https://github.com/Yelp/detect-secrets#inline-allowlisting)""",
    valid=('ROOT = "/data/imagenet"\n', 'CHECKSUM = "d41d8cd98f00b204e9800998ecf8427e"\n'),
    example_language="text",
)

RULES: tuple[RuleInfo, ...] = (ML_SERVICE_TOKEN, SECRET)
