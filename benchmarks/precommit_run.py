"""The whole pre-commit run: ml-policy's hooks next to the hand-assembled set (issue 14 item 5).

    uv run python benchmarks/precommit_run.py                       # every project, 3 runs
    uv run python benchmarks/precommit_run.py --projects gpytorch --runs 1
    uv run python benchmarks/precommit_run.py --mirror-root /srv/mirrors   # no GitHub
    uv run python benchmarks/precommit_run.py --table benchmarks/results/precommit-run.json

Each project is a published training project's sdist (pinned, sha256-checked,
cached under benchmarks/corpus/.sdists/, git-ignored), unpacked twice into a
fresh git repository (its own .pre-commit-config.yaml removed) and committed:

- A, ml-policy: `ml-policy init` run in the copy, as a team adopts it; the
  ml-policy repository entry it writes then points at this checkout (its HEAD
  commit; uncommitted changes are not seen), as tests/conftest.py's hook_repo does.
- B, hand-assembled: ruff-check and ruff-format (astral-sh/ruff-pre-commit),
  mypy (pre-commit/mirrors-mypy), bandit (PyCQA/bandit), detect-secrets
  (Yelp/detect-secrets, with a baseline `detect-secrets scan` made) and
  check-added-large-files (pre-commit/pre-commit-hooks), with the repository's
  own configuration (bandit: `-c pyproject.toml` / `--ini .bandit` when those hold
  settings). Ruff, mypy, bandit and detect-secrets are pinned to the versions this
  project pins (read from the running environment, that is uv.lock): where the
  upstream repository has no tag for that version (the mirrors lag), the
  mirror's own release commit is made in a local clone ("Mirror: X": the pin in
  pyproject.toml / setup.py bumped), as its bot would.

A project that needs mypy plugins (axolotl: pydantic) gets the same
`additional_dependencies` in both. Each configuration has its own
PRE_COMMIT_HOME (kept between invocations; `--fresh-envs` empties them), and
`pre-commit install-hooks` is timed on its own. An untimed first run then
settles the repository (formatter changes committed), and the timed runs,
interleaved A, B per round, are:

- cold: `pre-commit run --all-files --verbose` with the tools' caches removed
  (.mypy_cache, .ruff_cache, .ml-policy-cache);
- warm: the same again, caches as the cold run left them;
- one file: a comment line (different each round) appended to one module,
  `git add`, `pre-commit run --verbose` on the staged file, caches warm.

Wall time, user+sys CPU of pre-commit and every hook process, and each hook's own
`- duration:` from pre-commit's verbose output; medians over the rounds. Writes
benchmarks/results/precommit-run.json and prints Markdown tables. Needs the
package index for the sdists and the hook environments; the upstream hook
repositories come from GitHub unless given (`--mirror-root`, `--ruff-pre-commit`,
...). Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness

RESULTS = harness.HERE / "results" / "precommit-run.json"
SDISTS = harness.HERE / "corpus" / ".sdists"
WORK = harness.WORK / "precommit-run"
ROOT = harness.HERE.parent
CACHES = (".mypy_cache", ".ruff_cache", ".ml-policy-cache")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


@dataclass(frozen=True)
class Project:
    url: str
    sha256: str
    one_file: str  # the module the one-file commit edits
    mypy_deps: tuple[str, ...] = ()  # what its mypy configuration's plugins need


_FILES = "https://files.pythonhosted.org/packages"
PROJECTS = {
    # .pre-commit-config.yaml, .mypy.ini (pydantic plugin), .bandit, 7 Dockerfiles, 1 notebook
    "axolotl": Project(
        f"{_FILES}/d0/e4/81f04ee0e9cc303a2d3943dbf724a65d572682547ce0f1835a97a1658cb9/"
        "axolotl-0.21.0.tar.gz",
        "8ffe32db155c764775c5cd3864621065d7cbdb07f04ce006dacf543fee2ae257",
        "src/axolotl/train.py",
        ("types-PyYAML", "pydantic>=2.5.3"),
    ),
    # Triton kernels and their training integrations; [tool.ruff]
    "liger-kernel": Project(
        f"{_FILES}/3c/4e/98697a67e4e45f9faad58fe478e5f877137bf7a6ad1068179ff77e9efed6/"
        "liger_kernel-0.8.5.tar.gz",
        "4e8f8f611a8ad735c37c989410d09820bb08881f131851a3967c34baa7889d66",
        "src/liger_kernel/transformers/rms_norm.py",
    ),
    # Gaussian processes on PyTorch; 50 training notebooks under examples/
    "gpytorch": Project(
        f"{_FILES}/23/00/cac3e309b2f66518d937ce4d9fa821f167d9070d004fcb070b1780cd1d94/"
        "gpytorch-1.15.2.tar.gz",
        "380625e93f851b85f772b25c5fb0a6c6d2e3eb2ef667f1e566ab4f95b8775361",
        "gpytorch/models/exact_gp.py",
    ),
}


@dataclass(frozen=True)
class Upstream:
    """A hook repository of the hand-assembled set, and how its tool version is pinned."""

    github: str
    hooks: tuple[str, ...]
    package: str | None  # the distribution pinned to this project's version (None: a tag)
    tag: str  # the tag of that version; {v} is the version
    pin_files: tuple[str, ...] = ()  # where a mirror writes `package==version`


UPSTREAMS = {
    "ruff-pre-commit": Upstream(
        "astral-sh/ruff-pre-commit",
        ("ruff-check", "ruff-format"),
        "ruff",
        "v{v}",
        ("pyproject.toml",),
    ),
    "mirrors-mypy": Upstream(
        "pre-commit/mirrors-mypy", ("mypy",), "mypy", "v{v}", ("setup.py", ".version")
    ),
    "bandit": Upstream("PyCQA/bandit", ("bandit",), "bandit", "{v}"),
    "detect-secrets": Upstream(
        "Yelp/detect-secrets", ("detect-secrets",), "detect-secrets", "v{v}"
    ),
    "pre-commit-hooks": Upstream(
        "pre-commit/pre-commit-hooks", ("check-added-large-files",), None, "v6.0.0"
    ),
}

# Which hand-assembled hook does the work of which ml-policy hook (None: nothing does).
COUNTERPART = {
    "ml-policy-ruff": "ruff-check",
    "ml-policy-ruff-format": "ruff-format",
    "ml-policy-mypy": "mypy",
    "ml-policy-bandit": "bandit",
    "ml-policy-secrets": "detect-secrets",
    "ml-policy-artifacts": "check-added-large-files",
    "ml-policy-lint": None,
    "ml-policy-deps": None,
    "ml-policy-config": None,
    "ml-policy-hadolint": None,
}


@dataclass(frozen=True)
class HookRepo:
    repo: str
    rev: str
    version: str
    note: str = ""


# --- the projects ----------------------------------------------------------------------


def sdist(name: str) -> Path:
    """The project's sdist, downloaded once and checked against its pinned sha256."""
    project = PROJECTS[name]
    archive = SDISTS / project.url.rsplit("/", 1)[1]
    if not archive.is_file() or _sha256(archive) != project.sha256:
        SDISTS.mkdir(parents=True, exist_ok=True)
        harness.say(f"downloading {archive.name} ...")
        with urllib.request.urlopen(project.url, timeout=300) as response:  # noqa: S310 (pinned https URL)
            archive.write_bytes(response.read())
    if _sha256(archive) != project.sha256:
        raise SystemExit(f"{archive}: sha256 differs from the pinned one")
    return archive


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unpacked(name: str) -> Path:
    folder = WORK / "unpacked" / name
    if not (folder / ".unpacked").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        tar = ["tar", "xzf", str(sdist(name)), "-C", str(folder), "--strip-components=1"]
        subprocess.run([*tar, "--no-same-owner"], check=True)
        (folder / ".unpacked").write_text("")
    return folder


