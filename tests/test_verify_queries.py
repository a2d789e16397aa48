"""``verify``: the previous release's queries against each new migration, and each migration's wall time.

Real git repositories (the merged migrations and the seed data are the base; the branch adds the
migrations under test) and the session's real PostgreSQL through ``--database-url``.
"""

from __future__ import annotations

import re

import pytest
from conftest import GitRepo

BASE_CONFIG = (
    "migrations:\n  path: migrations\n  layout: flyway\nverify:\n  seed: seeds/shop.sql\n  queries: queries/app.sql\n"
)
V1 = (
    "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n"
    "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, status text NOT NULL, "
    "total numeric NOT NULL);\n"
    "CREATE INDEX idx_orders_user_id ON orders (user_id);\n"
)
SEED = (
    "INSERT INTO users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 5000) g;\n"
    "INSERT INTO orders SELECT g, g % 5000 + 1, 'paid', g % 100 FROM generate_series(1, 50000) g;\n"
)
QUERIES = (
    "-- name: user_by_email\n"
    "SELECT id\n"
    "FROM users\n"
    "WHERE email = 'user7@example.com';\n"
    "\n"
    "-- name: orders_of_user\n"
    "SELECT id, status FROM orders WHERE user_id = $1;\n"
)


def shop(git_repo: GitRepo, *, config: str = BASE_CONFIG, queries: str = QUERIES, seed: str = SEED) -> GitRepo:
    """main: V1 (tables, index), the seed data and the queries; then a branch ``pr``."""
    git_repo.write(".migration-gate.yml", config)
    git_repo.write("migrations/V1__shop.sql", V1)
    git_repo.write("migrations/rollback/V1__rollback.sql", "DROP TABLE orders;\nDROP TABLE users;\n")
    git_repo.write("seeds/shop.sql", seed)
    git_repo.write("queries/app.sql", queries)
    git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "pr")
    return git_repo


@pytest.fixture
def url(pg_server) -> str:
    return pg_server.connection.url()


def verify(cli, repo: GitRepo, url: str, *args: str):
    result = cli("verify", "--base", "main", "--database-url", url, "--format", "json", *args, cwd=repo.path)
    assert result.code in (0, 1), result.err
    return result


def found(result, *rules: str) -> list[tuple[str, int, int, str]]:
    return [
        (v["path"], v["line"], v["column"], v["message"]) for v in result.json()["violations"] if v["rule"] in rules
    ]


PARAMS = "  query_params:\n    orders_of_user: [42]\n"


def test_dropping_an_index_a_query_uses_is_a_plan_regression(cli, git_repo, url):
    repo = shop(git_repo, config=BASE_CONFIG + PARAMS)
    repo.write("migrations/V2__drop_user_index.sql", "SET lock_timeout = '5s';\nDROP INDEX idx_orders_user_id;\n")
    repo.write("migrations/rollback/V2__rollback.sql", "CREATE INDEX idx_orders_user_id ON orders (user_id);\n")
    repo.commit("drop the index")
    result = verify(cli, repo, url)
    assert result.code == 0  # a warning
    ((path, line, column, message),) = found(result, "query-plan-regression", "query-broken")
    assert (path, line, column) == ("migrations/V2__drop_user_index.sql", 2, 1)
    assert re.fullmatch(
        r"query queries/app\.sql:7 \(orders_of_user\): index idx_orders_user_id it used is gone; "
        r"it now scans orders instead of reading it through an index; "
        r"its estimated cost grew from [\d.]+ to [\d,]+ \(×[\d,]+, more than verify\.cost_ratio 10\) — "
        r"before: (Bitmap Heap Scan on orders \(Bitmap Index Scan using idx_orders_user_id\)|"
        r"Index Scan using idx_orders_user_id on orders) \(cost [\d.]+\); "
        r"after: Seq Scan on orders \(cost [\d,]+\)",
        message,
    ), message
    assert result.json()["summary"]["warnings"] == 1


def test_renaming_a_column_a_query_reads_is_query_broken(cli, git_repo, url):
    repo = shop(git_repo, config=BASE_CONFIG + PARAMS)
    repo.write(
        "migrations/V2__rename_email.sql",
        "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\n"
        "ALTER TABLE users RENAME COLUMN email TO email_address;\n",
    )
    repo.write(
        "migrations/rollback/V2__rollback.sql",
        "ALTER TABLE users RENAME COLUMN email_address TO email;\nALTER TABLE orders DROP COLUMN note;\n",
    )
    repo.commit("rename")
    result = verify(cli, repo, url)
    assert result.code == 1
    assert found(result, "query-broken", "query-plan-regression") == [
        (
            "migrations/V2__rename_email.sql",
            3,
            1,
            'query queries/app.sql:2 (user_by_email) planned before this migration and fails after it: '
            'column "email" does not exist (at queries/app.sql:4)',
        )
    ]
    (broken,) = [v for v in result.json()["violations"] if v["rule"] == "query-broken"]
    assert (broken["code"], broken["severity"]) == ("MG410", "error")


