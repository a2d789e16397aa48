r"""# Sqitch (`layout: sqitch`)

[Sqitch](https://sqitch.org) with its PostgreSQL engine.  Checked against the
real runner (Debian `sqitch` 1.3.1, App::Sqitch) on PostgreSQL 15; source
read in `App/Sqitch/Plan.pm`, `Plan/Change.pm`, `Engine.pm`, `Engine/pg.pm`.

## Files and order

`sqitch.plan` lists the changes; each has `deploy/<change>.sql`,
`revert/<change>.sql` and `verify/<change>.sql` (folders and extension from
`sqitch.conf`: `top_dir`, `deploy_dir`, …).  Changes run in **plan order**
(the parser only validates dependencies, it does not reorder).  A change name
may repeat after a tag (a *reworked* change): the earlier instance's scripts
are `<change>@<tag>.sql`.  A deploy script that no plan line names is
**never run** (tested): the gate reports it.  Verify scripts are not
migrations (they run after deploy with `--verify` and usually end in
`ROLLBACK`); the gate does not lint them as such.

## Transactions and statement delivery

Each script runs through `psql --file` with `ON_ERROR_STOP=1` and no
`--single-transaction` (`Engine/pg.pm`): psql splits the file itself and sends
each statement **one at a time** in autocommit, and Sqitch adds **no
transaction**.  Scripts carry their own `BEGIN; … COMMIT;` (as `sqitch add`
generates them); a bare `CREATE INDEX CONCURRENTLY` script works (tested), and
a failed script keeps the statements it already committed.  So the gate
checks a Sqitch script as `transaction: explicit`: statements outside
`BEGIN … COMMIT` are not atomic (`migration-not-atomic`).

psql meta-commands (`\set`, `\i`, `\if`, …) and variables (`:name`,
`:'name'`, `:"name"`, from `deploy.variables` in `sqitch.conf`) work in
Sqitch scripts: the gate skips meta-commands, reads a variable reference as
an identifier or literal of the same length, and notes each.

## Rollbacks

The `revert/` script of the change (or `revert/<change>@<tag>.sql`).
`missing-rollback` reports a change without one (an error by default: `sqitch
revert` needs it).

## Integrity

`sqitch check` compares each deployed script's SHA-1 (`script_hash`) with the
file ("Script signatures diverge at change …"); `deploy` never does.
"""

from __future__ import annotations

from typing import Any

from ..severity import Severity
from ..version import Version
from .base import PER_STATEMENT, Execution, Listing, Runner, Section, Settings, Shape, ordinal_version, text_version
from .flyway import legacy_execution
from .psql import psql_masks

DEPLOY, REVERT, VERIFY = "deploy", "revert", "verify"


class Sqitch(Runner):
    opt_out_hint = 'move it out of `BEGIN … COMMIT` (Sqitch adds no transaction of its own)'
    name = "sqitch"
    title = "Sqitch"
    files = "`sqitch.plan` + `deploy/`, `revert/`, `verify/` scripts"
    transaction_summary = "none added: each script carries its own `BEGIN … COMMIT` (psql, autocommit)"
    delivery = PER_STATEMENT
    rollback_summary = "the change's `revert/` script"
    rollback_level = Severity.ERROR
    recursive = True
    psql = True
    ordering = "plan order"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        folder, _, rest = rel.partition("/")
        if folder not in (DEPLOY, REVERT, VERIFY) or not rest:
            return {"kind": "other", "note": "not a deploy, revert or verify script"}
        change = rest[:-4]
        if folder == VERIFY:
            return {"kind": "other", "note": f"verify script of change {change}"}
        order = listing.order if listing is not None else {}
        found = order.get(f"{DEPLOY}/{rest}")
        if found is None:
            if not order:
                return {
                    "kind": "versioned" if folder == DEPLOY else "rollback",
                    "version": text_version(change),
                    "description": change,
                }
            if folder == DEPLOY:
                return {
                    "kind": "other",
                    "name_problem": f"change {change!r} is not in sqitch.plan: Sqitch never deploys this script",
                }
            return {"kind": "other", "note": f"revert script of {change!r}, which is not in sqitch.plan"}
        position, text = found
        kind = "versioned" if folder == DEPLOY else "rollback"
        return {"kind": kind, "version": ordinal_version(text, position), "description": change}

    def parse_version(self, text: str) -> Version:
        return text_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        masks, notes = psql_masks(text)
        return Shape(masks=tuple(masks), notes=tuple(notes))

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "Sqitch", default="explicit", opt_out=opt_out)
        assert legacy is not None
        return Execution(
            legacy.wraps, legacy.delivery, "Sqitch", mode=legacy.mode, opt_out=legacy.opt_out, assumed=legacy.assumed
        )

    def rollback_expected(self, rel: str) -> str:
        return "revert/" + rel.partition("/")[2]


RUNNER = Sqitch()
