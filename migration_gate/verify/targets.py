"""The tables a statement that runs outside a transaction works on, as the second connection watches them."""

from __future__ import annotations

from ..core.parse import Statement
from ..core.sqlnodes import name_list, unwrap


def split_tables(tables) -> list[list[str]]:
    return [t.split(".", 1) for t in tables]


def target_names(stmt: Statement) -> list[list[str]]:
    """Names (as written) of the relations a non-transactional statement works on."""
    node, kind = stmt.node, stmt.kind
    names: list[list[str]] = []

    def rangevar(rv) -> None:
        inner = (rv or {}).get("RangeVar", rv or {})
        if inner.get("relname"):
            names.append([p for p in (inner.get("schemaname"), inner["relname"]) if p])

    if kind == "IndexStmt":
        rangevar(node.get("relation"))
    elif kind == "DropStmt":
        for obj in node.get("objects", ()):
            parts = name_list(obj.get("List", {}).get("items")) if "List" in obj else name_list([obj])
            if parts:
                names.append(parts)
    elif kind == "ReindexStmt":
        rangevar(node.get("relation"))
    elif kind == "VacuumStmt":
        for rel in node.get("rels", ()):
            rangevar(rel.get("VacuumRelation", {}).get("relation"))
    elif kind == "AlterTableStmt":
        rangevar(node.get("relation"))
        for cmd in node.get("cmds", ()):
            _, partition = unwrap(cmd.get("AlterTableCmd", {}).get("def"))
            rangevar(partition.get("name"))
    return names


def _quote(parts: list[str]) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def resolve_targets(conn, names: list[list[str]]) -> dict[str, str]:
    """Tables to watch, as {schema.table: quoted name}; an index stands for its table."""
    out: dict[str, str] = {}
    for parts in names:
        row = conn.execute(
            "SELECT n.nspname, c.relname, c.relkind, tn.nspname, t.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid "
            "LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace "
            "WHERE c.oid = to_regclass(%s)",
            [_quote(parts)],
        ).fetchone()
        if row is None:
            continue
        schema, rel, relkind, table_schema, table = row
        if relkind in ("i", "I") and table:
            schema, rel = table_schema, table
        elif relkind not in ("r", "p", "m"):
            continue
        out[f"{schema}.{rel}"] = _quote([schema, rel])
    return out
