from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..runners import LAYOUTS
from ..runners.base import ONE_QUERY
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rerun import (
    CREATE_IF_NOT_EXISTS,
    CREATE_ONLY,
    CREATE_OR_REPLACE,
    committed_before_more,
    dropped_first,
    not_rerunnable,
)

if TYPE_CHECKING:
    from ..context import StatementContext


class NonIdempotentStatement(StatementRule):
    """A statement that makes a re-run fail, in a migration that can stop half-way.

    ## What it does
    Flags a `CREATE` without `IF NOT EXISTS` (or `OR REPLACE`), a `DROP`
    without `IF EXISTS`, `ADD COLUMN` without `IF NOT EXISTS`,
    `DROP COLUMN | CONSTRAINT` without `IF EXISTS`, `ADD CONSTRAINT`, a rename
    and `ADD VALUE` without `IF NOT EXISTS`, when the statement is committed
    before a later statement the runner records with it runs: the file runs
    without a transaction (Flyway with a non-transactional statement,
    `transaction: explicit` without `BEGIN`, a file opted out of the runner's
    transaction), its `BEGIN … COMMIT` block is followed by more statements,
    a `COMMIT` inside the runner's transaction ends it early, or it is in a
    query string the runner sends on its own (goose's `StatementBegin …
    StatementEnd` block) followed by more. What the runner records as one
    migration is the file or its up section, or a Liquibase changeset: a
    changeset recorded before the next one fails is not run again, so only
    the statements of its own changeset count. A `CREATE … ` after a
    `DROP … IF EXISTS` of the same object (or `ADD CONSTRAINT` after
    `DROP CONSTRAINT IF EXISTS`) is robust and not reported; neither is a
    block that records its own progress (an Alembic `UPDATE alembic_version`).

    `CREATE INDEX CONCURRENTLY` is reported even as the last statement:
    when it fails it leaves an INVALID index behind, so a re-run fails on the
    name, or, with `IF NOT EXISTS`, silently keeps the unusable index; an
    unnamed one is built a second time. Where statements reach PostgreSQL one
    at a time, drop a leftover first with `DROP INDEX CONCURRENTLY IF EXISTS`.
    Where the runner sends the file (section, changeset) as one query string
    (golang-migrate, sqlx `-- no-transaction`, dbmate `transaction:false`,
    Diesel `run_in_transaction = false`, Prisma up to 7.3, Liquibase
    `splitStatements:false`), that `DROP` would share the string's implicit
    transaction with the `CREATE INDEX CONCURRENTLY`, and PostgreSQL rejects
    both ("DROP INDEX CONCURRENTLY cannot run inside a transaction block"):
    keep the `CREATE INDEX CONCURRENTLY` alone in its file, and after a failed
    deploy drop the INVALID index by hand before the re-run
    (`SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid` lists
    them), or have the runner send statements one at a time where it can
    (golang-migrate's `x-multi-statement`, Prisma 7.4 and later). A separate
    migration that drops the leftover does not help: it is recorded as applied
    and is not run again before the re-run.

    Not reported in repeatable migrations (`non-idempotent-repeatable` checks
    those).

    ## Why is this bad?
    When a later statement fails (a lock timeout, a bad row), the statements
    before it stay applied, and the runner marks the migration failed. The
    fix is to run it again, and the re-run stops at the first statement that
    already happened: `relation "…" already exists`. Someone then edits the
    database by hand, in the middle of an incident.

    Level: a warning: nothing breaks until a migration fails half-way.

    ## Example
    ```sql
    -- V7__indexes.sql (Flyway runs it without a transaction: it has CONCURRENTLY)
    CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);
    CREATE INDEX CONCURRENTLY idx_orders_created_at ON orders (created_at);
    ```

    ## Use instead
    ```sql
    -- V7__indexes.sql
    DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;
    CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);
    DROP INDEX CONCURRENTLY IF EXISTS idx_orders_created_at;
    CREATE INDEX CONCURRENTLY idx_orders_created_at ON orders (created_at);
    ```
    """

    code = "MG126"
    family = "transaction"
    name = "non-idempotent-statement"
    level = Severity.WARNING
    aliases = ("prefer-robust-stmts",)
    alias_notes = {
        "prefer-robust-stmts": "only statements committed before a later one can fail (squawk: every statement outside "
        "a transaction, the last one too, which PostgreSQL rolls back by itself when it fails); statements that "
        "succeed when run twice (SET NOT NULL, ENABLE ROW LEVEL SECURITY, …) are not reported; CREATE INDEX "
        "CONCURRENTLY IF NOT EXISTS and unnamed ones are (an INVALID leftover is kept or duplicated)",
    }
    node_types = (
        *CREATE_IF_NOT_EXISTS,
        *CREATE_OR_REPLACE,
        *CREATE_ONLY,
        "DropStmt",
        "AlterTableStmt",
        "RenameStmt",
        "AlterEnumStmt",
    )
    in_do_blocks = False  # a DO block runs in one transaction of its own
    help = "write it so that it succeeds when run again (IF [NOT] EXISTS, OR REPLACE, DROP … IF EXISTS first)"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if ctx.file.migration.kind == "repeatable":
            return
        stmt = ctx.statement
        if stmt.kind == "IndexStmt" and node.get("concurrent"):
            if not ctx.in_transaction:  # inside one it fails at once (non-transactional-statement-in-transaction)
                yield from self._concurrent_index(node, ctx)
            return
        problem = not_rerunnable(stmt)
        if problem is None or dropped_first(ctx) or not committed_before_more(ctx):
            return
        yield self.finding(
            f"{problem}: if a later statement of this migration fails, a re-run fails here, because this one "
            "already happened"
        )

    def _concurrent_index(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        name = node.get("idxname")
        execution = ctx.facts.execution
        if execution.delivery == ONE_QUERY:
            # alone in its query string (else it would be in the string's implicit transaction): a DROP before it
            # in the same file would join that string, and both would run in one implicit transaction
            yield from self._alone_in_one_query(name, node, ctx)
            return
        if name is None:
            yield self.finding(
                "an unnamed CREATE INDEX CONCURRENTLY that fails leaves an INVALID index behind, and a re-run "
                "builds a second one: name the index and drop a leftover first"
            )
        elif not dropped_first(ctx):
            yield self.finding(
                f"CREATE INDEX CONCURRENTLY {name} leaves an INVALID index behind when it fails, and "
                f"{_rerun(node)}: drop a leftover first (DROP INDEX CONCURRENTLY IF EXISTS {name})"
            )

    def _alone_in_one_query(self, name: str | None, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        execution = ctx.facts.execution
        runner = LAYOUTS.get(ctx.file.migration.layout or "")
        assumed = f" ({execution.assumed})" if execution.assumed else ""
        why = (
            f"{execution.sends}, so a DROP INDEX CONCURRENTLY IF EXISTS in the same {_unit(execution.scope)} "
            "would share its implicit transaction, which PostgreSQL rejects"
        )
        help = (runner.split_hint if runner is not None else None) or (
            "keep the CREATE INDEX CONCURRENTLY alone in its migration; after a failed deploy, drop the INVALID "
            "index before the re-run (SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid lists them)"
        )
        if name is None:
            yield self.finding(
                "an unnamed CREATE INDEX CONCURRENTLY that fails leaves an INVALID index behind, and a re-run "
                f"builds a second one: name the index; {why}; before a re-run, drop a leftover by hand{assumed}",
                help=help,
            )
            return
        yield self.finding(
            f"CREATE INDEX CONCURRENTLY {name} leaves an INVALID index behind when it fails, and {_rerun(node)}: "
            f"{why}; before a re-run, drop a leftover by hand (DROP INDEX CONCURRENTLY IF EXISTS {name}){assumed}",
            help=help,
        )


def _rerun(node: Node) -> str:
    if node.get("if_not_exists"):
        return "IF NOT EXISTS then silently keeps the unusable index"
    return "a re-run then fails on the name"


def _unit(scope: str) -> str:
    return {"section": "section", "changeset": "changeset"}.get(scope, "file")
