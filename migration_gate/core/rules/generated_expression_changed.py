from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, existing_relation, shown, undoing
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext


class GeneratedExpressionChanged(StatementRule):
    """`ALTER COLUMN … SET EXPRESSION` recomputes a generated column of an existing table.

    ## What it does
    Flags `ALTER TABLE … ALTER COLUMN … SET EXPRESSION AS (…)` (PostgreSQL 17)
    on a table that exists before the migration.

    Not reported: rollback scripts and tables created earlier in the same
    migration.

    ## Why is this bad?
    Two reasons, both in the message. Compatibility: every value of the
    column changes under the running release, which reads it and was written
    for the old expression. Locks: PostgreSQL rewrites the whole table to
    store the new values, holding ACCESS EXCLUSIVE (reads and writes wait)
    for the whole rewrite: "This command causes a table rewrite, using the
    usual ALTER TABLE mechanisms" (postgres/postgres commit 5d06e99a3cf, which
    added `SET EXPRESSION` to PostgreSQL 17; the test server here runs 15, so
    this is cited, not measured). From PostgreSQL 18 a generated column may be
    `VIRTUAL`, which is not stored and not rewritten: with `pg_version` 18 the
    migration does not say which kind the column is, and the finding is a
    warning that says so.

    Level: an error, because of the rewrite of an existing table (a warning
    from `pg_version` 18, see above).

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN total_with_tax SET EXPRESSION AS (total * 1.21);
    ```

    ## Use instead
    ```sql
    -- expand: a new generated column (its own rewrite: plan it) or a view with the new formula
    CREATE VIEW orders_v2 AS SELECT *, total * 1.21 AS total_with_tax_v2 FROM orders;
    ```
    """

    code = "MG610"
    name = "generated-expression-changed"
    level = Severity.ERROR
    aliases = ("ban-alter-generated-expression",)
    alias_notes = {
        "ban-alter-generated-expression": "SET EXPRESSION only, an error because it also rewrites the table; adding a "
        "generated column changes no existing value (its rewrite is `add-column-rewrites-table`'s, the new column "
        "`added-column`'s); not reported on tables created earlier in the migration",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_SetExpression",)
    help = "add a new generated column (or compute the value in a view) and move readers to it"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        table = existing_relation(ctx)
        if table is None:
            return
        column = column_ref(table, node.get("name"))
        if ctx.pg_version >= 18:
            yield self.finding(
                f"SET EXPRESSION changes every value of {column} under {RUNNING}, and if the column is STORED "
                f"PostgreSQL rewrites {shown(table)} holding an ACCESS EXCLUSIVE lock (blocks reads and writes); "
                "a VIRTUAL one is not rewritten, and this migration does not say which it is",
                at=node.get("def"),
                severity=Severity.WARNING,
            )
            return
        yield self.finding(
            f"SET EXPRESSION changes every value of {column} under {RUNNING}, and PostgreSQL rewrites "
            f"{shown(table)} holding an ACCESS EXCLUSIVE lock (blocks reads and writes) while it does",
            at=node.get("def"),
        )
