r"""# golang-migrate (`layout: golang-migrate`)

[golang-migrate/migrate](https://github.com/golang-migrate/migrate) v4 with its
`postgres` (or `pgx`) driver.  Described from the source (it cannot be
installed here) and the driver's own README.

## Files

`^([0-9]+)_(.*)\.(down|up)\.(.*)$` (`source/parse.go`): the version is an
unsigned integer, then the name, the direction and **any** extension
(`1_x.up.tmpl` is a migration too; the gate reads only `.sql` files).
Non-matching files and sub-folders are skipped silently; two files with the
same version and direction are an error (`duplicate migration file: …`).
Versions order as numbers.

## Transactions and statement delivery

The runner opens **no transaction** around a migration (the only one is in
`SetVersion`, for its `schema_migrations` row), and the postgres driver sends
the **whole file as one query** (`Run`: `io.ReadAll`, then one `ExecContext`,
simple query protocol; `database/postgres/postgres.go`).  PostgreSQL runs a
multi-statement query as one implicit transaction, so: several statements
are atomic together, a file holding a **single** `CREATE INDEX CONCURRENTLY`
runs outside any transaction (the driver's README: "If you want to use
`CREATE INDEX CONCURRENTLY` without activating multi-statement mode you have
to put such statements in a separate migration files"), and a `COMMIT` inside
the file does not end the implicit transaction for what follows.

`x-multi-statement=true` (a database-URL parameter; set
`runner_options: {x-multi-statement: "true"}`, or the gate reads it from a
committed URL) splits the file on **every** `;` (`multistmt.Parse`, a plain
byte search: golang-migrate/migrate#590, #698, #1323 still open at v4.19.0)
and runs each chunk alone in autocommit.  A `;` inside a `$$` body, a string
or a comment then cuts the statement: the gate reports it.

The file goes to PostgreSQL exactly as written: a BOM makes PostgreSQL reject
it (`syntax error at or near "\ufeff"`).

## Rollbacks

`<version>_<name>.down.sql`, optional: without one, a down step changes the
version row and runs nothing (`migrate.go`, "create \"empty\" migration").
`missing-rollback` reports a missing down file only where the folder's other
migrations have one (a warning by default).

## Out of order

Only versions above the current one are ever applied: an older file merged
late is **silently never applied**.  A failed migration leaves the database
`dirty` ("Dirty database version %v. Fix and force version.").
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import InvalidVersion, Version
from .base import (
    ONE_QUERY,
    PER_STATEMENT,
    Execution,
    Listing,
    Runner,
    Section,
    Settings,
    Shape,
    bom_rejected,
    numeric_version,
)
from .flyway import legacy_execution

_NAME = re.compile(r"([0-9]+)_(.*)\.(down|up)\.(.*)\Z", re.S)


def golang_migrate_version(text: str) -> Version:
    if not text.isdigit() or not text.isascii():
        raise InvalidVersion(f"version {text!r} is not an unsigned number")
    if int(text) >= 2**64:
        raise InvalidVersion(f"version {text!r} does not fit in 64 bits")
    return numeric_version(text)


class GolangMigrate(Runner):
    opt_out_hint = (
        'keep the statement alone in its own migration file (golang-migrate '
        'sends a file as one query; a single statement runs outside any transaction)'
    )
    split_hint = (
        "with `x-multi-statement=true` in the database URL golang-migrate sends each statement alone, so "
        "`DROP INDEX CONCURRENTLY IF EXISTS …;` can come first in the same file (it splits on every `;`: "
        "not for files with `$$` bodies)"
    )
    name = "golang-migrate"
    title = "golang-migrate"
    files = "`<version>_<name>.up.sql` / `.down.sql`"
    transaction_summary = "none added: the file is one query (several statements = one implicit transaction)"
    delivery = ONE_QUERY
    rollback_summary = "`.down.sql` (optional)"
    rollback_level = Severity.WARNING
    rollback_optional = True
    ordering = "numeric"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        if "/" in rel:
            return {"kind": "other", "note": "in a sub-folder: golang-migrate reads the migrations folder only"}
        match = _NAME.match(rel)
        if not match:
            return {
                "kind": "other",
                "name_problem": "matches no golang-migrate pattern (<version>_<name>.up.sql / .down.sql): "
                "golang-migrate silently skips it, so it never runs",
            }
        try:
            version = golang_migrate_version(match.group(1))
        except InvalidVersion as exc:
            return {"kind": "other", "name_problem": f"{exc}: golang-migrate silently skips it"}
        kind = "versioned" if match.group(3) == "up" else "rollback"
        return {"kind": kind, "version": version, "description": match.group(2)}

    def parse_version(self, text: str) -> Version:
        return golang_migrate_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        problems = []
        if bom:
            problems.append(bom_rejected("golang-migrate"))
        if settings is not None and settings.flag("x-multi-statement"):
            cuts = tuple(i + 1 for i, ch in enumerate(text) if ch == ";")
            return Shape(
                cuts=cuts,
                cut_rule="golang-migrate's x-multi-statement splits the file on every `;`, also inside strings, "
                "comments and $$ bodies",
                problems=tuple(problems),
            )
        return Shape(problems=tuple(problems))

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "golang-migrate", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        if settings.flag("x-multi-statement"):
            return Execution(False, PER_STATEMENT, "golang-migrate", opt_out="x-multi-statement")
        return Execution(False, ONE_QUERY, "golang-migrate")

    def rollback_expected(self, rel: str) -> str:
        return rel.replace(".up.", ".down.")


RUNNER = GolangMigrate()
