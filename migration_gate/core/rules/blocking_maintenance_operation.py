from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import REWRITE, Finding
from ..lockmodes import SHARE, STRENGTH
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import effect_phrase

_WHAT = {
    "VacuumStmt": "VACUUM FULL",
    "ClusterStmt": "CLUSTER",
    "LockStmt": "LOCK TABLE",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW",
    "TruncateStmt": "TRUNCATE",
}


class BlockingMaintenanceOperation(StatementRule):
    """`VACUUM FULL`, `CLUSTER`, `LOCK TABLE`, `REFRESH MATERIALIZED VIEW` or `TRUNCATE` in a migration.

    ## What it does
    Flags maintenance statements that hold a lock blocking reads or writes for
    as long as they run: `VACUUM FULL` and `CLUSTER` (rewrite the table under
    ACCESS EXCLUSIVE), `LOCK TABLE` in a mode that blocks writes,
    `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`, and `TRUNCATE`, on
    tables that exist before the migration.

    ## Why is this bad?
    Their duration grows with the table, and everything else waits. They
    belong in a scheduled maintenance job (or, for materialized views, the
    `CONCURRENTLY` form), not in a deploy.

    ## Example
    ```sql
    VACUUM FULL orders;
    ```

    ## Use instead
    ```sql
    -- schedule maintenance outside deploys; in a migration at most:
    ANALYZE orders;
    ```
    """

    code = "MG114"
    name = "blocking-maintenance-operation"
    level = Severity.ERROR
    aliases = ("prefer-repack",)
    alias_notes = {
        "prefer-repack": "VACUUM FULL and CLUSTER are reported on every pg_version (squawk: from 19, to suggest "
        "REPACK); LOCK TABLE, REFRESH MATERIALIZED VIEW and TRUNCATE too",
    }
    node_types = tuple(_WHAT)
    help = (
        "run maintenance from a scheduled job, use REFRESH MATERIALIZED VIEW CONCURRENTLY, "
        "or move the operation out of the deploy"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        kind = ctx.statement.kind
        if kind == "RefreshMatViewStmt" and node.get("concurrent"):
            return  # EXCLUSIVE on the view: reads continue
        if kind == "ClusterStmt" and not node.get("relation"):
            yield self.finding(
                "CLUSTER without a table re-clusters every table of the database that was clustered before, "
                "one after the other, each rewritten under an ACCESS EXCLUSIVE lock (blocks reads and writes); "
                "the gate cannot see which tables those are"
            )
            return
        for effect in ctx.locks:
            if STRENGTH[effect.mode] < STRENGTH[SHARE] or ctx.is_new_table(effect.table):
                continue
            if kind == "VacuumStmt" and not effect.rewrite:
                continue  # plain VACUUM / ANALYZE
            yield self.finding(
                f"{_WHAT[kind]} holds {effect_phrase(effect)} for as long as it runs",
                table=None if effect.index else effect.table,
                hazard=REWRITE if effect.rewrite and kind != "TruncateStmt" else None,
            )
