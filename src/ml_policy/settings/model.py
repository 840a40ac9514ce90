"""The typed settings, each `[tool.ml-policy]` key declared once, as a field: Python type,
default, TOML name, kind and doc (see declare). The schema and the reader come from these."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ml_policy.registry import added_after
from ml_policy.settings.declare import toml_key
from ml_policy.settings.kinds import (
    BOOLEAN,
    BUNDLE_REF,
    CODES,
    CODES_BY_PATTERN,
    HADOLINT_CODES,
    LABEL_SCHEMA,
    OVERRIDES,
    PATTERNS,
    SIZE_KB,
    SIZE_KB_BY_PATTERN,
    STRING,
    STRINGS,
    Override,
    one_of,
)
from ml_policy.settings.patterns import gitignore

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec


@dataclass(frozen=True)
class DepsSettings:
    """How strictly dependencies must be pinned (the MLD rules)."""

    mode: str = field(
        default="app",
        metadata=toml_key(
            "mode",
            one_of("app", "library"),
            "app: exact pins or a lock file; library: lower bounds",
        ),
    )
    pin: str = field(
        default="exact",
        metadata=toml_key(
            "pin",
            one_of("exact", "bounded"),
            "app mode only: exact, or bounded (a range with an upper bound)",
        ),
    )


@dataclass(frozen=True)
class ArtifactSettings:
    """Size and git-lfs limits for weights, datasets and notebooks (the MLA rules)."""

    max_kb: int = field(default=500, metadata=toml_key("max-kb", SIZE_KB, "any file's size limit"))
    lfs: tuple[str, ...] = field(
        default=(),
        metadata=toml_key("lfs", PATTERNS, "files git-lfs must track, whatever the size"),
    )
    limits: Mapping[str, int] = field(
        default_factory=dict,
        metadata=toml_key(
            "limits", SIZE_KB_BY_PATTERN, "size limits of the files a pattern matches"
        ),
    )
    notebook_max_kb: int = field(
        default=1024, metadata=toml_key("notebook-max-kb", SIZE_KB, "a notebook's size limit")
    )
    allow_notebook_outputs: bool = field(
        default=False,
        metadata=toml_key("allow-notebook-outputs", BOOLEAN, "may notebooks keep their outputs"),
    )


@dataclass(frozen=True)
class SecretSettings:
    """detect-secrets set-up (the MLK rules)."""

    baseline: str = field(
        default=".secrets.baseline",
        metadata=toml_key("baseline", STRING, "the detect-secrets baseline of known secrets"),
    )
    disable_plugins: tuple[str, ...] = field(
        default=(), metadata=toml_key("disable-plugins", STRINGS, "detect-secrets plugins not run")
    )


@dataclass(frozen=True)
class ImageSettings:
    """What container images are held to (the MLI rules)."""

    base_pin: str = field(
        default="tag",
        metadata=toml_key(
            "base-pin",
            one_of("tag", "digest"),
            "ML base images: a version tag, or a digest (@sha256:...)",
        ),
    )


@dataclass(frozen=True)
class HadolintSettings:
    """The pinned hadolint's configuration (hook ml-policy-hadolint), as hadolint's own
    `.hadolint.yaml` keys; merged with that file when the repository has one."""

    ignore: tuple[str, ...] = field(
        default=(), metadata=toml_key("ignore", HADOLINT_CODES, "hadolint rules not reported")
    )
    error: tuple[str, ...] = field(
        default=(), metadata=toml_key("error", HADOLINT_CODES, "hadolint rules made errors")
    )
    warning: tuple[str, ...] = field(
        default=(), metadata=toml_key("warning", HADOLINT_CODES, "hadolint rules made warnings")
    )
    info: tuple[str, ...] = field(
        default=(), metadata=toml_key("info", HADOLINT_CODES, "hadolint rules made infos")
    )
    style: tuple[str, ...] = field(
        default=(), metadata=toml_key("style", HADOLINT_CODES, "hadolint rules made style notes")
    )
    failure_threshold: str | None = field(
        default=None,
        metadata=toml_key(
            "failure-threshold",
            one_of("error", "warning", "info", "style", "none"),
            "the least level that fails the hook (hadolint's default: info)",
        ),
    )
    trusted_registries: tuple[str, ...] = field(
        default=(),
        metadata=toml_key(
            "trusted-registries", STRINGS, "the only registries FROM may pull from (DL3026)"
        ),
    )
    label_schema: Mapping[str, str] = field(
        default_factory=dict,
        metadata=toml_key("label-schema", LABEL_SCHEMA, "labels images must carry, by type"),
    )
    strict_labels: bool | None = field(
        default=None,
        metadata=toml_key("strict-labels", BOOLEAN, "labels outside label-schema are findings"),
    )


@dataclass(frozen=True)
class Settings:
    """The effective policy for the files below `root`."""

    root: Path
    source: Path | None = None  # the pyproject.toml read, if any
    # The ml-policy release of the recorded bundle: rules added later are off unless
    # selected by their full code (registry.added). None: every rule of this release.
    release: str | None = None
    bundle: str | None = field(
        default=None, metadata=toml_key("bundle", BUNDLE_REF, '"name@version" as recorded by init')
    )
    select: tuple[str, ...] = field(
        default=("ML",), metadata=toml_key("select", CODES, "rule codes or prefixes checked")
    )
    extend_select: tuple[str, ...] = field(
        default=(), metadata=toml_key("extend-select", CODES, "codes checked on top of select")
    )
    ignore: tuple[str, ...] = field(
        default=(), metadata=toml_key("ignore", CODES, "codes not checked")
    )
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict,
        metadata=toml_key(
            "per-file-ignores", CODES_BY_PATTERN, "codes not checked in the files a pattern matches"
        ),
    )
    exclude: tuple[str, ...] = field(
        default=(),
        metadata=toml_key("exclude", PATTERNS, "files never checked (gitignore patterns)"),
    )
    ml_packages: tuple[str, ...] = field(
        default=(), metadata=toml_key("ml-packages", STRINGS, "more packages that count as ML ones")
    )
    free_threaded: bool = field(
        default=False, metadata=toml_key("free-threaded", BOOLEAN, "runs on free-threaded CPython")
    )
    deps: DepsSettings = field(
        default=DepsSettings(), metadata=toml_key("deps", DepsSettings, "dependency pins (MLD)")
    )
    artifacts: ArtifactSettings = field(
        default=ArtifactSettings(),
        metadata=toml_key("artifacts", ArtifactSettings, "file sizes and git-lfs (MLA)"),
    )
    secrets: SecretSettings = field(
        default=SecretSettings(),
        metadata=toml_key("secrets", SecretSettings, "detect-secrets (MLK)"),
    )
    images: ImageSettings = field(
        default=ImageSettings(),
        metadata=toml_key("images", ImageSettings, "container images (MLI)"),
    )
    hadolint: HadolintSettings = field(
        default=HadolintSettings(),
        metadata=toml_key("hadolint", HadolintSettings, "the pinned hadolint (hook)"),
    )
    overrides: Mapping[str, Override] = field(
        default_factory=dict,
        metadata=toml_key("overrides", OVERRIDES, "departures from the bundle, each with a reason"),
    )

    def is_enabled(self, code: str, path: Path | None = None) -> bool:
        """Whether `code` is on for `path`: the longest matching prefix wins, as in Ruff.

        A rule newer than the bundle's release is on only when selected by its full code.
        """
        if code in self.held_back:
            return False
        selected = _longest_prefix(code, (*self.select, *self.extend_select))
        ignored = _longest_prefix(code, self.ignore)
        if selected < 0 or ignored >= selected:
            return False
        return path is None or not any(code.startswith(p) for p in self.ignored_for(path))

    def ignored_for(self, path: Path) -> tuple[str, ...]:
        """Codes `per-file-ignores` turns off for `path`."""
        if not self.per_file_ignores:
            return ()  # the common case, without resolving the path (two realpath calls)
        relative = self.relative(path)
        return tuple(
            code
            for spec, codes in self._per_file_specs
            if spec.match_file(relative)
            for code in codes
        )

    def is_excluded(self, path: Path, folder: bool = False) -> bool:
        """Whether `exclude` (gitignore syntax, relative to `root`) covers `path`.

        A folder is matched as `name/`, so that a pattern like `vendor/` covers it.
        """
        if not self.exclude:
            return False
        relative = self.relative(path)
        return self._exclude_spec.match_file(f"{relative}/" if folder else relative)

    def relative(self, path: Path) -> str:
        """`path` relative to `root`, in POSIX form (as patterns are written)."""
        try:
            # realpath, not Path.resolve(): that raises on a symlink loop before Python 3.13.
            return Path(os.path.realpath(path)).relative_to(self._real_root).as_posix()
        except ValueError:
            return path.as_posix()

    @cached_property
    def held_back(self) -> frozenset[str]:
        """Rules added after the bundle's release that no selector names by full code."""
        if self.release is None:
            return frozenset()
        named = {*self.select, *self.extend_select}
        return frozenset(code for code in added_after(self.release) if code not in named)

    @cached_property
    def _real_root(self) -> str:
        # Resolved once: discovery asks for every file and folder.
        return os.path.realpath(self.root)

    @cached_property
    def _exclude_spec(self) -> GitIgnoreSpec:
        return gitignore(self.exclude)

    @cached_property
    def _per_file_specs(self) -> list[tuple[GitIgnoreSpec, tuple[str, ...]]]:
        return [(gitignore([p]), codes) for p, codes in self.per_file_ignores.items()]


def _longest_prefix(code: str, prefixes: Sequence[str]) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)
