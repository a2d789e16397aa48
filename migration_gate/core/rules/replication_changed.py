from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import existing_relation, shown, undoing

if TYPE_CHECKING:
    from ..context import StatementContext

_CONSUMERS = "what logical replication consumers (subscribers, change-data capture) receive"


class ReplicationChanged(StatementRule):
    """`REPLICA IDENTITY`, `DROP PUBLICATION` or a publication losing tables (strict preset).

    ## What it does
    Flags `ALTER TABLE … REPLICA IDENTITY` on an existing table,
    `DROP PUBLICATION`, and `ALTER PUBLICATION … DROP | SET …` of a
    publication not created earlier in the same migration. Off in
    `recommended`, a warning in `strict`.

    Not reported: rollback scripts.

    ## Why is this bad?
    Logical replication consumers are clients too: a changed replica
    identity changes the old-row data every `UPDATE` and `DELETE` carries
    (`NOTHING` makes them fail on a published table), and a dropped or
    narrowed publication silently stops the changes a subscriber or a CDC
    pipeline depends on.

    Level: off in `recommended`; `strict` asks for a look.

    ## Example
    ```sql
    ALTER TABLE orders REPLICA IDENTITY FULL;
    ```

    ## Use instead
    ```sql
    -- coordinate with the consumers of the publication first; then:
    -- migration-gate: ignore replication-changed -- the CDC pipeline needs full old rows (ticket OPS-12)
    ALTER TABLE orders REPLICA IDENTITY FULL;
    ```
    """

    code = "MG622"
    name = "replication-changed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-replica-identity",)
    alias_notes = {
        "ban-replica-identity": "not reported on tables or publications created earlier in the migration, nor in "
        "rollback scripts",
    }
    node_types = ("AlterTableCmd", "DropStmt", "AlterPublicationStmt")
    subtypes = ("AT_ReplicaIdentity",)
    help = "change replication only together with its consumers"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        kind = ctx.statement.kind
        if kind == "AlterTableStmt":  # the REPLICA IDENTITY command
            table = existing_relation(ctx)
            if table is not None:
                yield self.finding(f"changing the replica identity of {shown(table)} changes {_CONSUMERS}")
        elif kind == "DropStmt":
            if node.get("removeType") != "OBJECT_PUBLICATION":
                return
            for item in node.get("objects", ()):
                name = item.get("String", {}).get("sval", "?")
                if not ctx.is_new_object("publication", name):
                    yield self.finding(f"dropping publication {name} stops {_CONSUMERS}")
        else:
            name = node.get("pubname", "?")
            narrows = node.get("action") in ("AP_DropObjects", "AP_SetObjects") or node.get("options")
            if narrows and not ctx.is_new_object("publication", name):
                yield self.finding(f"changing publication {name} changes {_CONSUMERS}")
