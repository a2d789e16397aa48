from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import column_ref


class RenamedColumn(StatementRule):
    """`RENAME COLUMN` on an existing table breaks the running application.

    ## What it does
    Flags `ALTER TABLE … RENAME COLUMN` on a table that exists before the
    migration, and the same on a foreign table, a view or a materialized view
    (`ALTER VIEW … RENAME COLUMN`), and `ALTER TYPE … RENAME ATTRIBUTE` of a
    composite type.

    Rollback scripts are exempt: undoing the migration is their purpose.

    ## Why is this bad?
    The application version that is running while the migration deploys still
    reads and writes the old name: every query that names it fails until the
    new version is live (and a rollback of the application breaks again).

    ## Example
    ```sql
    ALTER TABLE products RENAME COLUMN title TO name;
    ```

    ## Use instead
    ```sql
    -- expand: add the new column, write both, backfill in batches
    ALTER TABLE products ADD COLUMN IF NOT EXISTS name varchar(255);
    -- contract, in a later release once no code reads title:
    -- ALTER TABLE products DROP COLUMN title;
    ```
    """

    code = "MG116"
    family = "compatibility"
    name = "renamed-column"
    level = Severity.WARNING
    aliases = ("renaming-column",)
    alias_notes = {
        "renaming-column": "not reported on tables, views or types created earlier in the migration",
    }
    node_types = ("RenameStmt",)
    help = "expand/contract: add the new column, dual-write and backfill, and drop the old one in a later release"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if ctx.file.migration.kind == "rollback":
            return  # undoing the migration is what a rollback script is for
        kind = _RELATIONS.get(node.get("relationType"))
        if kind is None or node.get("renameType") not in ("OBJECT_COLUMN", "OBJECT_ATTRIBUTE"):
            return
        table = ctx.table
        if ctx.is_new_table(table) if kind == "table" else ctx.is_new_object(kind, table):
            return
        yield self.finding(
            f"renaming {column_ref(table, node.get('subname'))} to {node.get('newname')} breaks "
            "queries of the application version that is still running",
            at=node.get("relation"),
        )


#: RenameStmt.relationType → the kind of relation whose column (or attribute) is renamed.
_RELATIONS = {
    None: "table",
    "OBJECT_TABLE": "table",
    "OBJECT_FOREIGN_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "view",
    "OBJECT_TYPE": "type",
}