def test_a_slow_migration_is_reported_at_its_slowest_statement(cli, git_repo, url):
    repo = shop(git_repo, config=BASE_CONFIG + PARAMS + "  max_duration: 300ms\n")
    repo.write("migrations/V2__slow.sql", "SELECT 1;\nSELECT pg_sleep(0.5);\nSELECT 2;\n")
    repo.write("migrations/V3__fast.sql", "SELECT 3;\n")
    repo.commit("slow")
    result = verify(cli, repo, url)
    ((path, line, column, message),) = found(result, "slow-migration")
    assert (path, line, column) == ("migrations/V2__slow.sql", 2, 1)
    assert re.fullmatch(
        r"the migration took 0\.5\d s on verify's database \(the merged migrations and the seed data\), "
        r"more than verify\.max_duration \(0\.30 s\); its slowest statement took 0\.5\d s",
        message,
    ), message
    timings = [line for line in result.err.splitlines() if line.startswith("verify: ")]
    assert [re.sub(r"\d+\.\d\d s", "N s", t) for t in timings] == [
        "verify: migrations/V2__slow.sql: N s on verify's database",
        "verify: migrations/V3__fast.sql: N s on verify's database",
    ]
    assert float(timings[0].split(": ")[2].split(" s")[0]) >= 0.5


def test_default_max_duration_is_a_minute(cli, git_repo, url):
    repo = shop(git_repo)
    repo.write("migrations/V2__sleep.sql", "SELECT pg_sleep(0.3);\n")
    repo.commit("sleep")
    result = verify(cli, repo, url)
    assert found(result, "slow-migration") == []


def test_estimate_from_table_stats_is_shown_beside_the_measured_time(cli, git_repo, url):
    repo = shop(git_repo, config=BASE_CONFIG + PARAMS)
    repo.write(
        "stats.json",
        '{"schema_version": 1, "taken_at": "2026-12-01T00:00:00Z", "server_version": "15", "tables": ['
        '{"schema": "public", "name": "orders", "rows": 48000000, "heap_bytes": 9663676416, '
        '"index_bytes": 0, "total_bytes": 12884901888, "indexes": [], "writes_per_second": 350}]}',
    )
    repo.write(
        "migrations/V2__index.sql",
        "SET lock_timeout = '5s';\nCREATE INDEX idx_orders_status ON orders (status);\n",
    )
    repo.commit("index")
    result = verify(cli, repo, url, "--table-stats", "stats.json")
    (timing,) = [line for line in result.err.splitlines() if line.startswith("verify: ")]
    assert re.fullmatch(
        r"verify: migrations/V2__index\.sql: \d+\.\d\d s on verify's database "
        r"\(estimate on the table statistics' sizes: ~61 s\)",
        timing,
    ), timing
    (statement,) = [s for s in result.json()["statements"] if s["line"] == 2]
    assert statement["locks"] == [
        {
            "table": "public.orders",
            "mode": "ShareLock",
            "rewrite": False,
            "scan": True,
            "rows": 48000000,
            "bytes": 12884901888,
            "estimated_seconds": 61.0,
        }
    ]


