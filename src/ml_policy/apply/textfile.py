"""Read a user's text file so that it can be written back byte for byte.

Parsers work on LF text without a BOM; the file's own BOM and line endings
are put back on write, so a CRLF file stays CRLF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ml_policy.errors import PolicyError
from ml_policy.files import read_regular

BOM = "\ufeff"


class InputError(PolicyError):
    """A user file that ml-policy cannot safely edit; names the file and line."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}; the file was left untouched")


@dataclass(frozen=True)
class TextStyle:
    """How a file encodes its text: BOM or not, CRLF or LF."""

    bom: bool = False
    crlf: bool = False

    def encode(self, text: str) -> bytes:
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return ((BOM if self.bom else "") + text).encode("utf-8")


def read_text(path: Path) -> tuple[str | None, TextStyle]:
    """The file's text with LF line ends (None when it does not exist) and its style."""
    if not path.exists():
        return None, TextStyle()
    try:
        data = read_regular(path)  # never a FIFO, a device or gigabytes
    except OSError as error:
        raise InputError(path, f"cannot read ({error.strerror})") from None
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(path, "not valid UTF-8", raw_line(data, error.start)) from None
    bom = raw.startswith(BOM)
    raw = raw.removeprefix(BOM)
    crlf = "\r\n" in raw
    text = raw.replace("\r\n", "\n")
    if "\r" in text or (crlf and text.replace("\n", "\r\n") != raw):
        raise InputError(path, "mixed line endings (CRLF and LF); normalise them first")
    return text, TextStyle(bom=bom, crlf=crlf)


def raw_line(data: bytes, offset: int) -> int:
    """1-based line number of a byte offset."""
    return data.count(b"\n", 0, offset) + 1
