"""DriftRule: an MLG rule, which claims the drifted keys of one tool's configuration."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, MutableMapping
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import tomlkit

from ml_policy.rule import BaseRule

EXAMPLE_BUNDLE = "ml-strict@2"


class DriftRule(BaseRule):
    """A rule of `check-config`. Its examples are what a repository changed after
    `ml-policy init --bundle ml-strict@2`: TOML merged into pyproject.toml key by key, or a
    whole file given after a `# FILE:` line."""

    example_file: ClassVar[str] = "pyproject.toml"

    @classmethod
    def claims(cls, file_name: str, key: str) -> bool:
        """Whether a drifted `key` of the file `file_name` is this rule's to report."""
        raise NotImplementedError

    @classmethod
    def example_files(cls, example: str) -> dict[str, str | bytes]:
        return changed_after_init(EXAMPLE_BUNDLE, example)


def changed_after_init(bundle_ref: str, example: str) -> dict[str, str | bytes]:
    """The files init writes for `bundle_ref`, changed by `example`: TOML merged into
    pyproject.toml key by key, or a whole file given after a `# FILE: name` line."""
    files = dict(initialised(bundle_ref))
    if example.startswith("# FILE: "):
        first, _, rest = example.partition("\n")
        files[first.removeprefix("# FILE: ").strip()] = rest
        return files
    document = tomlkit.parse(str(files["pyproject.toml"]))
    _merge(document, tomlkit.parse(example))
    files["pyproject.toml"] = tomlkit.dumps(document)
    return files


@cache
def initialised(bundle_ref: str) -> dict[str, str | bytes]:
    """The files `ml-policy init --bundle REF` writes into an empty repository."""
    from ml_policy.apply.init import plan_init

    with tempfile.TemporaryDirectory() as folder:
        _, planned = plan_init(Path(folder), bundle_ref, force=False)
        return {
            p.plan.path.name: p.plan.after
            for p in planned
            if p.plan.writes and p.plan.path.suffix != ".baseline"
        }


def _merge(document: MutableMapping[str, Any], changes: Mapping[str, Any]) -> None:
    """Set every key of `changes` in `document`, merging tables key by key."""
    for key, value in changes.items():
        current = document.get(key)
        if isinstance(value, Mapping) and isinstance(current, MutableMapping):
            _merge(current, value)
        else:
            document[key] = value
