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


class DefaultChanged(StatementRule):
    """`ALTER COLUMN … SET DEFAULT` on an existing table (strict preset).

    ## What it does
    Flags `ALTER TABLE … ALTER COLUMN … SET DEFAULT` on a table, foreign
    table or view that exists before the migration, and
    `ALTER DOMAIN … SET DEFAULT`. Off in `recommended`, a warning in `strict`.

    Not reported: rollback scripts and objects created earlier in the same
    migration.

    ## Why is this bad?
    The statement is quick (no rewrite). What changes is the value the
    running release's `INSERT`s store when they leave the column out: rows it
    writes during the deploy get the new release's default, which its code may
    not expect.

    Level: off in `recommended`: setting a default is usually the expand step
    of a change and harmless; `strict` asks for a look.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'paid';
    ```

    ## Use instead
    ```sql
    -- write the value explicitly in the application, or confirm the old release is fine with it:
    -- migration-gate: ignore default-changed -- the running release always sets status explicitly
    ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'paid';
    ```
    """

    code = "MG611"
    name = "default-changed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-set-default",)
    alias_notes = {
        "ban-set-default": "not reported on objects created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("AlterTableCmd", "AlterDomainStmt")
    subtypes = ("AT_ColumnDefault",)
    help = "make sure the running release writes the column itself, or can live with the new default"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx) or node.get("def") is None:
            return  # DROP DEFAULT: dropped-default
        if ctx.statement.kind == "AlterDomainStmt":
            domain = domain_name(node)
            if node.get("subtype") == "T" and not ctx.is_new_object("domain", domain):
                yield self.finding(
                    f"changing the default of domain {shown(domain)} changes what inserts of {RUNNING} store",
                    at=node.get("def"),
                )
            return
        table = existing_relation(ctx)
        if table is None:
            return
        yield self.finding(
            f"changing the default of {column_ref(table, node.get('name'))} changes what inserts of {RUNNING} "
            "store when they leave the column out",
            at=node.get("def"),
        )