def fresh_repository(name: str, config: str) -> Path:
    """The sdist as a new git repository, without its own pre-commit configuration."""
    target = WORK / "repos" / f"{name}-{config}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(unpacked(name), target, ignore=shutil.ignore_patterns(".unpacked"))
    (target / ".pre-commit-config.yaml").unlink(missing_ok=True)
    git(target, "init", "-q", "-b", "main")
    # The tools' caches are never committed, whatever the project's .gitignore says.
    (target / ".git" / "info" / "exclude").write_text("\n".join(f"{c}/" for c in CACHES) + "\n")
    commit(target, "import")
    return target


def counts(repo: Path) -> dict[str, int]:
    listed = git(repo, "ls-files", "-z").stdout.split("\0")
    names = [n for n in listed if n]
    docker = re.compile(r"(?i)(^|/)(dockerfile|containerfile)([._-][^/]*)?$|[._-]dockerfile$")
    return {
        "files": len(names),
        "python": sum(n.endswith((".py", ".pyi")) for n in names),
        "notebooks": sum(n.endswith(".ipynb") for n in names),
        "dockerfiles": sum(bool(docker.search(n)) for n in names),
    }


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **GIT_IDENTITY}
    return subprocess.run(
        ["git", *args], cwd=repo, env=environment, capture_output=True, text=True, check=True
    )


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    if git(repo, "status", "--porcelain").stdout.strip():
        git(repo, "commit", "-q", "--no-verify", "-m", message)


