"""The one pre-pass over a file's statements: the state each statement runs in.

For every statement (DO-block bodies included, right after their DO) it
records whether it runs inside a transaction, whether a ``lock_timeout`` is in
effect, and which tables the file created before it.

Transactions follow the runner (:mod:`migration_gate.core.runners`): each
stretch of the file the runner executes one way (a :class:`Run`: the whole
file, a section, a Liquibase changeset) has an
:class:`~migration_gate.core.runners.base.Execution` saying whether the runner
wraps it in a transaction and how statements reach PostgreSQL.  A statement is
in a transaction when it is inside the runner's transaction, between the
file's own ``BEGIN`` and ``COMMIT``, inside a ``DO`` block, or in a query
string that holds more than one statement (PostgreSQL runs those as one
implicit transaction).  A ``COMMIT`` inside the runner's transaction ends it:
what follows runs in autocommit when statements go one at a time, in a new
transaction when the driver opens one (JDBC), and still in the implicit
transaction when the rest of the file is the same query string.

The legacy modes (``transaction`` in the config) are executions too:

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
from typing import Any

from .objects import ObjectKey, created_objects
from .parse import Statement
from .runners.base import ONE_QUERY, PER_STATEMENT, Execution
from .schema import SchemaLog
from .sqlnodes import Node, const_value, def_elems, name_list, option_on, unwrap

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
        if option_on(node.get("params"), "concurrently"):
            return "REINDEX CONCURRENTLY"
        if node.get("kind") in ("REINDEX_OBJECT_SYSTEM", "REINDEX_OBJECT_DATABASE"):
            return "REINDEX SYSTEM/DATABASE"
    if kind == "VacuumStmt" and node.get("is_vacuumcmd"):
        return "VACUUM"
    if kind == "ClusterStmt" and not node.get("relation"):
        return "CLUSTER without a table"
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


def _timeout_enabled(value: Any) -> bool:
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
    #: Inside the transaction the runner opened (and no COMMIT of the file has ended it).
    runner_transaction: bool = False
    #: In a query string that holds other statements too (PostgreSQL's implicit transaction).
    implicit: bool = False
    run: int = 0  # index of the Run (section, changeset) it belongs to
    #: Which transaction of the file it runs in (numbered from 0 in file order; a DO block's body shares its
    #: DO's); ``None``: it runs alone, in autocommit.
    transaction: int | None = None

    @property
    def execution(self) -> Execution:
        return self.file.runs[self.run].execution


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of the file the runner executes one way (``start``/``end``: offsets into the file)."""

    start: int
    end: int
    execution: Execution


@dataclass(slots=True)
class TransactionProblem:
    #: "nested" | "unclosed" | "stray-end" (the file's own BEGIN/COMMIT, explicit mode);
    #: "begin-in-runner" | "end-in-runner" (transaction control inside the runner's transaction)
    kind: str
    statement: Statement
    #: For end-in-runner: what the statements after it run in: "nothing" (none follow), "split" (a BEGIN
    #: follows at once), "autocommit", "reopened" (a transaction the driver opens), "implicit" (the rest of
    #: the same query string).
    after: str = ""
    #: The statements after a COMMIT are all non-transactional, up to a BEGIN (the deliberate escape).
    escape: bool = False
    run: int = 0


@dataclass(slots=True)
class FileFacts:
    mode: str
    runner_wraps: bool  # the runner opens a transaction around (the first run of) the file
    units: list[StatementFacts] = field(default_factory=list)
    #: statements PostgreSQL refuses to run in a transaction block, with the reason
    nontransactional: list[tuple[Statement, str]] = field(default_factory=list)
    #: statements Flyway detects as non-transactional (it then runs the file without one)
    flyway_nontransactional: list[Statement] = field(default_factory=list)
    problems: list[TransactionProblem] = field(default_factory=list)
    #: What the statements do to the schema, keyed by their order (``schema.SchemaLog``).
    schema: SchemaLog = field(default_factory=SchemaLog)
    do_block_errors: list[tuple[Statement, str]] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    #: Per run: the runner opens a transaction around it (Flyway's rule applied).
    run_wraps: list[bool] = field(default_factory=list)
    #: objects other than tables (views, functions, types, …) → orders of the statements creating them
    objects: dict[ObjectKey, list[int]] = field(default_factory=dict)
    #: The transaction (``StatementFacts.transaction``) that continues the deploy batch's: the runner's
    #: transaction around the file's first run when the runner runs all pending files in one (drizzle, Flyway
    #: ``group``, Atlas ``--tx-mode all``); ``None`` otherwise.
    batch_transaction: int | None = None
    #: The batch's transaction is still open when the file ends (no COMMIT or ROLLBACK in the file ended it).
    batch_open_at_end: bool = False


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


