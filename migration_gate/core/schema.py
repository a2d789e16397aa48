"""What migrations do to the schema, in order, and what that makes true at a given point.

The pre-pass records every statement's effect on tables, columns, indexes,
constraints and functions as *events* in a :class:`SchemaLog`, keyed by the
statement's place: its order within the file, or ``(version key, order)``
once :mod:`~migration_gate.core.earlier_schema` merges the files before it.
A :class:`SchemaView` answers questions "just before this statement": the
events of this file before it, then those of the migrations before the file.

Names are followed through renames (``ALTER TABLE a RENAME TO b``, ``RENAME
COLUMN``, ``SET SCHEMA``, ``ALTER INDEX … RENAME``): a question about ``b``
reads ``b``'s events back to the rename, then ``a``'s before it.  A question
nobody recorded anything about gets ``None`` (or an empty list), and the
callers say that the gate found no earlier definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .names import qualify
from .sqlnodes import Node, def_elems, name_list, qualified_from_names, qualified_name, unwrap, walk

#: Where an event happened: a statement's order in a file, or ``(version key, order)`` across files.
Key = Any

_RENAMED_FROM = "renamed-from"  # on the new name: the old name
_RENAMED_TO = "renamed-to"  # on the old name: the new name


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    type_name: Node | None  # the TypeName node
    collation: tuple[str, ...] = ()  # COLLATE name parts; () for the type's default


@dataclass(frozen=True, slots=True)
class IndexInfo:
    name: str  # schema-qualified
    table: str
    columns: frozenset[str]  # every column it reads: keys, expressions, the WHERE predicate
    plain: bool = True  # no expression and no predicate
    unique: bool = False

    def rebuilt_by_type_change(self, column: str, *, collation: bool) -> bool:
        """Does ``ALTER COLUMN … TYPE`` that keeps the table's rows rebuild this index?  PostgreSQL reuses
        an index only when it can prove it compatible (``CheckIndexCompatible``): never one with an
        expression or a predicate, and not a plain one whose column changes collation."""
        return column in self.columns and (not self.plain or collation)


@dataclass(frozen=True, slots=True)
class CheckInfo:
    name: str
    table: str
    columns: frozenset[str]  # the columns its expression reads
    not_null_column: str | None  # ``CHECK (col IS NOT NULL)`` (possibly AND-ed with more)
    validated: bool


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    name: str  # schema-qualified
    language: str
    volatility: str | None  # immutable | stable | volatile; None when the definition does not say
    #: For a SQL function PostgreSQL may inline: the expression of its single ``SELECT`` (else None).
    inline_expression: Node | None = None
    #: Why PostgreSQL does not inline it (SECURITY DEFINER, a SET clause, a FROM clause, …); empty if it may.
    not_inlined: str = ""


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
                history = target.setdefault(name, [])
                moved = [((prefix, event[0]), *event[1:]) for event in events]
                late = bool(history) and history[-1][0] > moved[0][0]
                history.extend(moved)
                if late:
                    history.sort(key=lambda event: event[0])

    def _table(self, name: str, key: Key, action: str, other: str | None = None) -> None:
        self.tables.setdefault(name, []).append((key, action, other))

    def _column(self, table: str, column: str, key: Key, action: str, value: Any = None) -> None:
        self.columns.setdefault((table, column), []).append((key, action, value))


def _all_table_events(log: SchemaLog) -> list[tuple[str, Key, str, str | None]]:
    events = [(name, key, action, other) for name, history in log.tables.items() for key, action, other in history]
    # Within one statement a rename is recorded on both names: apply the new name's side last.
    events.sort(key=lambda e: (e[1], e[2] == _RENAMED_FROM))
    return events


# --------------------------------------------------------------------------- the view

#: ``remote(kind, *args)``: the same questions asked of the migrations before this log (see
#: :class:`~migration_gate.core.earlier_schema.EarlierSchema`); kinds: ``column``, ``index``,
#: ``indexes_of``, ``checks_of``, ``foreign_keys_of``, ``function``.
Remote = Callable[..., Any]
_VALIDATED = "validated"  # a check event: VALIDATE CONSTRAINT of a check defined before


@dataclass(slots=True)
class _Lineage:
    """Where a table's events are, newest first: (name, upper bound, lower bound) per name it had."""

    spans: list[tuple[str, Key | None, Key | None]]
    created: bool  # created in this log (so nothing before it counts)
    gone: bool  # dropped, or renamed away, before the point asked about
    start: str | None  # its name where this log starts (for the earlier migrations), when it existed then


