"""Issue 8, section 5: typos and broken files must not switch the policy off.

Each test runs the real CLI (or the real reader) on files in a temporary tree. The tests
for folders that cannot be read run the CLI as an unprivileged user (root reads anything).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ml_policy, run, write_files

from ml_policy import checkers, registry
from ml_policy.config import CliOverrides, ConfigError, SettingsResolver, code_problem
from ml_policy.deps.commands import scan_file
from ml_policy.deps.pyproject import parse_pyproject

# A finding ml-strict reports in any Python file that uses it.
DATALOADER = "from torch.utils.data import DataLoader\nloader = DataLoader(dataset)\n"
TOKEN = "hf_" + "Ab1" * 12  # the shape of a Hugging Face token; never printed in full


def check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return ml_policy("check", "--no-cache", *args, cwd=root)


def assert_config_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "All checks passed" not in result.stdout
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


# --- unknown codes and prefixes: exit 2 with a suggestion, as Ruff does ---------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "MLX999"], "--select: 'MLX999' is not an ml-policy rule code or prefix"),
        (["--select", "MLP01"], "(did you mean 'MLP001'?)"),
        (["--select", "mlp001"], "(did you mean 'MLP001'?)"),
        (["--select", ",,,"], "'' is not a rule code (an empty string or a stray comma)"),
        (["--select", "MLM,,MLP"], "'' is not a rule code"),
        (["--ignore", "MLP01"], "--ignore: 'MLP01' is not an ml-policy rule code or prefix"),
        (["--extend-select", "MLX999"], "--extend-select: 'MLX999' is not"),
        (["--select", "ALL"], "`ML` selects every ml-policy rule"),
        (["--select", "E9"], "ml-policy codes start with ML; Ruff's go in [tool.ruff]"),
    ],
)
def test_unknown_codes_on_the_command_line_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    write_files(tmp_path, {"train.py": DATALOADER})
    assert_config_error(check(tmp_path, *args, "."), message)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ('select = [",,,"]', 2, "select: ',,,' is not a rule code"),
        ('select = ["MLM"]\nextend-select = ["MLX999"]', 3, "extend-select: 'MLX999' is not"),
        ('ignore = ["MLP01"]', 2, "ignore: 'MLP01' is not an ml-policy rule code or prefix"),
        (
            'per-file-ignores = { "tests/" = ["MLP01"] }',
            2,
            "per-file-ignores: ['tests/'] 'MLP01' is not an ml-policy rule code or prefix "
            "(did you mean 'MLP001'?)",
        ),
        ('select = [""]', 2, "select: '' is not a rule code"),
    ],
)
def test_unknown_codes_in_the_configuration_exit_2(
    tmp_path: Path, table: str, line: int, message: str
) -> None:
    write_files(tmp_path, {"pyproject.toml": f"[tool.ml-policy]\n{table}\n", "a.py": DATALOADER})
    assert_config_error(check(tmp_path), f"pyproject.toml:{line}: [tool.ml-policy] {message}")


@pytest.mark.parametrize(
    "code", ["ML", "MLP", "MLP0", "MLP00", "MLP001", "MLE", "MLE001", "MLA00", "MLK", "MLG"]
)
def test_every_prefix_of_a_known_code_is_valid(code: str) -> None:
    assert code_problem(code) is None


@pytest.mark.parametrize("code", ["M", "MLX", "MLP004", "MLP0010", "MLI0001", "E9", "", "mlp"])
def test_anything_else_is_not(code: str) -> None:
    assert code_problem(code) is not None


def test_the_code_list_matches_the_rule_objects() -> None:
    documented = {rule.code for rule in registry.rules()}
    assert set(registry.RULE_CODES) == documented
    families = {code[:3] for code in registry.RULE_CODES}
    assert families.isdisjoint(registry.RESERVED_FAMILIES)
    registered = {prefix for prefixes, _ in checkers.CHECKERS for prefix in prefixes}
    assert families <= registered | set(registry.ALWAYS_ON)


@pytest.fixture
def reserved_family(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A family filed for a later release ("MLX"), as the registry would list it."""
    from ml_policy.settings import codes

    monkeypatch.setattr(codes, "RESERVED_FAMILIES", {"MLX": "experiments"})
    codes._known_prefixes.cache_clear()
    yield "MLX"
    codes._known_prefixes.cache_clear()


