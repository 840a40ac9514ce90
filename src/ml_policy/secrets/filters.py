"""detect-secrets filters of our own, registered by dotted path like its built-in ones.

detect-secrets calls a filter with the arguments its parameters name; a
filter that returns True drops the finding.
"""

from __future__ import annotations

# Words documentation and examples put where a password goes
# (`mongodb+srv://user:pass@cluster...`): never a real credential.
PLACEHOLDER_PASSWORDS = frozenset(
    {
        "pass",
        "password",
        "passwd",
        "pwd",
        "secret",
        "changeme",
        "user",
        "username",
        "token",
        "apikey",
        "api_key",
        "example",
        "dummy",
        "placeholder",
        "xxx",
        "xxxx",
        "****",
    }
)


def is_placeholder_password(secret: str) -> bool:
    """A credential that is a placeholder word, not a secret."""
    return secret.strip("\"'").lower() in PLACEHOLDER_PASSWORDS
