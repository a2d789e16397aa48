"""``check --table-stats``: lock findings sized from a table statistics snapshot.

The end-to-end test takes its snapshot with ``migration-gate stats`` from tables the test fills
with ``generate_series`` to distinct sizes and ``ANALYZE``s on the session's PostgreSQL; the
exact-message tests use a snapshot written by hand (the file is plain data), so that their
numbers do not depend on the server's page layout.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from conftest import run_subprocess

from migration_gate.core.sizing import bytes_text, count_text, duration_text, round_seconds
from migration_gate.verify.database import connect

CONFIG = (
    "migrations:\n  path: migrations\n  layout: flyway\nrules:\n  missing-rollback: off\n"
    "  missing-statement-timeout: off\n  repeated-alter-table: off\n"  # rules these tests are not about
)

SNAPSHOT = {
    "schema_version": 1,
    "taken_at": "2026-12-01T00:00:00Z",
    "server_version": "15.18",
    "tables": [
        {
            "schema": "public",
            "name": "countries",
            "rows": 250,
            "heap_bytes": 40960,
            "index_bytes": 16384,
            "total_bytes": 57344,
            "indexes": [{"name": "countries_pkey", "bytes": 16384, "columns": ["id"]}],
            "writes_per_second": 0.0,
        },
        {
            "schema": "public",
            "name": "users",
            "rows": 2_500_000,
            "heap_bytes": 600 * 1024**2,
            "index_bytes": 100 * 1024**2,
            "total_bytes": 700 * 1024**2,
            "indexes": [{"name": "users_pkey", "bytes": 100 * 1024**2, "columns": ["id"]}],
            "writes_per_second": None,
        },
        {
            "schema": "public",
            "name": "orders",
            "rows": 48_000_000,
            "heap_bytes": 9 * 1024**3,
            "index_bytes": 3 * 1024**3,
            "total_bytes": 12 * 1024**3,
            "indexes": [
                {"name": "orders_pkey", "bytes": 1024**3, "columns": ["id"]},
                {"name": "idx_orders_user_id", "bytes": 2 * 1024**3, "columns": ["user_id"]},
            ],
            "writes_per_second": 350.4,
        },
    ],
}

COUNTRIES = "countries: ~250 rows, 56 kB, 0 writes/s"
USERS = "users: ~2.5M rows, 700 MB, write rate not sampled"
ORDERS = "orders: ~48M rows, 12 GB, ~350 writes/s"
SMALL = "small table (under 10,000 rows and 10 MB): info, the work is brief"
LARGE = "large table (over 10M rows or 10 GB): error"


def project(root: Path, migration: str, config: str = CONFIG, snapshot: dict | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".migration-gate.yml").write_text(config, encoding="utf-8")
    (root / "migrations").mkdir(exist_ok=True)
    (root / "migrations" / "V2__change.sql").write_text(migration, encoding="utf-8")
    (root / "stats.json").write_text(json.dumps(snapshot or SNAPSHOT), encoding="utf-8")
    return root


def findings(result) -> list[tuple[int, str, str, str]]:
    doc = result.json()
    return [(v["line"], v["rule"], v["severity"], v["message"]) for v in doc["violations"]]


def check(cli, root: Path, *args: str):
    result = cli("check", "migrations", "--format", "json", "--no-cache", *args, cwd=root)
    assert result.code in (0, 1), result.err
    return result


# --------------------------------------------------------------------------- levels follow size

MIXED = (
    "SET lock_timeout = '5s';\n"
    "UPDATE countries SET name = upper(name);\n"
    "UPDATE users SET flags = 0;\n"
    "UPDATE orders SET flags = 0;\n"
    "CREATE INDEX idx_countries_name ON countries (name);\n"
    "CREATE INDEX idx_orders_status ON orders (status);\n"
)


def test_the_same_rule_is_demoted_on_a_small_table_and_escalated_on_a_large_one(cli, tmp_path):
    root = project(tmp_path / "p", MIXED)
    assert findings(check(cli, root)) == [
        (2, "unbatched-update", "warning", "UPDATE on countries has no WHERE: it changes every row in one statement"),
        (3, "unbatched-update", "warning", "UPDATE on users has no WHERE: it changes every row in one statement"),
        (4, "unbatched-update", "warning", "UPDATE on orders has no WHERE: it changes every row in one statement"),
        (
            5,
            "non-concurrent-index-creation",
            "error",
            "CREATE INDEX on countries without CONCURRENTLY holds a SHARE lock on countries (blocks writes; "
            "reads continue) while it reads the whole table",
        ),
        (
            6,
            "non-concurrent-index-creation",
            "error",
            "CREATE INDEX on orders without CONCURRENTLY holds a SHARE lock on orders (blocks writes; "
            "reads continue) while it reads the whole table",
        ),
    ]
    sized = check(cli, root, "--table-stats", "stats.json")
    assert findings(sized) == [
        (
            2,
            "unbatched-update",
            "info",
            "UPDATE on countries has no WHERE: it changes every row in one statement — "
            f"{COUNTRIES}; the backfill takes <1 s if it changes every row (throughput model); {SMALL}",
        ),
        (
            3,
            "unbatched-update",
            "warning",
            "UPDATE on users has no WHERE: it changes every row in one statement — "
            f"{USERS}; the backfill takes ~24 s if it changes every row (throughput model)",
        ),
        (
            4,
            "unbatched-update",
            "error",
            "UPDATE on orders has no WHERE: it changes every row in one statement — "
            f"{ORDERS}; the backfill takes ~6.2 min if it changes every row (throughput model); {LARGE}",
        ),
        (
            5,
            "non-concurrent-index-creation",
            "info",
            "CREATE INDEX on countries without CONCURRENTLY holds a SHARE lock on countries (blocks writes; "
            f"reads continue) while it reads the whole table — {COUNTRIES}; the index build takes <1 s "
            f"(throughput model); {SMALL}",
        ),
        (
            6,
            "non-concurrent-index-creation",
            "error",
            "CREATE INDEX on orders without CONCURRENTLY holds a SHARE lock on orders (blocks writes; "
            f"reads continue) while it reads the whole table — {ORDERS}; the index build takes ~61 s "
            f"(throughput model); {LARGE}",
        ),
    ]
    assert sized.json()["summary"] == {
        "files": 1,
        "statements": 6,
        "errors": 2,
        "warnings": 1,
        "infos": 2,
        "result": "fail",
    }


def test_lock_acquisition_risk_keeps_its_level_and_names_the_size(cli, tmp_path):
    root = project(
        tmp_path / "p", "ALTER TABLE countries ADD COLUMN note text;\nALTER TABLE orders ADD COLUMN note text;\n"
    )
    assert findings(check(cli, root, "--table-stats", "stats.json")) == [
        (
            1,
            "missing-lock-timeout",
            "warning",
            "no lock_timeout is set in this file before this statement, which waits for an ACCESS EXCLUSIVE lock "
            "on countries (blocks reads and writes); 1 more statement in this file too (a timeout set by the "
            f"runner's connection or the database role is not visible here) — {COUNTRIES}",
        )
    ]


def test_each_duration_hazard_names_its_work(cli, tmp_path):
    migration = (
        "SET lock_timeout = '5s';\n"
        "ALTER TABLE users ALTER COLUMN id SET NOT NULL;\n"
        "ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0);\n"
        "ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();\n"
        "REINDEX TABLE orders;\n"
        "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);\n"
        "CLUSTER users USING users_pkey;\n"
    )
    root = project(tmp_path / "p", migration)
    got = {
        (line, rule): message.split(" — ", 1)[1]
        for line, rule, _, message in findings(check(cli, root, "--table-stats", "stats.json"))
    }
    assert got == {
        (2, "set-not-null-on-existing-column"): f"{USERS}; the scan takes <1 s (throughput model)",
        (3, "check-constraint-without-not-valid"): f"{USERS}; the scan takes <1 s (throughput model)",
        (4, "add-column-rewrites-table"): f"{ORDERS}; the rewrite takes ~3.5 min (throughput model); {LARGE}",
        (5, "non-concurrent-reindex"): f"{ORDERS}; rebuilding its 2 indexes takes ~2 min (throughput model); {LARGE}",
        (6, "unique-constraint-builds-index"): f"{USERS}; the index build takes ~4 s (throughput model)",
        (7, "blocking-maintenance-operation"): f"{USERS}; the rewrite takes ~9.5 s (throughput model)",
    }


def test_the_users_settings_win(cli, tmp_path):
    config = CONFIG + "  unbatched-update: warning\n  non-concurrent-index-creation: off\n"
    migration = (
        MIXED + "-- migration-gate: ignore unbatched-update -- run at night, table frozen\nDELETE FROM orders;\n"
    )
    root = project(tmp_path / "p", migration, config)
    got = findings(check(cli, root, "--table-stats", "stats.json"))
    assert [(line, rule, level) for line, rule, level, _ in got] == [
        (2, "unbatched-update", "warning"),  # a level set in the configuration is kept on a small table
        (3, "unbatched-update", "warning"),
        (4, "unbatched-update", "warning"),  # … and on a large one
        # a transaction rule keeps its level whatever the size (and the ignore is of another rule)
        (8, "long-operation-under-held-lock", "error"),
    ]
    assert got[3][3].endswith(f"not just a moment — {ORDERS}")
    assert got[0][3].endswith(f" — {COUNTRIES}; the backfill takes <1 s if it changes every row (throughput model)")
    assert got[2][3].endswith(f" — {ORDERS}; the backfill takes ~6.2 min if it changes every row (throughput model)")


def test_a_stale_snapshot_lowers_nothing_and_says_so(cli, tmp_path):
    old = dict(SNAPSHOT, taken_at="2020-01-01T00:00:00Z")
    root = project(tmp_path / "p", MIXED, CONFIG + "table_stats_max_age: 7d\n", old)
    result = check(cli, root, "--table-stats", "stats.json")
    got = findings(result)
    assert [(line, rule, level) for line, rule, level, _ in got] == [
        (2, "unbatched-update", "warning"),
        (3, "unbatched-update", "warning"),
        (4, "unbatched-update", "error"),  # raising still happens: an old snapshot under-states sizes
        (5, "non-concurrent-index-creation", "error"),
        (6, "non-concurrent-index-creation", "error"),
    ]
    assert got[0][3].endswith(
        "; small table (under 10,000 rows and 10 MB), but the snapshot is older than table_stats_max_age: level kept"
    )
    assert result.err.startswith(
        "note: table statistics stats.json were taken 2"  # days ago depends on today's date
    )
    assert result.err.rstrip().endswith(
        "days ago, more than table_stats_max_age (7 days): sizes are shown, but no level is lowered"
    )


def test_tables_absent_from_the_snapshot_behave_as_today(cli, tmp_path):
    root = project(tmp_path / "p", "SET lock_timeout = '5s';\nUPDATE invoices SET paid = true;\n")
    assert findings(check(cli, root, "--table-stats", "stats.json")) == findings(check(cli, root))


def test_json_locks_carry_rows_bytes_and_estimated_seconds(cli, tmp_path):
    root = project(tmp_path / "p", MIXED + "ALTER TABLE invoices ADD COLUMN x int;\n")
    for args in ((), ("--no-cache",)):
        doc = cli("check", "migrations", "--format", "json", "--table-stats", "stats.json", *args, cwd=root).json()
        locks = {s["line"]: s["locks"] for s in doc["statements"]}
        assert locks[4] == [
            {
                "table": "public.orders",
                "mode": "RowExclusiveLock",
                "rewrite": False,
                "scan": True,
                "rows": 48_000_000,
                "bytes": 12 * 1024**3,
                "estimated_seconds": 370.0,
            }
        ]
        assert locks[5][0]["estimated_seconds"] == 0.00026 and locks[5][0]["rows"] == 250
        assert locks[6][0]["estimated_seconds"] == 61.0  # an index build: 9 GB at 150 MB/s
        assert locks[7] == [
            {
                "table": "public.invoices",
                "mode": "AccessExclusiveLock",
                "rewrite": False,
                "scan": False,
                "rows": None,
                "bytes": None,
                "estimated_seconds": None,
            }
        ]


def test_the_pr_comment_locks_column_shows_sizes(cli, tmp_path):
    root = project(tmp_path / "p", MIXED)
    body = cli("check", "migrations", "--format", "markdown", "--table-stats", "stats.json", cwd=root).out
    row = next(line for line in body.splitlines() if line.startswith("| migrations/V2"))
    assert row.split(" | ")[-1] == (
        "SHARE on countries (\\~&#8203;250 rows, 56 kB), scan &lt;1 s<br>"
        "SHARE on orders (\\~&#8203;48M rows, 12 GB), scan \\~&#8203;61 s<br>"
        "ROW EXCLUSIVE on countries (\\~&#8203;250 rows, 56 kB), scan &lt;1 s<br>"
        "ROW EXCLUSIVE on orders (\\~&#8203;48M rows, 12 GB), scan \\~&#8203;6.2 min<br>"
        "ROW EXCLUSIVE on users (\\~&#8203;2.5M rows, 700 MB), scan \\~&#8203;24 s |"
    )


def test_throughput_is_configurable(cli, tmp_path):
    config = CONFIG + "throughput:\n  backfill: 1GB\n  index_build: 9GB\n"
    root = project(tmp_path / "p", MIXED, config)
    got = findings(check(cli, root, "--table-stats", "stats.json"))
    assert got[2][3].endswith(f"{ORDERS}; the backfill takes ~9 s if it changes every row (throughput model); {LARGE}")
    assert got[4][3].endswith(f"{ORDERS}; the index build takes ~1 s (throughput model); {LARGE}")


def test_table_size_limits_are_configurable(cli, tmp_path):
    config = CONFIG + "table_size:\n  small:\n    rows: 5000000\n    bytes: 1GB\n  large:\n    rows: 1000000\n"
    root = project(tmp_path / "p", MIXED, config)
    levels = [(line, level) for line, _, level, _ in findings(check(cli, root, "--table-stats", "stats.json"))]
    assert levels == [(2, "info"), (3, "error"), (4, "error"), (5, "info"), (6, "error")]


def test_config_table_stats_and_the_result_cache(cli, tmp_path):
    config = CONFIG + "table_stats: stats.json\n"
    root = project(tmp_path / "p", MIXED, config)
    first = cli("check", "migrations", "--format", "json", cwd=root)
    assert [v["severity"] for v in first.json()["violations"]] == ["info", "warning", "error", "info", "error"]
    again = cli("check", "migrations", "--format", "json", cwd=root)
    assert again.out == first.out
    # Another snapshot is another result: the cache key holds the snapshot's content.
    bigger = json.loads((root / "stats.json").read_text())
    bigger["tables"][0]["rows"] = 50_000
    (root / "stats.json").write_text(json.dumps(bigger))
    changed = cli("check", "migrations", "--format", "json", cwd=root)
    assert [v["severity"] for v in changed.json()["violations"]] == ["warning", "warning", "error", "error", "error"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "not a table statistics snapshot (invalid JSON: Expecting value: line 1 column 1 (char 0))"),
        (
            '{"schema_version": 2}',
            "not a table statistics snapshot of schema version 1 (written by `migration-gate stats`): schema_version is 2",
        ),
        (
            '{"schema_version": 1, "taken_at": "2026-01-01T00:00:00Z", "tables": [{"schema": "public", "name": "t", "rows": "many"}]}',
            "not a table statistics snapshot of schema version 1 (written by `migration-gate stats`): tables[0].rows is not a count: 'many'",
        ),
    ],
)
def test_a_bad_snapshot_is_one_line_and_exit_2(cli, tmp_path, content, problem):
    root = project(tmp_path / "p", MIXED)
    (root / "stats.json").write_text(content)
    result = cli("check", "migrations", "--table-stats", "stats.json", cwd=root)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"migration-gate: error: stats.json: {problem}\n"
    missing = cli("check", "migrations", "--table-stats", "nope.json", cwd=root)
    assert missing.code == 2
    assert (
        missing.err == "migration-gate: error: nope.json: cannot read the table statistics: No such file or directory\n"
    )


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("table_stats_max_age: soon\n", "table_stats_max_age: 'soon' is not a duration like 60s, 5min, 12h or 30d"),
        ("table_size:\n  small:\n    rows: many\n", "table_size.small.rows: expected an int, got 'many'"),
        ("table_size:\n  tiny: {}\n", "table_size.tiny: unknown setting"),
        ("throughput:\n  scan: fast\n", "throughput.scan: 'fast' is not a size like 10MB"),
    ],
)
def test_bad_sizing_settings_name_the_key(cli, tmp_path, setting, problem):
    root = project(tmp_path / "p", MIXED, CONFIG + setting)
    result = cli("check", "migrations", cwd=root)
    assert (result.code, result.err) == (2, f"migration-gate: error: .migration-gate.yml: {problem}\n")


def test_wording_of_numbers():
    assert [count_text(n) for n in (0, 7, 999, 1000, 1234, 48_000_000, 12_500, 2.5e9)] == [
        "0",
        "7",
        "999",
        "1k",
        "1.2k",
        "48M",
        "12k",
        "2.5B",
    ]
    assert count_text(10_000, exact=True) == "10,000" and count_text(10_000_000, exact=True) == "10M"
    assert [bytes_text(n) for n in (812, 57344, 10 * 1024**2, 9.6 * 1024**2, 12 * 1024**3)] == [
        "812 bytes",
        "56 kB",
        "10 MB",
        "9.6 MB",
        "12 GB",
    ]
    assert [duration_text(s) for s in (0.2, 1, 12.4, 89, 95, 3000, 5400, 7200, 200000)] == [
        "<1 s",
        "~1 s",
        "~12 s",
        "~89 s",
        "~1.6 min",
        "~50 min",
        "~1.5 h",
        "~2 h",
        "~2.3 days",
    ]
    assert [round_seconds(s) for s in (0.000263, 61.44, 368.6, 0)] == [0.00026, 61.0, 370.0, 0.0]


# --------------------------------------------------------------------------- from real tables


@pytest.fixture(scope="module")
def real_snapshot(pg_server, tmp_path_factory) -> Path:
    """A snapshot taken by `migration-gate stats` of tables filled to distinct sizes and analysed."""
    name = f"mg_sizing_{secrets.token_hex(3)}"
    with connect(pg_server.conninfo()) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with connect(pg_server.conninfo(name)) as conn:
            conn.execute(
                "CREATE TABLE lookup (id int PRIMARY KEY, name text);"
                "INSERT INTO lookup SELECT g, 'name ' || g FROM generate_series(1, 200) g;"
                "CREATE TABLE events (id bigint PRIMARY KEY, kind int, payload text);"
                "INSERT INTO events SELECT g, g % 7, md5(g::text) FROM generate_series(1, 300000) g;"
                "ANALYZE lookup, events;"
            )
        out = tmp_path_factory.mktemp("snapshot") / "stats.json"
        done = run_subprocess("stats", "--database-url", pg_server.connection.url(name), "--output", out)
        assert done.code == 0, done.err
        return out
    finally:
        with connect(pg_server.conninfo()) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_real_snapshot_demotes_and_escalates(cli, tmp_path, real_snapshot):
    config = CONFIG + "table_size:\n  large:\n    rows: 250000\n"  # the 300,000-row table counts as large
    migration = "SET lock_timeout = '5s';\nUPDATE lookup SET name = upper(name);\nUPDATE events SET kind = 0;\n"
    root = project(tmp_path / "p", migration, config)
    (root / "stats.json").write_bytes(real_snapshot.read_bytes())
    tables = {t["name"]: t for t in json.loads(real_snapshot.read_text())["tables"]}
    assert tables["lookup"]["rows"] == 200 and tables["events"]["rows"] == 300000
    got = findings(check(cli, root, "--table-stats", "stats.json"))
    assert [(line, rule, level) for line, rule, level, _ in got] == [
        (2, "unbatched-update", "info"),
        (3, "unbatched-update", "error"),
    ]
    lookup_size = bytes_text(tables["lookup"]["total_bytes"])
    events_size = bytes_text(tables["events"]["total_bytes"])
    assert f" — lookup: ~200 rows, {lookup_size}, write rate not sampled; the backfill takes <1 s" in got[0][3]
    assert got[0][3].endswith(SMALL)
    assert f" — events: ~300k rows, {events_size}, write rate not sampled; the backfill takes " in got[1][3]
    assert got[1][3].endswith("; large table (over 250,000 rows or 10 GB): error")
    # The same snapshot serves verify --table-stats and the Action: check it is a file run_subprocess can read.
    assert run_subprocess("check", "migrations", "--table-stats", "stats.json", cwd=root).code == 1


def test_sizes_cross_the_worker_pipe(cli, tmp_path):
    root = project(tmp_path / "p", MIXED)
    for version in (3, 4, 5):
        (root / "migrations" / f"V{version}__more.sql").write_text(MIXED, encoding="utf-8")
    args = ("check", "migrations", "--format", "json", "--no-cache", "--table-stats", "stats.json")
    alone = cli(*args, "--jobs", "1", cwd=root)
    forked = cli(*args, "--jobs", "3", cwd=root)
    assert forked.out == alone.out
    locks = [lock for s in forked.json()["statements"] for lock in s["locks"]]
    assert len(locks) == 20 and all(lock["rows"] is not None for lock in locks)


def test_check_with_table_stats_imports_no_database_driver(tmp_path):
    import subprocess
    import sys

    root = project(tmp_path / "p", MIXED)
    code = (
        "import sys; from migration_gate.cli import main; "
        "code = main(['check', 'migrations', '--table-stats', 'stats.json', '--no-cache']); "
        "print([m for m in ('psycopg', 'jinja2', 'github') if m in sys.modules], code, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert done.stderr.strip().splitlines()[-1] == "[] 1"
    assert "large table (over 10M rows or 10 GB): error" in done.stdout


def test_an_uncertain_hazard_is_lowered_on_a_small_table_but_never_raised(cli, tmp_path):
    """A rewrite the rule cannot be sure of is a warning (the column's type is defined nowhere it can
    see): a small table still makes it info, a large one does not make it an error."""
    migration = (
        "SET lock_timeout = '5s';\n"
        "ALTER TABLE countries ALTER COLUMN code TYPE varchar(3);\n"
        "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\n"
    )
    root = project(tmp_path / "p", migration)
    plain = findings(check(cli, root))
    assert [(line, rule, level) for line, rule, level, _ in plain] == [
        (2, "column-type-change-rewrites-table", "warning"),
        (3, "column-type-change-rewrites-table", "warning"),
    ]
    sized = findings(check(cli, root, "--table-stats", "stats.json"))
    assert [(line, level) for line, _, level, _ in sized] == [(2, "info"), (3, "warning")]
    assert sized[0][3] == f"{plain[0][3]} — {COUNTRIES}; the rewrite takes <1 s (throughput model); {SMALL}"
    assert sized[1][3] == f"{plain[1][3]} — {ORDERS}; the rewrite takes ~3.5 min (throughput model)"
