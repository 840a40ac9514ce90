"""MLK002 secret: what detect-secrets' own plugins find (cloud keys, private keys, tokens)."""

from __future__ import annotations

from typing import ClassVar

from ml_policy.secrets.rule import SecretsRule


class Secret(SecretsRule):
    """
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

    {inline allow}

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
    - [detect-secrets: filters and inline allowlisting](https://github.com/Yelp/detect-secrets#inline-allowlisting)
    """

    code = "MLK002"
    name = "secret"
    summary = "secret found by detect-secrets' own plugins (cloud keys, private keys, tokens)"
    invalid: ClassVar[tuple[str, ...]] = ('AWS_ACCESS_KEY_ID = "AKIA<16 letters and digits>"\n',)
    valid: ClassVar[tuple[str, ...]] = (
        'ROOT = "/data/imagenet"\n',
        'CHECKSUM = "d41d8cd98f00b204e9800998ecf8427e"\n',
    )
