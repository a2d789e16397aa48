"""The one pre-pass over a file's statements: the state each statement runs in.

For every statement (DO-block bodies included, right after their DO) it
records whether it runs inside a transaction, whether a ``lock_timeout`` is in
effect, and which tables the file created before it.

Transactions, by mode (``transaction`` in the config):

``explicit``
    only the file's own ``BEGIN … COMMIT`` are transactions.
``per-file``
    the runner wraps the whole file in one transaction (Diesel, concourse;
    golang-migrate sends a file as one multi-statement query, which PostgreSQL
    also runs as one implicit transaction).
``flyway``
    Flyway wraps the file unless it finds a statement that cannot run in a
    transaction; then the whole file runs without one.

A runner transaction can be switched off per file (``runner_transaction`` is
``False``: pop's ``.autocommit.``, Diesel's ``metadata.toml``, Flyway's
``V…sql.conf``, or a ``-- migration-gate: no-transaction`` directive).
Statements between an explicit ``BEGIN`` and ``COMMIT`` are always in a
transaction, and so is everything inside a DO block.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .names import qualify
from .objects import ObjectKey, created_objects
from .parse import Statement
from .sqlnodes import const_value, def_elems, name_list, qualified_name, unwrap

_BEGIN = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_END = {
    "TRANS_STMT_COMMIT",
    "TRANS_STMT_ROLLBACK",
    "TRANS_STMT_PREPARE",
    "TRANS_STMT_COMMIT_PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED",
}


def nontransactional_reason(stmt: Statement, pg_version: int) -> str | None:
    """Why PostgreSQL refuses to run this statement in a transaction block, if it does."""
    kind, node = stmt.kind, stmt.node
    if kind == "IndexStmt" and node.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and node.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt":
        if "concurrently" in def_elems(node.get("params")):
            return "REINDEX CONCURRENTLY"
        if node.get("kind") in ("REINDEX_OBJECT_SYSTEM", "REINDEX_OBJECT_DATABASE"):
            return "REINDEX SYSTEM/DATABASE"
    if kind == "VacuumStmt" and node.get("is_vacuumcmd"):
        return "VACUUM"
    if kind == "AlterEnumStmt" and node.get("newVal") is not None and pg_version < 12:
        return "ALTER TYPE … ADD VALUE (before PostgreSQL 12)"
    if kind == "AlterTableStmt":
        for cmd in node.get("cmds", ()):
            sub = cmd.get("AlterTableCmd", {})
            if sub.get("subtype") == "AT_DetachPartition":
                _, partition = unwrap(sub.get("def"))
                if partition.get("concurrent"):
                    return "DETACH PARTITION CONCURRENTLY"
    return _ALWAYS_NONTRANSACTIONAL.get(kind)


_ALWAYS_NONTRANSACTIONAL = {
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "AlterSystemStmt": "ALTER SYSTEM",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "CreateSubscriptionStmt": None,  # only with create_slot; rare in migrations
}


def created_table(stmt: Statement) -> str | None:
    """The table a statement creates, if any."""
    kind, node = stmt.kind, stmt.node
    if kind == "CreateStmt":
        return qualified_name(node.get("relation"))
    if kind == "CreateTableAsStmt" and node.get("objtype") == "OBJECT_TABLE":
        return qualified_name(node.get("into", {}).get("rel"))
    if kind == "SelectStmt" and node.get("intoClause"):
        return qualified_name(node["intoClause"].get("rel"))
    return None


def lock_timeout_change(stmt: Statement) -> tuple[bool, bool] | None:
    """``(enabled, local)`` when the statement sets ``lock_timeout``, else ``None``."""
    if stmt.kind == "VariableSetStmt" and stmt.node.get("name") == "lock_timeout":
        node = stmt.node
        if node.get("kind") != "VAR_SET_VALUE":
            return (False, bool(node.get("is_local")))
        args = node.get("args") or [None]
        return (_timeout_enabled(const_value(args[0])), bool(node.get("is_local")))
    if stmt.kind == "SelectStmt":
        for target in stmt.node.get("targetList", ()):
            kind, call = unwrap(target.get("ResTarget", {}).get("val"))
            if kind == "FuncCall" and name_list(call.get("funcname"))[-1:] == ["set_config"]:
                args = [const_value(a) for a in call.get("args", ())]
                if len(args) == 3 and args[0] == "lock_timeout":
                    return (_timeout_enabled(args[1]), bool(args[2]))
    return None


def _timeout_enabled(value) -> bool:
    if value is None:
        return False
    text = str(value).strip().lower()
    return text not in ("0", "", "0ms", "0s", "0min")


@dataclass(slots=True)
class StatementFacts:
    """The state a statement runs in (from the statements before it in the file)."""

    statement: Statement
    in_transaction: bool
    in_explicit_block: bool
    lock_timeout_set: bool
    order: int  # position in the file's analysis order (DO bodies follow their DO)
    file: FileFacts = field(repr=False)

    @property
    def new_tables(self) -> _CreatedBefore:
        return _CreatedBefore(self.file.created, self.order)

    def not_null_proven(self, table: str, column: str | None) -> bool:
        """A validated ``CHECK (column IS NOT NULL)`` exists (PostgreSQL 12+ skips the scan)."""
        at = self.file.proven_not_null.get((table, column or ""))
        return at is not None and at < self.order

    def index_created_here(self, index: str) -> bool:
        at = self.file.created_indexes.get(index)
        return at is not None and at < self.order

    def column_type(self, table: str, column: str) -> dict | None:
        """The column's TypeName as defined earlier in this file, if it was."""
        return latest_before(self.file.column_types.get((table, column)), self.order)

    def index_table(self, index: str) -> str | None:
        """The table of an index created earlier in this file."""
        return latest_before(self.file.index_tables.get(index), self.order)

    def foreign_keys_of(self, table: str, earlier: dict[str, str] | None = None) -> dict[str, str]:
        """``{constraint: referenced table}`` of a table before this statement (``earlier``: from
        the migrations before this file, to which this file's changes are applied)."""
        keys = dict(earlier or {})
        for (owner, name), history in self.file.foreign_keys.items():
            if owner != table:
                continue
            for at, referenced in history:
                if at >= self.order:
                    break
                if referenced is None:
                    keys.pop(name, None)
                else:
                    keys[name] = referenced
        return keys