# --- the hook repositories ---------------------------------------------------------------


def ml_policy_repo() -> HookRepo:
    """This checkout at its HEAD commit (pre-commit fetches the commit from it)."""
    rev = git(ROOT, "rev-parse", "HEAD").stdout.strip()
    dirty = bool(git(ROOT, "status", "--porcelain", "--untracked-files=no").stdout.strip())
    note = "uncommitted changes not included" if dirty else ""
    return HookRepo(str(ROOT), rev, importlib.metadata.version("ml-policy"), note)


def upstream_repo(name: str, source: str) -> HookRepo:
    """The upstream hook repository at the tag of the version this project pins, or, when
    it has none, a local clone with the mirror's release commit for that version made."""
    upstream = UPSTREAMS[name]
    version = importlib.metadata.version(upstream.package) if upstream.package else ""
    tag = upstream.tag.format(v=version)
    clone = WORK / "hook-repos" / name
    shutil.rmtree(clone, ignore_errors=True)
    clone.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", source, str(clone)], check=True)
    found = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", f"refs/tags/{tag}^{{commit}}"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode == 0:
        return HookRepo(str(clone), found.stdout.strip(), version or tag, f"tag {tag}")
    if not upstream.pin_files or upstream.package is None:
        raise SystemExit(f"{source}: no tag {tag}")
    pin = re.compile(rf"(?<={re.escape(upstream.package)}==)[\w.]+")
    latest = ""
    for relative in upstream.pin_files:
        path = clone / relative
        text = path.read_text()
        if relative == ".version":
            latest, text = text.strip(), version + "\n"
        else:
            latest = latest or (pin.findall(text) or ["?"])[0]
            text = pin.sub(version, text)
        path.write_text(text)
    git(clone, "commit", "-q", "-am", f"Mirror: {version}")
    rev = git(clone, "rev-parse", "HEAD").stdout.strip()
    return HookRepo(str(clone), rev, version, f"no tag {tag}: local mirror commit on {latest}")


# --- the two configurations ----------------------------------------------------------------


