"""The whole secret, for every detector: what the baseline hashes and the message measures.

detect-secrets takes a pattern's capture group for the secret when it has
one (`RegexBasedDetector.analyze_string` yields `findall`'s groups). Some of
its 1.5.0 patterns group only a part of the token, and some leave a part
out:

- GitHubTokenDetector `(ghp|gho|...)_...` reports `ghp`, and
  GitLabTokenDetector `(glpat|...)-...` reports `glpat` (a `glcbt-` token
  without its optional group, the empty string): one accepted token would
  accept every token of its kind in that file;
- PrivateKeyDetector reports the header (`BEGIN <kind> PRIVATE KEY`), never the key;
- JwtTokenDetector's last part is lazy: the signature is left out;
- ArtifactoryDetector includes the quote or space around the token, and
  AzureStorageKeyDetector the `AccountKey=` label (messages gave the wrong length).

The classes below are those detectors with the same names, secret types and
matches, whose value is the whole secret; `install` puts them in the place of
detect-secrets' own for one scan. Private keys span lines, which a line-based
detector never sees: `private_key_blocks` widens a key finding to its block.
Our ML detectors capture the whole token already (tests check every detector).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from re import Pattern

from detect_secrets.plugins import artifactory, azure_storage_key, github_token, gitlab_token, jwt
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector

_REST = r"[A-Za-z0-9_\-]"


class GitHubTokenDetector(github_token.GitHubTokenDetector):
    """detect-secrets' pattern with a non-capturing prefix group: the whole token."""

    denylist = [re.compile(r"(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}")]  # noqa: RUF012


class GitLabTokenDetector(gitlab_token.GitLabTokenDetector):
    """detect-secrets' patterns with non-capturing groups: the whole token."""

    denylist = [  # noqa: RUF012 - a list, as detect-secrets declares it
        re.compile(rf"(?:glpat|gldt|glft|glsoat|glrt)-{_REST}{{20,50}}(?!\w)"),
        re.compile(rf"GR1348941{_REST}{{20,50}}(?!\w)"),
        re.compile(rf"glcbt-(?:[0-9a-fA-F]{{2}}_)?{_REST}{{20,50}}(?!\w)"),
        re.compile(rf"glimt-{_REST}{{25}}(?!\w)"),
        re.compile(rf"glptt-{_REST}{{40}}(?!\w)"),
        re.compile(rf"glagent-{_REST}{{50,1024}}(?!\w)"),
        re.compile(rf"gloas-{_REST}{{64}}(?!\w)"),
    ]


class ArtifactoryDetector(artifactory.ArtifactoryDetector):
    """detect-secrets' patterns, the token captured without the delimiters around it."""

    denylist = [  # noqa: RUF012 - a list, as detect-secrets declares it
        re.compile(r'(?:\s|=|:|"|^)(AKC[a-zA-Z0-9]{10,})(?:\s|"|$)'),
        re.compile(r'(?:\s|=|:|"|^)(AP[\dABCDEF][a-zA-Z0-9]{8,})(?:\s|"|$)'),
    ]


class AzureStorageKeyDetector(azure_storage_key.AzureStorageKeyDetector):
    """detect-secrets' pattern, the key captured without its `AccountKey=` label."""

    denylist = [re.compile(r"AccountKey=([a-zA-Z0-9+\/=]{88})")]  # noqa: RUF012


class JwtTokenDetector(jwt.JwtTokenDetector):
    """The token with its signature; judged valid exactly as detect-secrets judges it.

    detect-secrets validates what its pattern matches, header and payload
    (the signature part is always empty); so does this, then reports the
    token with the base64url signature that follows.
    """

    # detect-secrets' header and payload classes, kept as written (`0-9-_=` is 0-9, -, _, =).
    _TOKEN = re.compile(r"(eyJ[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+)(?:\.[A-Za-z0-9_-]+)?")
    denylist = [_TOKEN]  # noqa: RUF012 - a list, as detect-secrets declares it

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for match in self._TOKEN.finditer(string):
            if self.is_formally_valid(match[1]):
                yield match[0]


EXACT: dict[str, type[RegexBasedDetector]] = {
    cls.__name__: cls
    for cls in (
        GitHubTokenDetector,
        GitLabTokenDetector,
        ArtifactoryDetector,
        AzureStorageKeyDetector,
        JwtTokenDetector,
    )
}


