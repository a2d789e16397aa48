from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..lockmodes import ACCESS_EXCLUSIVE
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import lock_phrase

if TYPE_CHECKING:
    from ..context import StatementContext


class ExclusionConstraintBuildsIndex(StatementRule):
    """`ADD CONSTRAINT … EXCLUDE` on an existing table builds its index under ACCESS EXCLUSIVE.

    ## What it does
    Flags `ALTER TABLE … ADD [CONSTRAINT …] EXCLUDE (…)` on a table that
    exists before the migration.

    ## Why is this bad?
    The constraint builds a new index and checks every row against it while
    holding ACCESS EXCLUSIVE on the table: reads and writes wait for the
    whole build. Checked on PostgreSQL 15: ACCESS EXCLUSIVE (and SHARE) on the
    table, the index built with two heap scans, no rewrite. Unlike `UNIQUE`,
    there is no online path: an exclusion constraint can be neither
    `NOT VALID` nor attached `USING INDEX` an index built `CONCURRENTLY`.

    Level: an error: the lock lasts as long as the build.

    ## Example
    ```sql
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
    ```

    ## Use instead
    ```sql
    -- there is no online form: create the constraint with the table, or copy into a new table that has it
    CREATE TABLE bookings_v2 (LIKE bookings INCLUDING ALL,
        CONSTRAINT bookings_v2_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&));
    ```
    """

    code = "MG123"
    name = "exclusion-constraint-builds-index"
    level = Severity.ERROR
    aliases = ("constraint-missing-not-valid",)
    alias_notes = {
        "constraint-missing-not-valid": "squawk suggests NOT VALID, which PostgreSQL rejects for EXCLUDE: there is no "
        "online form; not reported on tables created earlier in the migration",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AddConstraint",)
    help = (
        "no online form exists: add the constraint while the table is new, rebuild into a new table that has it, "
        "or accept the lock in a maintenance window"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        con = node.get("def", {}).get("Constraint", {})
        if con.get("contype") != "CONSTR_EXCLUSION":
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        yield self.finding(
            f"EXCLUDE constraint builds a new index and checks every row while holding "
            f"{lock_phrase(ACCESS_EXCLUSIVE, table)}",
            at=node.get("def"),
        )
