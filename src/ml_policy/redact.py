"""Mask credentials in anything ml-policy prints or writes: messages, errors, diffs.

ml-policy quotes user input (a requirement line, a YAML value, a config key),
and that input is where credentials sit: a PyPI token as the password of an
`--extra-index-url`, a GitHub token in a `git+https://` requirement,
`WANDB_API_KEY=...`. Everything shown passes through `redact`, which masks

- the userinfo of every URL (`https://***@host/`), except the conventional
  `git@` of SSH remotes;
- credential-like query values (`?token=***`, `&X-Amz-Signature=***`) and
  `key = value` assignments whose name says secret (`api_key`, `password`, ...);
- every token format detect-secrets' regex detectors and ours know (Hugging
  Face, W&B, OpenAI, Anthropic, GitHub, GitLab, AWS, Slack, Stripe, PyPI, npm,
  JWTs, private key blocks, ...), keeping only the public prefix (`hf_***`);
- any other long random-looking word (a mix of upper case, lower case and
  digits, 24 characters or more without a separator): unknown formats too,
  but not a CamelCase class name with a version digit in it.

It needs no detect-secrets import (a third of a second): the patterns are
written here, and tests/test_redact.py checks them against every detector.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, BinaryIO, TextIO

MASK = "***"

# `scheme://userinfo@host`: userinfo runs to the last `@` before the host's path.
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#@'\"]+)@")

# Words that name a secret wherever a part of a name starts with them, whatever follows:
# detect-secrets' keyword list (`SECRET_KEY_BASE`, `db_password_hash`) and its kin.
_SECRET_ANYWHERE = (
    r"(?:api[_-]?key|apikey|(?:auth|service|account|db|database|priv|private|client)_?key"
    r"|(?:db|database|key)_?pass|secret|passw(?:or)?d|pwd|passphrase|credentials?"
    r"|access[_-]?key|contrase(?:ñ|n)a)[A-Za-z0-9_]*"
)
# Words that name a secret only as the name's last part (`HF_TOKEN`, `accessToken`, `sig`):
# ML code is full of `key_padding_mask`, `token_type_ids`, `tokenizer`, `max_tokens`,
# `session_options`, `signal`, `sigmoid`, `author`, `passed_args`.
_SECRET_LAST = (
    r"(?:key|token|auth(?:orization|entication)?|sig(?:nature)?|session|pw|pass)"
    r"(?:_?\d+)?(?![A-Za-z0-9_])"
)
_SECRET_WORDS = rf"(?:{_SECRET_ANYWHERE}|{_SECRET_LAST})"
# `?token=...`, `&sig=...`: query (or fragment) parameters that carry credentials.
_QUERY_SECRET = re.compile(
    rf"(?P<name>[?&#;](?:[A-Za-z0-9_.-]*[_.-])?{_SECRET_WORDS})=(?P<value>[^&#\s'\"]+)",
    re.IGNORECASE,
)

# `api_key = "value"`, `HF_TOKEN: value`, `"password": "value"`: found from the
# separator (fast: few places have one), then the name before it is checked.
_ASSIGNED_VALUE = re.compile(r"(?::=|[:=])[ \t]*[\"']?(?P<value>[A-Za-z0-9+/_.~-]{8,}=*)")
# The word starts a part of the name (`HF_TOKEN`, `accessToken`, `MYTOKEN`), not the
# middle of a longer word (`cluster_assignment_samples`, `monkey`).
_PART_START = r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z]))"
_SECRET_NAME = re.compile(rf"{_PART_START}(?i:{_SECRET_WORDS})[\"']?\]?[ \t]*$")
_NAME_WINDOW = 64

# Token formats with a public prefix: (prefix pattern, body pattern).
_PREFIXED = (
    (r"hf_", r"[A-Za-z0-9]{20,}"),  # Hugging Face user tokens
    (r"api_org_", r"[A-Za-z0-9]{20,}"),  # Hugging Face organization tokens
    (r"wandb_v1_", r"[A-Za-z0-9_]{20,}"),  # Weights & Biases
    (r"sk-ant-(?:api|admin)\d\d-", r"[A-Za-z0-9_-]{20,}"),  # Anthropic
    (r"sk-(?:proj-|svcacct-|admin-)?", r"[A-Za-z0-9_-]{20,}"),  # OpenAI
    (r"r8_", r"[A-Za-z0-9]{20,}"),  # Replicate
    (r"KGAT_", r"[0-9a-f]{20,}"),  # Kaggle
    (r"gh[pousr]_", r"[A-Za-z0-9_]{20,}"),  # GitHub
    (r"github_pat_", r"[A-Za-z0-9_]{20,}"),
    (r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-", r"[A-Za-z0-9_-]{20,}"),  # GitLab
    (r"GR1348941", r"[A-Za-z0-9_-]{20,}"),  # GitLab runner registration
    (r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])", r"[A-Z0-9]{16}"),  # AWS access key ids
    (r"xox[abposr]-", r"[A-Za-z0-9-]{6,}"),  # Slack
    (r"hooks\.slack\.com/services/", r"[A-Za-z0-9_/]{10,}"),
    (r"(?:sk|rk)_(?:live|test)_", r"[A-Za-z0-9]{16,}"),  # Stripe
    (r"npm_", r"[A-Za-z0-9]{30,}"),  # npm
    (r"pypi-", r"[A-Za-z0-9_-]{40,}"),  # PyPI
    (r"SG\.", r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),  # SendGrid
    (r"sq0(?:atp|csp)-", r"[A-Za-z0-9_\\-]{20,}"),  # Square
    (r"eyJ", r"[A-Za-z0-9_=-]{4,}\.[A-Za-z0-9_=-]{4,}\.?[A-Za-z0-9_.+/=-]*"),  # JWT
    (r"AccountKey=", r"[A-Za-z0-9+/=]{40,}"),  # Azure storage
    (r"\d{8,10}:", r"[0-9A-Za-z_-]{30,}"),  # Telegram bots
    (r"(?:AC|SK)", r"[0-9a-z]{32}"),  # Twilio
    (r"[MNO]", r"[A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27}"),  # Discord bots
    (r"PuTTY-User-Key-File-\d: ", r".*"),  # PuTTY private keys
)
# Formats whose "prefix" is itself secret: the whole match is masked.
_SECRET_PREFIX = re.compile(r"\d|AC$|SK$|[MNO]$")
# A Mailchimp key may start with any of 36 characters, more than _token's first-character
# check lets through: it is looked for on its own, in a text that holds "-us".
_MAILCHIMP = re.compile(r"(?<![A-Za-z0-9_-])[0-9a-z]{32}-us\d{1,2}(?![A-Za-z0-9_-])")


@cache
def _token() -> re.Pattern[str]:
    """Every prefixed format in one pattern (compiled on first use: start-up matters)."""
    # One boundary check, then a look at the first character, before any format is tried:
    # most positions fail one of the two (8x faster than trying each format everywhere).
    formats = "|".join(
        rf"(?P<p{i}>{prefix})(?:{body})" for i, (prefix, body) in enumerate(_PREFIXED)
    )
    return re.compile(
        rf"(?<![A-Za-z0-9_-])(?=[hawsrKgGAxnpSe0-9MNOP])(?:{formats})(?![A-Za-z0-9_-])"
    )


# The header, then the key's body up to the first character a key block cannot hold (a
# quote or a bracket): never past the end of a JSON string, however the text is laid out.
_PRIVATE_KEY = re.compile(
    r"(?P<begin>-----BEGIN[A-Z ]*PRIVATE KEY(?: BLOCK)?-----)(?:\\[nr]|[A-Za-z0-9+/=\s:,.-])*"
)

# A word of 24+ characters from the token alphabet, without the separators that
# make identifiers and file names (`_`, `-`, `.`, `/`): mixed case and digits. `=` only
# pads the end (base64): inside, it is code (`serverSelectionTimeoutMS=30000`).
_RANDOM_WORD = re.compile(r"(?<![A-Za-z0-9+=])[A-Za-z0-9+]{24,}={0,2}(?![A-Za-z0-9+=])")

# Cheap test that a text could hold anything worth masking (most messages cannot).
_MAYBE = re.compile(r"[A-Za-z0-9+=_-]{16}|://|PRIVATE KEY|[:=]")


def redact(text: str) -> str:
    """`text` with every credential it may hold masked; unchanged when it holds none."""
    if not _MAYBE.search(text):
        return text
    text = _PRIVATE_KEY.sub(lambda m: m["begin"] + MASK, text)
    text = _URL_USERINFO.sub(_mask_userinfo, text)
    text = _QUERY_SECRET.sub(lambda m: f"{m['name']}={MASK}", text)
    text = _token().sub(_mask_token, text)
    if "-us" in text:
        text = _MAILCHIMP.sub(MASK, text)
    text = _ASSIGNED_VALUE.sub(_mask_assigned, text)
    return _RANDOM_WORD.sub(_mask_random, text)


@contextmanager
def redacted_output() -> Iterator[None]:
    """Within: everything written to sys.stdout and sys.stderr is redacted."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Redacting(saved[0]), _Redacting(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class _Redacting:
    """A text stream that masks credentials in what it is given, then writes it on."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    @property
    def buffer(self) -> _RedactingBuffer:
        """The byte stream below (JSON and SARIF are written as UTF-8 bytes), redacted too."""
        return _RedactingBuffer(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _RedactingBuffer:
    """The byte side of _Redacting: UTF-8 in, masked UTF-8 out (other bytes kept as they are)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw

    def write(self, data: bytes) -> int:
        text = data.decode("utf-8", "surrogateescape")
        self._raw.write(redact(text).encode("utf-8", "surrogateescape"))
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def has_credential(text: str) -> bool:
    """Whether `redact` would mask something in `text`."""
    return redact(text) != text


