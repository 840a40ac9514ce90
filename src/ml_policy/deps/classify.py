"""Classify a version constraint as exact, bounded, lower-only or unpinned.

PEP 440 specifiers are read with `packaging`; Poetry and conda constraints are
split into their operators here and each version is still parsed by
`packaging`. A constraint we cannot read is UNKNOWN, and the rules say nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from packaging.requirements import Requirement as Pep508
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from ml_policy.deps.commits import is_commit
from ml_policy.deps.model import Pin

VCS_SCHEMES = ("git+", "hg+", "svn+", "bzr+")
HASH_NAMES = ("sha256", "sha384", "sha512")
# Strength order for folding: a union is as weak as its weakest alternative.
_STRENGTH = {Pin.UNPINNED: 0, Pin.LOWER: 1, Pin.BOUNDED: 2, Pin.EXACT: 3}


@dataclass(frozen=True)
class Classified:
    """A pin class, the exact version when there is one, and what to say about it."""

    pin: Pin
    version: str | None = None
    detail: str = ""


UNKNOWN = Classified(Pin.UNKNOWN)


@dataclass(frozen=True)
class _Bounds:
    exact: str | None = None
    lower: bool = False
    upper: bool = False

    def classify(self) -> Classified:
        if self.exact is not None:
            return Classified(Pin.EXACT, self.exact)
        if self.upper:
            return Classified(Pin.BOUNDED)
        return Classified(Pin.LOWER if self.lower else Pin.UNPINNED)

    def __and__(self, other: _Bounds) -> _Bounds:
        return _Bounds(
            self.exact or other.exact, self.lower or other.lower, self.upper or other.upper
        )


# --- PEP 508 / PEP 440 -----------------------------------------------------------


def classify_specifiers(specifiers: SpecifierSet) -> Classified:
    """`==2.1.0` exact, `==2.*` / `~=2.1` / `<3` bounded, `>=2` lower-only, `!=2` unpinned."""
    bounds = _Bounds()
    for spec in specifiers:
        bounds = bounds & _pep440_bounds(spec)
    return bounds.classify()


def _pep440_bounds(spec: Specifier) -> _Bounds:
    operator, version = spec.operator, spec.version
    if operator == "===" or (operator == "==" and not version.endswith(".*")):
        return _Bounds(exact=version)
    if operator in ("==", "~=", "<", "<="):  # == here is a prefix match like ==2.*
        return _Bounds(lower=operator in ("==", "~="), upper=True)
    return _Bounds(lower=operator in (">", ">="))


def classify_pep508(requirement: Pep508, hashed: bool = False) -> Classified:
    """Classify a parsed requirement; `hashed` when the file gives it a --hash."""
    if requirement.url:
        return classify_url(requirement.url, hashed)
    found = classify_specifiers(requirement.specifier)
    if found.pin is Pin.UNPINNED and not requirement.specifier:
        return Classified(Pin.UNPINNED, detail="no version")
    return found


def classify_url(url: str, hashed: bool = False) -> Classified:
    """A VCS URL is exact at a full commit hash; a file URL is exact with a hash."""
    if url.startswith(VCS_SCHEMES):
        ref = vcs_ref(url)
        if ref is not None and is_commit(ref):
            return Classified(Pin.EXACT, detail=f"commit {ref}")
        what = f"`@{ref}`, a branch or tag that can move" if ref else "no commit"
        return Classified(Pin.UNPINNED, detail=f"a VCS URL at {what}")
    if hashed or url_hash(url):
        return Classified(Pin.EXACT, detail="a hashed URL")
    return Classified(Pin.UNPINNED, detail="a URL without a hash")


def vcs_ref(url: str) -> str | None:
    """The revision after the last `@` of a VCS URL's path (`git+https://h/r.git@v1.0`)."""
    path = urlsplit(url.split("+", 1)[1]).path
    _, at, ref = path.rpartition("@")
    return ref if at and ref else None


def url_hash(url: str) -> bool:
    """Whether a URL carries `#sha256=...` (or sha384/sha512) as pip checks it."""
    fragment = parse_qs(urlsplit(url).fragment)
    return any(fragment.get(name) for name in HASH_NAMES)


