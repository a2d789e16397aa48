"""The schema log: what each statement does to tables, columns, indexes, constraints and functions.

The pre-pass records every statement's effect as *events* in a :class:`SchemaLog`, keyed by the
statement's place (see :mod:`migration_gate.core.schema`); one recorder per statement kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .names import qualify
from .schema_functions import function_info
from .schema_info import RENAMED_FROM, RENAMED_TO, VALIDATED, CheckInfo, FunctionInfo, IndexInfo, Key
from .schema_names import check_name, column_info, column_refs
from .schema_names import foreign_key_name as foreign_key_name
from .schema_names import not_null_check_column as not_null_check_column
from .sqlnodes import Node, name_list, qualified_from_names, qualified_name, unwrap


@dataclass(slots=True)
class SchemaLog:
    """The schema events of one file (keys: statement order), or of many (keys: version key, order)."""

    tables: dict[str, list[tuple[Key, str, str | None]]] = field(default_factory=dict)
    columns: dict[tuple[str, str], list[tuple[Key, str, Any]]] = field(default_factory=dict)
    indexes: dict[str, list[tuple[Key, IndexInfo | None]]] = field(default_factory=dict)
    #: (table, constraint) → events: its definition, None once dropped, or ``"validated"``.
    checks: dict[tuple[str, str], list[tuple[Key, CheckInfo | str | None]]] = field(default_factory=dict)
    foreign_keys: dict[tuple[str, str], list[tuple[Key, str | None]]] = field(default_factory=dict)
    functions: dict[str, list[tuple[Key, FunctionInfo | None]]] = field(default_factory=dict)
    #: new index name → [(key, its old name)]: ``ALTER INDEX … RENAME`` of an index defined anywhere.
    index_renames: dict[str, list[tuple[Key, str]]] = field(default_factory=dict)
    # By table, kept beside the events above by the recorders and :meth:`merge`, so that a question about
    # one table reads that table's events only: a project's log holds every migration's, and reading all
    # of them for each question would make a long history's cost grow with its square.
    #: table → the index names defined on it at some point.
    index_names_by_table: dict[str, set[str]] = field(default_factory=dict)
    #: The tables that have column events.
    column_tables: set[str] = field(default_factory=set)
    #: table → (position in ``checks``, key) of its CHECK constraints, in the order they were first seen.
    checks_by_table: dict[str, list[tuple[int, tuple[str, str]]]] = field(default_factory=dict)
    #: table → (position in ``foreign_keys``, key) of its foreign keys, in the order they were first seen.
    foreign_keys_by_table: dict[str, list[tuple[int, tuple[str, str]]]] = field(default_factory=dict)

    # ------------------------------------------------------------------ recording

    def record(self, kind: str, node: Node, key: Key) -> None:
        """Record what one statement (``kind``, its node) does, at ``key``."""
        handler = _RECORDERS.get(kind)
        if handler is not None:
            handler(self, node, key)

    def merge(self, other: SchemaLog, prefix: Key) -> None:
        """Add another log's events, their keys prefixed (``(prefix, key)``); files usually come in order."""
        for family in ("tables", "columns", "indexes", "checks", "foreign_keys", "functions", "index_renames"):
            target: dict[Any, list[tuple[Any, ...]]] = getattr(self, family)
            for name, events in getattr(other, family).items():
                history = target.get(name)
                if history is None:
                    history = target[name] = []
                    self._first_seen(family, name)
                moved = [((prefix, event[0]), *event[1:]) for event in events]
                late = bool(history) and history[-1][0] > moved[0][0]
                history.extend(moved)
                if late:
                    history.sort(key=lambda event: event[0])

        for name, index_events in other.indexes.items():
            for _, info in index_events:
                if info is not None:
                    self.index_names_by_table.setdefault(info.table, set()).add(name)

    def _first_seen(self, family: str, name: Any) -> None:
        """Keep the by-table indexes of a key just added to ``family`` (the last of its dict)."""
        if family == "columns":
            self.column_tables.add(name[0])
        elif family == "checks":
            self.checks_by_table.setdefault(name[0], []).append((len(self.checks) - 1, name))
        elif family == "foreign_keys":
            self.foreign_keys_by_table.setdefault(name[0], []).append((len(self.foreign_keys) - 1, name))

    def _table(self, name: str, key: Key, action: str, other: str | None = None) -> None:
        self.tables.setdefault(name, []).append((key, action, other))

    def _column(self, table: str, column: str, key: Key, action: str, value: Any = None) -> None:
        history = self.columns.get((table, column))
        if history is None:
            history = self.columns[(table, column)] = []
            self.column_tables.add(table)
        history.append((key, action, value))

    def _index(self, index: str, key: Key, info: IndexInfo | None) -> None:
        self.indexes.setdefault(index, []).append((key, info))
        if info is not None:
            self.index_names_by_table.setdefault(info.table, set()).add(index)

    def _check(self, table: str, name: str, key: Key, event: CheckInfo | str | None) -> None:
        history = self.checks.get((table, name))
        if history is None:
            history = self.checks[(table, name)] = []
            self._first_seen("checks", (table, name))
        history.append((key, event))

    def _foreign_key(self, table: str, name: str, key: Key, referenced: str | None) -> None:
        history = self.foreign_keys.get((table, name))
        if history is None:
            history = self.foreign_keys[(table, name)] = []
            self._first_seen("foreign_keys", (table, name))
        history.append((key, referenced))