def in_process(
    root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    from ml_policy import cli

    monkeypatch.chdir(root)
    status = cli.main(["check", "--no-cache", *args, "."])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_family_reserved_for_later_is_valid_and_says_it_selects_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    reserved_family: str,
) -> None:
    write_files(tmp_path, {"train.py": DATALOADER})
    assert code_problem("MLX") is None
    assert "the MLX rules, experiments, come in a later release" in str(code_problem("MLX001"))
    status, out, err = in_process(tmp_path, capsys, monkeypatch, "--select", reserved_family)
    assert status == 0
    assert out == "All checks passed!\n"
    assert (
        "ml-policy: warning: --select: 'MLX' selects no rule yet: "
        "the MLX rules (experiments) come in a later release" in err
    )


def test_a_reserved_family_in_the_configuration_is_a_warning_at_its_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    reserved_family: str,
) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": f'[tool.ml-policy]\n\nextend-select = ["{reserved_family}"]\n',
            "a.py": DATALOADER,
        },
    )
    status, _, err = in_process(tmp_path, capsys, monkeypatch)
    assert status == 1  # MLP001: the rest of the policy runs
    assert "pyproject.toml:3: [tool.ml-policy] extend-select: 'MLX' selects no rule yet" in err


@pytest.mark.slow
def test_a_family_a_bundle_selected_ahead_waits_for_a_bundle_of_its_release(
    tmp_path: Path,
) -> None:
    # ml-baseline@1 selected MLG (config drift) before its rules existed. A bundle turns on
    # only the rules of its release, so they run under ml-baseline@2, not @1 (which says so).
    files = {"pyproject.toml": '[tool.ml-policy]\nbundle = "ml-baseline@1"\n', "a.py": "x = 1\n"}
    write_files(tmp_path / "one", files)
    result = check(tmp_path / "one")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    result = ml_policy("check-config", cwd=tmp_path / "one")
    assert result.returncode == 0, result.stdout
    assert "ml-baseline@1 came before the drift rules (MLG" in result.stderr
    files["pyproject.toml"] = files["pyproject.toml"].replace("@1", "@2")
    write_files(tmp_path / "two", files)
    result = check(tmp_path / "two")
    assert (result.returncode, result.stderr) == (1, "")
    assert "MLG004 " in result.stdout  # no .pre-commit-config.yaml: every hook is missing


@pytest.mark.slow
def test_a_long_bad_code_is_quoted_short(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": f'[tool.ml-policy]\nignore = ["{TOKEN}"]\n'})
    result = check(tmp_path)
    assert_config_error(result, "ignore: 'hf_Ab1Ab1Ab1Ab1\u2026' is not")
    assert TOKEN not in result.stderr
    cli = check(tmp_path, "--select", TOKEN)
    assert TOKEN not in cli.stderr


@pytest.mark.slow
def test_an_unknown_key_is_quoted_short(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": f"[tool.ml-policy.deps]\n{TOKEN} = 1\n"})
    result = check(tmp_path)
    # Cut short, then masked: the key is a token (tests/test_no_leaks.py covers every kind).
    assert_config_error(result, "pyproject.toml:2: [tool.ml-policy.deps] hf_***…: unknown key")
    assert TOKEN[3:10] not in result.stderr


# --- invalid patterns: a clear error, not an internal one -----------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('exclude = ["!"]', "[tool.ml-policy] exclude: '!' is not a valid gitignore pattern"),
        (
            'per-file-ignores = { "!" = ["MLP"] }',
            "[tool.ml-policy] per-file-ignores: '!' is not a valid gitignore pattern",
        ),
        (
            '[tool.ml-policy.artifacts]\nlfs = ["data\\\\"]',
            "[tool.ml-policy.artifacts] lfs: 'data\\\\' is not a valid gitignore pattern",
        ),
        (
            '[tool.ml-policy.artifacts]\nlimits = { "!" = 10 }',
            "[tool.ml-policy.artifacts] limits: '!' is not a valid gitignore pattern",
        ),
    ],
)
def test_invalid_patterns_are_configuration_errors(
    tmp_path: Path, table: str, message: str
) -> None:
    header = "" if table.startswith("[") else "[tool.ml-policy]\n"
    write_files(tmp_path, {"pyproject.toml": f"{header}{table}\n", "a.py": "x = 1\n"})
    assert_config_error(check(tmp_path), f"pyproject.toml:2: {message}")


