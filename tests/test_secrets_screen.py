"""The secrets screen (secrets/screen.py, factors.py, lookup.py) changes no finding.

Most tests scan the same files twice: screened (the default) and in full
(`scan._screen` returns None, so every file and every line goes through
detect-secrets, as before the screen), and require identical results: files,
lines, columns, types, secrets, hashes, and files that could not be scanned.
The rest check the screen's parts: the factors every match of every enabled
pattern contains (hypothesis strings from the patterns themselves), and the
claim that lets the screen read a file's raw text although detect-secrets
scans transformed lines (YAML and INI files, hypothesis documents).

Tokens are built at run time (test_secrets_tokens.py explains why).
"""

from __future__ import annotations

import configparser
import io
import json
import re
import string
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import test_secrets_tokens as tokens
import yaml  # type: ignore[import-untyped]
from conftest import ROOT, write_files
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_secrets import NEGATIVES, POSITIVES
from test_secrets_hardening import CASES

from ml_policy import checkers
from ml_policy.config import SettingsResolver
from ml_policy.secrets import factors, lookup, regex_tree, scan, screen

# --- scanning twice --------------------------------------------------------------------------


def both(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> scan.ScanResult:
    """The screened scan of `paths`, checked against the full scan."""
    screened = scan.scan_files(paths, workers=1)
    assert scan._SCREEN is not None  # the screen was on
    with monkeypatch.context() as patch:
        patch.setattr(scan, "_screen", lambda disabled: None)
        full = scan.scan_files(paths, workers=1)
    assert screened.not_scanned == full.not_scanned
    assert screened.findings == full.findings
    return screened


@pytest.mark.slow
def test_repository_files(monkeypatch: pytest.MonkeyPatch) -> None:
    folders = ("src", "tests", "examples", "docs", "policies")
    paths = [
        path
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert len(paths) > 250
    both(paths, monkeypatch)


# --- every token format, in every kind of file -----------------------------------------------


def _token_makers() -> dict[str, Callable[[], str]]:
    makers = {name: case.make for name, case in CASES.items()}
    makers["private-key-openssh"] = lambda: tokens.private_key("OPENSSH")
    makers["private-key-pkcs8"] = lambda: tokens.private_key("")
    makers["hf-org"] = tokens.hugging_face_org
    makers["openai-legacy"] = tokens.openai_legacy
    return makers


# `{t}` is the token, `{k}` a key name that the keyword-anchored detectors read.
CONTEXTS: dict[str, str] = {
    "code.py": 'TOKEN = "{t}"\n',
    "code-key.py": '{k} = "{t}"\n',
    "pragma.py": 'TOKEN = "{t}"  # pragma: allowlist secret\n',
    "nextline.py": '# pragma: allowlist nextline secret\nTOKEN = "{t}"\nOTHER = "{t}"\n',
    "crlf.py": 'x = 1\r\nTOKEN = "{t}"\r\n',
    "cr.py": 'x = 1\rTOKEN = "{t}"\r',
    "formfeed.py": 'x = 1\n\x0c\nTOKEN = "{t}"\n',
    "plain.yaml": "{k}: {t}\n",
    "single.yaml": "{k}: '{t}'\n",
    "double.yml": '{k}: "{t}"\n',
    "literal.yaml": "{k}: |\n  {t}\n  more\n",
    "folded.yaml": "{k}: >\n  {t}\n",
    "next-line.yaml": "section:\n  {k}:\n    {t}\n",
    "list.yaml": "items:\n  - {t}\n  - other\n",
    "flow.yaml": "cfg: {{a: {t}, {k}: x}}\n",
    "alias.yaml": "a: &x {t}\nb: *x\n{k}: *x\n",
    "comment.yaml": "key: value  # {t}\n",
    "pragma.yaml": "{k}: {t}  # pragma: allowlist secret\n",
    "nextline.yaml": "# pragma: allowlist nextline secret\n{k}: {t}\n",
    "section.cfg": "[service]\n{k} = {t}\n",
    "colon.ini": "[service]\n{k}: {t}\n",
    "continued.cfg": "[service]\n{k} = x\n    {t}\n",
    "default.ini": "[DEFAULT]\n{k} = {t}\n[other]\nname = x\n",
    "quoted.ini": "[service]\n{k} = '{t}'\n",
    "percent.cfg": "[service]\n{k} = {t}%%\n",
    "section.yaml": "[service]\n{k} = {t}\n",
    "env.env": "{k}={t}\n",
    "colon.env": "NAME: x\n{k}: {t}\n",
    "export.sh": "export {k}={t}\n",
    "Dockerfile": "FROM python\nENV {k}={t}\n",
    "notes.md": "# Notes\n\nThe token is {t} here.\n",
    "config.toml": '[tool]\n{k} = "{t}"\n',
    "data.json": '{{"{k}": "{t}"}}\n',
    ".netrc": "machine api.wandb.ai\n  login user\n  password {t}\n",
    "kaggle.json": '{{"username": "u", "key": "{t}"}}\n',
    "unicode.py": 'caf\u00e9 = "\u2028"\nTOKEN = "{t}"\n',
}

# Key names for the keyword-anchored patterns, some spelled with characters that
# case-insensitive matching takes for ASCII letters (KELVIN SIGN, LONG S).
KEYS = (
    "ibm_cloud_iam_api_key",
    "cloudant_password",
    "softlayer_api_key",
    "ibm_cos_hmac_secret_access_key",
    "aws_secret_access_key",
    "WANDB_API_KEY",
    "KAGGLE_KEY",
    "COMET_API_KEY",
    "api_key",
    "\u212aAGGLE_\u212aEY",
    "cloudant_pa\u017f\u017fword",
    "ibm_cos_hmac_\u017fecret_access_key",
)


def _token_files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for name, case in CASES.items():
        files[f"cases/{name}/{case.name}"] = case.text(case.make())
    for name, (file, render, make) in POSITIVES.items():
        files[f"positives/{name}/{file}"] = render(make())
    for name, text in NEGATIVES.items():
        files[f"negatives/{name}.py"] = text
    for name, make in _token_makers().items():
        for index, (context, template) in enumerate(CONTEXTS.items()):
            token, key = make(), KEYS[index % len(KEYS)]
            files[f"tokens/{name}/{context}"] = template.format(t=token, k=key)
    return files


@pytest.mark.slow
def test_every_token_format_in_every_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = both(write_files(tmp_path, _token_files()), monkeypatch)
    assert len(found.findings) > 400  # the contexts really hold secrets


@pytest.mark.slow
def test_every_token_with_every_key_in_yaml_and_ini(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, str | bytes] = {}
    for name, make in _token_makers().items():
        for index, key in enumerate(KEYS):
            files[f"{name}/{index}.yaml"] = f"{key}: {make()}\n"
            files[f"{name}/{index}.cfg"] = f"[s]\n{key} = {make()}\n"
    both(write_files(tmp_path, files), monkeypatch)


def test_many_tokens_in_one_file_and_odd_encodings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    makers = _token_makers().values()
    everything = "".join(f'T{i} = "{make()}"\n' for i, make in enumerate(makers))
    long_line = "x = '" + "iVBORw0KGgo//" * 400 + tokens.hugging_face() + "'\n"
    files: dict[str, str | bytes] = {
        "all.py": everything,
        "all.yaml": "".join(f"k{i}: {make()}\n" for i, make in enumerate(makers)),
        "latin1.py": b"# caf\xe9\n" + everything.encode(),
        "bom.py": "\ufeff" + everything,
        "long.ipynb": long_line + everything,
        "swagger/api.py": everything,
    }
    both(write_files(tmp_path, files), monkeypatch)


# --- what detect-secrets' transformers write, that the file does not say -------------------


def _escaped_yaml() -> str:
    """An escape: the line detect-secrets scans has the token, the file has not."""
    token = tokens.aws_access_key()
    return f'key: "{token[:2]}\\x{ord(token[2]):02x}{token[3:]}"\n'


def _joined_yaml() -> str:
    """An escaped line break joins the two halves."""
    token = tokens.github()
    return f'key: "{token[:9]}\\\n  {token[9:]}"\n'


def _binary_yaml() -> str:
    """A !!binary value is re-encoded on one line."""
    token = tokens.aws_access_key()
    return f"key: !!binary |\n  {token[:8]}\n  {token[8:]}\n"


def _continued_ini() -> str:
    """A continuation line is scanned as `WANDB_API_KEY = "<it>"`."""
    return f"[wandb]\nWANDB_API_KEY = x\n    {tokens.hex_key()}\n"


def _interpolated_ini(header: str) -> str:
    """Interpolation joins a value from two."""
    token = tokens.github()
    return f"{header}p = {token[:6]}\nk = x\n    %(p)s{token[6:]}\n"


TRANSFORMED: dict[str, Callable[[], str]] = {
    "escape.yaml": _escaped_yaml,
    "joined.yaml": _joined_yaml,
    "binary.yaml": _binary_yaml,
    "continued.cfg": _continued_ini,
    "interpolated.cfg": lambda: _interpolated_ini("[s]\n"),
    # A file of no known type: read with a [global] section detect-secrets adds.
    "interpolated.env": lambda: _interpolated_ini(""),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMED))
def test_secrets_only_in_transformed_lines_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    [path] = write_files(tmp_path, {name: TRANSFORMED[name]()})
    assert both([path], monkeypatch).findings[path]  # found, screened as in full


# --- the checker: baselines, pragmas, noqa -------------------------------------------------


@pytest.mark.slow
def test_checker_results_are_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ml_policy.secrets import baseline

    pragmas = ("pragma.py", "nextline.py", "pragma.yaml", "nextline.yaml", "section.cfg")
    files = {
        k: v
        for k, v in _token_files().items()
        if not k.startswith("tokens/") or k.endswith(pragmas)
    }
    paths = write_files(tmp_path, files)
    resolver = SettingsResolver(cwd=tmp_path)
    baseline.update(resolver.for_path(tmp_path))  # accept what is there now
    more = {"later.py": f'T = "{tokens.github()}"  # noqa: MLK002\nU = "{tokens.stripe()}"\n'}
    paths += write_files(tmp_path, more)
    screened = checkers.run_all(paths, SettingsResolver(cwd=tmp_path), families=["MLK"])
    monkeypatch.setattr(scan, "_screen", lambda disabled: None)
    full = checkers.run_all(paths, SettingsResolver(cwd=tmp_path), families=["MLK"])
    assert screened == full
    assert [d.line for d in screened] == [2]


# --- the factors of every enabled pattern ----------------------------------------------------


@cache
def default_screen() -> screen.Screen:
    with scan._settings(()), scan._quiet():
        built = scan._screen(frozenset())
    assert built is not None
    return built


def test_every_enabled_plugin_is_screened() -> None:
    patterns = {p.pattern for p in default_screen().patterns}
    with scan._settings(()):
        from detect_secrets.settings import get_plugins

        plugins = get_plugins()
        assert len(plugins) == len(scan.enabled_plugins(())[0]) + len(scan.ML_DETECTOR_NAMES)
        for plugin in plugins:
            assert set(plugin.denylist) <= patterns, type(plugin).__name__
    # Every pattern has a factor a file's raw text can be searched for.
    assert all(p.factors for p in default_screen().patterns)


def _pattern_ids() -> list[str]:
    return [p.pattern.pattern[:40] for p in default_screen().patterns]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(default_screen().patterns)), ids=_pattern_ids())
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_match_has_the_patterns_factors(index: int, data: st.DataObject) -> None:
    target = default_screen().patterns[index]
    text = data.draw(_matching(target.pattern))
    assert target in default_screen().possible(text)
    lines = [line.rstrip() for line in text.split("\n")]
    matching = [i for i, line in enumerate(lines) if target.pattern.search(line)]
    assert set(matching) <= set(screen.candidate_lines(lines, [target]))


