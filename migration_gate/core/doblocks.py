"""``DO`` blocks: the SQL statements a PL/pgSQL ``DO`` body runs, parsed from the body.

The pre-pass (:mod:`migration_gate.core.analysis`) puts them right after their ``DO``.
"""

from __future__ import annotations

import json
from typing import Any

from .parse import Statement
from .sqlnodes import Node, def_elems, unwrap


def expand_do_block(stmt: Statement) -> tuple[list[Statement], str | None]:
    """The SQL statements a ``DO`` block runs, parsed from its PL/pgSQL body.

    Returns (statements, error): an invalid body gives the PL/pgSQL error text.
    Statements built by ``EXECUTE`` from a constant string are included;
    dynamic ones (``EXECUTE format(...)``) cannot be seen.
    """
    from pglast import parser

    args = def_elems(stmt.node.get("args"))
    language = args.get("language", {}).get("arg", {}).get("String", {}).get("sval", "plpgsql")
    body_elem = args.get("as")
    if language.lower() != "plpgsql" or not body_elem:
        return [], None
    body = body_elem.get("arg", {}).get("String", {}).get("sval", "")
    tag = "$mg_do$"
    while tag in body:
        tag = tag[:-1] + "_$"
    wrapper = f"CREATE FUNCTION mg_do() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"
    try:
        tree = json.loads(parser.parse_plpgsql_json(wrapper))
    except parser.ParseError as exc:
        return [], str(exc.args[0])
    source = stmt.source
    body_start = _body_start(stmt, body_elem)
    line_starts = [0] + [i + 1 for i, ch in enumerate(body) if ch == "\n"]
    statements: list[Statement] = []
    for lineno, query in _plpgsql_queries(tree):
        try:
            parsed = json.loads(parser.parse_sql_json(query))
        except parser.ParseError:
            continue
        line_offset = line_starts[min(max(lineno, 1), len(line_starts)) - 1]
        found = body.find(query, line_offset)
        at = found if found >= 0 else line_offset
        base = body_start + at
        for entry in parsed.get("stmts", ()):
            kind, node = unwrap(entry.get("stmt"))
            if not kind:
                continue
            statements.append(
                Statement(
                    index=stmt.index,
                    kind=kind,
                    node=node,
                    start=source.original_offset(base),
                    end=source.original_offset(base + len(query)),
                    source=source,
                    inner_text=query,
                    inner_base=base,
                    parent=stmt,
                )
            )
    return statements, None


def _body_start(stmt: Statement, body_elem: Node) -> int:
    """Character offset (in the parsed text) where the DO body begins."""
    source = stmt.source
    text = source.parsed_text
    loc = body_elem.get("arg_location", body_elem.get("location", -1))
    pos = source.parsed_char(stmt.byte_base + loc) if isinstance(loc, int) and loc >= 0 else -1
    if pos < 0:
        return 0
    if text.startswith("$", pos):
        close = text.find("$", pos + 1)
        return close + 1 if close >= 0 else pos
    if text[pos : pos + 2].upper() == "E'":
        return pos + 2
    return pos + 1


def _plpgsql_queries(tree: Any) -> list[tuple[int, str]]:
    """(lineno, SQL text) of every SQL statement in a PL/pgSQL function tree."""
    found: list[tuple[int, str]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if "PLpgSQL_stmt_execsql" in node:
                inner = node["PLpgSQL_stmt_execsql"]
                query = inner.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query")
                if query:
                    found.append((inner.get("lineno", 1), query))
                continue
            if "PLpgSQL_stmt_dynexecute" in node:
                inner = node["PLpgSQL_stmt_dynexecute"]
                query = inner.get("query", {}).get("PLpgSQL_expr", {}).get("query", "")
                literal = _string_literal(query)
                if literal:
                    found.append((inner.get("lineno", 1), literal))
                continue
            stack.extend(reversed(list(node.values())))
    return found


def _string_literal(expr: str) -> str | None:
    """The text of a plain ``'…'`` SQL literal, else ``None``."""
    expr = expr.strip()
    if len(expr) >= 2 and expr[0] == "'" and expr[-1] == "'" and "'" not in expr[1:-1].replace("''", ""):
        return expr[1:-1].replace("''", "'")
    return None
