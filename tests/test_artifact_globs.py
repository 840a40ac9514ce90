"""The artifact patterns' fast path answers as pathspec does (the last matching pattern)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pathspec import GitIgnoreSpec

from ml_policy.artifacts.policy import Globs

BUNDLE_LFS = ("*.pt", "*.pth", "*.bin", "*.tar.gz", "*.gz", "*.npy")
SEGMENT = st.text(alphabet="ab.ptnhgzriy-_ ", min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..")
)


def _pathspec(patterns: tuple[str, ...], relative: str) -> int | None:
    result = GitIgnoreSpec.from_lines(patterns).check_file(relative)
    return result.index if result.include else None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(SEGMENT, min_size=1, max_size=4).map("/".join),
    st.lists(st.sampled_from(BUNDLE_LFS), min_size=1, max_size=5, unique=True).map(tuple),
)
def test_suffix_globs_answer_as_pathspec(relative: str, patterns: tuple[str, ...]) -> None:
    assert Globs(patterns).last_match(relative) == _pathspec(patterns, relative)


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("model.pt", 0),
        ("deep/in/model.pt", 0),
        ("weights.pt/shard.txt", 0),  # a folder the pattern names: what is in it too
        ("weights.pt/shard.bin", 2),
        ("archive.tar.gz", 4),  # the last pattern written decides
        (".pt", 0),
        ("model.PT", None),  # case counts, as in git
        ("model.pt.txt", None),
        ("pt", None),
    ],
)
def test_suffix_globs_tricky_paths(relative: str, expected: int | None) -> None:
    patterns = ("*.pt", "*.tar.gz", "*.bin", "*.npy", "*.gz")
    assert Globs(patterns).last_match(relative) == expected == _pathspec(patterns, relative)


@pytest.mark.parametrize(
    "patterns",
    [("models/**", "*.pt"), ("*.pt", "!keep.pt"), ("*.p?", "*.bin"), ("data/*.npy",)],
)
def test_other_patterns_are_left_to_pathspec(patterns: tuple[str, ...]) -> None:
    for relative in ("models/a.txt", "keep.pt", "x.pt", "a.pb", "data/x.npy", "y/data/x.npy"):
        assert Globs(patterns).last_match(relative) == _pathspec(patterns, relative)