class SchemaView:
    """Questions about the schema just before ``upper`` in ``log`` (``None``: after all of it), with
    ``remote`` answering for what was there before the log started."""

    __slots__ = ("log", "new_before", "remote", "upper")

    def __init__(
        self, log: SchemaLog, upper: Key | None, remote: Remote | None = None, new_before: frozenset[str] = frozenset()
    ) -> None:
        self.log = log
        self.upper = upper
        self.remote = remote
        #: Tables new before the log starts (created by added migrations earlier in the change).
        self.new_before = new_before

    def _ask(self, kind: str, *args: str) -> Any:
        return self.remote(kind, *args) if self.remote is not None else None

    def _below(self, key: Key, upper: Key | None) -> bool:
        return upper is None or key < upper

    def lineage(self, table: str) -> _Lineage:
        spans: list[tuple[str, Key | None, Key | None]] = []
        name, bound = table, self.upper
        while True:
            event = next((e for e in reversed(self.log.tables.get(name, ())) if self._below(e[0], bound)), None)
            if event is None:
                spans.append((name, bound, None))
                return _Lineage(spans, False, False, name)
            key, action, other = event
            spans.append((name, bound, key))
            if action == _RENAMED_FROM and other is not None:
                name, bound = other, key
                continue
            return _Lineage(spans, action == "create", action != "create", None)

    # ------------------------------------------------------------------ tables

    def is_new_table(self, table: str) -> bool:
        """Created in this log before here, or new before it (``new_before``)."""
        lineage = self.lineage(table)
        if lineage.created:
            return True
        return lineage.start is not None and lineage.start in self.new_before

    def table_dropped(self, table: str) -> bool:
        """Dropped before here (and not created again)."""
        event = next((e for e in reversed(self.log.tables.get(table, ())) if self._below(e[0], self.upper)), None)
        return event is not None and event[1] == "drop"

    def index_gone(self, index: str) -> str | None:
        """Why the index no longer exists here, when this log dropped it (or the table it was on)."""
        event = next((e for e in reversed(self.log.indexes.get(index, ())) if self._below(e[0], self.upper)), None)
        if event is not None and event[1] is None:
            return "it is dropped earlier in this file"
        info = self.index(index)
        if info is not None and self.table_dropped(info.table):
            return f"its table {info.table} is dropped earlier in this file, and its indexes with it"
        return None

    def is_new_index(self, index: str) -> bool:
        """Created before here in this log (and not dropped since), or new before it (``new_before``)."""
        event = next((e for e in reversed(self.log.indexes.get(index, ())) if self._below(e[0], self.upper)), None)
        renamed = next(
            (e for e in reversed(self.log.index_renames.get(index, ())) if self._below(e[0], self.upper)), None
        )
        if renamed is not None and (event is None or renamed[0] > event[0]):
            return SchemaView(self.log, renamed[0], None, self.new_before).is_new_index(renamed[1])
        if event is not None:
            return event[1] is not None
        return index in self.new_before

    def new_relations(self) -> frozenset[str]:
        """The tables and indexes that are new after the log: ``new_before`` carried through its events
        (tables and indexes share one namespace in PostgreSQL, so one set holds both)."""
        alive = set(self.new_before)
        events: list[tuple[Key, int, str, str, str | None]] = []
        for name, key, action, other in _all_table_events(self.log):
            events.append((key, 0, name, action, other))
        for index, history in self.log.indexes.items():
            events.extend((key, 1, index, "create" if info is not None else "drop", None) for key, info in history)
        for new_name, renames in self.log.index_renames.items():
            events.extend((key, 2, old, _RENAMED_TO, new_name) for key, old in renames)
        events.sort(key=lambda e: (e[0], e[1]))
        for key, _, name, action, other in events:
            if not self._below(key, self.upper):
                continue
            if action == "create":
                alive.add(name)
            elif action == "drop":
                alive.discard(name)
            elif action == _RENAMED_TO and name in alive and other is not None:
                alive.discard(name)
                alive.add(other)
        return frozenset(alive)

    # ------------------------------------------------------------------ columns

    def column(self, table: str, column: str) -> ColumnInfo | None:
        """The column's type and collation as the statements before here left them."""
        lineage = self.lineage(table)
        if lineage.gone:
            return None
        name = column
        for table_name, upper, lower in lineage.spans:
            bound = upper
            while True:
                switched = False
                for key, action, value in reversed(self.log.columns.get((table_name, name), ())):
                    if not self._below(key, bound):
                        continue
                    if lower is not None and key < lower:
                        break
                    if action == _RENAMED_FROM:
                        name, bound, switched = value, key, True
                        break
                    if action in ("define", "retype"):
                        info: ColumnInfo = value
                        return info
                    return None  # dropped, or renamed away
                if not switched:
                    break
        if lineage.created or lineage.start is None:
            return None
        answer: ColumnInfo | None = self._ask("column", lineage.start, name)
        return answer

    # ------------------------------------------------------------------ indexes

    def index(self, index: str) -> IndexInfo | None:
        """An index as it is here (None: dropped, or never seen)."""
        event = next((e for e in reversed(self.log.indexes.get(index, ())) if self._below(e[0], self.upper)), None)
        renamed = next(
            (e for e in reversed(self.log.index_renames.get(index, ())) if self._below(e[0], self.upper)), None
        )
        if renamed is not None and (event is None or renamed[0] > event[0]):
            before = SchemaView(self.log, renamed[0], self.remote, self.new_before).index(renamed[1])
            return replace(before, name=index) if before is not None else None
        if event is not None:
            return event[1]
        answer: IndexInfo | None = self._ask("index", index)
        return answer

    def indexes_of(self, table: str) -> tuple[IndexInfo, ...] | None:
        """The table's indexes here (None: the gate saw no definition of the table)."""
        lineage = self.lineage(table)
        if lineage.gone:
            return ()
        names = {name for name, _, _ in lineage.spans}
        known: dict[str, IndexInfo] = {}
        seen = lineage.created
        if not lineage.created and lineage.start is not None:
            earlier: tuple[IndexInfo, ...] | None = self._ask("indexes_of", lineage.start)
            if earlier is not None:
                seen = True
                known = {info.name: info for info in earlier}
        if any(t in names for t, _ in self.log.columns):
            seen = True
        for index, history in self.log.indexes.items():
            for key, info in reversed(history):
                if not self._below(key, self.upper):
                    continue
                if info is None:
                    known.pop(index, None)
                elif info.table in names:
                    known[index] = replace(info, table=table) if info.table != table else info
                break
        for new_name, renames in self.log.index_renames.items():
            if any(self._below(key, self.upper) and old in known for key, old in renames):
                current = self.index(new_name)
                if current is not None:
                    known[new_name] = replace(current, table=table)
        if not seen:
            return None
        return tuple(known[name] for name in sorted(known))

    def indexes_on(self, table: str, column: str) -> list[IndexInfo] | None:
        """Indexes that read the column (None: the gate saw no definition of the table)."""
        indexes = self.indexes_of(table)
        if indexes is None:
            return None
        return [info for info in indexes if column in info.columns]

    # ------------------------------------------------------------------ constraints

    def checks_of(self, table: str) -> tuple[CheckInfo, ...]:
        """The table's CHECK constraints here."""
        lineage = self.lineage(table)
        if lineage.gone:
            return ()
        known: dict[str, CheckInfo] = {}
        if not lineage.created and lineage.start is not None:
            known = {c.name: c for c in self._ask("checks_of", lineage.start) or ()}
        names = {name for name, _, _ in lineage.spans}
        for (owner, conname), history in self.log.checks.items():
            if owner not in names:
                continue
            validated = False
            for key, info in reversed(history):
                if not self._below(key, self.upper):
                    continue
                if info == _VALIDATED:
                    validated = True
                    continue
                if info is None:
                    known.pop(conname, None)
                else:
                    found = info if isinstance(info, CheckInfo) else None
                    if found is not None:
                        known[conname] = replace(found, validated=True) if validated else found
                break
            else:
                if validated and conname in known:
                    known[conname] = replace(known[conname], validated=True)
        return tuple(known[name] for name in sorted(known))

    def checks_on(self, table: str, column: str) -> list[CheckInfo]:
        return [c for c in self.checks_of(table) if column in c.columns or c.not_null_column == column]

    def not_null_proven(self, table: str, column: str) -> bool:
        """A validated ``CHECK (column IS NOT NULL)`` exists: PostgreSQL 12+ skips SET NOT NULL's scan."""
        return any(c.validated and c.not_null_column == column for c in self.checks_of(table))

    def foreign_keys_of(self, table: str) -> dict[str, str]:
        """``{constraint: referenced table}`` of a table here."""
        lineage = self.lineage(table)
        if lineage.gone:
            return {}
        keys: dict[str, str] = {}
        if not lineage.created and lineage.start is not None:
            keys = dict(self._ask("foreign_keys_of", lineage.start) or {})
        names = {name for name, _, _ in lineage.spans}
        for (owner, conname), history in self.log.foreign_keys.items():
            if owner not in names:
                continue
            for key, referenced in reversed(history):
                if not self._below(key, self.upper):
                    continue
                if referenced is None:
                    keys.pop(conname, None)
                else:
                    keys[conname] = referenced
                break
        return {name: keys[name] for name in sorted(keys)}

    # ------------------------------------------------------------------ functions

    def function(self, name: str) -> FunctionInfo | None:
        for key, info in reversed(self.log.functions.get(name, ())):
            if self._below(key, self.upper):
                return info
        answer: FunctionInfo | None = self._ask("function", name)
        return answer


