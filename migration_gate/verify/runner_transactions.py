"""The transactions the runner itself opens and commits around a file's statements while ``verify`` runs it.

The configured mode decides (:mod:`migration_gate.core.analysis`): the runner's transaction around each run of
statements, a driver that opens a new one after the file's ``COMMIT`` (JDBC), and the implicit transaction of a
query string of several statements (goose's ``StatementBegin`` … ``StatementEnd``).  The connection's
transaction status is the truth.
"""

from __future__ import annotations

import time

from ..core.analysis import FileFacts, StatementFacts
from ..core.parse import Statement
from ..core.runners.base import ONE_QUERY, query_index
from .prepare import PreparedFile


class RunnerTransactions:
    """The runner's own BEGIN and COMMIT for one file, timed apart from the statements (``seconds``)."""

    def __init__(self, conn, prepared: PreparedFile):
        from psycopg import pq

        facts = prepared.facts
        assert facts is not None
        self.conn = conn
        self.facts: FileFacts = facts
        self.pq = pq
        self.seconds = 0.0
        self.units = {id(u.statement): u for u in facts.units}
        self.run_sizes: dict[int, int] = {}
        for stmt in prepared.statements:
            unit = self.units.get(id(stmt))
            if unit is not None:
                self.run_sizes[unit.run] = self.run_sizes.get(unit.run, 0) + 1
        self.current_run: int | None = None
        #: this run's transaction was opened here (the runner's, or the implicit one of a query string)
        self.opened = False
        self.groups = _query_groups(prepared, self.units)
        self.group_sizes: dict[tuple[int, int], int] = {}
        for key in self.groups:
            if key is not None:
                self.group_sizes[key] = self.group_sizes.get(key, 0) + 1
        self.current_group: tuple[int, int] | None = None
        #: the implicit transaction of a group of statements the runner sends as one query string
        self.group_open = False

    def _status(self):
        return self.conn.info.transaction_status

    def _by_runner(self, sql: str) -> None:
        t0 = time.perf_counter()
        self.conn.execute(sql)
        self.seconds += time.perf_counter() - t0

    def before(self, index: int, stmt: Statement) -> None:
        """What the runner sends before statement ``index``: the end of a query string or run, a new transaction."""
        pq = self.pq
        unit = self.units.get(id(stmt))
        group = self.groups[index]
        if group != self.current_group:
            if self.group_open and self._status() == pq.TransactionStatus.INTRANS:
                self._by_runner("COMMIT")  # PostgreSQL commits a query string's implicit transaction at its end
            self.current_group, self.group_open = group, False
        if unit is not None and unit.run != self.current_run:
            if self.opened and self._status() == pq.TransactionStatus.INTRANS:
                self._by_runner("COMMIT")  # the runner commits a section (changeset) before the next
            self.current_run, self.opened = unit.run, False
            if _wraps(self.facts, unit.run, self.run_sizes):
                self._by_runner("BEGIN")
                self.opened = True
        elif (
            unit is not None
            and stmt.kind != "TransactionStmt"
            and self._status() == pq.TransactionStatus.IDLE
            and (_reopened(unit) if group is not None else _in_runners_transaction(unit))
        ):
            # after a COMMIT inside the runner's transaction: a JDBC driver opens a new one, and the
            # rest of a query string stays in PostgreSQL's implicit transaction
            self._by_runner("BEGIN")
            self.opened = True
        if (
            group is not None
            and self.group_sizes[group] > 1
            and stmt.kind != "TransactionStmt"
            and self._status() == pq.TransactionStatus.IDLE
        ):
            # a group of statements sent as one query string (goose's StatementBegin … StatementEnd): its
            # statements run in one implicit transaction, also in a file without the runner's transaction
            self._by_runner("BEGIN")
            self.group_open = True
        elif self.group_open and stmt.kind == "TransactionStmt" and _begins(stmt):
            self.group_open = False  # a BEGIN in the query string turns its implicit transaction into the file's own

    def end(self) -> bool:
        """At the end of the file: commit what the runner opened.  False when the file leaves its own transaction
        open; that one is rolled back, as PostgreSQL does when the runner's session ends."""
        if self._status() == self.pq.TransactionStatus.INTRANS:
            if self.opened or self.group_open:
                self._by_runner("COMMIT")
            else:
                self.conn.execute("ROLLBACK")
                return False
        return True


def _query_groups(prepared: PreparedFile, units: dict[int, StatementFacts]) -> list[tuple[int, int] | None]:
    """Per statement: the query string it is in when the runner cuts its own query strings and sends the rest
    one at a time (``(run, index)``), else ``None`` (one query per run is the run's own transaction model)."""
    found: list[tuple[int, int] | None] = []
    for stmt in prepared.statements:
        unit = units.get(id(stmt))
        if unit is None or prepared.cuts is None or unit.execution.delivery == ONE_QUERY:
            found.append(None)
            continue
        found.append((unit.run, query_index(stmt.start, stmt.index, unit.execution.delivery, prepared.cuts)))
    return found


def _begins(stmt: Statement) -> bool:
    return stmt.node.get("kind") in ("TRANS_STMT_BEGIN", "TRANS_STMT_START")


def _wraps(facts: FileFacts, run: int, sizes: dict[int, int]) -> bool:
    """The runner runs this stretch in a transaction: its own, or one query string of several statements."""
    wraps = facts.run_wraps[run] if run < len(facts.run_wraps) else facts.runner_wraps
    one_string = run < len(facts.runs) and facts.runs[run].execution.delivery == ONE_QUERY
    return wraps or (one_string and sizes.get(run, 0) > 1)


def _in_runners_transaction(unit: StatementFacts) -> bool:
    """After a COMMIT of the file, the statement is still in a transaction the runner's delivery makes."""
    if unit.in_explicit_block:
        return False
    return bool(unit.implicit or (unit.runner_transaction and unit.execution.reopens))


def _reopened(unit: StatementFacts) -> bool:
    """After a COMMIT inside the runner's transaction, the driver opened a new one (JDBC)."""
    return not unit.in_explicit_block and unit.runner_transaction and unit.execution.reopens
