from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import SCAN, Finding
from ..lockmodes import SHARE_ROW_EXCLUSIVE
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule
from .rulekit import added_constraints, lock_phrase


class ForeignKeyWithoutNotValid(StatementRule):
    """A foreign key added to an existing table without `NOT VALID`.

    ## What it does
    Flags `ADD [CONSTRAINT …] FOREIGN KEY` and `ADD COLUMN … REFERENCES` on a
    table that already exists, unless the constraint is `NOT VALID`.

    ## Why is this bad?
    Adding a validated foreign key locks **both** tables against writes (SHARE
    ROW EXCLUSIVE) while PostgreSQL checks every existing row. Adding it
    `NOT VALID` is instant; `VALIDATE CONSTRAINT` later checks the rows under a
    lock that lets reads and writes continue.

    ## Example
    ```sql
    ALTER TABLE order_items ADD CONSTRAINT fk_order_items_order
        FOREIGN KEY (order_id) REFERENCES orders (id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE order_items ADD CONSTRAINT fk_order_items_order
        FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
    -- in a later migration:
    ALTER TABLE order_items VALIDATE CONSTRAINT fk_order_items_order;
    ```
    """

    code = "MG111"
    name = "foreign-key-without-not-valid"
    level = Severity.ERROR
    aliases = ("adding-foreign-key-constraint", "constraint-missing-not-valid")
    alias_notes = {
        "adding-foreign-key-constraint": "tables created earlier in the migration are exempt in every transaction mode "
        "(squawk: only inside the same open transaction); public.t and t are one table",
        "constraint-missing-not-valid": "the foreign-key part of squawk's rule; NOT VALID + VALIDATE in one "
        "transaction is the held-lock hazard, not this rule's",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AddConstraint", "AT_AddColumn")
    help = "add the foreign key NOT VALID, then VALIDATE CONSTRAINT in a later migration"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        constraints = added_constraints(node)
        table = ctx.table
        if not constraints or ctx.is_new_table(table):
            return
        for wrapped in constraints:
            con = wrapped.get("Constraint", {})
            if con.get("contype") != "CONSTR_FOREIGN" or con.get("skip_validation"):
                continue
            referenced = qualified_name(con.get("pktable"))
            yield self.finding(
                f"foreign key from {display_name(table)} to {display_name(referenced)} is validated at once: "
                f"{lock_phrase(SHARE_ROW_EXCLUSIVE, table)} and on {display_name(referenced)} while every row "
                "is checked",
                at=wrapped,
                table=table,
                hazard=SCAN,
            )
