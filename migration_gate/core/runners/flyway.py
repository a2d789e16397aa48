r"""# Flyway (`layout: flyway`)

[Flyway](https://documentation.red-gate.com/fd/) runs versioned migrations
`V<version>__<description>.sql` and repeatable ones `R__<description>.sql`
from its locations, **recursively**: every `V…__….sql` under a location is a
migration, whatever folder it is in.

## Files

* `V<version>__<description>.sql`: versioned; `R__<description>.sql`: repeatable
  (re-run when its checksum changes, in the order of their descriptions).
* Rollbacks, by the team's convention: `rollback/V<version>__rollback.sql` (or
  `migrations.rollback_path`), or Flyway's own undo scripts `U<version>__….sql`.
  Flyway loads every `V…` file under its locations, so a
  `migrations/rollback/V1__rollback.sql` is to Flyway a second version 1
  (`rollback-collides-with-migration`).
* `seeds/` holds data, not migrations; Flyway callbacks (`afterMigrate.sql`,
  `beforeEachMigrate__x.sql`, …; the event names of
  `org.flywaydb.core.api.callback.Event`) are recognised and not migrations.
* A file Flyway cannot read as a migration name (`v2__x.sql`, `V2_x.sql`) is
  silently skipped by Flyway: the gate reports it (`invalid-migration-filename`).

## Versions

`MigrationVersion`: `_` reads as `.`, parts compare as numbers, leading zeros
do not count and **trailing zero parts are dropped** (`1` = `001` = `1.0` =
`1_0_0`), so those files are duplicates to Flyway ("Found more than one
migration with version 1").

## Transactions and statement delivery

Flyway sends the statements of a migration **one at a time** over JDBC, in
one transaction per migration, unless its PostgreSQL parser finds a statement
that cannot run in a transaction (`CREATE/DROP INDEX CONCURRENTLY`, `VACUUM`,
`ALTER SYSTEM`, …): then the whole migration runs without one. With
`mixed = false` (the default) a migration that holds both kinds is refused:
"Detected both transactional and non-transactional statements within the same
migration (even though mixed is false)" (flyway/flyway `Parser`/`SqlScript`).
Its list is narrower than PostgreSQL's: `REINDEX … CONCURRENTLY` on a table or
index and `DETACH PARTITION … CONCURRENTLY` are not on it, so Flyway runs them
in its transaction, where PostgreSQL rejects them.

Per-file opt-out: a `V….sql.conf` next to the script with
`executeInTransaction=false`, or `-- migration-gate: no-transaction`.

Because JDBC runs with autocommit off inside Flyway's transaction, the driver
opens a new transaction before the next statement after a `COMMIT` in the
file (pgjdbc `QueryExecutorImpl.sendQueryPreamble`: "Send BEGIN on first
statement in transaction"): a `COMMIT; CREATE INDEX CONCURRENTLY …; BEGIN;`
escape does not work inside a Flyway transaction.

`group = true` runs all pending migrations in one transaction (a deploy batch:
locks and new enum values carry across files); `outOfOrder = false` (the
default) refuses a new version below the highest applied one.

## Settings read from the repository

`flyway.conf` (`flyway.<key>`) and `flyway.toml` (`[flyway]`,
`[environments.<name>]`, selected by `[flyway] environment`, default
`default`) next to the migrations or above them up to the repository root:
`defaultSchema` (else the first of `schemas`; Flyway **prepends** it to the
connection's `search_path` before each migration, flyway/flyway
`PostgreSQLConnection.changeCurrentSchemaTo`), `group`, `mixed`,
`outOfOrder`, `placeholders` (`flyway.placeholders.<name>` /
`[flyway.placeholders]`), `initSql` (a `lock_timeout` set there counts for
`missing-lock-timeout`). Sources: flyway/flyway `ConfigurationModel`,
`FlywayModel`, `EnvironmentModel`, `ConfigUtils`; Redgate's "Flyway Default
Schema Setting" and "Flyway projects" pages.

An unqualified name in a migration is then a name in that schema: with
`defaultSchema=app`, `orders` and `app.orders` are one table (a table the
change creates as `app.orders` is new for `CREATE INDEX … ON orders`), and
`public.orders` is another; `${flyway:defaultSchema}` expands to it.

## Rollbacks

`missing-rollback` is an error by default: every versioned migration needs
`rollback/V<version>__rollback.sql` (or a `U<version>__….sql`).
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import InvalidVersion, Version, flyway_version
from .base import PER_STATEMENT, Execution, Listing, Runner, Section, Settings, Shape
from .transaction_setting import legacy_execution as legacy_execution

ROLLBACK_DIR = "rollback"
SEEDS_DIR = "seeds"

# Flyway callback event ids (org.flywaydb.core.api.callback.Event).
FLYWAY_CALLBACKS = (
    "beforeMigrate",
    "beforeRepeatables",
    "beforeEachMigrate",
    "beforeEachMigrateStatement",
    "afterEachMigrateStatement",
    "afterEachMigrateStatementError",
    "afterEachMigrate",
    "afterEachMigrateError",
    "afterMigrate",
    "afterMigrateApplied",
    "afterVersioned",
    "afterMigrateError",
    "beforeUndo",
    "beforeEachUndo",
    "beforeEachUndoStatement",
    "afterEachUndoStatement",
    "afterEachUndoStatementError",
    "afterEachUndo",
    "afterEachUndoError",
    "afterUndo",
    "afterUndoError",
    "beforeClean",
    "afterClean",
    "afterCleanError",
    "beforeInfo",
    "afterInfo",
    "afterInfoError",
    "beforeValidate",
    "afterValidate",
    "afterValidateError",
    "beforeBaseline",
    "afterBaseline",
    "afterBaselineError",
    "beforeRepair",
    "afterRepair",
    "afterRepairError",
    "createSchema",
    "beforeCreateSchema",
    "beforeConnect",
    "afterConnect",
)
_CALLBACK_PREFIXES = tuple(sorted(FLYWAY_CALLBACKS, key=len, reverse=True))

DESCRIPTION_STYLES = {
    "snake_case": (re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*\Z"), "lower-case snake_case"),
    "words": (re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z"), "letters, digits, `_`, `-` and `.` only"),
    "any": (re.compile(r".+\Z", re.S), "not empty"),
}


class Flyway(Runner):
    name = "flyway"
    title = "Flyway"
    files = "`V<version>__<description>.sql`, `R__<description>.sql`, `rollback/V<version>__rollback.sql`"
    transaction_summary = "per file, unless Flyway detects a non-transactional statement"
    delivery = PER_STATEMENT
    rollback_summary = "`rollback/V<version>__rollback.sql` or `U<version>__….sql`"
    rollback_level = Severity.ERROR
    recursive = True
    ordering = "Flyway versions (`1.10` > `1.9`; `1` = `1.0`)"
    placeholders = True

    def classify(
        self,
        rel: str,
        description_style: str = "snake_case",
        settings: Settings | None = None,
        listing: Listing | None = None,
    ) -> dict[str, Any]:
        parts = rel.split("/")
        name = parts[-1]
        folders = parts[:-1]
        if SEEDS_DIR in folders:
            return {"kind": "other", "note": "seed data, not a migration"}
        in_rollback_dir = bool(folders) and folders[0] == ROLLBACK_DIR
        if in_rollback_dir or name.startswith("U"):
            return _flyway_rollback(name, flyway_versioned(name))
        for prefix in _CALLBACK_PREFIXES if name.startswith(_CALLBACK_PREFIXES) else ():
            if name.startswith(prefix) and (name[len(prefix) :] in (".sql",) or name[len(prefix) :].startswith("__")):
                return {"kind": "other", "note": f"Flyway callback ({prefix})"}
        if not name.endswith(".sql"):
            return {"kind": "other", "name_problem": "does not end in .sql"}
        stem = name[:-4]
        if stem.startswith("V"):
            version_text, sep, description = stem[1:].partition("__")
            try:
                version = flyway_version(version_text)
            except InvalidVersion as exc:
                return {
                    "kind": "other",
                    "name_problem": f"{exc}; expected V<version>__<description>.sql "
                    "(Flyway silently skips this file: it never runs)",
                }
            info: dict[str, Any] = {
                "kind": "versioned",
                "version": version,
                "description": description or None,
                "flyway_version": version,
            }
            problem = description_problem(description, sep, description_style, "V" + version_text)
            if problem:
                info["name_problem"] = problem
            return info
        if stem.startswith("R"):
            version_text, sep, description = stem[1:].partition("__")
            if version_text or not sep:
                return {
                    "kind": "other",
                    "name_problem": "a repeatable migration is named R__<description>.sql "
                    "with no version (Flyway silently skips this file: it never runs)",
                }
            info = {"kind": "repeatable", "description": description or None}
            problem = description_problem(description, sep, description_style, "R")
            if problem:
                info["name_problem"] = problem
            return info
        return {
            "kind": "other",
            "name_problem": "matches no Flyway pattern (V<version>__<description>.sql or "
            "R__<description>.sql); Flyway silently skips it, so it never runs",
        }

    def parse_version(self, text: str) -> Version:
        return flyway_version(text)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        if opt_out is None and settings.option("executeInTransaction") == "false":
            opt_out = "executeInTransaction = false in the Flyway configuration"
        legacy = legacy_execution(settings, "Flyway", default="flyway", opt_out=opt_out)
        assert legacy is not None
        if legacy.flyway and settings.flag("group"):
            from dataclasses import replace

            return replace(legacy, batch=True)
        return legacy

    def rollback_expected(self, rel: str) -> str:
        return rel


def flyway_versioned(name: str) -> Version | None:
    """The version Flyway reads from a ``V…`` file name, whatever folder it is in."""
    if not (name.startswith("V") and name.endswith(".sql")):
        return None
    try:
        return flyway_version(name[1:-4].partition("__")[0])
    except InvalidVersion:
        return None


def _flyway_rollback(name: str, flyway_view: Version | None) -> dict[str, Any]:
    if name.endswith(".sql") and name[:1] in ("V", "U"):
        version_text, _, description = name[1:-4].partition("__")
        try:
            version = flyway_version(version_text)
        except InvalidVersion as exc:
            return {
                "kind": "other",
                "name_problem": f"rollback {exc}; expected "
                "rollback/V<version>__rollback.sql or U<version>__<description>.sql",
            }
        return {
            "kind": "rollback",
            "version": version,
            "description": description or None,
            "flyway_version": flyway_view,
        }
    return {
        "kind": "other",
        "name_problem": "a rollback is named rollback/V<version>__rollback.sql or U<version>__<description>.sql",
    }


def description_problem(description: str, sep: str, style: str, prefix: str) -> str | None:
    if not sep:
        return (
            f"no `__<description>` after {prefix}: Flyway accepts it with an empty description, "
            "but the convention is V<version>__<description>.sql"
        )
    if not description:
        return f"empty description after `{prefix}__`; expected {prefix}__<description>.sql"
    pattern, said = DESCRIPTION_STYLES[style]
    if not pattern.match(description):
        return f"description {description!r} is not {said} (migrations.description_style: {style})"
    return None


RUNNER = Flyway()