def test_query_params_by_name_or_by_line_and_queries_without_values(cli, git_repo, url):
    queries = (
        QUERIES
        + "\nSELECT count(*) FROM orders WHERE status = $1 AND total > $2;\n"
        + ("-- name: without_values\nSELECT * FROM orders WHERE id = $1;\n" + "SET search_path = public;\n")
    )
    config = BASE_CONFIG + "  query_params:\n    orders_of_user: 42\n    queries/app.sql:9: [paid, 10]\n"
    repo = shop(git_repo, config=config, queries=queries)
    repo.write("migrations/V2__drop.sql", "SET lock_timeout = '5s';\nDROP INDEX idx_orders_user_id;\n")
    repo.commit("drop")
    result = verify(cli, repo, url)
    assert [line for line in result.err.splitlines() if line.startswith("note: verify.queries")] == [
        "note: verify.queries queries/app.sql:11 (without_values) has $1 parameter but verify.query_params gives "
        "no values for it (by name or as queries/app.sql:11); not checked",
        "note: verify.queries queries/app.sql:12: not a query (EXPLAIN plans SELECT, INSERT, UPDATE, DELETE and "
        "MERGE); skipped",
    ]
    assert [m.split(":")[1] for _, _, _, m in found(result, "query-plan-regression")] == ["7 (orders_of_user)"]


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (
            "  query_params:\n    nobody: [1]\n",
            ".migration-gate.yml: verify.query_params.nobody: no query of that name (-- name: …) or path:line "
            "in verify.queries",
        ),
        (
            "  query_params:\n    queries/app.sql:9: [paid]\n",
            ".migration-gate.yml: verify.query_params.queries/app.sql:9: 1 value for a query with 2 parameters "
            "(queries/app.sql:9)",
        ),
        ("  cost_ratio: 1\n", ".migration-gate.yml: verify.cost_ratio: must be more than 1, got 1"),
        (
            "  max_duration: fast\n",
            ".migration-gate.yml: verify.max_duration: 'fast' is not a duration like 60s, 5min, 12h or 30d",
        ),
        ("  queries: nowhere.sql\n", None),
    ],
)
def test_bad_query_settings_are_one_line_and_exit_2(cli, git_repo, url, config, error):
    queries = QUERIES + "\nSELECT count(*) FROM orders WHERE status = $1 AND total > $2;\n"
    if config.startswith("  queries:"):
        full = "migrations:\n  path: migrations\nverify:\n" + config
        error = ".migration-gate.yml: verify.queries: nowhere.sql: no such file or folder"
    else:
        full = BASE_CONFIG + config
    repo = shop(git_repo, config=full, queries=queries)
    result = cli("verify", "--base", "main", "--database-url", url, cwd=repo.path)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"migration-gate: error: {error}\n"


def test_a_queries_file_that_does_not_parse(cli, git_repo, url):
    repo = shop(git_repo, queries="SELECT 1;\nSELEC oops;\n")
    result = cli("verify", "--base", "main", "--database-url", url, cwd=repo.path)
    assert (result.code, result.err) == (
        2,
        'migration-gate: error: verify.queries queries/app.sql:2: does not parse: syntax error at or near "SELEC"\n',
    )


def test_explain_analyze_runs_the_queries_in_a_transaction_it_rolls_back(cli, git_repo, url):
    queries = (
        "-- name: ratio\nSELECT 100 / (total - 5) FROM orders WHERE id = 6;\n"
        "-- name: audit\nINSERT INTO audit (id) VALUES (1);\n"
    )
    config = BASE_CONFIG + "  explain_analyze: true\n"
    repo = shop(git_repo, config=config, queries=queries)
    repo.write("migrations/V2__audit.sql", "CREATE TABLE audit (id int PRIMARY KEY);\n")
    repo.write("migrations/V3__data.sql", "SET lock_timeout = '5s';\nUPDATE orders SET total = 5 WHERE id = 6;\n")
    repo.write("migrations/V4__nothing.sql", "SELECT 1;\n")
    repo.commit("data")
    result = verify(cli, repo, url)
    # Planning alone does not divide; running the query does.  The INSERT ran after V2, V3 and V4:
    # rolled back each time, so no duplicate key.
    assert found(result, "query-broken") == [
        (
            "migrations/V3__data.sql",
            2,
            1,
            "query queries/app.sql:2 (ratio) planned before this migration and fails after it: division by zero",
        )
    ]
    assert "note: query queries/app.sql:4 (audit) does not plan before the new migrations" in result.err
    without = repo.path / ".migration-gate.yml"
    without.write_text(BASE_CONFIG, encoding="utf-8")
    assert found(verify(cli, repo, url), "query-broken") == []


def test_cost_growth_alone_is_a_regression_over_cost_ratio(cli, git_repo, url):
    queries = "-- name: unpaid\nSELECT id FROM orders WHERE status = 'unpaid';\n"
    migration = (
        "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN pad text;\n"
        "UPDATE orders SET pad = repeat('x', 600) WHERE id > 0 AND id <= 50000;\n"
    )
    for ratio, expected in (("5", 1), ("1000", 0)):
        repo = GitRepo(git_repo.path.parent / f"r{ratio}")
        shop(repo, config=BASE_CONFIG + f"  cost_ratio: {ratio}\n", queries=queries)
        repo.write("migrations/V2__pad.sql", migration)
        repo.commit("pad")
        result = verify(cli, repo, url)
        regressions = found(result, "query-plan-regression")
        assert len(regressions) == expected, regressions
        if expected:
            assert re.fullmatch(
                r"query queries/app\.sql:2 \(unpaid\): its estimated cost grew from [\d,.]+ to [\d,]+ "
                r"\(×\d+, more than verify\.cost_ratio 5\) — before: Seq Scan on orders \(cost [\d,.]+\); "
                r"after: Seq Scan on orders \(cost [\d,]+\)",
                regressions[0][3],
            ), regressions[0][3]
            assert regressions[0][1] == 2  # the statement that touched orders first
