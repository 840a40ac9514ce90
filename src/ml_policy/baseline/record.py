"""`ml-policy baseline`: record the current findings of every hook this release ships.

Each hook's findings are collected the way the hook finds them, over the
files pre-commit would give it (tracked and not-ignored files that the top-level
`files:` and `exclude:` of .pre-commit-config.yaml let through, by pre-commit's own
file-type tags): the ML families in process, Ruff, the
formatter, mypy and bandit as the tool hooks run them, with their JSON
reports. Re-recording keeps only what the old baseline already accepted
(fixed findings drop out), unless `add` accepts the new ones too. Secrets
keep their own detect-secrets baseline (hashes of the secrets), which is
created when missing and updated with `add`.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ml_policy import toolconfig
from ml_policy.baseline import gate, store, tool_output
from ml_policy.baseline.fingerprint import Finding, SourceLines
from ml_policy.errors import PolicyError

# The file types each tool hook is given (.pre-commit-hooks.yaml), as identify tags them.
_TOOL_TYPES = {
    "ruff": {"python", "pyi", "jupyter"},
    "ruff-format": {"python", "pyi", "jupyter", "markdown"},
    "mypy": {"python", "pyi"},
    "bandit": {"python"},
}
_CHUNK = 2000  # files per tool call, to stay under the command-line limit


@dataclass
class Recorded:
    baseline: store.Baseline
    per_tool: Counter[str] = field(default_factory=Counter)
    dropped: int = 0  # in the old baseline, no longer found
    not_added: int = 0  # found, not in the old baseline, not accepted without `add`
    failed: dict[str, str] = field(default_factory=dict)  # tool -> why it was not recorded


def record(root: Path, *, add: bool = False) -> Recorded:
    """The baseline for the repository at `root` (nothing written).

    A tool that cannot run (a mypy plugin missing) is reported and left out;
    its findings are recorded in full by the first run that can run it, even
    without `add`, since none of them could be accepted before.
    """
    current, failed = _collect(root)
    old = store.load(root)
    recorded = Recorded(current if old is None or add else _kept(current, old), failed=failed)
    for (_, code, _), count in recorded.baseline.counts.items():
        recorded.per_tool[tool_of(code)] += count
    if old is not None:
        recorded.dropped = sum((old.counts - recorded.baseline.counts).values())
        recorded.not_added = sum((current.counts - recorded.baseline.counts).values())
    return recorded


def _collect(root: Path) -> tuple[store.Baseline, dict[str, str]]:
    """Every hook's findings, run from `root` as pre-commit runs them (the tools read their
    configuration and name files relative to the folder they start in)."""
    previous = Path.cwd()
    os.chdir(root)
    try:
        given = toolconfig.precommit_file_filter(root / toolconfig.PRECOMMIT)
        files = [name for name in _repository_files(root) if given(name)]
        lines = SourceLines(root)
        current = store.Baseline()
        failed: dict[str, str] = {}
        for tool, collect in _COLLECTORS.items():
            try:
                findings = collect(root, files)
            except PolicyError as error:
                failed[tool] = str(error)
                continue
            current.tools.add(tool)
            for finding in findings:
                if given(finding.path):  # the ML checkers discover files themselves
                    current.add(lines.key(finding), finding.message)
        return current, failed
    finally:
        os.chdir(previous)


def _kept(current: store.Baseline, old: store.Baseline) -> store.Baseline:
    """What is found now and was accepted before (the count can only go down), and all
    that tools recorded for the first time find; a tool that failed now keeps its old part."""
    first = current.tools - old.tools
    counts = Counter({k: n for k, n in current.counts.items() if tool_of(k[1]) in first})
    counts |= current.counts & old.counts
    counts |= Counter({k: n for k, n in old.counts.items() if tool_of(k[1]) not in current.tools})
    kept = store.Baseline(counts, tools=current.tools | old.tools)
    kept.messages = {k: current.messages.get(k) or old.messages.get(k, "") for k in counts}
    return kept


def tool_of(code: str) -> str:
    """The hook family a baseline code belongs to: "ml-policy", "ruff", "mypy", ..."""
    if code == store.UNFORMATTED or ":" in code:
        return code.split(":", 1)[0]
    return "ml-policy"


def _repository_files(root: Path) -> list[str]:
    """Tracked and untracked-but-not-ignored files, relative to `root`, as pre-commit sees
    them once committed; every file below `root` outside git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    names = {name.decode("utf-8", "surrogateescape") for name in listed.split(b"\0") if name}
    return sorted(n for n in names if (root / n).is_file() and not (root / n).is_symlink())


def _typed(root: Path, files: Sequence[str], tool: str) -> list[str]:
    from identify.identify import tags_from_path

    wanted = _TOOL_TYPES[tool]
    return [name for name in files if wanted & tags_from_path(str(root / name))]