@pytest.mark.slow
def test_an_invalid_exclude_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.py": "x = 1\n"})
    assert_config_error(
        check(tmp_path, "--exclude", "!"), "--exclude: '!' is not a valid gitignore pattern"
    )


@pytest.mark.slow
def test_a_5000_character_path_is_a_clear_error(tmp_path: Path) -> None:
    long_path = "a/" * 2500
    result = check(tmp_path, long_path)
    assert_config_error(result, "file name too long")
    assert len(result.stderr) < 200  # the path is quoted short


# --- the settings table itself: present but not a table, or misspelt -----------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ("[tool]\nml-policy = 5\n", "pyproject.toml:2: [tool.ml-policy] must be a table"),
        (
            '[[tool.ml-policy]]\nselect = ["MLM"]\n',
            "pyproject.toml:1: [tool.ml-policy] must be a table, not an array of tables",
        ),
        (
            '[tool.ml_policy]\nselect = ["MLM"]\n',
            "pyproject.toml:1: [tool.ml_policy]: unknown table (did you mean [tool.ml-policy]?)",
        ),
        ("[tool.ml-policy.deps]\nmod = 1\n", "[tool.ml-policy.deps] mod: unknown key 'mod'"),
        ("[tool.ml-policy.artifacts]\nmax_kb = 1\n", "(did you mean 'max-kb'?)"),
        ("[tool.ml-policy.secrets]\nbaseline = 'b'\nplugins = []\n", "pyproject.toml:3:"),
    ],
)
def test_a_settings_table_that_cannot_be_used_is_an_error(
    tmp_path: Path, pyproject: str, message: str
) -> None:
    write_files(tmp_path, {"pyproject.toml": pyproject, "a.py": DATALOADER})
    assert_config_error(check(tmp_path), message)


# --- nested projects: a broken pyproject is MLE001 for that file ----------------------------


def nested_tree(root: Path, nested: str, root_table: str = "") -> None:
    write_files(
        root,
        {
            "pyproject.toml": f"[tool.ml-policy]\n{root_table}\n",
            "src/train.py": DATALOADER,
            "vendor/pkg/pyproject.toml": nested,
            "vendor/pkg/loader.py": DATALOADER,
        },
    )


