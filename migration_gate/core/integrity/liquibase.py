"""Liquibase formatted-SQL changesets and their checksums (algorithm versions 8 and 9).

**Changesets** (``liquibase/parser/AbstractFormattedChangeLogParser.java``,
liquibase/liquibase): a ``.sql`` changelog whose first non-blank line matches
``^\\s*--\\s*liquibase\\s*formatted.*`` (case-insensitive) is "formatted SQL";
every ``--changeset author:id`` line (author up to the first colon, no space
before the id) starts a changeset whose body is every following line that is
not a directive (``--rollback …``, ``/* liquibase rollback`` blocks,
``--comment``, ``--validCheckSum``, ``--preconditions``/``--precondition-…``,
``--property``, ``--ignoreLines``), each line followed by ``\\n``, the whole
Java-``trim``med.  Any other ``.sql`` file is a raw SQL changelog: one changeset,
id ``raw``, author ``includeAll`` (``SqlChangeLogParser``), with
``splitStatements`` and ``stripComments`` false.

**Checksums** (``liquibase/change/AbstractSQLChange.java``,
``NormalizingStreamV8.java``, ``ChangeSet.generateCheckSum``, ``CheckSum.compute``):

* the change's MD5: v9 (Liquibase 4.22 and later) over the SQL with every space,
  tab, CR and LF removed, so a whitespace-only edit keeps it; v8 over
  ``"<endDelimiter>:<splitStatements>:<stripComments>:"`` followed by the SQL
  with whitespace runs collapsed to one space and trimmed;
* the changeset's value: ``"<v>:" + md5("<v>:<change md5>:")`` (the outer string
  NFC- and line-ending-normalised), stored in ``DATABASECHANGELOG.MD5SUM``.

Every vector of ``tests/test_integrity_checksums.py`` was produced by Liquibase
4.28.0 itself.  ``${…}`` changelog parameters are hashed as written (Liquibase
expands the ones it knows first): a changeset using them may differ.

A changeset is identified by id, author and changelog path
(``DATABASECHANGELOG.ID``, ``AUTHOR``, ``FILENAME``; ``logicalFilePath:``
overrides the path): moving a file makes Liquibase run its changesets again.
An edited applied changeset fails ``update``/``validate``::

    Validation Failed:
         1 changesets check sum
              changelog.sql::1::alice was: 9:b97b… but is now: 9:85a6…

unless it has ``runOnChange:true`` (it runs again) or a matching
``--validCheckSum``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

STORED_IN = "DATABASECHANGELOG.MD5SUM"
#: The first lines of Liquibase's validation failure for edited changesets (4.28.0).
VALIDATION_FAILED = "Validation Failed: 1 changesets check sum"

_I = re.IGNORECASE | re.ASCII
_FIRST_LINE = re.compile(r"\s*--\s*liquibase\s*formatted.*", _I)
_CHANGESET = re.compile(r'\s*--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*', _I)
_PROPERTY = re.compile(r"\s*--[\s]*property\s+(.*:.*)\s+(.*:.*).*", _I)
_IGNORE_LINES = re.compile(r"--[\s]*ignoreLines:(\w+)", _I)
_COMMENT = re.compile(r"--[\s]*comment:? (.*)", _I)
_VALID_CHECKSUM = re.compile(r"--[\s]*validCheckSum:? (.*)", _I)
_ROLLBACK = re.compile(r"\s*--[\s]*rollback (.*)", _I)
_ROLLBACK_BLOCK_START = re.compile(r"\s*/\*\s*liquibase\s*rollback\s*", _I)
_ROLLBACK_BLOCK_END = re.compile(r".*\s*\*/\s*", _I)
_PRECONDITIONS = re.compile(r"\s*--[\s]*preconditions(.*)", _I)
_PRECONDITION = re.compile(r"\s*--[\s]*precondition\-([a-zA-Z0-9-]+)( .*)?", _I)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _attribute(pattern: str, line: str) -> str | None:
    match = re.fullmatch(r".*" + pattern + r".*", line, _I)
    return match.group(1) if match else None


def _flag(name: str, line: str, default: bool) -> bool:
    value = _attribute(rf"{name}:(\w+)", line)
    return default if value is None else value.lower() == "true"


def _java_trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and ord(text[start]) <= 0x20:
        start += 1
    while end > start and ord(text[end - 1]) <= 0x20:
        end -= 1
    return text[start:end]


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


_WHITESPACE = b" \t\r\n"


def change_checksum(
    sql: str, version: int, end_delimiter: str | None = None, split: bool = True, strip: bool = True
) -> str:
    """The MD5 of one SQL change, for checksum version 8 or 9."""
    data = sql.encode("utf-8")
    if version >= 9:
        return _md5(data.translate(None, _WHITESPACE))
    header = f"{'null' if end_delimiter is None else end_delimiter}:{str(split).lower()}:{str(strip).lower()}:"
    collapsed = re.sub(rb"[ \t\r\n]+", b" ", data).strip(b" ")
    return _md5(header.encode("utf-8") + collapsed)


def _compute(text: str) -> str:
    """``CheckSum.compute(String)``: line endings standardised, U+FFFD dropped, NFC, then MD5."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffd", "")
    return _md5(unicodedata.normalize("NFC", text).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Changeset:
    author: str
    id: str
    line: int  # 1-based line of the ``--changeset`` line (1 for a raw changelog)
    offset: int  # character offset of that line
    body: str  # the SQL as Liquibase hashes it
    end_delimiter: str | None = None
    split_statements: bool = True
    strip_comments: bool = True
    run_on_change: bool = False
    run_always: bool = False
    valid_checksums: tuple[str, ...] = ()
    logical_file_path: str | None = None

    def checksum(self, version: int = 9) -> str:
        """``DATABASECHANGELOG.MD5SUM`` for this changeset: ``"9:…"`` or ``"8:…"``."""
        change = change_checksum(self.body, version, self.end_delimiter, self.split_statements, self.strip_comments)
        return f"{version}:{_compute(f'{version}:{change}:')}"

    def key(self, path: str) -> str:
        """How Liquibase names it: ``path::id::author``."""
        return f"{self.logical_file_path or path}::{self.id}::{self.author}"

    def accepts(self, stored: str) -> bool:
        """A ``--validCheckSum`` lets Liquibase accept ``stored`` (``ANY`` accepts everything)."""
        return any(v.strip().upper() == "ANY" or v.strip() == stored for v in self.valid_checksums)


@dataclass(frozen=True, slots=True)
class Changelog:
    formatted: bool
    changesets: tuple[Changeset, ...]
    logical_file_path: str | None = None


def parse(text: str) -> Changelog:
    """The changesets of a ``.sql`` changelog, as Liquibase's formatted-SQL (or raw SQL) parser reads them."""
    if text.startswith("\ufeff"):
        text = text[1:]
    starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()
    first = next((line for line in lines if line.strip()), None)
    if first is None or not _FIRST_LINE.fullmatch(first):
        if first is None:
            return Changelog(False, ())
        return Changelog(False, (Changeset("includeAll", "raw", 1, 0, text, None, False, False),))
    header_path = _attribute(r"logicalFilePath:(\S*)", first) or None
    found: list[Changeset] = []
    current: dict[str, Any] | None = None
    body: list[str] = []

    def close() -> None:
        if current is not None:
            found.append(Changeset(body=_java_trim("".join(f"{b}\n" for b in body)), **current))

    i = 0
    while i < len(lines):
        line = lines[i]
        number = i + 1
        i += 1
        if _PROPERTY.fullmatch(line):
            continue
        ignore = _IGNORE_LINES.fullmatch(line)
        if ignore:
            i = _after_ignored(ignore.group(1), lines, i)
            continue
        header = _CHANGESET.fullmatch(line)
        if header:
            close()
            offset = starts[number - 1] if number - 1 < len(starts) else len(text)
            current = _changeset_header(header, line, number, offset, header_path)
            body = []
            continue
        if current is None:
            continue
        valid = _VALID_CHECKSUM.fullmatch(line)
        if valid:
            current["valid_checksums"] = (*current["valid_checksums"], valid.group(1))
            continue
        if _COMMENT.fullmatch(line) or _ROLLBACK.fullmatch(line) or _PRECONDITIONS.fullmatch(line):
            continue
        if _PRECONDITION.fullmatch(line):
            continue
        if _ROLLBACK_BLOCK_START.fullmatch(line):
            i = _after_rollback_block(lines, i)
            continue
        body.append(line)
    close()
    return Changelog(True, tuple(found), header_path)


def _after_ignored(what: str, lines: list[str], i: int) -> int:
    """The line after an ``--ignoreLines:start`` … ``end`` block, or after ``--ignoreLines:N`` lines."""
    if what == "start":
        while i < len(lines):
            end = _IGNORE_LINES.fullmatch(lines[i])
            i += 1
            if end and end.group(1) == "end":
                break
    elif what.isdigit():
        i += int(what)
    return i


def _changeset_header(
    header: re.Match[str], line: str, number: int, offset: int, header_path: str | None
) -> dict[str, Any]:
    """The attributes of a ``--changeset author:id …`` line (its body comes after it)."""
    author, ident = header.group(1), header.group(2)
    return {
        "author": _unquote(author),
        "id": _unquote(ident),
        "line": number,
        "offset": offset,
        "end_delimiter": _attribute(r"\bendDelimiter:(\S*)", line),
        "split_statements": _flag("splitStatements", line, True),
        "strip_comments": _flag("stripComments", line, True),
        "run_on_change": _flag("runOnChange", line, False),
        "run_always": _flag("runAlways", line, False),
        "valid_checksums": (),
        "logical_file_path": _attribute(r"logicalFilePath:(\S*)", line) or header_path,
    }


def _after_rollback_block(lines: list[str], i: int) -> int:
    """The line after a ``/* liquibase rollback`` … ``*/`` block that starts on the line before ``i``."""
    while i < len(lines):
        i += 1
        if _ROLLBACK_BLOCK_END.fullmatch(lines[i - 1]):
            break
    return i
