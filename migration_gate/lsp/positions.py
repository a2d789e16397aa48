"""Positions at the language server's edge: the gate's 1-based character columns ↔ LSP's UTF-16 code units.

Inside the gate a column counts characters (code points); the Language Server
Protocol counts UTF-16 code units by default, so ``😀`` is one column to the
gate and two to the editor.  Lines end at ``\\r\\n``, ``\\r`` or ``\\n`` for
both.  A byte-order mark that the editor keeps in its buffer is one code unit
at the start of line 0 for the editor, and none for the gate (which drops it).
"""

from __future__ import annotations

from ..core.source import LineIndex


def utf16_len(text: str) -> int:
    """How many UTF-16 code units ``text`` takes (characters above U+FFFF take two)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


class Utf16Lines:
    """The editor's buffer, able to convert between the gate's positions and LSP positions."""

    def __init__(self, text: str) -> None:
        self.bom = text.startswith("\ufeff")
        self.index = LineIndex(text[1:] if self.bom else text)

    def to_lsp(self, line: int, column: int) -> tuple[int, int]:
        """A 1-based (line, character column) → a 0-based (line, UTF-16 character)."""
        text = self.index.line_text(line)
        units = utf16_len(text[: max(column - 1, 0)])
        if self.bom and line == 1:
            units += 1
        return line - 1, units

    def offset_to_lsp(self, offset: int) -> tuple[int, int]:
        """A character offset into the text (without a BOM) → a 0-based (line, UTF-16 character)."""
        return self.to_lsp(*self.index.position(offset))

    def to_offset(self, line: int, character: int) -> int:
        """A 0-based LSP (line, UTF-16 character) → a character offset into the text (without a BOM)."""
        starts = self.index.starts
        if line >= len(starts):
            return len(self.index.text)
        text = self.index.line_text(line + 1)
        if self.bom and line == 0:
            character = max(character - 1, 0)
        units = 0
        for count, char in enumerate(text):
            if units >= character:
                return starts[line] + count
            units += 2 if ord(char) > 0xFFFF else 1
        return starts[line] + len(text)

    def line_end(self, line: int) -> tuple[int, int]:
        """The 0-based LSP position at the end of a 1-based line (before its terminator)."""
        return self.to_lsp(line, len(self.index.line_text(line)) + 1)
