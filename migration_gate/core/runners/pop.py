r"""# pop / soda (`layout: pop`)

[gobuffalo/pop](https://github.com/gobuffalo/pop) file migrations (`soda
migrate`), and Ory's popx (`github.com/ory/x/popx`).  Described from the source
(not installable here): pop v6 `match.go`, `file_migrator.go`, `migrator.go`;
ory/x `popx/match.go`, `migration_box.go`, `migrator.go`.

## Files

`^(\d+)_([^.]+)(\.[a-z0-9]+)?\.(up|down)\.(sql|fizz)$`, found **recursively**
(`filepath.Walk`).  The optional part before the direction is a dialect
(`.postgres.`): files for another dialect are skipped, and a
dialect-specific file runs before (and shadows) its dialect-neutral twin on
PostgreSQL.  `.fizz` files are pop's DSL, not SQL: the gate skips them
(the detection line counts them).  Ory's popx adds `.autocommit.` before the
direction (`(\.autocommit)?`, ory/pop v6 `popx/match.go`); gobuffalo/pop has no
such flag.  Versions order **as text**.

SQL files are Go `text/template`s in pop: `{{ … }}` is template syntax,
rendered before the SQL runs.

## Transactions and statement delivery

gobuffalo/pop wraps **every** migration in a transaction (`c.Transaction(runStep)`),
no opt-out, and sends the file as one `Exec` string.  popx runs each migration
in a SERIALIZABLE transaction, except `.autocommit.` files, which run outside
one (the Ory maintainer's statement, ory/hydra#3523: "keep it to one
statement per file"; the executing code was not found, so the gate assumes
one query string, as for the transactional files).

## Rollbacks

The `.down.sql` of the same version; optional in pop (required by popx's
`MigrationBox`).  `missing-rollback` reports a missing one where the folder's
other migrations have one (a warning by default).  Older pending migrations
are applied silently.
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import Version
from .base import ONE_QUERY, Execution, Listing, Runner, Section, Settings, Shape, text_version
from .flyway import legacy_execution
from .up_down import DIALECTS, POSTGRES_DIALECTS

_NAME = re.compile(
    r"(?P<version>\d+)_(?P<name>[^.]+)(?P<dialect>\.[a-z0-9]+)?(?P<autocommit>\.autocommit)?"
    r"\.(?P<direction>up|down)\.(?P<ext>sql|fizz)\Z"
)


class Pop(Runner):
    opt_out_hint = "give it a migration of its own named `….autocommit.up.sql` (Ory's popx; gobuffalo/pop always wraps)"
    name = "pop"
    title = "pop / soda (and Ory popx)"
    files = "`<version>_<name>[.postgres][.autocommit].up.sql` / `.down.sql`"
    transaction_summary = "per file, always (popx: not for `.autocommit.` files)"
    delivery = ONE_QUERY
    rollback_summary = "`.down.sql` (optional)"
    rollback_level = Severity.WARNING
    rollback_optional = True
    recursive = True
    ordering = "version text"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        name = rel.rsplit("/", 1)[-1]
        match = _NAME.match(name)
        if not match:
            return {
                "kind": "other",
                "name_problem": "matches no pop pattern (<version>_<name>.up.sql / .down.sql): "
                "pop ignores it (\"does not match the migration file pattern\")",
            }
        dialect = (match["dialect"] or "")[1:] or None
        autocommit = bool(match["autocommit"])
        if dialect == "autocommit" and not autocommit:
            dialect, autocommit = None, True
        if dialect and dialect not in DIALECTS:
            return {"kind": "other", "note": f"unsupported dialect {dialect}: pop skips it"}
        if dialect and dialect not in POSTGRES_DIALECTS:
            return {"kind": "other", "note": f"for the {dialect} dialect, not PostgreSQL"}
        kind = "versioned" if match["direction"] == "up" else "rollback"
        info: dict[str, Any] = {
            "kind": kind,
            "version": text_version(match["version"]),
            "description": match["name"],
            "autocommit": autocommit,
        }
        if dialect:
            info["note"] = dialect
        return info

    def parse_version(self, text: str) -> Version:
        return text_version(text)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "pop", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        return Execution(opt_out is None, ONE_QUERY, "pop", opt_out=opt_out)

    def rollback_expected(self, rel: str) -> str:
        return rel.replace(".up.sql", ".down.sql")


RUNNER = Pop()
