"""The locks each statement kind takes, one function per kind (ALTER TABLE has its own module).

:mod:`migration_gate.core.locks` maps statement kinds to these (see its docstring for the sources).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .lock_effects import LockContext, LockEffect, pg_of
from .lockmodes import (
    ACCESS_EXCLUSIVE,
    ACCESS_SHARE,
    EXCLUSIVE,
    MODES,
    ROW_EXCLUSIVE,
    ROW_SHARE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
)
from .sqlnodes import Node, name_list, option_on, qualified_from_names, qualified_name, unwrap

_LOCK_STMT_MODES = dict(enumerate(MODES, start=1))


def index(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    mode = SHARE_UPDATE_EXCLUSIVE if node.get("concurrent") else SHARE
    yield LockEffect(qualified_name(node.get("relation")), mode, scan=True)


def _index_owner(index: str, ctx: LockContext | None) -> str | None:
    return ctx.index_table(index) if ctx is not None else None


def drop(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    kind = node.get("removeType")
    objects = [name_list(o.get("List", {}).get("items")) for o in node.get("objects", ()) if "List" in o]
    if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
        for names in objects:
            table = qualified_from_names(names)
            yield LockEffect(table, ACCESS_EXCLUSIVE)
            if kind == "OBJECT_TABLE" and ctx is not None:
                # Dropping its foreign keys' triggers locks the tables they reference.
                for referenced in ctx.foreign_keys_of(table).values():
                    if referenced != table:
                        yield LockEffect(referenced, ACCESS_EXCLUSIVE)
    elif kind == "OBJECT_INDEX":
        mode = SHARE_UPDATE_EXCLUSIVE if node.get("concurrent") else ACCESS_EXCLUSIVE
        for names in objects:
            index = qualified_from_names(names)
            if ctx is not None and ctx.schema.index_gone(index):
                continue  # dropped earlier (or with its table): nothing left to lock (IF EXISTS), or an error
            owner = _index_owner(index, ctx)
            if owner is not None:
                yield LockEffect(owner, mode)
            else:  # the statement alone does not say which table: name the index
                yield LockEffect(index, mode, index=True)
    elif kind in ("OBJECT_TRIGGER", "OBJECT_RULE", "OBJECT_POLICY"):
        for names in objects:  # [schema.]table.name
            if len(names) >= 2:
                yield LockEffect(qualified_from_names(names[:-1]), ACCESS_EXCLUSIVE)


def truncate(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    for rel in node.get("relations", ()):
        yield LockEffect(qualified_name(rel), ACCESS_EXCLUSIVE, rewrite=True)


def vacuum(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    full = node.get("is_vacuumcmd") and option_on(node.get("options"), "full")
    for rel in node.get("rels", ()):
        relation = rel.get("VacuumRelation", {}).get("relation")
        if full:
            yield LockEffect(qualified_name(relation), ACCESS_EXCLUSIVE, rewrite=True)
        else:
            yield LockEffect(qualified_name(relation), SHARE_UPDATE_EXCLUSIVE)


def cluster(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("relation"):
        yield LockEffect(qualified_name(node["relation"]), ACCESS_EXCLUSIVE, rewrite=True)


def lock(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    mode = _LOCK_STMT_MODES.get(node.get("mode", 8), ACCESS_EXCLUSIVE)
    for rel in node.get("relations", ()):
        yield LockEffect(qualified_name(rel), mode)


def refresh(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("concurrent"):
        yield LockEffect(qualified_name(node.get("relation")), EXCLUSIVE)
    else:
        yield LockEffect(qualified_name(node.get("relation")), ACCESS_EXCLUSIVE, rewrite=True)


def reindex(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    concurrent = option_on(node.get("params"), "concurrently")
    relation = node.get("relation")
    if not relation:
        return
    kind = node.get("kind")
    if kind == "REINDEX_OBJECT_TABLE":
        yield LockEffect(qualified_name(relation), SHARE_UPDATE_EXCLUSIVE if concurrent else SHARE)
    elif kind == "REINDEX_OBJECT_INDEX":
        index = qualified_name(relation)
        yield LockEffect(
            index, SHARE_UPDATE_EXCLUSIVE if concurrent else ACCESS_EXCLUSIVE, rewrite=not concurrent, index=True
        )
        table = _index_owner(index, ctx)
        if table is not None:
            yield LockEffect(table, SHARE_UPDATE_EXCLUSIVE if concurrent else SHARE)


def _referenced_tables(node: Any, skip: set[str]) -> list[str]:
    """Tables a query reads (its RangeVars), excluding CTE names and ``skip``, in order."""
    rangevars: list[Node] = []
    ctes: set[str] = set()
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    dict_type, list_type = dict, list
    while stack:
        current = pop()
        if current.__class__ is dict_type:
            rangevar = current.get("RangeVar")
            if rangevar is not None:
                rangevars.append(rangevar)
                continue
            if "ColumnRef" in current or "A_Const" in current or "String" in current or "TypeName" in current:
                continue  # column names, literals, type names: no relation below them
            name = current.get("ctename")
            if name is not None:
                ctes.add(name)
            values: Iterable[Any] = current.values()
            if "valuesLists" in current:  # INSERT … VALUES rows: literals (seed data can hold thousands)
                values = [v for k, v in current.items() if k != "valuesLists"]
            for value in values:
                cls = value.__class__
                if cls is dict_type:
                    push(value)
                elif cls is list_type:
                    extend(value)
        elif current.__class__ is list_type:
            extend(current)
    names: list[str] = []
    for rangevar in reversed(rangevars):
        if not rangevar.get("schemaname") and rangevar.get("relname") in ctes:
            continue
        name = qualified_name(rangevar)
        if name not in skip and name not in names:
            names.append(name)
    return names


def dml(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    target = qualified_name(node.get("relation"))
    unbounded = "whereClause" not in node and "selectStmt" not in node and "cols" not in node
    yield LockEffect(target, ROW_EXCLUSIVE, scan=unbounded and "fromClause" not in node and "usingClause" not in node)
    rest = {k: v for k, v in node.items() if k != "relation"}
    for table in _referenced_tables(rest, {target}):
        yield LockEffect(table, ACCESS_SHARE)


def insert(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    target = qualified_name(node.get("relation"))
    yield LockEffect(target, ROW_EXCLUSIVE)
    rest = {k: v for k, v in node.items() if k != "relation"}
    for table in _referenced_tables(rest, {target}):
        yield LockEffect(table, ACCESS_SHARE)


def select(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    mode = ROW_SHARE if node.get("lockingClause") else ACCESS_SHARE
    if node.get("intoClause"):
        yield LockEffect(qualified_name(node["intoClause"].get("rel")), ACCESS_EXCLUSIVE)
    for table in _referenced_tables({k: v for k, v in node.items() if k != "intoClause"}, set()):
        yield LockEffect(table, mode)


def create_table(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    table = qualified_name(node.get("relation"))
    yield LockEffect(table, ACCESS_EXCLUSIVE)
    for parent in node.get("inhRelations", ()):
        mode = ACCESS_EXCLUSIVE if node.get("partbound") else SHARE_UPDATE_EXCLUSIVE
        yield LockEffect(qualified_name(parent), mode)
    for element in node.get("tableElts", ()):
        kind, value = unwrap(element)
        if kind == "TableLikeClause":
            yield LockEffect(qualified_name(value.get("relation")), ACCESS_SHARE)
        constraints = value.get("constraints", ()) if kind == "ColumnDef" else [element] if kind == "Constraint" else ()
        for constraint in constraints:
            con = constraint.get("Constraint", {})
            if con.get("contype") == "CONSTR_FOREIGN" and con.get("pktable"):
                referenced = qualified_name(con["pktable"])
                if referenced != table:
                    yield LockEffect(referenced, SHARE_ROW_EXCLUSIVE)


def create_table_as(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    into = node.get("into", {})
    yield LockEffect(qualified_name(into.get("rel")), ACCESS_EXCLUSIVE)
    for table in _referenced_tables(node.get("query"), set()):
        yield LockEffect(table, ACCESS_SHARE)


def view(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    view = qualified_name(node.get("view"))
    yield LockEffect(view, ACCESS_EXCLUSIVE)
    for table in _referenced_tables(node.get("query"), {view}):
        yield LockEffect(table, ACCESS_SHARE)


def trigger(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    yield LockEffect(qualified_name(node.get("relation")), SHARE_ROW_EXCLUSIVE)


def table_ddl_access_exclusive(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    yield LockEffect(qualified_name(node.get("relation") or node.get("table")), ACCESS_EXCLUSIVE)


def comment(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("objtype") in ("OBJECT_TABLE", "OBJECT_COLUMN", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        names = name_list(node.get("object", {}).get("List", {}).get("items"))
        if node.get("objtype") == "OBJECT_COLUMN":
            names = names[:-1]
        if names:
            yield LockEffect(qualified_from_names(names), SHARE_UPDATE_EXCLUSIVE)


def rename(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    kind = node.get("renameType")
    relation = node.get("relation")
    if not relation:
        return
    name = qualified_name(relation)
    if kind == "OBJECT_INDEX":
        yield LockEffect(name, SHARE_UPDATE_EXCLUSIVE if pg_of(ctx) >= 12 else ACCESS_EXCLUSIVE, index=True)
    elif kind in (
        "OBJECT_TABLE",
        "OBJECT_COLUMN",
        "OBJECT_TABCONSTRAINT",
        "OBJECT_VIEW",
        "OBJECT_MATVIEW",
        "OBJECT_TRIGGER",
        "OBJECT_RULE",
        "OBJECT_POLICY",
        "OBJECT_FOREIGN_TABLE",
    ):
        yield LockEffect(name, ACCESS_EXCLUSIVE)


def set_schema(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("objectType") in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and node.get("relation"):
        yield LockEffect(qualified_name(node["relation"]), ACCESS_EXCLUSIVE)


def create_stats(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    for rel in node.get("relations", ()):
        yield LockEffect(qualified_name(rel), SHARE_UPDATE_EXCLUSIVE)
