"""The MLD rules: classified requirements and index settings in, Diagnostics out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from ml_policy.config import Settings
from ml_policy.deps.conda import parse_match_spec
from ml_policy.deps.model import IndexSetting, Kind, Manifest, Pin, Position, Requirement
from ml_policy.deps.torch_family import COMPANIONS, load_table, local_label
from ml_policy.diagnostics import Diagnostic, Severity
from ml_policy.redact import has_credential

LOCK_COMMANDS = "uv lock, poetry lock or pdm lock"
EXTRA_INDEX_OPTIONS = ("--extra-index-url", "extra-index-url")


@dataclass(frozen=True)
class Policy:
    """What a manifest is held to: its settings, the ML package names, a lock file if tracked."""

    settings: Settings
    ml_packages: frozenset[str]
    lock: Path | None = None

    @property
    def library(self) -> bool:
        return self.settings.deps.mode == "library"

    @property
    def bounded_ok(self) -> bool:
        return self.settings.deps.pin == "bounded"


def manifest_diagnostics(manifest: Manifest, policy: Policy) -> list[Diagnostic]:
    """MLE001 for unreadable lines, then MLD001-MLD005 for one manifest."""
    found = [
        parse_error(error.path, error.message, error.line, error.column)
        for error in manifest.errors
    ]
    coverage = Coverage.of(manifest.requirements)
    for requirement in manifest.requirements:
        diagnostic = pin_diagnostic(requirement, policy, coverage)
        if diagnostic is not None:
            found.append(diagnostic)
    missing_lock = missing_lock_diagnostic(manifest, policy)
    found += [missing_lock] if missing_lock is not None else []
    found += [index_diagnostic(setting) for setting in manifest.index_settings]
    found += torch_family_diagnostics(manifest.requirements)
    return found


def parse_error(
    path: Path, message: str, line: int, column: int, cell: int | None = None
) -> Diagnostic:
    return Diagnostic("MLE001", message, path, max(line, 1), max(column, 1), cell=cell)


def _at(
    code: str, message: str, where: Position, severity: Severity = Severity.ERROR
) -> Diagnostic:
    return Diagnostic(
        code,
        message,
        where.path,
        where.line,
        where.column,
        where.line,
        where.end_column,
        severity=severity,
        cell=where.cell,
    )


# --- MLD001 / MLD002 ---------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Packages whose version another requirement of the same manifest already fixes.

    An exact pin in a constraints file, a uv constraint list, or a part that is
    always installed (a requirements file, `[project] dependencies`) binds every
    other mention of the package: `transformers[vision]` in an extra beside
    `transformers==4.46.3` installs 4.46.3.
    """

    pinned: frozenset[str]
    bounded_published: frozenset[str]
    base: frozenset[str]  # always installed: an unpinned mention elsewhere gets that version

    @classmethod
    def of(cls, requirements: Sequence[Requirement]) -> Coverage:
        pinned = {r.name for r in requirements if r.pin is Pin.EXACT and (r.constraint or r.base)}
        bounded = {
            r.name
            for r in requirements
            if r.base and r.published and r.pin in (Pin.EXACT, Pin.BOUNDED, Pin.LOWER)
        }
        base = {r.name for r in requirements if r.base}
        return cls(frozenset(pinned), frozenset(bounded), frozenset(base))


def pin_diagnostic(
    requirement: Requirement, policy: Policy, coverage: Coverage
) -> Diagnostic | None:
    if requirement.name not in policy.ml_packages or requirement.pin is Pin.UNKNOWN:
        return None
    if policy.library and requirement.published:
        if requirement.name in coverage.bounded_published and requirement.pin is Pin.UNPINNED:
            return None  # the base dependencies bound it
        return _library_diagnostic(requirement)
    if requirement.pin is Pin.EXACT or (policy.bounded_ok and requirement.pin is Pin.BOUNDED):
        return None
    if requirement.name in coverage.pinned:
        return None  # pinned by a constraint or by the always-installed dependencies
    if (
        not policy.library
        and requirement.pin is Pin.UNPINNED
        and not requirement.base
        and requirement.name in coverage.base
    ):
        # `transformers[vision]` in an extra beside `transformers>=5,<6`: the always-installed
        # requirement decides the version, and its own finding says what is loose about it
        # (a library's base range is accepted, so there this mention keeps its finding).
        return None
    if requirement.lockable and policy.lock is not None:
        return None
    return _at("MLD001", unpinned_message(requirement, policy), requirement.position)


