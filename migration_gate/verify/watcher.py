"""Watching a statement that runs outside a transaction from other connections.

Such a statement (``CREATE INDEX CONCURRENTLY``) has released its locks when it returns, so its locks cannot
be read afterwards: one connection per target table takes ``ACCESS EXCLUSIVE`` on it first, the statement
waits for its first lock on that table, and a monitoring connection reads the waiting request from
``pg_locks`` and releases the table (see :mod:`migration_gate.verify.tracing`).
"""

from __future__ import annotations

import json
import threading
from typing import Any


class Watcher:
    """Observes a statement that runs outside a transaction, from other connections."""

    POLL = 0.002  # seconds between looks at pg_locks while the statement runs

    def __init__(self, connect):
        self._connect = connect  # () -> an autocommit psycopg connection
        self._monitor: Any = None  # a psycopg connection that watches the others
        self._idle: list = []

    def close(self) -> None:
        for conn in [self._monitor, *self._idle]:
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001 - closing after a failure
                    pass
        self._monitor, self._idle = None, []

    def _observer(self):
        return self._idle.pop() if self._idle else self._connect()

    def run(
        self, conn, sql: str, targets: dict[str, str]
    ) -> tuple[dict[str, str | None], tuple[str, ...], BaseException | None]:
        """Run ``sql`` on ``conn`` while watching ``targets`` (name → quoted name).

        Returns (first mode requested per watched table or ``None``, tables
        that could not be observed, the statement's exception or ``None``).
        """
        if self._monitor is None:
            self._monitor = self._connect()
        holding: dict[int, tuple[str, object]] = {}  # observer pid → (table, connection)
        unobserved: list[str] = []
        first: dict[str, str | None] = {}
        oids: dict[str, int] = {}
        try:
            for name, quoted in targets.items():
                observer = self._observer()
                try:
                    observer.execute("BEGIN")
                    observer.execute("SET LOCAL lock_timeout = '10s'")
                    oids[name] = observer.execute("SELECT %s::regclass::oid::bigint", [quoted]).fetchone()[0]
                    observer.execute(f"LOCK TABLE ONLY {quoted} IN ACCESS EXCLUSIVE MODE")
                except Exception:  # noqa: BLE001 - e.g. a relation LOCK TABLE refuses
                    self._release(observer)
                    unobserved.append(name)
                    continue
                holding[observer.info.backend_pid] = (name, observer)
            error = self._run_watched(conn, sql, holding, oids, first, unobserved)
        finally:
            for _, observer in holding.values():
                self._release(observer)
        for name, _ in holding.values():
            first.setdefault(name, None)  # it finished without asking for this table
        holding.clear()
        return first, tuple(unobserved), error

    def _run_watched(self, conn, sql, holding, oids, first, unobserved) -> BaseException | None:
        outcome: dict[str, BaseException] = {}

        def execute() -> None:
            try:
                conn.execute(sql)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                outcome["error"] = exc

        pid = conn.info.backend_pid
        thread = threading.Thread(target=execute, name="migration-gate-statement", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                if holding:
                    self._release_blockers(pid, holding, oids, first, unobserved)
                thread.join(self.POLL if holding else 0.05)
        except BaseException:
            conn.cancel_safe()
            for _name, observer in list(holding.values()):
                self._release(observer)
            holding.clear()
            thread.join()
            raise
        return outcome.get("error")

    def _release_blockers(self, pid, holding, oids, first, unobserved) -> None:
        rows = self._monitor.execute(
            "SELECT pg_blocking_pids(%s), (SELECT coalesce(json_agg(json_build_array(l.relation::bigint, l.mode)), "
            "'[]')::text FROM pg_locks l WHERE l.pid = %s AND NOT l.granted AND l.locktype = 'relation')",
            [pid, pid],
        ).fetchone()
        blockers, waiting = rows[0] or [], json.loads(rows[1])
        for blocker in blockers:
            if blocker not in holding:
                continue
            name, observer = holding.pop(blocker)
            modes = [mode for oid, mode in waiting if oid == oids.get(name)]
            if modes:
                first[name] = modes[0]
            else:  # it waits on this connection for something else: let it go, unknown
                unobserved.append(name)
            self._release(observer)

    def _release(self, observer) -> None:
        try:
            observer.execute("ROLLBACK")
            self._idle.append(observer)
        except Exception:  # noqa: BLE001 - a broken observer is dropped
            try:
                observer.close()
            except Exception:  # noqa: BLE001
                pass