def install() -> None:
    """Scan with the classes above in place of detect-secrets' own, until its settings change.

    detect-secrets builds its plugin instances once per settings (an
    lru_cache that `transient_settings` clears on the way in and out), so the
    replacement lasts exactly as long as the scan's settings.
    """
    from detect_secrets.settings import get_plugins

    plugins = get_plugins()
    for index, plugin in enumerate(plugins):
        replacement = EXACT.get(type(plugin).__name__)
        if replacement is not None and not isinstance(plugin, replacement):
            plugins[index] = replacement()


# --- private keys -----------------------------------------------------------------------------

PRIVATE_KEY = str(PrivateKeyDetector.secret_type)
_MARKERS: Pattern[str] = re.compile("|".join(p.pattern for p in PrivateKeyDetector.denylist))
_END = re.compile(r"END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?|Private-MAC: *[0-9A-Fa-f]+")
# What may stand between a key's markers: base64 rows (quoted, `\n`-escaped
# or comma-separated in code too; the last one short), armour headers
# (`Proc-Type:`, PuTTY's `Public-Lines:`) and blank lines (PGP armour). Any
# other line ends the search for the end marker, which then belongs to other text.
_KEY_LINE = re.compile(r"|[\"']?[A-Za-z0-9+/=]+(?:\\n)?[\"']?,?|[A-Za-z][A-Za-z0-9-]*: .*")
_WHITESPACE = re.compile(r"\s+")
MAX_KEY_LINES = 400  # a 4096-bit PGP key block is about 130 lines
MAX_KEY_CHARACTERS = 64 * 1024


def private_key_blocks(lines: Sequence[str], number: int) -> list[tuple[int, str]]:
    """(column, key) of each private key that starts on line `number` (1-based), or
    of the first one below it (detect-secrets reports a YAML block scalar at its key).

    A key runs from its marker to its end marker (`END ... PRIVATE KEY`,
    PuTTY's `Private-MAC:`): on the same line (JSON and code with `\\n`
    escapes), or over the key lines below it. Whitespace is dropped, so
    re-indenting or re-wrapping a key keeps its hash.
    """
    index = number - 1
    stop = min(len(lines), index + MAX_KEY_LINES)
    start = next((i for i in range(max(index, 0), stop) if _MARKERS.search(lines[i])), None)
    if start is None:
        return []
    column_known = start == index
    blocks: list[tuple[int, str]] = []
    for marker in _MARKERS.finditer(lines[start]):
        key = _block(lines, start, marker.start(), stop)
        blocks.append((marker.start() + 1 if column_known else 1, key))
        if not column_known:
            break
    return blocks


def _block(lines: Sequence[str], index: int, offset: int, stop: int) -> str:
    """The key whose marker is at `offset` in line `index`, without whitespace."""
    first = lines[index]
    end = _END.search(first, offset)
    if end:
        return _WHITESPACE.sub("", first[offset : end.end()])[:MAX_KEY_CHARACTERS]
    parts = [first[offset:]]
    for line in lines[index + 1 : stop]:
        end = _END.search(line)
        if end:
            parts.append(line[: end.end()])
            break
        if not _KEY_LINE.fullmatch(line.strip()):
            break
        parts.append(line)
    return _WHITESPACE.sub("", "".join(parts))[:MAX_KEY_CHARACTERS]


# --- what ml-policy 0.1.0 hashed instead -------------------------------------------------------

# The values detect-secrets' own detectors gave for a whole family of secrets:
# token prefixes, the empty string (`glcbt-` without its optional group), that
# group alone, private key headers. A baseline entry with one of their hashes
# was written by ml-policy 0.1.0 and accepted every such secret in its file.
FAMILY_VALUES: tuple[str, ...] = (
    "ghp",
    "gho",
    "ghu",
    "ghs",
    "ghr",
    "glpat",
    "gldt",
    "glft",
    "glsoat",
    "glrt",
    "",
    *(f"{a}{b}_" for a in "0123456789abcdefABCDEF" for b in "0123456789abcdefABCDEF"),
    *(pattern.pattern for pattern in PrivateKeyDetector.denylist),
)
