from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, name_list, type_names
from .base import StatementRule
from .columns import defined_columns
from .rulekit import column_ref

_SMALL_INTS = {"int4", "int2", "integer", "int", "smallint", "serial", "serial4", "smallserial", "serial2"}


class IntPrimaryKey(StatementRule):
    """A primary key of type `integer` / `smallint` (strict preset).

    ## What it does
    Flags primary-key columns declared `int`, `integer`, `smallint`, `serial`
    or `smallserial`, in `CREATE TABLE` and `ADD COLUMN`. Off in the
    `recommended` preset, a warning in `strict`.

    ## Why is this bad?
    A 32-bit key runs out at 2,147,483,647 rows (or sequence values,
    including rolled-back inserts), and widening it later rewrites the table
    and every referencing table under ACCESS EXCLUSIVE.

    ## Example
    ```sql
    CREATE TABLE invoices (id serial PRIMARY KEY, total numeric);
    ```

    ## Use instead
    ```sql
    CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric);
    ```
    """

    code = "MG501"
    name = "int-primary-key"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("prefer-bigint-over-int", "prefer-bigint-over-smallint")
    alias_notes = {
        "prefer-bigint-over-int": "primary keys only; the other columns are integer-column's (the alias names both)",
        "prefer-bigint-over-smallint": "primary keys only; the other columns are integer-column's (the alias names "
        "both)",
    }
    node_types = ("CreateStmt", "AlterTableStmt")
    help = "use bigint (bigint GENERATED ALWAYS AS IDENTITY for generated keys)"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        columns = list(defined_columns(ctx.statement.kind, node))
        table_pk: set[str] = set()
        for element in node.get("tableElts", ()):
            con = element.get("Constraint", {})
            if con.get("contype") == "CONSTR_PRIMARY":
                table_pk.update(name_list(con.get("keys")))
        for table, column in columns:
            kinds = {c.get("Constraint", {}).get("contype") for c in column.get("constraints", ())}
            is_pk = "CONSTR_PRIMARY" in kinds or column.get("colname") in table_pk
            names = type_names(column.get("typeName"))
            if is_pk and names and names[-1].lower() in _SMALL_INTS:
                yield self.finding(
                    f"primary key {column_ref(table, column.get('colname'))} is a 32-bit "
                    f"{names[-1]}: it runs out at about 2.1 billion values",
                    at={"ColumnDef": column},
                )
