from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..objects import created_objects
from ..runners import LAYOUTS
from ..runners.base import ONE_QUERY, query_index
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule

if TYPE_CHECKING:
    from ..analysis import FileFacts, StatementFacts
    from ..context import StatementContext
    from ..parse import Statement

_ENDS = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}
#: Statements whose second run fails unless written with IF [NOT] EXISTS (or OR REPLACE).
_CREATE_IF_NOT_EXISTS = {
    "CreateStmt": "CREATE TABLE",
    "CreateTableAsStmt": "CREATE TABLE AS",
    "CreateSeqStmt": "CREATE SEQUENCE",
    "CreateSchemaStmt": "CREATE SCHEMA",
    "CreateExtensionStmt": "CREATE EXTENSION",
    "IndexStmt": "CREATE INDEX",
}
_CREATE_OR_REPLACE = {
    "ViewStmt": "CREATE VIEW",
    "CreateFunctionStmt": "CREATE FUNCTION",
    "CreateTrigStmt": "CREATE TRIGGER",
}
#: No IF NOT EXISTS form: robust only after a DROP … IF EXISTS of the same object.
_CREATE_ONLY = {
    "CreateEnumStmt": "CREATE TYPE",
    "CompositeTypeStmt": "CREATE TYPE",
    "CreateDomainStmt": "CREATE DOMAIN",
    "CreatePolicyStmt": "CREATE POLICY",
}


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
        *_CREATE_IF_NOT_EXISTS,
        *_CREATE_OR_REPLACE,
        *_CREATE_ONLY,
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
        problem = _not_rerunnable(stmt)
        if problem is None or _prepared(ctx) or not _committed_before_more(ctx):
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
        elif not _prepared(ctx):
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


def _not_rerunnable(stmt: Statement) -> str | None:
    """What makes a second run of the statement fail, or None."""
    kind, node = stmt.kind, stmt.node
    if kind in _CREATE_IF_NOT_EXISTS:
        if node.get("if_not_exists") or (kind == "CreateTableAsStmt" and node.get("if_not_exists")):
            return None
        if kind == "CreateStmt" and node.get("oncommit") == "ONCOMMIT_DROP":
            return None  # a temporary table gone at commit
        if kind == "IndexStmt" and not node.get("idxname"):
            return "an unnamed CREATE INDEX builds another index on every run"
        return f"{_CREATE_IF_NOT_EXISTS[kind]} without IF NOT EXISTS"
    if kind in _CREATE_OR_REPLACE:
        return None if node.get("replace") else f"{_CREATE_OR_REPLACE[kind]} without OR REPLACE"
    if kind in _CREATE_ONLY:
        return f"{_CREATE_ONLY[kind]} (there is no IF NOT EXISTS: drop it IF EXISTS first)"
    if kind == "DropStmt":
        return None if node.get("missing_ok") else "DROP without IF EXISTS"
    if kind == "RenameStmt":
        return "a rename (the old name is gone on the second run)"
    if kind == "AlterEnumStmt":
        if node.get("oldVal") is not None:
            return "RENAME VALUE (the old label is gone on the second run)"
        return None if node.get("skipIfNewValExists") else "ADD VALUE without IF NOT EXISTS"
    if kind == "AlterTableStmt":
        for item in node.get("cmds", ()):
            cmd = item.get("AlterTableCmd", {})
            subtype = cmd.get("subtype")
            if subtype == "AT_AddColumn" and not cmd.get("missing_ok"):
                return "ADD COLUMN without IF NOT EXISTS"
            if subtype in ("AT_DropColumn", "AT_DropConstraint") and not cmd.get("missing_ok"):
                return f"DROP {'COLUMN' if subtype == 'AT_DropColumn' else 'CONSTRAINT'} without IF EXISTS"
            if subtype == "AT_AddConstraint":
                return "ADD CONSTRAINT (there is no IF NOT EXISTS: DROP CONSTRAINT IF EXISTS first)"
    return None


