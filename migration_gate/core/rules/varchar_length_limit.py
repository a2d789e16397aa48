from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .columns import defined_columns
from .rulekit import column_ref
from .typechange import describe, normalise


class VarcharLengthLimit(StatementRule):
    """A `varchar(n)` column (strict preset).

    ## What it does
    Flags columns declared `varchar(n)` / `character varying(n)`. Off in the
    `recommended` preset, a warning in `strict`.

    ## Why is this bad?
    In PostgreSQL `varchar(n)` stores exactly like `text`; the length limit
    only adds a check. Raising it later is free, but lowering it or turning it
    into a different type rewrites the table, and the limit is usually a
    guess. A `CHECK (length(col) <= n)` constraint can be changed with
    `NOT VALID` + `VALIDATE` without blocking.

    ## Example
    ```sql
    CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(255));
    ```

    ## Use instead
    ```sql
    CREATE TABLE customers (id bigint PRIMARY KEY, email text CHECK (length(email) <= 255));
    ```
    """

    code = "MG502"
    name = "varchar-length-limit"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("prefer-text-field",)
    node_types = ("CreateStmt", "AlterTableStmt")
    help = "use text, with a CHECK (length(col) <= n) constraint if the limit matters"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        for table, column in defined_columns(ctx.statement.kind, node):
            base, mods, _ = normalise(column.get("typeName"))
            if base == "varchar" and mods:
                yield self.finding(
                    f"{column_ref(table, column.get('colname'))} is "
                    f"{describe(column.get('typeName'))}; prefer text with a CHECK constraint",
                    at={"ColumnDef": column},
                )
