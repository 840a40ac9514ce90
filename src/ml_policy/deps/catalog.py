"""Documentation of the MLD rules (`ml-policy rule MLD001`, docs/rules/MLD00x.md).

The `invalid` and `valid` examples are requirements files (MLD005: also one
line each) and are run through the checker by tests/test_deps_catalog.py.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

from ml_policy.catalog import RuleInfo
from ml_policy.deps.packages import DATA_FILE, default_groups

_MANIFESTS = """\
Manifests read: requirements*.txt / *.in, dev-requirements.txt style names,
constraints*.txt and any .txt/.in in a `requirements/` folder (with `-r`/`-c`
includes followed relative to the
including file, continuations, markers, `--hash`, extras, `name @ url`,
`-e`), pyproject.toml (PEP 621 `dependencies` and `optional-dependencies`,
PEP 735 `dependency-groups`, Poetry `dependencies`, `dev-dependencies` and
groups, uv `dev-dependencies`, `constraint-dependencies` and
`override-dependencies`), setup.cfg (`install_requires`, `extras_require`),
literal lists given to `setup()` in setup.py, and conda environment*.yml
(conda match specs and the `pip:` list). A line that is not a valid
requirement is reported as MLE001 at that line; the rest is still checked."""


def _package_list() -> str:
    """The default ML packages by group, as the data file lists them (one source of truth)."""
    lines = [
        "The default ML packages, by group (the reason each one's version matters",
        f"is given beside it in `ml_policy/deps/{DATA_FILE}`):",
        "",
    ]
    for group, entries in default_groups().items():
        item = f"- {group}: {', '.join(entries)}"
        lines.append(textwrap.fill(item, width=75, subsequent_indent="  ", break_on_hyphens=False))
    return "\n".join(lines)


MLD001 = RuleInfo(
    code="MLD001",
    name="unpinned-ml-dependency",
    summary="ML package declared without an exact version pin",
    doc=f"""\
## What it does
Checks that every ML package (the default list at the end of this section;
extend it with `ml-packages` in `[tool.ml-policy]`; names are compared PEP
503-normalised, and the conda name `pytorch` is torch) is pinned.

In `app` mode (the default) a pin is `==V` (a local label such as
`+cu121` is fine) or `===V`, a file URL with a hash (`#sha256=` or
`--hash`), a VCS URL at a full 40-character commit, or a conda spec with
the full version (`pytorch=2.1.0`, `pytorch==2.1`, `pytorch=2.1.0=build`).
`==2.*`, `~=2.1`, a bare conda `pytorch=2.1` (a prefix match), a branch or
tag, and `!=` alone are not pins. With `pin = "bounded"` a range with an
upper bound is enough. An exact pin in a `-c` constraints file (or in uv's
`constraint-dependencies`) covers the same package in the file that
includes it. A package the always-installed dependencies declare is
reported there once, not again where an extra or group repeats it without
a version (`transformers[vision]` beside `transformers>=5,<6`).

A lock file (uv.lock, poetry.lock, pdm.lock, Pipfile.lock, pixi.lock,
conda-lock.yml, pylock.toml) that git tracks in the manifest's folder or
above (outside every git repository: one on disk) covers ranges in
pyproject.toml; pixi.lock and conda-lock files also cover conda
environment files. Requirements files are never
covered by a lock file: pip does not read one.

In `library` mode the published metadata (`[project]` dependencies and
optional dependencies, Poetry's main dependencies, setup.cfg and setup.py
`install_requires` and extras) only needs some version bound; exact pins
there are MLD002. Everything else (requirements files, dependency groups,
conda environments) is held to the `app` rules.

{_MANIFESTS}

{_package_list()}

## Why is this bad?
A new torch, numpy or transformers release changes kernels, numerics,
defaults and file formats. Without a pin, every fresh environment resolves
the newest release: last month's training run cannot be reproduced, a
saved model stops loading, and CI breaks on a day nobody changed anything.

## Example
```text
torch>=2.1
transformers
timm @ git+https://github.com/huggingface/pytorch-image-models@main
```

## Use instead
```text
torch==2.5.1+cu121
transformers==4.46.3
timm @ git+https://github.com/huggingface/pytorch-image-models@<full 40-character commit>
```
or keep ranges in pyproject.toml and commit the lock file (`uv lock`).

