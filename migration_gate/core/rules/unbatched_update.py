from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import BACKFILL, Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_name, unwrap, walk
from .base import StatementRule

_RANGE_OPS = {"<", "<=", ">", ">="}
_KEY_COLUMNS = {"id", "ctid"}


class UnbatchedUpdate(StatementRule):
    """`UPDATE` / `DELETE` (or `INSERT … SELECT`) over an existing table in one unbounded statement.

    ## What it does
    Flags `UPDATE` and `DELETE` on an existing table whose `WHERE` does not
    bound the rows to a batch: no `WHERE` at all, or one that is neither a key
    range (`id BETWEEN … AND …`, `id >= … AND id < …`), nor a lookup by `id`,
    nor `IN (SELECT … LIMIT n)`. Also flags `INSERT … SELECT` that copies an
    existing table without such a bound. A filter like
    `WHERE preferences = '{}'` still touches every matching row at once.

    ## Why is this bad?
    One statement over millions of rows holds row locks on all of them until
    it commits (blocking the application's writes to those rows), generates a
    burst of WAL that replicas must replay, and bloats the table. Batches of a
    few thousand rows, each committed, keep every lock short.

    ## Example
    ```sql
    UPDATE users SET preferences = '{"theme": "light"}'::jsonb WHERE preferences = '{}'::jsonb;
    ```

    ## Use instead
    ```sql
    -- repeat (from a job or a loop) until it updates 0 rows
    UPDATE users SET preferences = '{"theme": "light"}'::jsonb
    WHERE id IN (SELECT id FROM users WHERE preferences = '{}'::jsonb LIMIT 5000);
    ```
    """

    code = "MG201"
    name = "unbatched-update"
    level = Severity.WARNING
    strict_level = Severity.ERROR
    node_types = ("UpdateStmt", "DeleteStmt", "InsertStmt")
    help = (
        "batch it: WHERE id >= :lo AND id < :lo + 5000 per transaction, or "
        "WHERE id IN (SELECT id FROM … WHERE … LIMIT 5000) repeated until no rows change "
        "(a background job for large tables)"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        kind = ctx.statement.kind
        if kind == "InsertStmt":
            yield from self._insert_select(node, ctx)
            return
        table = qualified_name(node.get("relation"))
        if ctx.is_new_table(table):
            return
        verb = "UPDATE" if kind == "UpdateStmt" else "DELETE"
        where = node.get("whereClause")
        if where is None:
            yield self.finding(
                f"{verb} on {display_name(table)} has no WHERE: it changes every row in one statement",
                at=node.get("relation"),
                table=table,
                hazard=BACKFILL,
            )
        elif not bounded(where):
            yield self.finding(
                f"{verb} on {display_name(table)} is not batched: its WHERE bounds neither a key "
                "range nor a LIMIT, so it changes every matching row in one statement",
                at=node.get("relation"),
                table=table,
                hazard=BACKFILL,
            )

    def _insert_select(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        _, select = unwrap(node.get("selectStmt"))
        if not select or select.get("valuesLists") or select.get("limitCount"):
            return
        sources = [qualified_name(v) for k, v in walk(select.get("fromClause")) if k == "RangeVar"]
        existing = [t for t in sources if not ctx.is_new_table(t)]
        if not existing:
            return
        where = select.get("whereClause")
        if where is not None and bounded(where):
            return
        target = display_name(qualified_name(node.get("relation")))
        yield self.finding(
            f"INSERT INTO {target} … SELECT copies {display_name(existing[0])} in one statement "
            f"({'no WHERE' if where is None else 'no key range or LIMIT'})",
            at=node.get("relation"),
            table=existing[0],
            hazard=BACKFILL,
        )


def bounded(where: Node) -> bool:
    """Does a WHERE clause limit the statement to a batch of rows?"""
    conjuncts = _conjuncts(where)
    lower: set[str] = set()
    upper: set[str] = set()
    for conjunct in conjuncts:
        kind, node = unwrap(conjunct)
        if kind == "SubLink" and _limited(node.get("subselect")):
            return True
        if kind != "A_Expr":
            continue
        expr_kind = node.get("kind")
        ops = name_list(node.get("name"))
        column = _column(node.get("lexpr"))
        if expr_kind == "AEXPR_BETWEEN" and column:
            return True
        if expr_kind == "AEXPR_OP" and ops and ops[0] in _RANGE_OPS:
            left, right = _column(node.get("lexpr")), _column(node.get("rexpr"))
            if left and not right:
                (lower if ops[0] in (">", ">=") else upper).add(left)
            elif right and not left:
                (upper if ops[0] in (">", ">=") else lower).add(right)
        elif expr_kind in ("AEXPR_OP", "AEXPR_IN", "AEXPR_OP_ANY") and column in _KEY_COLUMNS:
            rexpr_kind, rexpr = unwrap(node.get("rexpr"))
            if rexpr_kind == "SubLink" and not _limited(rexpr.get("subselect")):
                continue
            if ops and ops[0] in ("=",):
                return True
        if expr_kind in ("AEXPR_OP_ANY", "AEXPR_IN") and column:
            rexpr_kind, rexpr = unwrap(node.get("rexpr"))
            if rexpr_kind == "SubLink" and _limited(rexpr.get("subselect")):
                return True
    return bool(lower & upper)


def _conjuncts(expr: Node) -> list[Node]:
    kind, node = unwrap(expr)
    if kind == "BoolExpr" and node.get("boolop") == "AND_EXPR":
        return [c for arg in node.get("args", ()) for c in _conjuncts(arg)]
    return [expr]


def _column(expr: Node | None) -> str | None:
    kind, node = unwrap(expr)
    if kind == "ColumnRef":
        fields = name_list(node.get("fields"))
        return fields[-1] if fields else None
    return None


def _limited(subselect: Node | None) -> bool:
    """A sub-select with a LIMIT (an ARRAY(SELECT … LIMIT n) counts too)."""
    _, select = unwrap(subselect)
    return bool(select) and bool(select.get("limitCount"))