def configure_ml_policy(repo: Path, hooks: HookRepo, project: Project) -> None:
    """`ml-policy init`, then its repository entry pointed at this checkout."""
    ml_policy = harness.project_tool("ml-policy") or "ml-policy"
    done = subprocess.run(
        [ml_policy, "init"],
        cwd=repo,
        env=harness.tool_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    # 1: written, with conflicts left as the repository had them (axolotl's .mypy.ini
    # keeps the bundle's mypy settings out unless --migrate); the '!' lines say which.
    if done.returncode not in (0, 1):
        raise SystemExit(f"ml-policy init in {repo}: {done.returncode}\n{done.stderr}")
    config = repo / ".pre-commit-config.yaml"
    text = config.read_text()
    entry = re.compile(r"(?m)^(\s*-?\s*repo:\s*)https://github\.com/ml-policy/ml-policy\s*$")
    if not entry.search(text):
        raise SystemExit(f"{config}: no ml-policy repository entry:\n{text}")
    text = entry.sub(lambda m: m.group(1) + hooks.repo, text)
    text, found = re.subn(
        rf"(?m)^(.*repo:\s*{re.escape(hooks.repo)}\s*\n\s*rev:\s*)\S+",
        lambda m: m.group(1) + hooks.rev,
        text,
    )
    if found != 1:
        raise SystemExit(f"{config}: no rev: line after the ml-policy repository entry")
    if project.mypy_deps:
        text = re.sub(
            r"(?m)^(\s*)- id: ml-policy-mypy\s*$",
            lambda m: (
                f"{m.group(0)}\n{m.group(1)}  additional_dependencies: "
                + json.dumps(list(project.mypy_deps))
            ),
            text,
        )
    config.write_text(text)
    commit(repo, "ml-policy init")


def configure_by_hand(repo: Path, upstreams: dict[str, HookRepo], project: Project) -> None:
    """The hand-assembled set, each tool with the repository's own configuration."""
    bandit_args: list[str] = []
    pyproject = repo / "pyproject.toml"
    if pyproject.is_file() and re.search(r"(?m)^\[tool\.bandit", pyproject.read_text()):
        bandit_args += ["-c", "pyproject.toml"]
    if (repo / ".bandit").is_file() and "[bandit]" in (repo / ".bandit").read_text():
        bandit_args += ["--ini", ".bandit"]
    options: dict[str, dict[str, Any]] = {
        "mypy": {"additional_dependencies": list(project.mypy_deps)} if project.mypy_deps else {},
        "bandit": {"args": bandit_args} if bandit_args else {},
        "detect-secrets": {
            "args": ["--baseline", ".secrets.baseline"],
            "exclude": r"(^|/)\.secrets\.baseline$",
        },
    }
    repos = []
    for name, upstream in UPSTREAMS.items():
        hooks = [{"id": hook, **options.get(hook, {})} for hook in upstream.hooks]
        repos.append({"repo": upstreams[name].repo, "rev": upstreams[name].rev, "hooks": hooks})
    # JSON is YAML.
    (repo / ".pre-commit-config.yaml").write_text(json.dumps({"repos": repos}, indent=2) + "\n")
    # The baseline a team makes when it adopts detect-secrets (the pinned detect-secrets).
    scan = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan"],
        cwd=repo,
        env=harness.tool_environment(),
        capture_output=True,
        check=True,
    )
    (repo / ".secrets.baseline").write_bytes(scan.stdout)
    commit(repo, "hand-assembled pre-commit configuration")


# --- running pre-commit -------------------------------------------------------------------


@dataclass
class Timing:
    wall_s: float
    cpu_s: float
    load_1min: float
    returncode: int
    hooks: dict[str, float] = field(default_factory=dict)  # hook id -> its duration

    def as_json(self) -> dict[str, Any]:
        return {
            "wall_s": round(self.wall_s, 2),
            "cpu_s": round(self.cpu_s, 2),
            "load_1min": round(self.load_1min, 2),
            "returncode": self.returncode,
            "hooks": {k: round(v, 2) for k, v in self.hooks.items()},
        }


def pre_commit_environment(home: Path) -> dict[str, str]:
    environment = harness.tool_environment(
        {"PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", **GIT_IDENTITY}
    )
    environment.pop("VIRTUAL_ENV", None)  # `uv run`'s: no project environment for mypy
    return environment


def pre_commit(repo: Path, home: Path, *args: str) -> Timing:
    tool = harness.project_tool("pre-commit") or "pre-commit"
    run = harness.run_once([tool, *args], repo, pre_commit_environment(home))
    output = run.stdout.read_text(errors="replace")
    if run.returncode not in (0, 1):
        raise SystemExit(f"pre-commit {' '.join(args)} in {repo}: {run.returncode}\n{output}")
    hooks: dict[str, float] = {}
    hook = None
    for line in output.splitlines():
        if line.startswith("- hook id: "):
            hook = line.removeprefix("- hook id: ").strip()
        elif line.startswith("- duration: ") and hook is not None:
            hooks[hook] = float(line.removeprefix("- duration: ").rstrip("s"))
            hook = None
    return Timing(run.wall_s, run.cpu_s, run.load_1min, run.returncode, hooks)


def remove_caches(repo: Path) -> None:
    for name in CACHES:
        shutil.rmtree(repo / name, ignore_errors=True)


def edit_one_file(repo: Path, relative: str, label: str) -> None:
    path = repo / relative
    with path.open("a") as handle:
        handle.write(f"# edited by precommit_run.py ({label})\n")
    git(repo, "add", relative)