## References
- [pip: Repeatable installs](https://pip.pypa.io/en/stable/topics/repeatable-installs/)
- [PEP 440: Version specifiers](https://peps.python.org/pep-0440/#version-specifiers)
- [uv: Locking and syncing](https://docs.astral.sh/uv/concepts/projects/sync/)""",
    invalid=("torch>=2.1\n", "numpy\n", "jax==0.4.*\n"),
    valid=("torch==2.5.1+cu121\n", "numpy===1.26.4\n", "requests\n"),
)

MLD002 = RuleInfo(
    code="MLD002",
    name="overpinned-library-dependency",
    summary="library pins an ML package exactly in its published dependencies",
    doc="""\
## What it does
In `library` mode (`[tool.ml-policy.deps] mode = "library"`), checks the
published metadata - `[project]` dependencies and optional dependencies,
Poetry's main dependencies, setup.cfg and setup.py `install_requires` and
extras - for `==` or `===` pins of ML packages.

## Why is this bad?
Whatever a library pins, every project that installs it must use. Two
libraries that pin different torch releases cannot be installed together,
and users cannot take a security or CUDA fix until the library releases
again. Libraries declare the range they support; applications and lock
files pin.

## Example
```toml
[project]
dependencies = ["torch==2.5.1"]

[tool.ml-policy.deps]
mode = "library"
```

## Use instead
```toml
[project]
dependencies = ["torch>=2.3"]
```

## References
- [Python Packaging User Guide: install_requires vs requirements files](https://packaging.python.org/en/latest/discussions/install-requires-vs-requirements/)""",
    example_language="toml",
    invalid=(
        '[project]\nname = "lib"\ndependencies = ["torch==2.5.1"]\n\n'
        '[tool.ml-policy.deps]\nmode = "library"\n',
    ),
    valid=(
        '[project]\nname = "lib"\ndependencies = ["torch>=2.3"]\n\n'
        '[tool.ml-policy.deps]\nmode = "library"\n',
    ),
)

MLD003 = RuleInfo(
    code="MLD003",
    name="missing-lock-file",
    summary="pyproject.toml declares ranges and git tracks no lock file",
    doc="""\
## What it does
In `app` mode, reports a pyproject.toml whose dependencies (of any package,
in any section) are ranges when git tracks no lock file (uv.lock,
poetry.lock, pdm.lock, Pipfile.lock, pixi.lock, conda-lock.yml,
*.conda-lock.yml, pylock.toml, pylock.*.toml) in its folder or a folder
above it, up to the repository root. Reported once per file, at the first
range, as a **warning**: MLD001 already reports each ML package as an
error; this finding is about the rest of the dependency tree.

A lock file that exists but is not tracked by git does not count: CI and
colleagues install from what is committed. Outside every git repository
(an unpacked sdist) a lock file on disk counts: there is nothing tracked to
go by.

## Why is this bad?
Ranges say what works; only a lock file says what was installed. Without
one, each install resolves the whole tree again, including the transitive
dependencies of torch and transformers, and two machines end up with
different environments.

## Example
```toml
[project]
dependencies = ["requests>=2.31"]
# ... and no uv.lock committed
```

## Use instead
Run `uv lock` (or `poetry lock`, `pdm lock`) and commit the lock file, or
set `mode = "library"` for a published library.

## References
- [uv: The lockfile](https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile)
- [PEP 751: A file format to record Python dependencies (pylock.toml)](https://peps.python.org/pep-0751/)""",
    example_language="toml",
    invalid=('[project]\nname = "app"\ndependencies = ["requests>=2.31"]\n',),
    valid=('[project]\nname = "app"\ndependencies = ["requests==2.32.3"]\n',),
)

MLD004 = RuleInfo(
    code="MLD004",
    name="extra-index-url",
    summary="installer mixes package indexes (--extra-index-url, unsafe-best-match)",
    doc="""\
## What it does
Reports `--extra-index-url` in requirements files, conda `pip:` lists and
install commands (Dockerfiles, scripts, workflows, notebooks, including
`PIP_EXTRA_INDEX_URL`/`UV_EXTRA_INDEX_URL` where the command scanner reports
them), uv's `extra-index-url` setting in `[tool.uv]` / `[tool.uv.pip]`, and
`index-strategy = "unsafe-best-match"` (setting or `--index-strategy`).
`[[tool.uv.index]]` entries are fine: uv's default strategy takes each
package from the first index that has it.

## Why is this bad?
With an extra index, pip looks for every package on every index and
installs the highest version it finds. Anyone who registers a package name
from your private or vendor index on PyPI with a higher version wins: in
December 2022 a malicious `torchtriton` on PyPI was installed by everyone
who installed PyTorch nightly with `--extra-index-url`.

## Example
```text
--extra-index-url https://download.pytorch.org/whl/cu121
torch==2.5.1+cu121
```

## Use instead
```text
--index-url https://download.pytorch.org/whl/cu121
torch==2.5.1+cu121
```
With uv, declare the index with `explicit = true` and map packages to it in
`[tool.uv.sources]`.

## References
- [PyTorch: Compromised PyTorch-nightly dependency chain (Dec 2022)](https://pytorch.org/blog/compromised-nightly-dependency/)
- [uv: Index strategy](https://docs.astral.sh/uv/concepts/indexes/#searching-across-multiple-indexes)""",
    invalid=("--extra-index-url https://download.pytorch.org/whl/cu121\ntorch==2.5.1\n",),
    valid=("--index-url https://download.pytorch.org/whl/cu121\ntorch==2.5.1\n",),
)

MLD005 = RuleInfo(
    code="MLD005",
    name="torch-family-mismatch",
    summary="torch, torchvision and torchaudio pinned to releases not made together",
    doc="""\
## What it does
Where one manifest (with its includes) or one install-command file pins
torch and torchvision or torchaudio exactly, checks that the companion
release was built for that torch release, and that their local labels
(`+cu121`, `+cpu`) agree when both have one. The release table ships with
ml-policy as data (`ml_policy/deps/torch_family.toml`), read from the
`Requires-Dist: torch==X` of each release on PyPI. Versions missing from
the table, and manifests that pin torch to several versions (per platform
markers), are not checked.

To extend the table, add `"<release>" = "<torch release>"` under
`[torchvision]` or `[torchaudio]`, record the wheel's `Requires-Dist` line
in tests/fixtures/deps/torch_family_pypi.json, and run the tests.

## Why is this bad?
torchvision and torchaudio ship compiled operators linked against one torch
release. A mismatched pair either cannot be resolved at all, makes the
installer silently swap torch for another release, or fails at import
(`operator torchvision::nms does not exist`). Different CUDA labels load
two CUDA runtimes or fail outright.

## Example
```text
torch==2.2.0
torchvision==0.16.0
```

## Use instead
```text
torch==2.2.0
torchvision==0.17.0
```

## References
- [PyTorch: Previous versions (matching releases)](https://pytorch.org/get-started/previous-versions/)
- [torchvision: installation and compatibility](https://github.com/pytorch/vision#installation)""",
    invalid=(
        "torch==2.2.0\ntorchvision==0.16.0\n",
        "torch==2.1.0+cu121\ntorchaudio==2.1.0+cu118\n",
    ),
    valid=("torch==2.2.0\ntorchvision==0.17.0\ntorchaudio==2.2.0\n", "torch==2.2.0\ntorchvision\n"),
)

MLD006 = RuleInfo(
    code="MLD006",
    name="unpinned-install-command",
    summary="install command installs an ML package without an exact version",
    doc="""\
## What it does
Checks `pip install`, `python -m pip install`, `uv pip install`, `uv add`
and `conda`/`mamba`/`micromamba install` in Dockerfile `RUN` lines, shell
scripts, GitHub workflow `run:` steps and notebook `%pip`/`!pip` cells for
ML packages installed without an exact version (`torch==2.5.1`,
`torch===2.5.1`, a VCS URL at a commit, a hashed URL; for conda
`pytorch=2.5.1`, `pytorch==2.5`, `pytorch=2.5.1=build`; a bare
`pytorch=2.5` is a prefix match, not a pin). Arguments that the shell
expands (`$TORCH_VERSION`, `$(...)`, globs) are not checked, and neither
are `-r requirements.txt` installs (the file is checked itself) nor the
arguments of a command given a requirements, constraints or overrides file
(`pip install -c constraints.txt torch`: the file may pin them).

## Why is this bad?
An image or environment built from `pip install torch` depends on the day
it was built: rebuilding the same Dockerfile next month yields another
torch, other numerics, perhaps a broken CUDA combination.

## Example
```dockerfile
RUN pip install torch torchvision
```

## Use instead
```dockerfile
RUN pip install torch==2.5.1 torchvision==0.20.1
# or: COPY requirements.txt . && RUN pip install -r requirements.txt
```

## References
- [Docker: Best practices for writing Dockerfiles](https://docs.docker.com/build/building/best-practices/)
- [pip: Repeatable installs](https://pip.pypa.io/en/stable/topics/repeatable-installs/)""",
    example_language="dockerfile",
    invalid=("RUN pip install torch torchvision\n", "RUN conda install -y pytorch=2.1\n"),
    valid=("RUN pip install torch==2.5.1 torchvision==0.20.1\n", "RUN pip install $TORCH\n"),
)

_SUPPRESSION = """\
To accept one finding, write `# noqa: {code}` (or a bare `# noqa`, which
accepts every code) in a comment on the line it is reported at, as in Ruff.
This works in requirements files, pyproject.toml, setup.cfg, setup.py,
conda environments, Dockerfile `RUN` commands, shell scripts, workflow
`run:` scripts and notebook cells, each read with its own comment syntax (a
`#` inside a quoted string or a URL is not a comment). For a command or
requirement continued with backslashes, the comment goes at the end of its
last line. Details: docs/suppression.md."""


def _with_suppression(rule: RuleInfo) -> RuleInfo:
    """The rule with how to suppress one finding, at the end of its "What it does"."""
    paragraph = _SUPPRESSION.format(code=rule.code)
    why = "\n## Why is this bad?"
    return replace(rule, doc=rule.doc.replace(why, f"\n{paragraph}\n{why}", 1))


RULES: tuple[RuleInfo, ...] = tuple(
    _with_suppression(rule) for rule in (MLD001, MLD002, MLD003, MLD004, MLD005, MLD006)
)
