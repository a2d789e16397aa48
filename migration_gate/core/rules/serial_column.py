from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, type_names
from .base import StatementRule
from .columns import defined_columns
from .rulekit import column_ref

_SERIALS = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


class SerialColumn(StatementRule):
    """A `serial` / `bigserial` column (strict preset).

    ## What it does
    Flags columns declared `serial`, `bigserial` or `smallserial`. Off in the
    `recommended` preset, a warning in `strict`.

    ## Why is this bad?
    `serial` creates a separately owned sequence with its own permissions and
    dump quirks, and lets inserts bypass it silently. SQL-standard identity
    columns (`GENERATED … AS IDENTITY`) are tied to the column.

    ## Example
    ```sql
    CREATE TABLE tickets (id bigserial PRIMARY KEY);
    ```

    ## Use instead
    ```sql
    CREATE TABLE tickets (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    ```
    """

    code = "MG504"
    name = "serial-column"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("prefer-identity",)
    node_types = ("CreateStmt", "AlterTableStmt")
    help = "use bigint GENERATED ALWAYS AS IDENTITY (or BY DEFAULT) instead of serial"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        for table, column in defined_columns(ctx.statement.kind, node):
            names = type_names(column.get("typeName"))
            if names and names[-1].lower() in _SERIALS:
                yield self.finding(
                    f"{column_ref(table, column.get('colname'))} is {names[-1]}; prefer an identity column",
                    at={"ColumnDef": column},
                )
