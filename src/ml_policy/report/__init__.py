"""Output writers: one module per `--output-format`, imported only when used.

Every writer is a module with `render(diagnostics, root) -> str`. The text it
returns ends with a newline unless it is empty, so callers write it as is.
Output shows what hostile input controls (file names, messages quoting input)
through the helpers here: `lossy` for names that are not UTF-8, `printable`
for lines a terminal or a log shows, `dump_json` for documents.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ml_policy.diagnostics import Diagnostic

# Each `--output-format` and its writer module (`json` would read like the standard
# library module, hence `json_report`).
_MODULES = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}
FORMATS: tuple[str, ...] = tuple(_MODULES)


# Formats read by programs: JSON and XML documents that must be UTF-8 whatever the locale.
DOCUMENT_FORMATS = frozenset({"json", "sarif", "junit"})


def render(
    output_format: str, diagnostics: Sequence[Diagnostic], root: Path, *, summary: bool = True
) -> str:
    """Render `diagnostics` in `output_format`, in Ruff's order (file, position, code).

    `root` is the project root: paths under it are shown relative to it.
    `summary=False` leaves out the text format's closing lines ("Found 2
    errors.", "All checks passed!"): for runs that see only part of the files.
    """
    if output_format not in FORMATS:
        choices = ", ".join(FORMATS)
        msg = f"unknown output format {output_format!r} (choose from {choices})"
        raise ValueError(msg)
    ordered = sorted(diagnostics, key=lambda d: d.sort_key())
    # Imported here so that `ml-policy --version` does not load every writer.
    module = importlib.import_module(f"{__name__}.{_MODULES[output_format]}")
    if output_format == "text":
        text: str = module.render(ordered, root, summary=summary)
        return text
    writer: Callable[[Sequence[Diagnostic], Path], str] = module.render
    return writer(ordered, root)


def write(output_format: str, output: str, stream: TextIO) -> None:
    """Write rendered output to `stream` (stdout) so that no locale can break it.

    JSON, SARIF and JUnit documents go out as UTF-8 bytes, as their formats
    require; text and github output in the stream's encoding, with anything
    it cannot encode written as a backslash escape instead of failing.
    """
    buffer = getattr(stream, "buffer", None)
    if output_format in DOCUMENT_FORMATS and buffer is not None:
        stream.flush()
        buffer.write(output.encode("utf-8"))
        buffer.flush()
        return
    reconfigure = getattr(stream, "reconfigure", None)  # a TextIOWrapper, or a wrapper of one
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    stream.write(output)


# Python hands over file-name bytes that are not UTF-8 as lone surrogates
# (PEP 383): U+DC80..U+DCFF each stand for one byte. Any other lone surrogate
# cannot stand for anything.
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_A_BYTE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def lossy(text: str) -> str:
    """`text` as valid Unicode, as Ruff shows a name that is not UTF-8 (`to_string_lossy`).

    Bytes that are not UTF-8 become U+FFFD (one per invalid sequence, Rust's
    rule and Python's), so JSON and SARIF stay valid and writing never fails.
    """
    if _SURROGATE.search(text) is None:
        return text
    text = _NOT_A_BYTE.sub("\ufffd", text)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _escape(code: int) -> str:
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    if code in named:
        return named[code]
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# Control characters (C0, DEL, C1: newlines, ESC and the 8-bit CSI start
# terminal sequences or new lines), the bidirectional controls that reorder
# what is shown (Trojan Source), and the Unicode line and paragraph separators.
UNPRINTABLE = (
    *range(0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x2028,
    0x2029,
)
_PRINTABLE = {code: _escape(code) for code in UNPRINTABLE}
# GitHub's workflow commands escape CR and LF themselves (%0D, %0A).
_PRINTABLE_KEEPING_LINES = {k: v for k, v in _PRINTABLE.items() if k not in (0x0A, 0x0D)}


def printable(text: str, *, keep_lines: bool = False) -> str:
    """`text` safe to show on a terminal or in a log: one line, no control sequences.

    A file name or a message quoting input could otherwise start a new output
    line (a forged finding) or a terminal escape sequence. Such characters are
    written as Python writes them in a string (`\\n`, `\\x1b`, `\\u202e`).
    """
    text = lossy(text)
    if text.isprintable():  # the usual case: nothing to look up
        return text
    return text.translate(_PRINTABLE_KEEPING_LINES if keep_lines else _PRINTABLE)


# JSON escapes C0 controls itself; these it would write raw, where a terminal
# showing the file would act on them. As \\u escapes the values are unchanged.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in UNPRINTABLE if code >= 0x7F}


def dump_json(value: object) -> str:
    """`value` as indented JSON with sorted keys: valid UTF-8, no raw control character.

    Lone surrogates and unprintable characters can only sit in string values,
    so one pass over the whole text cleans every value.
    """
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return lossy(text).translate(_JSON_ESCAPES)


def absolute_path(path: Path) -> Path:
    """`path` made absolute against the working directory, `..` folded.

    Lexical, like Ruff: symlinks are not followed, so a linked file inside
    the project is still shown where the user put it.
    """
    return Path(os.path.normpath(path.absolute()))


def relative_to_root(path: Path, root: Path) -> str | None:
    """`path` relative to `root` with POSIX separators, or None when outside it."""
    try:
        return absolute_path(path).relative_to(absolute_path(root)).as_posix()
    except ValueError:
        return None


def display_path(path: Path, root: Path) -> str:
    """Name a file as text, github and junit output do: relative under `root`.

    A file outside `root` is named as given.
    """
    relative = relative_to_root(path, root)
    return str(path) if relative is None else relative