def restore(repo: Path) -> None:
    git(repo, "reset", "-q", "--hard", "HEAD")


# --- the measurement -------------------------------------------------------------------------


@dataclass
class Setup:
    config: str
    repo: Path
    home: Path
    install_s: float
    settle_s: float


def prepare(
    name: str, config: str, hooks: HookRepo, upstreams: dict[str, HookRepo], fresh: bool
) -> Setup:
    project = PROJECTS[name]
    repo = fresh_repository(name, config)
    if config == "A":
        configure_ml_policy(repo, hooks, project)
    else:
        configure_by_hand(repo, upstreams, project)
    home = WORK / f"pre-commit-home-{config}"
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    install = pre_commit(repo, home, "install-hooks")
    if install.returncode != 0:
        raise SystemExit(f"install-hooks failed in {repo}: {install.returncode}")
    # The first run formats what the formatter wants formatted: committed, as a team
    # adopting the configuration does, so the timed runs all see the same files.
    settle = pre_commit(repo, home, "run", "--all-files")
    commit(repo, "formatted by the first pre-commit run")
    return Setup(config, repo, home, install.wall_s, settle.wall_s)


def measure(
    name: str, runs: int, hooks: HookRepo, upstreams: dict[str, HookRepo], fresh: bool
) -> dict[str, Any]:
    project = PROJECTS[name]
    load = os.getloadavg()[0]
    setups = [prepare(name, c, hooks, upstreams, fresh) for c in ("A", "B")]
    timings: dict[str, dict[str, list[Timing]]] = {
        s.config: {"cold": [], "warm": [], "one-file": []} for s in setups
    }
    for round_ in range(runs):
        for setup in setups:
            remove_caches(setup.repo)
            for kind in ("cold", "warm"):
                timing = pre_commit(setup.repo, setup.home, "run", "--all-files", "--verbose")
                timings[setup.config][kind].append(timing)
                _progress(name, setup.config, kind, round_, timing)
            edit_one_file(setup.repo, project.one_file, f"{setup.config} round {round_}")
            timing = pre_commit(setup.repo, setup.home, "run", "--verbose")
            timings[setup.config]["one-file"].append(timing)
            _progress(name, setup.config, "one-file", round_, timing)
            restore(setup.repo)
    return {
        "project": name,
        "date": harness.today(),
        "rounds": runs,
        "load_1min": {"start": round(load, 2), "end": round(os.getloadavg()[0], 2)},
        "sdist": project.url.rsplit("/", 1)[1],
        "one_file": project.one_file,
        **counts(setups[0].repo),
        "configs": {
            s.config: {
                "install_hooks_s": round(s.install_s, 1),
                "first_run_s": round(s.settle_s, 1),
                "hooks": _hook_ids(s.repo),
                **{kind: summary(found) for kind, found in timings[s.config].items()},
            }
            for s in setups
        },
    }


def _hook_ids(repo: Path) -> list[str]:
    return re.findall(
        r"(?m)^\s*-?\s*\"?id\"?:\s*\"?([\w-]+)", (repo / ".pre-commit-config.yaml").read_text()
    )


def summary(found: list[Timing]) -> dict[str, Any]:
    hooks = sorted({hook for t in found for hook in t.hooks})
    return {
        "wall_s": round(statistics.median(t.wall_s for t in found), 2),
        "cpu_s": round(statistics.median(t.cpu_s for t in found), 2),
        "hooks": {
            hook: round(statistics.median(t.hooks.get(hook, 0.0) for t in found), 2)
            for hook in hooks
        },
        "runs": [t.as_json() for t in found],
    }


def _progress(name: str, config: str, kind: str, round_: int, timing: Timing) -> None:
    top = sorted(timing.hooks.items(), key=lambda item: -item[1])[:3]
    hooks = ", ".join(f"{h} {s:.1f}" for h, s in top)
    sys.stderr.write(
        f"{name} {config} {kind} #{round_ + 1}: {timing.wall_s:.1f} s wall, "
        f"{timing.cpu_s:.1f} s CPU, load {timing.load_1min:.2f} ({hooks})\n"
    )


# --- the tables ----------------------------------------------------------------------------------


