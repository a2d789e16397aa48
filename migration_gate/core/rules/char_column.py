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


class CharColumn(StatementRule):
    """A `char(n)` / `character(n)` column (strict preset).

    ## What it does
    Flags columns declared `char`, `char(n)`, `character(n)` or `bpchar`
    (arrays too) in `CREATE TABLE`, `ADD COLUMN` and `ALTER COLUMN … TYPE`.
    The quoted `"char"` type (one byte, used in the system catalogs) is a
    different type and is not reported. Off in `recommended`, a warning in
    `strict`.

    ## Why is this bad?
    `char(n)` pads every value with spaces to `n` characters; the padding is
    ignored by comparisons but not by everything else (`LIKE`, concatenation
    with `text`, the application), it stores no faster than `text`, and a
    value longer than `n` is an error. Plain `char` means `char(1)`.

    Level: off in `recommended` (a style and correctness hazard, not a
    deploy hazard); a warning in `strict`.

    ## Example
    ```sql
    CREATE TABLE countries (code char(2) PRIMARY KEY, name text);
    ```

    ## Use instead
    ```sql
    CREATE TABLE countries (code text PRIMARY KEY CHECK (length(code) = 2), name text);
    ```
    """

    code = "MG506"
    name = "char-column"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-char-field",)
    alias_notes = {
        "ban-char-field": "the quoted \"char\" type (1 byte, a different type) is not reported (squawk reports it)",
    }
    node_types = ("CreateStmt", "AlterTableStmt")
    help = "use text (with a CHECK on length if the length matters)"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        for table, column in defined_columns(ctx.statement.kind, node):
            names = type_names(column.get("typeName"))
            if names and names[-1] == "bpchar":
                yield self.finding(
                    f"{column_ref(table, column.get('colname'))} is a blank-padded char(n)",
                    at={"ColumnDef": column},
                )
