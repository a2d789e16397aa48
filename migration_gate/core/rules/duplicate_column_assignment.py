from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, name_list, unwrap
from .base import StatementRule
from .rulekit import truncated_identifier

if TYPE_CHECKING:
    from ..context import StatementContext

#: Expressions whose output column PostgreSQL names ``?column?`` (FigureColnameInternal: no name).
_UNNAMED = {"A_Const", "A_Expr", "BoolExpr", "ParamRef", "NullTest", "BooleanTest"}
#: Expressions PostgreSQL names by a keyword (FigureColnameInternal, strength 1).
_KEYWORD = {"CaseExpr": "case", "A_ArrayExpr": "array", "RowExpr": "row", "CoalesceExpr": "coalesce"}


class DuplicateColumnAssignment(StatementRule):
    """The same column named twice where PostgreSQL requires distinct columns: the statement fails.

    ## What it does
    Flags a column named twice in `UPDATE … SET`, the column list of
    `INSERT` (and `ON CONFLICT … DO UPDATE SET`), the `UPDATE SET` and
    `INSERT` lists of `MERGE`, the columns of `CREATE TABLE` and of a composite
    type, and the output columns of `CREATE VIEW`, `CREATE TABLE … AS` and
    `SELECT … INTO` (names given, or the ones PostgreSQL derives: `?column?`
    for two unnamed constants, the column or function name otherwise). Names
    are compared as PostgreSQL stores them: unquoted names folded to lower
    case, and cut to 63 bytes. Assignments to different elements or fields of
    one column (`a[1]`, `a[2]`, `a.x`, `a.y`) are fine.

    ## Why is this bad?
    PostgreSQL rejects the whole statement (`multiple assignments to same
    column`, `column … specified more than once`): the migration fails when it
    runs, and in a deploy that is an outage of the deploy itself.

    Level: an error: the statement cannot succeed.

    ## Example
    ```sql
    UPDATE users SET status = 'active', status = 'inactive' WHERE id = 1;
    ```

    ## Use instead
    ```sql
    UPDATE users SET status = 'inactive' WHERE id = 1;
    ```
    """

    code = "MG701"
    name = "duplicate-column-assignment"
    level = Severity.ERROR
    aliases = ("ban-duplicate-column-assignments",)
    alias_notes = {
        "ban-duplicate-column-assignments": "output columns whose derived name is uncertain (SELECT *, less common "
        "expressions) are not compared",
    }
    node_types = (
        "UpdateStmt",
        "InsertStmt",
        "MergeStmt",
        "CreateStmt",
        "CreateForeignTableStmt",
        "CompositeTypeStmt",
        "ViewStmt",
        "CreateTableAsStmt",
        "SelectStmt",
    )
    help = "name each column once"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        for what, items in _lists(ctx.statement.kind, node):
            yield from self._duplicates(what, items)

    def _duplicates(self, what: str, items: list[tuple[str | None, bool, Node | None]]) -> Iterator[Finding]:
        seen: dict[str, bool] = {}  # name → assigned whole (no subscript or field)
        for name, whole, at in items:
            if name is None:
                continue
            key = truncated_identifier(name)
            if key in seen and (whole or seen[key]):
                yield self.finding(f"{what} {name} more than once: PostgreSQL rejects the statement", at=at)
            seen[key] = seen.get(key, False) or whole


def _targets(targets: list[Node] | None) -> list[tuple[str | None, bool, Node | None]]:
    found: list[tuple[str | None, bool, Node | None]] = []
    for item in targets or ():
        target = item.get("ResTarget", {})
        found.append((target.get("name"), not target.get("indirection"), item))
    return found


def _lists(kind: str, node: Node) -> Iterator[tuple[str, list[tuple[str | None, bool, Node | None]]]]:
    if kind == "UpdateStmt":
        yield "UPDATE assigns column", _targets(node.get("targetList"))
    elif kind == "InsertStmt":
        yield "INSERT names column", _targets(node.get("cols"))
        conflict = node.get("onConflictClause") or {}
        yield "ON CONFLICT DO UPDATE assigns column", _targets(conflict.get("targetList"))
    elif kind == "MergeStmt":
        for clause in node.get("mergeWhenClauses", ()):
            when = clause.get("MergeWhenClause", {})
            verb = (
                "MERGE … UPDATE assigns column"
                if when.get("commandType") == "CMD_UPDATE"
                else "MERGE … INSERT names column"
            )
            yield verb, _targets(when.get("targetList"))
    elif kind in ("CreateStmt", "CreateForeignTableStmt"):
        base = node.get("base", node) if kind == "CreateForeignTableStmt" else node
        columns = [e for e in base.get("tableElts", ()) if "ColumnDef" in e]
        yield "CREATE TABLE defines column", [(c["ColumnDef"].get("colname"), True, c) for c in columns]
    elif kind == "CompositeTypeStmt":
        yield (
            "CREATE TYPE defines attribute",
            [(c.get("ColumnDef", {}).get("colname"), True, c) for c in node.get("coldeflist", ())],
        )
    elif kind == "ViewStmt":
        yield "the view has column", _output(name_list(node.get("aliases")), node.get("query"))
    elif kind == "CreateTableAsStmt":
        into = node.get("into", {})
        yield "the new table has column", _output(name_list(into.get("colNames")), node.get("query"))
    elif kind == "SelectStmt" and node.get("intoClause"):
        into = node["intoClause"]
        yield "SELECT INTO gives the new table column", _output(name_list(into.get("colNames")), {"SelectStmt": node})


def _output(aliases: list[str], query: Node | None) -> list[tuple[str | None, bool, Node | None]]:
    """The output column names of a query, the given aliases first."""
    _, select = unwrap(query)
    while select.get("op") not in (None, "SETOP_NONE") and select.get("larg"):
        select = select["larg"]  # a set operation is named by its first branch
    names: list[tuple[str | None, bool, Node | None]] = []
    for position, item in enumerate(select.get("targetList", ())):
        if position < len(aliases):
            names.append((aliases[position], True, None))
        else:
            target = item.get("ResTarget", {})
            names.append((target.get("name") or _derived_name(target.get("val")), True, item))
    names.extend((alias, True, None) for alias in aliases[len(select.get("targetList", ())) :])
    return names


def _derived_name(value: Node | None) -> str | None:
    """The name PostgreSQL gives an unnamed output column, when it is certain (else None)."""
    name, strength = _figure(value)
    return name if strength > 0 or name == "?column?" else None


def _figure(value: Node | None) -> tuple[str | None, int]:
    kind, node = unwrap(value)
    if kind == "ColumnRef":
        fields = node.get("fields", [])
        last = fields[-1] if fields else {}
        return (last["String"]["sval"], 2) if "String" in last else (None, 0)
    if kind == "FuncCall":
        names = name_list(node.get("funcname"))
        return (names[-1], 2) if names else (None, 0)
    if kind == "A_Indirection":
        strings = [i["String"]["sval"] for i in node.get("indirection", ()) if "String" in i]
        return (strings[-1], 2) if strings else _figure(node.get("arg"))
    if kind == "TypeCast":
        name, strength = _figure(node.get("arg"))
        if strength <= 1:
            names = name_list(node.get("typeName", {}).get("names"))
            if names:
                return names[-1], 1
        return name, strength
    if kind in _KEYWORD:
        return _KEYWORD[kind], 1
    if kind in _UNNAMED:
        return "?column?", 0
    return None, 0
