r"""# goose (`layout: goose`)

[pressly/goose](https://github.com/pressly/goose) v3: one `.sql` file per
migration, with its up and down in **sections** of the same file.  Described
from goose's source (goose cannot be installed here: it ships only as a Go
module and GitHub binaries).

## Files

`<version>_<name>.sql` in the migrations folder itself (sub-folders are never
read: `fs.Glob(dir, "*.sql")`).  The version is goose's `NumericComponent`:
the text before the first `_`, parsed as an int64 (a sign is accepted, so
`+5_x.sql` is version 5; leading zeros do not count), at least 1
(pressly/goose `migration.go`).  A `.sql` file without such a prefix makes the
goose CLI and the `goose.Up` API **refuse the whole folder**
(`could not parse SQL migration file …`, `collectMigrationsFS`); the
`Provider` API (`goose.NewProvider`, or the CLI with `-lock`) skips it
silently.  The gate reports it either way.  Versions order as numbers; a
duplicate version panics (`goose: duplicate version … detected`) or is an
error in the Provider API.

## Sections and annotations

From goose's parser (`internal/sqlparser/parser.go`): annotations are
`-- +goose Up`, `-- +goose Down`, `-- +goose StatementBegin`,
`-- +goose StatementEnd`, `-- +goose NO TRANSACTION`, `-- +goose ENVSUB ON` /
`OFF`, matched **case-insensitively** on a line that starts with `--` and
contains `+goose`.  Such a line that is not a valid annotation is an error,
including one with leading whitespace, one with a second `--` after the
annotation, and `-- +goose ENVSUBST ON`: the marker is **`ENVSUB`** (the
issue's `ENVSUBST` is an older spelling the current parser refuses:
`"ENVSUBST ON" not supported: invalid annotation`).  Before `Up` only blank
lines and `--` comments are allowed (`unexpected state 0 on line …`); a file
without `Up` fails (`must start with '-- +goose Up' annotation`); the `Down`
section is optional.  The gate reports these refusals as `syntax-error` at
the line goose stops at.

A statement ends at a line whose last word before a `--` word ends in `;`
(goose's `endsWithSemicolon`), except between `StatementBegin` and
`StatementEnd`, which is one statement.  So a `$$` body with a line ending in
`;` must be wrapped in `StatementBegin`/`StatementEnd`, or goose cuts it
(pressly/goose#231): the gate reports the cut.  With `ENVSUB ON`, `${VAR}`
is replaced from the environment at deploy time; the gate cannot know the
value and reads such a reference as an identifier of the same length.

## Transactions and statement delivery

goose runs each file (each direction) in **one transaction** and sends the
statements **one at a time** (`tx.ExecContext` per statement); the version
row is written in the same transaction (`migration_sql.go`; the Provider's
`runSQL` does the same).  `-- +goose NO TRANSACTION`, anywhere in the file,
switches the transaction off for both directions: each statement then runs
alone in autocommit, so `CREATE INDEX CONCURRENTLY` works.

The unit goose sends is an entry of its parser's statement list, not a
statement: at `-- +goose StatementEnd` the parser appends the whole block as
**one** entry (`internal/sqlparser/parser.go`, `case gooseStatementEndUp:
stmts = append(stmts, cleanupStatement(buf.String()))`, pressly/goose
@98ca4995), and so is a line holding several statements that ends in `;`.
Each entry goes to one `ExecContext` (`migration_sql.go`, `runSQLMigration`:
`tx.ExecContext(ctx, query)`, or `db.ExecContext` with `NO TRANSACTION`;
@fe7f25d9) without arguments, which both Go drivers send as one
simple-protocol query (jackc/pgx v5 `conn.go`, `Conn.exec`: "Always use simple
protocol when there are no arguments"; lib/pq `conn.go`: no arguments →
`simpleExec`).  PostgreSQL runs a query string of several statements as one
implicit transaction, so a `StatementBegin … StatementEnd` block of several
statements is atomic on its own even in a `NO TRANSACTION` file, and a
`CREATE INDEX CONCURRENTLY` inside one fails ("cannot run inside a
transaction block") in any file.  The gate reports that statement
(`non-transactional-statement-in-transaction`) and `verify` runs the block in
one transaction, committed at its end (the same block through the real
sql-migrate, whose parser derives from goose's, fails the same way:
`tests/test_runners_real.py`).  After a
`COMMIT` inside a wrapped file, database/sql does not open a new
transaction: the statements after it run in autocommit and goose's own
`COMMIT` then only warns, so the `COMMIT; CREATE INDEX CONCURRENTLY …; BEGIN;`
escape works (and the migration is no longer atomic).

## Rollbacks

The `-- +goose Down` section is the rollback (run by `down`, `redo`,
`reset`); it is not linted as forward SQL.  A file without a `Down` section
(or with an empty one) rolls back as a no-op: `missing-rollback` reports it,
as a warning by default.

## Out of order

goose refuses a pending version below the highest applied one unless
`-allow-missing` (`error: found %d missing migrations before current version
%d`; Provider: `found %d missing (out-of-order) migration(s) lower than
current max`).

## Settings

The CLI reads `GOOSE_DRIVER`, `GOOSE_DBSTRING`, `GOOSE_MIGRATION_DIR`
(and, after v3.20, `GOOSE_TABLE`, `GOOSE_LOCK`) from the environment or a
`.env` file; a `search_path` or `statement_timeout` in a committed
`GOOSE_DBSTRING` is read.  Version: `github.com/pressly/goose/v3` in `go.mod`.
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import InvalidVersion, Version
from .base import (
    PER_STATEMENT,
    Execution,
    Listing,
    Runner,
    Section,
    Settings,
    Shape,
    numeric_version,
)
from .flyway import legacy_execution
from .goose_parser import parse_annotated


def goose_version(name: str) -> Version:
    """goose's ``NumericComponent`` of a file name."""
    if not name.endswith((".sql", ".go")):
        raise InvalidVersion("migration file does not have .sql or .go file extension")
    prefix, sep, _ = name.partition("_")
    if not sep:
        raise InvalidVersion("no filename separator '_' found")
    if not re.fullmatch(r"[+-]?[0-9]+", prefix):
        raise InvalidVersion(f"failed to parse version from migration file: {name}")
    value = int(prefix)
    if value >= 2**63 or value < -(2**63):
        raise InvalidVersion(f"failed to parse version from migration file: {name}: value out of range")
    if value < 1:
        raise InvalidVersion("migration version must be greater than zero")
    return numeric_version(prefix, str(value))


