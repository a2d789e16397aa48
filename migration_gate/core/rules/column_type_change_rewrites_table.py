from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import INDEX_BUILD, REWRITE, SCAN, Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import column_ref
from .typechange import column_type_change


class ColumnTypeChangeRewritesTable(StatementRule):
    """`ALTER COLUMN … TYPE` that rewrites the table under ACCESS EXCLUSIVE.

    ## What it does
    Flags a column type change on an existing table unless PostgreSQL can do
    it without a rewrite: `varchar(n)` → `varchar(m ≥ n)`, `varchar` ↔ `text`
    without a length, dropping a length limit, `numeric(p, s)` →
    `numeric(p' ≥ p, s)` or unconstrained `numeric`, `varbit(n)` →
    `varbit(m ≥ n)`, `cidr` → `inet`. The current type is taken from the
    earlier migrations; the message says which change it is.

    A change that keeps the rows is not free either, and is flagged too when it
    still reads the table under ACCESS EXCLUSIVE: PostgreSQL rebuilds every
    index on the column that has an expression or a `WHERE` predicate (and
    every index on it when the collation changes, `TYPE text COLLATE "C"`), and
    verifies every `CHECK` constraint that reads the column with a full scan
    (proven on PostgreSQL 15: relfilenode, index OIDs, a CHECK counting its
    calls).

    When no earlier migration defines the column (or the table's indexes),
    the gate cannot tell a rewrite from a free change: it says so, as a
    warning.

    ## Why is this bad?
    A rewrite copies every row (and rebuilds every index) while holding an
    ACCESS EXCLUSIVE lock: the table is unavailable for the whole time. An
    index rebuild or a CHECK scan is shorter, but holds the same lock.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN legacy_id TYPE bigint;
    ```

    ## Use instead
    ```sql
    -- add a new column, backfill it in batches, switch the application, then drop the old column
    ALTER TABLE users ADD COLUMN legacy_id_new bigint;
    ```
    """

    code = "MG110"
    name = "column-type-change-rewrites-table"
    level = Severity.ERROR
    aliases = ("changing-column-type",)
    alias_notes = {
        "changing-column-type": "only type changes that rewrite the table (varchar → text and other binary-coercible "
        "changes do not); not on tables created earlier in the migration, foreign tables or composite types",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AlterColumnType",)
    help = (
        "add a new column of the new type, backfill it in batches, switch reads and writes, then drop "
        "the old column (expand/contract)"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("subtype") != "AT_AlterColumnType":
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        change = column_type_change(node, table, ctx.schema)
        column = column_ref(table, node.get("name"))
        if change.rewrites:
            yield self.finding(
                f"changing the type of {column} rewrites the whole table under an ACCESS EXCLUSIVE lock "
                f"(blocks reads and writes): {change.reason}",
                at=node.get("def"),
                severity=None if change.certain else Severity.WARNING,
                table=table,
                hazard=REWRITE,
            )
            return
        work = []
        if change.rebuilt:
            work.append(f"rebuilds {_names('index', change.rebuilt)}")
        if change.rechecked:
            work.append(f"verifies {_names('CHECK constraint', change.rechecked)} with a full scan")
        what = "collation" if change.collation else "type"
        if work:
            yield self.finding(
                f"changing the {what} of {column} keeps the table's rows but {' and '.join(work)} "
                "under an ACCESS EXCLUSIVE lock (blocks reads and writes)",
                at=node.get("def"),
                table=table,
                hazard=INDEX_BUILD if change.rebuilt else SCAN,
            )
        elif change.collation and not change.certain:
            yield self.finding(
                f"changing the collation of {column} rebuilds every index on the column under an ACCESS "
                "EXCLUSIVE lock (blocks reads and writes); the gate found no earlier definition of the table's "
                "indexes, so it cannot tell whether there is one",
                at=node.get("def"),
                severity=Severity.WARNING,
                table=table,
            )


def _names(what: str, names: tuple[str, ...]) -> str:
    shown = ", ".join(display_name(n) for n in names)
    return f"{what}{'es' if what == 'index' and len(names) > 1 else 's' if len(names) > 1 else ''} {shown}"
