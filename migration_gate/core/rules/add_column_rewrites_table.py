from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import REWRITE, Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import column_ref
from .volatility import default_rewrites


class AddColumnRewritesTable(StatementRule):
    """`ADD COLUMN` that rewrites the whole table under ACCESS EXCLUSIVE.

    ## What it does
    Flags `ADD COLUMN` on an existing table when PostgreSQL has to write every
    row again: a volatile default (`random()`, `gen_random_uuid()`,
    `clock_timestamp()`, a user function), any default before PostgreSQL 11,
    `GENERATED … STORED`, identity columns, and `serial`/`bigserial`. Stable
    defaults such as `now()` and constants are free since PostgreSQL 11.

    A function defined by an earlier migration is judged as PostgreSQL judges
    it: a simple `LANGUAGE sql` function (one `SELECT` expression, no
    `SECURITY DEFINER`, `SET` clause or `FROM`) is inlined first, so its body
    decides even without a label; any other function is as volatile as its
    label (VOLATILE when it has none), and an IMMUTABLE or STABLE label is
    taken at its word (every row gets the one value). A function the gate found
    no definition of gives a warning that says so.

    ## Why is this bad?
    The rewrite copies the table while holding an ACCESS EXCLUSIVE lock: all
    reads and writes wait, and the disk needs room for a second copy.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN public_id uuid;
    ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
    -- then backfill existing rows in batches
    ```
    """

    code = "MG108"
    name = "add-column-rewrites-table"
    level = Severity.ERROR
    aliases = ("adding-field-with-default",)
    alias_notes = {
        "adding-field-with-default": "a default is judged as PostgreSQL judges it: constants and immutable or stable "
        "calls (with arguments, schema-qualified) add no rewrite from 11 (squawk reads pg_version \"11\" as older); "
        "volatile defaults and stored generated columns rewrite; DO blocks are checked; tables created earlier in the "
        "migration are exempt",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AddColumn",)
    help = (
        "add the column without the default (or with a constant one), set the default in a separate "
        "statement, and backfill existing rows in batches"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("subtype") != "AT_AddColumn":
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        column = node.get("def", {}).get("ColumnDef", {})
        rewrites, reason, certain = default_rewrites(column, ctx.pg_version, ctx.schema)
        if rewrites:
            yield self.finding(
                f"ADD COLUMN {column_ref(table, column.get('colname'))} rewrites the whole table "
                f"under an ACCESS EXCLUSIVE lock (blocks reads and writes): {reason}",
                at=node.get("def"),
                severity=None if certain else Severity.WARNING,
                table=table,
                hazard=REWRITE,
            )
