"""One parse per file with pglast, into light statement records.

We use ``pglast.parser.parse_sql_json`` + ``json.loads`` (plain dicts and lists)
rather than ``pglast.parse_sql`` (Python node objects): on the corpus the JSON
path is about 4× faster, and the rules only read a few fields per statement.
A node is a one-key dict ``{"IndexStmt": {...}}``; :attr:`Statement.kind` is
that key and :attr:`Statement.node` the inner dict.

Offsets in the JSON are UTF-8 *byte* offsets into the parsed text;
:meth:`Statement.locate` turns them into character offsets into the original
file (see :mod:`migration_gate.source`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .source import Source

Node = dict[str, Any]


@dataclass(slots=True)
class Statement:
    """One SQL statement: its AST and where it is in the original file."""

    index: int  # position among the file's top-level statements
    kind: str  # node type, e.g. "IndexStmt"
    node: Node  # the node's fields
    start: int  # character offsets into the original text
    end: int
    source: Source = field(repr=False)
    # For statements parsed out of a DO block body: the text that was parsed
    # and where it starts (character offset into the parsed file text).
    inner_text: str | None = field(default=None, repr=False)
    inner_base: int = 0
    parent: Statement | None = field(default=None, repr=False)
    #: Where the text its nodes' locations count from starts (UTF-8 bytes into the parsed text): 0, except for
    #: statements parsed piece by piece after a syntax error, whose locations count from their piece.
    byte_base: int = 0

    @property
    def in_do_block(self) -> bool:
        return self.parent is not None

    def locate(self, byte_offset: int | None) -> int:
        """A node's ``location`` (bytes into what was parsed) → original char offset."""
        if byte_offset is None or byte_offset < 0:
            return self.start
        if self.inner_text is None:
            return self.source.from_parse_bytes(self.byte_base + byte_offset)
        text = self.inner_text
        chars = byte_offset if text.isascii() else len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))
        return self.source.original_offset(self.inner_base + chars)

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    message: str
    offset: int  # character offset into the original text


@dataclass(slots=True)
class ParseResult:
    statements: list[Statement]
    error: SyntaxProblem | None = None


def _parser() -> Any:
    """pglast's C parser module, imported on first use."""
    from pglast import parser

    return parser


def parse_source(source: Source) -> ParseResult:
    """Parse a file; on a syntax error, keep every statement that does parse."""
    parser = _parser()
    text = source.parsed_text
    try:
        tree = json.loads(parser.parse_sql_json(text))
    except parser.ParseError as exc:
        return _parse_after_error(source, parser, exc)
    return ParseResult(_statements(source, tree.get("stmts", ()), 0, 0))


def _statements(
    source: Source, raw: list[Any], byte_base: int, first_index: int, limit: int | None = None
) -> list[Statement]:
    """Statement records from pglast's ``stmts``; ``limit`` is where the parsed chunk ends."""
    text = source.parsed_text
    limit = len(text) if limit is None else limit
    bytes_are_chars = text.isascii()
    substituted = source.substitution is not None
    out: list[Statement] = []
    for entry in raw:
        wrapped = entry.get("stmt")
        if not wrapped:
            continue
        ((kind, node),) = wrapped.items()
        loc = byte_base + entry.get("stmt_location", 0)
        length = entry.get("stmt_len", 0)
        if bytes_are_chars:
            start, end = loc, (loc + length if length else limit)
        else:
            start = source.parsed_char(loc)
            end = source.parsed_char(loc + length) if length else limit
        start = _skip_space_and_comments(text, start, end)
        end = _trim_end(text, start, end, last=not length)
        if substituted:
            start, end = source.original_offset(start), source.original_offset(end)
        out.append(Statement(first_index + len(out), kind, node, start, end, source, byte_base=byte_base))
    return out


def _parse_after_error(source: Source, parser: Any, exc: Exception) -> ParseResult:
    text = source.parsed_text
    # pglast reports the error position in characters (None: end of input).
    message, offset = exc.args[0], (exc.args[1] if len(exc.args) > 1 else None)
    if offset is None:
        offset = _end_of_content(text)
    error = SyntaxProblem(message=message, offset=source.original_offset(offset))
    # Analyse the statements that do parse: split at every `;` token, parse each piece.
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return ParseResult([], error)
    statements: list[Statement] = []
    piece_start = 0
    cuts = [t.start for t in tokens if t.name == "ASCII_59"] + [len(text)]
    ascii_text = text.isascii()
    for cut in cuts:
        chunk = text[piece_start:cut]
        if chunk.strip():
            try:
                tree = json.loads(parser.parse_sql_json(chunk))
            except parser.ParseError:
                tree = None
            if tree is not None:
                byte_base = piece_start if ascii_text else len(text[:piece_start].encode("utf-8"))
                statements.extend(_statements(source, tree.get("stmts", ()), byte_base, len(statements), limit=cut))
        piece_start = cut + 1
    return ParseResult(statements, error)


def _end_of_content(text: str) -> int:
    """Where "end of input" is: after the last non-space character."""
    return len(text.rstrip())


def _skip_space_and_comments(text: str, start: int, end: int) -> int:
    """First token at or after ``start`` (pglast versions differ on leading comments)."""
    i = start
    while i < end:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            newline = text.find("\n", i)
            i = end if newline < 0 else newline + 1
        elif text.startswith("/*", i):
            i = _skip_block_comment(text, i, end)
        else:
            break
    return min(i, end)


def _skip_block_comment(text: str, i: int, end: int) -> int:
    depth = 0
    while i < end:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return end


def _trim_end(text: str, start: int, end: int, *, last: bool) -> int:
    if last:
        end = _strip_trailing_comments(text, start, end)
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _strip_trailing_comments(text: str, start: int, end: int) -> int:
    """For a final statement without ``;``: drop trailing comments (scanner-based)."""
    tail = text[start:end]
    if "--" not in tail and "/*" not in tail:
        return end
    parser = _parser()
    try:
        tokens = parser.scan(tail)
    except parser.ParseError:
        return end
    for token in reversed(tokens):
        if token.name not in ("SQL_COMMENT", "C_COMMENT"):
            return start + int(token.end) + 1
    return end


def comment_tokens(text: str) -> list[tuple[int, int, str]]:
    """Comments of a text as (start, end, text), character offsets (scanner-based)."""
    parser = _parser()
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return []
    return [(t.start, t.end + 1, text[t.start : t.end + 1]) for t in tokens if t.name in ("SQL_COMMENT", "C_COMMENT")]
