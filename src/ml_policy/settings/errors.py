"""ConfigError, and the short quotes of user values that every configuration message uses."""

from __future__ import annotations

from pathlib import Path

from ml_policy.errors import PolicyError

# Error messages quote user values at most this long: a value may be a pasted token.
EXCERPT = 40
CODE_EXCERPT = 16  # rule codes are 6 characters: a longer one is not a typo of one
KEY_EXCERPT = 24  # the longest key is 22


class ConfigError(PolicyError):
    """A configuration problem, always naming the file (and line and key when known)."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.detail = message


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """`value` as text, cut to `limit` characters with an ellipsis (for error messages)."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}\u2026"


def quoted(value: object, limit: int = EXCERPT) -> str:
    """A user value for an error message: short, and quoted as Python would."""
    return repr(excerpt(value, limit))
