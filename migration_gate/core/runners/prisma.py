r"""# Prisma Migrate (`layout: prisma`)

[Prisma Migrate](https://www.prisma.io/docs/orm/prisma-migrate) of Prisma ORM
**up to 7.x** (`prisma migrate deploy`): the `<folder>/migration.sql` format.
**Prisma 8 is not covered** (its migrations are not SQL files, see below).
Sources: prisma/prisma-engines
`schema-engine/connectors/schema-connector/src/migrations_directory.rs`,
`checksum.rs`, `core/src/commands/apply_migrations.rs`, the postgres
connector's `apply_migration_script`; prisma/prisma
`packages/migrate/src/utils/listMigrations.ts`; the npm packages of Prisma
5.22, 6.19, 7.3, 7.4 and 7.10 (the CLI could not run here: it downloads its
native schema engine from binaries.prisma.sh at first use, and its
`migrate` commands spawn that binary).

## Files

The migrations folder holds `migration_lock.toml` (`provider = "postgresql"`)
and **one sub-folder per migration** with a `migration.sql`; any sub-folder
name is a migration (umami's `01_init` as well as `20240101120000_init`).
Loose files are ignored.  Migrations run in the order of their folder names
under JavaScript's `localeCompare` (ICU collation: `01_init 1_init 10_x
9_x a_x B_x`), not byte order; the gate approximates that collation.

## Transactions and statement delivery

Prisma adds **no transaction** (`apply_migrations.rs` records the migration's
row before and after the script, in statements of their own).  How the
script reaches PostgreSQL changed in Prisma 7.4:

* **Up to Prisma 7.3** the whole file is **one simple query**:
  `apply_script` hands the script to the connector's
  `apply_migration_script(migration_name, script)`
  (`schema-engine/connectors/sql-schema-connector/src/apply_migration.rs`,
  prisma/prisma-engines @0a9267bf), which calls
  `client.simple_query(script)`
  (`…/src/flavour/postgres/connector/native/mod.rs` @3dd25f3c).  PostgreSQL
  runs a multi-statement query as one implicit transaction, so several
  statements are atomic together and a `CREATE INDEX CONCURRENTLY` works
  only alone in its file (prisma/orm#14456, error 25001).
* **Since Prisma 7.4** the statements are sent **one at a time**: prisma/
  prisma-engines PR #5767 "feat: support CREATE INDEX CONCURRENTLY in
  migrations" (merged February 2026; engines `7.4.0-20.ab56fe76`, where 7.3
  used `7.3.0-16.9d6ad21c`), and PR #5799 (April 2026) made the shadow
  database replay take the same path.  `CREATE INDEX CONCURRENTLY` then works
  anywhere in a file, and a multi-statement migration is **not atomic**: a
  `log_statement=all` trace of Prisma CLI 7.8.0 shows one `statement:` line
  per statement, and a failing third statement left the first two applied
  (Lade1q/planning-ai#470).  **Medium confidence**: the engine source after
  the change is not in the stored copies the gate's authors could read, and
  the engine cannot run here; what the npm packages show agrees (the
  `build/schema_engine_bg.wasm` of prisma 7.3.0 carries the `sqlparser`
  crate 0.32.0, that of 7.4.0 and 7.10.1 `sqlparser` 0.61.0 and its
  tokenizer).

The gate reads the version of the CLI that runs `migrate deploy` from the
lock files and `package.json`: `@prisma/prisma7` (the package that keeps
Prisma 7's CLI beside Prisma 8, as prisma/prisma8-and-7-example
`package.json` @47680456 does), then `prisma`, then `@prisma/client`.
Without one it assumes 7.3 or older and says so on the detection line, and
a finding that depends on that assumption is a warning.  A Prisma 8 version
decides nothing for a `migration.sql` folder (Prisma 8's CLI applies only
its own packages): a Prisma 7 version found beside it is taken, else 7.3 or
older is assumed and the line says why.

## Prisma 8

Prisma 8 (first published as Prisma Next; packages `prisma` 8 and
`@prisma/orm-postgres`) writes no `migration.sql`.  Each migration is a
package folder, `migrations/app/<YYYYMMDDTHHMM>_<slug>/`, holding
`migration.ts` (the authoring source), `migration.json` (its manifest and
hash) and `ops.json` (the operations, their SQL inside JSON);
`prisma db migrate` applies the `ops.json` operations, each package inside
`BEGIN … COMMIT` on PostgreSQL, and Prisma 8 plans no `CREATE INDEX
CONCURRENTLY` (prisma/orm `skills/prisma-8/references/migrations.md`
@6fca0866, "Migration package files" and "Apply atomicity";
prisma.io/docs/cli/db-migrate).  The gate does not read `ops.json`, and says
so rather than passing silently:

* with `layout: auto`, a folder whose sub-folders are such packages gets its
  line on stderr, `migration-gate: migrations/app: prisma (Prisma 8 migration
  packages, <dir>/migration.ts and ops.json: not checked, the prisma layout
  covers Prisma ORM 7 and earlier, <folder>/migration.sql)`, and no files;
* a folder configured as `layout: prisma` that holds them gets the same
  sentence on stderr;
* `check migrations/app` (the folder as a PATH) stops with exit 2, naming the
  folder and saying the same.

A Prisma 7 `migration.sql` folder kept beside Prisma 8 packages (as in
prisma/prisma8-and-7-example) is checked as before.  `migrations/` is both
Prisma 8's folder and the gate's default one: when it holds only Prisma 8
packages, `layout: auto` searches the whole repository instead, so a
`prisma/migrations` beside it is still found.

## Rollbacks

None: Prisma Migrate is forward only (`migrate resolve --rolled-back` only
marks a failed row).  `missing-rollback` never applies.

## Integrity

SHA-256 (hex) of the file in `_prisma_migrations.checksum`; only `migrate
dev` compares it ("The migration `…` was modified after it was applied.", then
a reset); `migrate deploy` never does.  An out-of-order new folder is applied
by `deploy`.
"""

