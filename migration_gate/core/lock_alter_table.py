"""The locks ``ALTER TABLE`` takes: per subcommand (``AlterTableGetLockLevel``), then for the statement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .lock_effects import LockContext, LockEffect, pg_of
from .lockmodes import ACCESS_EXCLUSIVE, ACCESS_SHARE, SHARE_ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, stronger
from .rules.typechange import column_type_change
from .rules.volatility import default_rewrites
from .sqlnodes import Node, def_elems, qualified_name, unwrap

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
    pg = pg_of(ctx)
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
    rewrites, reason, _ = default_rewrites(column, pg_of(ctx), ctx.schema if ctx is not None else None)
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


def alter_table(node: Node, ctx: LockContext | None) -> Iterator[LockEffect]:
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
