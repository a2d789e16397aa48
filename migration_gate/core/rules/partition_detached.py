from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule
from .compat import RUNNING, existing_relation, undoing

if TYPE_CHECKING:
    from ..context import StatementContext


class PartitionDetached(StatementRule):
    """`DETACH PARTITION` or `NO INHERIT`: the parent's queries lose rows (strict preset).

    ## What it does
    Flags `ALTER TABLE … DETACH PARTITION` (`CONCURRENTLY` too) on a parent
    that exists before the migration, and `ALTER TABLE child NO INHERIT
    parent` on an existing child. Off in `recommended`, a warning in `strict`.

    Not reported: rollback scripts and tables created earlier in the same
    migration. The lock of a plain `DETACH PARTITION` is a separate reason,
    `non-concurrent-partition-detach`'s.

    ## Why is this bad?
    The running release queries the parent: from the moment the migration
    commits, the detached table's rows are no longer in its results, and its
    inserts for that range fail (no partition for the value) unless a default
    partition takes them.

    Level: off in `recommended`: detaching old partitions is routine
    retention work that the application expects; `strict` asks for a look.

    ## Example
    ```sql
    ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
    ```

    ## Use instead
    ```sql
    -- once no deployed release reads 2023 through events:
    -- migration-gate: ignore partition-detached -- 2023 events are archived and no longer queried
    ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
    ```
    """

    code = "MG617"
    name = "partition-detached"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-detach-inheritance",)
    alias_notes = {
        "ban-detach-inheritance": "not reported when the table was created earlier in the migration (also with IF NOT "
        "EXISTS), nor in rollback scripts",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_DetachPartition", "AT_DropInherit")
    help = "detach only what no deployed release reads through the parent any more"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        table = existing_relation(ctx)
        if table is None:
            return
        if node.get("subtype") == "AT_DetachPartition":
            partition = qualified_name(node.get("def", {}).get("PartitionCmd", {}).get("name"))
            yield self.finding(
                f"detaching {display_name(partition)} from {display_name(table)}: queries of {RUNNING} on "
                f"{display_name(table)} no longer see its rows, and inserts for its range fail"
            )
        else:
            parent = qualified_name(node.get("def"))
            yield self.finding(
                f"{display_name(table)} NO INHERIT {display_name(parent)}: queries of {RUNNING} on "
                f"{display_name(parent)} no longer see its rows"
            )