# --- Poetry ------------------------------------------------------------------------


def classify_poetry(constraint: str) -> Classified:
    """Poetry's syntax: `2.1.0` (exact), `^2.1`, `~2.1`, `*`, `>=2,<3`, `>=2 <3`, `a || b`."""
    alternatives = [_poetry_conjunction(part) for part in constraint.split("||")]
    if any(found is None for found in alternatives):
        return UNKNOWN
    return _weakest([found for found in alternatives if found is not None])


def _poetry_conjunction(text: str) -> Classified | None:
    bounds = _Bounds()
    for atom in _poetry_atoms(text):
        found = _poetry_atom(atom)
        if found is None:
            return None
        bounds = bounds & found
    return bounds.classify()


def _poetry_atoms(text: str) -> list[str]:
    """Split on commas and spaces, keeping `>= 2.1` (operator, space, version) together."""
    atoms: list[str] = []
    pending = ""
    for token in text.replace(",", " ").split():
        if token.strip("<>=!~^") == "":  # an operator on its own: joins the next token
            pending += token
            continue
        atoms.append(pending + token)
        pending = ""
    return atoms if not pending else [*atoms, pending]


def _poetry_atom(atom: str) -> _Bounds | None:
    if atom == "*":
        return _Bounds()
    if atom.startswith(("^", "~")) and not atom.startswith("~="):
        return _Bounds(lower=True, upper=True) if _version(atom[1:]) else None
    if atom[0].isdigit():  # a bare version is exact in Poetry; 2.1.* is a prefix
        atom = f"=={atom}"
    elif atom.startswith("=") and not atom.startswith("=="):
        atom = f"={atom}"
    try:
        return _pep440_bounds(Specifier(atom))
    except InvalidSpecifier:
        return None


# --- conda ---------------------------------------------------------------------------


def classify_conda(version: str, build: str = "") -> Classified:
    """A conda version constraint: `1.2.3` / `==1.2` exact, `1.2` or `1.2.*` a prefix (bounded).

    A bare or `=`-prefixed version is a prefix match in conda (`=1.2` takes
    1.2.7); three components or more name one release, which is what people
    mean by a pin, so those count as exact. A build string fixes the version.
    """
    if not version or version == "*":
        return Classified(Pin.UNPINNED, detail="no version")
    alternatives = [_conda_conjunction(part, build) for part in version.split("|")]
    if any(found is None for found in alternatives):
        return UNKNOWN
    return _weakest([found for found in alternatives if found is not None])


def _conda_conjunction(text: str, build: str) -> Classified | None:
    bounds = _Bounds()
    for atom in text.split(","):
        found = _conda_atom(atom.strip(), build)
        if found is None:
            return None
        bounds = bounds & found
    return bounds.classify()


def _conda_atom(atom: str, build: str) -> _Bounds | None:
    if not atom:
        return None
    if atom.startswith("==") or atom[0].isdigit() or (atom[0] == "=" and atom[1:2] != "="):
        return _conda_version(atom.lstrip("="), exact=atom.startswith("==") or bool(build))
    try:
        return _pep440_bounds(Specifier(atom))
    except InvalidSpecifier:
        return None


def _conda_version(text: str, exact: bool) -> _Bounds | None:
    prefix = text.endswith("*")
    parsed = _version(text.rstrip("*").rstrip("."))
    if parsed is None:
        return None
    if not prefix and (exact or len(parsed.release) >= 3):
        return _Bounds(exact=text)
    return _Bounds(lower=True, upper=True)


# --- helpers ---------------------------------------------------------------------------


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _weakest(found: Sequence[Classified]) -> Classified:
    """A union (`a || b`, `a|b`) is as loose as its loosest part; two exact versions are a range."""
    weakest = min(found, key=lambda item: _STRENGTH[item.pin])
    if len(found) > 1 and weakest.pin is Pin.EXACT:
        return Classified(Pin.BOUNDED)
    return weakest
