"""`ml-policy init` on real-world .pre-commit-config.yaml shapes that ruamel cannot round-trip.

The fixtures are written for these tests, modelled on the shapes found in ML projects'
configurations: mixed list indentation, `-   repo:` offsets, multi-line flow lists,
comments everywhere, document markers, CRLF, no final newline. Each result is checked
byte for byte where it matters, and always by loading it: the old content plus the
ml-policy entry, nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import tomllib
from conftest import HOOK_IDS, ml_policy, run, write_files
from ruamel.yaml import YAML

from ml_policy import HOOK_REPO_URL, __version__, bundles
from ml_policy.apply.plan import Action, FilePlan
from ml_policy.apply.precommit import _load_exact, plan_precommit
from ml_policy.apply.textfile import InputError, TextStyle

REV = f"v{__version__}"
STRICT = bundles.latest("ml-strict")
HOOKS = STRICT.hook_ids()
CONFIG = ".pre-commit-config.yaml"


def entry(dash: str, key: str, hook: str, hooks: list[str] = HOOKS) -> str:
    """The ml-policy entry as init inserts it: `dash` before `repo:`, `key` before the
    other keys, `hook` before each `id:`."""
    lines = [f"{dash}repo: {HOOK_REPO_URL}", f"{key}rev: {REV}", f"{key}hooks:"]
    return "".join(f"{line}\n" for line in lines + [f"{hook}id: {h}" for h in hooks])


def ids(prefix: str, hooks: list[str]) -> str:
    return "".join(f"{prefix}id: {h}\n" for h in hooks)


# Items at column 2 with `- ` and one with `-   `, hooks at +2 and at +0, a commented-out
# entry between items, a multi-line flow list, another top-level key after `repos:`.
MIXED = """\
default_language_version:
  python: python3
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    # pinned with the lock file
    rev: v0.6.9
    hooks:
      - id: ruff
        args: [--fix,
               --exit-non-zero-on-fix]
  - repo: https://github.com/pycqa/isort
    hooks:
      - id: isort
    rev: 5.13.2
  # - repo: https://github.com/pycqa/pylint
  #   rev: v3.0.0
  -   repo: https://github.com/PyCQA/docformatter
      hooks:
      -   id: docformatter
          additional_dependencies:
            - "tomli"
      rev: v1.7.5
  - repo: https://github.com/adrienverge/yamllint
    rev: v1.35.1
    hooks:
    - id: yamllint
      types: [file, yaml]
  - repo: local
    hooks:
      - id: pyright
        name: pyright
        entry: pyright
        language: node
        additional_dependencies: ["pyright@1.1.380"]

exclude: ^third_party/
"""
MIXED_AFTER = MIXED.replace(
    '        additional_dependencies: ["pyright@1.1.380"]\n',
    '        additional_dependencies: ["pyright@1.1.380"]\n' + entry("  - ", "    ", "      - "),
)

# Items at column 0 with `-   `, hooks lists indented in three ways, the last entry ending
# inside a multi-line flow list.
OFFSET_FOUR = """\
default_language_version:
    python: python3

repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
    -   id: check-yaml
    -   id: no-commit-to-branch
        args: ['--branch', 'main']
-   repo: https://github.com/psf/black
    rev: 24.8.0
    hooks:
    -   id: black
-   repo: https://github.com/pycqa/flake8
    rev: 7.1.1
    hooks:
      - id: flake8
-   repo: https://github.com/pre-commit/mirrors-mypy
    rev: v1.11.2
    hooks:
    - id: mypy
      additional_dependencies:
        [
            'types-requests',
            'pydantic>=2',
        ]
"""
OFFSET_FOUR_AFTER = OFFSET_FOUR + entry("-   ", "    ", "    -   ")

# pre-commit.ci settings before and after, comments between, after and at the end, blank
# lines between the entries (the inserted one gets its blank line too).
COMMENTED = """\
# Lint and format before every commit.

ci:
  autofix_prs: true
  # skip: [pyright]

repos:
  # General file hygiene.
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
      - id: end-of-file-fixer   # keep files tidy
      # - id: check-json  (devcontainer.json has comments)
      - id: check-added-large-files
        args: ["--maxkb=500"]

  - repo: https://github.com/codespell-project/codespell
    rev: v2.3.0
    hooks:
      - id: codespell
        exclude: |
          (?x)^(
              data/.*|
              CHANGELOG.md
          )$
  # more hooks to come
# end of hooks

