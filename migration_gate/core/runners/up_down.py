r"""# Generic up/down pairs (`layout: up-down`)

The generic pair layout, for when the repository does not say which runner
reads the folder: golang-migrate / pop / sqlx reversible
`<version>_<name>.up.sql` + `.down.sql` in one folder (an optional
`.postgres` dialect and `.autocommit` flag before the direction; files for
another dialect are ignored, and a `.postgres.` file shadows its
dialect-neutral twin as pop does), and Diesel `<version>_<name>/up.sql` +
`down.sql`.  `layout: auto` falls back to it when nothing in the repository
tells two runners apart (`.up.sql` pairs without a `go.mod`, `Cargo.toml` or
`diesel.toml` hint), and says so.  Name the runner (`golang-migrate`, `sqlx`,
`pop`, `diesel`) to get its exact rules.

## Versions

The name before the first `_`, with `-` removed (Diesel's
`2024-03-05-120032` is `20240305120032`), compared as a number when it is all
digits and as text otherwise (numbers first).  Diesel itself compares the
version text; both agree while all versions have the same width.

## Transactions and statement delivery

`transaction: per-file` by default: the runner wraps each file in one
transaction, and the file is assumed to reach PostgreSQL as **one query
string** (as golang-migrate, Diesel and sqlx send it; set
`statement_delivery: per-statement` otherwise).  Per-file opt-outs: Diesel's
`metadata.toml` with `run_in_transaction = false`, pop's `.autocommit.` file
names (Ory's popx), and `-- migration-gate: no-transaction`.  An opted-out
file is still one query string: PostgreSQL runs several statements in it as
one implicit transaction, so `CREATE INDEX CONCURRENTLY` must be alone in it.

## Rollbacks

The `.down.sql` (or `down.sql`) of the same version; `missing-rollback` is an
error by default.
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import InvalidVersion, Version, updown_version
from .base import ONE_QUERY, Execution, Listing, Runner, Section, Settings, Shape
from .flyway import legacy_execution

DIALECTS = {"postgres", "postgresql", "mysql", "sqlite", "sqlite3", "cockroach", "mssql"}
POSTGRES_DIALECTS = {"postgres", "postgresql"}
_UPDOWN_FLAT = re.compile(
    r"(?P<version>[0-9][0-9-]*)_(?P<name>.+?)"
    r"(?:\.(?P<dialect>[a-z0-9]+))??(?P<autocommit>\.autocommit)?\.(?P<direction>up|down)\.sql\Z"
)
_UPDOWN_FOLDER = re.compile(r"(?P<version>[0-9][0-9-]*)_(?P<name>.+)\Z")


class UpDown(Runner):
    name = "up-down"
    title = "generic up/down pairs"
    files = "`<version>_<name>.up.sql` / `.down.sql`, or `<version>_<name>/up.sql` / `down.sql`"
    transaction_summary = "per file (`transaction: per-file`), opt-outs by sidecar or directive"
    delivery = ONE_QUERY
    rollback_summary = "the `.down.sql` / `down.sql` of the same version"
    rollback_level = Severity.ERROR
    recursive = True
    ordering = "numeric when all digits, else text"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        parts = rel.split("/")
        name = parts[-1]
        if name in ("up.sql", "down.sql") and len(parts) >= 2:
            folder = _UPDOWN_FOLDER.match(parts[-2])
            if not folder:
                return {
                    "kind": "other",
                    "name_problem": f"folder {parts[-2]!r} does not start with "
                    "<version>_ (expected <version>_<name>/up.sql and down.sql)",
                }
            return updown_info(folder["version"], folder["name"], name[:-4], autocommit=False)
        flat = _UPDOWN_FLAT.match(name)
        if not flat:
            return {
                "kind": "other",
                "name_problem": "matches no up/down pattern "
                "(<version>_<name>.up.sql / .down.sql, or <version>_<name>/up.sql / down.sql); "
                "the runner never runs it",
            }
        dialect = flat["dialect"]
        description = flat["name"]
        if dialect and dialect not in DIALECTS:
            description, dialect = f"{description}.{dialect}", None
        if dialect and dialect not in POSTGRES_DIALECTS:
            return {"kind": "other", "note": f"for the {dialect} dialect, not PostgreSQL"}
        return updown_info(
            flat["version"], description, flat["direction"], autocommit=bool(flat["autocommit"]), dialect=dialect
        )

    def parse_version(self, text: str) -> Version:
        return updown_version(text)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "the runner", default="per-file", opt_out=opt_out)
        assert legacy is not None
        return legacy

    def rollback_expected(self, rel: str) -> str:
        name = rel.rsplit("/", 1)[-1]
        if name == "up.sql":
            return f"{rel.rsplit('/', 2)[-2]}/down.sql"
        return name.replace(".up.sql", ".down.sql")


def updown_info(
    version_text: str, description: str, direction: str, *, autocommit: bool, dialect: str | None = None
) -> dict[str, Any]:
    try:
        version = updown_version(version_text)
    except InvalidVersion as exc:
        return {"kind": "other", "name_problem": str(exc)}
    kind = "versioned" if direction == "up" else "rollback"
    info: dict[str, Any] = {"kind": kind, "version": version, "description": description, "autocommit": autocommit}
    if dialect:
        info["note"] = dialect
    return info


RUNNER = UpDown()