def _library_diagnostic(requirement: Requirement) -> Diagnostic | None:
    if requirement.pin is Pin.EXACT and requirement.version is not None:
        message = (
            f"`{requirement.text}` pins {requirement.name} exactly in the published "
            f"{requirement.section} of a library: every project that installs it is forced "
            f"onto that one release and cannot resolve beside any other pin; declare the "
            f"range you support ({requirement.name}>={_short(requirement.version)}) and pin "
            f"exact versions in the lock file or the applications that use it"
        )
        return _at("MLD002", message, requirement.position)
    if requirement.pin is Pin.UNPINNED:
        message = (
            f"`{requirement.text}` declares {requirement.name} in the published "
            f"{requirement.section} without any version bound: users get whatever release "
            f"is newest, including ones this library was never tested with; declare the "
            f"oldest release you support ({requirement.name}>=X.Y)"
        )
        return _at("MLD001", message, requirement.position)
    return None


def unpinned_message(requirement: Requirement, policy: Policy) -> str:
    name, what = requirement.name, _what(requirement)
    why = (
        f"each install can resolve a different {name}, so training runs, results and "
        f"saved models are not reproducible"
    )
    return (
        f"`{requirement.text}` in {requirement.section}: {what}; {why}; {_fix(requirement, policy)}"
    )


def _what(requirement: Requirement) -> str:
    if requirement.detail and requirement.detail != "no version":
        return f"{requirement.name} comes from {requirement.detail}"
    names = {
        Pin.UNPINNED: "has no version pin",
        Pin.LOWER: "has only a lower bound",
        Pin.BOUNDED: "is a range, not an exact pin",
    }
    return f"{requirement.name} {names.get(requirement.pin, 'is not pinned')}"


def _fix(requirement: Requirement, policy: Policy) -> str:
    name = requirement.name
    if "VCS" in requirement.detail or "git dependency" in requirement.detail:
        return "pin the full 40-character commit hash instead of a branch or tag"
    if "URL" in requirement.detail:
        return "add the file's hash (#sha256=... on the URL, or --hash=sha256:...)"
    if requirement.kind is Kind.CONDA and requirement.section == "conda dependencies":
        conda_name = _conda_name(requirement.text)
        return f"pin the full version ({conda_name}=X.Y.Z) or commit a conda-lock file"
    if requirement.section.startswith("[tool.poetry"):
        return f'pin an exact version ({name} = "X.Y.Z") or commit poetry.lock'
    exact = f"pin an exact version ({name}==X.Y.Z)"
    if requirement.kind is Kind.PYPROJECT:
        return f"{exact} or commit a lock file ({LOCK_COMMANDS})"
    if requirement.kind is Kind.REQUIREMENTS:
        return f"{exact}, e.g. with `uv pip compile` or pip-compile"
    if requirement.kind in (Kind.SETUP_CFG, Kind.SETUP_PY) and not policy.library:
        return f'{exact}, or set [tool.ml-policy.deps] mode = "library" for a published library'
    return exact


def _conda_name(spec: str) -> str:
    """The package name as written in a conda spec (`conda-forge::pytorch=2.1` -> `pytorch`)."""
    parsed = parse_match_spec(spec)
    return parsed[0] if parsed is not None else spec


def _short(version: str) -> str:
    release = Version(version).release
    return ".".join(str(part) for part in release[:2])


# --- MLD003 -----------------------------------------------------------------------------


def missing_lock_diagnostic(manifest: Manifest, policy: Policy) -> Diagnostic | None:
    """One finding per pyproject.toml with version ranges and no tracked lock file (app mode)."""
    if manifest.kind is not Kind.PYPROJECT or policy.library or policy.lock is not None:
        return None
    ranges = [
        r
        for r in manifest.requirements
        if not r.constraint and r.pin in (Pin.BOUNDED, Pin.LOWER, Pin.UNPINNED)
    ]
    if not ranges:
        return None
    first = ranges[0]
    message = (
        f"{manifest.path.name} declares version ranges (`{first.text}` here, {len(ranges)} in "
        f"all) and git tracks no lock file in its folder or above: every install resolves "
        f"anew and gets different versions of the whole dependency tree; commit a lock file "
        f'({LOCK_COMMANDS}), or set [tool.ml-policy.deps] mode = "library" if this is a '
        f"published library"
    )
    return _at("MLD003", message, first.position, Severity.WARNING)


# --- MLD004 -----------------------------------------------------------------------------


