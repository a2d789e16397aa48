"""What each runner records about an applied migration, and what it does when that changes.

One module per algorithm, each a set of pure functions reproducing the
runner's own code (the source is quoted in each module): :mod:`.sqlx`
(SHA-384), :mod:`.prisma` (SHA-256, LF/CRLF variants), :mod:`.atlas`
(``atlas.sum``), :mod:`.liquibase` (changesets, MD5 v8/v9), :mod:`.sqitch`
(plan, change IDs, script hashes), :mod:`.drizzle` (hash, journal).  Flyway's
CRC-32 is :mod:`migration_gate.core.checksum`.

:data:`RUNNERS` says, per layout, what identifies an applied migration to the
runner, whether (and where) it stores a checksum, whether it compares it
before deploying, and what it does with a new migration older than applied
ones.  The history rules read it; the per-runner facts they need (checksums,
``atlas.sum``, the Sqitch plan, the drizzle journal, settings) are computed at
the edge (:mod:`migration_gate.history.integrity`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: What a runner does with a new migration whose version is below an applied one.
APPLIED = "applied"  # runs it anyway (out of order)
REFUSED = "refused"  # stops the deploy with an error
NEVER_APPLIED = "never-applied"  # silently never runs it
NOT_VERSIONED = "not-versioned"  # order comes from a changelog or plan, not from versions
UNKNOWN = "unknown"  # the gate does not know the runner (``pattern``)


@dataclass(frozen=True, slots=True)
class Runner:
    layout: str
    name: str  # as its users call it
    #: What identifies an applied migration to the runner.
    identity: str  # version | file name | folder name | changeset | plan | journal
    #: The algorithm and where the runner stores it; ``None``: the runner keeps no checksum.
    checksum: str | None = None
    stored_in: str | None = None
    #: The ``migration-gate info`` field (JSON) and column (text) for it.
    field: str | None = None
    column: str | None = None
    #: The runner compares the stored checksum before every deploy (and refuses a changed file).
    checked_on_deploy: bool = False
    #: Default behaviour with an out-of-order new migration (settings may change it).
    out_of_order: str = APPLIED


RUNNERS: dict[str, Runner] = {
    r.layout: r
    for r in (
        Runner(
            "flyway",
            "Flyway",
            identity="version",
            checksum="CRC-32",
            stored_in="flyway_schema_history.checksum",
            field="checksum",
            column="Checksum",
            checked_on_deploy=True,
            out_of_order=REFUSED,
        ),
        Runner("up-down", "the runner", identity="version", out_of_order=UNKNOWN),
        Runner("golang-migrate", "golang-migrate", identity="version", out_of_order=NEVER_APPLIED),
        Runner("goose", "goose", identity="version", out_of_order=REFUSED),
        Runner("dbmate", "dbmate", identity="version", out_of_order=APPLIED),
        Runner("sql-migrate", "sql-migrate", identity="file name", out_of_order=APPLIED),
        Runner(
            "sqlx",
            "sqlx",
            identity="version",
            checksum="SHA-384",
            stored_in="_sqlx_migrations.checksum",
            field="sqlx_checksum",
            column="sqlx checksum",
            checked_on_deploy=True,
            out_of_order=APPLIED,
        ),
        Runner("diesel", "Diesel", identity="version", out_of_order=APPLIED),
        Runner("pop", "pop", identity="version", out_of_order=APPLIED),
        Runner(
            "prisma",
            "Prisma Migrate",
            identity="folder name",
            checksum="SHA-256",
            stored_in="_prisma_migrations.checksum",
            field="prisma_checksum",
            column="Prisma checksum",
            out_of_order=APPLIED,
        ),
        Runner(
            "atlas",
            "Atlas",
            identity="version",
            checksum="SHA-256 (atlas.sum)",
            stored_in="atlas.sum",
            field="atlas_sum",
            column="atlas.sum",
            checked_on_deploy=True,
            out_of_order=REFUSED,
        ),
        Runner(
            "liquibase",
            "Liquibase",
            identity="changeset",
            checksum="MD5",
            stored_in="DATABASECHANGELOG.MD5SUM",
            field="liquibase_md5sum",
            column="MD5SUM",
            checked_on_deploy=True,
            out_of_order=NOT_VERSIONED,
        ),
        Runner(
            "sqitch",
            "Sqitch",
            identity="plan",
            checksum="SHA-1",
            stored_in="sqitch.changes.script_hash",
            field="sqitch_script_hash",
            column="script_hash",
            out_of_order=NOT_VERSIONED,
        ),
        Runner(
            "drizzle",
            "drizzle",
            identity="journal",
            checksum="SHA-256",
            stored_in="__drizzle_migrations.hash",
            field="drizzle_hash",
            column="hash",
            out_of_order=NEVER_APPLIED,
        ),
        Runner("pattern", "your runner", identity="version", out_of_order=UNKNOWN),
    )
}


def runner(layout: str) -> Runner:
    """The runner of a layout (an unknown layout is treated like ``pattern``: nothing is assumed)."""
    return RUNNERS.get(layout) or Runner(layout, "your runner", "version", out_of_order=UNKNOWN)


_KEYWORD_KINDS = frozenset({"RESERVED_KEYWORD", "UNRESERVED_KEYWORD", "COL_NAME_KEYWORD", "TYPE_FUNC_NAME_KEYWORD"})


def sql_tokens(text: str) -> list[tuple[str, str]] | None:
    """The SQL tokens of a text as PostgreSQL's scanner reads them, without comments and whitespace.

    Keywords compare by name (``select`` = ``SELECT``); everything else by its
    exact text.  ``None`` when the scanner cannot read the text.
    """
    from pglast import parser

    try:
        tokens = parser.scan(text)
    except parser.ParseError:  # an unterminated quote or dollar quote
        return None
    data = text.encode("utf-8")
    found: list[tuple[str, str]] = []
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if token.kind in _KEYWORD_KINDS:
            found.append((token.name, ""))
        else:
            found.append((token.name, data[token.start : token.end + 1].decode("utf-8", "replace")))
    return found


def same_statements(old: str | None, new: str | None) -> bool:
    """Both texts run the same SQL: only comments, whitespace, line endings or keyword case differ."""
    if old is None or new is None:
        return False
    a, b = sql_tokens(old.removeprefix("\ufeff")), sql_tokens(new.removeprefix("\ufeff"))
    return a is not None and a == b


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(text: str) -> list[str]:
    return [m.group(0) for m in _LINE.finditer(text) if m.group(0)]


def first_difference(old: str | None, new: str) -> int:
    """Offset into ``new`` of the first line that differs from ``old``.

    Lines are compared without their terminators first (so a file converted
    to CRLF *and* edited points at the edit); when only terminators differ,
    the first line that differs at all.
    """
    if old is None:
        return 0
    old_lines, new_lines = _lines(old), _lines(new)
    for strip in (True, False):
        offset = 0
        for i, line in enumerate(new_lines):
            a = old_lines[i] if i < len(old_lines) else None
            if a is None or (a.rstrip("\r\n") != line.rstrip("\r\n") if strip else a != line):
                return offset
            offset += len(line)
        if len(old_lines) > len(new_lines):
            return offset
    return 0