def excerpt(text: str, limit: int = 40) -> str:
    """A short, masked quotation of user input for a message: `'hf_***'`, cut with `…`."""
    masked = redact(text)
    if len(masked) > limit:
        masked = masked[: limit - 1] + "…"
    return repr(masked)


def _mask_userinfo(match: re.Match[str]) -> str:
    if match["userinfo"] == "git":
        return match[0]  # git@host: the SSH convention, not a credential
    return f"{match['scheme']}{MASK}@"


def _mask_token(match: re.Match[str]) -> str:
    prefix = next(value for value in match.groupdict().values() if value is not None)
    return MASK if _SECRET_PREFIX.search(prefix) else prefix + MASK


def _mask_assigned(match: re.Match[str]) -> str:
    value = match["value"]
    start = match.start()
    named = _SECRET_NAME.search(match.string, max(0, start - _NAME_WINDOW), start)
    if named is None or not _looks_secret(value):
        return match[0]
    quoted = match.string[match.start("value") - 1] in "\"'"
    if not quoted and _ATTRIBUTE_CHAIN.fullmatch(value):
        return match[0]  # code: `eos_token_id = self.tokenizer.eos_token_id`
    if not _STRONG_NAME.search(named[0]) and _reads_as_words(value, quoted):
        return match[0]  # `backward_pass = hvd_amp_backward_pass`, `VERSION_KEY = "a/b-c"`
    return match[0][: match.start("value") - start] + MASK