def _matching(pattern: Any) -> st.SearchStrategy[str]:
    """Strings that contain a match: from the pattern, or for the Hugging Face patterns
    (whose lookaheads hypothesis cannot satisfy) a prefix and 34 letters."""
    if "(?=" in pattern.pattern:
        prefixes = st.sampled_from(["hf" + "_", "api" + "_org_"])
        letters = st.text(string.ascii_letters, min_size=34, max_size=34)
        made = st.builds(lambda prefix, body: f'x = "{prefix}{body}"\n', prefixes, letters)
    else:
        made = st.from_regex(pattern)
    return made.filter(lambda text: pattern.search(text) is not None)


def test_whitespace_is_every_space_character() -> None:
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert set(factors.WHITESPACE) == spaces


@pytest.mark.slow
def test_case_folding_covers_every_code_point() -> None:
    """A character re.IGNORECASE takes for an ASCII letter is that letter in the folded
    bytes, and folding keeps offsets (one character for one)."""
    letters = re.compile("[a-z]", re.IGNORECASE)
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        if letters.fullmatch(char):
            [letter] = [a for a in string.ascii_lowercase if re.fullmatch(a, char, re.I)]
            assert lookup.Text(f"x{char}y").lowered == f"x{letter}y".encode()
        assert len(char.translate(lookup._CASE_FOLD).lower()) == 1


