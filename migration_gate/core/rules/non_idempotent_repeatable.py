from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import Finding
from ..names import display_name, qualify
from ..parse import Statement
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_from_names, qualified_name, unwrap
from .base import StatementRule

# statement → (what it creates, the Drop removeType that clears it first, the fix)
_CREATES = {
    "ViewStmt": ("view", ("OBJECT_VIEW",), "CREATE OR REPLACE VIEW"),
    "CreateFunctionStmt": (
        "function",
        ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"),
        "CREATE OR REPLACE FUNCTION",
    ),
    "CreateTrigStmt": (
        "trigger",
        ("OBJECT_TRIGGER",),
        "CREATE OR REPLACE TRIGGER (PostgreSQL 14+), or DROP TRIGGER IF EXISTS first",
    ),
    "RuleStmt": ("rule", ("OBJECT_RULE",), "CREATE OR REPLACE RULE"),
    "CreateStmt": ("table", ("OBJECT_TABLE",), "CREATE TABLE IF NOT EXISTS"),
    "IndexStmt": ("index", ("OBJECT_INDEX",), "CREATE INDEX IF NOT EXISTS"),
    "CreateSeqStmt": ("sequence", ("OBJECT_SEQUENCE",), "CREATE SEQUENCE IF NOT EXISTS"),
    "CreateSchemaStmt": ("schema", ("OBJECT_SCHEMA",), "CREATE SCHEMA IF NOT EXISTS"),
    "CreateExtensionStmt": ("extension", ("OBJECT_EXTENSION",), "CREATE EXTENSION IF NOT EXISTS"),
    "CreateEnumStmt": ("type", ("OBJECT_TYPE",), "DROP TYPE IF EXISTS first, or a DO block that checks pg_type"),
    "CompositeTypeStmt": ("type", ("OBJECT_TYPE",), "DROP TYPE IF EXISTS first, or a DO block that checks pg_type"),
    "CreateDomainStmt": ("domain", ("OBJECT_DOMAIN",), "DROP DOMAIN IF EXISTS first"),
    "CreatePolicyStmt": ("policy", ("OBJECT_POLICY",), "DROP POLICY IF EXISTS first"),
}


class NonIdempotentRepeatable(StatementRule):
    """A repeatable (`R__`) migration contains a statement that fails or duplicates data when it runs again.

    ## What it does
    Flyway re-runs a repeatable migration every time its checksum changes, on
    databases where it already ran. In `R__` files this rule reports `CREATE`
    statements without `OR REPLACE` / `IF NOT EXISTS` (views, functions,
    triggers, rules, tables, indexes, sequences, schemas, extensions), `CREATE
    TYPE` / `DOMAIN` / `POLICY` (which have neither), `ALTER TABLE … ADD
    COLUMN` without `IF NOT EXISTS`, and `INSERT` without `ON CONFLICT`, unless
    the same file drops (or, for `INSERT`, deletes from or truncates) the
    object earlier. Statements inside `DO` blocks are left alone: that is where
    guarded creation lives.

    ## Why is this bad?
    The first run works; the next edit of the file makes Flyway run it again,
    the `CREATE VIEW` fails with "relation already exists" and the deploy
    stops, or the `INSERT` silently doubles the rows.

    ## Example
    ```sql
    -- R__views.sql
    CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
    ```

    ## Use instead
    ```sql
    -- R__views.sql
    CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE active;
    ```
    """

    code = "MG309"
    family = "history"
    name = "non-idempotent-repeatable"
    level = Severity.ERROR
    node_types = (*_CREATES, "CreateTableAsStmt", "AlterTableStmt", "InsertStmt")
    in_do_blocks = False
    help = "make the statement re-runnable: OR REPLACE, IF NOT EXISTS, or drop the object first"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if ctx.file.migration.kind != "repeatable":
            return
        kind = ctx.statement.kind
        if kind in _CREATES:
            if node.get("replace") or node.get("if_not_exists"):
                return
            what, drop_types, fix = _CREATES[kind]
            name = _created_name(kind, node)
            if _dropped_before(ctx, drop_types, name):
                return
            yield self.finding(
                f"CREATE {what.upper()} {display_name(name)} fails when this repeatable migration runs "
                f"again (the {what} already exists): use {fix}",
                help=f"use {fix}",
            )
        elif kind == "CreateTableAsStmt":
            if node.get("if_not_exists"):
                return
            matview = node.get("objtype") == "OBJECT_MATVIEW"
            name = qualified_name((node.get("into") or {}).get("rel"))
            drop_types = ("OBJECT_MATVIEW",) if matview else ("OBJECT_TABLE",)
            if _dropped_before(ctx, drop_types, name):
                return
            what = "MATERIALIZED VIEW" if matview else "TABLE … AS"
            yield self.finding(
                f"CREATE {what} {display_name(name)} fails when this repeatable migration runs again: "
                "add IF NOT EXISTS, or drop it first",
                help="add IF NOT EXISTS, or drop it first",
            )
        elif kind == "AlterTableStmt":
            for cmd in node.get("cmds", ()):
                sub = cmd.get("AlterTableCmd", {})
                if sub.get("subtype") == "AT_AddColumn" and not sub.get("missing_ok"):
                    _, column = unwrap(sub.get("def"))
                    yield self.finding(
                        f"ADD COLUMN {column.get('colname', '?')} fails when this repeatable migration runs again "
                        "(the column exists): use ADD COLUMN IF NOT EXISTS",
                        at=sub.get("def"),
                        help="use ADD COLUMN IF NOT EXISTS",
                    )
        elif kind == "InsertStmt":
            if node.get("onConflictClause") is not None:
                return
            table = qualified_name(node.get("relation"))
            if _emptied_before(ctx, table):
                return
            yield self.finding(
                f"INSERT INTO {display_name(table)} adds the rows again each time this repeatable "
                "migration runs: use INSERT … ON CONFLICT DO NOTHING (or UPDATE), or delete first",
                help="use INSERT … ON CONFLICT, or DELETE/TRUNCATE the rows first",
            )


