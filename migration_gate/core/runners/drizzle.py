r"""# drizzle (`layout: drizzle`)

[drizzle-kit](https://orm.drizzle.team/docs/kit-overview) migrations applied by
drizzle-orm's migrator (`migrate()` from `drizzle-orm/<driver>/migrator`,
which `drizzle-kit migrate` also calls).  Checked against the real runner
(drizzle-orm 0.45.4 / drizzle-kit 0.31.11 with node-postgres and postgres-js)
on PostgreSQL 15; source: drizzle-orm `migrator.ts`, `pg-core/dialect.ts`.

## Files and order (drizzle-orm 0.x)

`<out>/meta/_journal.json` lists the migrations (`entries[]`: `idx`, `when`,
`tag`, `breakpoints`); each entry's file is `<out>/<tag>.sql`.  A `.sql`
file **missing from the journal never runs** (Dokploy's
`0130_abandoned_dagger.sql` is such a file): the gate reports it.  Migrations
run in **journal array order** (not `idx`, not the file name).  Only entries
whose `when` is later than the newest applied `created_at` run: an entry with
an older (or equal) `when` is **silently skipped** (tested).

drizzle-kit v1 (1.0.0-rc) uses one folder per migration,
`<out>/<YYYYMMDDHHMMSS>_<name>/migration.sql`, ordered by `localeCompare`,
selected by name (an older new folder is applied), and refuses to run while
an old `meta/_journal.json` is present.

## Transactions and statement delivery

**All pending migrations run in one transaction**, with no opt-out
(`session.transaction(async (tx) => { for (const migration of migrations) …
})`): a `CREATE INDEX CONCURRENTLY` can never run (tested: "CREATE INDEX
CONCURRENTLY cannot run inside a transaction block", and the other pending
migration was rolled back with it).  Locks and new enum values carry across
the files of one deploy.  Each file is split on `--> statement-breakpoint`
(a plain substring split) and each chunk is one simple query.

## Rollbacks

None: `missing-rollback` never applies.

## Integrity

The journal's SHA-256 `hash` is stored but never compared: an edited applied
migration is silently skipped (tested).
"""

from __future__ import annotations

import json
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
    locale_version,
    ordinal_version,
)
from .flyway import legacy_execution

BREAKPOINT = "--> statement-breakpoint"
_V1_FOLDER = re.compile(r"\d{14}_.*\Z", re.S)
_TAG_NUMBER = re.compile(r"(\d+)_")  # drizzle-kit names a file `${idx padded to 4}_${name}` (its journal idx)


def journal_entries(text: str) -> list[tuple[str, int | None]]:
    """``(tag, when)`` of each journal entry, in array order (the order drizzle runs them)."""
    data = json.loads(text)
    entries = data.get("entries", []) if isinstance(data, dict) else []
    found = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("tag"), str):
            when = entry.get("when")
            found.append((entry["tag"], when if isinstance(when, int) else None))
    return found


class Drizzle(Runner):
    opt_out_hint = (
        'drizzle runs every pending migration in one transaction and '
        "has no opt-out: run the statement outside drizzle's migrator"
    )
    name = "drizzle"
    title = "drizzle-kit / drizzle-orm"
    files = "`NNNN_<name>.sql` listed in `meta/_journal.json` (v1: `<timestamp>_<name>/migration.sql`)"
    transaction_summary = "all pending migrations in one transaction, no opt-out"
    delivery = PER_STATEMENT
    rollback_summary = "none"
    has_rollbacks = False
    rollback_level = Severity.OFF
    recursive = True
    ordering = "journal order (v1: folder names, `localeCompare`)"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        parts = rel.split("/")
        if len(parts) == 2 and parts[1] == "migration.sql" and _V1_FOLDER.match(parts[0]):
            return {
                "kind": "versioned",
                "version": locale_version(parts[0]),
                "description": parts[0][15:],
                "forward_only": True,
            }
        if len(parts) != 1:
            return {"kind": "other", "note": "not a migration file of the journal"}
        if listing is None:  # not on disk (a merged file of the base): its journal position is its tag's number
            tag = rel.removesuffix(".sql")
            number = _TAG_NUMBER.match(tag)
            return {
                "kind": "versioned",
                "version": ordinal_version(tag, int(number.group(1))) if number else locale_version(tag),
                "description": tag.partition("_")[2],
                "forward_only": True,
            }
        found = listing.order.get(rel)
        if found is None:
            return {
                "kind": "other",
                "name_problem": "not listed in meta/_journal.json: drizzle's migrator never runs it",
            }
        position, tag = found
        return {
            "kind": "versioned",
            "version": ordinal_version(tag, position),
            "description": tag.partition("_")[2],
            "forward_only": True,
        }

    def parse_version(self, text: str) -> Version:
        return locale_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        if BREAKPOINT not in text:
            return Shape(cuts=(), cut_rule="drizzle sends each chunk between `--> statement-breakpoint` as one query")
        cuts = []
        at = text.find(BREAKPOINT)
        while at >= 0:
            cuts.append(at)
            at = text.find(BREAKPOINT, at + len(BREAKPOINT))
        return Shape(
            cuts=tuple(cuts), cut_rule="drizzle sends each chunk between `--> statement-breakpoint` as one query"
        )

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "drizzle", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        return Execution(True, PER_STATEMENT, "drizzle", batch=True, scope="batch")


RUNNER = Drizzle()
