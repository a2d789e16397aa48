from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..lockmodes import ACCESS_EXCLUSIVE
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule
from .rulekit import lock_phrase

if TYPE_CHECKING:
    from ..context import StatementContext


class NonConcurrentPartitionDetach(StatementRule):
    """`DETACH PARTITION` without `CONCURRENTLY` (PostgreSQL 14+).

    ## What it does
    Flags `ALTER TABLE … DETACH PARTITION …` without `CONCURRENTLY` (or
    `FINALIZE`) on a partitioned table that exists before the migration,
    when the target `pg_version` is 14 or later. Before 14 there is no
    concurrent form to switch to, so nothing is reported.

    ## Why is this bad?
    A plain detach takes ACCESS EXCLUSIVE on the partitioned table and on the
    partition (checked on PostgreSQL 15: the parent, the partition and its
    indexes): every query on the parent, reads included, waits behind it, and
    it waits behind every running query. `DETACH PARTITION … CONCURRENTLY`
    takes SHARE UPDATE EXCLUSIVE and waits for running queries without
    blocking new ones.

    Level: an error, like the other non-concurrent forms.

    ## Example
    ```sql
    ALTER TABLE events DETACH PARTITION events_2023;
    ```

    ## Use instead
    ```sql
    -- in its own migration, outside a transaction block (it cannot run inside one):
    ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
    ```
    """

    code = "MG121"
    name = "non-concurrent-partition-detach"
    level = Severity.ERROR
    aliases = ("require-concurrent-partition-detach",)
    alias_notes = {
        "require-concurrent-partition-detach": "only from pg_version 14 (CONCURRENTLY does not exist before); not "
        "reported when the partitioned table was created earlier in the migration",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_DetachPartition",)
    help = (
        "use DETACH PARTITION … CONCURRENTLY in a migration that runs outside a transaction (not possible while a "
        "default partition exists; finish an interrupted one with … FINALIZE)"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        command = node.get("def", {}).get("PartitionCmd", {})
        if ctx.pg_version < 14 or command.get("concurrent"):
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        partition = display_name(qualified_name(command.get("name")))
        yield self.finding(
            f"DETACH PARTITION {partition} without CONCURRENTLY takes {lock_phrase(ACCESS_EXCLUSIVE, table)} and "
            f"on {partition}",
            at=command.get("name"),
        )
