from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, undoing

if TYPE_CHECKING:
    from ..context import StatementContext


class DroppedDatabase(StatementRule):
    """`DROP DATABASE` in a migration.

    ## What it does
    Flags every `DROP DATABASE` (with or without `IF EXISTS`) in a migration
    other than a rollback script, unless the database was created earlier in
    the same file.

    ## Why is this bad?
    It deletes every table and row of the database at once, with no way back,
    and every connection of the running release to it fails. It also cannot
    run inside a transaction block (`non-transactional-statement-in-transaction`
    reports that separately when the runner wraps the file).

    Level: an error: the break is certain and total.

    ## Example
    ```sql
    DROP DATABASE IF EXISTS reporting;
    ```

    ## Use instead
    ```sql
    -- drop databases by hand (or in provisioning), after a backup, never in a deploy
    SELECT 1;
    ```
    """

    code = "MG606"
    name = "dropped-database"
    level = Severity.ERROR
    aliases = ("ban-drop-database",)
    alias_notes = {
        "ban-drop-database": "not reported in rollback scripts or for a database created earlier in the file",
    }
    node_types = ("DropdbStmt",)
    help = "drop databases outside migrations, by hand and after a backup"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        name = node.get("dbname", "?")
        if undoing(ctx) or ctx.is_new_object("database", name):
            return
        yield self.finding(f"DROP DATABASE {name} deletes all of its data, and {RUNNING} loses it")
