from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import INDEX_BUILD, Finding
from ..lockmodes import SHARE
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule
from .rulekit import lock_phrase


class NonConcurrentIndexCreation(StatementRule):
    """`CREATE INDEX` on an existing table without `CONCURRENTLY`.

    ## What it does
    Flags `CREATE [UNIQUE] INDEX` without `CONCURRENTLY` on a table that was
    not created earlier in the same migration (or by an earlier migration of
    the same pull request).

    ## Why is this bad?
    A plain `CREATE INDEX` holds a SHARE lock on the table while it reads every
    row and builds the index: all `INSERT`, `UPDATE` and `DELETE` on the table
    wait, for minutes on a large table. `CREATE INDEX CONCURRENTLY` builds the
    index without blocking writes.

    ## Example
    ```sql
    CREATE INDEX idx_orders_user_id ON orders (user_id);
    ```

    ## Use instead
    ```sql
    -- in its own migration, outside a transaction
    CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_user_id ON orders (user_id);
    ```
    """

    code = "MG101"
    name = "non-concurrent-index-creation"
    level = Severity.ERROR
    aliases = ("require-concurrent-index-creation",)
    alias_notes = {
        "require-concurrent-index-creation": "tables created earlier in the migration (or change set) are exempt in "
        "every transaction mode; squawk exempts them only inside the same open transaction",
    }
    node_types = ("IndexStmt",)
    help = (
        "use CREATE INDEX CONCURRENTLY in a migration that runs outside a transaction "
        "(no BEGIN/COMMIT; Flyway detects it and runs the file without one)"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("concurrent"):
            return
        table = qualified_name(node.get("relation"))
        if ctx.is_new_table(table):
            return
        what = "CREATE UNIQUE INDEX" if node.get("unique") else "CREATE INDEX"
        yield self.finding(
            f"{what} on {display_name(table)} without CONCURRENTLY holds {lock_phrase(SHARE, table)} "
            "while it reads the whole table",
            at=node.get("relation"),
            table=table,
            hazard=INDEX_BUILD,
        )
