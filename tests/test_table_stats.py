"""``migration-gate stats`` against the real PostgreSQL of the test session.

Each test gets a database of its own, filled with ``generate_series`` to distinct sizes and
``ANALYZE``d, and reads it through a role that has nothing but ``pg_read_all_stats`` and CONNECT.
What the command may do is proven on the server: every statement it sends (the server log,
``log_statement = all`` for that role) runs inside a READ ONLY transaction and names no user
table; it takes no lock stronger than ACCESS SHARE (another session holds EXCLUSIVE, which
conflicts with every stronger mode, and every table is still sized); it reads no row (the
tables' scan counters do not move, and the role may not read them anyway).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from pathlib import Path

import pytest
from conftest import run_subprocess

from migration_gate.verify.database import connect

TABLES_SQL = """
CREATE TABLE tiny (id int PRIMARY KEY, label text);
INSERT INTO tiny SELECT g, 'label ' || g FROM generate_series(1, 100) g;
CREATE TABLE mid (id bigint PRIMARY KEY, v text);
INSERT INTO mid SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
CREATE SCHEMA app;
CREATE TABLE app.big (id bigint PRIMARY KEY, user_id int NOT NULL, v text);
INSERT INTO app.big SELECT g, g % 1000, md5(g::text) FROM generate_series(1, 200000) g;
CREATE INDEX big_user_lower_v ON app.big (user_id, lower(v));
CREATE TABLE never_analysed (id int) WITH (autovacuum_enabled = false);
INSERT INTO never_analysed SELECT generate_series(1, 5000);
CREATE TABLE events (id int, day int) PARTITION BY RANGE (day);
CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (10);
CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM (10) TO (20);
INSERT INTO events SELECT g, g % 20 FROM generate_series(1, 3000) g;
ANALYZE tiny, mid, app.big, events, events_1, events_2;
"""
USER_TABLES = ("tiny", "mid", "app.big", "never_analysed", "events_1", "events_2")


class StatsDatabase:
    """A database of its own and a login role with only pg_read_all_stats and CONNECT on it."""

    def __init__(self, server):
        self.server = server
        suffix = secrets.token_hex(3)
        self.name = f"mg_stats_{suffix}"
        self.role = f"mg_stats_reader_{suffix}"
        with connect(server.conninfo()) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
            admin.execute(f'CREATE ROLE "{self.role}" LOGIN')
            admin.execute(f'GRANT pg_read_all_stats TO "{self.role}"')
            admin.execute(f'REVOKE CONNECT ON DATABASE "{self.name}" FROM PUBLIC')
            admin.execute(f'GRANT CONNECT ON DATABASE "{self.name}" TO "{self.role}"')
        with self.connect() as conn:
            conn.execute(TABLES_SQL)
            conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")

    def connect(self, role: str | None = None):
        info = self.server.conninfo(self.name)
        if role:
            info = info.replace("user=postgres", f"user={role}")
        return connect(info)

    def url(self, role: str | None = None) -> str:
        url = self.server.connection.url(self.name)
        return url.replace("postgres@", f"{role}@") if role else url

    def drop(self) -> None:
        with connect(self.server.conninfo()) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{self.role}"')


@pytest.fixture
def db(pg_server):
    database = StatsDatabase(pg_server)
    yield database
    database.drop()


def stats(db: StatsDatabase, *args: str, role: str | None = None):
    return run_subprocess("stats", "--database-url", db.url(role or db.role), *args)


def truth(db: StatsDatabase) -> dict:
    """What the superuser reads directly, to compare with."""
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname, CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples END, "
            "pg_table_size(c.oid), pg_indexes_size(c.oid), pg_total_relation_size(c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname IN ('public', 'app')"
        ).fetchall()
    return {name: (rows_, heap, index, total) for name, rows_, heap, index, total in rows}


def by_name(document: dict) -> dict:
    return {f"{t['schema']}.{t['name']}": t for t in document["tables"]}


def test_a_stats_only_role_reads_sizes_indexes_and_rows(db):
    result = stats(db)
    assert result.code == 0, result.err
    assert result.err == ""
    document = json.loads(result.out)
    assert document["schema_version"] == 1
    assert document["database"] == db.name
    assert document["server_version"].startswith(("15", "16", "17", "18"))
    assert document["sample_seconds"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["taken_at"])
    tables = by_name(document)
    assert sorted(tables) == [
        "app.big",
        "public.events",
        "public.events_1",
        "public.events_2",
        "public.mid",
        "public.never_analysed",
        "public.tiny",
    ]
    expected = truth(db)
    for name, (rows, heap, index, total) in expected.items():
        table = tables[name]
        assert (table["rows"], table["heap_bytes"], table["index_bytes"], table["total_bytes"]) == (
            None if rows is None else round(rows),
            heap,
            index,
            total,
        ), name
        assert table["error"] is None and table["kind"] == "table"
        assert table["writes_per_second"] is None  # not sampled
    # Distinct sizes, as generated; a never-analysed table has no row estimate but a size.
    assert tables["public.tiny"]["rows"] == 100 and tables["public.mid"]["rows"] == 20000
    assert tables["app.big"]["total_bytes"] > tables["public.mid"]["total_bytes"] > tables["public.tiny"]["total_bytes"]
    assert tables["public.never_analysed"]["rows"] is None
    assert tables["public.never_analysed"]["heap_bytes"] > 0
    # Index names, sizes and columns (an expression is named as such), from pg_index + pg_attribute.
    assert [(i["name"], i["columns"]) for i in tables["app.big"]["indexes"]] == [
        ("big_pkey", ["id"]),
        ("big_user_lower_v", ["user_id", "(expression)"]),
    ]
    assert all(i["bytes"] > 0 for i in tables["app.big"]["indexes"])
    assert sum(i["bytes"] for i in tables["app.big"]["indexes"]) == tables["app.big"]["index_bytes"]
    # A partitioned table is the sum of its partitions.
    events = tables["public.events"]
    assert events["kind"] == "partitioned table"
    assert events["rows"] == tables["public.events_1"]["rows"] + tables["public.events_2"]["rows"] == 3000
    assert events["total_bytes"] == tables["public.events_1"]["total_bytes"] + tables["public.events_2"]["total_bytes"]


def test_schema_filter_and_output_file(db, tmp_path):
    out = tmp_path / "stats.json"
    result = stats(db, "--schema", "app", "--output", out)
    assert result.code == 0 and result.out == "", result.err
    assert sorted(by_name(json.loads(out.read_text()))) == ["app.big"]


def test_every_statement_runs_in_a_read_only_transaction_and_names_no_table(db, pg_server):
    log = Path(pg_server.log)
    with connect(pg_server.conninfo()) as admin:
        admin.execute(f'ALTER ROLE "{db.role}" SET log_statement = \'all\'')
    start = log.stat().st_size
    result = stats(db, "--sample", "0.2")
    assert result.code == 0, result.err
    time.sleep(0.2)  # the server writes its log asynchronously
    text = log.read_bytes()[start:].decode("utf-8", "replace")
    statements = [
        m.group(1).strip() for m in re.finditer(r"LOG:  (?:statement|execute [^:]*): (.*?)(?=\n\S|\Z)", text, re.S)
    ]
    assert statements, text
    in_transaction = False
    for sql in statements:
        if sql.startswith("BEGIN"):
            assert sql == "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            in_transaction = True
        elif sql == "COMMIT":
            in_transaction = False
        else:
            assert in_transaction, f"outside the READ ONLY transaction: {sql}"
            assert re.match(r"(SELECT|SET LOCAL (statement|lock)_timeout|SAVEPOINT|RELEASE|ROLLBACK TO)\b", sql), sql
        for table in ("tiny", "mid", "big", "never_analysed", "events"):
            assert not re.search(rf"\b{table}\b", sql), f"{table} named in: {sql}"
    assert statements[0] == "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" and statements[-1] == "COMMIT"
    assert sum(1 for s in statements if s.startswith("BEGIN")) == 2  # the sample's second reading


def test_no_lock_stronger_than_access_share(db):
    """EXCLUSIVE conflicts with every mode but ACCESS SHARE: while another session holds it on every
    table, stats still sizes them all (a stronger request would wait and time out)."""
    with db.connect() as holder:
        holder.execute("BEGIN")
        holder.execute(f"LOCK TABLE {', '.join(USER_TABLES)}, events IN EXCLUSIVE MODE")
        started = time.monotonic()
        result = stats(db, "--lock-timeout", "0.5")
        holder.execute("ROLLBACK")
    assert result.code == 0, result.err
    assert result.err == ""
    assert all(t["error"] is None and t["total_bytes"] is not None for t in json.loads(result.out)["tables"])
    assert time.monotonic() - started < 20


def test_a_table_locked_access_exclusive_is_reported_not_sized_instead_of_waiting(db):
    with db.connect() as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE mid IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        result = stats(db, "--lock-timeout", "0.3")
        elapsed = time.monotonic() - started
        holder.execute("ROLLBACK")
    assert result.code == 0, result.err
    assert result.err == "note: public.mid not sized: another session holds a lock on it (lock_timeout)\n"
    tables = by_name(json.loads(result.out))
    mid = tables["public.mid"]
    assert mid["error"] == "another session holds a lock on it (lock_timeout)"
    assert (mid["heap_bytes"], mid["index_bytes"], mid["total_bytes"]) == (None, None, None)
    assert [i["bytes"] for i in mid["indexes"]] == [None]
    assert mid["rows"] == 20000  # pg_class is read without a lock
    assert tables["public.tiny"]["total_bytes"] > 0 and tables["public.tiny"]["error"] is None
    assert elapsed < 20


def test_reads_no_rows(db):
    def scans():
        with db.connect() as conn:
            return conn.execute(
                "SELECT relname, seq_scan, coalesce(idx_scan, 0), seq_tup_read FROM pg_stat_user_tables ORDER BY 1"
            ).fetchall()

    before = scans()
    assert stats(db, "--sample", "0.1").code == 0
    time.sleep(0.5)  # the stats backend flushed its counters when it exited
    assert scans() == before
    # The role could not read a row if it tried: no SELECT privilege, no USAGE on schema app.
    with db.connect(db.role) as conn:
        for table in ("public.tiny", "app.big"):
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(f"SELECT 1 FROM {table} LIMIT 1")


def test_write_rates_from_two_readings(db):
    """--sample: the counters read twice, in two READ ONLY transactions (one transaction would see the
    same statistics snapshot twice), and the differences divided by the time between them."""
    from migration_gate.stats.reader import read_stats

    def writes_while_waiting(seconds: float) -> None:
        with db.connect() as writer:
            writer.execute("INSERT INTO tiny SELECT g, 'new' FROM generate_series(1001, 1600) g")
            writer.execute("UPDATE tiny SET label = 'changed' WHERE id <= 60")
            writer.execute("DELETE FROM tiny WHERE id > 1540")
            writer.execute("SELECT pg_stat_force_next_flush()")
        time.sleep(seconds)

    document = read_stats(db.url(db.role), sample=0.3, sleep=writes_while_waiting)
    tiny = by_name(document)["public.tiny"]
    assert document["sample_seconds"] == 0.3
    ins, upd, dele = tiny["inserts_per_second"], tiny["updates_per_second"], tiny["deletes_per_second"]
    assert ins > 0 and upd > 0 and dele > 0
    assert ins / dele == pytest.approx(10, rel=0.01)  # 600 inserted, 60 updated, 60 deleted
    assert upd / dele == pytest.approx(1, rel=0.01)
    assert tiny["writes_per_second"] == pytest.approx(ins + upd + dele, abs=0.02)
    assert by_name(document)["public.mid"]["writes_per_second"] == 0.0


def test_without_connect_privilege_and_unreachable_servers_are_one_line_exit_2(db, pg_server):
    with connect(pg_server.conninfo()) as admin:
        admin.execute(f'REVOKE CONNECT ON DATABASE "{db.name}" FROM "{db.role}"')
    result = stats(db)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("migration-gate: error: cannot connect to --database-url: ")
    assert 'permission denied for database "' in result.err and result.err.count("\n") == 1

    closed = "postgresql://someone:s3cr3t-pw@127.0.0.1:1/shop"
    result = run_subprocess("stats", "--database-url", closed)
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1
    assert result.err.startswith("migration-gate: error: cannot connect to --database-url: ")
    assert "s3cr3t" not in result.err

    result = run_subprocess("stats", "--database-url", closed, "--sample", "0")
    assert (result.code, result.err) == (2, "migration-gate: error: --sample 0: must be a positive number of seconds\n")


def test_sampled_rates_under_concurrent_writes(db):
    """A writer inserting during the sample shows as a positive insert rate (counters flushed by the
    writer's own session when it is idle or ends)."""
    from migration_gate.stats.reader import read_stats

    stop = threading.Event()

    def writer() -> None:
        with db.connect() as conn:
            while not stop.is_set():
                conn.execute("INSERT INTO mid (id, v) SELECT max(id) + 1, 'w' FROM mid")
            conn.execute("SELECT pg_stat_force_next_flush()")

    def wait(seconds: float) -> None:
        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(seconds)
        stop.set()
        thread.join()

    document = read_stats(db.url(db.role), sample=0.5, sleep=wait)
    assert by_name(document)["public.mid"]["inserts_per_second"] > 0
