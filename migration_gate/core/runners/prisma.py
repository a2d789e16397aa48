r"""# Prisma Migrate (`layout: prisma`)

[Prisma Migrate](https://www.prisma.io/docs/orm/prisma-migrate) up to Prisma 7
(`prisma migrate deploy`).  Sources: prisma/prisma-engines
`schema-engine/connectors/schema-connector/src/migrations_directory.rs`,
`checksum.rs`, `core/src/commands/apply_migrations.rs`, the postgres
connector's `apply_migration_script`; prisma/prisma
`packages/migrate/src/utils/listMigrations.ts`; the npm packages of Prisma
5.22, 6.19, 7.3 and 7.10 (the CLI could not run here: it downloads its
schema engine at first use).

## Files

The migrations folder holds `migration_lock.toml` (`provider = "postgresql"`)
and **one sub-folder per migration** with a `migration.sql`; any sub-folder
name is a migration (umami's `01_init` as well as `20240101120000_init`).
Loose files are ignored.  Migrations run in the order of their folder names
under JavaScript's `localeCompare` (ICU collation: `01_init 1_init 10_x
9_x a_x B_x`), not byte order; the gate approximates that collation.

**Prisma 8** replaced this layout with `migrations/app/<dir>/migration.ts`,
`migration.json` and `ops.json` (the SQL inside JSON operations): the layout
covers Prisma ≤ 7 and skips Prisma 8 folders (no `.sql` files).

## Transactions and statement delivery

Prisma adds **no transaction**.  Up to **Prisma 7.3** the whole file is one
simple query (`client.simple_query(script)`): PostgreSQL runs it as one
implicit transaction, so several statements are atomic together and a
`CREATE INDEX CONCURRENTLY` works only alone in its file (prisma/orm#14456).
Since **Prisma 7.4** the statements are sent one at a time
(prisma/prisma-engines PR #5767, "support CREATE INDEX CONCURRENTLY in
migrations"; engines 7.4.0-20; a 7.8.0 `log_statement` trace shows one
statement per line): `CREATE INDEX CONCURRENTLY` works anywhere, and a
multi-statement migration is **not atomic** any more (medium confidence:
from the pull request and traces, not from the engine's source).  The gate
reads the version from `package.json` (`prisma`, `@prisma/client`) and the
lock files; without one it assumes 7.3 or older and says so, and a finding
that depends on that assumption is a warning.

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
    files = "`<folder>/migration.sql` + `migration_lock.toml`"
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
        delivery = PER_STATEMENT if version[:2] >= SPLITS_FROM else ONE_QUERY
        return Execution(False, delivery, f"Prisma {'.'.join(map(str, version))}")


RUNNER = Prisma()
