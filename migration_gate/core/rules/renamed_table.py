from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule


class RenamedTable(StatementRule):
    """`ALTER TABLE … RENAME TO` on an existing table breaks the running application.

    ## What it does
    Flags renaming a table that exists before the migration.

    Rollback scripts are exempt: undoing the migration is their purpose.

    ## Why is this bad?
    Every query of the running application version that names the table
    fails from the moment the migration commits until the new version is live.

    ## Example
    ```sql
    ALTER TABLE order_status_history RENAME TO order_status_history_old;
    ```

    ## Use instead
    ```sql
    -- expand: create the new table (or a view with the new name), move readers and writers,
    -- then drop the old name in a later release
    CREATE VIEW order_events AS SELECT * FROM order_status_history;
    ```
    """

    code = "MG117"
    family = "compatibility"
    name = "renamed-table"
    level = Severity.WARNING
    aliases = ("renaming-table",)
    alias_notes = {
        "renaming-table": "not reported on tables created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("RenameStmt",)
    help = "expand/contract: introduce the new name alongside the old one and drop the old one in a later release"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if ctx.file.migration.kind == "rollback":
            return  # undoing the migration is what a rollback script is for
        if node.get("renameType") != "OBJECT_TABLE":
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        yield self.finding(
            f"renaming table {display_name(table)} to {node.get('newname')} breaks queries of the "
            "application version that is still running",
            at=node.get("relation"),
        )
