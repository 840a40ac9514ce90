"""bandit, told to skip the files none of its enabled tests could report.

The bundles skip in bandit every test Ruff or an MLS rule runs (bandit_twins),
so what is left is a few of bandit's blacklists: imports of xmlrpc, CGI
handlers, pycrypto, pyghmi. bandit still parses and walks every file to look
for them, which made it the slowest hook of a whole-repository run (15 s of
CPU on a 1,459-file project) while finding nothing that could be found.

`python -m ml_policy.bandit_screen ARGS` runs bandit's own `main` with ARGS.
Once bandit has worked out its test set (from -t/-s, .bandit, -c and the
profile, all its own way), and only when every enabled test is a blacklist,
the files whose text cannot match are taken out of its file list before it
runs. A blacklist matches a dotted name that bandit builds from the file's
own text: an import, a call through import aliases, or the string given to
`__import__`/`importlib.import_module`. So a file is kept when all parts of
one of the enabled names occur in it, when it calls those two by name (their
string may be built by concatenation or escapes), when it is not pure ASCII
(identifiers are NFKC-normalised: a fullwidth x is an x), and when it declares
an encoding that could spell a name differently (UTF-7). A file that
cannot be read is kept: bandit reports it.

What changes for the user: bandit's "Code scanned" totals count only the
files it read, and the syntax errors of files taken out are not listed under
"Files skipped" (Ruff reports them).
"""

from __future__ import annotations

import io
import sys
import tokenize
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ml_policy.files import read_regular

# Calls whose first argument, a string, is the name bandit matches.
IMPORT_CALLS = ("__import__", "import_module")


def needles(blacklists: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[tuple[str, ...]]:
    """The parts of every enabled blacklisted name: each must occur in a file bandit could
    report for that name. `blacklists` is bandit's node type -> checks table."""
    checks = [check for node_checks in blacklists.values() for check in node_checks]
    names = {name for check in checks for name in check["qualnames"]}
    return sorted(tuple(name.split(".")) for name in names)


def may_match(data: bytes, parts: Iterable[tuple[str, ...]], calls: bool) -> bool:
    """Whether a file holding `data` could hold one of the names; True when unsure."""
    text = _source_text(data)
    if text is None:
        return True
    if calls and any(call in text for call in IMPORT_CALLS):
        return True
    return any(all(part in text for part in name) for name in parts)


def _source_text(data: bytes) -> str | None:
    """The text Python reads from `data` (its encoding cookie or BOM, identifiers
    NFKC-normalised), or None when it cannot be read."""
    if data.isascii() and b"coding" not in data:
        return data.decode("ascii")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None
    # Normalising the whole text normalises each identifier in it: the characters
    # around an identifier never compose with its first or last one.
    return unicodedata.normalize("NFKC", text)


def screen(files: Sequence[str], plugins: Sequence[Any]) -> list[str]:
    """The files of `files` bandit must read, given its enabled `plugins`."""
    if not plugins or any(plugin.name != "blacklist" for plugin in plugins):
        return list(files)  # a test that is not a blacklist: no text screen is known for it
    # bandit dresses its blacklists up as one plugin whose config is the enabled ones.
    blacklists: Mapping[str, Sequence[Mapping[str, Any]]] = plugins[0].plugin._config
    parts = needles(blacklists)
    calls = "Call" in blacklists
    return [name for name in files if _must_read(name, parts, calls)]


def _must_read(name: str, parts: list[tuple[str, ...]], calls: bool) -> bool:
    if name == "-":
        return True
    try:
        data = read_regular(name)
    except OSError:
        return True  # not a regular file, too large or unreadable: bandit reads it and says why
    return may_match(data, parts, calls)


def main() -> None:
    """bandit's command line, with its file list screened before it runs its tests."""
    from bandit.cli import main as bandit_main
    from bandit.core import manager

    run_tests = manager.BanditManager.run_tests

    def screened_run(self: Any) -> None:
        self.files_list = screen(self.files_list, self.b_ts.plugins)
        run_tests(self)

    manager.BanditManager.run_tests = screened_run
    sys.argv[0] = "bandit"
    bandit_main.main()


if __name__ == "__main__":
    main()
