"""The pre-pass's walk over a file's statements in order: which transaction each runs in, and its facts.

:func:`migration_gate.core.analysis.analyze` prepares the runs, the query strings and the statements in
analysis order, then steps a :class:`TransactionWalk` through them.
"""

from __future__ import annotations

from typing import Any

from .facts import FileFacts, StatementFacts, TransactionProblem
from .objects import created_objects, dropped_if_exists
from .parse import Statement
from .sqlnodes import qualified_name
from .transactional import BEGIN_KINDS, END_KINDS, lock_timeout_change

#: The query string of a statement that shares it with none (no entry in the pre-pass's query map).
_ALONE = ((-1, -1), 1)


class TransactionWalk:
    """The transaction state as the pre-pass walks the statements in order, recording each one's facts."""

    def __init__(self, facts: FileFacts, wraps: list[bool], first: int, timeout_set: bool) -> None:
        self.facts = facts
        self.wraps = wraps
        self.explicit = False
        self.began_in_runner = False
        self.runner_tx = wraps[first]
        self.current = first
        self.timeout_session = timeout_set
        self.timeout_local = False
        self.last_begin: Statement | None = None
        self.ends: list[TransactionProblem] = []
        # Transactions are numbered as they open: ``epoch`` is the one an explicit or runner transaction open
        # now is; implicit ones (a multi-statement query string, a DO block in autocommit) get their own number.
        self.epoch = 0
        self.numbers: dict[tuple[Any, ...], int] = {}
        self.batch_epoch = 0 if facts.runs[first].execution.batch and self.runner_tx else None
        facts.batch_open_at_end = self.batch_epoch is not None

    def step(
        self,
        order: int,
        stmt: Statement,
        top_runs: dict[int, int],
        queries: dict[int, tuple[tuple[int, int], int]],
    ) -> None:
        """Record the facts of the next statement (in analysis order) and move the state past it."""
        facts = self.facts
        inner = stmt.parent is not None
        top = stmt.parent or stmt
        run = top_runs.get(id(top), self.current)
        if run != self.current:
            self._enter(run)
        tx_epoch = self.epoch  # the transaction a COMMIT itself belongs to: the one it ends
        if not inner and stmt.kind == "TransactionStmt":
            tx_epoch = self._control(stmt, run)
        query, size = queries.get(id(top), _ALONE)
        implicit = size > 1
        in_tx = self.explicit or self.runner_tx or inner or implicit
        transaction = self._number(stmt, top, run, query, implicit, tx_epoch)
        self._timeout(stmt, in_tx)
        facts.units.append(
            StatementFacts(
                statement=stmt,
                in_transaction=in_tx,
                in_explicit_block=self.explicit or inner,
                lock_timeout_set=self.timeout_session or self.timeout_local,
                order=order,
                file=facts,
                runner_transaction=self.runner_tx,
                implicit=implicit,
                run=run,
                transaction=transaction,
            )
        )
        facts.schema.record(stmt.kind, stmt.node, order)
        for key in created_objects(stmt):
            facts.objects.setdefault(key, []).append(order)
        _index(facts, order, stmt, run, inner)

    def finish(self) -> None:
        """The file ends: an explicit ``BEGIN`` still open is unclosed."""
        if self.explicit and self.last_begin is not None and not self.began_in_runner:
            self.facts.problems.append(TransactionProblem("unclosed", self.last_begin, run=self.current))

    def _enter(self, run: int) -> None:
        """The next statement belongs to another run (section, changeset): its transactions start afresh."""
        self.finish()
        self.current, self.runner_tx, self.explicit, self.began_in_runner = run, self.wraps[run], False, False
        self.timeout_local = False
        self.epoch += 1

    def _control(self, stmt: Statement, run: int) -> int:
        """The file's own ``BEGIN`` or ``COMMIT``/``ROLLBACK``; returns the transaction it belongs to."""
        facts = self.facts
        tx_epoch = self.epoch
        kind = stmt.node.get("kind")
        if kind in BEGIN_KINDS:
            if self.explicit:
                facts.problems.append(TransactionProblem("nested", stmt, run=run))
            elif self.runner_tx:
                facts.problems.append(TransactionProblem("begin-in-runner", stmt, run=run))
                self.began_in_runner = True
            else:
                self.epoch += 1
                tx_epoch = self.epoch
            self.explicit = True
            self.last_begin = stmt
        elif kind in END_KINDS:
            self.epoch += 1
            if tx_epoch == self.batch_epoch:
                facts.batch_open_at_end = False
            if self.runner_tx and (not self.explicit or self.began_in_runner):
                problem = TransactionProblem("end-in-runner", stmt, run=run)
                facts.problems.append(problem)
                self.ends.append(problem)
                self.runner_tx = facts.runs[run].execution.reopens
                self.began_in_runner = False
            elif not self.explicit and not self.wraps[run]:
                facts.problems.append(TransactionProblem("stray-end", stmt, run=run))
            self.explicit = bool(stmt.node.get("chain"))
            self.timeout_local = False
        return tx_epoch

    def _number(
        self, stmt: Statement, top: Statement, run: int, query: tuple[int, int], implicit: bool, tx_epoch: int
    ) -> int | None:
        """The number of the transaction the statement runs in (``None``: alone, in autocommit)."""
        inner = stmt.parent is not None
        key: tuple[Any, ...] | None
        if stmt.kind == "TransactionStmt" and not inner:
            key = ("tx", tx_epoch)
        elif self.explicit or self.runner_tx:
            key = ("tx", self.epoch)
        elif implicit:
            key = ("query", run, query, self.epoch)
        elif inner or top.kind == "DoStmt":
            key = ("do", top.index)
        else:
            key = None
        transaction = self.numbers.setdefault(key, len(self.numbers)) if key is not None else None
        if key == ("tx", self.batch_epoch) and self.batch_epoch is not None:
            self.facts.batch_transaction = transaction
        return transaction

    def _timeout(self, stmt: Statement, in_tx: bool) -> None:
        """Follow ``SET [LOCAL] lock_timeout`` (and ``set_config``): session-wide or until the transaction ends."""
        change = lock_timeout_change(stmt)
        if change is not None:
            enabled, local = change
            if local:
                self.timeout_local = enabled and in_tx
            else:
                self.timeout_session = enabled
                self.timeout_local = self.timeout_local and enabled


def _index(facts: FileFacts, order: int, stmt: Statement, run: int, inner: bool) -> None:
    """What rules look up instead of walking the statements before or after one (linear cost per file)."""
    if not inner:
        facts.top_level_by_run.setdefault(run, []).append(order)
        if stmt.kind == "TransactionStmt":
            facts.transaction_statements_by_run.setdefault(run, []).append(order)
        else:
            facts.last_statement_by_run[run] = order
    if stmt.kind in ("InsertStmt", "UpdateStmt"):
        name = qualified_name(stmt.node.get("relation")).rsplit(".", 1)[-1]
        facts.writes_by_table_name.setdefault(name, []).append(order)
    elif stmt.kind in ("DropStmt", "AlterTableStmt"):
        dropped, constraints = dropped_if_exists(stmt)
        for key in dropped:
            facts.dropped_if_exists.setdefault(key, order)
        for constraint in constraints:
            facts.constraints_dropped_if_exists.setdefault(constraint, order)
