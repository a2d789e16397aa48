"""The lock model: for one statement, which relations it locks, in which mode,
and whether it rewrites them (a new relation file: ``relfilenode`` changes) or
scans every row while holding the lock.

It follows PostgreSQL's documentation and, where they disagree, PostgreSQL
itself (``AlterTableGetLockLevel`` in ``tablecmds.c``); the test suite runs
each statement shape of ``fixtures/locks/`` on a real server and compares the
strongest mode per table and the rewrite flag with ``pg_locks`` and
``pg_class.relfilenode``.

Facts the statement does not state come from the file and the migrations
before it (:mod:`migration_gate.earlier_schema`): the table behind an index
name (``DROP INDEX``, ``REINDEX INDEX``), and the tables a table's foreign
keys reference (``DROP TABLE`` and ``DROP CONSTRAINT`` of a foreign key lock
them too).  When no earlier migration defines the index, the entry names the
index itself.  Not predicted: what ``CASCADE`` reaches (dependent views,
tables whose foreign keys point at a dropped or truncated table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from .lockmodes import (
    ACCESS_EXCLUSIVE,
    ACCESS_SHARE,
    EXCLUSIVE,
    LABEL,
    MODES,
    ROW_EXCLUSIVE,
    ROW_SHARE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    STRENGTH,
    stronger,
)
from .names import display_name
from .parse import Statement
from .rules.typechange import column_type_change
from .rules.volatility import default_rewrites
from .schema import SchemaView
from .sqlnodes import Node, def_elems, name_list, option_on, qualified_from_names, qualified_name, unwrap


class LockContext(Protocol):
    """What the lock model asks of the statement's context (``context.StatementContext`` answers)."""

    @property
    def pg_version(self) -> int: ...

    @property
    def schema(self) -> SchemaView: ...

    def index_table(self, index: str) -> str | None: ...

    def foreign_keys_of(self, table: str) -> dict[str, str]: ...

    def column_type(self, table: str, column: str) -> dict[str, Any] | None: ...

    def not_null_proven(self, table: str, column: str | None) -> bool: ...


_LOCK_STMT_MODES = dict(enumerate(MODES, start=1))


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class LockEffect:
    table: str  # schema-qualified relation name
    mode: str  # as pg_locks.mode spells it, e.g. "AccessExclusiveLock"
    rewrite: bool = False
    scan: bool = False
    index: bool = False  # the relation is an index (its table is not named in the statement)

    @property
    def blocks_writes(self) -> bool:
        return STRENGTH[self.mode] >= STRENGTH[SHARE]

    def describe(self) -> str:
        extra = [w for w, on in (("rewrite", self.rewrite), ("full scan", self.scan)) if on]
        return f"{LABEL[self.mode]} on {display_name(self.table)}" + (f", {', '.join(extra)}" if extra else "")


def merge(effects: Iterable[LockEffect]) -> list[LockEffect]:
    """One effect per relation: the strongest mode, rewrite/scan if any says so."""
    effects = list(effects)
    if len(effects) <= 1:
        return effects
    merged: dict[str, LockEffect] = {}
    for e in effects:
        old = merged.get(e.table)
        if old is None:
            merged[e.table] = e
        else:
            merged[e.table] = LockEffect(
                e.table, stronger(old.mode, e.mode), old.rewrite or e.rewrite, old.scan or e.scan, old.index and e.index
            )
    return sorted(merged.values(), key=lambda e: e.table)


def predict_locks(statement: Statement, ctx: LockContext | None = None) -> list[LockEffect]:
    handler = _HANDLERS.get(statement.kind)
    if handler is None:
        return []
    return merge(handler(statement.node, ctx))


# --------------------------------------------------------------------------- handlers

Handler = Callable[[Node, LockContext | None], Iterable[LockEffect]]


def _pg(ctx: LockContext | None) -> int:
    return ctx.pg_version if ctx is not None else 15


