from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import SCAN, Finding
from ..lockmodes import ACCESS_EXCLUSIVE
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import lock_phrase


class CheckConstraintWithoutNotValid(StatementRule):
    """A `CHECK` constraint added to an existing table without `NOT VALID`.

    ## What it does
    Flags `ALTER TABLE … ADD [CONSTRAINT …] CHECK (…)` on a table that already
    exists, unless the constraint is `NOT VALID`.

    ## Why is this bad?
    PostgreSQL checks every row while holding an ACCESS EXCLUSIVE lock: the
    table is unavailable for reads and writes during the scan. `NOT VALID`
    makes the constraint apply to new rows at once, and `VALIDATE CONSTRAINT`
    checks the old rows later under a lock that lets reads and writes continue.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT chk_orders_total_non_negative CHECK (total >= 0);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT chk_orders_total_non_negative CHECK (total >= 0) NOT VALID;
    -- in a later migration:
    ALTER TABLE orders VALIDATE CONSTRAINT chk_orders_total_non_negative;
    ```
    """

    code = "MG112"
    name = "check-constraint-without-not-valid"
    level = Severity.ERROR
    aliases = ("constraint-missing-not-valid",)
    alias_notes = {
        "constraint-missing-not-valid": "the CHECK part of squawk's rule (foreign keys, UNIQUE/PRIMARY KEY and "
        "EXCLUDE are the other rules it names); tables created earlier in the migration are exempt in every "
        "transaction mode",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AddConstraint",)
    help = "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later migration"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("subtype") != "AT_AddConstraint":
            return
        con = node.get("def", {}).get("Constraint", {})
        if con.get("contype") != "CONSTR_CHECK" or con.get("skip_validation"):
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        name = con.get("conname")
        label = f"CHECK constraint {name}" if name else "CHECK constraint"
        yield self.finding(
            f"{label} is validated at once: every row is checked under {lock_phrase(ACCESS_EXCLUSIVE, table)}",
            at=node.get("def"),
            table=table,
            hazard=SCAN,
        )
