"""Reading table sizes and write rates from a server, read-only (``migration-gate stats``).

What it does on the server, and nothing else:

* one connection to the database of the URL (``application_name = migration-gate stats``);
* ``BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`` with ``SET LOCAL statement_timeout``
  and a short ``SET LOCAL lock_timeout``;
* reads of the catalogs (``pg_class``, ``pg_namespace``, ``pg_index``, ``pg_attribute``,
  ``pg_inherits``), the statistics functions (``pg_stat_get_tuples_inserted`` …) and the size
  functions by OID (``pg_table_size``, ``pg_indexes_size``, ``pg_total_relation_size``,
  ``pg_relation_size``) — never a table's rows.

The size functions take an ACCESS SHARE lock on the relation for the moment they read its
files, so they wait behind an ACCESS EXCLUSIVE lock (a running migration); the short
``lock_timeout`` turns the wait into an error, caught under a savepoint, and the table is
reported as not sized.  Catalog and statistics reads take no lock on user tables.  Index
columns come from ``pg_index.indkey`` joined to ``pg_attribute``, because ``pg_get_indexdef()``
and ``pg_indexes`` block like the size functions.  A role with CONNECT on the database is
enough (sizes are read by OID, which needs no privilege on the schema or the table).

Write rates need two readings (PostgreSQL 15 keeps no per-table reset time): with
``sample`` seconds, the counters are read at the end of the first transaction and again in a
second READ ONLY transaction that far apart (a transaction sees one statistics snapshot:
``stats_fetch_consistency = cache``).  Backends publish their counters up to ~10 s late, so a
sample of a minute or more gives a steadier rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from ..verify.database import redact
from .figures import IndexFigures, TableFigures, document, sum_partitions

_SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'"

_TABLES = f"""
SELECT c.oid::bigint, n.nspname, c.relname, c.relkind::text,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND {_SYSTEM_SCHEMAS}
  AND (cardinality(%(schemas)s::text[]) = 0 OR n.nspname = ANY(%(schemas)s::text[]))
ORDER BY n.nspname, c.relname
"""
_INDEXES = """
SELECT i.indrelid::bigint, i.indexrelid::bigint, ic.relname,
       array(SELECT coalesce(a.attname::text, '(expression)')
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
             ORDER BY k.ord)
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY(%(oids)s::oid[])
ORDER BY ic.relname
"""
_PARTITIONS = "SELECT inhrelid::bigint, inhparent::bigint FROM pg_inherits WHERE inhparent = ANY(%(oids)s::oid[])"
_SIZES = """
SELECT oid::bigint, pg_table_size(oid), pg_indexes_size(oid), pg_total_relation_size(oid)
FROM unnest(%(oids)s::oid[]) AS oid
"""
_INDEX_SIZES = "SELECT oid::bigint, pg_relation_size(oid) FROM unnest(%(oids)s::oid[]) AS oid"
_COUNTERS = """
SELECT oid::bigint, pg_stat_get_tuples_inserted(oid), pg_stat_get_tuples_updated(oid),
       pg_stat_get_tuples_deleted(oid)
