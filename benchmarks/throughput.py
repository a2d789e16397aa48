#!/usr/bin/env python3
"""Measure the throughput model's constants (``throughput:`` in the configuration) on a server.

The model turns a table's heap size into an order-of-magnitude duration for the work a
statement does under its lock: a scan, an index build, a rewrite, a backfill.  This script
times each kind of work on a table filled with ``generate_series`` and prints the megabytes of
heap per second, and the ``throughput:`` settings they give.

By default it starts a throwaway PostgreSQL (as ``verify`` does); ``--database-url`` measures a
server of yours instead (it creates and drops a table ``mg_throughput`` there: use a staging
server, never production).  The defaults in the README were measured with this script and with
the research notes' transcripts (5,000,000 rows, data in the page cache, an idle server): real
servers under load, with cold caches or slower disks, are slower, so the estimates are lower
bounds.

    .venv/bin/python benchmarks/throughput.py [--rows 5000000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TABLE = "mg_throughput"
MB = 1024 * 1024


def measure(conn, rows: int) -> list[tuple[str, str, float, float]]:
    """(setting, what was timed, seconds, MB of heap per second) for each kind of work."""

    def run(sql: str) -> float:
        conn.execute("CHECKPOINT")
        started = time.perf_counter()
        conn.execute(sql)
        return time.perf_counter() - started

    def heap() -> int:
        return conn.execute(f"SELECT pg_relation_size('{TABLE}')").fetchone()[0]

    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(f"CREATE TABLE {TABLE} (id bigint, a text, b int, created timestamptz)")
    conn.execute(
        f"INSERT INTO {TABLE} SELECT g, md5(g::text) || lpad(g::text, 8, '0'), (g % 1000)::int, "
        f"now() - g * interval '1 second' FROM generate_series(1, {rows}) g"
    )
    conn.execute(f"VACUUM (FREEZE, ANALYZE) {TABLE}")
    conn.execute(f"SELECT count(*) FROM {TABLE}")  # the data into the page cache
    size = heap()
    out = []

    def record(setting: str, what: str, seconds: float, bytes_: int) -> None:
        out.append((setting, what, seconds, bytes_ / MB / seconds))

    conn.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_b CHECK (b >= 0) NOT VALID")
    record("scan", "VALIDATE CONSTRAINT (CHECK)", run(f"ALTER TABLE {TABLE} VALIDATE CONSTRAINT {TABLE}_b"), size)
    record("scan", "SET NOT NULL", run(f"ALTER TABLE {TABLE} ALTER COLUMN b SET NOT NULL"), size)
    record("index_build", "CREATE INDEX on an int column", run(f"CREATE INDEX {TABLE}_bi ON {TABLE} (b)"), size)
    record("index_build", "CREATE INDEX on a 40-byte text column", run(f"CREATE INDEX {TABLE}_ai ON {TABLE} (a)"), size)
    conn.execute(f"DROP INDEX {TABLE}_bi, {TABLE}_ai")
    record(
        "rewrite",
        "ALTER COLUMN TYPE bigint (no index: the heap alone)",
        run(f"ALTER TABLE {TABLE} ALTER COLUMN b TYPE bigint"),
        size,
    )
    size = heap()
    conn.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)")
    conn.execute(f"VACUUM {TABLE}")
    record("backfill", "UPDATE every row (one primary key index)", run(f"UPDATE {TABLE} SET b = b + 1"), size)
    conn.execute(f"DROP TABLE {TABLE}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--database-url", help="measure this server (staging) instead of a throwaway one")
    args = parser.parse_args()
    from migration_gate.verify.database import connect
    from migration_gate.verify.pgserver import TemporaryServer

    server = None
    try:
        if args.database_url:
            url = args.database_url
        else:
            server = TemporaryServer()
            server.start()
            url = server.conninfo()
        with connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            results = measure(conn, args.rows)
    finally:
        if server is not None:
            server.stop()
    print(f"PostgreSQL {version}, {args.rows:,} rows")
    print(f"{'setting':<12} {'work':<52} {'seconds':>8} {'MB/s of heap':>13}")
    for setting, what, seconds, rate in results:
        print(f"{setting:<12} {what:<52} {seconds:>8.2f} {rate:>13.0f}")
    best: dict[str, float] = {}
    for setting, _, _, rate in results:
        best[setting] = min(best.get(setting, rate), rate)  # the slower kind of each: estimates are lower bounds
    print("\nthroughput:  # measured; the slower of each kind")
    for setting, rate in best.items():
        print(f"  {setting}: {rate:.0f}MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
