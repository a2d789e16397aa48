from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..context import FileContext, StatementContext
from ..deploy_batch import NewEnumValue
from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_from_names, qualified_name, type_names, unwrap, walk
from .base import FileRule
from .held_locks import added_enum_value

_UNKNOWN = "?"  # a literal whose type the gate cannot tell


class EnumValueUsedBeforeCommit(FileRule):
    """A value added to an enum is used in the transaction that added it: PostgreSQL refuses it.

    ## What it does
    Follows each transaction of the migration (its own `BEGIN … COMMIT`, the
    one the runner wraps a file or section in, the implicit one of a query
    string that holds several statements, and the one a deploy batch runs all
    pending migrations in) and flags a later statement of the same transaction
    that uses a label `ALTER TYPE … ADD VALUE` added: a literal cast to the
    enum (`'refunded'::order_status`), or assigned to, compared with or used as
    the default of a column whose type the gate knows is that enum.

    A literal equal to the new label where the gate cannot tell its type (the
    column's definition is not in the migrations it read) is a warning that
    says so.

    ## Why is this bad?
    PostgreSQL keeps a value added in a transaction unusable until that
    transaction commits: `ERROR: unsafe use of new value "refunded" of enum
    type order_status` (SQLSTATE 55P04, "New enum values must be committed
    before they can be used"), also when the enum was created in the same
    transaction and also as a column default (verified on PostgreSQL 15). The
    migration fails and rolls back. A runner that sends a file as one query
    string (golang-migrate, sqlx, Diesel, dbmate sections, Prisma up to 7.3)
    runs the whole file in one implicit transaction, and drizzle, Flyway with
    `group = true` and Atlas with `--tx-mode all` run all pending migrations of
    a deploy in one, so there the use must wait for a later deploy.

    ## Example
    ```sql
    ALTER TYPE order_status ADD VALUE 'refunded';
    UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    ```

    ## Use instead
    Add the value in one migration and use it in a later one (with a runner
    that deploys all pending migrations in one transaction: a later deploy).
    ```sql
    -- V7__add_refunded.sql
    ALTER TYPE order_status ADD VALUE 'refunded';
    -- V8__backfill_refunded.sql, once V7 has committed:
    -- UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    ```
    """

    code = "MG151"
    family = "transaction"
    name = "enum-value-used-before-commit"
    level = Severity.ERROR
    example_config = {"transaction": "per-file"}
    help = (
        "use the new value in a later migration, after the transaction that adds it has committed (with a runner "
        "that deploys all pending migrations in one transaction: in a later deploy)"
    )

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        source, facts = ctx.source, ctx.facts
        if source is None or facts is None:
            return
        path = ctx.migration.display
        added_by: dict[int, dict[str, list[NewEnumValue]]] = {}  # transaction → label → its additions
        if ctx.batch is not None and facts.batch_transaction is not None:
            seeded = added_by.setdefault(facts.batch_transaction, {})
            for value in ctx.batch.enum_values:
                seeded.setdefault(value.label, []).append(value)
        for sctx in ctx.statement_contexts:
            transaction = sctx.facts.transaction
            if transaction is None:
                continue
            pending = added_by.setdefault(transaction, {})
            stmt = sctx.statement
            if pending:
                for const, enum in _literals(sctx, set(pending)):
                    label = str(const["sval"]["sval"])
                    matches = [v for v in pending[label] if enum in (_UNKNOWN, v.enum)]
                    if not matches:
                        continue
                    value = matches[-1]
                    where = f"at line {value.line}" if value.path == path else f"in {value.path} at line {value.line}"
                    batch = f" ({ctx.batch.phrase})" if ctx.batch is not None and value.path != path else ""
                    added = f"added to {display_name(value.enum)} {where} in this transaction{batch}"
                    start = stmt.locate(const.get("location"))
                    if enum == _UNKNOWN:
                        yield self.finding(
                            f"{label!r} was {added}: if this literal is read as a value of "
                            f"{display_name(value.enum)}, PostgreSQL refuses it (unsafe use of new value); the gate "
                            "could not tell its type (no earlier definition of the column was found)",
                            offset=start,
                            end_offset=stmt.end,
                            severity=Severity.WARNING,
                        )
                        continue
                    yield self.finding(
                        f"{label!r} is used as a value of {display_name(value.enum)}, {added}: PostgreSQL refuses "
                        f'it until that transaction commits (unsafe use of new value "{label}" of enum type '
                        f"{display_name(value.enum)}) and the migration fails",
                        offset=start,
                        end_offset=stmt.end,
                    )
            new = added_enum_value(sctx)
            if new is not None:
                line = source.position(stmt.start)[0]
                pending.setdefault(new[1], []).append(NewEnumValue(new[0], new[1], path, line))