class _CreatedBefore:
    """``table in facts.new_tables``: created earlier in the same file, or by this statement."""

    __slots__ = ("created", "order")

    def __init__(self, created: dict[str, int], order: int):
        self.created, self.order = created, order

    def __contains__(self, table: str) -> bool:
        return self.created.get(table, self.order + 1) <= self.order


@dataclass(slots=True)
class TransactionProblem:
    kind: str  # "nested" | "unclosed" | "stray-end"
    statement: Statement


@dataclass(slots=True)
class FileFacts:
    mode: str
    runner_wraps: bool  # the runner runs the whole file in one transaction
    units: list[StatementFacts] = field(default_factory=list)
    #: statements PostgreSQL refuses to run in a transaction block, with the reason
    nontransactional: list[tuple[Statement, str]] = field(default_factory=list)
    #: statements Flyway detects as non-transactional (it then runs the file without one)
    flyway_nontransactional: list[Statement] = field(default_factory=list)
    problems: list[TransactionProblem] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    column_types: dict[tuple[str, str], list[tuple[int, dict]]] = field(default_factory=dict)
    proven_not_null: dict[tuple[str, str], int] = field(default_factory=dict)
    pending_checks: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, constraint) → column
    created_indexes: dict[str, int] = field(default_factory=dict)  # index → order of its CREATE INDEX
    #: index → [(order, its table)]
    index_tables: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    #: (table, constraint) → [(order, referenced table, or None once dropped)]
    foreign_keys: dict[tuple[str, str], list[tuple[int, str | None]]] = field(default_factory=dict)
    do_block_errors: list[tuple[Statement, str]] = field(default_factory=list)
    #: objects other than tables (views, functions, types, …) → orders of the statements creating them
    objects: dict[ObjectKey, list[int]] = field(default_factory=dict)