class Goose(Runner):
    opt_out_hint = 'add `-- +goose NO TRANSACTION` to the file (goose then runs each statement alone)'
    group_rule = (
        "goose sends a `-- +goose StatementBegin … StatementEnd` block, or a line holding several statements, "
        "as one query string"
    )
    group_hint = "take the statement out of the `StatementBegin … StatementEnd` block, on a line of its own"
    name = "goose"
    title = "goose"
    files = "`<version>_<name>.sql` with `-- +goose Up` / `-- +goose Down` sections"
    transaction_summary = "per file, unless `-- +goose NO TRANSACTION`"
    delivery = PER_STATEMENT
    rollback_summary = "the `-- +goose Down` section"
    rollback_level = Severity.WARNING
    rollback_in_file = True
    ordering = "numeric"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        if "/" in rel:
            return {"kind": "other", "note": "in a sub-folder: goose reads the migrations folder only"}
        try:
            version = goose_version(rel)
        except InvalidVersion as exc:
            return {
                "kind": "other",
                "name_problem": f"could not parse SQL migration file {rel!r}: {exc}; "
                "goose refuses the whole folder (the Provider API skips the file): "
                "name it <version>_<name>.sql",
            }
        return {"kind": "versioned", "version": version, "description": rel[:-4].partition("_")[2]}

    def parse_version(self, text: str) -> Version:
        return goose_version(text + "_x.sql")

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        return parse_annotated(text, "goose", bom=bom)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "goose", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        opt_out = opt_out or (shape.opt_out if shape.transaction is False else None)
        return Execution(opt_out is None, PER_STATEMENT, "goose", opt_out=opt_out)

    def rollback_expected(self, rel: str) -> str:
        return "a `-- +goose Down` section"


RUNNER = Goose()
