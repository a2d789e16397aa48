from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, name_list
from .base import StatementRule

if TYPE_CHECKING:
    from ..context import StatementContext


class UnqualifiedTableName(StatementRule):
    """A table named without its schema in `CREATE`, `ALTER` or `DROP TABLE` (off by default).

    ## What it does
    Flags `CREATE TABLE` (not temporary), `CREATE TABLE … AS`, `ALTER TABLE`
    and `DROP TABLE` that name a table without a schema. Off in both presets:
    turn it on where migrations run with a `search_path` you do not control.

    ## Why is this bad?
    An unqualified name goes to (or is looked up in) the first schema of the
    session's `search_path`, which the runner's connection decides, not the
    migration: the same file can create the table in another schema, or alter
    a same-named table elsewhere.

    Level: off: most projects use one schema and a fixed `search_path`.

    ## Example
    ```sql
    CREATE TABLE invoices (id bigint PRIMARY KEY);
    ```

    ## Use instead
    ```sql
    CREATE TABLE billing.invoices (id bigint PRIMARY KEY);
    ```
    """

    code = "MG511"
    family = "style"
    name = "unqualified-table-name"
    level = Severity.OFF
    aliases = ("require-table-schema",)
    node_types = ("CreateStmt", "CreateTableAsStmt", "AlterTableStmt", "DropStmt")
    help = "name the schema: schema.table"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        kind = ctx.statement.kind
        if kind == "DropStmt":
            if node.get("removeType") != "OBJECT_TABLE":
                return
            for item in node.get("objects", ()):
                names = name_list(item.get("List", {}).get("items"))
                if len(names) == 1:
                    yield self.finding(f"table {names[0]} is named without a schema")
            return
        if kind == "CreateTableAsStmt":
            if node.get("objtype") != "OBJECT_TABLE":
                return
            relation = node.get("into", {}).get("rel", {})
        elif kind == "AlterTableStmt":
            if node.get("objtype") not in (None, "OBJECT_TABLE"):
                return
            relation = node.get("relation", {})
        else:
            relation = node.get("relation", {})
        if relation.get("relpersistence") == "t" or relation.get("schemaname"):
            return
        yield self.finding(f"table {relation.get('relname')} is named without a schema", at={"RangeVar": relation})
