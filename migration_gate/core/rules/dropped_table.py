from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_from_names
from .base import StatementRule


class DroppedTable(StatementRule):
    """`DROP TABLE` of an existing table breaks the running application.

    ## What it does
    Flags `DROP TABLE` (and `DROP FOREIGN TABLE`) of a table that was not
    created earlier in the same migration (or pull request).

    Rollback scripts are exempt: undoing the migration is their purpose.

    ## Why is this bad?
    The running application version may still use the table, and the data
    cannot be brought back by a rollback script.

    ## Example
    ```sql
    DROP TABLE order_status_history_old;
    ```

    ## Use instead
    ```sql
    -- once no deployed version uses it, with a reason reviewers can check:
    -- migration-gate: ignore dropped-table -- replaced by the partitioned table in V011, unused since release 12
    DROP TABLE order_status_history_old;
    ```
    """

    code = "MG119"
    family = "compatibility"
    name = "dropped-table"
    level = Severity.WARNING
    aliases = ("ban-drop-table",)
    alias_notes = {
        "ban-drop-table": "not reported on tables created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("DropStmt",)
    help = "drop tables only in a release after the application stopped using them, and keep a backup"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if ctx.file.migration.kind == "rollback":
            return  # undoing the migration is what a rollback script is for
        if node.get("removeType") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
            return
        for item in node.get("objects", ()):
            table = qualified_from_names(name_list(item.get("List", {}).get("items")))
            if ctx.is_new_table(table):
                continue
            yield self.finding(
                f"dropping table {display_name(table)} breaks queries of the application version "
                "that is still running, and its data cannot be rolled back"
            )