def _index(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    mode = SHARE_UPDATE_EXCLUSIVE if node.get("concurrent") else SHARE
    yield LockEffect(qualified_name(node.get("relation")), mode, scan=True)


def _index_owner(index: str, ctx: LockContext | None) -> str | None:
    return ctx.index_table(index) if ctx is not None else None


def _drop(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
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


def _truncate(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    for rel in node.get("relations", ()):
        yield LockEffect(qualified_name(rel), ACCESS_EXCLUSIVE, rewrite=True)


def _vacuum(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    full = node.get("is_vacuumcmd") and option_on(node.get("options"), "full")
    for rel in node.get("rels", ()):
        relation = rel.get("VacuumRelation", {}).get("relation")
        if full:
            yield LockEffect(qualified_name(relation), ACCESS_EXCLUSIVE, rewrite=True)
        else:
            yield LockEffect(qualified_name(relation), SHARE_UPDATE_EXCLUSIVE)


def _cluster(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("relation"):
        yield LockEffect(qualified_name(node["relation"]), ACCESS_EXCLUSIVE, rewrite=True)


def _lock(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    mode = _LOCK_STMT_MODES.get(node.get("mode", 8), ACCESS_EXCLUSIVE)
    for rel in node.get("relations", ()):
        yield LockEffect(qualified_name(rel), mode)


def _refresh(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("concurrent"):
        yield LockEffect(qualified_name(node.get("relation")), EXCLUSIVE)
    else:
        yield LockEffect(qualified_name(node.get("relation")), ACCESS_EXCLUSIVE, rewrite=True)


def _reindex(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
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


def _dml(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    target = qualified_name(node.get("relation"))
    unbounded = "whereClause" not in node and "selectStmt" not in node and "cols" not in node
    yield LockEffect(target, ROW_EXCLUSIVE, scan=unbounded and "fromClause" not in node and "usingClause" not in node)
    rest = {k: v for k, v in node.items() if k != "relation"}
    for table in _referenced_tables(rest, {target}):
        yield LockEffect(table, ACCESS_SHARE)


def _insert(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    target = qualified_name(node.get("relation"))
    yield LockEffect(target, ROW_EXCLUSIVE)
    rest = {k: v for k, v in node.items() if k != "relation"}
    for table in _referenced_tables(rest, {target}):
        yield LockEffect(table, ACCESS_SHARE)


def _select(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    mode = ROW_SHARE if node.get("lockingClause") else ACCESS_SHARE
    if node.get("intoClause"):
        yield LockEffect(qualified_name(node["intoClause"].get("rel")), ACCESS_EXCLUSIVE)
    for table in _referenced_tables({k: v for k, v in node.items() if k != "intoClause"}, set()):
        yield LockEffect(table, mode)


def _create_table(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
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


def _create_table_as(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    into = node.get("into", {})
    yield LockEffect(qualified_name(into.get("rel")), ACCESS_EXCLUSIVE)
    for table in _referenced_tables(node.get("query"), set()):
        yield LockEffect(table, ACCESS_SHARE)


def _view(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    view = qualified_name(node.get("view"))
    yield LockEffect(view, ACCESS_EXCLUSIVE)
    for table in _referenced_tables(node.get("query"), {view}):
        yield LockEffect(table, ACCESS_SHARE)


def _trigger(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    yield LockEffect(qualified_name(node.get("relation")), SHARE_ROW_EXCLUSIVE)


def _table_ddl_access_exclusive(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    yield LockEffect(qualified_name(node.get("relation") or node.get("table")), ACCESS_EXCLUSIVE)


def _comment(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("objtype") in ("OBJECT_TABLE", "OBJECT_COLUMN", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        names = name_list(node.get("object", {}).get("List", {}).get("items"))
        if node.get("objtype") == "OBJECT_COLUMN":
            names = names[:-1]
        if names:
            yield LockEffect(qualified_from_names(names), SHARE_UPDATE_EXCLUSIVE)


def _rename(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    kind = node.get("renameType")
    relation = node.get("relation")
    if not relation:
        return
    name = qualified_name(relation)
    if kind == "OBJECT_INDEX":
        yield LockEffect(name, SHARE_UPDATE_EXCLUSIVE if _pg(ctx) >= 12 else ACCESS_EXCLUSIVE, index=True)
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


def _set_schema(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("objectType") in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and node.get("relation"):
        yield LockEffect(qualified_name(node["relation"]), ACCESS_EXCLUSIVE)


def _create_stats(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    for rel in node.get("relations", ()):
        yield LockEffect(qualified_name(rel), SHARE_UPDATE_EXCLUSIVE)


# --------------------------------------------------------------------------- ALTER TABLE


#: Subcommands that take less than ACCESS EXCLUSIVE (``AlterTableGetLockLevel``); every other
#: subcommand, including ones PostgreSQL adds later, takes ACCESS EXCLUSIVE.
_CMD_LEVEL = {
    "AT_EnableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableAlwaysTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableReplicaTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_SetStatistics": SHARE_UPDATE_EXCLUSIVE,
    "AT_ClusterOn": SHARE_UPDATE_EXCLUSIVE,
    "AT_DropCluster": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ValidateConstraint": SHARE_UPDATE_EXCLUSIVE,
    "AT_AttachPartition": SHARE_UPDATE_EXCLUSIVE,
    "AT_DetachPartitionFinalize": SHARE_UPDATE_EXCLUSIVE,
    "AT_CheckNotNull": ACCESS_SHARE,
}
#: Storage parameters that ALTER TABLE SET (...) changes under SHARE UPDATE EXCLUSIVE
#: (``AlterTableGetRelOptionsLockLevel``); any other takes ACCESS EXCLUSIVE.
_LIGHT_RELOPTIONS = {
    "fillfactor",
    "autovacuum_enabled",
    "autovacuum_vacuum_threshold",
    "autovacuum_vacuum_insert_threshold",
    "autovacuum_analyze_threshold",
    "autovacuum_vacuum_cost_delay",
    "autovacuum_vacuum_cost_limit",
    "autovacuum_freeze_min_age",
    "autovacuum_freeze_max_age",
    "autovacuum_freeze_table_age",
    "autovacuum_multixact_freeze_min_age",
    "autovacuum_multixact_freeze_max_age",
    "autovacuum_multixact_freeze_table_age",
    "log_autovacuum_min_duration",
    "autovacuum_vacuum_scale_factor",
    "autovacuum_vacuum_insert_scale_factor",
    "autovacuum_analyze_scale_factor",
    "parallel_workers",
    "toast_tuple_target",
    "vacuum_index_cleanup",
    "vacuum_truncate",
    "user_catalog_table",
}
_REWRITING_CMDS = {"AT_SetTableSpace", "AT_SetAccessMethod", "AT_SetLogged", "AT_SetUnLogged"}


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class CommandEffect:
    """What one ALTER TABLE subcommand does to the table, and to other tables."""

    mode: str
    rewrite: bool = False
    scan: bool = False
    rewrite_reason: str = ""
    others: tuple[LockEffect, ...] = ()


def alter_table_command(cmd: Node, table: str, ctx: LockContext | None) -> CommandEffect:
    """The lock level and effects of one AlterTableCmd (fields of the node)."""
    subtype = cmd.get("subtype", "")
    mode = _CMD_LEVEL.get(subtype, ACCESS_EXCLUSIVE)
    pg = _pg(ctx)
    if subtype in ("AT_SetRelOptions", "AT_ResetRelOptions"):
        names = set(
            def_elems(
                cmd.get("def", {}).get("List", {}).get("items") if "List" in cmd.get("def", {}) else cmd.get("def")
            )
        )
        mode = SHARE_UPDATE_EXCLUSIVE if names and names <= _LIGHT_RELOPTIONS else ACCESS_EXCLUSIVE
    if subtype in _REWRITING_CMDS:
        return CommandEffect(mode, rewrite=True, rewrite_reason=subtype[3:])
    if subtype == "AT_AddColumn":
        return _add_column(cmd, table, ctx)
    if subtype == "AT_AlterColumnType":
        change = column_type_change(cmd, table, ctx.schema if ctx is not None else None)
        return CommandEffect(mode, rewrite=change.rewrites, scan=change.scans, rewrite_reason=change.reason)
    if subtype == "AT_SetNotNull":
        proven = ctx is not None and pg >= 12 and ctx.not_null_proven(table, cmd.get("name"))
        return CommandEffect(mode, scan=not proven)
    if subtype == "AT_AddConstraint":
        return _add_constraint(cmd.get("def", {}).get("Constraint", {}), table)
    if subtype == "AT_ValidateConstraint":
        return CommandEffect(mode, scan=True)
    if subtype == "AT_DropConstraint" and ctx is not None:
        referenced = ctx.foreign_keys_of(table).get(cmd.get("name", ""))
        others = (LockEffect(referenced, ACCESS_EXCLUSIVE),) if referenced and referenced != table else ()
        return CommandEffect(mode, others=others)
    if subtype in ("AT_AddInherit", "AT_DropInherit"):
        parent_mode = SHARE_UPDATE_EXCLUSIVE if subtype == "AT_AddInherit" else ACCESS_SHARE
        parent = cmd.get("def")
        others = (LockEffect(qualified_name(parent), parent_mode),) if parent else ()
        return CommandEffect(mode, others=others)
    if subtype == "AT_AttachPartition":
        _, partition = unwrap(cmd.get("def"))
        name = partition.get("name")
        others = (LockEffect(qualified_name(name), ACCESS_EXCLUSIVE, scan=True),) if name else ()
        return CommandEffect(mode, others=others)
    if subtype == "AT_DetachPartition":
        _, partition = unwrap(cmd.get("def"))
        concurrent = partition.get("concurrent")
        part_mode = SHARE_UPDATE_EXCLUSIVE if concurrent else ACCESS_EXCLUSIVE
        name = partition.get("name")
        others = (LockEffect(qualified_name(name), part_mode),) if name else ()
        return CommandEffect(part_mode, others=others)
    return CommandEffect(mode)


def _add_constraint(con: Node, table: str) -> CommandEffect:
    contype = con.get("contype")
    validated = not con.get("skip_validation")
    if contype == "CONSTR_FOREIGN":
        referenced = qualified_name(con.get("pktable"))
        others = (LockEffect(referenced, SHARE_ROW_EXCLUSIVE),) if referenced != table else ()
        return CommandEffect(SHARE_ROW_EXCLUSIVE, scan=validated, others=others)
    if contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"):
        using_index = bool(con.get("indexname"))
        return CommandEffect(ACCESS_EXCLUSIVE, scan=not using_index or contype == "CONSTR_PRIMARY")
    if contype == "CONSTR_CHECK":
        return CommandEffect(ACCESS_EXCLUSIVE, scan=validated)
    return CommandEffect(ACCESS_EXCLUSIVE)


def _add_column(cmd: Node, table: str, ctx: LockContext | None) -> CommandEffect:
    column = cmd.get("def", {}).get("ColumnDef", {})
    rewrites, reason, _ = default_rewrites(column, _pg(ctx), ctx.schema if ctx is not None else None)
    scan = False
    others: list[LockEffect] = []
    for constraint in column.get("constraints", ()):
        con = constraint.get("Constraint", {})
        contype = con.get("contype")
        if (contype == "CONSTR_CHECK" and not con.get("skip_validation")) or contype in (
            "CONSTR_PRIMARY",
            "CONSTR_UNIQUE",
        ):
            scan = True
        elif contype == "CONSTR_FOREIGN" and con.get("pktable"):
            referenced = qualified_name(con["pktable"])
            if referenced != table:
                others.append(LockEffect(referenced, SHARE_ROW_EXCLUSIVE))
    return CommandEffect(ACCESS_EXCLUSIVE, rewrite=rewrites, scan=scan, rewrite_reason=reason, others=tuple(others))


def _alter_table(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
    if node.get("objtype") not in (
        "OBJECT_TABLE",
        "OBJECT_MATVIEW",
        "OBJECT_FOREIGN_TABLE",
        "OBJECT_INDEX",
        "OBJECT_VIEW",
        None,
    ):
        return
    table = qualified_name(node.get("relation"))
    is_index = node.get("objtype") == "OBJECT_INDEX"
    mode = ACCESS_SHARE
    rewrite = scan = False
    others: list[LockEffect] = []
    for item in node.get("cmds", ()):
        cmd = item.get("AlterTableCmd")
        if cmd is None:
            continue
        effect = alter_table_command(cmd, table, ctx)
        mode = stronger(mode, effect.mode)
        rewrite |= effect.rewrite
        scan |= effect.scan
        others.extend(effect.others)
    yield LockEffect(table, mode, rewrite=rewrite, scan=scan and not rewrite, index=is_index)
    yield from others


_HANDLERS: dict[str, Handler] = {
    "IndexStmt": _index,
    "DropStmt": _drop,
    "TruncateStmt": _truncate,
    "VacuumStmt": _vacuum,
    "ClusterStmt": _cluster,
    "LockStmt": _lock,
    "RefreshMatViewStmt": _refresh,
    "ReindexStmt": _reindex,
    "UpdateStmt": _dml,
    "DeleteStmt": _dml,
    "InsertStmt": _insert,
    "SelectStmt": _select,
    "CreateStmt": _create_table,
    "CreateTableAsStmt": _create_table_as,
    "ViewStmt": _view,
    "CreateTrigStmt": _trigger,
    "RuleStmt": _table_ddl_access_exclusive,
    "CreatePolicyStmt": _table_ddl_access_exclusive,
    "AlterPolicyStmt": _table_ddl_access_exclusive,
    "CommentStmt": _comment,
    "RenameStmt": _rename,
    "AlterObjectSchemaStmt": _set_schema,
    "CreateStatsStmt": _create_stats,
    "AlterTableStmt": _alter_table,
}
