from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import INDEX_BUILD, INDEX_REBUILD, Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, option_on, qualified_name
from .base import StatementRule

_TARGET = {
    "REINDEX_OBJECT_TABLE": "table",
    "REINDEX_OBJECT_INDEX": "index",
    "REINDEX_OBJECT_SCHEMA": "schema",
    "REINDEX_OBJECT_DATABASE": "database",
}


class NonConcurrentReindex(StatementRule):
    """`REINDEX` without `CONCURRENTLY` (PostgreSQL 12+).

    ## What it does
    Flags `REINDEX TABLE | INDEX | SCHEMA | DATABASE` without `CONCURRENTLY`
    when the target PostgreSQL (`pg_version`) is 12 or newer, where the
    concurrent form exists.

    ## Why is this bad?
    A plain `REINDEX` locks the table against writes (SHARE) and each index
    against reads (ACCESS EXCLUSIVE) while it rebuilds them: queries that would
    use the index wait. `REINDEX … CONCURRENTLY` rebuilds without blocking.

    ## Example
    ```sql
    REINDEX TABLE orders;
    ```

    ## Use instead
    ```sql
    -- in its own migration, outside a transaction
    REINDEX TABLE CONCURRENTLY orders;
    ```
    """

    code = "MG103"
    name = "non-concurrent-reindex"
    level = Severity.ERROR
    aliases = ("require-concurrent-reindex",)
    alias_notes = {
        "require-concurrent-reindex": "only from pg_version 12, where REINDEX … CONCURRENTLY exists",
    }
    node_types = ("ReindexStmt",)
    help = "use REINDEX … CONCURRENTLY (PostgreSQL 12+) in a migration that runs outside a transaction"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        kind = node.get("kind")
        if ctx.pg_version < 12 or kind not in _TARGET or option_on(node.get("params"), "concurrently"):
            return
        relation = node.get("relation")
        if relation and kind == "REINDEX_OBJECT_TABLE" and ctx.is_new_table(qualified_name(relation)):
            return
        target = display_name(qualified_name(relation)) if relation else node.get("name", "")
        table, hazard = None, None
        if relation and kind == "REINDEX_OBJECT_TABLE":
            table, hazard = qualified_name(relation), INDEX_REBUILD
        elif relation and kind == "REINDEX_OBJECT_INDEX":
            table, hazard = ctx.index_table(qualified_name(relation)), INDEX_BUILD
        yield self.finding(
            f"REINDEX {_TARGET[kind].upper()} {target} without CONCURRENTLY blocks writes to the table and "
            "reads through its indexes while they are rebuilt",
            at=relation,
            table=table,
            hazard=hazard if table else None,
        )
