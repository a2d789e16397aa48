from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule
from .compat import RUNNING, existing_relation, shown, undoing

if TYPE_CHECKING:
    from ..context import StatementContext

_WHAT = {
    "AT_EnableTrig": ("ENABLE TRIGGER", "trigger"),
    "AT_EnableAlwaysTrig": ("ENABLE ALWAYS TRIGGER", "trigger"),
    "AT_EnableReplicaTrig": ("ENABLE REPLICA TRIGGER", "trigger"),
    "AT_DisableTrig": ("DISABLE TRIGGER", "trigger"),
    "AT_EnableTrigAll": ("ENABLE TRIGGER ALL", "all"),
    "AT_DisableTrigAll": ("DISABLE TRIGGER ALL", "all"),
    "AT_EnableTrigUser": ("ENABLE TRIGGER USER", "user"),
    "AT_DisableTrigUser": ("DISABLE TRIGGER USER", "user"),
    "AT_EnableRule": ("ENABLE RULE", "rule"),
    "AT_EnableAlwaysRule": ("ENABLE ALWAYS RULE", "rule"),
    "AT_EnableReplicaRule": ("ENABLE REPLICA RULE", "rule"),
    "AT_DisableRule": ("DISABLE RULE", "rule"),
}


class TriggerFiringChanged(StatementRule):
    """`ENABLE` / `DISABLE TRIGGER` (or `RULE`) on an existing table (strict preset).

    ## What it does
    Flags `ALTER TABLE … ENABLE | DISABLE [REPLICA | ALWAYS] TRIGGER | RULE`
    on a table that exists before the migration. Off in `recommended`, a
    warning in `strict`. Row-level security switches are
    `row-level-security-changed`'s.

    Not reported: rollback scripts, tables created earlier in the same
    migration, and a switch undone later in the same transaction (disabled
    around a backfill and enabled again before `COMMIT`: no other session
    sees it).

    ## Why is this bad?
    Triggers and rules are part of what every write does: with one disabled,
    the running release's writes skip the audit row, the denormalised
    counter, the `updated_at` stamp; enabled, they start doing something new.
    `DISABLE TRIGGER ALL` also stops foreign key checks. Migrations often
    disable a trigger around a backfill and forget (or fail before) the
    `ENABLE`.

    Level: off in `recommended`; `strict` asks for a look at each one.

    ## Example
    ```sql
    ALTER TABLE orders DISABLE TRIGGER orders_touch;
    ```

    ## Use instead
    ```sql
    -- switched off and on again inside one transaction: no other session sees the trigger missing
    BEGIN;
    ALTER TABLE orders DISABLE TRIGGER orders_touch;
    UPDATE orders SET note = '' WHERE note IS NULL AND id < 1000;
    ALTER TABLE orders ENABLE TRIGGER orders_touch;
    COMMIT;
    ```
    """

    code = "MG618"
    name = "trigger-firing-changed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-disable-trigger",)
    alias_notes = {
        "ban-disable-trigger": "ROW LEVEL SECURITY switches are `row-level-security-changed`'s only (squawk reports "
        "DISABLE/FORCE ROW LEVEL SECURITY under both names); not reported on tables created earlier in the migration, "
        "nor in rollback scripts",
    }
    node_types = ("AlterTableCmd",)
    subtypes = tuple(_WHAT)
    help = "leave triggers and rules as the running release expects them, or switch them within one transaction"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        table = existing_relation(ctx)
        found = _WHAT.get(node.get("subtype", ""))
        if table is None or found is None or _restored(ctx, table, node):
            return
        words, what = found
        if what == "all":
            effect = "every trigger of the table, foreign key checks included"
        elif what == "user":
            effect = "every user trigger of the table"
        else:
            effect = f"{what} {node.get('name')}"
        yield self.finding(f"{words} on {shown(table)} changes what writes of {RUNNING} do ({effect})")


def _switch(node: Node) -> tuple[bool, str, str | None]:
    """(disables, what: trigger/rule/all/user, name) of an ENABLE/DISABLE subcommand."""
    subtype = node.get("subtype", "")
    what = _WHAT[subtype][1]
    return subtype.startswith("AT_Disable"), what, node.get("name") if what in ("trigger", "rule") else None


def _restored(ctx: StatementContext, table: str, node: Node) -> bool:
    """Switched off and on again (or on and off) within one transaction: no other session sees a change."""
    facts = ctx.facts
    if not facts.in_transaction:
        return False
    disables, what, name = _switch(node)
    units = facts.file.units
    # the other half of the pair: later in the transaction for a DISABLE, earlier for an ENABLE
    window = units[facts.order + 1 :] if disables else reversed(units[: facts.order])
    for unit in window:
        stmt = unit.statement
        if stmt.kind == "TransactionStmt" or not unit.in_transaction:
            return False
        if stmt.kind != "AlterTableStmt" or qualified_name(stmt.node.get("relation")) != table:
            continue
        for item in stmt.node.get("cmds", ()):
            other = item.get("AlterTableCmd", {})
            if other.get("subtype") in _WHAT and _switch(other) == (not disables, what, name):
                return True
    return False
