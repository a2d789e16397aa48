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

from dataclasses import dataclass

from ..schema import FunctionInfo, SchemaView
from ..sqlnodes import Node, name_list, qualified_from_names, type_names, unwrap, walk

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


@dataclass(frozen=True, slots=True)
class Volatility:
    volatile: bool
    why: str = ""  # the function that makes it volatile, and how the gate knows
    certain: bool = True  # False: a function the gate found no definition of


_STABLE = Volatility(False)


def expression_is_volatile(expr: Node | None, schema: SchemaView | None = None, _depth: int = 0) -> Volatility:
    """Whether PostgreSQL judges ``expr`` volatile (a default is then computed for every row).

    A function this project defined (``schema``) is judged as PostgreSQL judges it: a ``LANGUAGE sql``
    function made of one ``SELECT`` expression, without ``SECURITY DEFINER``, a ``SET`` clause or a
    ``FROM``, is inlined first, so its body decides, unless its label is IMMUTABLE or STABLE and the body
    is more volatile (then PostgreSQL does not inline it and takes the label at its word); any other
    function is as volatile as its label says (VOLATILE when it says nothing). Proven on PostgreSQL 15
    with ``pg_attribute.atthasmissing`` and relfilenode.
    """
    if not expr:
        return _STABLE
    uncertain: Volatility | None = None
    for kind, node in walk(expr):
        if kind != "FuncCall":
            continue
        parts = name_list(node.get("funcname"))
        name = (parts or [""])[-1].lower()
        builtin = len(parts) == 1 or parts[0] == "pg_catalog"
        info = schema.function(qualified_from_names(parts)) if schema is not None and parts else None
        if info is None and builtin:
            if name in VOLATILE_FUNCTIONS:
                return Volatility(True, f"{name}()")
            if name in NON_VOLATILE_FUNCTIONS:
                continue
        if info is None:
            uncertain = uncertain or Volatility(
                True,
                f"{name}(), which the gate found no definition of (a function is VOLATILE unless declared otherwise)",
                certain=False,
            )
            continue
        verdict = _function_volatility(info, schema, _depth)
        if verdict.volatile:
            return verdict
    return uncertain or _STABLE


def _function_volatility(info: FunctionInfo, schema: SchemaView | None, depth: int) -> Volatility:
    label = info.volatility or "volatile"
    shown = f"{info.name.removeprefix('public.')}()"
    if info.inline_expression is not None and not info.not_inlined and depth < 8:
        body = expression_is_volatile(info.inline_expression, schema, depth + 1)
        if not (body.volatile and label in ("immutable", "stable")):
            if body.volatile:
                return Volatility(
                    True, f"{shown}, a SQL function PostgreSQL inlines: its body calls {body.why}", body.certain
                )
            return _STABLE  # inlined: its body is not volatile, whatever its label
    if label == "volatile":
        why = info.not_inlined or "its body is not a single SELECT expression"
        declared = "declared VOLATILE" if info.volatility else "VOLATILE (no label says otherwise)"
        return Volatility(True, f"{shown}, {declared}; PostgreSQL does not inline it ({why})")
    return _STABLE


def default_rewrites(column: Node, pg_version: int, schema: SchemaView | None = None) -> tuple[bool, str, bool]:
    """Does ``ADD COLUMN <column>`` rewrite the table, why, and is the gate sure."""
    names = [n.lower() for n in type_names(column.get("typeName"))]
    if names and names[-1] in _SERIAL_TYPES:
        return True, f"{names[-1]} fills every existing row from a sequence", True
    for constraint in column.get("constraints", ()):
        con = constraint.get("Constraint", {})
        contype = con.get("contype")
        if contype == "CONSTR_IDENTITY":
            return True, "an identity column fills every existing row", True
        if contype == "CONSTR_GENERATED":
            return True, "a stored generated column computes every existing row", True
        if contype == "CONSTR_DEFAULT":
            expr = con.get("raw_expr")
            kind, value = unwrap(expr)
            if kind == "A_Const" and value.get("isnull"):
                continue
            if pg_version < 11:
                return True, f"any default rewrites the table before PostgreSQL 11 (pg_version: {pg_version})", True
            verdict = expression_is_volatile(expr, schema)
            if verdict.volatile:
                return True, f"the default calls volatile {verdict.why}", verdict.certain
    return False, "", True
