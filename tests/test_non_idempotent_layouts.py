"""non-idempotent-statement's advice for CREATE INDEX CONCURRENTLY follows how the runner sends statements.

Where statements go one at a time, a `DROP INDEX CONCURRENTLY IF EXISTS` first makes the file re-runnable.
Where the file (section, changeset) is one query string, that DROP would share the string's implicit
transaction, and PostgreSQL rejects both statements: proven here on the test server, and against the real
dbmate and sqlx in tests/test_runners_real.py (`drop-first` scenarios).
"""

from __future__ import annotations

from pathlib import Path

import pytest

RULE = "non-idempotent-statement"
CIC = "CREATE INDEX CONCURRENTLY idx_t_c ON t (c);\n"
DROP_FIRST = "DROP INDEX CONCURRENTLY IF EXISTS idx_t_c;\n"


def test_the_drop_first_advice_fails_in_one_query_string(pg_server):
    """In a database of its own: the session server's default database stays as other tests expect it."""
    import psycopg

    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS drop_first_advice")
        admin.execute("CREATE DATABASE drop_first_advice")
    with psycopg.connect(pg_server.conninfo("drop_first_advice"), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int, c int)")
        # psycopg sends a query without parameters with the simple protocol: one query string, as the runners do
        with pytest.raises(psycopg.errors.ActiveSqlTransaction) as failed:
            conn.execute(DROP_FIRST + CIC)
        assert failed.value.diag.message_primary == "DROP INDEX CONCURRENTLY cannot run inside a transaction block"
        assert conn.execute(
            "SELECT count(*) FROM pg_index WHERE indexrelid::regclass::text = 'idx_t_c'"
        ).fetchone() == (0,)
        # one at a time, the same two statements run
        conn.execute(DROP_FIRST)
        conn.execute(CIC)
        assert conn.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_t_c'::regclass").fetchone() == (
            True,
        )


def write(root: Path, config: str, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".migration-gate.yml").write_text(config, encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def found(cli, root: Path) -> list[tuple[str, int, str, str]]:
    result = cli("check", "--no-cache", "--format", "json", "--rule", RULE, cwd=root)
    assert result.code in (0, 1), result.err
    return [(v["path"], v["line"], v["message"], v["help"]) for v in result.json()["violations"]]


def one_query(runner: str, unit: str, assumed: str = "") -> str:
    return (
        "CREATE INDEX CONCURRENTLY idx_t_c leaves an INVALID index behind when it fails, and a re-run then fails on "
        f"the name: {runner} sends the {unit} as one query string, so a DROP INDEX CONCURRENTLY IF EXISTS in the "
        f"same {unit} would share its implicit transaction, which PostgreSQL rejects; before a re-run, drop a "
        f"leftover by hand (DROP INDEX CONCURRENTLY IF EXISTS idx_t_c){assumed}"
    )


BY_HAND = (
    "keep the CREATE INDEX CONCURRENTLY alone in its migration; after a failed deploy, drop the INVALID index "
    "before the re-run (SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid lists them)"
)
DROP_FIRST_MESSAGE = (
    "CREATE INDEX CONCURRENTLY idx_t_c leaves an INVALID index behind when it fails, and a re-run then fails on the "
    "name: drop a leftover first (DROP INDEX CONCURRENTLY IF EXISTS idx_t_c)"
)
GENERIC_HELP = "write it so that it succeeds when run again (IF [NOT] EXISTS, OR REPLACE, DROP … IF EXISTS first)"
PRISMA_LOCK = {"prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n'}

CASES = {
    "golang-migrate": (
        "migrations:\n  path: m\n  layout: golang-migrate\n",
        {"m/2_idx.up.sql": CIC},
        ("m/2_idx.up.sql", 1, one_query("golang-migrate", "file")),
        "with `x-multi-statement=true` in the database URL golang-migrate sends each statement alone, so "
        "`DROP INDEX CONCURRENTLY IF EXISTS …;` can come first in the same file (it splits on every `;`: not for "
        "files with `$$` bodies)",
    ),
    "golang-migrate x-multi-statement": (
        "migrations:\n  path: m\n  layout: golang-migrate\n  runner_options:\n    x-multi-statement: 'true'\n",
        {"m/2_idx.up.sql": CIC},
        ("m/2_idx.up.sql", 1, DROP_FIRST_MESSAGE),
        GENERIC_HELP,
    ),
    "sqlx": (
        "migrations:\n  path: m\n  layout: sqlx\n",
        {"m/2_idx.sql": "-- no-transaction\n" + CIC},
        ("m/2_idx.sql", 2, one_query("sqlx", "file")),
        BY_HAND,
    ),
    "dbmate": (
        "migrations:\n  path: m\n  layout: dbmate\n",
        {"m/2_idx.sql": "-- migrate:up transaction:false\n" + CIC + "-- migrate:down\nDROP INDEX idx_t_c;\n"},
        ("m/2_idx.sql", 2, one_query("dbmate", "section")),
        BY_HAND,
    ),
    "diesel": (
        "migrations:\n  path: m\n  layout: diesel\n",
        {
            "m/2024-01-01-000000_idx/up.sql": CIC,
            "m/2024-01-01-000000_idx/down.sql": "DROP INDEX idx_t_c;\n",
            "m/2024-01-01-000000_idx/metadata.toml": "run_in_transaction = false\n",
        },
        ("m/2024-01-01-000000_idx/up.sql", 1, one_query("Diesel", "file")),
        BY_HAND,
    ),
    "prisma, version unknown": (
        "",
        {**PRISMA_LOCK, "prisma/migrations/20240101000000_idx/migration.sql": CIC},
        (
            "prisma/migrations/20240101000000_idx/migration.sql",
            1,
            one_query(
                "Prisma",
                "file",
                " (Prisma version not found in package.json: assumed 7.3 or older (one query string per file))",
            ),
        ),
        "Prisma 7.4 and later send each statement alone, so `DROP INDEX CONCURRENTLY IF EXISTS …;` can come first "
        "in the same migration.sql",
    ),
    "prisma 7.6": (
        "",
        {
            **PRISMA_LOCK,
            "package.json": '{"devDependencies": {"prisma": "7.6.0"}}\n',
            "prisma/migrations/20240101000000_idx/migration.sql": CIC,
        },
        ("prisma/migrations/20240101000000_idx/migration.sql", 1, DROP_FIRST_MESSAGE),
        GENERIC_HELP,
    ),
    "goose NO TRANSACTION": (
        "migrations:\n  path: m\n  layout: goose\n",
        {"m/2_idx.sql": "-- +goose NO TRANSACTION\n-- +goose Up\n" + CIC + "-- +goose Down\nDROP INDEX idx_t_c;\n"},
        ("m/2_idx.sql", 3, DROP_FIRST_MESSAGE),
        GENERIC_HELP,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_concurrent_index_advice_follows_the_delivery(cli, tmp_path, case):
    config, files, (path, line, message), help_text = CASES[case]
    root = write(tmp_path, config, files)
    assert found(cli, root) == [(path, line, message, help_text)]
