"""What a re-run of a migration that stopped half-way meets (for ``non-idempotent-statement``): statements
whose second run fails, the ``DROP … IF EXISTS`` that prepares for one, and whether a statement is committed
before more of its migration runs."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from ..objects import created_objects
from ..runners.base import ONE_QUERY, query_index
from ..sqlnodes import qualified_name

if TYPE_CHECKING:
    from ..analysis import FileFacts, StatementFacts
    from ..context import StatementContext
    from ..parse import Statement

_ENDS = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}
#: Statements whose second run fails unless written with IF [NOT] EXISTS (or OR REPLACE).
CREATE_IF_NOT_EXISTS = {
    "CreateStmt": "CREATE TABLE",
    "CreateTableAsStmt": "CREATE TABLE AS",
    "CreateSeqStmt": "CREATE SEQUENCE",
    "CreateSchemaStmt": "CREATE SCHEMA",
    "CreateExtensionStmt": "CREATE EXTENSION",
    "IndexStmt": "CREATE INDEX",
}
CREATE_OR_REPLACE = {
    "ViewStmt": "CREATE VIEW",
    "CreateFunctionStmt": "CREATE FUNCTION",
    "CreateTrigStmt": "CREATE TRIGGER",
}
#: No IF NOT EXISTS form: robust only after a DROP … IF EXISTS of the same object.
CREATE_ONLY = {
    "CreateEnumStmt": "CREATE TYPE",
    "CompositeTypeStmt": "CREATE TYPE",
    "CreateDomainStmt": "CREATE DOMAIN",
    "CreatePolicyStmt": "CREATE POLICY",
}


def not_rerunnable(stmt: Statement) -> str | None:
    """What makes a second run of the statement fail, or None."""
    kind, node = stmt.kind, stmt.node
    if kind in CREATE_IF_NOT_EXISTS:
        if node.get("if_not_exists") or (kind == "CreateTableAsStmt" and node.get("if_not_exists")):
            return None
        if kind == "CreateStmt" and node.get("oncommit") == "ONCOMMIT_DROP":
            return None  # a temporary table gone at commit
        if kind == "IndexStmt" and not node.get("idxname"):
            return "an unnamed CREATE INDEX builds another index on every run"
        return f"{CREATE_IF_NOT_EXISTS[kind]} without IF NOT EXISTS"
    if kind in CREATE_OR_REPLACE:
        return None if node.get("replace") else f"{CREATE_OR_REPLACE[kind]} without OR REPLACE"
    if kind in CREATE_ONLY:
        return f"{CREATE_ONLY[kind]} (there is no IF NOT EXISTS: drop it IF EXISTS first)"
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


def dropped_first(ctx: StatementContext) -> bool:
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


def committed_before_more(ctx: StatementContext) -> bool:
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