NON_ASCII = "".join(map(chr, range(0x80, sys.maxunicode + 1)))
FOLDED = {"\u0130", "\u0131", "\u017f", "\u212a"}  # what lookup folds to ASCII letters


def _classes() -> Iterator[Any]:
    """Every one-character class of every enabled pattern (the parse tree's leaves)."""
    stack: list[Any] = [regex_tree.tree(p.pattern) for p in default_screen().patterns]
    while stack:
        node = stack.pop()
        if isinstance(node, regex_tree.Char):
            yield node
        elif isinstance(node, regex_tree.Seq):
            stack += node.items
        elif isinstance(node, regex_tree.Alt):
            stack += node.branches
        elif isinstance(node, regex_tree.Repeat):
            stack.append(node.node)


@pytest.mark.slow
def test_classes_know_their_non_ascii_members() -> None:
    """Runs and shapes read a non-ASCII character as a member only of `wide` classes;
    `ascii` segments are searched in bytes, where only the folded letters stand in."""
    for char in set(_classes()):
        members = set(re.compile(char.charset, char.flags).findall(NON_ASCII))
        assert char.wide or not members, char  # a class that may match one says so
        if char.ascii:
            assert members <= FOLDED, char
    for code in range(0x80):
        for flags in (0, re.IGNORECASE):
            members = set(re.compile(re.escape(chr(code)), flags).findall(NON_ASCII))
            assert bool(members) == regex_tree.widens(code, code, flags), (chr(code), flags)


