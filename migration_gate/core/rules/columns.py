"""Column definitions a statement introduces, for the type-hygiene rules."""

from __future__ import annotations

from collections.abc import Iterator

from ..sqlnodes import Node, qualified_name


def defined_columns(kind: str, node: Node) -> Iterator[tuple[str, Node]]:
    """(table, ColumnDef fields) for CREATE TABLE columns and ALTER TABLE ADD COLUMN."""
    if kind == "CreateStmt":
        table = qualified_name(node.get("relation"))
        for element in node.get("tableElts", ()):
            column = element.get("ColumnDef")
            if column:
                yield table, column
    elif kind == "AlterTableStmt":
        table = qualified_name(node.get("relation"))
        for item in node.get("cmds", ()):
            cmd = item.get("AlterTableCmd", {})
            if cmd.get("subtype") in ("AT_AddColumn", "AT_AlterColumnType"):
                column = cmd.get("def", {}).get("ColumnDef")
                if column:
                    if not column.get("colname"):
                        column = {**column, "colname": cmd.get("name")}
                    yield table, column
