r"""# sql-migrate (`layout: sql-migrate`)

[rubenv/sql-migrate](https://github.com/rubenv/sql-migrate): one `.sql` file
per migration with `-- +migrate Up` / `-- +migrate Down` sections.  Checked
against the real runner (Debian `sql-migrate`, 2019-12 snapshot, whose parser
is identical to upstream `sqlparse/sqlparse.go` @1a9ac40f) on PostgreSQL 15.

## Files

**Every** `*.sql` in the folder itself is a migration (no sub-folders).  Files
with a numeric prefix (`^(\d+).*$`) order by that number, ties by file name;
files without one come after them, by name (`Migration.Less`).  A
migration's identity is its **whole file name** (`gorp_migrations.id`), so two
files may share a prefix, and renaming an applied file makes sql-migrate run
it again.

## Sections

The marker is exactly `-- +migrate ` at column 0, then a case-sensitive
command: `Up`, `Down`, `StatementBegin`, `StatementEnd`, with options as
words after it.  A misspelled or unknown command is **silently ignored**:
with `-- +migrate Down;` (a real case, ovh/cds `021_workflow_constraint.sql`)
the statements after it run as part of `Up`.  The gate keeps them in the up
section, as sql-migrate does, and reports the line.  Text before the first
`Up`/`Down` is silently dropped (never run); a file with neither fails
(`no Up/Down annotations found`).  Statements end like goose's (a line whose
last word before `--` ends in `;`), and `StatementBegin … StatementEnd` is
one statement: a `$$` body without it is cut.

## Transactions and statement delivery

One transaction per migration and direction, statements sent **one at a
time** (`ExecMax`: `dbMap.Begin()`, then `Exec` per statement, then the
`gorp_migrations` row, then commit).  `notransaction` on the marker line
(`-- +migrate Up notransaction`, `-- +migrate Down notransaction`) switches it
off for that direction only: each statement then runs alone in autocommit.
Tested: `-- +migrate Up notransaction` with a `CREATE INDEX CONCURRENTLY`
runs; the same without the option fails ("cannot run inside a transaction
block").  A `StatementBegin … StatementEnd` block is one entry of the parsed
list and goes to PostgreSQL as one `Exec`, so a block of several statements is
one query string and one implicit transaction even with `notransaction`:
tested, a `CREATE INDEX CONCURRENTLY` and a `SELECT 1` in one block fail
("cannot run inside a transaction block"), and a `CREATE INDEX CONCURRENTLY`
after a block of two runs (the block's transaction ended with it); `verify`
runs blocks the same way.  After a `COMMIT` inside a wrapped section the statements that
follow run in autocommit (database/sql opens no new transaction): the
`COMMIT; CREATE INDEX CONCURRENTLY …; BEGIN;` escape works (heroiclabs/nakama
uses it).

## Rollbacks

The `-- +migrate Down` section; optional (a missing one is a no-op `down`).
`missing-rollback` reports a file without one as a warning by default.

## Out of order

An older migration merged after newer ones are applied is **applied
silently** (`ToCatchup`).
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import Version
from .base import (
    PER_STATEMENT,
    Execution,
    Listing,
    Runner,
    Section,
    Settings,
    Shape,
)
from .flyway import legacy_execution
from .sql_migrate_parser import parse_migrate

_NUMERIC = re.compile(r"(\d+)")


def sql_migrate_version(name: str) -> Version:
    """Numeric prefix first (ties by name), then names without one; the identity is the name."""
    match = _NUMERIC.match(name)
    if match:
        return Version(name, (3, (int(match.group(1)), name)))
    return Version(name, (4, (name,)))


class SqlMigrate(Runner):
    opt_out_hint = 'add `notransaction` to the marker line (`-- +migrate Up notransaction`)'
    group_rule = (
        "sql-migrate sends a `-- +migrate StatementBegin … StatementEnd` block, or a line holding several "
        "statements, as one query string"
    )
    group_hint = "take the statement out of the `StatementBegin … StatementEnd` block, on a line of its own"
    name = "sql-migrate"
    title = "sql-migrate"
    files = "every `*.sql`, `-- +migrate Up` / `-- +migrate Down` sections"
    transaction_summary = "per direction, unless `notransaction` on the marker line"
    delivery = PER_STATEMENT
    rollback_summary = "the `-- +migrate Down` section"
    rollback_level = Severity.WARNING
    rollback_in_file = True
    ordering = "numeric prefix, then file name"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        if "/" in rel:
            return {"kind": "other", "note": "in a sub-folder: sql-migrate reads the migrations folder only"}
        return {"kind": "versioned", "version": sql_migrate_version(rel), "description": rel[:-4]}

    def parse_version(self, text: str) -> Version:
        return sql_migrate_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        return parse_migrate(text)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "sql-migrate", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        if opt_out is None and section is not None and section.transaction is False:
            opt_out = section.opt_out
        return Execution(opt_out is None, PER_STATEMENT, "sql-migrate", opt_out=opt_out, scope="section")

    def rollback_expected(self, rel: str) -> str:
        return "a `-- +migrate Down` section"


RUNNER = SqlMigrate()
