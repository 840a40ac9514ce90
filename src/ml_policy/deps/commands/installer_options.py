"""How each installer reads its options: the tables from its `--help`, and one option word read.

An option that takes a value swallows the next word (`-r FILE`) unless the
value is attached (`--index-url=URL`, `-iURL`); the index options among them
are reported, and those naming a requirements or constraints file may pin
any package of the command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Options:
    """How an installer reads its arguments."""

    with_value: frozenset[str]  # options that take a value (`-r FILE`, `--index-url=URL`)
    index: frozenset[str] = frozenset()  # the value-taking options to report as IndexOption
    abbreviations: bool = False  # optparse (pip) accepts any unique prefix of a long option
    aliases: Mapping[str, str] = field(default_factory=dict)  # reported by their usual name
    pins: frozenset[str] = frozenset()  # options naming a file that may pin any package


def _options(
    with_value: str,
    index: str = "",
    *,
    abbreviations: bool = False,
    aliases: Mapping[str, str] | None = None,
    pins: str = "",
) -> Options:
    """Options from space-separated lists (as `--help` prints them)."""
    return Options(
        frozenset(with_value.split()),
        frozenset(index.split()),
        abbreviations,
        aliases or {},
        frozenset(pins.split()),
    )


# From `pip install --help` (pip's optparse table), `uv pip install --help`,
# `uv add --help` (uv 0.13, plus its hidden pip-compatible aliases) and conda's
# documentation. Unknown options count as flags: the installer rejects them.
PIP_INDEX = "-i --index-url --extra-index-url -f --find-links"
PIP_GENERAL = (
    "--python --log --log-file --local-log --keyring-provider --proxy --retries --timeout"
    " --default-timeout --exists-action --trusted-host --cert --client-cert --cache-dir"
    " --use-feature --use-deprecated --resume-retries"
)
PIP = _options(
    PIP_GENERAL + " " + PIP_INDEX + " -r --requirement -c --constraint -e --editable -t --target"
    " --platform --python-version --implementation --abi --root --prefix --src --source"
    " --source-dir --source-directory --upgrade-strategy -C --config-settings --global-option"
    " --install-option --build-option --no-binary --only-binary --progress-bar"
    " --root-user-action --report --pypi-url --group --build-constraint --uploaded-prior-to",
    PIP_INDEX + " --pypi-url",
    abbreviations=True,
    aliases={"--pypi-url": "--index-url"},
    pins="-r --requirement -c --constraint",
)
# pip's flags, so that an abbreviation is only resolved when it is unique.
PIP_FLAGS = (  # noqa: SIM905 - one string reads as `pip install --help` does
    "--no-deps --no-dependencies --pre --dry-run --user --no-user --upgrade --force-reinstall"
    " --ignore-installed --ignore-requires-python --no-build-isolation --use-pep517"
    " --no-use-pep517 --check-build-dependencies --break-system-packages --compile"
    " --no-compile --no-warn-script-location --no-warn-conflicts --prefer-binary"
    " --require-hashes --no-clean --no-index --help --debug --isolated --require-virtualenv"
    " --require-venv --verbose --version --quiet --no-input --no-cache-dir"
    " --disable-pip-version-check --no-color --no-python-version-warning"
).split()
UV_INDEX = (
    "-i --index-url --extra-index-url -f --find-links --index --default-index --index-strategy"
)
UV_GLOBAL = (
    "--cache-dir --color --allow-insecure-host --trusted-host --directory --project --config-file"
    " -p --python"
)
UV_PIP = _options(
    UV_GLOBAL + " " + UV_INDEX + " -r --requirements --requirement -e --editable"
    " --no-editable-package -c --constraints --constraint --overrides --override --excludes"
    " --exclude -b --build-constraints --build-constraint --extra --cert --group -t --target"
    " --prefix --no-binary --only-binary --python-version --python-platform --output-format"
    " --torch-backend --keyring-provider -P --upgrade-package --upgrade-group --resolution"
    " --prerelease --prerelease-package --fork-strategy --exclude-newer --exclude-newer-package"
    " --no-sources-package --reinstall-package --link-mode -C --config-setting"
    " --config-settings --config-settings-package --no-build-isolation-package"
    " --refresh-package",
    UV_INDEX,
    pins="-r --requirements --requirement -c --constraints --constraint --overrides --override",
)
UV_ADD = _options(
    UV_GLOBAL + " " + UV_INDEX + " -r --requirements --requirement -c --constraints --constraint"
    " -m --marker --optional --group --bounds --rev --tag --branch --extra --package --script"
    " --no-install-package --keyring-provider -P --upgrade-package --upgrade-group"
    " --resolution --prerelease --prerelease-package --fork-strategy --exclude-newer"
    " --exclude-newer-package --no-sources-package --reinstall-package --link-mode -C"
    " --config-setting --config-settings --config-settings-package"
    " --no-build-isolation-package --no-build-package --no-binary-package --refresh-package",
    UV_INDEX,
    pins="-r --requirements --requirement -c --constraints --constraint",
)
CONDA = _options(
    "-n --name -p --prefix -c --channel --file -f --repodata-fn --experimental --solver"
    " --subdir --platform --clone --console --revision --channel-alias -r --root-prefix"
    " --rc-file --category --log-level --channel-priority --relocate-prefix"
)
OPTIONS = {"pip": PIP, "uv-pip": UV_PIP, "uv-add": UV_ADD, "conda": CONDA}
PYTHON_OPTIONS = _options("-m -c -X -W -Q")


def split_option(word: str, options: Options) -> tuple[str, str | None]:
    """(option name, attached value or None) of an option word, short clusters included."""
    if word.startswith("--"):
        name, equals, value = word.partition("=")
        return _full_name(name, options), value if equals else None
    for index in range(1, len(word)):  # `-qUr FILE`, `-ihttps://...`: flags, then one option
        short = "-" + word[index]
        if short in options.with_value:
            rest = word[index + 1 :]
            return short, rest.removeprefix("=") if rest else None
    return word, None


def _full_name(name: str, options: Options) -> str:
    if not options.abbreviations or name in options.with_value:
        return name
    candidates = {o for o in options.with_value if o.startswith(name) and o.startswith("--")}
    candidates |= {flag for flag in PIP_FLAGS if flag.startswith(name)}
    return candidates.pop() if len(candidates) == 1 else name
