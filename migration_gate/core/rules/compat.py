"""What the compatibility rules (MG6xx, and MG116–MG119) share.

A compatibility finding is about the application release that keeps running
while the migration is deployed (expand/contract): its reason is never a
lock, and its message says what breaks for that release.  A lock finding on
the same statement is a second, separate reason.

Not reported by any of them: rollback scripts (undoing the migration is their
purpose) and objects created earlier in the same migration (or, for tables,
by an earlier migration of the change set): no running release uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..names import display_name
from ..sqlnodes import Node, name_list, qualified_from_names

if TYPE_CHECKING:
    from ..context import StatementContext

#: Who a compatibility message is about.
RUNNING = "the application release still running during the deploy"


def undoing(ctx: StatementContext) -> bool:
    """A rollback script: undoing its migration is what it is for."""
    return ctx.file.migration.kind == "rollback"


def relation_kind(ctx: StatementContext) -> str:
    """``table``, ``foreign table``, ``view``, … for the ALTER statement being checked."""
    objtype = ctx.statement.node.get("objtype") or ctx.statement.node.get("relationType") or "OBJECT_TABLE"
    return {
        "OBJECT_FOREIGN_TABLE": "foreign table",
        "OBJECT_VIEW": "view",
        "OBJECT_MATVIEW": "materialized view",
        "OBJECT_TYPE": "type",
        "OBJECT_INDEX": "index",
    }.get(objtype, "table")


def existing_relation(ctx: StatementContext) -> str | None:
    """The ALTER statement's relation (qualified) when it exists before the migration, else None."""
    table = ctx.table
    kind = relation_kind(ctx)
    if kind in ("view", "materialized view"):
        return None if ctx.is_new_object("view", table) else table
    if kind == "type":
        return None if ctx.is_new_object("type", table) else table
    return None if ctx.is_new_table(table) else table


def domain_name(node: Node) -> str:
    """The qualified name of an ``ALTER DOMAIN``'s domain."""
    return qualified_from_names(name_list(node.get("typeName")))


def shown(qualified: str) -> str:
    return display_name(qualified)