def _literals(sctx: StatementContext, labels: set[str]) -> Iterator[tuple[Node, str]]:
    """The string literals of the statement equal to one of ``labels``, each with the type it is read as:
    a qualified type name, or ``?`` when the gate cannot tell."""
    typed: dict[int, str] = {}
    _type_literals(sctx, sctx.statement.kind, sctx.statement.node, typed)
    found = []
    for kind, node in walk(sctx.statement.node):
        if kind == "A_Const" and "sval" in node and node["sval"].get("sval") in labels:
            found.append((node.get("location", -1), id(node), node))
    for _, ident, node in sorted(found, key=lambda item: (item[0], item[1])):
        yield node, typed.get(ident, _UNKNOWN)


def _type_literals(sctx: StatementContext, kind: str, node: Node, typed: dict[int, str]) -> None:
    """Record in ``typed`` (by ``id`` of the A_Const) the type each literal is converted to, where known."""
    for inner_kind, inner in walk(node):
        if inner_kind == "TypeCast":
            const = _const(inner.get("arg"))
            if const is not None:
                typed[id(const)] = _type_of(inner.get("typeName"))
        elif inner_kind == "ColumnDef":
            column_type = _type_of(inner.get("typeName"))
            for constraint in inner.get("constraints", ()):
                con = constraint.get("Constraint", {})
                const = _const(con.get("raw_expr")) if con.get("contype") == "CONSTR_DEFAULT" else None
                if const is not None:
                    typed.setdefault(id(const), column_type)
    table = _single_table(kind, node)
    if kind == "InsertStmt" and table is not None:
        columns = [t.get("ResTarget", {}).get("name") for t in node.get("cols", ())]
        _, select = unwrap(node.get("selectStmt"))
        for row in select.get("valuesLists", ()):
            for column, value in zip(columns, row.get("List", {}).get("items", ())):
                _known(sctx, table, column, value, typed)
    if kind == "UpdateStmt" and table is not None:
        for target in node.get("targetList", ()):
            res = target.get("ResTarget", {})
            _known(sctx, table, res.get("name"), res.get("val"), typed)
    if kind == "AlterTableStmt" and table is not None:
        for cmd in node.get("cmds", ()):
            sub = cmd.get("AlterTableCmd", {})
            if sub.get("subtype") == "AT_ColumnDefault":
                _known(sctx, table, sub.get("name"), sub.get("def"), typed)
    if table is not None:
        for inner_kind, inner in walk(node):
            if inner_kind == "A_Expr":
                left, right = inner.get("lexpr"), inner.get("rexpr")
                column = _column(left)
                values = right.get("List", {}).get("items", ()) if right and "List" in right else [right]
                for value in values:
                    _known(sctx, table, column, value, typed)


def _single_table(kind: str, node: Node) -> str | None:
    if kind in ("InsertStmt", "UpdateStmt", "DeleteStmt", "AlterTableStmt"):
        return qualified_name(node.get("relation"))
    if kind == "SelectStmt":
        tables = [item for item in node.get("fromClause", ()) if "RangeVar" in item]
        if len(tables) == 1 and len(node.get("fromClause", ())) == 1:
            return qualified_name(tables[0])
    return None


def _known(sctx: StatementContext, table: str, column: str | None, value: Node | None, typed: dict[int, str]) -> None:
    const = _const(value)
    if const is None or column is None or id(const) in typed:
        return
    type_name = sctx.column_type(table, column)
    if type_name is not None:
        typed[id(const)] = _type_of(type_name)


def _column(node: Node | None) -> str | None:
    kind, ref = unwrap(node)
    if kind != "ColumnRef":
        return None
    names = name_list(ref.get("fields"))
    return names[-1] if names else None


def _const(node: Node | None) -> Node | None:
    kind, inner = unwrap(node)
    return inner if kind == "A_Const" and "sval" in inner else None


def _type_of(type_name: Any) -> str:
    if isinstance(type_name, dict) and "TypeName" in type_name:
        type_name = type_name["TypeName"]
    names = type_names(type_name)
    return qualified_from_names(names) if names else _UNKNOWN
