from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..names import default_schema, display_name
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_from_names
from .base import StatementRule


class NonConcurrentIndexDrop(StatementRule):
    """`DROP INDEX` without `CONCURRENTLY`.

    ## What it does
    Flags `DROP INDEX` without `CONCURRENTLY`, unless the index (or its table)
    was created earlier in the same migration or by a migration the change adds,
    or its table is dropped later in the same transaction (the `DROP TABLE` is
    the hazard then, and has its own finding).  A `DROP INDEX` of an index whose
    table an earlier statement of the file dropped takes no lock: with `IF
    EXISTS` it does nothing, without it the migration fails, and that is what
    the finding says.

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

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("removeType") != "OBJECT_INDEX" or node.get("concurrent"):
            return
        for item in node.get("objects", ()):
            index = qualified_from_names(name_list(item.get("List", {}).get("items")))
            if ctx.schema.is_new_index(index):
                continue  # created in this file, or by a migration this change adds before it
            gone = ctx.schema.index_gone(index)
            if gone is not None:
                if not node.get("missing_ok"):
                    gone = gone.replace(default_schema() + ".", "")
                    yield self.finding(
                        f"DROP INDEX {display_name(index)} fails: {gone} (PostgreSQL stops "
                        f'the migration: index "{index.rsplit(".", 1)[-1]}" does not exist)',
                        help="remove the statement, or write DROP INDEX IF EXISTS",
                    )
                continue
            table = ctx.index_table(index)
            if table is not None and (ctx.is_new_table(table) or _dropped_later(ctx, table)):
                continue
            if table is None:
                yield self.finding(
                    f"DROP INDEX {display_name(index)} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on "
                    "its table (blocks reads and writes); the gate found no earlier definition of the index, "
                    "so it cannot name the table"
                )
            else:
                yield self.finding(
                    f"DROP INDEX {display_name(index)} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock "
                    f"on {display_name(table)} (blocks reads and writes)",
                    table=table,
                )


def _dropped_later(ctx: StatementContext, table: str) -> bool:
    """A later ``DROP TABLE`` of the same transaction drops the table (and the index with it)."""
    for stmt in ctx.later_in_transaction():
        if stmt.kind == "DropStmt" and stmt.node.get("removeType") == "OBJECT_TABLE":
            names = [
                qualified_from_names(name_list(o.get("List", {}).get("items")))
                for o in stmt.node.get("objects", ())
                if "List" in o
            ]
            if table in names:
                return True
    return False
