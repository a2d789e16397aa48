"""Whether a column default forces ``ADD COLUMN`` to rewrite the table.

Since PostgreSQL 11, ``ADD COLUMN … DEFAULT expr`` stores the value in the
catalog instead of rewriting the table when ``expr`` is not volatile.
``now()`` / ``CURRENT_TIMESTAMP`` are *stable* (evaluated once), so they are
free; ``random()``, ``gen_random_uuid()``, ``clock_timestamp()`` and
``nextval()`` are volatile and rewrite every row.  Identity columns, stored
generated columns and ``serial`` types always rewrite.  A function the gate
does not know is treated as volatile, as ``CREATE FUNCTION`` makes functions
volatile unless declared otherwise.
"""

from __future__ import annotations

from ..sqlnodes import Node, name_list, type_names, unwrap, walk

VOLATILE_FUNCTIONS = {
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
    "random_normal",
    "uuidv4",
    "uuidv7",
    "gen_random_bytes",
}
# Immutable or stable built-ins commonly used in defaults.
NON_VOLATILE_FUNCTIONS = {
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_setting",
    "lower",
    "upper",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "to_jsonb",
    "to_json",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "json_build_array",
    "array_to_json",
    "row_to_json",
    "concat",
    "concat_ws",
    "md5",
    "length",
    "substr",
    "substring",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "replace",
    "to_char",
    "to_date",
    "to_timestamp",
    "to_number",
    "date_trunc",
    "date_part",
    "extract",
    "make_date",
    "make_timestamp",
    "make_timestamptz",
    "make_interval",
    "abs",
    "round",
    "floor",
    "ceil",
    "ceiling",
    "trunc",
    "array",
    "array_fill",
    "int4",
    "int8",
    "text",
    "timezone",
    "current_user",
    "session_user",
    "current_schema",
    "current_database",
    "inet_client_addr",
    "jsonb_object",
    "json_object",
    "format",
    "encode",
    "decode",
    "sha256",
    "digest",
    "age",
    "localtimestamp",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
}
_SERIAL_TYPES = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


def expression_is_volatile(expr: Node | None) -> tuple[bool, str]:
    """(volatile?, the function that makes it so)."""
    if not expr:
        return False, ""
    for kind, node in walk(expr):
        if kind == "FuncCall":
            name = (name_list(node.get("funcname")) or [""])[-1].lower()
            if name in VOLATILE_FUNCTIONS:
                return True, f"{name}()"
            if name not in NON_VOLATILE_FUNCTIONS:
                return True, f"{name}() (not known to be stable; user functions are volatile by default)"
    return False, ""


def default_rewrites(column: Node, pg_version: int) -> tuple[bool, str]:
    """Does ``ADD COLUMN <column>`` rewrite the table, and why."""
    names = [n.lower() for n in type_names(column.get("typeName"))]
    if names and names[-1] in _SERIAL_TYPES:
        return True, f"{names[-1]} fills every existing row from a sequence"
    for constraint in column.get("constraints", ()):
        con = constraint.get("Constraint", {})
        contype = con.get("contype")
        if contype == "CONSTR_IDENTITY":
            return True, "an identity column fills every existing row"
        if contype == "CONSTR_GENERATED":
            return True, "a stored generated column computes every existing row"
        if contype == "CONSTR_DEFAULT":
            expr = con.get("raw_expr")
            kind, value = unwrap(expr)
            if kind == "A_Const" and value.get("isnull"):
                continue
            if pg_version < 11:
                return True, f"any default rewrites the table before PostgreSQL 11 (pg_version: {pg_version})"
            volatile, why = expression_is_volatile(expr)
            if volatile:
                return True, f"the default calls volatile {why}"
    return False, ""
