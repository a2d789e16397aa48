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

from .doblocks import expand_do_block as expand_do_block
from .facts import FileFacts as FileFacts
from .facts import Run as Run
from .facts import StatementFacts as StatementFacts
from .facts import TransactionProblem as TransactionProblem
from .parse import Statement
from .runners.base import ONE_QUERY, PER_STATEMENT, Execution
from .transaction_walk import TransactionWalk
from .transactional import BEGIN_KINDS
from .transactional import flyway_detects_nontransactional as flyway_detects_nontransactional
from .transactional import lock_timeout_change as lock_timeout_change
from .transactional import nontransactional_reason as nontransactional_reason


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
    facts = FileFacts(mode=runs[0].execution.mode, runner_wraps=False, runs=runs)
    units_in_order, top_runs = _collect(statements, runs, facts, pg_version)
    wraps, first = _run_wraps(runs, top_runs, facts)
    queries = _queries(statements, runs, top_runs, cuts)
    walk = TransactionWalk(facts, wraps, first, timeout_set)
    for order, stmt in enumerate(units_in_order):
        walk.step(order, stmt, top_runs, queries)
    walk.finish()
    for problem in walk.ends:
        _describe_end(problem, statements, runs, top_runs, facts, pg_version)
    return facts


def _collect(
    statements: list[Statement], runs: list[Run], facts: FileFacts, pg_version: int
) -> tuple[list[Statement], dict[int, int]]:
    """The statements in analysis order (DO bodies right after their DO) and the run of each top-level one.

    Records on ``facts`` the DO blocks whose body does not parse and the statements PostgreSQL (and Flyway)
    refuse in a transaction block.
    """
    units_in_order: list[Statement] = []
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
    return units_in_order, top_runs


def _run_wraps(runs: list[Run], top_runs: dict[int, int], facts: FileFacts) -> tuple[list[bool], int]:
    """Per run: does the runner open a transaction around it (Flyway's rule applied); and the first run used."""
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
    return wraps, used[0]


def _run_of(runs: list[Run], offset: int) -> int:
    for index, run in enumerate(runs):
        if run.start <= offset < run.end:
            return index
    return len(runs) - 1


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
        if stmt.kind == "TransactionStmt" and stmt.node.get("kind") in BEGIN_KINDS:
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