def index_diagnostic(setting: IndexSetting) -> Diagnostic:
    if setting.option in EXTRA_INDEX_OPTIONS:
        message = (
            f"`{setting.option} {setting.value}` makes pip (and uv's pip interface) look for "
            f"every package on this index and on PyPI and take the highest version from either: "
            f"anyone who uploads a package of the same name to the other index wins (the 2022 "
            f"torchtriton dependency-confusion attack); use --index-url for the one index that "
            f"should serve these packages (with uv: an [[tool.uv.index]] with explicit = true "
            f"and [tool.uv.sources])"
        )
        if has_credential(setting.value):
            message += (
                "; the URL also holds a credential, in a committed file: revoke it, and give "
                "the index its credentials through the environment (PIP_INDEX_URL, "
                "UV_INDEX_<NAME>_PASSWORD), a netrc file or keyring instead"
            )
    else:
        message = (
            f'index-strategy = "{setting.value}" lets uv take a package from whichever index '
            f"has the highest version, the dependency-confusion hole that uv closes by default; "
            f"remove it (the default, first-index, is safe) and map packages to their index "
            f"with [tool.uv.sources]"
        )
    return _at("MLD004", message, setting.position)


# --- MLD005 -----------------------------------------------------------------------------


def torch_family_diagnostics(requirements: Sequence[Requirement]) -> list[Diagnostic]:
    """Companions pinned to releases built for another torch, or for another CUDA/CPU label."""
    pins = [r for r in requirements if r.pin is Pin.EXACT and r.version is not None]
    torch_pins = {r.version for r in pins if r.name == "torch"}
    if len(torch_pins) != 1:
        return []  # no torch pin, or several (per platform): nothing one-to-one to compare
    torch = next(r for r in pins if r.name == "torch")
    found = []
    for companion in (r for r in pins if r.name in COMPANIONS):
        message = _family_mismatch(torch, companion)
        if message is not None:
            found.append(_at("MLD005", message, companion.position))
    return found


def _family_mismatch(torch: Requirement, companion: Requirement) -> str | None:
    torch_version, companion_version = torch.version or "", companion.version or ""
    where = (
        f"line {torch.position.line}"
        if torch.position.path == companion.position.path
        else str(torch.position.path)
    )
    message = _release_mismatch(torch_version, companion, where)
    if message is not None:
        return message
    torch_label, companion_label = local_label(torch_version), local_label(companion_version)
    if torch_label and companion_label and torch_label != companion_label:
        return (
            f"{companion.name} {companion_version} is a +{companion_label} build but torch "
            f"{torch_version} ({where}) is a +{torch_label} build: binaries for different "
            f"CUDA/CPU variants do not load together; use the same +{torch_label} label"
        )
    return None


def _release_mismatch(torch_version: str, companion: Requirement, where: str) -> str | None:
    table = load_table()
    built_for = table.torch_for(companion.name, companion.version or "")
    if built_for is None or not table.knows_torch(torch_version):
        return None  # a release the table does not know: stay silent
    if Version(Version(torch_version).public) == built_for:
        return None
    matching = table.releases_for(companion.name, torch_version)
    fix = (
        f"pin {companion.name}=={matching[-1]} with torch {torch_version}"
        if matching
        else f"pin the {companion.name} release made for torch {torch_version}"
    )
    return (
        f"{companion.name} {companion.version} was built for torch {built_for}, but torch is "
        f"pinned to {torch_version} ({where}): the pair cannot be installed together, or fails "
        f"at import with missing operators; {fix}"
    )


# --- MLD006 -----------------------------------------------------------------------------


def install_diagnostic(requirement: Requirement, installer: str) -> Diagnostic | None:
    """An install command that installs an ML package without an exact version."""
    if requirement.pin in (Pin.EXACT, Pin.UNKNOWN):
        return None
    if installer == "conda":
        fix = f"pin the full version ({_conda_name(requirement.text)}=X.Y.Z)"
    else:
        fix = (
            f"pin an exact version ({requirement.name}==X.Y.Z) or install from a pinned "
            f"requirements or lock file"
        )
        if "URL" in requirement.detail or "VCS" in requirement.detail:
            fix = "pin a full commit hash or add the file's hash"
    command = "uv add" if installer == "uv-add" else f"{installer.replace('-', ' ')} install"
    message = (
        f"`{command} {requirement.text}`: {_what(requirement)}, so what gets installed "
        f"depends on the day the image or environment is built; {fix}"
    )
    return _at("MLD006", message, requirement.position)
