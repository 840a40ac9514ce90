"""Each [tool.ml-policy] key is declared once, as a settings field; schema and reader derive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ml_policy.config import SCHEMA, ConfigError, Override, Settings, build_settings, checked_table
from ml_policy.settings.declare import Kind, from_table, keys, schema_of, toml_key
from ml_policy.settings.model import (
    ArtifactSettings,
    DepsSettings,
    HadolintSettings,
    ImageSettings,
    SecretSettings,
)


def _even(value: Any) -> str | None:
    return None if isinstance(value, int) and value % 2 == 0 else "must be even"


def _list(value: Any) -> str | None:
    return None if isinstance(value, list) else "must be a list"


@dataclass(frozen=True)
class Inner:
    size: int = field(default=2, metadata=toml_key("size", Kind(_even), "an even size"))


@dataclass(frozen=True)
class Outer:
    root: str  # given, not read
    names: tuple[str, ...] = field(default=(), metadata=toml_key("names", Kind(_list, tuple), "ok"))
    inner: Inner = field(default=Inner(), metadata=toml_key("inner-table", Inner, "a sub-table"))


def test_the_schema_is_each_declared_check_by_its_toml_name() -> None:
    assert schema_of(Outer) == {"names": _list, "inner-table": {"size": _even}}


def test_the_reader_converts_declared_keys_and_keeps_defaults_for_the_rest() -> None:
    read = from_table(Outer, {"names": ["a"], "inner-table": {"size": 4}}, root="/r")
    assert read == Outer("/r", ("a",), Inner(4))
    assert from_table(Outer, {}, root="/r") == Outer("/r")


def test_the_schema_has_every_key_of_the_release() -> None:
    assert list(SCHEMA) == [
        *("bundle", "select", "extend-select", "ignore", "per-file-ignores", "exclude"),
        *("ml-packages", "free-threaded", "deps", "artifacts", "secrets", "images"),
        *("hadolint", "overrides"),
    ]
    assert _sub_table("deps") == ["mode", "pin"]
    assert _sub_table("artifacts") == [
        *("max-kb", "lfs", "limits", "notebook-max-kb", "allow-notebook-outputs"),
    ]
    assert _sub_table("secrets") == ["baseline", "disable-plugins"]
    assert _sub_table("images") == ["base-pin"]
    assert _sub_table("hadolint") == [
        *("ignore", "error", "warning", "info", "style", "failure-threshold"),
        *("trusted-registries", "label-schema", "strict-labels"),
    ]


def _sub_table(name: str) -> list[str]:
    schema = SCHEMA[name]
    assert isinstance(schema, Mapping)
    return list(schema)


@pytest.mark.parametrize(
    "table",
    [Settings, DepsSettings, ArtifactSettings, SecretSettings, ImageSettings, HadolintSettings],
)
def test_every_key_has_a_doc(table: type[Any]) -> None:
    assert all(key.doc for _, key in keys(table))


def test_a_table_with_every_key_reads_into_every_field() -> None:
    table = {
        "bundle": "ml-baseline@1",
        "select": ["MLM"],
        "extend-select": ["MLP"],
        "ignore": ["MLM001"],
        "per-file-ignores": {"tests/": ["MLP001"]},
        "exclude": ["vendor/"],
        "ml-packages": ["my-torch"],
        "free-threaded": True,
        "deps": {"mode": "library", "pin": "bounded"},
        "artifacts": {
            "max-kb": 7,
            "lfs": ["*.pt"],
            "limits": {"*.csv": 9},
            "notebook-max-kb": 8,
            "allow-notebook-outputs": True,
        },
        "secrets": {"baseline": "b.json", "disable-plugins": ["KeywordDetector"]},
        "images": {"base-pin": "digest"},
        "hadolint": {
            "ignore": ["DL3008"],
            "error": ["DL3007"],
            "warning": ["SC2086"],
            "info": ["DL3015"],
            "style": ["DL3059"],
            "failure-threshold": "warning",
            "trusted-registries": ["docker.io"],
            "label-schema": {"maintainer": "email"},
            "strict-labels": True,
        },
        "overrides": {"ruff.line-length": {"reason": "why", "add": [1], "remove": [2]}},
    }
    checked_table(Path("pyproject.toml"), "", table, "tool.ml-policy")
    assert build_settings(Path("/r"), None, [table]) == Settings(
        root=Path("/r"),
        bundle="ml-baseline@1",
        select=("MLM",),
        extend_select=("MLP",),
        ignore=("MLM001",),
        per_file_ignores={"tests/": ("MLP001",)},
        exclude=("vendor/",),
        ml_packages=("my-torch",),
        free_threaded=True,
        deps=DepsSettings("library", "bounded"),
        artifacts=ArtifactSettings(7, ("*.pt",), {"*.csv": 9}, 8, True),
        secrets=SecretSettings("b.json", ("KeywordDetector",)),
        images=ImageSettings("digest"),
        hadolint=HadolintSettings(
            ("DL3008",),
            ("DL3007",),
            ("SC2086",),
            ("DL3015",),
            ("DL3059",),
            "warning",
            ("docker.io",),
            {"maintainer": "email"},
            strict_labels=True,
        ),
        overrides={"ruff.line-length": Override("ruff.line-length", "why", (1,), (2,))},
    )


def test_no_table_gives_the_field_defaults() -> None:
    assert build_settings(Path("/r"), None, []) == Settings(Path("/r"))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"selct": []}, "[tool.ml-policy] selct: unknown key 'selct' (did you mean 'select'?)"),
        (
            {"artifacts": {"max_kb": 1}},
            "[tool.ml-policy.artifacts] max_kb: unknown key 'max_kb' (did you mean 'max-kb'?)",
        ),
    ],
)
def test_did_you_mean_offers_the_declared_names(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        checked_table(Path("pyproject.toml"), "", table, "tool.ml-policy")
    assert str(caught.value) == f"pyproject.toml: {message}"