# --------------------------------------------------------------------------- recording statements


def _create_table(log: SchemaLog, node: Node, key: Key) -> None:
    table = qualified_name(node.get("relation"))
    log._table(table, key, "create")
    for element in node.get("tableElts", ()):
        kind, value = unwrap(element)
        if kind == "ColumnDef" and value.get("colname"):
            column = value["colname"]
            log._column(table, column, key, "define", column_info(value))
            for constraint in value.get("constraints", ()):
                _constraint(log, table, constraint.get("Constraint", {}), key, [column])
        elif kind == "Constraint":
            _constraint(log, table, value, key, None)


def _create_table_as(log: SchemaLog, node: Node, key: Key) -> None:
    if node.get("objtype") == "OBJECT_TABLE":
        log._table(qualified_name(node.get("into", {}).get("rel")), key, "create")


def _select_into(log: SchemaLog, node: Node, key: Key) -> None:
    into = node.get("intoClause")
    if into:
        log._table(qualified_name(into.get("rel")), key, "create")


def _constraint(log: SchemaLog, table: str, con: Node, key: Key, columns: list[str] | None) -> None:
    contype = con.get("contype")
    if contype == "CONSTR_FOREIGN" and con.get("pktable"):
        name = con.get("conname") or foreign_key_name(table, columns or name_list(con.get("fk_attrs")))
        log._foreign_key(table, name, key, qualified_name(con["pktable"]))
    elif contype == "CONSTR_CHECK":
        expr = con.get("raw_expr")
        read = frozenset(column_refs(expr))
        name = con.get("conname") or check_name(table, columns or sorted(read))
        info = CheckInfo(name, table, read, not_null_check_column(con), not con.get("skip_validation"))
        log._check(table, name, key, info)
    elif contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION") and not con.get("indexname"):
        keys = frozenset(columns or name_list(con.get("keys")))
        suffix = {"CONSTR_PRIMARY": "pkey", "CONSTR_UNIQUE": "key", "CONSTR_EXCLUSION": "excl"}[contype]
        base = table.rsplit(".", 1)[-1]
        name = con.get("conname") or (
            f"{base}_{suffix}" if contype == "CONSTR_PRIMARY" else f"{base}_{'_'.join(sorted(keys))}_{suffix}"
        )
        schema = table.rsplit(".", 1)[0]
        index = f"{schema}.{name[:63]}"
        log._index(index, key, IndexInfo(index, table, keys, True, True))


