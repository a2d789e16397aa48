r"""# Liquibase formatted SQL (`layout: liquibase`)

[Liquibase](https://docs.liquibase.com) changelogs written as formatted SQL.
Checked against the real runner (Liquibase 4.28.0, bundled in the npm
package `liquibase` 4.28.1, with the Debian JRE) on PostgreSQL 15; source
quoted from liquibase/liquibase `AbstractFormattedChangeLogParser`,
`SqlChangeLogParser`, `AbstractSQLChange`, `ChangeSet`.

## Files and order

A `.sql` changelog whose first non-blank line matches
`--\s*liquibase\s*formatted` (any case) is formatted SQL; any other `.sql`
reached by a changelog is a **raw** changelog: one changeset
(`raw::includeAll`) with `splitStatements:false`.  Files run in the order the
master changelog gives (`include` in document order; `includeAll`: every file
under the path, recursively, sorted by full path as text: `10.sql` before
`9.sql`); the gate finds the master from `liquibase.properties`
(`changeLogFile` / `changelog-file`) or a `db.changelog-master.{yaml,yml,xml}`,
and orders by path when there is none.  Inside a file, changesets run in file
order.  A changeset's identity is id + author + the file's path: moving a file
re-runs its changesets (tested).

## Changesets

`--changeset author:id attributes…`: the author is everything up to the
first `:`, spaces included.  Attributes are matched anywhere on the line:
`runInTransaction:false`, `splitStatements:false`, `endDelimiter:…`,
`dbms:…` (a changeset for another database is skipped), `stripComments`,
`runOnChange`, `context`, `labels`.  Rollbacks: `--rollback <sql>` lines (the
space is mandatory) and `/* liquibase rollback … */` blocks; `--rollback not
required` / `--rollback empty` declare that none is needed, and a rollback
naming `changesetId:` reuses another changeset's.  The gate reads the SQL of a
`--rollback` line in place (the prefix is blanked, so positions stay exact).

## Transactions and statement delivery

One JDBC transaction per changeset unless `runInTransaction:false`
(`ChangeSet.execute`: `database.setAutoCommit(!runInTransaction)`; tested: a
`runInTransaction:false` `CREATE INDEX CONCURRENTLY` runs).  With
`splitStatements` (the default) Liquibase splits the body itself on `;` (or
`endDelimiter`) and executes each piece separately; its splitter does **not**
know dollar quotes (a plpgsql body in a default changeset failed with
"Unterminated dollar quote"): the gate reports it.  With
`splitStatements:false` the body is one JDBC statement, which pgjdbc sends as
one pipeline that PostgreSQL runs as one implicit transaction block: two
`CREATE INDEX CONCURRENTLY` in such a changeset failed ("cannot be executed
within a pipeline", tested).  After a `COMMIT` inside a changeset's
transaction, pgjdbc opens a new transaction before the next statement
(autocommit is off; `QueryExecutorImpl.sendQueryPreamble`), so a
`COMMIT; CREATE INDEX CONCURRENTLY …` escape does not work in Liquibase.

## Rollbacks

Per changeset: a changeset with no `--rollback` cannot be rolled back
(`liquibase rollback-count` fails: "Liquibase does not support automatic
rollback generation for raw sql changes").  `missing-rollback` reports it at
the changeset line, as a warning by default.

## Changelog parameters

`${name}` in the SQL is expanded before it runs (`ChangeLogParameters`).
Values come from the deploy's command line (`-Dname=…`), JVM properties,
`parameter.name=…` in `liquibase.properties` and `<property name value>`
in a changelog; the gate reads the last two (and `placeholders:` in its
configuration).  A parameter without a value is left as written by default
(`missingPropertyMode`: `preserve`, `ChangeLogParserConfiguration`;
`empty` and `error` are the other modes), so PostgreSQL receives `${name}`.
As the command line is not in the repository, `undefined-placeholder`
reports such a parameter as a warning, not an error.

## Integrity, versions

Changeset checksums `9:<md5>` (Liquibase ≥ 4.22) or `8:<md5>`; see
`modified-merged-migration`.  The version comes from the repository's
`pom.xml`, Gradle files or a `liquibase/liquibase:<version>` image.
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
    ordinal_version,
    text_version,
)
from .flyway import legacy_execution
from .liquibase_parser import is_formatted as is_formatted
from .liquibase_parser import parse_changelog


class Liquibase(Runner):
    opt_out_hint = 'give it a changeset of its own with `runInTransaction:false`'
    split_hint = (
        "without `splitStatements:false` Liquibase sends each statement alone, so "
        "`DROP INDEX CONCURRENTLY IF EXISTS …;` can come first in the same `runInTransaction:false` changeset"
    )
    name = "liquibase"
    title = "Liquibase (formatted SQL)"
    files = "`--liquibase formatted sql` changelogs with `--changeset author:id`, ordered by the master changelog"
    transaction_summary = "per changeset, unless `runInTransaction:false`"
    delivery = PER_STATEMENT
    rollback_summary = "`--rollback` lines or `/* liquibase rollback */` blocks, per changeset"
    rollback_level = Severity.WARNING
    rollback_in_file = True
    recursive = True
    ordering = "the master changelog's order, then changesets in file order"
    placeholders = True  # changelog parameters `${name}` are expanded before the SQL runs

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        if listing is not None and listing.order:
            found = listing.order.get(rel)
            if found is None:
                return {
                    "kind": "other",
                    "note": "not included by the master changelog: Liquibase never runs it",
                }
            position, text = found
            return {"kind": "versioned", "version": ordinal_version(text, position), "description": rel}
        return {"kind": "versioned", "version": text_version(rel), "description": rel}

    def parse_version(self, text: str) -> Version:
        return text_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        if not is_formatted(text):
            return Shape()
        return parse_changelog(text)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "Liquibase", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        if section is None:  # a raw SQL changelog: one changeset, not split
            return Execution(opt_out is None, ONE_QUERY, "Liquibase", reopens=True, opt_out=opt_out, scope="changeset")
        if opt_out is None and section.transaction is False:
            opt_out = section.opt_out
        return Execution(
            opt_out is None,
            section.delivery or PER_STATEMENT,
            "Liquibase",
            reopens=True,
            opt_out=opt_out,
            scope="changeset",
        )

    def rollback_expected(self, rel: str) -> str:
        return "a `--rollback` line"


RUNNER = Liquibase()
