"""What a re-run of a migration that stopped half-way meets (for ``non-idempotent-statement``): statements
whose second run fails, the ``DROP … IF EXISTS`` that prepares for one, and whether a statement is committed
before more of its migration runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..objects import created_objects, dropped_objects
from ..runners.base import query_index
from ..sqlnodes import name_list, qualified_from_names, qualified_name

if TYPE_CHECKING:
    from ..analysis import StatementFacts
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


def committed_before_more(ctx: StatementContext) -> bool:
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
