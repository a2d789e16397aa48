from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, existing_relation, undoing
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext


class DroppedGeneratedExpression(StatementRule):
    """`ALTER COLUMN … DROP EXPRESSION` turns a generated column into a plain one.

    ## What it does
    Flags `ALTER TABLE … ALTER COLUMN … DROP EXPRESSION` on a table that
    exists before the migration.

    Not reported: rollback scripts and tables created earlier in the same
    migration.

    ## Why is this bad?
    The column keeps its current values but is no longer computed: rows the
    running release writes from now on get `NULL` (or its default) instead of
    the value it reads back and relies on. PostgreSQL does this without a
    rewrite (a catalog change under a short ACCESS EXCLUSIVE lock).

    Level: a warning.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN total_with_tax DROP EXPRESSION;
    ```

    ## Use instead
    ```sql
    -- release N computes total_with_tax itself and writes it; then:
    -- migration-gate: ignore dropped-generated-expression -- written by the application since release 41
    ALTER TABLE orders ALTER COLUMN total_with_tax DROP EXPRESSION;
    ```
    """

    code = "MG605"
    name = "dropped-generated-expression"
    level = Severity.WARNING
    aliases = ("ban-drop-generated-expression",)
    alias_notes = {
        "ban-drop-generated-expression": "not reported on tables created earlier in the migration, nor in rollback "
        "scripts",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_DropExpression",)
    help = "first make every deployed release write the column itself, then drop the expression"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        table = existing_relation(ctx)
        if table is None:
            return
        yield self.finding(
            f"{column_ref(table, node.get('name'))} is no longer generated: rows {RUNNING} writes from now on "
            "get no computed value"
        )
