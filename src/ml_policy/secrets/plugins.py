"""detect-secrets plugins for ML-service tokens (the MLK001 detectors).

These are ordinary detect-secrets plugins, so detect-secrets users can load
them on their own:

    PLUGINS=$(python -c 'import ml_policy.secrets.plugins as p; print(p.__file__)')
    detect-secrets scan --plugin "$PLUGINS"

detect-secrets imports this file by path, as a module of its own: it must
need nothing but the standard library and detect-secrets, and every public
class in it is taken for a plugin (helpers start with an underscore).

Precision first. Each pattern is a published token format: a vendor prefix
(`hf_`, `r8_`, `sk-ant-api03-`, ...) or, for bare hex keys (W&B, Kaggle,
Comet), the variable, call or file that names the service. Placeholders
(`hf_xxxx...`, `your...`, runs of one character) are never reported.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Generator, Iterator
from re import Pattern
from typing import Any, cast

from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.util.code_snippet import CodeSnippet

# A token ends where the characters tokens are made of end.
_END = r"(?![A-Za-z0-9_-])"
# `NAME=value`, `NAME: value`, `"NAME": "value"`, `environ["NAME"] = "value"`,
# `setdefault("NAME", "value")`, `export NAME="value"`.
_ASSIGNED = r"""["']?\]?\s*(?::=|[:=,])\s*["']?"""

# Words that only appear in example values; a random token of 30+ letters
# contains one of them with a probability of about 1e-4.
_PLACEHOLDER_WORDS = re.compile(
    r"xxxx|your|example|placeholder|dummy|fake|redact|changeme|replace|insert|sample",
    re.IGNORECASE,
)
_REPEATED_CHARACTER = re.compile(r"(.)\1{4,}")
_MIN_DISTINCT_CHARACTERS = 8
_FILE_CONTEXT_LINES = 12  # a config section header is usually within a dozen lines of its keys


Patterns = tuple[Pattern[str], ...]
Contextual = tuple[tuple[Pattern[str], Pattern[str]], ...]  # (context needed, token)


def _is_placeholder(token: str) -> bool:
    """An example value (`hf_xxx...`, `sk-your-key-here`) rather than a real token."""
    body = token.rsplit("_", 1)[-1] if token.startswith(("hf_", "r8_", "KGAT_")) else token
    return bool(
        _PLACEHOLDER_WORDS.search(body)
        or _REPEATED_CHARACTER.search(body)
        or len(set(body)) < _MIN_DISTINCT_CHARACTERS
    )


def _token(prefix: str, rest: str) -> Pattern[str]:
    """A prefixed token, bounded on both sides.

    The literal prefix comes first and the boundary check after it: Python's
    regex engine then skips ahead by the prefix, about 100x faster than a
    pattern that opens with a lookbehind.
    """
    literal = re.escape(prefix)
    return re.compile(f"({literal}(?<![A-Za-z0-9_-]{literal}){rest}){_END}")


def _after(context: str, value: str) -> Pattern[str]:
    """`value` (the captured group) where `context` comes right before it."""
    return re.compile(f"{context}({value}){_END}")


class _MLTokenDetector(RegexBasedDetector):
    """Shared behaviour: placeholders are dropped, and some patterns need context.

    `contextual` pairs a context pattern with a token pattern: the token counts
    only when the context is found in the file name or in the lines before it.
    """

    denylist: Patterns = ()
    contextual: Contextual = ()

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for secret in super().analyze_string(string):
            if not _is_placeholder(secret):
                yield secret

    def analyze_line(
        self,
        filename: str,
        line: str,
        line_number: int = 0,
        context: CodeSnippet | None = None,
        **kwargs: Any,
    ) -> set[PotentialSecret]:
        found: set[PotentialSecret] = super().analyze_line(
            filename=filename,
            line=line,
            line_number=line_number,
            context=cast(CodeSnippet, context),  # detect-secrets passes None for ad hoc scans
            **kwargs,
        )
        for secret in self._contextual_secrets(filename, line, line_number, context):
            found.add(
                PotentialSecret(
                    type=self.secret_type, filename=filename, secret=secret, line_number=line_number
                )
            )
        return found

    def _contextual_secrets(
        self, filename: str, line: str, line_number: int, context: CodeSnippet | None
    ) -> Iterator[str]:
        for needed, pattern in self.contextual:
            candidates = [m[1] for m in pattern.finditer(line) if not _is_placeholder(m[1])]
            # The context is looked up only for a candidate: most lines have none.
            if candidates and needed.search(_surroundings(filename, line, line_number, context)):
                yield from candidates


def _lines_up_to(context: CodeSnippet | None, line: str) -> list[str]:
    """The lines before the scanned one, and it (settings come before the key)."""
    if context is None:
        return [line]
    lines: list[str] = context.lines
    return lines[: context.target_index + 1]


def _surroundings(filename: str, line: str, line_number: int, context: CodeSnippet | None) -> str:
    """The file name, the lines detect-secrets passes, and the file's own lines before.

    The file's own lines matter for YAML: detect-secrets' YAML transformer
    blanks every line that is not a string value, section headers included.
    """
    return "\n".join(
        [
            os.path.basename(filename),
            *_lines_up_to(context, line),
            *_file_lines_before(filename, line_number),
        ]
    )


def _file_lines_before(filename: str, line_number: int) -> list[str]:
    if line_number < 1:
        return []
    try:
        with open(filename, encoding="utf-8", errors="replace") as file:
            lines = list(itertools.islice(file, line_number))
    except OSError:
        return []
    return lines[-_FILE_CONTEXT_LINES:]


class HuggingFaceDetector(_MLTokenDetector):
    """Hugging Face user access tokens (`hf_` + 34 letters) and organization API tokens."""

    secret_type = "Hugging Face Token"
    # Random letters mix cases (all one case: 2 in 10^10); identifiers rarely do.
    _LETTERS = r"(?=[A-Za-z]*[a-z])(?=[A-Za-z]*[A-Z])[A-Za-z]{34}"
    denylist: Patterns = (_token("hf_", _LETTERS), _token("api_org_", _LETTERS))


class WandbDetector(_MLTokenDetector):
    """Weights & Biases API keys.

    `wandb_v1_` keys carry their own prefix. The classic keys are 40 bare hex
    digits (on-premises servers prefix them with a host label and a dash): they
    count only where W&B reads them, `WANDB_API_KEY`, `wandb.login(key=...)`,
    `wandb login KEY`, a netrc entry for api.wandb.ai, or an `api_key` near
    the word wandb (a config section).
    """

    secret_type = "Weights & Biases API Key"
    _KEY = r"(?:[A-Za-z0-9]+-)?[0-9a-f]{40}"
    denylist: Patterns = (
        _token("wandb_v1_", "[A-Za-z0-9]{27}_[A-Za-z0-9]{49}"),
        _after(f"(?i:WANDB_API_KEY){_ASSIGNED}", _KEY),
        _after(r"wandb\.login\([^)]*?\bkey\s*=\s*[\"']", _KEY),
        _after(r"wandb\s+login\s+(?:--?[\w-]+(?:[= ]\S+)?\s+)*", _KEY),
    )
    contextual: Contextual = (
        (re.compile(r"machine\s+api\.wandb\.ai\b"), _after(r"password\s+", _KEY)),
        # `api_key:` in a `wandb:` section of a YAML or TOML config
        (re.compile(r"wandb", re.IGNORECASE), _after(r"api_key[\"']?\s*[:=]\s*[\"']?", _KEY)),
    )

    def _contextual_secrets(
        self, filename: str, line: str, line_number: int, context: CodeSnippet | None
    ) -> Iterator[str]:
        # In a netrc file the key belongs to the last `machine` named before it.
        machines = re.findall(r"machine\s+(\S+)", "\n".join(_lines_up_to(context, line)))
        if machines and machines[-1] != "api.wandb.ai":
            return
        yield from super()._contextual_secrets(filename, line, line_number, context)


class OpenAIApiKeyDetector(_MLTokenDetector):
    """OpenAI API keys: user, project (`sk-proj-`), service-account and admin keys.

    Keys carry `T3BlbkFJ` (base64 of "OpenAI") in the middle; project,
    service-account and admin keys are also recognised by their prefix alone.
    Supersedes detect-secrets' OpenAIDetector, which misses the newer layouts.
    """

    secret_type = "OpenAI API Key"
    denylist: Patterns = (
        _token("sk-", "[A-Za-z0-9_-]{20,180}T3BlbkFJ[A-Za-z0-9_-]{20,100}"),
        _token("sk-", "(?:proj|svcacct|admin)-[A-Za-z0-9_-]{80,250}"),
    )


class AnthropicDetector(_MLTokenDetector):
    """Anthropic API keys (`sk-ant-api03-`) and admin keys (`sk-ant-admin01-`)."""

    secret_type = "Anthropic API Key"
    denylist: Patterns = (_token("sk-ant-", "(?:api03|admin01)-[A-Za-z0-9_-]{93}AA"),)


class ReplicateDetector(_MLTokenDetector):
    """Replicate API tokens (`r8_` + 37 letters and digits)."""

    secret_type = "Replicate API Token"
    denylist: Patterns = (_token("r8_", "[A-Za-z0-9]{37}"),)


class KaggleDetector(_MLTokenDetector):
    """Kaggle API credentials.

    `KGAT_` API tokens carry their own prefix. Legacy keys are 32 bare hex
    digits: they count as `KAGGLE_KEY` or as the `"key"` of kaggle.json (or of
    JSON near the word kaggle).
    """

    secret_type = "Kaggle API Key"
    _KEY = r"[0-9a-f]{32}"
    denylist: Patterns = (
        _token("KGAT_", "[0-9a-f]{32}"),
        _after(f"(?i:KAGGLE_KEY){_ASSIGNED}", _KEY),
    )
    contextual: Contextual = (
        (
            re.compile(r"kaggle", re.IGNORECASE),
            _after(r"[\"']key[\"']\s*:\s*[\"']", _KEY),
        ),
    )


class CometDetector(_MLTokenDetector):
    """Comet ML API keys (25 letters and digits, no prefix).

    They count as `COMET_API_KEY` (or `COMET_ML_API_KEY`), or as an `api_key`
    near the word comet (`comet_ml.login(api_key=...)`, `.comet.config`).
    """

    secret_type = "Comet API Key"
    _KEY = r"[A-Za-z0-9]{25}"
    denylist: Patterns = (_after(f"(?i:COMET(?:_ML)?_API_KEY){_ASSIGNED}", _KEY),)
    contextual: Contextual = (
        (
            re.compile(r"comet", re.IGNORECASE),
            _after(r"api_key[\"']?\s*[:=]\s*[\"']?", _KEY),
        ),
    )
