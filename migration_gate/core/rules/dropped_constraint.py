from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule
from .compat import RUNNING, domain_name, existing_relation, relation_kind, shown, undoing

if TYPE_CHECKING:
    from ..context import StatementContext


class DroppedConstraint(StatementRule):
    """`DROP CONSTRAINT` (or `ALTER CONSTRAINT … NOT ENFORCED`) on an existing table or domain.

    ## What it does
    Flags `ALTER TABLE … DROP CONSTRAINT` on a table (or foreign table) that
    exists before the migration, `ALTER DOMAIN … DROP CONSTRAINT`, and
    `ALTER TABLE … ALTER CONSTRAINT … NOT ENFORCED` (PostgreSQL 18).

    Not reported: rollback scripts, tables and domains created earlier in the
    same migration, and a constraint added again under the same name in the
    same `ALTER TABLE` or later in the same transaction (it is replaced, never
    missing).

    ## Why is this bad?
    The running release may rely on the constraint: a unique constraint is
    the target of its `INSERT … ON CONFLICT`, a foreign key cascades its
    deletes, a check keeps values its code assumes. Once the constraint is
    gone, writes that used to fail or cascade silently do something else, and
    bad rows written meanwhile stay when the constraint comes back.

    Level: a warning, as for the other removals.

    ## Example
    ```sql
    ALTER TABLE orders DROP CONSTRAINT orders_total_positive;
    ```

    ## Use instead
    ```sql
    -- once no deployed release relies on it, with a reason reviewers can check:
    -- migration-gate: ignore dropped-constraint -- totals may be negative for refunds since release 12
    ALTER TABLE orders DROP CONSTRAINT orders_total_positive;
    ```
    """

    code = "MG602"
    name = "dropped-constraint"
    level = Severity.WARNING
    aliases = ("ban-drop-constraint",)
    alias_notes = {
        "ban-drop-constraint": "not reported on tables or domains created earlier in the migration, for a constraint "
        "re-added under its name in the same transaction, nor in rollback scripts",
    }
    node_types = ("AlterTableCmd", "AlterDomainStmt")
    subtypes = ("AT_DropConstraint", "AT_AlterConstraint")
    help = "drop the constraint in a later release, once no deployed version relies on it (expand/contract)"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        if ctx.statement.kind == "AlterDomainStmt":
            domain = domain_name(node)
            if node.get("subtype") == "X" and not ctx.is_new_object("domain", domain):
                yield self.finding(
                    f"dropping constraint {node.get('name')} of domain {shown(domain)} removes a check "
                    f"{RUNNING} may rely on"
                )
            return
        table = existing_relation(ctx)
        if table is None or relation_kind(ctx) not in ("table", "foreign table"):
            return
        subtype = node.get("subtype")
        if subtype == "AT_DropConstraint":
            name = node.get("name", "?")
            if _readded(ctx, table, name):
                return
            yield self.finding(
                f"dropping constraint {name} on {shown(table)} removes a rule {RUNNING} may rely on "
                "(uniqueness for ON CONFLICT, a cascading foreign key, a check its code assumes)"
            )
        elif subtype == "AT_AlterConstraint":
            change = node.get("def", {}).get("ATAlterConstraint", {})
            if change.get("alterEnforceability") and not change.get("is_enforced"):
                yield self.finding(
                    f"NOT ENFORCED stops checking constraint {change.get('conname')} on {shown(table)}: "
                    f"writes {RUNNING} relies on being rejected now succeed"
                )


def _readded(ctx: StatementContext, table: str, name: str) -> bool:
    """The constraint is added again under its name by the same statement, or later in the same transaction."""
    if _adds(ctx.statement.node, name):
        return True  # one ALTER TABLE: atomic
    facts = ctx.facts
    if not facts.in_transaction:
        return False
    for unit in facts.file.units[facts.order + 1 :]:
        stmt = unit.statement
        if stmt.kind == "TransactionStmt" or not unit.in_transaction:
            return False
        if (
            stmt.kind == "AlterTableStmt"
            and qualified_name(stmt.node.get("relation")) == table
            and _adds(stmt.node, name)
        ):
            return True
    return False


def _adds(node: Node, name: str) -> bool:
    """An ALTER TABLE that adds a constraint of this name."""
    for item in node.get("cmds", ()):
        cmd = item.get("AlterTableCmd", {})
        con = cmd.get("def", {}).get("Constraint", {})
        if cmd.get("subtype") == "AT_AddConstraint" and con.get("conname") == name:
            return True
    return False