default_stages: [pre-commit]
# trailing words
"""
COMMENTED_AFTER = COMMENTED.replace(
    "          )$\n", "          )$\n\n" + entry("  - ", "    ", "      - ")
)

# A document start marker, a directive and a document end marker.
MARKERS = """\
%YAML 1.2
---
fail_fast: true
repos:
- repo: https://github.com/pre-commit/pre-commit-hooks
  rev: v4.6.0
  hooks:
  - id: trailing-whitespace
...
"""
MARKERS_AFTER = MARKERS.replace("\n...\n", "\n" + entry("- ", "  ", "  - ") + "...\n")

# No newline at the end of the file, the last line a one-line flow list.
NO_FINAL_NEWLINE = """\
repos:
  - repo: https://github.com/psf/black
    rev: 24.8.0
    hooks:
      - id: black
        language_version: python3.11
  - repo: https://github.com/PyCQA/autoflake
    rev: v2.3.1
    hooks:
      - id: autoflake
        args: [--remove-all-unused-imports, --in-place]"""
NO_FINAL_NEWLINE_AFTER = NO_FINAL_NEWLINE + "\n" + entry("  - ", "    ", "      - ").rstrip("\n")

# An ml-policy entry that lacks some hooks (its hooks at `-   ` offset), in a file ruamel
# cannot reproduce (two styles of indentation), followed by another entry.
PARTIAL_ENTRY = f"""\
repos:
-   repo: {HOOK_REPO_URL}
    rev: '{REV}'  # the installed release
    hooks:
    -   id: ml-policy-lint
    -   id: ml-policy-ruff
-   repo: https://github.com/psf/black
    rev: 24.8.0
    hooks:
      - id: black
"""
PARTIAL_ENTRY_AFTER = PARTIAL_ENTRY.replace(
    "    -   id: ml-policy-ruff\n",
    "    -   id: ml-policy-ruff\n"
    + ids("    -   ", [h for h in HOOKS if h not in {"ml-policy-lint", "ml-policy-ruff"}]),
)

# No `repos:` at all, in a mapping ruamel would re-indent.
NO_REPOS = """\
default_language_version:
    python: python3
ci:
  autofix_prs: false
exclude: |
    ^docs/
"""
NO_REPOS_AFTER = NO_REPOS + "repos:\n" + entry("  - ", "    ", "      - ")

ONLY_COMMENTS = "# hooks will come here\n"
ONLY_COMMENTS_AFTER = ONLY_COMMENTS + "repos:\n" + entry("  - ", "    ", "      - ")

EXACT = {
    "mixed": (MIXED, MIXED_AFTER),
    "offset-four": (OFFSET_FOUR, OFFSET_FOUR_AFTER),
    "commented": (COMMENTED, COMMENTED_AFTER),
    "markers": (MARKERS, MARKERS_AFTER),
    "no-final-newline": (NO_FINAL_NEWLINE, NO_FINAL_NEWLINE_AFTER),
    "partial-entry": (PARTIAL_ENTRY, PARTIAL_ENTRY_AFTER),
    "no-repos": (NO_REPOS, NO_REPOS_AFTER),
    "only-comments": (ONLY_COMMENTS, ONLY_COMMENTS_AFTER),
}

# Shapes checked by loading only.
# Tabs inside a quoted scalar and a block scalar (tabs as indentation are invalid YAML).
TAB_IN_SCALARS = (
    "repos:\n- repo: local\n  hooks:\n  - id: tabs\n    name: no tabs\n"
    '    entry: "\t"\n    language: pygrep\n    description: |\n      a\tb\n'
)
FLOW_HOOK_ITEMS = """\
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
      - { id: check-added-large-files, args: [ --maxkb=500 ] }
      - { id: check-case-conflict }
"""
DEEP_INDENT = """\
repos:
        -       repo: https://github.com/psf/black
                rev: 24.8.0
                hooks:
                        -       id: black
"""
KEEP_CHOMPED_LAST = """\
repos:
  - repo: local
    hooks:
      - id: note
        name: note
        entry: echo
        language: system
        description: |+
          kept trailing lines

ci:
    autofix_prs: false
