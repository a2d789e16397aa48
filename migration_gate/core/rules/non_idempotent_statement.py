from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..objects import created_objects
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule

if TYPE_CHECKING:
    from ..analysis import FileFacts
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
    before a later statement of the same file runs: the file runs without a
    transaction (Flyway with a non-transactional statement, `transaction:
    explicit` without `BEGIN`, a file opted out of the runner's transaction),
    or its `BEGIN … COMMIT` block is followed by more statements. A
    `CREATE … ` after a `DROP … IF EXISTS` of the same object (or
    `ADD CONSTRAINT` after `DROP CONSTRAINT IF EXISTS`) is robust and not
    reported; neither is a block that records its own progress (an Alembic
    `UPDATE alembic_version`).

    `CREATE INDEX CONCURRENTLY` is reported even as the last statement:
    when it fails it leaves an INVALID index behind, so a re-run fails on the
    name, or, with `IF NOT EXISTS`, silently keeps the unusable index; an
    unnamed one is built a second time. Drop a leftover first with
    `DROP INDEX CONCURRENTLY IF EXISTS`.

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
        if name is None:
            yield self.finding(
                "an unnamed CREATE INDEX CONCURRENTLY that fails leaves an INVALID index behind, and a re-run "
                "builds a second one: name the index and drop a leftover first"
            )
        elif not _prepared(ctx):
            hint = (
                "IF NOT EXISTS then silently keeps the unusable index"
                if node.get("if_not_exists")
                else "a re-run then fails on the name"
            )
            yield self.finding(
                f"CREATE INDEX CONCURRENTLY {name} leaves an INVALID index behind when it fails, and {hint}: "
                f"drop a leftover first (DROP INDEX CONCURRENTLY IF EXISTS {name})"
            )


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
    """The statement is committed, and another statement of the file runs after that.

    (From the pre-pass's transaction statements and writes: no walk over the statements after this one.)
    """
    facts = ctx.facts
    file = facts.file
    order = facts.order
    if facts.in_transaction:
        if file.runner_wraps:
            return False  # the whole file is one transaction
        commit = _next_end(file, order)
        if commit is None or _records_progress(file, order, commit):
            return False
        order = commit
    return file.last_top_level > order


def _next_end(file: FileFacts, order: int) -> int | None:
    """The first top-level COMMIT, ROLLBACK or PREPARE TRANSACTION after ``order``."""
    orders = file.transaction_statements
    for index in range(bisect_right(orders, order), len(orders)):
        end: int = orders[index]
        if file.units[end].statement.node.get("kind") in _ENDS:
            return end
    return None


def _records_progress(file: FileFacts, start: int, end: int) -> bool:
    """The statements ``start`` to ``end`` (excluded) update Alembic's version table: a migration of its
    own, recorded with its statements."""
    orders = file.writes_by_table_name.get("alembic_version", [])
    index = bisect_left(orders, start)
    return index < len(orders) and orders[index] < end
