r"""# Diesel (`layout: diesel`)

[Diesel](https://diesel.rs) migrations (`diesel migration run`,
`embed_migrations!`).  Described from the source (`diesel_cli` cannot be
installed here; Debian's `librust-migrations-internals-dev` 2.0.0, identical to
upstream `migrations_internals`, was read on disk): `diesel_migrations`
`file_based_migrations.rs`, `migration_harness.rs`, `errors.rs`.

## Files

A migration is a **sub-folder** `<version>_<name>/` holding `up.sql`, and
optionally `down.sql` and `metadata.toml`.  Loose files in the migrations
folder and dot-folders are ignored; a sub-folder **without `up.sql`** is an
error for the whole folder (`Invalid migration directory, the directory's name
should be <timestamp>_<name_of_migration>, and it should only contain up.sql
and down.sql.`).  The version is the folder name before its first `_`, with
`-` removed (`2015-12-19-180527_x` is `20151219180527`); it need not be a
number and versions order **as text**; two folders with the same version
collapse silently (a `HashMap`).  A 0-byte `up.sql` fails (`Attempted to run
an empty migration.`); a comment-only one runs.

## Transactions and statement delivery

One transaction per migration, and `up.sql` goes to PostgreSQL as **one
query string** (`batch_execute`: "Execute multiple SQL statements within the
same string").  `metadata.toml` with `run_in_transaction = false` runs it
without `BEGIN`: several statements still share PostgreSQL's implicit
transaction; a lone `CREATE INDEX CONCURRENTLY` runs outside any.  From the
source: `TomlMetadata` declares `#[serde(default)] run_in_transaction: bool`,
so a `metadata.toml` that parses but **lacks the key** gives `false` too (no
`metadata.toml`, or an unreadable one, gives `true`); the gate follows the
source.  The file goes to PostgreSQL as written: a BOM makes it fail.

## Rollbacks

`down.sql` in the same folder, optional (`diesel migration generate
--no-down`); reverting without it fails.  `missing-rollback` reports a
missing `down.sql` where the folder's other migrations have one (a warning
by default).

## Settings

`diesel.toml` `[migrations_directory] dir` names the folder (default
`migrations/`); `DATABASE_URL` from the environment or `.env`.  An older
migration merged late is applied silently.
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import Version
from .base import ONE_QUERY, Execution, Listing, Runner, Section, Settings, Shape, bom_rejected, text_version
from .flyway import legacy_execution

_FOLDER = re.compile(r"(?P<version>[^_]*)(?:_(?P<name>.*))?\Z", re.S)


def diesel_version(folder: str) -> Version:
    text = folder.split("_", 1)[0]
    return text_version(text, text.replace("-", ""))


class Diesel(Runner):
    opt_out_hint = 'put it alone in a migration whose metadata.toml says `run_in_transaction = false`'
    name = "diesel"
    title = "Diesel"
    files = "`<version>_<name>/up.sql` + optional `down.sql`, `metadata.toml`"
    transaction_summary = "per migration, unless `metadata.toml` says `run_in_transaction = false`"
    delivery = ONE_QUERY
    rollback_summary = "`down.sql` (optional)"
    rollback_level = Severity.WARNING
    rollback_optional = True
    recursive = True
    ordering = "version text (the folder name before `_`, without `-`)"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        parts = rel.split("/")
        if len(parts) == 1:
            return {"kind": "other", "note": "a loose file in the migrations folder: Diesel ignores it"}
        if len(parts) > 2 or parts[0].startswith("."):
            return {"kind": "other", "note": "not a migration folder's up.sql or down.sql: Diesel ignores it"}
        folder, name = parts
        if listing is not None and f"{folder}/up.sql" not in listing.files:
            return {
                "kind": "other",
                "name_problem": f"folder {folder!r} has no up.sql: Diesel refuses the whole migrations folder "
                "(Invalid migration directory)",
            }
        if name not in ("up.sql", "down.sql"):
            return {"kind": "other", "note": "not up.sql or down.sql: Diesel ignores it"}
        match = _FOLDER.match(folder)
        description = (match.group("name") if match else None) or ""
        kind = "versioned" if name == "up.sql" else "rollback"
        return {"kind": kind, "version": diesel_version(folder), "description": description}

    def parse_version(self, text: str) -> Version:
        return diesel_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        if kind == "versioned" and not text and not bom:
            return Shape(problems=((0, 0, "Diesel refuses an empty up.sql: Attempted to run an empty migration."),))
        if bom:
            return Shape(problems=(bom_rejected("Diesel"),))
        return Shape()

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "Diesel", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        return Execution(opt_out is None, ONE_QUERY, "Diesel", opt_out=opt_out)

    def rollback_expected(self, rel: str) -> str:
        return rel.rsplit("/", 1)[0] + "/down.sql"


RUNNER = Diesel()