from __future__ import annotations

from typing import Any

from ..severity import Severity
from ..version import Version
from .base import (
    ONE_QUERY,
    PER_STATEMENT,
    Execution,
    Listing,
    Runner,
    Section,
    Settings,
    Shape,
    locale_version,
)
from .flyway import legacy_execution

#: The first version that sends statements one at a time.
SPLITS_FROM = (7, 4)


def parse_semver(text: str | None) -> tuple[int, ...] | None:
    """``^7.6.0`` / ``7.3.1`` / ``~6.19`` → (7, 6, 0); ``None`` when no version is readable."""
    if not text:
        return None
    digits = ""
    for ch in text.strip().lstrip("^~>=v< "):
        if ch.isdigit() or ch == ".":
            digits += ch
        else:
            break
    parts = [p for p in digits.split(".") if p]
    return tuple(int(p) for p in parts) if parts else None


class Prisma(Runner):
    opt_out_hint = (
        'keep the statement alone in its own migration (Prisma ≤ 7.3 sends a file as one query), or use Prisma 7.4+'
    )
    split_hint = (
        "Prisma 7.4 and later send each statement alone, so `DROP INDEX CONCURRENTLY IF EXISTS …;` can come "
        "first in the same migration.sql"
    )
    name = "prisma"
    title = "Prisma Migrate"
    files = "`<folder>/migration.sql` + `migration_lock.toml` (Prisma ORM ≤ 7; Prisma 8's packages: named, not checked)"
    transaction_summary = "none added: ≤ 7.3 the file is one query (one implicit transaction); ≥ 7.4 none"
    delivery = ONE_QUERY
    rollback_summary = "none (forward only)"
    has_rollbacks = False
    rollback_level = Severity.OFF
    recursive = True
    ordering = "folder names, `localeCompare`"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        parts = rel.split("/")
        if len(parts) != 2 or parts[1] != "migration.sql":
            return {"kind": "other", "note": "not <folder>/migration.sql: Prisma ignores it"}
        folder = parts[0]
        return {
            "kind": "versioned",
            "version": locale_version(folder),
            "description": folder.partition("_")[2] or folder,
            "forward_only": True,
        }

    def parse_version(self, text: str) -> Version:
        return locale_version(text)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "Prisma", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        version = parse_semver(settings.option("version"))
        if settings.delivery is not None:
            return Execution(False, settings.delivery, "Prisma")
        if version is None:
            return Execution(
                False,
                ONE_QUERY,
                "Prisma",
                assumed="Prisma version not found in package.json: assumed 7.3 or older (one query string per file)",
            )
        if version[0] >= 8:  # Prisma 8's CLI applies only its own packages: some Prisma 7 runs this folder
            return Execution(
                False,
                ONE_QUERY,
                "Prisma",
                assumed=(
                    f"Prisma {settings.option('version')} applies only Prisma 8 migration packages and the Prisma 7 "
                    "version that applies migration.sql was not found: assumed 7.3 or older (one query string per file)"
                ),
            )
        delivery = PER_STATEMENT if version[:2] >= SPLITS_FROM else ONE_QUERY
        return Execution(False, delivery, f"Prisma {'.'.join(map(str, version))}")


RUNNER = Prisma()
