"""What the schema log reads off a definition: a column's type and collation, the columns an
expression reads, and the names PostgreSQL gives constraints that were not named.

Split from :mod:`migration_gate.core.schema_log` (which re-exports the public names).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .schema_info import ColumnInfo
from .sqlnodes import Node, name_list, unwrap, walk


def column_info(column: Node) -> ColumnInfo:
    collation = tuple(name_list((column.get("collClause") or {}).get("collname")))
    return ColumnInfo(column.get("typeName"), collation)


def column_refs(expr: Any) -> Iterator[str]:
    for kind, node in walk(expr):
        if kind == "ColumnRef":
            fields = name_list(node.get("fields"))
            if fields:
                yield fields[-1]


def check_name(table: str, columns: Sequence[str]) -> str:
    """The name PostgreSQL gives an unnamed CHECK: ``<table>_<first column>_check``."""
    base = table.rsplit(".", 1)[-1]
    return f"{base}_{columns[0]}_check"[:63] if columns else f"{base}_check"


def foreign_key_name(table: str, columns: list[str]) -> str:
    """The name PostgreSQL gives an unnamed foreign key: ``<table>_<columns>_fkey`` (63 bytes at most)."""
    return f"{table.rsplit('.', 1)[-1]}_{'_'.join(columns)}_fkey"[:63]


def not_null_check_column(con: Node) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` constraint (possibly AND-ed with more)."""
    if con.get("contype") != "CONSTR_CHECK":
        return None
    stack = [con.get("raw_expr")]
    while stack:
        kind, node = unwrap(stack.pop())
        if kind == "BoolExpr" and node.get("boolop") == "AND_EXPR":
            stack.extend(node.get("args", ()))
        elif kind == "NullTest" and node.get("nulltesttype") == "IS_NOT_NULL":
            arg_kind, arg = unwrap(node.get("arg"))
            if arg_kind == "ColumnRef":
                fields = name_list(arg.get("fields"))
                if fields:
                    return fields[-1]
    return None