def _prepared(ctx: StatementContext) -> bool:
    """An earlier ``DROP … IF EXISTS`` (or ``DROP CONSTRAINT IF EXISTS``) makes this creation re-runnable.

    (The pre-pass keeps the first such drop of each object: one lookup per name, not a walk back over the
    statements before this one.)
    """
    stmt = ctx.statement
    wanted = set(created_objects(stmt))
    if stmt.kind == "CreateStmt":
        wanted.add(("table", qualified_name(stmt.node.get("relation"))))
    constraints: set[tuple[str, str]] = set()
    if stmt.kind == "AlterTableStmt":
        table = qualified_name(stmt.node.get("relation"))
        for item in stmt.node.get("cmds", ()):
            con = item.get("AlterTableCmd", {}).get("def", {}).get("Constraint", {})
            if item.get("AlterTableCmd", {}).get("subtype") == "AT_AddConstraint" and con.get("conname"):
                constraints.add((table, con["conname"]))
    order, file = ctx.facts.order, ctx.facts.file
    dropped, dropped_constraints = file.dropped_if_exists, file.constraints_dropped_if_exists
    return any(dropped.get(key, order) < order for key in wanted) or any(
        dropped_constraints.get(constraint, order) < order for constraint in constraints
    )


def _committed_before_more(ctx: StatementContext) -> bool:
    """The statement is committed, and another statement the runner records with it runs after that.

    What the runner records as one migration is the run the statement is in (a file, its up section, a
    Liquibase changeset: a changeset recorded before the next one fails is not run again).  The statement
    is committed at once in autocommit; at the first COMMIT after it (its own block's, or one inside the
    runner's transaction); at the end of its query string when it is in a string's implicit transaction;
    otherwise with the runner's transaction, at the end of the run.

    "The later statements" are the top-level ones of its run after it; the pre-pass's indexes of them
    answer each question by lookup (no walk over the rest of the file per statement).
    """
    facts = ctx.facts
    file = facts.file
    order = facts.order
    last = file.last_statement_by_run.get(facts.run, -1)  # the run's last statement other than BEGIN, COMMIT, …
    if not facts.in_transaction:
        return last > order
    end = _next_end(file, facts.run, order)
    if facts.implicit and not (facts.runner_transaction or facts.in_explicit_block):
        past = _next_query_string(ctx, facts)
        if past is not None and (end is None or past < end):
            return last >= past  # PostgreSQL commits the query string's implicit transaction
    if end is None:
        return False  # committed with the rest of the run
    if _records_progress(file, order, end):
        return False
    return last > end


def _next_end(file: FileFacts, run: int, order: int) -> int | None:
    """The first top-level COMMIT, ROLLBACK or PREPARE TRANSACTION of the run after ``order``."""
    orders = file.transaction_statements_by_run.get(run, [])
    for index in range(bisect_right(orders, order), len(orders)):
        end: int = orders[index]
        if file.units[end].statement.node.get("kind") in _ENDS:
            return end
    return None


def _next_query_string(ctx: StatementContext, facts: StatementFacts) -> int | None:
    """The first later top-level statement of the run sent in another query string than this one.

    The same grouping as :func:`~migration_gate.core.runners.base.query_index`: one string per run, the
    stretches between the runner's cuts, or each statement alone.
    """
    delivery = facts.execution.delivery
    if delivery == ONE_QUERY:
        return None
    file = facts.file
    orders = file.top_level_by_run.get(facts.run, [])
    first = bisect_right(orders, facts.order)
    if first == len(orders):
        return None
    cuts = ctx.file.shape.cuts
    if cuts is None:
        return orders[first]  # each statement is a string of its own
    after = query_index(facts.statement.start, facts.statement.index, delivery, cuts)  # the cut ending its string
    if after == len(cuts):
        return None
    units = file.units
    found = bisect_left(orders, cuts[after], lo=first, key=lambda o: units[o].statement.start)
    return orders[found] if found < len(orders) else None


def _records_progress(file: FileFacts, start: int, end: int) -> bool:
    """The statements ``start`` to ``end`` (excluded) update Alembic's version table: a migration of its
    own, recorded with its statements."""
    orders = file.writes_by_table_name.get("alembic_version", [])
    index = bisect_left(orders, start)
    return index < len(orders) and orders[index] < end
