from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, name_list
from .base import StatementRule
from .rulekit import truncated_identifier

if TYPE_CHECKING:
    from ..context import StatementContext

LIMIT = 63  # NAMEDATALEN - 1


def _relation(rangevar: Node | None, what: str) -> Iterator[tuple[str, str, Node | None]]:
    """The schema and relation names of a RangeVar."""
    if rangevar:
        for key in ("schemaname", "relname"):
            if rangevar.get(key):
                yield ("schema" if key == "schemaname" else what), rangevar[key], {"RangeVar": rangevar}


def _columns(elements: Iterable[Node]) -> Iterator[tuple[str, str, Node | None]]:
    """The column and constraint names of table elements (``ColumnDef``, ``Constraint``)."""
    for element in elements:
        column = element.get("ColumnDef")
        if column is not None:
            if column.get("colname"):
                yield "column", column["colname"], element
            for con in column.get("constraints", ()):
                if con.get("Constraint", {}).get("conname"):
                    yield "constraint", con["Constraint"]["conname"], con
        con = element.get("Constraint")
        if con is not None and con.get("conname"):
            yield "constraint", con["conname"], element


def _defined(kind: str, node: Node) -> Iterator[tuple[str, str, Node | None]]:
    """(what, name, node to point at) for every name the statement defines."""
    if kind in ("CreateStmt", "CreateForeignTableStmt"):
        base = node.get("base", node) if kind == "CreateForeignTableStmt" else node
        yield from _relation(base.get("relation"), "table")
        yield from _columns(base.get("tableElts", ()))
    elif kind == "AlterTableStmt":
        for item in node.get("cmds", ()):
            cmd = item.get("AlterTableCmd", {})
            definition = cmd.get("def") or {}
            if cmd.get("subtype") in ("AT_AddColumn", "AT_AddConstraint"):
                yield from _columns([definition])
    elif kind == "IndexStmt" and node.get("idxname"):
        yield "index", node["idxname"], node.get("relation") and {"RangeVar": node["relation"]}
    elif kind == "ViewStmt":
        yield from _relation(node.get("view"), "view")
        for alias in name_list(node.get("aliases")):
            yield "column", alias, None
    elif kind == "CreateTableAsStmt":
        yield from _relation(node.get("into", {}).get("rel"), "table")
        for alias in name_list(node.get("into", {}).get("colNames")):
            yield "column", alias, None
    elif kind == "CreateSeqStmt":
        yield from _relation(node.get("sequence"), "sequence")
    elif kind == "CreateSchemaStmt" and node.get("schemaname"):
        yield "schema", node["schemaname"], None
    elif kind in ("CreateFunctionStmt",):
        for name in name_list(node.get("funcname"))[-1:]:
            yield "function", name, None
    elif kind == "CreateTrigStmt" and node.get("trigname"):
        yield "trigger", node["trigname"], None
    elif kind == "CreatePolicyStmt" and node.get("policy_name"):
        yield "policy", node["policy_name"], None
    elif kind == "RuleStmt" and node.get("rulename"):
        yield "rule", node["rulename"], None
    elif kind == "CreateEnumStmt":
        for name in name_list(node.get("typeName"))[-1:]:
            yield "type", name, None
        for label in name_list(node.get("vals")):
            yield "enum label", label, None
    elif kind == "CreateDomainStmt":  # (its typeName is the base type, a TypeName node)
        for name in name_list(node.get("domainname"))[-1:]:
            yield "type", name, None
    elif kind == "AlterEnumStmt" and node.get("newVal"):
        yield "enum label", node["newVal"], None
    elif kind == "CompositeTypeStmt":
        yield from _relation(node.get("typevar"), "type")
        yield from _columns(node.get("coldeflist", ()))
    elif kind == "RenameStmt" and node.get("newname"):
        yield "new name", node["newname"], None
    elif kind == "CreateRoleStmt" and node.get("role"):
        yield "role", node["role"], None
    elif kind == "CreatedbStmt" and node.get("dbname"):
        yield "database", node["dbname"], None


