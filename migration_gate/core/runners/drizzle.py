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

## Files and order (drizzle-orm 1.x)

drizzle-kit 1.x (1.0.0-rc) writes one folder per migration,
`<out>/<YYYYMMDDHHMMSS>_<name>/` holding `migration.sql` and `snapshot.json`;
drizzle-orm 1.x's migrator reads every sub-folder that has a `migration.sql`,
orders them by `localeCompare` and runs those whose **name** is not yet
recorded (an older new folder is applied).  Checked against the real
drizzle-orm 1.0.0-rc.5 (npm; its `migrator.js` `readMigrationFiles`).

## A folder between the two layouts

The migrator a project runs decides, so the gate reads the `drizzle-orm`
version from the lock files or `package.json` (without one: 0.x when
`meta/_journal.json` is there, else 1.x, said on the detection line):

* **drizzle-orm 1.x and a `meta/_journal.json` left in the folder**: the
  migrator throws before it reads anything ("We detected that you have old
  drizzle-kit migration folders. You must upgrade drizzle-kit and run
  "drizzle-kit up""), so **no migration of the folder is applied**; the
  test is the file's mere existence (`fs.existsSync`), not its content.
  drizzle-kit 1.x's `generate` and `migrate` stop the same way ("Your
  migrations folder format is outdated, please run drizzle-kit up",
  `assertV3OutFolder`, drizzle-team/drizzle-orm
  `drizzle-kit/src/utils/utils-node.ts` @cd45bda6).  `drizzle-kit up` is the
  move: it writes each journal entry's file and snapshot into a
  `<when as YYYYMMDDHHMMSS>_<name>/` folder, deletes the flat file and then
  the whole `meta/` folder (`migrateToFoldersV3`,
  `drizzle-kit/src/cli/commands/utils.ts` @189ca8e1).  The gate reports every
  migration of such a folder as `invalid-migration-filename`, with the
  runner's message and that fix.
* **drizzle-orm 0.x and a `<YYYYMMDDHHMMSS>_<name>/migration.sql`** beside
  the journal: 0.x runs only what the journal lists, so that file never runs
  (reported); without any journal, 0.x throws "Can't find meta/_journal.json
  file" and applies nothing (every folder reported).
* **version not found** and both a journal and such a folder: the folder's
  file is reported (it runs under neither), the journal's files are not
  (they run under 0.x).
* **drizzle-orm 1.x and a flat `.sql` file** without a journal: never read
  (reported).

All four were run against the real migrators (drizzle-orm 1.0.0-rc.5 and
0.45.4 with node-postgres, tests/test_runners_real.py).

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
from .prisma import parse_semver

BREAKPOINT = "--> statement-breakpoint"
JOURNAL = "meta/_journal.json"
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
        journal = listing is not None and JOURNAL in listing.files
        version = settings.option("version") if settings is not None else None
        major = _major(version)
        if len(parts) == 2 and parts[1] == "migration.sql" and _V1_FOLDER.match(parts[0]):
            info: dict[str, Any] = {
                "kind": "versioned",
                "version": locale_version(parts[0]),
                "description": parts[0][15:],
                "forward_only": True,
            }
            if journal:
                info.update(_refused(version) if major is not None and major >= 1 else _unlisted_folder(version))
            elif major is not None and major < 1 and listing is not None:
                info.update(_no_journal(version))
            return info
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
            if major is not None and major >= 1 and not journal:
                return {
                    "kind": "other",
                    "name_problem": (
                        f"drizzle-orm {version} runs only <folder>/migration.sql (one folder per migration): this "
                        "file never runs"
                    ),
                    "name_help": "move it to <YYYYMMDDHHMMSS>_<name>/migration.sql, the folder drizzle-kit 1.x writes",
                }
            return {
                "kind": "other",
                "name_problem": "not listed in meta/_journal.json: drizzle's migrator never runs it",
            }
        position, tag = found
        info = {
            "kind": "versioned",
            "version": ordinal_version(tag, position),
            "description": tag.partition("_")[2],
            "forward_only": True,
        }
        if journal and major is not None and major >= 1:
            info.update(_refused(version))
        return info

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


def _major(version: str | None) -> int | None:
    parsed = parse_semver(version)
    return parsed[0] if parsed else None


def _refused(version: str | None) -> dict[str, str]:
    """drizzle-orm 1.x refuses a folder that still holds the 0.x journal (its migrator, and drizzle-kit 1.x)."""
    return {
        "name_problem": (
            f"drizzle-orm {version} refuses the whole folder while meta/_journal.json is there, so no migration is "
            "applied (its migrator throws: We detected that you have old drizzle-kit migration folders. You must "
            'upgrade drizzle-kit and run "drizzle-kit up")'
        ),
        "name_help": (
            "run `drizzle-kit up` (it moves each journal migration into a <YYYYMMDDHHMMSS>_<name>/ folder and deletes "
            "meta/), or delete a meta/ folder left over from an earlier move"
        ),
    }


def _unlisted_folder(version: str | None) -> dict[str, str]:
    """A drizzle-kit 1.x folder beside the 0.x journal: 0.x never runs it, 1.x refuses the folder."""
    if version is None:
        problem = (
            "this folder-per-migration file (drizzle-kit 1.x) never runs: drizzle-orm 0.x runs only the files "
            "meta/_journal.json lists, and drizzle-orm 1.x refuses the whole folder while meta/_journal.json is there "
            "(drizzle-orm version not found in package.json or a lock file)"
        )
    else:
        problem = (
            f"drizzle-orm {version} runs only the files meta/_journal.json lists: this folder-per-migration file "
            "(drizzle-kit 1.x) never runs"
        )
    return {
        "name_problem": problem,
        "name_help": (
            "finish the move to drizzle-kit 1.x (drizzle-orm 1.x, then `drizzle-kit up`), or generate the migration "
            "with the drizzle-kit 0.x the project uses"
        ),
    }


def _no_journal(version: str | None) -> dict[str, str]:
    """drizzle-orm 0.x cannot run a folder without its journal."""
    return {
        "name_problem": (
            f"drizzle-orm {version} refuses a folder without meta/_journal.json, so no migration is applied (its "
            "migrator throws: Can't find meta/_journal.json file): these <YYYYMMDDHHMMSS>_<name>/ folders are "
            "drizzle-kit 1.x's"
        ),
        "name_help": "upgrade drizzle-orm to 1.x, the migrator that reads these folders",
    }


RUNNER = Drizzle()
