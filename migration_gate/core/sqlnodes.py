"""Small readers for pglast's JSON AST, shared by the analysis and the rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .names import qualify

Node = dict[str, Any]


def unwrap(wrapped: Node | None) -> tuple[str, Node]:
    """``{"RangeVar": {...}}`` → ``("RangeVar", {...})``."""
    if not wrapped:
        return "", {}
    ((kind, node),) = wrapped.items()
    return kind, node


def qualified_name(rangevar: Node | None) -> str:
    """A RangeVar's table as ``schema.table`` (unqualified names are ``public.``)."""
    if not rangevar:
        return "?"
    if "RangeVar" in rangevar:
        rangevar = rangevar["RangeVar"]
    return qualify(rangevar.get("schemaname"), rangevar.get("relname", "?"))


def name_list(items: list[Any] | None) -> list[str]:
    """``[{"String": {"sval": "a"}}, …]`` → ``["a", …]``."""
    return [item["String"]["sval"] for item in items or () if "String" in item]


def qualified_from_names(names: list[str]) -> str:
    if len(names) >= 2:
        return f"{names[-2]}.{names[-1]}"
    return qualify(None, names[0]) if names else "?"


def def_elems(items: list[Any] | None) -> dict[str, Node]:
    """Options as ``{defname: DefElem}``."""
    result: dict[str, Node] = {}
    for item in items or ():
        if "DefElem" in item:
            result[item["DefElem"].get("defname", "")] = item["DefElem"]
    return result


def option_on(items: list[Any] | None, name: str) -> bool:
    """Is the boolean option ``name`` of a parenthesised list (``REINDEX (CONCURRENTLY false)``,
    ``VACUUM (FULL)``) turned on?  Its value counts, not its presence: ``false``, ``off`` and ``0``
    turn it off, and an option without a value is on (PostgreSQL's ``defGetBoolean``)."""
    elem = def_elems(items).get(name)
    if elem is None:
        return False
    kind, value = unwrap(elem.get("arg"))
    if not kind:
        return True
    if kind == "Boolean":
        return bool(value.get("boolval"))
    if kind == "Integer":
        return bool(value.get("ival", 0))
    text = str(value.get("sval", "")).lower()
    return text not in ("false", "off", "0", "no")


def type_names(type_name: Node | None) -> list[str]:
    """A TypeName's name parts, e.g. ``["pg_catalog", "int4"]``."""
    if not type_name:
        return []
    return name_list(type_name.get("names"))


def const_value(node: Node | None) -> Any:
    """The Python value of an ``A_Const`` (or ``TypeCast`` of one), else ``None``."""
    if not node:
        return None
    kind, inner = unwrap(node)
    if kind == "TypeCast":
        return const_value(inner.get("arg"))
    if kind != "A_Const":
        return None
    if inner.get("isnull"):
        return None
    for key in ("sval", "ival", "fval", "boolval", "bsval"):
        if key in inner:
            value = inner[key]
            if isinstance(value, dict):
                return value.get(key, 0 if key == "ival" else False if key == "boolval" else "")
            return value
    return None


def walk(node: Any) -> Iterator[tuple[str, Node]]:
    """Every wrapped node below ``node`` (depth first), as (kind, fields)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if len(current) == 1:
                ((key, value),) = current.items()
                if key[:1].isupper() and isinstance(value, dict):
                    yield key, value
                    stack.append(value)
                    continue
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def location_of(node: Node | None) -> int | None:
    """The byte ``location`` of a node (wrapped or not), if it has one."""
    if not node:
        return None
    if len(node) == 1:
        ((key, value),) = node.items()
        if isinstance(value, dict) and key[:1].isupper():
            node = value
    loc = node.get("location")
    return loc if isinstance(loc, int) and loc >= 0 else None
