from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import column_ref


class DroppedColumn(StatementRule):
    """`DROP COLUMN` on an existing table breaks the running application.

    ## What it does
    Flags `ALTER TABLE … DROP COLUMN` on a table that exists before the
    migration.

    Rollback scripts are exempt: undoing the migration is their purpose.

    ## Why is this bad?
    The running application version may still select or insert the column:
    those queries fail as soon as the migration commits. Dropping is also the
    one change a rollback script cannot undo (the data is gone).

    ## Example
    ```sql
    ALTER TABLE products DROP COLUMN title;
    ```

    ## Use instead
    ```sql
    -- release N: stop reading and writing the column in the application
    -- release N+1, once no deployed version uses it:
    -- migration-gate: ignore dropped-column -- products.title unused since release 41
    ALTER TABLE products DROP COLUMN title;
    ```
    """

    code = "MG118"
    family = "compatibility"
    name = "dropped-column"
    level = Severity.WARNING
    aliases = ("ban-drop-column",)
    alias_notes = {
        "ban-drop-column": "not reported on tables created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_DropColumn",)
    help = "drop columns only in a release after the application stopped using them (expand/contract)"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if ctx.file.migration.kind == "rollback":
            return  # undoing the migration is what a rollback script is for
        if node.get("subtype") != "AT_DropColumn":
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        yield self.finding(
            f"dropping {column_ref(table, node.get('name'))} breaks queries of the application "
            "version that is still running, and its data cannot be rolled back"
        )