def legacy_execution(mode: str, runner_transaction: bool | None = None) -> Execution:
    """The execution a ``transaction:`` mode describes (see ``core.runners.flyway.legacy_execution``)."""
    opt_out = "a per-file opt-out" if runner_transaction is False else None
    if mode == "explicit":
        return Execution(False, PER_STATEMENT, "the runner", mode="explicit")
    if mode == "flyway":
        return Execution(opt_out is None, PER_STATEMENT, "Flyway", mode="flyway", reopens=True, flyway=True)
    return Execution(opt_out is None, ONE_QUERY, "the runner", mode="per-file", opt_out=opt_out)


def analyze(
    statements: list[Statement],
    *,
    mode: str = "per-file",
    pg_version: int,
    runner_transaction: bool | None = None,
    runs: list[Run] | None = None,
    cuts: tuple[int, ...] | None = None,
    timeout_set: bool = False,
) -> FileFacts:
    """Run the pre-pass.

    ``runs``: how the runner executes each stretch of the file (default: one run, the legacy
    ``mode`` with ``runner_transaction=False`` as a per-file opt-out).  ``cuts``: where the runner
    itself ends a query string, when it splits the text with its own rule.  ``timeout_set``: the
    runner's connection already has a ``lock_timeout`` (or ``statement_timeout``), from its settings.
    """
    if not runs:
        runs = [Run(0, 1 << 62, legacy_execution(mode, runner_transaction))]
    units_in_order: list[Statement] = []
    facts = FileFacts(mode=runs[0].execution.mode, runner_wraps=False, runs=runs)
    top_runs: dict[int, int] = {}
    for stmt in statements:
        units_in_order.append(stmt)
        top_runs[id(stmt)] = _run_of(runs, stmt.start)
        if stmt.kind == "DoStmt":
            body, error = expand_do_block(stmt)
            units_in_order.extend(body)
            if error:
                facts.do_block_errors.append((stmt, error))
        reason = nontransactional_reason(stmt, pg_version)
        if reason is not None:
            facts.nontransactional.append((stmt, reason))
        if flyway_detects_nontransactional(stmt, pg_version):
            facts.flyway_nontransactional.append(stmt)

    wraps = []
    for index, stretch in enumerate(runs):
        if stretch.execution.flyway:
            detected = any(top_runs[id(s)] == index for s in facts.flyway_nontransactional)
            wraps.append(stretch.execution.wraps and not detected)
        else:
            wraps.append(stretch.execution.wraps)
    used = sorted(set(top_runs.values())) or [0]
    facts.runner_wraps = wraps[used[0]]
    facts.run_wraps = wraps
    queries = _queries(statements, runs, top_runs, cuts)

    explicit = False
    began_in_runner = False
    runner_tx = wraps[used[0]]
    current = used[0]
    timeout_session = timeout_set
    timeout_local = False
    last_begin: Statement | None = None
    ends: list[TransactionProblem] = []
    # Transactions are numbered as they open: ``epoch`` is the one an explicit or runner transaction open
    # now is; implicit ones (a multi-statement query string, a DO block in autocommit) get their own number.
    epoch = 0
    numbers: dict[tuple[Any, ...], int] = {}
    batch_epoch = 0 if runs[used[0]].execution.batch and runner_tx else None
    facts.batch_open_at_end = batch_epoch is not None
    for order, stmt in enumerate(units_in_order):
        inner = stmt.parent is not None
        top = stmt.parent or stmt
        run = top_runs.get(id(top), current)
        if run != current:
            if explicit and last_begin is not None and not began_in_runner:
                facts.problems.append(TransactionProblem("unclosed", last_begin, run=current))
            current, runner_tx, explicit, began_in_runner, timeout_local = run, wraps[run], False, False, False
            epoch += 1
        execution = runs[run].execution
        tx_epoch = epoch  # the transaction a COMMIT itself belongs to: the one it ends
        if not inner and stmt.kind == "TransactionStmt":
            kind = stmt.node.get("kind")
            if kind in _BEGIN:
                if explicit:
                    facts.problems.append(TransactionProblem("nested", stmt, run=run))
                elif runner_tx:
                    facts.problems.append(TransactionProblem("begin-in-runner", stmt, run=run))
                    began_in_runner = True
                else:
                    epoch += 1
                    tx_epoch = epoch
                explicit = True
                last_begin = stmt
            elif kind in _END:
                epoch += 1
                if tx_epoch == batch_epoch:
                    facts.batch_open_at_end = False
                if runner_tx and (not explicit or began_in_runner):
                    problem = TransactionProblem("end-in-runner", stmt, run=run)
                    facts.problems.append(problem)
                    ends.append(problem)
                    runner_tx = execution.reopens
                    began_in_runner = False
                elif not explicit and not wraps[run]:
                    facts.problems.append(TransactionProblem("stray-end", stmt, run=run))
                explicit = bool(stmt.node.get("chain"))
                timeout_local = False
        query, size = queries.get(id(top), _ALONE)
        implicit = size > 1
        in_tx = explicit or runner_tx or inner or implicit
        if stmt.kind == "TransactionStmt" and not inner:
            key: tuple[Any, ...] | None = ("tx", tx_epoch)
        elif explicit or runner_tx:
            key = ("tx", epoch)
        elif implicit:
            key = ("query", run, query, epoch)
        elif inner or top.kind == "DoStmt":
            key = ("do", top.index)
        else:
            key = None
        transaction = numbers.setdefault(key, len(numbers)) if key is not None else None
        if key == ("tx", batch_epoch) and batch_epoch is not None:
            facts.batch_transaction = transaction
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
                runner_transaction=runner_tx,
                implicit=implicit,
                run=run,
                transaction=transaction,
            )
        )
        facts.schema.record(stmt.kind, stmt.node, order)
        for key in created_objects(stmt):
            facts.objects.setdefault(key, []).append(order)
    if explicit and last_begin is not None and not began_in_runner:
        facts.problems.append(TransactionProblem("unclosed", last_begin, run=current))
    for problem in ends:
        _describe_end(problem, statements, runs, top_runs, facts, pg_version)
    return facts