@pytest.mark.slow
def test_a_malformed_nested_pyproject_is_mle001_and_its_folder_is_still_checked(
    tmp_path: Path,
) -> None:
    nested_tree(tmp_path, "[tool.ml-policy\nselect = []\n")
    result = check(tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    broken = [line for line in lines if line.startswith("vendor/pkg/pyproject.toml")]
    assert broken == [
        "vendor/pkg/pyproject.toml:1:1: MLE001 invalid TOML: Expected ']' at the end of a table "
        "declaration; the files below vendor/pkg are checked with the settings of "
        "pyproject.toml instead"
    ]
    assert any(line.startswith("vendor/pkg/loader.py:2:10: MLP001") for line in lines)
    assert any(line.startswith("src/train.py:2:10: MLP001") for line in lines)


@pytest.mark.slow
def test_an_invalid_nested_table_falls_back_to_the_settings_above(tmp_path: Path) -> None:
    nested_tree(tmp_path, '[tool.ml-policy]\nslect = ["MLM"]\n', root_table='ignore = ["MLP001"]')
    result = check(tmp_path)
    assert result.stdout.splitlines() == [
        "vendor/pkg/pyproject.toml:2:1: MLE001 [tool.ml-policy] slect: unknown key 'slect' "
        "(did you mean 'select'?); the files below vendor/pkg are checked with the settings "
        "of pyproject.toml instead",
        "Found 1 error.",
    ]


@pytest.mark.slow
def test_without_settings_above_the_defaults_are_named(tmp_path: Path) -> None:
    write_files(tmp_path, {"pkg/pyproject.toml": "[tool.ml-policy]\nselect = 5\n"})
    result = check(tmp_path)
    assert "the files below pkg are checked with the default settings (ml-strict)" in result.stdout
    assert result.returncode == 1


@pytest.mark.slow
@pytest.mark.parametrize("how", ["config", "cli"])
def test_an_excluded_folder_pyproject_is_never_read(tmp_path: Path, how: str) -> None:
    nested_tree(tmp_path, "[tool.ml-policy\n", 'exclude = ["vendor/"]' if how == "config" else "")
    args = ["--exclude", "vendor/"] if how == "cli" else []
    result = check(tmp_path, *args)
    assert result.returncode == 1
    assert "vendor" not in result.stdout
    assert result.stdout.startswith("src/train.py:2:10: MLP001")


@pytest.mark.slow
def test_an_excluded_pyproject_is_not_read_even_when_named(tmp_path: Path) -> None:
    nested_tree(tmp_path, "[tool.ml-policy\n", 'exclude = ["vendor/"]')
    result = check(tmp_path, "vendor/pkg/loader.py", "vendor/pkg/pyproject.toml")
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


@pytest.mark.slow
def test_the_root_pyproject_stays_fatal(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": "[tool.ml-policy\n", "sub/a.py": "x = 1\n"})
    assert_config_error(check(tmp_path), "pyproject.toml:1: invalid TOML")
    # ... and so does one above the working directory: it governs the run.
    assert_config_error(ml_policy("check", ".", cwd=tmp_path / "sub"), "invalid TOML")


def test_the_resolver_records_the_broken_file_and_uses_the_settings_above(tmp_path: Path) -> None:
    nested_tree(tmp_path, "[tool.ml-policy\n", root_table='ignore = ["MLM"]')
    resolver = SettingsResolver(cwd=tmp_path)
    settings = resolver.for_path(Path("vendor/pkg/loader.py"))
    assert settings.ignore == ("MLM",)
    assert list(resolver.broken) == [tmp_path.resolve() / "vendor/pkg/pyproject.toml"]
    with pytest.raises(ConfigError):
        SettingsResolver(cwd=tmp_path / "vendor" / "pkg").for_path(Path("loader.py"))


@pytest.mark.slow
def test_the_deps_hook_reports_a_broken_nested_pyproject_once(tmp_path: Path) -> None:
    nested_tree(tmp_path, "[tool.ml-policy\n")
    result = ml_policy("deps", "vendor/pkg/pyproject.toml", cwd=tmp_path)
    assert result.stdout.count("MLE001") == 1, result.stdout


# --- [tool.bandit] values bandit would crash on, or misread -----------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[tool.bandit]\nskips = 5\n", "pyproject.toml:2: [tool.bandit] skips: must be a list"),
        (
            '[tool.bandit]\nexclude_dirs = "tests"\n',
            "pyproject.toml:2: [tool.bandit] exclude_dirs: "
            'must be a list of strings, like ["tests/*"]',
        ),
        ("[tool]\nbandit = 5\n", "pyproject.toml:2: [tool.bandit]: must be a table"),
        (
            "[tool.bandit]\nprofiles = { a = 1 }\n",
            "pyproject.toml:2: [tool.bandit] profiles: must be a table of tables",
        ),
    ],
)
def test_bandit_values_it_cannot_use_are_clear_errors(
    tmp_path: Path, table: str, message: str
) -> None:
    write_files(tmp_path, {"pyproject.toml": table, "a.py": "x = 1\n"})
    result = ml_policy("bandit", "a.py", cwd=tmp_path)
    assert_config_error(result, f"ml-policy: error: {message}")


# --- dependency declarations of the wrong shape; shell scripts with a stray quote --------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '[project]\nname = "x"\ndependencies = "torch"\n',
            3,
            "[project] dependencies must be a list of requirement strings, not a string: "
            "not checked",
        ),
        (
            '[project]\ndependencies = ["numpy==1.26.4", 5]\n',
            2,
            "[project] dependencies: item 2 is a number, not a requirement string: not checked",
        ),
        (
            '[project.optional-dependencies]\ngpu = "torch"\n',
            2,
            "[project.optional-dependencies] gpu must be a list of requirement strings, "
            "not a string: not checked",
        ),
        (
            '[tool.poetry]\ndependencies = ["torch"]\n',
            2,
            "[tool.poetry.dependencies] must be a table, not an array: not checked",
        ),
    ],
)
def test_dependencies_of_the_wrong_shape_are_mle001(text: str, line: int, message: str) -> None:
    [error] = parse_pyproject(Path("pyproject.toml"), text).errors
    assert (error.line, error.message) == (line, message)


