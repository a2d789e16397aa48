from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, domain_name, existing_relation, shown, undoing
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext


class DroppedDefault(StatementRule):
    """`ALTER COLUMN … DROP DEFAULT` on an existing table (or domain).

    ## What it does
    Flags `ALTER TABLE … ALTER COLUMN … DROP DEFAULT` on a table, foreign
    table or view that exists before the migration, and
    `ALTER DOMAIN … DROP DEFAULT`.

    Not reported: rollback scripts and objects created earlier in the same
    migration.

    ## Why is this bad?
    The running release's `INSERT`s that leave the column out relied on the
    default: from the moment the migration commits they store `NULL` instead,
    or fail when the column is `NOT NULL`.

    Level: a warning (a removal, as for `dropped-column`).

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;
    ```

    ## Use instead
    ```sql
    -- release N writes status explicitly; release N+1 drops the default:
    -- migration-gate: ignore dropped-default -- every insert sets status since release 41
    ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;
    ```
    """

    code = "MG603"
    name = "dropped-default"
    level = Severity.WARNING
    aliases = ("ban-drop-default",)
    alias_notes = {
        "ban-drop-default": "not reported on objects created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("AlterTableCmd", "AlterDomainStmt")
    subtypes = ("AT_ColumnDefault",)
    help = "drop the default only after every deployed release sets the column itself"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        if ctx.statement.kind == "AlterDomainStmt":
            domain = domain_name(node)
            if node.get("subtype") == "T" and node.get("def") is None and not ctx.is_new_object("domain", domain):
                yield self.finding(
                    f"dropping the default of domain {shown(domain)}: inserts of {RUNNING} that leave its "
                    "columns out now store NULL"
                )
            return
        if node.get("def") is not None:
            return  # SET DEFAULT: default-changed
        table = existing_relation(ctx)
        if table is None:
            return
        yield self.finding(
            f"dropping the default of {column_ref(table, node.get('name'))}: inserts of {RUNNING} that "
            "leave the column out now store NULL (or fail when it is NOT NULL)"
        )
