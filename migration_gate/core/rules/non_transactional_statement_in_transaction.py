from __future__ import annotations

from collections.abc import Iterator

from ..analysis import nontransactional_reason
from ..context import StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule

_KINDS = (
    "IndexStmt",
    "DropStmt",
    "ReindexStmt",
    "VacuumStmt",
    "ClusterStmt",
    "AlterEnumStmt",
    "AlterTableStmt",
    "CreatedbStmt",
    "DropdbStmt",
    "AlterSystemStmt",
    "CreateTableSpaceStmt",
    "DropTableSpaceStmt",
)


class NonTransactionalStatementInTransaction(StatementRule):
    """A statement PostgreSQL refuses to run inside a transaction block is inside one.

    ## What it does
    Flags `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`,
    `REINDEX … CONCURRENTLY`, `VACUUM`, `ALTER TYPE … ADD VALUE` (before
    PostgreSQL 12), `DETACH PARTITION … CONCURRENTLY`, `CREATE DATABASE` and
    `ALTER SYSTEM` when they run in a transaction: between `BEGIN` and `COMMIT`,
    inside a `DO` block, or in a file the runner wraps in a transaction
    (`transaction: per-file`, or Flyway for statements it does not detect as
    non-transactional, such as `REINDEX … CONCURRENTLY`).

    ## Why is this bad?
    PostgreSQL rejects it ("cannot run inside a transaction block"): the
    migration fails in the deploy pipeline.

    ## Example
    ```sql
    BEGIN;
    CREATE INDEX CONCURRENTLY idx_products_name ON products (name);
    COMMIT;
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY idx_products_name ON products (name);
    ```
    """

    code = "MG104"
    family = "transaction"
    name = "non-transactional-statement-in-transaction"
    level = Severity.ERROR
    aliases = ("ban-concurrent-index-creation-in-transaction",)
    alias_notes = {
        "ban-concurrent-index-creation-in-transaction": "every statement PostgreSQL refuses in a transaction block "
        "(DROP INDEX, REINDEX and DETACH PARTITION … CONCURRENTLY, VACUUM, ALTER SYSTEM, …), also alone in a file the "
        "runner wraps; the COMMIT … BEGIN escape counts only where statements are sent one by one",
    }
    node_types = _KINDS
    help = (
        "move the statement to its own migration without BEGIN/COMMIT (with transaction: per-file, "
        "opt the file out: `-- migration-gate: no-transaction`, Diesel's metadata.toml "
        "run_in_transaction = false, or pop's .autocommit. file name)"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        reason = nontransactional_reason(ctx.statement, ctx.pg_version)
        if reason is None or not ctx.in_transaction:
            return
        yield self.finding(
            f"{reason} cannot run inside a transaction block, and here it runs in "
            f"{_where(ctx)}: PostgreSQL will reject the migration"
        )


def _where(ctx: StatementContext) -> str:
    if ctx.statement.parent is not None:
        return "a DO block (a DO block always runs in a transaction)"
    if ctx.facts.in_explicit_block:
        return "the transaction opened by BEGIN"
    mode = ctx.facts.file.mode
    if mode == "flyway":
        return "the transaction Flyway opens (Flyway does not detect this statement as non-transactional)"
    return f"the transaction the runner opens for the whole file (transaction: {mode})"
