"""What a ``CREATE FUNCTION`` defines, as the schema log records it (:class:`~.schema_info.FunctionInfo`)."""

from __future__ import annotations

from typing import Any

from .schema_info import FunctionInfo
from .sqlnodes import Node, def_elems, name_list, qualified_from_names, unwrap


def function_info(node: Node) -> FunctionInfo | None:
    """What ``CREATE FUNCTION`` defines: language, volatility, and whether PostgreSQL may inline it."""
    parts = name_list(node.get("funcname"))
    if not parts:
        return None
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
    return FunctionInfo(
        name, language.lower(), volatility.lower() if volatility else None, expression, "; ".join(blockers)
    )


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
