from __future__ import annotations

from collections.abc import Iterator

from ..analysis import nontransactional_reason
from ..context import StatementContext
from ..findings import Finding
from ..runners import LAYOUTS
from ..runners.base import ONE_QUERY, Runner
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
    inside a `DO` block, in the transaction the runner opens (its layout
    says when: goose wraps a file unless `-- +goose NO TRANSACTION`, drizzle
    always wraps every pending migration, Flyway wraps unless it detects the
    statement, `transaction: per-file`, …), or in a query string that holds
    other statements too: runners that send a whole file or section as one
    query (golang-migrate, sqlx, Diesel, dbmate, Prisma up to 7.3) make
    PostgreSQL run it as one implicit transaction, so such a statement must be
    alone in its file, even after a `COMMIT`. When that depends on an assumed
    runner version or setting, the finding is a warning that says so.

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
        facts = ctx.facts
        execution = facts.execution
        guess = facts.implicit and not (facts.runner_transaction or facts.in_explicit_block) and execution.assumed
        hint = _HINTS.get(ctx.file.migration.layout) if execution.mode == "runner" else None
        group = _group(ctx)
        if group is not None and not facts.runner_transaction:
            hint = group.group_hint  # the runner already sends statements one at a time: the group is the cause
        yield self.finding(
            f"{reason} cannot run inside a transaction block, and here it runs in {_where(ctx)}: PostgreSQL will "
            "reject the migration" + (f" ({execution.assumed})" if guess else ""),
            severity=Severity.WARNING if guess else None,
            help=hint,
        )


def _where(ctx: StatementContext) -> str:
    facts = ctx.facts
    execution = facts.execution
    if ctx.statement.parent is not None:
        return "a DO block (a DO block always runs in a transaction)"
    if facts.in_explicit_block:
        return "the transaction opened by BEGIN"
    mode = execution.mode
    if facts.runner_transaction:
        if mode == "flyway":
            return "the transaction Flyway opens (Flyway does not detect this statement as non-transactional)"
        if mode == "per-file":
            return f"the transaction the runner opens for the whole file (transaction: {mode})"
        if execution.batch:
            return f"the one transaction {execution.runner} opens for {execution.covers}"
        return f"the transaction {execution.runner} opens for {execution.covers}"
    group = _group(ctx)
    sends = group.group_rule if group is not None else execution.sends
    return (
        f"the implicit transaction of a query string that holds other statements too ({sends}; "
        "PostgreSQL runs several statements of one query as one transaction)"
    )


def _group(ctx: StatementContext) -> Runner | None:
    """The runner, when the statement is in one of its groups of statements sent as one query string
    (goose's ``StatementBegin … StatementEnd``) while it sends the rest one at a time."""
    facts = ctx.facts
    if not facts.implicit or facts.execution.delivery == ONE_QUERY or facts.execution.mode != "runner":
        return None
    runner = LAYOUTS.get(ctx.file.migration.layout or "")
    return runner if runner is not None and runner.group_rule else None


_HINTS = {name: layout.opt_out_hint for name, layout in LAYOUTS.items() if layout.opt_out_hint}