"""
SHAPES = {
    **{name: before for name, (before, _) in EXACT.items()},
    "tab-in-scalars": TAB_IN_SCALARS,
    "flow-hook-items": FLOW_HOOK_ITEMS,
    "deep-indent": DEEP_INDENT,
    "keep-chomped-last": KEEP_CHOMPED_LAST,
}


def load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def plan(tmp_path: Path, text: str | bytes, *, force: bool = False) -> tuple[FilePlan, TextStyle]:
    path = tmp_path / CONFIG
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return plan_precommit(path, STRICT, force=force)


def with_entry(text: str) -> Any:
    """What `text` must load as once the ml-policy entry is added."""
    data = load(text) or {}
    new = {"repo": HOOK_REPO_URL, "rev": REV, "hooks": [{"id": h} for h in HOOKS]}
    return {**data, "repos": [*(data.get("repos") or []), new]}


def assert_valid_for_pre_commit(tmp_path: Path, text: str) -> None:
    path = tmp_path / "check" / CONFIG
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    result = run([sys.executable, "-m", "pre_commit", "validate-config", path], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_shapes_are_ones_ruamel_cannot_reproduce() -> None:
    """So that these tests exercise the text insertion, not ruamel's round trip."""
    reproduced = [name for name, text in SHAPES.items() if _load_exact(text) is not None]
    assert reproduced == ["deep-indent"]


@pytest.mark.parametrize("name", EXACT)
def test_exact_bytes(tmp_path: Path, name: str) -> None:
    before, after = EXACT[name]
    result, _ = plan(tmp_path, before)
    assert result.after == after
    assert not result.manual
    assert not result.conflicts


@pytest.mark.slow
@pytest.mark.parametrize("name", SHAPES)
def test_loads_as_before_plus_the_entry(tmp_path: Path, name: str) -> None:
    before = SHAPES[name]
    result, _ = plan(tmp_path, before)
    assert result.writes, result.changes
    if name == "partial-entry":
        wanted = load(before)
        wanted["repos"][0]["hooks"] = [{"id": h} for h in ["ml-policy-lint", "ml-policy-ruff"]]
        wanted["repos"][0]["hooks"] += [
            {"id": h} for h in HOOKS if h not in {"ml-policy-lint", "ml-policy-ruff"}
        ]
        assert load(result.after) == wanted
    else:
        assert load(result.after) == with_entry(before)
    assert result.after.startswith(before.rstrip("\n").partition("\n")[0])
    assert_valid_for_pre_commit(tmp_path, result.after)


@pytest.mark.parametrize("name", SHAPES)
def test_second_run_changes_nothing(tmp_path: Path, name: str) -> None:
    first, _ = plan(tmp_path, SHAPES[name])
    second, _ = plan(tmp_path, first.after)
    assert not second.writes
    assert not second.manual
    # Nothing to change; notes (the file's own Ruff hook) are said again.
    assert all(c.action in {Action.UNCHANGED, Action.NOTE} for c in second.changes)
    assert [c.action for c in second.changes if c.action is Action.NOTE] == [
        c.action for c in first.changes if c.action is Action.NOTE
    ]


def test_only_lines_are_added(tmp_path: Path) -> None:
    """Every original line is still there, in order, unchanged."""
    for before in SHAPES.values():
        after = plan(tmp_path, before)[0].after
        remaining = iter(after.splitlines())
        assert all(line in remaining for line in before.splitlines())


def test_crlf_stays_crlf(tmp_path: Path) -> None:
    result, style = plan(tmp_path, MIXED.replace("\n", "\r\n").encode())
    assert style.crlf
    assert result.after == MIXED_AFTER
    assert style.encode(result.after) == MIXED_AFTER.replace("\n", "\r\n").encode()


def test_bom_is_kept(tmp_path: Path) -> None:
    result, style = plan(tmp_path, ("\ufeff" + OFFSET_FOUR).encode())
    assert style.encode(result.after) == ("\ufeff" + OFFSET_FOUR_AFTER).encode()


@pytest.mark.parametrize(
    "text",
    [
        "repos:\n\t- repo: local\n",  # tab indentation: invalid YAML
        "repos:\n- repo: local\t# a tab before a comment\n",  # libyaml takes it, ruamel not
    ],
)
def test_tabs_outside_scalars_are_reported_with_their_line(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError, match=r":2: invalid YAML: .*replace the tab with spaces"):
        plan(tmp_path, text)


def test_trailing_document_start_is_a_second_document(tmp_path: Path) -> None:
    """pre-commit reads one document: it rejects a trailing `---` too."""
    with pytest.raises(InputError, match=r"invalid YAML.*single document|invalid YAML"):
        plan(tmp_path, MARKERS.replace("...\n", "---\n"))


def test_force_replaces_an_old_rev_in_place(tmp_path: Path) -> None:
    before = PARTIAL_ENTRY.replace(f"'{REV}'", "'v0.0.1'")
    kept, _ = plan(tmp_path, before)
    rev = next(c for c in kept.changes if c.key == "repos[ml-policy].rev")
    assert rev.action is Action.CONFLICT
    assert "ml-policy upgrade" not in rev.detail
    assert "--force" in rev.detail
    assert load(kept.after)["repos"][0]["rev"] == "v0.0.1"
    forced, _ = plan(tmp_path, before, force=True)
    assert forced.after == PARTIAL_ENTRY_AFTER  # the quotes and the comment stay