def test_safe_pieces() -> None:
    assert factors.safe_piece("key:") == "key"
    assert factors.safe_piece("://") == "://"
    assert factors.safe_piece("=") == ""
    assert factors.safe_piece('a"bcd e') == "bcd"
    assert factors.safe_piece("AccountKey=") == "AccountKey="


def test_an_unknown_plugin_turns_the_screen_off() -> None:
    class Strange:
        denylist = ()

        def analyze_line(self, **kwargs: object) -> set[object]:
            return set()

    assert screen.build([Strange()]) is None


def test_ml_plugin_names_and_types_are_the_plugins() -> None:
    detectors = scan.ML_DETECTORS
    assert tuple(d.__name__ for d in detectors) == scan.ML_DETECTOR_NAMES
    assert {str(d.secret_type) for d in detectors} == scan.ML_SECRET_TYPES


# --- the claim behind reading raw text: transformed lines invent no safe text ---------------


def _safe_runs(line: str) -> Iterator[str]:
    """The line's maximal stretches of safe characters, minus a `:` a transformer may
    have written after a key, and the `=` it writes between spaces."""
    for piece in factors._UNSAFE.split(line):
        piece = piece.rstrip(":")
        if piece and piece != "=":
            yield piece


# Classes an exact run may be of: no unsafe character and no separator (factors.py).
_FENCE_CLASSES = (
    "[^" + re.escape(factors.UNSAFE + factors._SEPARATORS) + "]",
    "[A-Za-z0-9]",
    "[A-Za-z0-9_-]",
)


