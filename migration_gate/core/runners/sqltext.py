"""Reading a migration's text the way the runners do: lines, blanked spans, the semicolons that end
statements (outside quotes and dollar quotes), and a BOM the runner sends as it is."""

from __future__ import annotations


def line_spans(text: str) -> list[tuple[int, int, int]]:
    """``(start, end without terminator, end with terminator)`` of every line (``\\r\\n``, ``\\r``, ``\\n``)."""
    spans = []
    i = 0
    n = len(text)
    while i < n:
        j = i
        while j < n and text[j] not in "\r\n":
            j += 1
        k = j
        if k < n:
            k += 2 if text.startswith("\r\n", k) else 1
        spans.append((i, j, k))
        i = k
    return spans


def blank(text: str) -> str:
    """The same length of spaces (line breaks kept), for masking text the runner never sends."""
    return "".join(ch if ch in "\r\n" else " " for ch in text)


def ends_with_semicolon(line: str) -> bool:
    """goose's and sql-migrate's ``endsWithSemicolon``: the last word before a ``--`` word ends in ``;``."""
    previous = ""
    for word in line.split():
        if word.startswith("--"):
            break
        previous = word
    return previous.endswith(";")


def dollar_semicolons(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets of ``;`` inside dollar-quoted strings (``$$ … $$`` bodies) between ``start`` and ``end``.

    A runner that splits on ``;`` without knowing dollar quotes cuts a function body there.
    """
    from pglast import parser

    chunk = text[start:end]
    if ";" not in chunk or "$" not in chunk:
        return []
    try:
        tokens = parser.scan(chunk)
    except parser.ParseError:
        return []
    found = []
    for token in tokens:
        if token.name == "SCONST" and chunk.startswith("$", token.start):
            body = chunk[token.start : token.end + 1]
            at = body.find(";")
            if at >= 0:
                found.append(start + token.start + at)
    return found


def quoted_semicolons(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Offsets of ``;`` that are not statement ends (in strings, comments, dollar bodies, identifiers)."""
    from pglast import parser

    chunk = text[start:end]
    if ";" not in chunk:
        return []
    try:
        tokens = parser.scan(chunk)
    except parser.ParseError:
        return []
    real = {t.start for t in tokens if t.name == "ASCII_59"}
    return [start + i for i, ch in enumerate(chunk) if ch == ";" and i not in real]


def bom_rejected(runner: str) -> tuple[int, int, str]:
    """The problem of a file with a BOM for a runner that sends the bytes as they are."""
    return (0, 0, f'{runner} sends the file as written: PostgreSQL rejects its BOM (syntax error at or near "\\ufeff")')


def module_docstring_in_source(name: str, file: str | None) -> str:
    """A module's docstring read from its source file (a module compiled with mypyc keeps none)."""
    import ast
    from pathlib import Path

    source = Path(file or "").with_name(name.rpartition(".")[2] + ".py")
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except OSError:
        return ""
    return ast.get_docstring(tree, clean=False) or ""
