"""Whether ``ALTER COLUMN … TYPE`` rewrites the table.

PostgreSQL skips the rewrite when the old type converts to the new one without
changing the stored bytes (binary coercible) and no value can fail the new
limit: ``varchar(n)`` → ``varchar(m ≥ n)``, ``varchar``/``text`` (either way,
without a length), ``numeric(p, s)`` → ``numeric(p' ≥ p, s)`` or unconstrained
``numeric``, ``varbit(n)`` → ``varbit(m ≥ n)``, ``cidr`` → ``inet``.  Everything
else rewrites (``int`` → ``bigint``, shrinking a length, any ``USING``).
``timestamp`` ↔ ``timestamptz`` rewrites unless the session time zone is UTC
(PostgreSQL 12+); the gate cannot see the runner's time zone and says so.

The column's current type comes from the migrations before this statement
(the same file first, then earlier migrations of the project).  When it is
unknown, widening to ``text`` / unconstrained ``varchar`` / ``numeric`` is
assumed free and any other target is assumed to rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..schema import SchemaView
from ..sqlnodes import Node, const_value, name_list, type_names

#: (base type, typmods, is array)
NormalType = tuple[str, tuple[Any, ...], bool]


_ALIASES = {
    "character varying": "varchar",
    "decimal": "numeric",
    "int": "int4",
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "bpchar": "bpchar",
    "varbit": "varbit",
    "bit varying": "varbit",
}
_TEXTUAL = {"text", "varchar"}


def normalise(type_name: Node | None) -> NormalType:
    """(base type, typmods, is array) of a TypeName node."""
    if not type_name:
        return "", (), False
    names = [n.lower() for n in type_names(type_name)]
    base = names[-1] if names else ""
    base = _ALIASES.get(base, base)
    mods = tuple(const_value(m) for m in type_name.get("typmods", ()) or ())
    return base, mods, bool(type_name.get("arrayBounds"))


def describe(type_name: Node | None) -> str:
    base, mods, array = normalise(type_name)
    text = base + (f"({', '.join(str(m) for m in mods)})" if mods else "")
    return text + ("[]" if array else "")


def no_rewrite(old: NormalType, new: NormalType) -> bool:
    (old_base, old_mods, old_array), (new_base, new_mods, new_array) = old, new
    if old_array != new_array:
        return False
    if old == new:
        return True
    if old_base in _TEXTUAL and new_base in _TEXTUAL:
        if not new_mods:
            return True  # to text / unlimited varchar
        if old_base == "varchar" and old_mods and new_base == "varchar":
            return _int(new_mods[0]) >= _int(old_mods[0])
        return False
    if old_base == new_base == "numeric":
        if not new_mods:
            return True
        if not old_mods:
            return False
        old_p, old_s = _int(old_mods[0]), _int(old_mods[1]) if len(old_mods) > 1 else 0
        new_p, new_s = _int(new_mods[0]), _int(new_mods[1]) if len(new_mods) > 1 else 0
        return new_s == old_s and new_p >= old_p
    if old_base == new_base == "varbit":
        return not new_mods or (bool(old_mods) and _int(new_mods[0]) >= _int(old_mods[0]))
    if (old_base, new_base) == ("cidr", "inet"):
        return True
    return False


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True, slots=True)
class TypeChange:
    """What ``ALTER COLUMN … TYPE`` does to the table besides taking ACCESS EXCLUSIVE."""

    rewrites: bool
    reason: str = ""  # why it rewrites (or why the gate assumes so)
    certain: bool = True  # False: the column's current type (or the table's indexes) is not known
    rebuilt: tuple[str, ...] = ()  # indexes rebuilt although the rows stay
    rechecked: tuple[str, ...] = ()  # CHECK constraints verified again with a full scan
    collation: bool = False  # the change sets another collation

    @property
    def scans(self) -> bool:
        return not self.rewrites and bool(self.rebuilt or self.rechecked)


def column_type_change(cmd: Node, table: str, schema: SchemaView | None) -> TypeChange:
    """What an ``AT_AlterColumnType`` command does, from the column's definition before it.

    Verified on PostgreSQL 15 (relfilenode, index OIDs, a CHECK counting its calls): a change that keeps
    the rows still rebuilds every index on the column with an expression or a predicate, every index on it
    when the collation changes, and re-checks every CHECK constraint that reads the column with a full scan.
    """
    column = cmd.get("name", "")
    definition = cmd.get("def", {}).get("ColumnDef", {})
    new_type = definition.get("typeName")
    new = normalise(new_type)
    if definition.get("raw_default"):
        return TypeChange(True, f"USING recomputes every value of {column}")
    info = schema.column(table, column) if schema is not None else None
    if info is None or info.type_name is None:
        if (new[0] in _TEXTUAL and not new[1]) or (new[0] == "numeric" and not new[1]):
            return _keeps_rows(column, table, schema, definition, None)
        return TypeChange(
            True,
            f"changing {column} to {describe(new_type)} rewrites the table unless the current type is "
            "binary-compatible, and the gate found no earlier definition of the column",
            certain=False,
        )
    old_type = info.type_name
    old = normalise(old_type)
    if no_rewrite(old, new):
        return _keeps_rows(column, table, schema, definition, info.collation)
    if {old[0], new[0]} == {"timestamp", "timestamptz"}:
        return TypeChange(
            True,
            f"{describe(old_type)} → {describe(new_type)} rewrites the table unless the session "
            "time zone is UTC (PostgreSQL 12+)",
        )
    return TypeChange(True, f"{describe(old_type)} → {describe(new_type)} is not binary-compatible")


def _keeps_rows(
    column: str, table: str, schema: SchemaView | None, definition: Node, old_collation: tuple[str, ...] | None
) -> TypeChange:
    new_collation = tuple(name_list((definition.get("collClause") or {}).get("collname")))
    collation = bool(new_collation) and new_collation != old_collation
    indexes = schema.indexes_on(table, column) if schema is not None else None
    checks = schema.checks_on(table, column) if schema is not None else []
    rebuilt = tuple(i.name for i in indexes or () if i.rebuilt_by_type_change(column, collation=collation))
    certain = indexes is not None and (not collation or old_collation is not None)
    return TypeChange(
        False, certain=certain, rebuilt=rebuilt, rechecked=tuple(c.name for c in checks), collation=collation
    )