# --------------------------------------------------------------------------- recording statements


def _create_table(log: SchemaLog, node: Node, key: Key) -> None:
    table = qualified_name(node.get("relation"))
    log._table(table, key, "create")
    for element in node.get("tableElts", ()):
        kind, value = unwrap(element)
        if kind == "ColumnDef" and value.get("colname"):
            column = value["colname"]
            log._column(table, column, key, "define", _column_info(value))
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


def _column_info(column: Node) -> ColumnInfo:
    collation = tuple(name_list((column.get("collClause") or {}).get("collname")))
    return ColumnInfo(column.get("typeName"), collation)


def _constraint(log: SchemaLog, table: str, con: Node, key: Key, columns: list[str] | None) -> None:
    contype = con.get("contype")
    if contype == "CONSTR_FOREIGN" and con.get("pktable"):
        name = con.get("conname") or foreign_key_name(table, columns or name_list(con.get("fk_attrs")))
        log.foreign_keys.setdefault((table, name), []).append((key, qualified_name(con["pktable"])))
    elif contype == "CONSTR_CHECK":
        expr = con.get("raw_expr")
        read = frozenset(_column_refs(expr))
        name = con.get("conname") or _check_name(table, columns or sorted(read))
        info = CheckInfo(name, table, read, not_null_check_column(con), not con.get("skip_validation"))
        log.checks.setdefault((table, name), []).append((key, info))
    elif contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION") and not con.get("indexname"):
        keys = frozenset(columns or name_list(con.get("keys")))
        suffix = {"CONSTR_PRIMARY": "pkey", "CONSTR_UNIQUE": "key", "CONSTR_EXCLUSION": "excl"}[contype]
        base = table.rsplit(".", 1)[-1]
        name = con.get("conname") or (
            f"{base}_{suffix}" if contype == "CONSTR_PRIMARY" else f"{base}_{'_'.join(sorted(keys))}_{suffix}"
        )
        schema = table.rsplit(".", 1)[0]
        index = f"{schema}.{name[:63]}"
        log.indexes.setdefault(index, []).append((key, IndexInfo(index, table, keys, True, True)))


