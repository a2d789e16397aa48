from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, existing_relation, relation_kind, undoing
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext


class AddedColumn(StatementRule):
    """`ADD COLUMN` to an existing table (off by default; squawk's `ban-add-column`).

    ## What it does
    Flags `ALTER TABLE … ADD COLUMN` on a table or foreign table that exists
    before the migration. Off in `recommended`, info in `strict`: turn it on
    where clients read tables by position.

    Not reported: rollback scripts and tables created earlier in the same
    migration. Adding an attribute to a composite type is
    `composite-attribute-added`.

    ## Why is this bad?
    Only clients that depend on the column list break: `SELECT *` mapped by
    position, `INSERT INTO t VALUES (…)` without a column list, `COPY` without
    one. Adding a column is otherwise the expand step of expand/contract: the
    right way to change a table.

    Level: off in `recommended` (it is the safe change in most codebases),
    info in `strict`.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    ```

    ## Use instead
    ```sql
    -- name the columns in the application's INSERT/SELECT/COPY first, then add the column:
    -- migration-gate: ignore added-column -- every client names its columns since release 41
    ALTER TABLE users ADD COLUMN nickname text;
    ```
    """

    code = "MG612"
    name = "added-column"
    level = Severity.OFF
    strict_level = Severity.INFO
    aliases = ("ban-add-column",)
    alias_notes = {
        "ban-add-column": "not reported on tables created earlier in the migration (also with CREATE TABLE IF NOT "
        "EXISTS, which squawk treats as possibly existing), nor in rollback scripts",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AddColumn",)
    help = "name the columns in every INSERT, SELECT and COPY of the application before adding one"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx) or relation_kind(ctx) not in ("table", "foreign table"):
            return
        table = existing_relation(ctx)
        if table is None:
            return
        column = node.get("def", {}).get("ColumnDef", {})
        yield self.finding(
            f"adding {column_ref(table, column.get('colname'))} changes the column list that positional "
            f"SELECT *, INSERT … VALUES and COPY of {RUNNING} depend on",
            at={"ColumnDef": column},
        )