def flyway_detects_nontransactional(stmt: Statement, pg_version: int) -> bool:
    """Flyway's PostgreSQL parser marks these statements non-transactional.

    Its list (``PostgreSQLParser.detectCanExecuteInTransaction``) is narrower
    than PostgreSQL's: ``REINDEX … CONCURRENTLY`` on a table or index and
    ``DETACH PARTITION … CONCURRENTLY`` are not on it, so Flyway runs them in
    a transaction, where they fail.
    """
    kind, node = stmt.kind, stmt.node
    if kind in ("IndexStmt", "DropStmt"):
        return bool(node.get("concurrent"))
    if kind == "ReindexStmt":
        return node.get("kind") in ("REINDEX_OBJECT_SCHEMA", "REINDEX_OBJECT_DATABASE", "REINDEX_OBJECT_SYSTEM")
    if kind == "VacuumStmt":
        return bool(node.get("is_vacuumcmd"))
    if kind == "AlterEnumStmt":
        return node.get("newVal") is not None and pg_version < 12
    if kind == "DiscardStmt":
        return node.get("target") == "DISCARD_ALL"
    return kind in (
        "CreatedbStmt",
        "DropdbStmt",
        "CreateTableSpaceStmt",
        "DropTableSpaceStmt",
        "CreateSubscriptionStmt",
        "DropSubscriptionStmt",
        "AlterSystemStmt",
    )


def analyze(
    statements: list[Statement], *, mode: str, pg_version: int, runner_transaction: bool | None = None
) -> FileFacts:
    """Run the pre-pass. ``runner_transaction=False`` is a per-file opt-out."""
    units_in_order: list[Statement] = []
    facts = FileFacts(mode=mode, runner_wraps=False)
    for stmt in statements:
        units_in_order.append(stmt)
        if stmt.kind == "DoStmt":
            inner, error = expand_do_block(stmt)
            units_in_order.extend(inner)
            if error:
                facts.do_block_errors.append((stmt, error))
        reason = nontransactional_reason(stmt, pg_version)
        if reason is not None:
            facts.nontransactional.append((stmt, reason))
        if flyway_detects_nontransactional(stmt, pg_version):
            facts.flyway_nontransactional.append(stmt)

    if runner_transaction is False or mode == "explicit":
        facts.runner_wraps = False
    elif mode == "flyway":
        facts.runner_wraps = not facts.flyway_nontransactional
    else:
        facts.runner_wraps = True

    explicit = False
    timeout_session = False
    timeout_local = False
    last_begin: Statement | None = None
    for order, stmt in enumerate(units_in_order):
        inner = stmt.parent is not None
        if not inner and stmt.kind == "TransactionStmt":
            kind = stmt.node.get("kind")
            if kind in _BEGIN:
                if explicit:
                    facts.problems.append(TransactionProblem("nested", stmt))
                explicit = True
                last_begin = stmt
            elif kind in _END:
                if not explicit and not facts.runner_wraps:
                    facts.problems.append(TransactionProblem("stray-end", stmt))
                explicit = bool(stmt.node.get("chain"))
                timeout_local = False
        in_tx = explicit or facts.runner_wraps or inner
        change = lock_timeout_change(stmt)
        if change is not None:
            enabled, local = change
            if local:
                timeout_local = enabled and in_tx
            else:
                timeout_session = enabled
                timeout_local = timeout_local and enabled
        facts.units.append(
            StatementFacts(
                statement=stmt,
                in_transaction=in_tx,
                in_explicit_block=explicit or inner,
                lock_timeout_set=timeout_session or timeout_local,
                order=order,
                file=facts,
            )
        )
        _record_schema(stmt, order, facts)
    if explicit and last_begin is not None:
        facts.problems.append(TransactionProblem("unclosed", last_begin))
    return facts


