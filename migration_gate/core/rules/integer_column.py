from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, name_list, type_names
from .base import StatementRule
from .columns import defined_columns
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext

#: 32- and 16-bit integer type names (as written, and as PostgreSQL spells them) → (size, bits, largest value).
_SMALL = {
    "int4": ("int", 32, "2,147,483,647"),
    "int": ("int", 32, "2,147,483,647"),
    "integer": ("int", 32, "2,147,483,647"),
    "serial": ("int", 32, "2,147,483,647"),
    "serial4": ("int", 32, "2,147,483,647"),
    "int2": ("smallint", 16, "32,767"),
    "smallint": ("smallint", 16, "32,767"),
    "smallserial": ("smallint", 16, "32,767"),
    "serial2": ("smallint", 16, "32,767"),
}
SIZES = ("int", "smallint")


@dataclasses.dataclass(frozen=True)
class IntegerColumnOptions:
    #: Which sizes to report: ``int`` (32-bit, serial) and ``smallint`` (16-bit, smallserial).
    sizes: tuple[str, ...] = SIZES


class IntegerColumn(StatementRule):
    """An `integer` / `smallint` column that is not a primary key (strict preset).

    ## What it does
    Flags columns declared `int`, `integer`, `int4`, `smallint`, `int2`,
    `serial` or `smallserial` (arrays of them too) in `CREATE TABLE`,
    `ADD COLUMN` and `ALTER COLUMN … TYPE`, except primary-key columns, which
    are `int-primary-key`'s. The `sizes` option narrows it to `int` or
    `smallint`. Off in `recommended`, a warning in `strict`.

    ## Why is this bad?
    A 32-bit column overflows at 2,147,483,647 (a 16-bit one at 32,767):
    counters, foreign keys to `bigint` keys and ids from other systems get
    there sooner than expected, and widening the column later rewrites the
    table under ACCESS EXCLUSIVE. `bigint` costs four bytes more per row.

    Level: off in `recommended`: many integer columns hold small values by
    nature (a rating, a day of the month); `strict` asks for `bigint`
    everywhere, as squawk does.

    ## Example
    ```sql
    CREATE TABLE page_views (id bigint PRIMARY KEY, view_count integer NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE page_views (id bigint PRIMARY KEY, view_count bigint NOT NULL);
    ```
    """

    code = "MG505"
    name = "integer-column"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("prefer-bigint-over-int", "prefer-bigint-over-smallint")
    alias_notes = {
        "prefer-bigint-over-int": "with `int-primary-key`: squawk's rule covers every column; here keys and the other "
        "columns are two rules (both named by the alias)",
        "prefer-bigint-over-smallint": "with `int-primary-key`: squawk's rule covers every column; here keys and the "
        "other columns are two rules (both named by the alias)",
    }
    alias_scopes = {
        "prefer-bigint-over-int": ("sizes", ("int",)),
        "prefer-bigint-over-smallint": ("sizes", ("smallint",)),
    }
    Options = IntegerColumnOptions
    node_types = ("CreateStmt", "AlterTableStmt")
    help = "use bigint (and bigint GENERATED … AS IDENTITY instead of serial)"

    @classmethod
    def validate_options(cls, raw: Mapping[str, Any]) -> None:
        rule: type[StatementRule] = cls  # (mypyc finds the interpreted base's classmethods only through it)
        unknown = sorted(set(rule.make_options(raw).sizes) - set(SIZES))
        if unknown:
            raise ValueError(f"sizes: unknown size {unknown[0]!r} (use int, smallint)")

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        keys: set[str] = set()
        for element in node.get("tableElts", ()):
            con = element.get("Constraint", {})
            if con.get("contype") == "CONSTR_PRIMARY":
                keys.update(name_list(con.get("keys")))
        for table, column in defined_columns(ctx.statement.kind, node):
            kinds = {c.get("Constraint", {}).get("contype") for c in column.get("constraints", ())}
            if "CONSTR_PRIMARY" in kinds or column.get("colname") in keys:
                continue  # int-primary-key
            names = type_names(column.get("typeName"))
            found = _SMALL.get(names[-1].lower()) if names else None
            if found is None or found[0] not in self.options.sizes:
                continue
            _, bits, largest = found
            yield self.finding(
                f"{column_ref(table, column.get('colname'))} is a {bits}-bit {names[-1]}: it overflows at {largest}",
                at={"ColumnDef": column},
            )
