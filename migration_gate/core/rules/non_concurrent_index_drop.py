from __future__ import annotations

from ..names import display_name
from ..severity import Severity
from ..sqlnodes import name_list, qualified_from_names
from .base import StatementRule


class NonConcurrentIndexDrop(StatementRule):
    """`DROP INDEX` without `CONCURRENTLY`.

    ## What it does
    Flags `DROP INDEX` without `CONCURRENTLY`, unless the index was created
    earlier in the same migration.

    ## Why is this bad?
    `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table: every
    query on the table, reads included, waits behind it, and it waits behind
    every running query. `DROP INDEX CONCURRENTLY` waits for running queries
    without blocking new ones.

    ## Example
    ```sql
    DROP INDEX IF EXISTS idx_orders_created_at;
    ```

    ## Use instead
    ```sql
    -- in its own migration, outside a transaction
    DROP INDEX CONCURRENTLY IF EXISTS idx_orders_created_at;
    ```
    """

    code = "MG102"
    name = "non-concurrent-index-drop"
    level = Severity.ERROR
    aliases = ("require-concurrent-index-deletion",)
    alias_notes = {
        "require-concurrent-index-deletion": "not reported for an index created earlier in the migration",
    }
    node_types = ("DropStmt",)
    help = "use DROP INDEX CONCURRENTLY in a migration that runs outside a transaction"

    def check(self, node, ctx):
        if node.get("removeType") != "OBJECT_INDEX" or node.get("concurrent"):
            return
        for item in node.get("objects", ()):
            index = qualified_from_names(name_list(item.get("List", {}).get("items")))
            if ctx.facts.index_created_here(index):
                continue
            table = ctx.index_table(index)
            target = f"on {display_name(table)}" if table else "on its table"
            yield self.finding(
                f"DROP INDEX {display_name(index)} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock "
                f"{target} (blocks reads and writes)"
            )