def _run_of(runs: list[Run], offset: int) -> int:
    for index, run in enumerate(runs):
        if run.start <= offset < run.end:
            return index
    return len(runs) - 1


_ALONE = ((-1, -1), 1)


def _queries(
    statements: list[Statement], runs: list[Run], top_runs: dict[int, int], cuts: tuple[int, ...] | None
) -> dict[int, tuple[tuple[int, int], int]]:
    """For each top-level statement, its query string (run, number) and how many statements share it."""
    import bisect

    keys: dict[int, tuple[int, int]] = {}
    for stmt in statements:
        run = top_runs[id(stmt)]
        if stmt.kind == "TransactionStmt" and runs[run].execution.delivery != ONE_QUERY and cuts is None:
            keys[id(stmt)] = (run, -1 - stmt.index)
            continue
        if runs[run].execution.delivery == ONE_QUERY:
            keys[id(stmt)] = (run, 0)
        elif cuts is not None:
            keys[id(stmt)] = (run, bisect.bisect_right(cuts, stmt.start))
        else:
            keys[id(stmt)] = (run, -1 - stmt.index)
    sizes: dict[tuple[int, int], int] = {}
    for key in keys.values():
        sizes[key] = sizes.get(key, 0) + 1
    return {ident: (key, sizes[key]) for ident, key in keys.items()}


def _describe_end(
    problem: TransactionProblem,
    statements: list[Statement],
    runs: list[Run],
    top_runs: dict[int, int],
    facts: FileFacts,
    pg_version: int,
) -> None:
    """What the statements after a COMMIT/ROLLBACK inside the runner's transaction run in."""
    execution = runs[problem.run].execution
    following = []
    rest = [s for s in statements if s.start > problem.statement.start and top_runs[id(s)] == problem.run]
    for stmt in rest:
        if stmt.kind == "TransactionStmt" and stmt.node.get("kind") in _BEGIN:
            break
        following.append(stmt)
    if not following:
        problem.after = "split" if rest else "nothing"
    elif execution.delivery == ONE_QUERY:
        problem.after = "implicit"
    elif execution.reopens:
        problem.after = "reopened"
    else:
        problem.after = "autocommit"
    problem.escape = bool(following) and all(nontransactional_reason(s, pg_version) for s in following)


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
