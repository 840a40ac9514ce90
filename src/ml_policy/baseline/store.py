"""`.ml-policy-baseline.json`: the accepted findings of a repository, one per line.

The file is JSON, sorted, with one finding per line so that a review diff
shows exactly which findings were accepted or dropped:

    {
      "about": "...",
      "version": 1,
      "findings": [
        {"path": "src/train.py", "code": "MLM001", "fingerprint": "9f0c...", "count": 1,
         "message": "..."},
        ...
      ]
    }

`count` is how many findings share the key (two identical lines in one
file); `message` is for the reviewer and is not part of the key. A file
ruff-format would change is one entry with the code `ruff-format` and no
fingerprint: the exemption is per file and ends when the file is formatted.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ml_policy.baseline.fingerprint import Key
from ml_policy.confine import work_tree
from ml_policy.errors import PolicyError
from ml_policy.files import read_regular

NAME = ".ml-policy-baseline.json"
VERSION = 1
UNFORMATTED = "ruff-format"
# The hook families a baseline records; a file that does not say which it recorded had them all.
FAMILIES = ("ml-policy", "ruff", UNFORMATTED, "mypy", "bandit")
ABOUT = (
    "Findings accepted when ml-policy was adopted: the hooks fail only on findings not "
    "listed here. `ml-policy baseline` re-records it (fixed findings drop out; "
    "`--add` accepts new ones). Keys are file, code and a fingerprint of the line, "
    "not line numbers."
)


class BaselineError(PolicyError):
    """A baseline file that cannot be used; names the file and line."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}; re-record it with `ml-policy baseline`")


@dataclass
class Baseline:
    """Accepted findings: key -> how many, with a message per key for the reviewer."""

    counts: Counter[Key] = field(default_factory=Counter)
    messages: dict[Key, str] = field(default_factory=dict)
    # The hook families whose findings were recorded (a tool that could not run is not).
    tools: set[str] = field(default_factory=set)

    def add(self, key: Key, message: str = "") -> None:
        self.counts[key] += 1
        self.messages.setdefault(key, message)

    def total(self, prefix: str = "") -> int:
        """How many findings are accepted, of the codes starting with `prefix`."""
        return sum(n for (_, code, _), n in self.counts.items() if code.startswith(prefix))

    def unformatted(self) -> frozenset[str]:
        return frozenset(path for path, code, _ in self.counts if code == UNFORMATTED)

    def matcher(self) -> Matcher:
        return Matcher(Counter(self.counts))


@dataclass
class Matcher:
    """Lets each accepted finding pass once: two new copies of an accepted line are one new."""

    left: Counter[Key]
    accepted: int = 0

    def accepts(self, key: Key) -> bool:
        if self.left[key] <= 0:
            return False
        self.left[key] -= 1
        self.accepted += 1
        return True


def root_for(start: Path) -> Path:
    """The folder whose baseline applies: the git work tree holding `start`, else `start`."""
    folder = start.absolute()
    return work_tree(folder) or folder


def location(root: Path) -> Path:
    return root / NAME


def load(root: Path) -> Baseline | None:
    """The baseline at `root`, or None when the repository has none."""
    path = location(root)
    if not path.exists() and not path.is_symlink():
        return None
    try:
        data = read_regular(path, follow_symlinks=False)
    except OSError as error:
        raise BaselineError(path, f"cannot be read: {error.strerror or error}") from None
    return parse(path, data)


def parse(path: Path, data: bytes) -> Baseline:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaselineError(path, "not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise BaselineError(path, f"invalid JSON: {error.msg}", error.lineno) from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise BaselineError(path, f'expected an object with "version": {VERSION}')
    findings = document.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(path, '"findings" must be a list')
    recorded = document.get("recorded", list(FAMILIES))
    if not isinstance(recorded, list) or not all(isinstance(t, str) for t in recorded):
        raise BaselineError(path, '"recorded" must be a list of hook names')
    baseline = Baseline(tools=set(recorded))
    for number, entry in enumerate(findings, start=1):
        key, count, message = _entry(path, number, entry)
        baseline.counts[key] += count
        baseline.messages.setdefault(key, message)
    return baseline


def _entry(path: Path, number: int, entry: Any) -> tuple[Key, int, str]:
    fields = ("path", "code", "fingerprint")
    if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in fields):
        raise BaselineError(path, f"finding {number}: needs path, code and fingerprint strings")
    count = entry.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(path, f"finding {number}: count must be a positive integer")
    message = entry.get("message", "")
    return (entry["path"], entry["code"], entry["fingerprint"]), count, str(message)


def render(baseline: Baseline) -> str:
    lines = [
        _line(key, count, baseline.messages[key])
        for key, count in sorted(baseline.counts.items())
        if count > 0
    ]
    body = ",\n".join(f"    {line}" for line in lines)
    findings = f"[\n{body}\n  ]" if lines else "[]"
    head = [f'"about": {json.dumps(ABOUT)}', f'"version": {VERSION}']
    head.append(f'"recorded": {json.dumps(sorted(baseline.tools))}')
    return "{\n" + "".join(f"  {item},\n" for item in head) + f'  "findings": {findings}\n}}\n'


def _line(key: Key, count: int, message: str) -> str:
    path, code, fingerprint = key
    entry = {"path": path, "code": code, "fingerprint": fingerprint, "count": count}
    return json.dumps({**entry, "message": message}, ensure_ascii=False)
