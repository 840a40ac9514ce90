"""SecretsRule: what the MLK rules share (allowlisting text, runnable token examples)."""

from __future__ import annotations

import re
import string
from typing import ClassVar

from ml_policy.rule import BaseRule

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

# `<34 letters>` in an example stands for a token's random part: this repository does not
# commit token-shaped text (its own secrets hook would stop it), so the example test
# writes the characters in only when it runs the example.
_PLACEHOLDER = re.compile(r"<(\d+) (letters and digits|letters)>")
_ALPHABETS = {
    "letters": string.ascii_letters[7:] + string.ascii_letters[:7],
    "letters and digits": string.ascii_uppercase[3:] + string.digits + string.ascii_uppercase[:3],
}


class SecretsRule(BaseRule):
    """An MLK rule: its examples are text files, its tokens written as placeholders."""

    example_file: ClassVar[str] = "example.txt"

    @classmethod
    def documentation(cls) -> str:
        """The docstring with how to accept one finding filled in."""
        allow = _INLINE_ALLOW.format(code=cls.code)
        return super().documentation().replace("{inline allow}", allow)

    @classmethod
    def example_files(cls, example: str) -> dict[str, str | bytes]:
        return {cls.example_file: _PLACEHOLDER.sub(_characters, example)}


def _characters(placeholder: re.Match[str]) -> str:
    count, alphabet = int(placeholder[1]), _ALPHABETS[placeholder[2]]
    return (alphabet * (count // len(alphabet) + 1))[:count]
