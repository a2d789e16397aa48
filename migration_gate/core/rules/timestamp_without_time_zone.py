from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .columns import defined_columns
from .rulekit import column_ref
from .typechange import normalise


class TimestampWithoutTimeZone(StatementRule):
    """A `timestamp` (without time zone) column (strict preset).

    ## What it does
    Flags columns declared `timestamp` / `timestamp without time zone`. Off in
    the `recommended` preset, a warning in `strict`.

    ## Why is this bad?
    `timestamp` stores a wall-clock reading with no zone: the same instant
    written by servers or sessions in different zones compares wrong, and
    daylight-saving changes create duplicates and gaps. Converting the column
    later rewrites the table.

    ## Example
    ```sql
    CREATE TABLE sessions (id bigint PRIMARY KEY, started_at timestamp NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE sessions (id bigint PRIMARY KEY, started_at timestamptz NOT NULL);
    ```
    """

    code = "MG503"
    name = "timestamp-without-time-zone"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("prefer-timestamp-tz", "prefer-timestamptz")
    alias_notes = {
        "prefer-timestamp-tz": "pg_catalog.timestamp is reported; a quoted \"varchar\"(n) is not (squawk mistakes it "
        "for a timestamp)",
        "prefer-timestamptz": "squawk's older spelling of prefer-timestamp-tz",
    }
    node_types = ("CreateStmt", "AlterTableStmt")
    help = "use timestamptz (timestamp with time zone)"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        for table, column in defined_columns(ctx.statement.kind, node):
            if normalise(column.get("typeName"))[0] == "timestamp":
                yield self.finding(
                    f"{column_ref(table, column.get('colname'))} is a timestamp without time zone",
                    at={"ColumnDef": column},
                )
