"""`--fix` and `init` write only what they say: all or nothing, through links inside the
repository only, with the umask's mode, and a killed run is found and completed next time."""

from __future__ import annotations

import difflib
import fcntl
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ml_policy, run, write_files

TWO_DEFAULTS = """\
def f(x, acc=[], seen={}):
    acc.append(x)
    seen.update(x=1)
    return acc
"""
TWO_DEFAULTS_FIXED = """\
def f(x, acc=None, seen=None):
    if acc is None:
        acc = []
    if seen is None:
        seen = {}
    acc.append(x)
    seen.update(x=1)
    return acc
"""
FIX = ("check", "--fix", "--unsafe-fixes", "--no-cache")


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- what --fix reports ------------------------------------------------------------------------


@pytest.mark.slow
def test_fix_reports_what_remains_not_what_it_fixed(tmp_path: Path) -> None:
    # Both findings share one fix; 0.1.0 applied it and still reported the second one
    # ("1 unsafe fix available", exit 1).
    (tmp_path / "h.py").write_text(TWO_DEFAULTS)
    result = ml_policy(*FIX, "h.py", cwd=tmp_path)
    assert (tmp_path / "h.py").read_text() == TWO_DEFAULTS_FIXED
    assert result.stdout == "Found 2 errors (2 fixed, 0 remaining).\n"  # Ruff's words
    assert result.returncode == 0
    again = ml_policy("check", "--no-cache", "h.py", cwd=tmp_path)
    assert (again.stdout, again.returncode) == ("All checks passed!\n", 0)


@pytest.mark.slow
def test_remaining_findings_are_those_of_the_files_as_written(tmp_path: Path) -> None:
    loader = "from torch.utils.data import DataLoader\nloader = DataLoader(ds)\n"
    source = TWO_DEFAULTS + "\n\n" + loader  # the DataLoader on line 8
    write_files(tmp_path, {"train.py": source, "untouched.py": loader})
    cache = ("--cache-dir", str(tmp_path.parent / "cache"))  # the warm path too
    result = run(
        [sys.executable, "-m", "ml_policy", *FIX[:-1], *cache, "--output-format", "json", "."],
        tmp_path,
    )
    fresh = ml_policy("check", "--no-cache", "--output-format", "json", ".", cwd=tmp_path)
    assert json.loads(result.stdout) == json.loads(fresh.stdout)
    rows = {
        (d["filename"].rsplit("/", 1)[1], d["location"]["row"]) for d in json.loads(fresh.stdout)
    }
    assert rows == {("train.py", 12), ("untouched.py", 2)}  # the fix added four lines
    text = ml_policy("check", "--no-cache", "train.py", cwd=tmp_path)
    (tmp_path / "train.py").write_text(source)
    fixed = ml_policy(*FIX, "train.py", cwd=tmp_path)
    assert fixed.stdout == text.stdout.replace(
        "Found 1 error.", "Found 3 errors (2 fixed, 1 remaining)."
    )
    assert fixed.stdout.startswith("train.py:12:10: MLP001 ")
    assert fixed.returncode == 1