def _created_name(kind: str, node: Node) -> str:
    if kind == "ViewStmt":
        return qualified_name(node.get("view"))
    if kind == "CreateStmt":
        return qualified_name(node.get("relation"))
    if kind == "CreateSeqStmt":
        return qualified_name(node.get("sequence"))
    if kind == "CompositeTypeStmt":
        return qualified_name(node.get("typevar"))
    if kind == "IndexStmt":
        return qualify((node.get("relation") or {}).get("schemaname"), node.get("idxname") or "?")
    if kind == "CreateFunctionStmt":
        return qualified_from_names(name_list(node.get("funcname")))
    if kind == "CreateEnumStmt":
        return qualified_from_names(name_list(node.get("typeName")))
    if kind == "CreateDomainStmt":
        return qualified_from_names(name_list(node.get("domainname")))
    if kind == "CreateSchemaStmt":
        return node.get("schemaname") or "?"
    if kind == "CreateExtensionStmt":
        return node.get("extname") or "?"
    if kind == "CreateTrigStmt":
        return f"{node.get('trigname')} ON {display_name(qualified_name(node.get('relation')))}"
    if kind == "CreatePolicyStmt":
        return f"{node.get('policy_name')} ON {display_name(qualified_name(node.get('table')))}"
    if kind == "RuleStmt":
        return f"{node.get('rulename')} ON {display_name(qualified_name(node.get('relation')))}"
    return "?"


def _drop_names(drop: Node) -> list[str]:
    """The objects of a DROP, named the way :func:`_created_name` names them."""
    remove = drop.get("removeType")
    names = []
    for obj in drop.get("objects", ()):
        kind, inner = unwrap(obj)
        if kind == "List":
            parts = name_list(inner.get("items"))
        elif kind == "ObjectWithArgs":
            parts = name_list(inner.get("objname"))
        elif kind == "TypeName":
            parts = name_list(inner.get("names"))
        elif kind == "String":
            parts = [inner.get("sval", "?")]
        else:
            continue
        if remove in ("OBJECT_SCHEMA", "OBJECT_EXTENSION"):
            names.append(parts[-1] if parts else "?")
        elif remove in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE") and len(parts) >= 2:
            names.append(f"{parts[-1]} ON {display_name(qualified_from_names(parts[:-1]))}")
        else:
            names.append(qualified_from_names(parts))
    return names


def _earlier(ctx: StatementContext) -> list[Statement]:
    here = ctx.statement.index
    return [s for s in ctx.file.statements if s.index < here]


def _dropped_before(ctx: StatementContext, drop_types: tuple[str, ...], name: str) -> bool:
    for stmt in _earlier(ctx):
        if stmt.kind == "DropStmt" and stmt.node.get("removeType") in drop_types:
            if name in _drop_names(stmt.node):
                return True
    return False


def _emptied_before(ctx: StatementContext, table: str) -> bool:
    for stmt in _earlier(ctx):
        if stmt.kind == "DeleteStmt" and qualified_name(stmt.node.get("relation")) == table:
            return True
        if stmt.kind == "TruncateStmt" and table in (qualified_name(r) for r in stmt.node.get("relations", ())):
            return True
    return False
