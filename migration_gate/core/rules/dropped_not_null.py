from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, domain_name, existing_relation, relation_kind, shown, undoing
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext


class DroppedNotNull(StatementRule):
    """`ALTER COLUMN … DROP NOT NULL` on an existing table (or domain).

    ## What it does
    Flags `ALTER TABLE … ALTER COLUMN … DROP NOT NULL` on a table or foreign
    table that exists before the migration, and `ALTER DOMAIN … DROP NOT NULL`.

    Not reported: rollback scripts and objects created earlier in the same
    migration.

    ## Why is this bad?
    The statement itself is quick (a catalog change under a short ACCESS
    EXCLUSIVE lock, no scan). The hazard is the contract: once the new release
    writes `NULL`s, the release still running reads them, and its code was
    written for a column that never holds one.

    Level: a warning: it breaks only readers that assume a value.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
    ```

    ## Use instead
    ```sql
    -- release N handles NULL emails; then:
    -- migration-gate: ignore dropped-not-null -- every reader handles NULL since release 41
    ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
    ```
    """

    code = "MG604"
    name = "dropped-not-null"
    level = Severity.WARNING
    aliases = ("ban-drop-not-null",)
    alias_notes = {
        "ban-drop-not-null": "not reported on objects created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("AlterTableCmd", "AlterDomainStmt")
    subtypes = ("AT_DropNotNull",)
    help = "drop NOT NULL only once every deployed release handles NULL in the column"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        if ctx.statement.kind == "AlterDomainStmt":
            domain = domain_name(node)
            if node.get("subtype") == "N" and not ctx.is_new_object("domain", domain):
                yield self.finding(
                    f"dropping NOT NULL of domain {shown(domain)}: {RUNNING} may read NULL where it never could"
                )
            return
        table = existing_relation(ctx)
        if table is None or relation_kind(ctx) not in ("table", "foreign table"):
            return
        yield self.finding(
            f"dropping NOT NULL of {column_ref(table, node.get('name'))}: {RUNNING} may read NULL where it never could"
        )
