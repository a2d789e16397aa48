from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..objects import created_objects, dropped_objects
from ..runners import LAYOUTS
from ..runners.base import ONE_QUERY, query_index
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_from_names, qualified_name
from .base import StatementRule

if TYPE_CHECKING:
    from ..analysis import StatementFacts
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
    """An earlier ``DROP … IF EXISTS`` (or ``DROP CONSTRAINT IF EXISTS``) makes this creation re-runnable."""
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
    if not wanted and not constraints:
        return False
    for unit in ctx.facts.file.units[: ctx.facts.order]:
        earlier = unit.statement
        if earlier.kind == "DropStmt" and earlier.node.get("missing_ok"):
            dropped = {o.key for o in dropped_objects(earlier.node)}
            if earlier.node.get("removeType") == "OBJECT_TABLE":
                dropped |= {
                    ("table", qualified_from_names(name_list(o.get("List", {}).get("items"))))
                    for o in earlier.node.get("objects", ())
                }
            if wanted & dropped:
                return True
        elif earlier.kind == "AlterTableStmt" and constraints:
            table = qualified_name(earlier.node.get("relation"))
            for item in earlier.node.get("cmds", ()):
                cmd = item.get("AlterTableCmd", {})
                if cmd.get("subtype") == "AT_DropConstraint" and cmd.get("missing_ok"):
                    if (table, cmd.get("name")) in constraints:
                        return True
    return False


def _committed_before_more(ctx: StatementContext) -> bool:
    """The statement is committed, and another statement the runner records with it runs after that.

    What the runner records as one migration is the run the statement is in (a file, its up section, a
    Liquibase changeset: a changeset recorded before the next one fails is not run again).  The statement
    is committed at once in autocommit; at the first COMMIT after it (its own block's, or one inside the
    runner's transaction); at the end of its query string when it is in a string's implicit transaction;
    otherwise with the runner's transaction, at the end of the run.
    """
    facts = ctx.facts
    later = [u for u in facts.file.units[facts.order + 1 :] if u.statement.parent is None and u.run == facts.run]
    if not facts.in_transaction:
        return _runs_more(later)
    end = next((i for i, u in enumerate(later) if _ends_transaction(u)), None)
    if facts.implicit and not (facts.runner_transaction or facts.in_explicit_block):
        query = _query(ctx, facts)
        past = next((i for i, u in enumerate(later) if _query(ctx, u) != query), None)
        if past is not None and (end is None or past < end):
            return _runs_more(later[past:])  # PostgreSQL commits the query string's implicit transaction
    if end is None:
        return False  # committed with the rest of the run
    units = facts.file.units
    if _records_progress(units[facts.order : later[end].order]):
        return False
    return _runs_more(later[end + 1 :])


def _ends_transaction(unit: StatementFacts) -> bool:
    stmt = unit.statement
    return stmt.kind == "TransactionStmt" and stmt.node.get("kind") in _ENDS


def _runs_more(units: list[StatementFacts]) -> bool:
    return any(u.statement.kind != "TransactionStmt" for u in units)


def _query(ctx: StatementContext, unit: StatementFacts) -> int:
    stmt = unit.statement
    return query_index(stmt.start, stmt.index, unit.execution.delivery, ctx.file.shape.cuts)


def _records_progress(block: list[StatementFacts]) -> bool:
    """The block updates Alembic's version table: a migration of its own, recorded with its statements."""
    for unit in block:
        stmt = unit.statement
        if stmt.kind in ("UpdateStmt", "InsertStmt") and qualified_name(stmt.node.get("relation")).endswith(
            ".alembic_version"
        ):
            return True
    return False