class IdentifierTooLong(StatementRule):
    """A name longer than 63 bytes, which PostgreSQL cuts short (or, for an enum label, rejects).

    ## What it does
    Flags the names a statement defines (tables, columns, constraints,
    indexes, views, sequences, schemas, functions, triggers, policies, types,
    roles, databases, a rename's new name) when they are longer than 63
    bytes, PostgreSQL's limit (NAMEDATALEN − 1; bytes, not characters: 32
    `é` are 64 bytes), and enum labels over the same limit. References to an
    existing long name are not reported: PostgreSQL cuts them the same way,
    so they keep working.

    ## Why is this bad?
    PostgreSQL stores only the first 63 bytes, with a NOTICE that nobody
    reads. Two names that share those bytes collide: the second
    `CREATE INDEX` fails with `relation … already exists`, or, with
    `IF NOT EXISTS`, is silently not created at all; two such columns in one
    table are `specified more than once` (checked on PostgreSQL 15). Tools
    that compare the name they wrote with the catalog see a different name.
    An enum label over 63 bytes is an error outright.

    Level: a warning in `recommended` (a long name alone still works), an
    error in `strict`. The message says when the statement itself already
    collides.

    ## Example
    ```sql
    CREATE INDEX idx_subscription_invoices_on_customer_id_and_billing_period_start
        ON subscription_invoices (customer_id, billing_period_start);
    ```

    ## Use instead
    ```sql
    CREATE INDEX idx_sub_invoices_customer_period
        ON subscription_invoices (customer_id, billing_period_start);
    ```
    """

    code = "MG702"
    name = "identifier-too-long"
    level = Severity.WARNING
    strict_level = Severity.ERROR
    aliases = ("identifier-too-long",)
    alias_notes = {
        "identifier-too-long": "only names the statement defines; references to a long name (a SELECT, a DROP) work, "
        "PostgreSQL truncates them the same way, and are not reported",
    }
    node_types = (
        "CreateStmt",
        "CreateForeignTableStmt",
        "AlterTableStmt",
        "IndexStmt",
        "ViewStmt",
        "CreateTableAsStmt",
        "CreateSeqStmt",
        "CreateSchemaStmt",
        "CreateFunctionStmt",
        "CreateTrigStmt",
        "CreatePolicyStmt",
        "RuleStmt",
        "CreateEnumStmt",
        "CreateDomainStmt",
        "AlterEnumStmt",
        "CompositeTypeStmt",
        "RenameStmt",
        "CreateRoleStmt",
        "CreatedbStmt",
    )
    help = "shorten the name to 63 bytes or fewer"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        defined: dict[str, tuple[str, Node | None]] = {}  # name as PostgreSQL keeps it → (what, node)
        for what, name, at in _defined(ctx.statement.kind, node):
            size = len(name.encode("utf-8"))
            if what == "enum label":
                if size > LIMIT:  # a string, not an identifier: never cut, rejected
                    yield self.finding(
                        f"enum label {name!r} is {size} bytes: PostgreSQL rejects labels over 63 bytes", at=at
                    )
            elif size > LIMIT - 3:  # the scanner already cut longer names (at a character boundary)
                defined.setdefault(name, (what, at))
        if not defined:
            return
        stmt = ctx.statement
        seen: dict[tuple[str, str], str] = {}
        for offset, written in _long_identifiers(stmt.text):
            cut = truncated_identifier(written)
            found = defined.get(cut)
            if found is None:
                continue  # a reference to a long name: cut the same way, it works
            what = found[0]
            other = seen.setdefault((what, cut), written)
            clash = (
                f", the same as {other}: PostgreSQL rejects the statement"
                if other != written
                else "; another name with the same first 63 bytes collides with it"
            )
            size = len(written.encode("utf-8"))
            yield self.finding(
                f"{what} {written} is {size} bytes: PostgreSQL keeps only {cut}{clash}",
                offset=stmt.start + offset,
                end_offset=stmt.start + offset + len(written),
            )


def _long_identifiers(text: str) -> Iterator[tuple[int, str]]:
    """(offset into ``text``, the identifier as PostgreSQL reads it) of identifiers over 63 bytes."""
    from pglast import parser

    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return
    for token in tokens:
        if token.name != "IDENT":
            continue
        raw = text[token.start : token.end + 1]
        if raw[:1] == '"':
            name = raw[1:-1].replace('""', '"')
        elif raw[:2].upper() == 'U&':
            continue  # Unicode escapes: not decoded here
        else:
            name = "".join(c.lower() if "A" <= c <= "Z" else c for c in raw)
        if len(name.encode("utf-8")) > LIMIT:
            yield token.start, name