def _record_schema(stmt: Statement, order: int, facts: FileFacts) -> None:
    """What later statements of the file may need: new tables, column types, NOT NULL proofs."""
    table = created_table(stmt)
    if table is not None and table not in facts.created:
        facts.created[table] = order
    for key in created_objects(stmt):
        facts.objects.setdefault(key, []).append(order)
    if stmt.kind == "IndexStmt" and stmt.node.get("idxname"):
        index = qualify((stmt.node.get("relation") or {}).get("schemaname"), stmt.node["idxname"])
        facts.created_indexes.setdefault(index, order)
        facts.index_tables.setdefault(index, []).append((order, qualified_name(stmt.node.get("relation"))))
    if stmt.kind == "CreateStmt":
        for element in stmt.node.get("tableElts", ()):
            column = element.get("ColumnDef")
            if column and column.get("colname"):
                facts.column_types.setdefault((table, column["colname"]), []).append((order, column.get("typeName")))
                for con in column.get("constraints", ()):
                    _record_foreign_key(facts, order, table, con.get("Constraint", {}), [column["colname"]])
            elif "Constraint" in element:
                _record_foreign_key(facts, order, table, element["Constraint"])
    elif stmt.kind == "AlterTableStmt":
        table = qualified_name(stmt.node.get("relation"))
        for item in stmt.node.get("cmds", ()):
            cmd = item.get("AlterTableCmd", {})
            subtype = cmd.get("subtype")
            if subtype in ("AT_AddColumn", "AT_AlterColumnType"):
                column = cmd.get("def", {}).get("ColumnDef", {})
                name = column.get("colname") or cmd.get("name")
                if name:
                    facts.column_types.setdefault((table, name), []).append((order, column.get("typeName")))
                if subtype == "AT_AddColumn" and name:
                    for con in column.get("constraints", ()):
                        _record_foreign_key(facts, order, table, con.get("Constraint", {}), [name])
            elif subtype == "AT_DropConstraint" and cmd.get("name"):
                facts.foreign_keys.setdefault((table, cmd["name"]), []).append((order, None))
            elif subtype == "AT_AddConstraint":
                con = cmd.get("def", {}).get("Constraint", {})
                _record_foreign_key(facts, order, table, con)
                column = not_null_check_column(con)
                if column is not None:
                    key = (table, con.get("conname") or "")
                    facts.pending_checks[key] = column
                    if not con.get("skip_validation"):
                        facts.proven_not_null.setdefault((table, column), order)
            elif subtype == "AT_ValidateConstraint":
                column = facts.pending_checks.get((table, cmd.get("name") or ""))
                if column is not None:
                    facts.proven_not_null.setdefault((table, column), order)


def _record_foreign_key(facts: FileFacts, order: int, table: str, con: dict, columns: list[str] | None = None) -> None:
    if con.get("contype") != "CONSTR_FOREIGN" or not con.get("pktable"):
        return
    name = con.get("conname") or foreign_key_name(table, columns or name_list(con.get("fk_attrs")))
    facts.foreign_keys.setdefault((table, name), []).append((order, qualified_name(con["pktable"])))


def foreign_key_name(table: str, columns: list[str]) -> str:
    """The name PostgreSQL gives an unnamed foreign key: ``<table>_<columns>_fkey`` (63 bytes at most)."""
    return f"{table.rsplit('.', 1)[-1]}_{'_'.join(columns)}_fkey"[:63]


def latest_before(history: list[tuple[int, object]] | None, order: int):
    """The value of the last (order, value) entry before ``order``; ``None`` when there is none."""
    found = None
    for at, value in history or ():
        if at < order:
            found = value
    return found


def not_null_check_column(con: dict) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` constraint (possibly AND-ed with more)."""
    if con.get("contype") != "CONSTR_CHECK":
        return None
    expr = con.get("raw_expr")
    stack = [expr]
    while stack:
        kind, node = unwrap(stack.pop())
        if kind == "BoolExpr" and node.get("boolop") == "AND_EXPR":
            stack.extend(node.get("args", ()))
        elif kind == "NullTest" and node.get("nulltesttype") == "IS_NOT_NULL":
            arg_kind, arg = unwrap(node.get("arg"))
            if arg_kind == "ColumnRef":
                fields = name_list(arg.get("fields"))
                if fields:
                    return fields[-1]
    return None


# --------------------------------------------------------------------------- DO blocks


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


def _body_start(stmt: Statement, body_elem: dict) -> int:
    """Character offset (in the parsed text) where the DO body begins."""
    source = stmt.source
    text = source.parsed_text
    loc = body_elem.get("arg_location", body_elem.get("location", -1))
    pos = source.parsed_char(loc) if isinstance(loc, int) and loc >= 0 else -1
    if pos < 0:
        return 0
    if text.startswith("$", pos):
        close = text.find("$", pos + 1)
        return close + 1 if close >= 0 else pos
    if text[pos : pos + 2].upper() == "E'":
        return pos + 2
    return pos + 1


def _plpgsql_queries(tree) -> list[tuple[int, str]]:
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
