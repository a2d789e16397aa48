from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule

if TYPE_CHECKING:
    from ..context import StatementContext


class TruncateCascade(StatementRule):
    """`TRUNCATE … CASCADE` also empties every table that references the named ones.

    ## What it does
    Flags `TRUNCATE … CASCADE` when a named table exists before the
    migration.

    ## Why is this bad?
    `CASCADE` truncates every table whose foreign keys reference a named
    table, and the tables referencing those, recursively: tables the
    migration does not name lose all their rows, and each of them is locked
    ACCESS EXCLUSIVE (reads and writes wait) until the transaction ends. Which
    tables that is depends on the database's foreign keys, not on this file.
    Checked on PostgreSQL 15: `TRUNCATE t CASCADE` with `ref` referencing `t`
    takes ACCESS EXCLUSIVE on both and gives both new, empty storage.
    `blocking-maintenance-operation` reports the named tables' lock; this
    rule the tables the statement does not name.

    Level: an error: rows of unnamed tables are lost for certain.

    ## Example
    ```sql
    TRUNCATE users CASCADE;
    ```

    ## Use instead
    ```sql
    -- name every table to empty (TRUNCATE fails instead of cascading when one is missing):
    TRUNCATE orders, users;
    ```
    """

    code = "MG120"
    name = "truncate-cascade"
    level = Severity.ERROR
    aliases = ("ban-truncate-cascade",)
    alias_notes = {
        "ban-truncate-cascade": "not reported when every named table was created earlier in the migration",
    }
    node_types = ("TruncateStmt",)
    help = "name every table to empty and leave CASCADE out: TRUNCATE then fails instead of reaching further"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("behavior") != "DROP_CASCADE":
            return
        tables = [qualified_name(r) for r in node.get("relations", ())]
        if tables and all(ctx.is_new_table(t) for t in tables):
            return
        named = ", ".join(display_name(t) for t in tables)
        yield self.finding(
            f"TRUNCATE … CASCADE also empties every table whose foreign keys reference {named} (and the tables "
            "referencing those), each under an ACCESS EXCLUSIVE lock (blocks reads and writes); which tables is "
            "decided by the database, not by this migration"
        )