@pytest.mark.parametrize(
    "repo",
    [
        "https://gitlab.example.com/mirrors/ml-policy",
        "../ml-policy",
        "local",
        f"{HOOK_REPO_URL}-fork",
    ],
)
def test_an_entry_from_elsewhere_is_recognised_by_its_hooks(tmp_path: Path, repo: str) -> None:
    local = "        name: x\n        entry: x\n        language: system\n"
    hooks = "".join(f"      - id: {h}\n" + (local if repo == "local" else "") for h in HOOKS[:3])
    rev = "" if repo == "local" else "    rev: v0.0.1\n"
    before = f"repos:\n  - repo: {repo}\n{rev}    hooks:\n{hooks}"
    result, _ = plan(tmp_path, before)
    assert not result.writes  # no second entry, no URL or rev rewritten
    notes = [c for c in result.changes if c.action is Action.NOTE]
    assert repo in notes[0].detail or "local" in notes[0].detail
    assert "ml-policy-secrets" in notes[1].detail
    assert not result.conflicts
    assert not result.manual


def test_canonical_url_variants_are_the_canonical_entry(tmp_path: Path) -> None:
    before = f"repos:\n- repo: {HOOK_REPO_URL}.git/\n  rev: {REV}\n  hooks:\n" + ids("  - ", HOOKS)
    result, _ = plan(tmp_path, before)
    assert not result.writes
    assert all(c.action is Action.UNCHANGED for c in result.changes)


FLOW_REPOS = """\
repos: [
  {repo: local, hooks: [{id: x, name: x, entry: x, language: system}]},
]
"""


@pytest.mark.slow
def test_missing_hooks_in_flow_mapping_items_are_added_alike(tmp_path: Path) -> None:
    before = (
        f'---\nrepos:\n  - repo: {HOOK_REPO_URL}\n    rev: "{REV}"\n'
        "    hooks:\n      - {id: ml-policy-lint}   # ML rules\n"
    )
    result, _ = plan(tmp_path, before)
    assert result.after == before + "".join(f"      - {{id: {h}}}\n" for h in HOOKS[1:])
    assert_valid_for_pre_commit(tmp_path, result.after)


@pytest.mark.slow
def test_an_entry_without_hooks_gets_a_hooks_key(tmp_path: Path) -> None:
    before = f"---\nrepos:\n-   repo: {HOOK_REPO_URL}\n    rev: {REV}\nexclude: x\n"
    result, _ = plan(tmp_path, before)
    expected = before.replace(f"rev: {REV}\n", f"rev: {REV}\n    hooks:\n" + ids("      - ", HOOKS))
    assert result.after == expected
    assert_valid_for_pre_commit(tmp_path, result.after)


def test_flow_style_repos_asks_for_a_paste(tmp_path: Path) -> None:
    result, _ = plan(tmp_path, FLOW_REPOS)
    assert not result.writes
    (change,) = result.manual
    assert "'repos' is a flow-style [...] or {...} collection" in change.detail
    assert "init --diff" not in change.detail
    pasted = FLOW_REPOS.replace("]},\n", "]},\n  " + change.paste + ",\n")
    assert load(pasted) == with_entry(FLOW_REPOS)


@pytest.mark.slow
def test_one_line_flow_repos_that_ruamel_reproduces_is_edited_by_it(tmp_path: Path) -> None:
    before = "repos: [{repo: local, hooks: [{id: x, name: x, entry: x, language: system}]}]\n"
    result, _ = plan(tmp_path, before)
    assert load(result.after) == with_entry(before)
    assert result.after.startswith(before.rstrip("]\n"))
    assert_valid_for_pre_commit(tmp_path, result.after)


def test_missing_hooks_in_a_flow_list_ask_for_a_paste(tmp_path: Path) -> None:
    before = (
        f"repos:\n  -   repo: {HOOK_REPO_URL}\n      rev: {REV}\n"
        "      hooks: [{id: ml-policy-lint}]\n"
    )
    result, _ = plan(tmp_path, before)
    assert not result.writes
    (change,) = result.manual
    assert change.key == "repos[ml-policy].hooks"
    pasted = before.replace("}]", "}, " + change.paste + "]")
    assert [h["id"] for h in load(pasted)["repos"][0]["hooks"]] == HOOKS