@pytest.mark.slow
def test_a_dependency_string_is_reported_by_the_cli(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = "torch"\n'})
    result = ml_policy("deps", "pyproject.toml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("pyproject.toml:3:1: MLE001 [project] dependencies must be")


def test_an_included_dependency_group_is_not_an_error() -> None:
    text = '[dependency-groups]\ndev = [{ include-group = "test" }]\ntest = ["pytest==8.0"]\n'
    assert parse_pyproject(Path("pyproject.toml"), text).errors == ()


def test_an_unterminated_quote_hides_only_its_own_command() -> None:
    text = (
        "pip install numpy\n"
        'echo "unterminated\n'
        "pip install torch\n"
        "python -c 'print(1)\n"
        "pip install jax\n"
    )
    scan = scan_file(Path("install.sh"), text)
    assert [(a.requirement, a.line) for a in scan.installs] == [
        ("numpy", 1),
        ("torch", 3),
        ("jax", 5),
    ]


@pytest.mark.slow
def test_an_unterminated_quote_in_a_workflow_step_hides_only_its_line(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: |\n          echo 'oops\n          pip install torch\n"
    )
    write_files(tmp_path, {".github/workflows/ci.yml": workflow})
    result = ml_policy("deps", ".github/workflows/ci.yml", cwd=tmp_path)
    assert "MLD006 `pip install torch`" in result.stdout


# --- discovery: caches are skipped, committed files never ----------------------------------

SIGNATURE = (
    "Signature: 8a477f597d28d172789f06886806bc55\n# a cache: see https://bford.info/cachedir/\n"
)


def cache_tree(root: Path) -> None:
    write_files(
        root,
        {
            "train.py": "x = 1\n",
            "cache/CACHEDIR.TAG": SIGNATURE,
            "cache/entry.py": DATALOADER,
            "cache/deeper/entry.py": DATALOADER,
            "notacache/CACHEDIR.TAG": "not the signature\n",
            "notacache/loader.py": DATALOADER,
        },
    )


@pytest.mark.slow
def test_outside_git_a_tagged_cache_folder_is_not_walked(tmp_path: Path) -> None:
    cache_tree(tmp_path)
    assert run(["git", "rev-parse", "--git-dir"], tmp_path).returncode != 0  # the walk, not git
    result = check(tmp_path)
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == [
        "notacache/loader.py"
    ]


@pytest.mark.slow
def test_a_cache_folder_named_on_the_command_line_is_checked(tmp_path: Path) -> None:
    cache_tree(tmp_path)
    result = check(tmp_path, "cache")
    assert result.stdout.count("MLP001") == 2


@pytest.mark.slow
def test_in_git_an_untracked_cache_is_skipped_and_a_committed_one_is_not(git_repo: Path) -> None:
    cache_tree(git_repo)
    assert cache_findings(check(git_repo)) == 0
    run(["git", "add", "cache"], git_repo, check=True)
    # Committed files are reviewed code: a committed tag must not hide them.
    assert cache_findings(check(git_repo)) == 2


def cache_findings(result: subprocess.CompletedProcess[str]) -> int:
    return sum(line.startswith("cache/") for line in result.stdout.splitlines())


# --- folders and files that cannot be read: MLE001 "not checked" ------------------------------

UNPRIVILEGED = 65534  # nobody


@pytest.fixture
def open_tree() -> Iterator[Path]:
    """A folder every user can enter (tmp_path's parents are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="ml-policy-unreadable-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        # Give back every permission a test took away (each folder before it is walked
        # into), so that a run as a user other than root can delete the tree.
        for folder, subfolders, _ in os.walk(root):
            for name in subfolders:
                Path(folder, name).chmod(0o755)
        shutil.rmtree(root)


def as_user(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a user that permissions apply to: this one, or nobody when run as root."""
    command: list[str] = [sys.executable, "-m", "ml_policy", *args]
    env = dict(os.environ)
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: no way to drop the privilege")
        drop = [setpriv, f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}", "--clear-groups"]
        probe = subprocess.run(
            [*drop, sys.executable, "-c", "import ml_policy"],
            cwd=root,
            capture_output=True,
            check=False,
        )
        if probe.returncode != 0:
            pytest.skip(f"cannot run ml-policy as an unprivileged user: {probe.stderr[-200:]!r}")
        command = [*drop, *command]
        # The repository belongs to root: let git read it, and keep it out of /root.
        env.update(
            HOME=str(root),
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="safe.directory",
            GIT_CONFIG_VALUE_0="*",
        )
    return subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def lock(path: Path) -> None:
    path.chmod(0)


@pytest.mark.slow
def test_a_folder_that_cannot_be_listed_is_mle001(open_tree: Path) -> None:
    write_files(open_tree, {"a.py": "x = 1\n", "private/b.py": DATALOADER})
    lock(open_tree / "private")
    result = as_user(open_tree, "check", "--no-cache", ".")
    assert result.stdout.splitlines() == [
        "private:1:1: MLE001 not checked: cannot list this folder (Permission denied)",
        "Found 1 error.",
    ], result.stderr
    assert result.returncode == 1


@pytest.mark.slow
def test_an_excluded_folder_that_cannot_be_listed_is_not_reported(open_tree: Path) -> None:
    write_files(open_tree, {"a.py": "x = 1\n", "private/b.py": DATALOADER})
    lock(open_tree / "private")
    result = as_user(open_tree, "check", "--no-cache", "--exclude", "private/", ".")
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n"), result.stderr


@pytest.mark.slow
def test_a_file_named_in_a_folder_that_cannot_be_entered_is_mle001(open_tree: Path) -> None:
    write_files(open_tree, {"private/b.py": DATALOADER})
    lock(open_tree / "private")
    result = as_user(open_tree, "check", "--no-cache", "private/b.py")
    assert "internal error" not in result.stderr
    assert result.stdout.splitlines() == [
        "private/b.py:1:1: MLE001 not checked: cannot read (Permission denied)",
        "Found 1 error.",
    ]


@pytest.mark.slow
def test_in_git_a_folder_that_cannot_be_listed_is_mle001(open_tree: Path) -> None:
    run(["git", "init", "-q"], open_tree, check=True)
    write_files(open_tree, {"a.py": "x = 1\n", "deep/private/b.py": "x = 1\n"})
    run(["git", "add", "deep/private/b.py"], open_tree, check=True)
    write_files(open_tree, {"deep/private/untracked.py": DATALOADER})
    lock(open_tree / "deep" / "private")
    result = as_user(open_tree, "check", "--no-cache", ".")
    # Once for the folder, not again for the tracked file git lists inside it.
    assert result.stdout.splitlines() == [
        "deep/private:1:1: MLE001 not checked: cannot list this folder (Permission denied)",
        "Found 1 error.",
    ], result.stderr
    from_below = as_user(open_tree / "deep", "check", "--no-cache", ".")
    assert from_below.stdout.startswith("private:1:1: MLE001 not checked"), from_below.stderr


@pytest.mark.slow
def test_an_unreadable_nested_pyproject_is_mle001(open_tree: Path) -> None:
    write_files(
        open_tree,
        {"pyproject.toml": "[tool.ml-policy]\n", "pkg/pyproject.toml": "", "pkg/a.py": "x = 1\n"},
    )
    lock(open_tree / "pkg" / "pyproject.toml")
    result = as_user(open_tree, "lint", "--no-cache", "pkg/a.py")
    assert result.stdout.startswith(
        "pkg/pyproject.toml:1:1: MLE001 cannot read: Permission denied"
    ), result.stdout + result.stderr
    assert stat.S_IMODE((open_tree / "pkg" / "pyproject.toml").stat().st_mode) == 0


def test_command_line_problems_list_every_bad_value() -> None:
    overrides = CliOverrides(select=("MLX",), ignore=("MLP01",), exclude=("!",))
    assert [problem.split(":")[0] for problem in overrides.problems()] == [
        "--select",
        "--ignore",
        "--exclude",
    ]


@pytest.mark.slow
def test_a_setup_py_libcst_parses_but_python_rejects_is_mle001(tmp_path: Path) -> None:
    # Found by the readers' fuzz test: libcst's parser takes U+31350 as a name, then
    # refuses to build the node (an internal error before).
    # (A setup.py is parsed only when it names a requirements keyword.)
    write_files(tmp_path, {"setup.py": "\U00031350\ninstall_requires = []\n"})
    result = ml_policy("deps", "setup.py", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "setup.py:1:1: MLE001 syntax error: not valid Python",
        "Found 1 error.",
    ]
