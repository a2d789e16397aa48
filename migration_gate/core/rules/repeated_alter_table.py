from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..lockmodes import ACCESS_EXCLUSIVE
from ..locks import alter_table_command
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule

if TYPE_CHECKING:
    from ..context import StatementContext
    from ..parse import Statement

_TABLES = (None, "OBJECT_TABLE")


class RepeatedAlterTable(StatementRule):
    """Another `ALTER TABLE` on the table the previous statement altered (info).

    ## What it does
    Flags an `ALTER TABLE` on an existing table right after another
    `ALTER TABLE` on the same table, when both run in the same transaction
    state and every subcommand of both takes ACCESS EXCLUSIVE anyway (so
    nothing gets a weaker lock by being split off: `VALIDATE CONSTRAINT`,
    `ATTACH`/`DETACH PARTITION`, `SET STATISTICS`, … are left alone). An info
    finding, as eugene's W12.

    ## Why is this bad?
    Each statement queues for the ACCESS EXCLUSIVE lock again (outside a
    transaction, every one is a new wait behind running queries, and a new
    queue of blocked queries behind it), and each one that scans or rewrites
    the table does so again. One `ALTER TABLE t …, …` takes the lock once and
    does at most one scan or rewrite for all of its subcommands.

    Level: info: the statements are correct, only slower and more disruptive
    than they need to be.

    ## Example
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE users ADD COLUMN nickname text;
    ALTER TABLE users ADD COLUMN avatar_url text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE users ADD COLUMN nickname text, ADD COLUMN avatar_url text;
    ```
    """

    code = "MG125"
    name = "repeated-alter-table"
    level = Severity.INFO
    node_types = ("AlterTableStmt",)
    in_do_blocks = False
    help = "combine the subcommands into one ALTER TABLE, separated by commas"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("objtype") not in _TABLES:
            return
        table = qualified_name(node.get("relation"))
        if ctx.is_new_table(table) or not _all_access_exclusive(node, table, ctx):
            return
        previous = _previous_statement(ctx)
        if previous is None:
            return
        stmt, in_transaction = previous
        if (
            stmt.kind != "AlterTableStmt"
            or stmt.node.get("objtype") not in _TABLES
            or qualified_name(stmt.node.get("relation")) != table
            or in_transaction != ctx.in_transaction
            or not _all_access_exclusive(stmt.node, table, ctx)
        ):
            return
        line, _ = stmt.source.position(stmt.start)
        yield self.finding(
            f"ALTER TABLE {display_name(table)} again right after the one on line {line}: as one statement the "
            "table is locked once and scanned or rewritten at most once",
            at=node.get("relation"),
        )


def _all_access_exclusive(node: Node, table: str, ctx: StatementContext) -> bool:
    commands = [item["AlterTableCmd"] for item in node.get("cmds", ()) if "AlterTableCmd" in item]
    return bool(commands) and all(alter_table_command(cmd, table, ctx).mode == ACCESS_EXCLUSIVE for cmd in commands)


def _previous_statement(ctx: StatementContext) -> tuple[Statement, bool] | None:
    """The top-level statement before this one, and whether it runs in a transaction."""
    units = ctx.facts.file.units
    for unit in reversed(units[: ctx.facts.order]):
        if unit.statement.parent is None:
            return unit.statement, unit.in_transaction
    return None
