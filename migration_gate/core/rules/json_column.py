from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, type_names
from .base import StatementRule
from .columns import defined_columns
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext


class JsonColumn(StatementRule):
    """A `json` column rather than `jsonb` (strict preset).

    ## What it does
    Flags columns declared `json` (not `jsonb`) in `CREATE TABLE`,
    `ADD COLUMN` and `ALTER COLUMN … TYPE`. Off in `recommended`, a warning
    in `strict`. (eugene's E3 and strong_migrations' `add_column_json`.)

    ## Why is this bad?
    `json` has no equality operator: a query with `SELECT DISTINCT`, `UNION`
    (not `UNION ALL`) or `GROUP BY` over the column fails with `could not
    identify an equality operator for type json` (checked on PostgreSQL 15).
    Application queries that select whole rows (`SELECT DISTINCT *`, an ORM's
    `.distinct()`) break as soon as the column exists. `jsonb` has the
    operator, and indexes.

    Level: off in `recommended`: `json` is right when the exact text (key
    order, duplicates, whitespace) must be kept.

    ## Example
    ```sql
    ALTER TABLE events ADD COLUMN payload json;
    ```

    ## Use instead
    ```sql
    ALTER TABLE events ADD COLUMN payload jsonb;
    ```
    """

    code = "MG507"
    name = "json-column"
    level = Severity.OFF
    strict_level = Severity.WARNING
    node_types = ("CreateStmt", "AlterTableStmt")
    help = "use jsonb (unless the exact JSON text must be kept)"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        for table, column in defined_columns(ctx.statement.kind, node):
            names = type_names(column.get("typeName"))
            if names and names[-1] == "json":
                yield self.finding(
                    f"{column_ref(table, column.get('colname'))} is json, which has no equality operator: "
                    "DISTINCT, UNION and GROUP BY over it fail",
                    at={"ColumnDef": column},
                )