def table(report: dict[str, Any]) -> str:
    rows = [
        "| project | config | install-hooks s | cold wall s (CPU) | warm wall s (CPU) "
        "| one-file wall s (CPU) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for result in report["projects"]:
        for config, data in result["configs"].items():
            cells = [f"{data[k]['wall_s']:.1f} ({data[k]['cpu_s']:.1f})" for k in KINDS]
            label = "A ml-policy" if config == "A" else "B by hand"
            rows.append(
                f"| {result['project']} | {label} | {data['install_hooks_s']:.0f} | "
                + " | ".join(cells)
                + " |"
            )
    rows += [
        "",
        "Per hook (pre-commit's `- duration:`, median s), A beside its counterpart in B:",
        "",
    ]
    rows += [
        "| project | ml-policy hook | cold | warm | one-file | hand-assembled hook | cold | warm "
        "| one-file |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for result in report["projects"]:
        a, b = result["configs"]["A"], result["configs"]["B"]
        for hook, other in COUNTERPART.items():
            mine = " | ".join(_hook_cell(a[k]["hooks"], hook) for k in KINDS)
            theirs = (
                " | ".join(_hook_cell(b[k]["hooks"], other) for k in KINDS) if other else " |  | "
            )
            rows.append(f"| {result['project']} | {hook} | {mine} | {other or ''} | {theirs} |")
    return "\n".join(rows)


KINDS = ("cold", "warm", "one-file")


def _hook_cell(hooks: dict[str, float], hook: str | None) -> str:
    if hook is None or hook not in hooks:
        return "-"
    return f"{hooks[hook]:.2f}"


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--projects", nargs="+", choices=list(PROJECTS), default=list(PROJECTS))
    parser.add_argument("--runs", type=int, default=3, help="rounds (median taken); default 3")
    parser.add_argument(
        "--mirror-root",
        type=Path,
        help="a folder of git mirrors named OWNER+NAME/repo (astral-sh+ruff-pre-commit/repo, ...)"
        ", used for every upstream repository not given on its own",
    )
    for name, upstream in UPSTREAMS.items():
        parser.add_argument(
            f"--{name}",
            metavar="URL_OR_PATH",
            help=f"where to clone {upstream.github} from (default: GitHub)",
        )
    parser.add_argument(
        "--fresh-envs", action="store_true", help="empty both PRE_COMMIT_HOMEs first"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the output file's other projects, replace only those measured now "
        "(axolotl's detect-secrets takes minutes a run: `--projects axolotl --runs 1 --update`)",
    )
    parser.add_argument("--table", type=Path, help="print the tables of a results file and stop")
    arguments = parser.parse_args()
    if arguments.table:
        harness.say(table(json.loads(arguments.table.read_text())))
        return 0
    upstreams = {}
    for name, upstream in UPSTREAMS.items():
        source = getattr(arguments, name.replace("-", "_"))
        if source is None and arguments.mirror_root is not None:
            source = str(arguments.mirror_root / upstream.github.replace("/", "+") / "repo")
        upstreams[name] = upstream_repo(name, source or f"https://github.com/{upstream.github}")
    hooks = ml_policy_repo()
    report: dict[str, Any] = {
        "date": harness.today(),
        "machine": harness.machine(),
        "load_1min_at_start": round(os.getloadavg()[0], 2),
        "runs": arguments.runs,
        "pre_commit": harness.version_of(
            [harness.project_tool("pre-commit") or "pre-commit", "--version"]
        ),
        "hook_repos": {
            "ml-policy": vars(hooks) | {"repo": "this checkout"},
            **{n: vars(h) | {"repo": UPSTREAMS[n].github} for n, h in upstreams.items()},
        },
        "projects": [],
    }
    if arguments.update and arguments.output.is_file():
        earlier = json.loads(arguments.output.read_text())["projects"]
        report["projects"] = [p for p in earlier if p["project"] not in arguments.projects]
    for name in arguments.projects:
        report["projects"].append(
            measure(name, arguments.runs, hooks, upstreams, arguments.fresh_envs)
        )
        harness.write_json(arguments.output, report)
    report["load_1min_at_end"] = round(os.getloadavg()[0], 2)
    harness.write_json(arguments.output, report)
    return harness.finish(table(report), arguments.output)


if __name__ == "__main__":
    sys.exit(main())