FROM unnest(%(oids)s::oid[]) AS oid
"""


class StatsError(Exception):
    """The server could not be read; the message is one line, passwords hidden."""


def read_stats(
    url: str,
    *,
    schemas: tuple[str, ...] = (),
    sample: float | None = None,
    lock_timeout: float = 1.0,
    statement_timeout: float = 60.0,
    notes: list[str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """The snapshot document (see :mod:`.snapshot`) of the database at ``url``."""
    import psycopg

    notes = notes if notes is not None else []
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="migration-gate stats")
    except psycopg.Error as exc:
        raise StatsError(f"cannot connect to --database-url: {redact(_first_line(exc))}") from None
    except Exception as exc:  # noqa: BLE001 - e.g. a malformed URL (psycopg raises ProgrammingError or ValueError)
        raise StatsError(f"--database-url: not a PostgreSQL connection URL ({redact(_first_line(exc))})") from None
    try:
        with conn:
            return _read(conn, schemas, sample, lock_timeout, statement_timeout, notes, sleep)
    except psycopg.Error as exc:
        raise StatsError(f"reading the statistics failed: {redact(_first_line(exc))}") from None


def _begin(conn, lock_timeout: float, statement_timeout: float) -> None:
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    conn.execute(f"SET LOCAL statement_timeout = {int(statement_timeout * 1000)}")
    conn.execute(f"SET LOCAL lock_timeout = {max(int(lock_timeout * 1000), 1)}")


def _read(conn, schemas, sample, lock_timeout, statement_timeout, notes, sleep) -> dict:
    taken_at = datetime.now(UTC).replace(microsecond=0)
    _begin(conn, lock_timeout, statement_timeout)
    version, database = conn.execute("SELECT current_setting('server_version'), current_database()").fetchone()
    tables = [TableFigures(*row) for row in conn.execute(_TABLES, {"schemas": list(schemas)}).fetchall()]
    by_oid = {t.oid: t for t in tables}
    oids = list(by_oid)
    indexes: dict[int, IndexFigures] = {}
    for table_oid, oid, name, columns in conn.execute(_INDEXES, {"oids": oids}).fetchall():
        index = indexes[oid] = IndexFigures(oid, name, list(columns))
        by_oid[table_oid].indexes.append(index)
    for child, parent in conn.execute(_PARTITIONS, {"oids": oids}).fetchall():
        by_oid[parent].partitions.append(child)
    _sizes(conn, tables, indexes)
    first = time.monotonic()
    counters = _counters(conn, oids)
    conn.execute("COMMIT")
    for table in tables:
        table.counters = counters.get(table.oid)
    if sample:
        sleep(sample)
        _begin(conn, lock_timeout, statement_timeout)
        second = time.monotonic()
        later = _counters(conn, oids)
        conn.execute("COMMIT")
        elapsed = max(second - first, 1e-6)
        reset = []
        for table in tables:
            before, after = table.counters, later.get(table.oid)
            if before is None or after is None:
                continue
            deltas = [b - a for a, b in zip(before, after)]
            if any(d < 0 for d in deltas):
                reset.append(f"{table.schema}.{table.name}")
                continue
            ins, upd, dele = (d / elapsed for d in deltas)
            table.rates = (ins, upd, dele)
        if reset:
            notes.append("note: statistics were reset during the sample; no write rate for " + ", ".join(sorted(reset)))
    sum_partitions(tables, by_oid)
    for table in tables:
        if table.error:
            notes.append(f"note: {table.schema}.{table.name} not sized: {table.error}")
    return document(taken_at, version, database, sample, tables)


def _sizes(conn, tables: list[TableFigures], indexes: dict[int, IndexFigures]) -> None:
    """All sizes in one query; if that waits too long, table by table, each under a savepoint."""
    import psycopg

    stored = [t for t in tables if t.kind != "p"]  # a partitioned table has no storage of its own
    try:
        _under_savepoint(conn, lambda: _size_rows(conn, stored, indexes))
        return
    except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled):
        pass
    for table in stored:
        try:
            _under_savepoint(conn, partial(_size_rows, conn, [table], indexes))
        except psycopg.errors.LockNotAvailable:
            table.error = "another session holds a lock on it (lock_timeout)"
        except psycopg.errors.QueryCanceled:
            table.error = "reading its size took longer than statement_timeout"
        else:
            continue
        table.heap = table.index_bytes = table.total = None
        for index in table.indexes:
            index.bytes = None


def _under_savepoint(conn, work: Callable[[], None]) -> None:
    """Run ``work``; on an error, roll back to before it (the transaction goes on) and re-raise."""
    conn.execute("SAVEPOINT mg_size")
    try:
        work()
    except BaseException:
        conn.execute("ROLLBACK TO SAVEPOINT mg_size")
        raise
    conn.execute("RELEASE SAVEPOINT mg_size")


def _size_rows(conn, tables: list[TableFigures], indexes: dict[int, IndexFigures]) -> None:
    if not tables:
        return
    by_oid = {t.oid: t for t in tables}
    for oid, heap, index_bytes, total in conn.execute(_SIZES, {"oids": list(by_oid)}).fetchall():
        table = by_oid[oid]
        table.heap, table.index_bytes, table.total = heap, index_bytes, total
    index_oids = [i.oid for t in tables for i in t.indexes]
    if index_oids:
        for oid, size in conn.execute(_INDEX_SIZES, {"oids": index_oids}).fetchall():
            indexes[oid].bytes = size


def _counters(conn, oids: list[int]) -> dict[int, tuple[int, int, int]]:
    return {oid: (ins, upd, dele) for oid, ins, upd, dele in conn.execute(_COUNTERS, {"oids": oids}).fetchall()}


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else type(exc).__name__
