from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, type_names
from .base import StatementRule
from .rulekit import column_ref

_FILLED = {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}
_SERIAL = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


class AddColumnNotNullWithoutDefault(StatementRule):
    """`ADD COLUMN … NOT NULL` without a default on an existing table.

    ## What it does
    Flags a new `NOT NULL` (or `PRIMARY KEY`) column that has no `DEFAULT`,
    identity or generation expression, added to a table that already exists.

    ## Why is this bad?
    Every existing row would get NULL in a column that forbids it: the
    migration fails as soon as the table has a row, that is, in production
    but not on an empty development database.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 0;
    ```
    """

    code = "MG109"
    name = "add-column-not-null-without-default"
    level = Severity.ERROR
    aliases = ("adding-required-field",)
    alias_notes = {
        "adding-required-field": "not reported on tables created earlier in the migration (PostgreSQL accepts it on an "
        "empty table)",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AddColumn",)
    help = (
        "give the column a constant DEFAULT (free since PostgreSQL 11), or add it nullable, backfill, "
        "and add NOT NULL later"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("subtype") != "AT_AddColumn":
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        column = node.get("def", {}).get("ColumnDef", {})
        kinds = {c.get("Constraint", {}).get("contype") for c in column.get("constraints", ())}
        required = column.get("is_not_null") or kinds & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"}
        names = [n.lower() for n in type_names(column.get("typeName"))]
        if not required or kinds & _FILLED or (names and names[-1] in _SERIAL):
            return
        yield self.finding(
            f"ADD COLUMN {column_ref(table, column.get('colname'))} is NOT NULL without a default: "
            "it fails on a table that has rows",
            at=node.get("def"),
        )
