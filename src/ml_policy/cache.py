"""A content-hash cache of per-file results that nothing planted can make lie.

The lint rules and the secrets checker use it. A key covers everything a
file's result depends on: its bytes and path (some rules skip test files),
what the caller says matters (enabled rules, settings, a baseline's digest)
and the ml-policy version. Each entry is its own small file, written to a
temporary name and renamed into place, so concurrent writers never produce a
torn entry and readers see a whole entry or none. A run over many files also
keeps a run index (runindex.py), signed the same way.

The cache sits in the work tree, where a pull request can put files, so it
is never simply trusted (an entry of `[]` would hide every finding):

- Each entry carries an HMAC of its key and content under a per-user key
  kept outside the repository (`~/.cache/ml-policy/cache-key`): only this
  user on this machine can write an entry that verifies. Anything else -- a
  committed or unpacked entry, a copy of another file's entry, a malformed
  one -- is a miss, and the file is checked again.
- A directory is used only when ml-policy made it (its CACHEDIR.TAG) and it
  is a real directory owned by this user; otherwise one warning, and the run
  goes on without a cache. Nothing is written into one that git tracks files
  in (a committed cache; one warning). ml-policy writes its .gitignore and tag
  only into a directory it created (or an empty one).
- Entries are read only as regular files (no symlink, FIFO or device), under
  a size cap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from ml_policy import __version__, runindex
from ml_policy.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from ml_policy.files import read_regular
from ml_policy.runindex import RunIndex

DEFAULT_DIRECTORY = ".ml-policy-cache"
MAX_ENTRY_BYTES = 16 * 1024 * 1024  # far above any real file's findings
TAG_NAME = "CACHEDIR.TAG"
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by ml-policy.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
IGNORE = "# Created by ml-policy: its cache is not for version control.\n*\n"
_KEY_BYTES = 32
_RUN = "run:"  # what an index is signed under, beside its name: never an entry's key
_MEMO = "memo:"  # the same for a kept value (recall, keep)


class Cache:
    """Diagnostics by key, under `directory/<version>/`; inert when the directory is not trusted.

    A checker that names itself and its files (`namespace`, `files`) also gets the run
    index of its last run over the same files (runindex.py); `finish` writes this run's.
    """

    def __init__(self, directory: Path, namespace: str = "", files: Sequence[Path] = ()) -> None:
        self.directory = directory / __version__
        self._folder = os.fspath(self.directory)  # entry paths are built as strings: 1000s a run
        self._made: set[str] = set()  # subfolders known to exist
        self._root = directory
        self._index_name = ""
        self._index: RunIndex | None = None
        if namespace and len(files) >= runindex.MIN_FILES:
            self._index_name = runindex.name_for(namespace, files)
            self._index = self._read_index()

    @staticmethod
    def digest(data: bytes) -> str:
        """A file's content digest, as keys take it."""
        return hashlib.sha256(data).hexdigest()  # faster than blake2b with SHA instructions

    @staticmethod
    def key(path: Path, digest: str, *context: str) -> str:
        """The key of `path` whose content has `digest`, checked under `context` (one string
        per setting)."""
        parts = (__version__, path.as_posix(), *context, digest)
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    def known_digest(self, path: Path) -> str | None:
        """The digest of `path` from the run index, when the file is unchanged since."""
        return self._index.known_digest(path) if self._index else None

    def remember(self, path: Path, status: os.stat_result, digest: str) -> None:
        """`digest` of `path`, read after `status` was taken, for the next run's index."""
        if self._index:
            self._index.remember(path, status, digest)

    def _entry(self, key: str) -> str:
        return os.path.join(self._folder, key[:2], key + ".json")

    def get(self, key: str, path: Path) -> list[Diagnostic] | None:
        """The diagnostics stored under `key`, or None: missing, forged, malformed or unusable."""
        if self._index and (indexed := self._index.entry(key)) is not None:
            try:
                return _load_all(indexed, path)
            except (TypeError, KeyError, ValueError):
                pass  # the entry itself may still be good
        records = self._signed(self._entry(key), key)
        if records is None:
            return None
        try:
            found = _load_all(records, path)
        except (TypeError, KeyError, ValueError):
            return None
        if self._index:
            self._index.keep(key, records)
        return found

    def _signed(self, file: str, name: str) -> Any:
        """The JSON of a signed file under `name`; None: missing, forged or malformed."""
        secret = _secret_for(self._root)
        if secret is None:
            return None
        data = _read_entry(file)
        if data is None:
            return None
        mac, _, payload = data.partition(b"\n")
        if not hmac.compare_digest(mac, _mac(secret, name, payload)):
            return None
        try:
            return json.loads(payload)
        except ValueError:
            return None

    def put(self, key: str, diagnostics: Sequence[Diagnostic]) -> None:
        records = [_dump(d) for d in diagnostics]
        if self._index:
            self._index.keep(key, records)
        payload = json.dumps(records).encode("utf-8", "surrogateescape")
        self._sign_and_write(self._entry(key), key, payload)

    def recall(self, name: str) -> Any:
        """The JSON value kept under `name` (keep), or None: missing, forged or malformed.
        The caller checks that what the value was worked out from is unchanged."""
        return self._signed(self._memo_file(name), _MEMO + name)

    def keep(self, name: str, value: Any) -> None:
        payload = json.dumps(value).encode("utf-8", "surrogateescape")
        self._sign_and_write(self._memo_file(name), _MEMO + name, payload)

    def _memo_file(self, name: str) -> str:
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()
        return os.path.join(self._folder, "memo", digest + ".json")

    def finish(self) -> None:
        """Write this run's index, when it differs from the last run's."""
        if self._index is None or not self._index.changed():
            return
        self._sign_and_write(self._index_file(), _RUN + self._index_name, self._index.payload())
        runindex.prune(os.path.dirname(self._index_file()))

    def _index_file(self) -> str:
        return os.path.join(self._folder, "runs", self._index_name + ".json")

    def _read_index(self) -> RunIndex | None:
        if _secret_for(self._root) is None:
            return None
        return RunIndex.of(self._signed(self._index_file(), _RUN + self._index_name))

    def _sign_and_write(self, file: str, name: str, payload: bytes) -> None:
        secret = _secret_for(self._root)
        if secret is None or not _may_write(self._root):
            return
        if len(payload) > MAX_ENTRY_BYTES - 100:
            return  # would be refused on reading: not worth writing
        try:
            self._write(file, _mac(secret, name, payload) + b"\n" + payload)
        except OSError:
            return  # a read-only checkout still lints, just without a cache

    def _write(self, entry: str, data: bytes) -> None:
        import tempfile  # only a run that computed something writes

        folder = os.path.dirname(entry)
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        descriptor, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, entry)
        except BaseException:
            os.unlink(temporary)
            raise