_STRONG_NAME = re.compile(rf"{_PART_START}(?i:{_SECRET_ANYWHERE})")
# Words of code: lower or upper case with a number after, or capitalised (`Rouge`, `WORDNET`).
_CODE_WORD = re.compile(r"[a-z]+\d*|[A-Z]+\d*|(?:[A-Z][a-z]+)+\d*")
_LOWER_WORD = re.compile(r"[a-z]+\d*")


def _reads_as_words(value: str, quoted: bool) -> bool:
    """A value that names something rather than being a generated key (asked only where the
    name is a weak one, such as `..._KEY` or `..._pass`): unquoted, a name or attribute chain
    of two or more words of code; quoted, three or more lower-case words joined by `/`, `_`,
    `-` or `.` (a path, a slug)."""
    if quoted:
        parts = re.split(r"[/_.-]", value)
        return len(parts) >= 3 and all(_LOWER_WORD.fullmatch(part) for part in parts)
    parts = re.split(r"[_.]", value.strip("_"))
    return len(parts) >= 2 and all(_CODE_WORD.fullmatch(part) for part in parts)


# An attribute of an attribute, in snake case: code a secret's name is assigned from.
_ATTRIBUTE_CHAIN = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+")


def _looks_secret(value: str) -> bool:
    """A value, not a word: digits in it, or long enough to be a generated key."""
    return any(c.isdigit() for c in value) or len(value) >= 20


def _mask_random(match: re.Match[str]) -> str:
    word = match[0]
    classes = (str.isupper, str.islower, str.isdigit)
    mixed = sum(any(test(c) for c in word) for test in classes) == len(classes)
    return MASK if mixed and not _class_name(word) else word


# The parts of a CamelCase name: a capitalised word, an acronym, a version number.
_NAME_PARTS = re.compile(r"[A-Z][a-z]+|[A-Z]{1,5}(?![a-z])|\d{1,2}(?:d|v|n|bit)?(?![a-z])")
_VOWELS = frozenset("aeiouy")


def _class_name(word: str) -> bool:
    """A class name with a version digit (`Gemma3CausalLMOutputWithPast`, `Conv1d`,
    `Gemma3n`, `Muon8bit`), which mypy and the rules quote: capitalised words (all but one
    with a vowel), acronyms and numbers (with a `d`, `v`, `n` or `bit` after them), mostly
    lower case. Measured: 1,314 of the 1,483 such names defined or called in the library
    corpus and three training projects read so (before the suffixes), and 39 of 1 M random
    tokens of 24-48 characters (known token formats are masked by their own patterns); the
    suffixes let no more random tokens through on a 300,000-token sample."""
    parts = _NAME_PARTS.findall(word)
    if sum(map(len, parts)) != len(word):
        return False
    words = [part for part in parts if part[1:].islower()]
    if sum(_VOWELS.isdisjoint(part.lower()) for part in words) > 1:  # one `Attn`, `Mlp`
        return False
    return sum(char.islower() for char in word) >= 0.65 * len(word)
