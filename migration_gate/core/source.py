"""Reading a migration file: bytes → checked, decoded text with a line index.

Everything inside the tool works with *character* offsets into the original
text (after the BOM is dropped).  This module owns the two conversions that
touch other coordinate systems:

* pglast's JSON parse output counts UTF-8 **bytes** into the text that was
  parsed (after placeholder substitution);
* humans and GitHub read 1-based line and column numbers, in characters, where
  lines end at ``\\r\\n``, ``\\r`` or ``\\n`` (not ``str.splitlines()``, which
  also splits on form feeds and Unicode separators that PostgreSQL treats as
  ordinary characters).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, count
from operator import add
from pathlib import Path

from .placeholders import Substitution

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"


class UnreadableSource(Exception):
    """The file cannot be analysed; ``reason`` says why in one sentence."""

    def __init__(self, reason: str, checksum: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.checksum = checksum  # Flyway's checksum when Flyway could still read the bytes


class LineIndex:
    """Maps character offsets of a text to 1-based (line, column)."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str):
        self.text = text
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        """The offset where each line starts (built on first use: most files never need it)."""
        if self._starts is None:
            text = self.text
            if "\r" in text:
                self._starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
            else:  # the common case, all in C: line k starts after k newlines and the lines before it
                lengths = map(len, text.split("\n")[:-1])
                self._starts = [0, *map(add, accumulate(lengths), count(1))]
        return self._starts

    def position(self, offset: int) -> tuple[int, int]:
        starts = self._starts if self._starts is not None else self.starts
        if offset < 0:
            offset = 0
        elif offset > len(self.text):
            offset = len(self.text)
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its terminator."""
        starts = self.starts
        if not 1 <= line <= len(starts):
            return ""
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    @property
    def line_count(self) -> int:
        return len(self.starts)


@dataclass(slots=True)
class Source:
    """A decoded migration file and the text handed to the parser."""

    path: str  # as displayed (relative stays relative)
    text: str  # original text, BOM removed
    had_bom: bool = False
    substitution: Substitution | None = None
    lines: LineIndex = field(init=False)
    _parsed_bytes: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.lines = LineIndex(self.text)

    @property
    def parsed_text(self) -> str:
        """The text pglast sees: placeholders substituted."""
        return self.substitution.text if self.substitution else self.text

    def parsed_char(self, byte_offset: int) -> int:
        """A UTF-8 byte offset into ``parsed_text`` → character offset into it."""
        text = self.parsed_text
        if text.isascii():  # O(1): bytes are characters
            return byte_offset
        if self._parsed_bytes is None:
            self._parsed_bytes = text.encode("utf-8")
        return len(self._parsed_bytes[:byte_offset].decode("utf-8", "ignore"))

    def original_offset(self, parsed_char_offset: int) -> int:
        """A character offset into ``parsed_text`` → into the original text."""
        if self.substitution is None:
            return parsed_char_offset
        return self.substitution.original_offset(parsed_char_offset)

    def from_parse_bytes(self, byte_offset: int) -> int:
        """pglast byte offset → character offset into the original text."""
        return self.original_offset(self.parsed_char(byte_offset))

    def position(self, offset: int) -> tuple[int, int]:
        return self.lines.position(offset)

    @property
    def checksum(self) -> int:
        """Flyway's checksum of the file (see :mod:`migration_gate.checksum`)."""
        from .checksum import flyway_checksum

        return flyway_checksum(self.text, bom_dropped=True)


def read_bytes(fs_path: Path, max_bytes: int) -> bytes:
    """A file's bytes, or :class:`UnreadableSource` with the reason."""
    try:
        size = fs_path.stat().st_size
    except FileNotFoundError:
        raise UnreadableSource("file not found") from None
    except OSError as exc:
        raise UnreadableSource(f"cannot read file: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise UnreadableSource(f"file is {_human(size)}, over the {_human(max_bytes)} limit (option max_file_size)")
    try:
        data = fs_path.read_bytes()
    except IsADirectoryError:
        raise UnreadableSource("is a directory, not a file") from None
    except OSError as exc:
        raise UnreadableSource(f"cannot read file: {exc.strerror or exc}") from None
    return data


def read_source(fs_path: Path, display: str, max_bytes: int) -> Source:
    """Read and decode a file, or raise :class:`UnreadableSource` with the reason."""
    return decode_source(read_bytes(fs_path, max_bytes), display)


def decode_source(data: bytes, display: str) -> Source:
    """Decode bytes (from disk or from git) into a :class:`Source`."""
    if b"\x00" in data:
        from .checksum import checksum_of_bytes

        raise UnreadableSource("binary file (contains NUL bytes), not SQL text", checksum_of_bytes(data))
    had_bom = data.startswith(_BOM)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnreadableSource(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); save the file as UTF-8"
        ) from None
    return Source(path=display, text=text, had_bom=had_bom)


def _human(size: int) -> str:
    amount = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{amount:.1f} {unit}".replace(".0 ", " ")
        amount /= 1024
    return f"{amount} GB"