def _check_line(line: str, text: str, name: str) -> None:
    """What the screen assumes of a transformed line: its safe stretches are in the
    text, and its whole runs of a class without separators are whole runs there
    (unless a YAML escape may stand next to one: screen.keeps_whole_runs)."""
    for run in _safe_runs(line):
        assert run in text
    if not screen.keeps_whole_runs(name, text):
        return
    for cls in _FENCE_CLASSES:
        for whole in re.findall(f"{cls}+", line):
            assert re.search(f"(?<!{cls}){re.escape(whole)}(?!{cls})", text), (cls, whole)


def _transformed_lines(tmp_path: Path, name: str, text: str) -> list[str]:
    from detect_secrets.core.scan import _get_lines_from_file

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [line for lines in _get_lines_from_file(str(path)) for line in lines]


_CHARACTERS = st.sampled_from(
    [*"abcXYZ019_-./@+=:%#&*!|>?[]{},'\"\\ \t", "\u2028", "\u00a0", "\u212a", "\u00e9"]
)
_TEXT = st.text(_CHARACTERS, max_size=30)
_STYLES = st.sampled_from([None, "'", '"', "|", ">"])


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    values=st.dictionaries(_TEXT, _TEXT | st.lists(_TEXT, max_size=3), max_size=5),
    style=_STYLES,
    width=st.sampled_from([8, 20, 80]),
)
def test_yaml_lines_invent_no_safe_text(
    tmp_path_factory: pytest.TempPathFactory, values: dict[str, Any], style: str | None, width: int
) -> None:
    text = yaml.safe_dump(values, default_style=style, width=width, allow_unicode=True)
    assume(not screen.may_invent_text("doc.yaml", text))
    folder = tmp_path_factory.mktemp("yaml")
    for line in _transformed_lines(folder, "doc.yaml", text):
        _check_line(line, text, "doc.yaml")


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    sections=st.dictionaries(
        st.text("abcXYZ019_-. ", min_size=1, max_size=8).map(str.strip).filter(bool),
        st.dictionaries(
            st.text("abcXYZ_-.", min_size=1, max_size=8),
            st.lists(_TEXT, min_size=1, max_size=3),
            max_size=4,
        ),
        max_size=3,
    ),
    eager=st.booleans(),
)
def test_ini_lines_invent_no_safe_text(
    tmp_path_factory: pytest.TempPathFactory,
    sections: dict[str, dict[str, list[str]]],
    eager: bool,
) -> None:
    text = _ini(sections, headers=not eager)
    name = "doc.env" if eager else "doc.cfg"
    assume(not screen.may_invent_text(name, text))
    folder = tmp_path_factory.mktemp("ini")
    for line in _transformed_lines(folder, name, text):
        _check_line(line, text, name)


def _ini(sections: dict[str, dict[str, list[str]]], *, headers: bool) -> str:
    """An INI text: values of several lines are continued on indented lines."""
    out = io.StringIO()
    for section, options in sections.items():
        if headers:
            out.write(f"[{section}]\n")
        for key, lines in options.items():
            out.write(f"{key} = {lines[0]}\n" + "".join(f"    {line}\n" for line in lines[1:]))
    return out.getvalue()


def test_ini_helper_writes_what_configparser_reads() -> None:
    parser = configparser.ConfigParser()
    parser.read_string(_ini({"s": {"k": ["a", "b"]}}, headers=True))
    assert parser["s"]["k"] == "a\nb"


# --- a run answered from the cache ----------------------------------------------------------


@pytest.mark.slow
def test_a_cached_run_does_not_import_detect_secrets(tmp_path: Path) -> None:
    write_files(tmp_path, {"train.py": "import torch\n", "conf.yaml": "lr: 0.1\n"})
    cache_dir = tmp_path / ".cache"
    probe = (
        "import sys\n"
        "from ml_policy.cli import main\n"
        f"code = main(['secrets', '--cache-dir', {str(cache_dir)!r}, 'train.py', 'conf.yaml'])\n"
        "print(json.dumps([code, any(m.startswith('detect_secrets') for m in sys.modules)]))\n"
    )
    command = [sys.executable, "-c", "import json\n" + probe]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert json.loads(first.stdout.splitlines()[-1]) == [0, True]
    assert json.loads(second.stdout.splitlines()[-1]) == [0, False]