@pytest.mark.slow
def test_diff_shows_what_fix_writes(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(TWO_DEFAULTS)
    diff = ml_policy("check", "--diff", "--unsafe-fixes", "--no-cache", "h.py", cwd=tmp_path)
    expected = difflib.unified_diff(
        TWO_DEFAULTS.splitlines(keepends=True),
        TWO_DEFAULTS_FIXED.splitlines(keepends=True),
        "h.py",
        "h.py",
    )
    assert diff.stdout == "".join(expected)
    assert diff.stderr == "Would fix 2 error(s) in 1 file(s).\n"
    assert (tmp_path / "h.py").read_text() == TWO_DEFAULTS


# --- all or nothing ----------------------------------------------------------------------------


@pytest.mark.slow
def test_one_read_only_file_among_three_writes_none(tmp_path: Path) -> None:
    paths = write_files(tmp_path, dict.fromkeys(("a.py", "b.py", "c.py"), TWO_DEFAULTS))
    paths[1].chmod(0o444)
    result = ml_policy(*FIX, ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "ml-policy: error: b.py: file is read-only; nothing was written\n"
    assert [p.read_text() for p in paths] == [TWO_DEFAULTS] * 3
    assert temporaries(tmp_path) == []


@pytest.mark.slow
def test_every_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    paths = write_files(tmp_path, dict.fromkeys(("a.py", "b.py", "c.py"), TWO_DEFAULTS))
    paths[0].chmod(0o444)
    os.link(paths[2], tmp_path / "c-copy.txt")
    result = ml_policy(*FIX, "a.py", "b.py", "c.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "ml-policy: error: a.py: file is read-only; c.py: has 2 hard links; "
    )
    assert result.stderr.endswith("; nothing was written\n")
    assert [p.read_text() for p in paths] == [TWO_DEFAULTS] * 3


def limited_file_size(limit: int) -> None:
    """A real write failure half-way: the kernel refuses to grow a file past `limit` (EFBIG)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_a_write_failing_after_the_checks_still_writes_nothing(tmp_path: Path) -> None:
    big = TWO_DEFAULTS + "# padding\n" * 1000
    paths = write_files(tmp_path, {"a.py": TWO_DEFAULTS, "big.py": big})
    result = subprocess.run(
        [sys.executable, "-m", "ml_policy", *FIX, "a.py", "big.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=lambda: limited_file_size(4096),
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "ml-policy: error: big.py: cannot be written (File too large); nothing was written\n"
    )
    assert [p.read_text() for p in paths] == [TWO_DEFAULTS, big]
    assert temporaries(tmp_path) == []


@pytest.mark.slow
def test_a_failure_in_a_later_batch_says_what_was_written(tmp_path: Path) -> None:
    # More files than are staged at once: the first batch is renamed before the second
    # fails, and the error lists both sides exactly.
    script = textwrap.dedent(
        """
        from pathlib import Path
        from ml_policy.apply.atomic import WriteError, write_all
        files = [(Path(f"f{i:03}.txt"), b"new") for i in range(256)]
        files.append((Path("last.txt"), b"x" * 8192))
        try:
            write_all(files)
        except WriteError as error:
            print(error)
        """
    )
    for index in range(256):
        (tmp_path / f"f{index:03}.txt").write_text("old")
    (tmp_path / "last.txt").write_text("old")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=lambda: limited_file_size(4096),
        check=False,
    )
    written = ", ".join(f"f{i:03}.txt" for i in range(256))
    assert result.stdout == (
        "last.txt: cannot be written (File too large); "
        f"written before the failure: {written}; not written: last.txt\n"
    )
    assert {p.read_text() for p in tmp_path.glob("f*.txt")} == {"new"}
    assert (tmp_path / "last.txt").read_text() == "old"
    assert temporaries(tmp_path) == []


@pytest.mark.slow
def test_a_name_too_long_for_a_temporary_file_is_refused_up_front(tmp_path: Path) -> None:
    long_name = "m" * 248 + ".py"  # 251 bytes: fits, its temporary file (265) does not
    paths = write_files(tmp_path, {"a.py": TWO_DEFAULTS, long_name: TWO_DEFAULTS})
    result = ml_policy(*FIX, ".", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{long_name}: name too long to write safely" in result.stderr
    assert result.stderr.endswith("; nothing was written\n")
    assert [p.read_text() for p in paths] == [TWO_DEFAULTS] * 2


# --- links -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_fix_writes_through_a_symlink_inside_the_repository(git_repo: Path) -> None:
    (git_repo / "real").mkdir()
    (git_repo / "real" / "mod.py").write_text(TWO_DEFAULTS)
    (git_repo / "link.py").symlink_to(Path("real") / "mod.py")
    # The link is judged as a link (never read through); its target is fixed under its
    # own name, and the link stays a link.
    result = ml_policy(*FIX, ".", cwd=git_repo)
    assert result.stdout == "Found 2 errors (2 fixed, 0 remaining).\n"
    assert (git_repo / "link.py").is_symlink()
    assert os.readlink(git_repo / "link.py") == str(Path("real") / "mod.py")
    assert (git_repo / "real" / "mod.py").read_text() == TWO_DEFAULTS_FIXED
    assert temporaries(git_repo) == temporaries(git_repo / "real") == []


@pytest.mark.slow
def test_no_write_through_a_link_leading_outside_the_repository(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = git_repo.parent / "outside"
    outside.mkdir()
    (outside / "mod.py").write_text(TWO_DEFAULTS)
    (git_repo / "link.py").symlink_to(outside / "mod.py")
    (git_repo / "sub").symlink_to(outside)
    (git_repo / "inside.py").write_text(TWO_DEFAULTS)
    files = [(Path(name), b"x = 1\n") for name in ("inside.py", "link.py", "sub/mod.py")]
    monkeypatch.chdir(git_repo)
    from ml_policy.apply.atomic import WriteError, write_all  # here: 0.1.0 had no write_all

    with pytest.raises(WriteError) as raised:
        write_all(files)
    assert str(raised.value) == (
        "link.py: a symbolic link to a file outside the repository, which ml-policy does not "
        "write to; sub/mod.py: in a linked folder that leads outside the repository, which "
        "ml-policy does not write to; nothing was written"
    )
    assert (outside / "mod.py").read_text() == (git_repo / "inside.py").read_text() == TWO_DEFAULTS
    assert (git_repo / "link.py").is_symlink()


@pytest.mark.slow
def test_init_writes_through_a_symlink_inside_the_repository(git_repo: Path) -> None:
    (git_repo / "config").mkdir()
    (git_repo / "config" / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (git_repo / "pyproject.toml").symlink_to(Path("config") / "pyproject.toml")
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert (git_repo / "pyproject.toml").is_symlink()
    assert "[tool.ml-policy]" in (git_repo / "config" / "pyproject.toml").read_text()
    again = ml_policy("init", cwd=git_repo)
    assert again.stdout.endswith("nothing to change\n")


@pytest.mark.slow
@pytest.mark.parametrize("flag", [[], ["--dry-run"]])
def test_init_refuses_a_symlink_leading_outside_the_repository(
    git_repo: Path, flag: list[str]
) -> None:
    outside = git_repo.parent / "outside.toml"
    outside.write_text('[project]\nname = "secret-project"\n')
    (git_repo / "pyproject.toml").symlink_to(outside)
    result = ml_policy("init", *flag, cwd=git_repo)
    assert result.returncode == 2
    assert result.stderr == (
        "ml-policy: error: pyproject.toml: a symbolic link to a file outside the repository, "
        "which ml-policy does not write to; nothing was written\n"
    )
    assert "secret-project" not in result.stdout + result.stderr  # not even read
    assert outside.read_text() == '[project]\nname = "secret-project"\n'
    assert sorted(p.name for p in git_repo.iterdir()) == [".git", "pyproject.toml"]


@pytest.mark.slow
def test_init_refuses_a_link_to_a_missing_file(git_repo: Path) -> None:
    (git_repo / ".pre-commit-config.yaml").symlink_to("missing.yaml")
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 2
    assert result.stderr == (
        "ml-policy: error: .pre-commit-config.yaml: a symbolic link to a missing file; "
        "nothing was written\n"
    )
    assert not (git_repo / "pyproject.toml").exists()


@pytest.mark.slow
@pytest.mark.parametrize("command", ["init", "fix"])
def test_hard_linked_files_are_refused_not_split(git_repo: Path, command: str) -> None:
    name = "pyproject.toml" if command == "init" else "h.py"
    content = '[project]\nname = "demo"\n' if command == "init" else TWO_DEFAULTS
    (git_repo / name).write_text(content)
    other = git_repo.parent / "elsewhere"  # another name of the same file, outside the repository
    os.link(git_repo / name, other)
    args = ("init",) if command == "init" else (*FIX, name)
    result = ml_policy(*args, cwd=git_repo)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ml-policy: error: {name}: has 2 hard links; ")
    assert os.stat(git_repo / name).st_ino == os.stat(other).st_ino  # still one file
    assert other.read_text() == content
    assert not (git_repo / ".pre-commit-config.yaml").exists()


# --- modes -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_the_umask_mode(git_repo: Path, umask: int, mode: int) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ml_policy", "init"],
        cwd=git_repo,
        capture_output=True,
        text=True,
        umask=umask,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("pyproject.toml", ".pre-commit-config.yaml", ".secrets.baseline"):
        assert stat.S_IMODE((git_repo / name).stat().st_mode) == mode, name


@pytest.mark.slow
def test_fix_keeps_the_mode_of_a_rewritten_file(tmp_path: Path) -> None:
    path = tmp_path / "run.py"
    path.write_text(TWO_DEFAULTS)
    path.chmod(0o751)
    assert ml_policy(*FIX, "run.py", cwd=tmp_path).returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert path.read_text() == TWO_DEFAULTS_FIXED


# --- a killed init -----------------------------------------------------------------------------

# Kills the process for real (SIGKILL, no clean-up can run) right after init's first
# rename: the harness lives in the test, the product code has no hook for it.
KILL_AFTER_FIRST_RENAME = """
import os, signal, sys
replace = os.replace
def replace_then_die(source, target):
    replace(source, target)
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace_then_die
from ml_policy.cli import main
sys.exit(main(["init"]))
"""


def clean_init(tmp_path: Path) -> dict[str, bytes]:
    """What an uninterrupted init writes into an empty repository."""
    repo = tmp_path / "clean"
    repo.mkdir()
    run(["git", "init", "-q"], repo, check=True)
    assert ml_policy("init", cwd=repo).returncode == 0
    return {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}


def files_of(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}


@pytest.mark.slow
def test_init_killed_between_two_files_is_detected_and_completed(
    git_repo: Path, tmp_path: Path
) -> None:
    killed = run([sys.executable, "-c", KILL_AFTER_FIRST_RENAME], git_repo)
    assert killed.returncode == -signal.SIGKILL
    left = temporaries(git_repo)
    # pyproject.toml is written, the other two files wait in their temporary files.
    assert (git_repo / "pyproject.toml").exists()
    assert not (git_repo / ".pre-commit-config.yaml").exists()
    assert [name.rsplit(".", 2)[0] for name in left] == [
        "..pre-commit-config.yaml",
        "..secrets.baseline",
    ]
    result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "ml-policy init: an earlier init was interrupted; removed what it left "
        f"({', '.join(left)}); this run completes it\n"
    )
    assert result.stdout.endswith("wrote .pre-commit-config.yaml, .secrets.baseline\n")
    assert files_of(git_repo) == clean_init(tmp_path)
    assert temporaries(git_repo) == []


@pytest.mark.slow
def test_a_crash_state_left_by_an_earlier_version_is_completed(
    git_repo: Path, tmp_path: Path
) -> None:
    # 0.1.0 wrote file by file: killed after pyproject.toml, it left that file updated,
    # no .pre-commit-config.yaml, and mkstemp's temporary file of its next write.
    expected = clean_init(tmp_path)
    (git_repo / "pyproject.toml").write_bytes(expected["pyproject.toml"])
    (git_repo / ".pyproject.toml.k3j5x9_q.tmp").write_bytes(expected["pyproject.toml"][:100])
    dry = ml_policy("init", "--dry-run", cwd=git_repo)
    assert dry.stdout.startswith(
        "ml-policy init: an earlier init was interrupted (it left .pyproject.toml.k3j5x9_q.tmp);"
        " running init completes it\n"
    )
    assert temporaries(git_repo) == [".pyproject.toml.k3j5x9_q.tmp"]  # a dry run removes nothing
    result = ml_policy("init", cwd=git_repo)
    assert "removed what it left (.pyproject.toml.k3j5x9_q.tmp); this run completes it" in (
        result.stdout
    )
    assert files_of(git_repo) == expected
    assert temporaries(git_repo) == []


@pytest.mark.slow
def test_only_our_own_abandoned_temporary_files_are_removed(git_repo: Path) -> None:
    others = [
        ".pyproject.toml.abc.tmp",  # not our length
        ".pyproject.toml.ABCDEFGH.tmp",  # not our alphabet
        ".pyproject.toml.abcdefgh.tmp.bak",
        "pyproject.toml.abcdefgh.tmp",
        ".setup.cfg.abcdefgh.tmp",  # beside a file init does not write
        ".pyproject.toml.abcdefgh.tmp",  # ours by name, but in use (locked below)
        ".pre-commit-config.yaml.abcdefgh.tmp",  # ours by name, but a symlink
    ]
    for name in others[:-1]:
        (git_repo / name).write_text("keep")
    (git_repo / others[-1]).symlink_to("pyproject.toml.abcdefgh.tmp")
    (git_repo / "sub").mkdir()
    (git_repo / "sub" / ".pyproject.toml.abcdefgh.tmp").write_text("keep")  # not beside it
    with (git_repo / ".pyproject.toml.abcdefgh.tmp").open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # a write running in another process
        result = ml_policy("init", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert "interrupted" not in result.stdout
    assert all(os.path.lexists(git_repo / name) for name in others)
    assert (git_repo / "sub" / ".pyproject.toml.abcdefgh.tmp").exists()


@pytest.mark.slow
def test_fix_removes_what_an_interrupted_write_of_the_same_file_left(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(TWO_DEFAULTS)
    (tmp_path / ".h.py.0a1b2c3d.tmp").write_text(TWO_DEFAULTS[:10])
    result = ml_policy(*FIX, "h.py", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == "ml-policy: removed .h.py.0a1b2c3d.tmp, left by an interrupted write\n"
    assert temporaries(tmp_path) == []


def test_a_fix_that_would_break_the_file_is_not_applied(tmp_path: Path) -> None:
    # No rule's fix does this today; Ruff's rule for a rule's bug: keep the file as it was.
    from ml_policy.config import SettingsResolver
    from ml_policy.diagnostics import Applicability, Diagnostic, Edit, Fix
    from ml_policy.fixes import fix_until_stable

    path = tmp_path / "m.py"
    path.write_text("x = 1\n")
    broken = Fix("Break it", (Edit("(", 1, 1, 1, 1),), Applicability.SAFE)
    diagnostic = Diagnostic("MLM001", "m", path, fix=broken)
    run = fix_until_stable([diagnostic], SettingsResolver(cwd=tmp_path), unsafe=False)
    assert (run.files, run.fixed) == ([], 0)
    assert run.warnings == [
        f"{path}: the fixes would break the file (it no longer parses); "
        "left unchanged, please report it"
    ]