def _column_refs(expr: Any) -> Iterator[str]:
    for kind, node in walk(expr):
        if kind == "ColumnRef":
            fields = name_list(node.get("fields"))
            if fields:
                yield fields[-1]


def _check_name(table: str, columns: Sequence[str]) -> str:
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
            log._column(table, column, key, "define", _column_info(column_def))
            for constraint in column_def.get("constraints", ()):
                _constraint(log, table, constraint.get("Constraint", {}), key, [column])
        elif subtype == "AT_AlterColumnType" and cmd.get("name"):
            log._column(table, cmd["name"], key, "retype", _column_info(column_def))
        elif subtype == "AT_DropColumn" and cmd.get("name"):
            log._column(table, cmd["name"], key, "drop")
        elif subtype == "AT_AddConstraint":
            _constraint(log, table, (cmd.get("def") or {}).get("Constraint", {}), key, None)
        elif subtype == "AT_ValidateConstraint" and cmd.get("name"):
            log.checks.setdefault((table, cmd["name"]), []).append((key, _VALIDATED))
        elif subtype == "AT_DropConstraint" and cmd.get("name"):
            log.foreign_keys.setdefault((table, cmd["name"]), []).append((key, None))
            log.checks.setdefault((table, cmd["name"]), []).append((key, None))


