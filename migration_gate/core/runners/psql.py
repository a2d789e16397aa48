"""psql scripts: what psql does with a file before PostgreSQL sees it, for the runners that use psql.

psql reads a script itself: backslash meta-commands (``\\set``, ``\\i``,
``\\if``, ``\\gset`` …) are psql's, and ``:name``, ``:'name'``, ``:"name"``
are replaced by the value of a psql variable (Sqitch passes its
``deploy.variables`` as ``--set name=value``).  The gate does not run psql: it
blanks meta-commands and reads a variable reference as an identifier or a
literal of the same length, so the SQL around them parses in place and every
position stays exact; each is noted.
"""

from __future__ import annotations

from typing import Any

from .base import blank, line_spans

_BEFORE_VARIABLE = " \t\r\n(,=<>+-*/"
Mask = tuple[int, int, str]  # (start, end, text): a mask, or a note at a span


def psql_masks(text: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """(masks, notes) for a psql script: meta-commands blanked, variable references replaced."""
    if "\\" not in text and ":" not in text:
        return [], []
    from pglast import parser

    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return [], []
    quoted = [
        (t.start, t.end + 1) for t in tokens if t.name in ("SCONST", "SQL_COMMENT", "C_COMMENT", "BCONST", "XCONST")
    ]
    masks: list[tuple[int, int, str]] = []
    notes: list[tuple[int, int, str]] = []
    meta_lines = _meta_commands(text, quoted, masks, notes) if "\\" in text else []
    if ":" in text:
        _variables(text, tokens, meta_lines, masks, notes)
    return masks, notes


def _meta_commands(
    text: str, quoted: list[tuple[int, int]], masks: list[Mask], notes: list[Mask]
) -> list[tuple[int, int]]:
    """Blank the backslash meta-commands (outside quotes and comments); their spans."""

    def inside(offset: int) -> bool:
        return any(a <= offset < b for a, b in quoted)

    meta_lines: list[tuple[int, int]] = []
    for start, end, _ in line_spans(text):
        line = text[start:end]
        at = line.find("\\")
        while at >= 0 and inside(start + at):
            at = line.find("\\", at + 1)
        if at < 0:
            continue
        command = line[at:].split(None, 1)[0]
        if line[:at].strip() and not command.startswith("\\g"):
            continue  # a backslash in the middle of SQL that is not a \g… command: leave it to the parser
        masks.append((start + at, end, blank(line[at:])))
        meta_lines.append((start + at, end))
        notes.append(
            (
                start + at,
                end,
                f"psql meta-command {command} is psql's, not SQL: the gate skips it"
                + (" (the file it includes is not read)" if command in ("\\i", "\\ir", "\\include") else "")
                + (" (both branches are read)" if command in ("\\if", "\\elif", "\\else") else ""),
            )
        )
    return meta_lines


def _variables(
    text: str, tokens: list[Any], meta_lines: list[tuple[int, int]], masks: list[Mask], notes: list[Mask]
) -> None:
    """Read each ``:name``, ``:'name'``, ``:"name"`` as an identifier or literal of the same length."""
    by_start = {t.start: t for t in tokens}
    for token in tokens:
        if token.name != "ASCII_58" or any(a <= token.start < b for a, b in meta_lines):
            continue
        colon = token.start
        if colon > 0 and text[colon - 1] not in _BEFORE_VARIABLE:
            continue
        following = by_start.get(colon + 1)
        if following is None:
            continue
        word = text[following.start : following.end + 1]
        if (following.name == "SCONST" and word.startswith("'")) or word.startswith('"'):
            replacement = " "
        elif following.name == "IDENT" or word.replace("_", "").isalnum():
            replacement = "_"
        else:
            continue
        masks.append((colon, colon + 1, replacement))
        notes.append(
            (
                colon,
                following.end + 1,
                f"psql variable :{word} is replaced by psql at deploy time: the gate reads it as written",
            )
        )