def _alter_table(log: SchemaLog, node: Node, key: Key) -> None:
    if node.get("objtype") not in ("OBJECT_TABLE", None):
        return
    table = qualified_name(node.get("relation"))
    for item in node.get("cmds", ()):
        cmd = item.get("AlterTableCmd")
        if not cmd:
            continue
        subtype = cmd.get("subtype")
        column_def = (cmd.get("def") or {}).get("ColumnDef") or {}
        if subtype == "AT_AddColumn" and column_def.get("colname"):
            column = column_def["colname"]
            log._column(table, column, key, "define", column_info(column_def))
            for constraint in column_def.get("constraints", ()):
                _constraint(log, table, constraint.get("Constraint", {}), key, [column])
        elif subtype == "AT_AlterColumnType" and cmd.get("name"):
            log._column(table, cmd["name"], key, "retype", column_info(column_def))
        elif subtype == "AT_DropColumn" and cmd.get("name"):
            log._column(table, cmd["name"], key, "drop")
        elif subtype == "AT_AddConstraint":
            _constraint(log, table, (cmd.get("def") or {}).get("Constraint", {}), key, None)
        elif subtype == "AT_ValidateConstraint" and cmd.get("name"):
            log._check(table, cmd["name"], key, VALIDATED)
        elif subtype == "AT_DropConstraint" and cmd.get("name"):
            log._foreign_key(table, cmd["name"], key, None)
            log._check(table, cmd["name"], key, None)


def _index(log: SchemaLog, node: Node, key: Key) -> None:
    if not node.get("idxname"):
        return
    relation = node.get("relation") or {}
    table = qualified_name(relation)
    index = qualify(relation.get("schemaname"), node["idxname"])
    columns: set[str] = set(column_refs(node.get("whereClause")))
    plain = not node.get("whereClause")
    for param in node.get("indexParams", ()):
        elem = param.get("IndexElem", {})
        if elem.get("name"):
            columns.add(elem["name"])
        else:
            columns.update(column_refs(elem.get("expr")))
            plain = False
    columns.update(
        p["IndexElem"]["name"] for p in node.get("indexIncludingParams", ()) if p.get("IndexElem", {}).get("name")
    )
    info = IndexInfo(index, table, frozenset(columns), plain, bool(node.get("unique")))
    log._index(index, key, info)


def _drop(log: SchemaLog, node: Node, key: Key) -> None:
    kind = node.get("removeType")
    names = [
        qualified_from_names(name_list(o.get("List", {}).get("items"))) for o in node.get("objects", ()) if "List" in o
    ]
    if kind == "OBJECT_TABLE":
        for table in names:
            log._table(table, key, "drop")
    elif kind == "OBJECT_INDEX":
        for index in names:
            log._index(index, key, None)
    elif kind == "OBJECT_FUNCTION":
        for item in node.get("objects", ()):
            _, func = unwrap(item)
            parts = name_list(func.get("objname"))
            if parts:
                log.functions.setdefault(qualified_from_names(parts), []).append((key, None))


def _rename(log: SchemaLog, node: Node, key: Key) -> None:
    kind = node.get("renameType")
    relation = node.get("relation")
    new = node.get("newname")
    if not relation or not new:
        return
    old = qualified_name(relation)
    schema = old.rsplit(".", 1)[0]
    if kind == "OBJECT_TABLE":
        renamed = f"{schema}.{new}"
        log._table(old, key, RENAMED_TO, renamed)
        log._table(renamed, key, RENAMED_FROM, old)
    elif kind == "OBJECT_COLUMN" and node.get("subname"):
        log._column(old, node["subname"], key, RENAMED_TO, new)
        log._column(old, new, key, RENAMED_FROM, node["subname"])
    elif kind == "OBJECT_INDEX":
        log._index(old, key, None)
        log.index_renames.setdefault(f"{schema}.{new}", []).append((key, old))


def _set_schema(log: SchemaLog, node: Node, key: Key) -> None:
    if node.get("objectType") == "OBJECT_TABLE" and node.get("relation") and node.get("newschema"):
        old = qualified_name(node["relation"])
        moved = f"{node['newschema']}.{old.rsplit('.', 1)[-1]}"
        log._table(old, key, RENAMED_TO, moved)
        log._table(moved, key, RENAMED_FROM, old)


def _create_function(log: SchemaLog, node: Node, key: Key) -> None:
    info = function_info(node)
    if info is not None:
        log.functions.setdefault(info.name, []).append((key, info))


_RECORDERS = {
    "CreateStmt": _create_table,
    "CreateTableAsStmt": _create_table_as,
    "SelectStmt": _select_into,
    "AlterTableStmt": _alter_table,
    "IndexStmt": _index,
    "DropStmt": _drop,
    "RenameStmt": _rename,
    "AlterObjectSchemaStmt": _set_schema,
    "CreateFunctionStmt": _create_function,
}