def _mac(secret: bytes, key: str, payload: bytes) -> bytes:
    """The entry's authenticator: binds the content to its key (no swapping entries)."""
    return hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


def _read_entry(entry: str) -> bytes | None:
    """An entry's bytes: a regular file (not followed through a symlink) under the cap."""
    try:
        return read_regular(entry, MAX_ENTRY_BYTES, follow_symlinks=False)
    except OSError:
        return None


# --- which directories are trusted ------------------------------------------------------


@cache
def _secret_for(directory: Path) -> bytes | None:
    """The HMAC key when `directory` may be used as this run's cache, else None (warned once).

    Decided once per process: the lint and secrets checkers share the answer.
    """
    secret = _user_secret()
    if secret is None:
        return None
    problem = _prepare_directory(directory)
    if problem is not None:
        sys.stderr.write(f"ml-policy: warning: cache {directory} not used: {problem}\n")
        return None
    return secret


def _prepare_directory(directory: Path) -> str | None:
    """Make `directory` ours if it is new or empty; why it cannot be used, or None."""
    try:
        status = os.lstat(directory)
    except FileNotFoundError:
        return _create(directory)
    except OSError as error:
        return error.strerror or str(error)
    if not stat.S_ISDIR(status.st_mode):
        return "not a directory (a symlink or a file)"
    if status.st_uid != os.getuid():
        return "owned by another user"
    if not _has_our_tag(directory):
        if any(os.scandir(directory)):
            return f"a folder ml-policy did not create (it has no {TAG_NAME} of ml-policy)"
        if (problem := _mark(directory)) is not None:
            return problem
    return None


@cache
def _may_write(directory: Path) -> bool:
    """Whether entries may be written into `directory`: not when git tracks files in it
    (warned once). Asked only when there is something to write: reading a committed
    entry is safe (it verifies only under this user's key, for the content it names), and
    the `git ls-files` this costs is most of a warm one-file run."""
    if not _tracked_by_git(directory):
        return True
    problem = f"git tracks files in it (never commit a cache: git rm -r --cached {directory})"
    sys.stderr.write(f"ml-policy: warning: cache {directory} not written: {problem}\n")
    return False


