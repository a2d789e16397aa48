from __future__ import annotations

from ..severity import Severity
from .base import StatementRule
from .rulekit import column_ref
from .typechange import column_type_change_rewrites


class ColumnTypeChangeRewritesTable(StatementRule):
    """`ALTER COLUMN … TYPE` that rewrites the table under ACCESS EXCLUSIVE.

    ## What it does
    Flags a column type change on an existing table unless PostgreSQL can do
    it without a rewrite: `varchar(n)` → `varchar(m ≥ n)`, `varchar` ↔ `text`
    without a length, dropping a length limit, `numeric(p, s)` →
    `numeric(p' ≥ p, s)` or unconstrained `numeric`, `varbit(n)` →
    `varbit(m ≥ n)`, `cidr` → `inet`. The current type is taken from the
    earlier migrations; the message says which change it is.

    ## Why is this bad?
    A rewrite copies every row (and rebuilds every index) while holding an
    ACCESS EXCLUSIVE lock: the table is unavailable for the whole time.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN legacy_id TYPE bigint;
    ```

    ## Use instead
    ```sql
    -- add a new column, backfill it in batches, switch the application, then drop the old column
    ALTER TABLE users ADD COLUMN legacy_id_new bigint;
    ```
    """

    code = "MG110"
    name = "column-type-change-rewrites-table"
    level = Severity.ERROR
    aliases = ("changing-column-type",)
    alias_notes = {
        "changing-column-type": "only type changes that rewrite the table (varchar → text and other binary-coercible "
        "changes do not); not on tables created earlier in the migration, foreign tables or composite types",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AlterColumnType",)
    help = (
        "add a new column of the new type, backfill it in batches, switch reads and writes, then drop "
        "the old column (expand/contract)"
    )

    def check(self, node, ctx):
        if node.get("subtype") != "AT_AlterColumnType":
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        rewrites, reason = column_type_change_rewrites(node, table, ctx)
        if rewrites:
            yield self.finding(
                f"changing the type of {column_ref(table, node.get('name'))} rewrites the whole "
                f"table under an ACCESS EXCLUSIVE lock (blocks reads and writes): {reason}",
                at=node.get("def"),
            )