def _ml_findings(root: Path, files: Sequence[str]) -> list[Finding]:
    from ml_policy import checkers
    from ml_policy import files as discovery
    from ml_policy.config import SettingsResolver

    resolver = SettingsResolver()
    found = discovery.find([root], resolver)
    options = checkers.RunOptions(cache_dir=root / ".ml-policy-cache")
    # Secrets are accepted in their own baseline, by the hash of the secret: not scanned here.
    families = [p for prefixes, _ in checkers.CHECKERS for p in prefixes if p != "MLK"]
    diagnostics = checkers.run_all(found.files, resolver, families, options=options)
    diagnostics += checkers.unchecked_diagnostics(found.unchecked)
    return [gate.finding(d, root) for d in diagnostics if not d.code.startswith("MLK")]


def _ruff_findings(root: Path, files: Sequence[str]) -> list[Finding]:
    from ml_policy import tools

    found: list[Finding] = []
    for chunk in _chunks(_typed(root, files, "ruff")):
        # Recording reads: a project's `fix = true` must not rewrite its files here.
        args = ["check", "--no-fix", "--force-exclude", *chunk]
        result = _checked("ruff", tools.run_json("ruff", args))
        found += [r.finding for r in tool_output.ruff(result, root, root)]
    return found


def _unformatted(root: Path, files: Sequence[str]) -> list[Finding]:
    from ml_policy import tools

    found: list[Finding] = []
    for chunk in _chunks(_typed(root, files, "ruff-format")):
        args = ["format", "--check", "--force-exclude", *chunk]
        result = _checked("ruff format", tools.run_json("ruff", args))
        reported = tool_output.ruff(result, root, root, code_prefix="")
        found += [Finding(r.finding.path, store.UNFORMATTED) for r in reported]
    return found


def _mypy_findings(root: Path, files: Sequence[str]) -> list[Finding]:
    from ml_policy import tools

    typed = _typed(root, files, "mypy")
    # One call: mypy must see the files together (imports between them).
    command = tools.mypy_command(typed, root) if typed else None
    if command is None:
        return []
    args, sys_path = command
    result = _checked("mypy", tools.run_json("mypy", args, sys_path))
    return [r.finding for r in tool_output.mypy(result, root, root)]


def _bandit_findings(root: Path, files: Sequence[str]) -> list[Finding]:
    from ml_policy import tools

    found: list[Finding] = []
    for chunk in _chunks(_typed(root, files, "bandit")):
        result = _checked("bandit", tools.run_json("bandit", tools.bandit_args(chunk, root)))
        found += [r.finding for r in tool_output.bandit(result, root, root)]
    return found


def _hadolint_findings(root: Path, files: Sequence[str]) -> list[Finding]:
    from ml_policy import files as discovery
    from ml_policy import hadolint
    from ml_policy.config import SettingsResolver
    from ml_policy.deps.commands import is_dockerfile

    resolver = SettingsResolver()
    dockerfiles = [root / name for name in files if is_dockerfile(Path(name))]
    found = discovery.find(dockerfiles, resolver)  # as the hook is given them: `exclude` holds
    result = hadolint.check(found.files, resolver)
    return [gate.finding(d, root, hadolint.TOOL) for d in result.diagnostics]


_COLLECTORS: dict[str, Callable[[Path, Sequence[str]], list[Finding]]] = {
    "ml-policy": _ml_findings,
    "ruff": _ruff_findings,
    store.UNFORMATTED: _unformatted,
    "mypy": _mypy_findings,
    "bandit": _bandit_findings,
    "hadolint": _hadolint_findings,
}


def _checked(tool: str, result: subprocess.CompletedProcess[bytes]) -> str:
    if result.returncode not in (0, 1):
        output = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
        raise PolicyError(f"{tool} failed (exit status {result.returncode}):\n{output}")
    return result.stdout.decode("utf-8", "replace")


def _chunks(files: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(files), _CHUNK):
        yield list(files[start : start + _CHUNK])


def write(root: Path, baseline: store.Baseline) -> Path:
    from ml_policy.apply.atomic import write_atomic

    path = store.location(root)
    write_atomic(path, store.render(baseline).encode("utf-8"), root)
    return path


def secrets_baseline(root: Path, *, add: bool) -> str:
    """Create the secrets baseline when missing (or, with `add`, accept every secret now
    found); what happened, for the user."""
    from ml_policy.config import SettingsResolver
    from ml_policy.secrets import baseline as secrets

    settings = SettingsResolver().for_path(root / "pyproject.toml")
    path = secrets.location(settings)
    if path.exists() and not add:
        return ""
    if path.exists():
        return f"{secrets.update(settings)} secret(s) accepted in {path.name}"
    from ml_policy.apply.atomic import write_atomic

    text, accepted = secrets.create(settings)
    write_atomic(path, text.encode("utf-8"), root)
    review = " (review them)" if accepted else ""
    return f"{accepted} secret(s) accepted in {path.name}{review}"