def _index(log: SchemaLog, node: Node, key: Key) -> None:
    if not node.get("idxname"):
        return
    relation = node.get("relation") or {}
    table = qualified_name(relation)
    index = qualify(relation.get("schemaname"), node["idxname"])
    columns: set[str] = set(_column_refs(node.get("whereClause")))
    plain = not node.get("whereClause")
    for param in node.get("indexParams", ()):
        elem = param.get("IndexElem", {})
        if elem.get("name"):
            columns.add(elem["name"])
        else:
            columns.update(_column_refs(elem.get("expr")))
            plain = False
    columns.update(
        p["IndexElem"]["name"] for p in node.get("indexIncludingParams", ()) if p.get("IndexElem", {}).get("name")
    )
    info = IndexInfo(index, table, frozenset(columns), plain, bool(node.get("unique")))
    log.indexes.setdefault(index, []).append((key, info))


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
            log.indexes.setdefault(index, []).append((key, None))
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
        log._table(old, key, _RENAMED_TO, renamed)
        log._table(renamed, key, _RENAMED_FROM, old)
    elif kind == "OBJECT_COLUMN" and node.get("subname"):
        log._column(old, node["subname"], key, _RENAMED_TO, new)
        log._column(old, new, key, _RENAMED_FROM, node["subname"])
    elif kind == "OBJECT_INDEX":
        log.indexes.setdefault(old, []).append((key, None))
        log.index_renames.setdefault(f"{schema}.{new}", []).append((key, old))


def _set_schema(log: SchemaLog, node: Node, key: Key) -> None:
    if node.get("objectType") == "OBJECT_TABLE" and node.get("relation") and node.get("newschema"):
        old = qualified_name(node["relation"])
        moved = f"{node['newschema']}.{old.rsplit('.', 1)[-1]}"
        log._table(old, key, _RENAMED_TO, moved)
        log._table(moved, key, _RENAMED_FROM, old)


def _create_function(log: SchemaLog, node: Node, key: Key) -> None:
    parts = name_list(node.get("funcname"))
    if not parts:
        return
    name = qualified_from_names(parts)
    options = def_elems(node.get("options"))
    language = _option_text(options.get("language")) or "sql"
    volatility = _option_text(options.get("volatility"))
    blockers = []
    if _option_true(options.get("security")):
        blockers.append("it is SECURITY DEFINER")
    if "set" in options:
        blockers.append("it has a SET clause")
    expression = None
    if language.lower() == "sql":
        body = _sql_body(node, options)
        if body is None:
            blockers.append("its body is not a single SELECT")
        else:
            select = body
            if select.get("fromClause"):
                blockers.append("its SELECT has a FROM clause")
            elif len(select.get("targetList", ())) == 1 and not any(
                select.get(k) for k in ("whereClause", "groupClause", "havingClause", "sortClause", "limitCount")
            ):
                expression = select["targetList"][0].get("ResTarget", {}).get("val")
            else:
                blockers.append("its SELECT is not a single expression")
    else:
        blockers.append(f"it is written in {language} (only SQL functions are inlined)")
    info = FunctionInfo(
        name, language.lower(), volatility.lower() if volatility else None, expression, "; ".join(blockers)
    )
    log.functions.setdefault(name, []).append((key, info))


def _option_text(elem: Node | None) -> str | None:
    if not elem:
        return None
    kind, value = unwrap(elem.get("arg"))
    if kind == "String":
        return str(value.get("sval", ""))
    return None


def _option_true(elem: Node | None) -> bool:
    if not elem:
        return False
    kind, value = unwrap(elem.get("arg"))
    if kind == "Boolean":
        return bool(value.get("boolval"))
    return kind == ""


def _sql_body(node: Node, options: dict[str, Node]) -> Node | None:
    """The ``SelectStmt`` of a SQL function made of one SELECT (a string body or ``BEGIN ATOMIC``)."""
    body = node.get("sql_body")
    statements: list[Any] = []
    if body:
        for item in (body.get("List") or {}).get("items", ()):
            statements.extend((item.get("List") or {}).get("items", ()))
    else:
        as_elem = options.get("as")
        if not as_elem:
            return None
        kind, value = unwrap(as_elem.get("arg"))
        texts = [value.get("sval", "")] if kind == "String" else name_list(value.get("items")) if kind == "List" else []
        if len(texts) != 1:
            return None
        import json

        from pglast import parser

        try:
            parsed = json.loads(parser.parse_sql_json(texts[0]))
        except parser.ParseError:
            return None
        statements = [entry.get("stmt") for entry in parsed.get("stmts", ())]
    if len(statements) != 1:
        return None
    kind, select = unwrap(statements[0])
    if kind != "SelectStmt" or select.get("op", "SETOP_NONE") != "SETOP_NONE":
        return None
    return select


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