def test_anchored_repos_ask_for_a_paste(tmp_path: Path) -> None:
    before = (
        "x-shared: &hooks\n  - repo: https://github.com/psf/black\n    rev: 24.8.0\n"
        "    hooks:\n    - id: black\nrepos: *hooks\n"
    )
    result, _ = plan(tmp_path, before)
    assert not result.writes
    (change,) = result.manual
    assert "anchor" in change.detail
    assert change.paste == entry("- ", "  ", "    - ").rstrip("\n")


@pytest.mark.slow
def test_null_repos_gets_the_entry(tmp_path: Path) -> None:
    before = "repos:\n# nothing yet\n"
    result, _ = plan(tmp_path, before)
    assert load(result.after) == with_entry(before)
    assert_valid_for_pre_commit(tmp_path, result.after)


def test_null_repos_that_ruamel_cannot_reproduce(tmp_path: Path) -> None:
    before = "ci:\n    skip: []\nfiles: |\n  ^src/\nrepos:\n# nothing yet\nexclude: ^docs/\n"
    result, _ = plan(tmp_path, before)
    assert result.after == before.replace(
        "repos:\n", "repos:\n" + entry("  - ", "    ", "      - ")
    )


def test_repos_null_written_out_asks_for_a_paste(tmp_path: Path) -> None:
    before = "ci:\n    skip: []\nfiles: |\n  ^src/\nrepos: null\n"
    result, _ = plan(tmp_path, before)
    (change,) = result.manual
    assert "'repos' is not a list" in change.detail
    pasted = before.replace("repos: null\n", "repos:\n" + change.paste + "\n")
    assert load(pasted) == with_entry(before)


# --- the real CLI, in real git repositories ---


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mixed", "offset-four", "partial-entry"])
def test_cli_edits_and_second_run_is_a_no_op(git_repo: Path, name: str) -> None:
    before, after = EXACT[name]
    write_files(git_repo, {CONFIG: before.replace("\n", "\r\n").encode()})
    first = ml_policy("init", cwd=git_repo)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (git_repo / CONFIG).read_bytes() == after.replace("\n", "\r\n").encode()
    assert tomllib.loads((git_repo / "pyproject.toml").read_text())["tool"]["ml-policy"]
    second = ml_policy("init", cwd=git_repo)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing to change" in second.stdout
    assert (git_repo / CONFIG).read_bytes() == after.replace("\n", "\r\n").encode()
    validate = run([sys.executable, "-m", "pre_commit", "validate-config", CONFIG], git_repo)
    assert validate.returncode == 0, validate.stdout


@pytest.mark.slow
def test_cli_diff_shows_the_insertion(git_repo: Path) -> None:
    write_files(git_repo, {CONFIG: MIXED})
    result = ml_policy("init", "--diff", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert f"+  - repo: {HOOK_REPO_URL}\n+    rev: {REV}\n" in result.stdout
    assert (git_repo / CONFIG).read_text() == MIXED


@pytest.mark.slow
def test_cli_flow_repos_prints_the_block_and_still_merges_pyproject(git_repo: Path) -> None:
    write_files(git_repo, {CONFIG: FLOW_REPOS})
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 1
    assert (git_repo / CONFIG).read_text() == FLOW_REPOS
    assert result.stdout.splitlines()[-1].startswith("wrote pyproject.toml")
    assert tomllib.loads((git_repo / "pyproject.toml").read_text())["tool"]["ml-policy"]
    assert ".pre-commit-config.yaml: not edited\n  ? repos[ml-policy]: not edited because" in (
        result.stdout
    )
    assert "could not make: paste the block(s) above by hand" in result.stderr
    assert "init --diff" not in result.stdout + result.stderr
    block = result.stdout.split("by hand ----\n")[1].split("\n# ---- end ----")[0]
    pasted = FLOW_REPOS.replace("]},\n", "]},\n  " + block + ",\n")
    (git_repo / CONFIG).write_text(pasted)
    validate = run([sys.executable, "-m", "pre_commit", "validate-config", CONFIG], git_repo)
    assert validate.returncode == 0, validate.stdout
    again = ml_policy("init", cwd=git_repo)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to change" in again.stdout
    assert (git_repo / CONFIG).read_text() == pasted


@pytest.mark.slow
def test_cli_mirror_entry_is_not_duplicated(git_repo: Path) -> None:
    before = (
        "repos:\n-   repo: https://mirror.example.com/ml-policy.git\n    rev: v0.0.1\n"
        "    hooks:\n" + ids("      - ", list(HOOK_IDS))
    )
    write_files(git_repo, {CONFIG: before})
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "i repos[ml-policy]: the ml-policy hooks run from repo https://mirror" in result.stdout
    assert (git_repo / CONFIG).read_text() == before