def _create(directory: Path) -> str | None:
    """A new cache directory with its tag and .gitignore, made whole before it appears."""
    import tempfile

    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".ml-policy-cache-"))
    except OSError:
        return None  # read-only: no cache, nothing to warn about (it would be said every run)
    try:
        _mark(staging)
        os.rename(staging, directory)
    except OSError:
        _remove_staging(staging)
        if not _has_our_tag(directory):  # another process made it meanwhile: fine if it is ours
            return "could not be created"
    return None


def _mark(directory: Path) -> str | None:
    try:
        (directory / TAG_NAME).write_text(TAG, encoding="utf-8")
        (directory / ".gitignore").write_text(IGNORE, encoding="utf-8")
    except OSError as error:
        return error.strerror or str(error)
    return None


def _remove_staging(staging: Path) -> None:
    import shutil

    shutil.rmtree(staging, ignore_errors=True)


def _has_our_tag(directory: Path) -> bool:
    """Whether `directory` holds ml-policy's CACHEDIR.TAG (or 0.1.0's marker .gitignore)."""
    for name, expected in ((TAG_NAME, TAG), (".gitignore", IGNORE)):
        data = _read_entry(os.path.join(directory, name))
        if data is not None and data.decode("utf-8", "replace") == expected:
            if name != TAG_NAME:  # a cache of 0.1.0: tag it now
                _mark(directory)
            return True
    return False


def _tracked_by_git(directory: Path) -> bool:
    """Whether git tracks any file in `directory` (a committed cache)."""
    from ml_policy.confine import work_tree

    if work_tree(Path(os.path.realpath(directory))) is None:
        return False  # not in a work tree: nothing can be tracked
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "."],
            cwd=directory,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and bool(listed.stdout)


def _user_secret() -> bytes | None:
    """This user's cache key, made on first use; None when there is nowhere to keep it."""
    try:
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:
        return None
    path = Path(home) / "ml-policy" / "cache-key"
    try:
        existing = _read_entry(os.fspath(path))
        if existing is not None and len(existing) == 2 * _KEY_BYTES:
            return existing
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = os.urandom(_KEY_BYTES).hex().encode()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return _read_entry(os.fspath(path))  # another process made it meanwhile
    except OSError:
        return None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secret)
    return secret


# --- entries ----------------------------------------------------------------------------


def _dump(diagnostic: Diagnostic) -> dict[str, Any]:
    fix = diagnostic.fix
    return {
        "code": diagnostic.code,
        "message": diagnostic.message,
        "position": [
            diagnostic.line,
            diagnostic.column,
            diagnostic.end_line,
            diagnostic.end_column,
        ],
        "severity": diagnostic.severity.value,
        "cell": diagnostic.cell,
        "fix": None
        if fix is None
        else {
            "message": fix.message,
            "applicability": fix.applicability.value,
            "edits": [[e.content, e.line, e.column, e.end_line, e.end_column] for e in fix.edits],
        },
    }


_RECORD_KEYS = frozenset({"code", "message", "position", "severity", "cell", "fix"})


def _load_all(records: Any, path: Path) -> list[Diagnostic]:
    """Entries are exactly what _dump writes; anything else is a TypeError (a miss)."""
    if not isinstance(records, list):
        raise TypeError("not a list of diagnostics")
    return [_load(record, path) for record in records]


def _load(record: Any, path: Path) -> Diagnostic:
    if not isinstance(record, dict) or record.keys() != _RECORD_KEYS:
        raise TypeError("not a diagnostic")
    line, column, end_line, end_column = _positions(record["position"], 4)
    cell = record["cell"]
    if not (cell is None or (type(cell) is int and cell >= 1)):
        raise TypeError("bad cell")
    return Diagnostic(
        _text(record["code"]),
        _text(record["message"]),
        path,
        line,
        column,
        end_line,
        end_column,
        Severity(record["severity"]),
        _load_fix(record["fix"]),
        cell=cell,
    )


def _load_fix(record: Any) -> Fix | None:
    if record is None:
        return None
    if not isinstance(record, dict) or record.keys() != {"message", "applicability", "edits"}:
        raise TypeError("not a fix")
    if not isinstance(record["edits"], list):
        raise TypeError("bad edits")
    edits = tuple(
        Edit(_text(edit[0]), *_positions(edit[1:], 4)) if isinstance(edit, list) else _bad()
        for edit in record["edits"]
    )
    return Fix(_text(record["message"]), edits, Applicability(record["applicability"]))


def _positions(values: Any, count: int) -> list[int]:
    if not isinstance(values, list) or len(values) != count:
        raise TypeError("bad position")
    if not all(type(value) is int and value >= 0 for value in values):
        raise TypeError("bad position")
    return values


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _bad() -> Edit:
    raise TypeError("bad edit")
