"""Fetch the benchmark corpus: the Python source of real ML libraries, from PyPI wheels.

    uv run python benchmarks/corpus.py                      # the default packages
    uv run python benchmarks/corpus.py --packages timm      # a small subset
    uv run python benchmarks/corpus.py --packages timm==1.0.30

Each package is downloaded as a wheel (`pip download --no-deps --only-binary
:all:`) into a cache folder, and only its `.py` files are unpacked into
`benchmarks/corpus/<package>-<version>/` (git-ignored). A package whose folder
is already there is not fetched again. Standard library only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
WHEELS = CORPUS / ".wheels"

# Pinned so numbers stay comparable between runs and machines. These are the
# versions DESIGN.md section 8's libcst measurements were taken on (torchvision
# 0.29.2 was out when they were pinned; 0.29.1 keeps the corpus the same).
DEFAULT_PACKAGES = {
    "transformers": "5.23.0",
    "timm": "1.0.31",
    "lightning": "2.6.6",
    "torchvision": "0.29.1",
}


@dataclass(frozen=True)
class Fetched:
    name: str
    version: str
    folder: Path
    files: int
    lines: int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--packages",
        nargs="+",
        metavar="NAME[==VERSION]",
        help="default: " + " ".join(f"{n}=={v}" for n, v in DEFAULT_PACKAGES.items()),
    )
    parser.add_argument("--dest", type=Path, default=CORPUS, help="default: benchmarks/corpus")
    args = parser.parse_args(argv)
    try:
        wanted = [_requirement(spec) for spec in args.packages or DEFAULT_PACKAGES]
    except ValueError as error:
        parser.error(str(error))
    fetched = [fetch(name, version, args.dest) for name, version in wanted]
    _print_table(fetched)
    return 0


def _requirement(spec: str) -> tuple[str, str]:
    name, _, version = spec.partition("==")
    name = name.strip().lower()
    version = version.strip() or DEFAULT_PACKAGES.get(name, "")
    if not version:
        raise ValueError(f"{spec}: give a version (NAME==VERSION) for a package not pinned here")
    return name, version


def fetch(name: str, version: str, dest: Path) -> Fetched:
    """The package's `.py` files under dest/<name>-<version>/, downloading only if absent."""
    folder = dest / f"{name}-{version}"
    if not folder.is_dir():
        wheel = _download(name, version, dest / WHEELS.name)
        _unpack_python(wheel, folder)
    files, lines = count(folder)
    return Fetched(name, version, folder, files, lines)


def _download(name: str, version: str, cache: Path) -> Path:
    found = _cached_wheel(name, version, cache)
    if found is not None:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    sys.stderr.write(f"downloading {name}=={version} ...\n")
    command = [
        *_pip(),
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--dest",
        str(cache),
        f"{name}=={version}",
    ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    found = _cached_wheel(name, version, cache)
    if found is None:
        raise SystemExit(f"corpus: pip downloaded no wheel for {name}=={version} into {cache}")
    return found


def _cached_wheel(name: str, version: str, cache: Path) -> Path | None:
    # Wheel file names normalise the project name to underscores (PEP 427).
    prefix = f"{name.replace('-', '_')}-{version}-"
    wheels = sorted(cache.glob("*.whl")) if cache.is_dir() else []
    return next((w for w in wheels if w.name.lower().startswith(prefix)), None)


def _pip() -> list[str]:
    """A pip to run: `uv run`'s environment has none, the interpreter it was made from does."""
    candidates = [[sys.executable, "-m", "pip"]]
    base = getattr(sys, "_base_executable", None)
    if base and base != sys.executable:
        candidates.append([base, "-m", "pip"])
    candidates += [["pip3"], ["pip"]]
    for candidate in candidates:
        try:
            probe = subprocess.run([*candidate, "--version"], capture_output=True, check=False)
        except OSError:
            continue
        if probe.returncode == 0:
            return candidate
    raise SystemExit(
        "corpus: no pip found (tried this interpreter, its base interpreter, pip3, pip)"
    )


def _unpack_python(wheel: Path, folder: Path) -> None:
    """Extract the wheel's .py files into folder, atomically (a partial folder never counts)."""
    partial = folder.with_name(folder.name + ".partial")
    if partial.exists():
        _remove_tree(partial)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            if member.filename.endswith(".py") and ".." not in Path(member.filename).parts:
                archive.extract(member, partial)
    partial.rename(folder)


def _remove_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    folder.rmdir()


def count(folder: Path) -> tuple[int, int]:
    """Number of .py files under folder and their lines (newline count, as `wc -l`)."""
    files = lines = 0
    for path in folder.rglob("*.py"):
        files += 1
        lines += path.read_bytes().count(b"\n")
    return files, lines


def _print_table(fetched: list[Fetched]) -> None:
    rows = ["| package | version | files | lines |", "|---|---|---:|---:|"]
    rows += [f"| {f.name} | {f.version} | {f.files:,} | {f.lines:,} |" for f in fetched]
    if len(fetched) > 1:
        files = sum(f.files for f in fetched)
        lines = sum(f.lines for f in fetched)
        rows.append(f"| **total** | | {files:,} | {lines:,} |")
    sys.stdout.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    sys.exit(main())
