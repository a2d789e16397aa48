"""`verify` runs each layout as its runner does: its rollback (a section, a revert script), its transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

CIC = "CREATE INDEX CONCURRENTLY idx_t_c ON t (c);"


@pytest.fixture
def url(pg_server) -> str:
    return pg_server.connection.url()


def project(root: Path, layout: str, files: dict[str, str], extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".migration-gate.yml").write_text(f"migrations:\n  path: m\n  layout: {layout}\n{extra}", encoding="utf-8")
    for rel, text in files.items():
        path = root / "m" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def verify(cli, url, root: Path) -> dict:
    result = cli("verify", "--database-url", url, "--format", "json", cwd=root)
    assert result.code in (0, 1), result.err
    return result.json()


def findings(doc: dict, *rules: str) -> list[tuple[str, int, str]]:
    return [(v["path"], v["line"], v["message"]) for v in doc["violations"] if not rules or v["rule"] in rules]


def test_goose_down_section_is_the_rollback(cli, url, tmp_path):
    up_down = "-- +goose Up\nCREATE TABLE t (id int, c int);\n-- +goose Down\nDROP TABLE t;\n"
    root = project(tmp_path / "ok", "goose", {"1_t.sql": up_down})
    assert findings(verify(cli, url, root), "rollback-fails", "rollback-incomplete", "reapply-fails") == []
    half = "-- +goose Up\nCREATE TABLE t (id int, c int);\nCREATE INDEX i ON t (c);\n-- +goose Down\nDROP INDEX i;\n"
    root = project(tmp_path / "half", "goose", {"1_t.sql": half})
    assert findings(verify(cli, url, root), "rollback-incomplete") == [
        ("m/1_t.sql", 1, "after the rollback of m/1_t.sql: table t still exists")
    ]


def test_goose_no_transaction_runs_a_concurrent_index(cli, url, tmp_path):
    files = {
        "1_t.sql": "-- +goose Up\nCREATE TABLE t (id int, c int);\n-- +goose Down\nDROP TABLE t;\n",
        "2_i.sql": f"-- +goose NO TRANSACTION\n-- +goose Up\n{CIC}\n-- +goose Down\nDROP INDEX CONCURRENTLY idx_t_c;\n",
    }
    doc = verify(cli, url, project(tmp_path, "goose", files))
    assert findings(doc, "migration-fails", "rollback-fails") == []


@pytest.mark.parametrize(
    ("layout", "name", "text", "fails"),
    [
        # golang-migrate: a lone statement runs outside any transaction; with a second it is one implicit one
        ("golang-migrate", "2_i.up.sql", f"{CIC}\n", False),
        ("golang-migrate", "2_i.up.sql", f"SELECT 1;\n{CIC}\n", True),
        # the COMMIT escape does not help a one-query runner
        ("golang-migrate", "2_i.up.sql", f"SELECT 1;\nCOMMIT;\n{CIC}\n", True),
        ("sqlx", "2_i.sql", f"-- no-transaction\n{CIC}\n", False),
        ("sqlx", "2_i.sql", f"-- no-transaction\nSELECT 1;\n{CIC}\n", True),
        # goose sends statements one at a time: after a COMMIT the escape works
        ("goose", "2_i.sql", f"-- +goose Up\nSELECT 1;\nCOMMIT;\n{CIC}\nBEGIN;\n", False),
    ],
)
def test_delivery_decides_like_the_runner(cli, url, tmp_path, layout, name, text, fails):
    table = {
        "golang-migrate": ("1_t.up.sql", "CREATE TABLE t (id int, c int);\n"),
        "sqlx": ("1_t.sql", "CREATE TABLE t (id int, c int);\n"),
        "goose": ("1_t.sql", "-- +goose Up\nCREATE TABLE t (id int, c int);\n"),
    }[layout]
    doc = verify(cli, url, project(tmp_path, layout, {table[0]: table[1], name: text}))
    failed = findings(doc, "migration-fails")
    assert bool(failed) == fails, failed
    if fails:
        assert failed[0][0] == f"m/{name}"
        assert "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" in failed[0][2]


def test_liquibase_rolls_changesets_back_newest_first(cli, url, tmp_path):
    text = (
        "--liquibase formatted sql\n"
        "--changeset a:1\nCREATE TABLE t (id int, c int);\n--rollback DROP TABLE t;\n"
        "--changeset a:2\nCREATE INDEX i ON t (c);\n--rollback DROP INDEX i;\n"
    )
    doc = verify(cli, url, project(tmp_path, "liquibase", {"changes.sql": text}))
    # in file order the rollback would drop the table, then fail on the index it took with it
    assert findings(doc, "rollback-fails", "rollback-incomplete", "reapply-fails", "migration-fails") == []


def test_sqitch_revert_script_is_the_rollback(cli, url, tmp_path):
    files = {
        "sqitch.plan": "%syntax-version=1.0.0\n%project=demo\n\nt 2026-01-01T00:00:00Z a <a@b>\n",
        "deploy/t.sql": "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n",
        "revert/t.sql": "BEGIN;\nDROP TABLE t;\nCOMMIT;\n",
        "verify/t.sql": "SELECT id FROM t WHERE false;\n",
    }
    doc = verify(cli, url, project(tmp_path, "sqitch", files))
    assert findings(doc, "rollback-fails", "rollback-incomplete", "reapply-fails", "migration-fails") == []
    assert sorted(f["path"] for f in doc["files"]) == ["m/deploy/t.sql", "m/revert/t.sql"]


def test_runner_refusal_is_a_failed_migration(cli, url, tmp_path):
    files = {"1_t.sql": "-- +goose Up\nCREATE TABLE t (id int)\n"}  # no `;`: goose refuses the file
    doc = verify(cli, url, project(tmp_path, "goose", files))
    assert findings(doc, "migration-fails") == [
        (
            "m/1_t.sql",
            2,
            "the runner refuses the migration: goose refuses this file: unexpected unfinished SQL query: missing "
            "semicolon?; the schema is as before the migration",
        )
    ]


def test_a_one_query_file_is_atomic_without_a_runner_transaction(cli, url, tmp_path):
    """golang-migrate adds no transaction, but two statements in one query string fail together."""
    files = {"1_t.up.sql": "CREATE TABLE t (id int);\nSELECT 1/0;\n"}
    doc = verify(cli, url, project(tmp_path / "gm", "golang-migrate", files))
    assert findings(doc, "migration-fails") == [
        (
            "m/1_t.up.sql",
            2,
            "PostgreSQL refuses the migration: division by zero; the schema is as before the migration (the "
            "implicit transaction of the query string the runner sends was rolled back)",
        )
    ]
    # goose NO TRANSACTION sends them one at a time: the table stays
    files = {"1_t.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE t (id int);\nSELECT 1/0;\n"}
    doc = verify(cli, url, project(tmp_path / "goose", "goose", files))
    failed = findings(doc, "migration-fails")
    assert failed[0][:2] == ("m/1_t.sql", 4)
    assert failed[0][2].endswith(
        "the statements before it stayed applied: table t was created (it ran outside a transaction)"
    )


GROUPED = {
    # goose's parser keeps a StatementBegin … StatementEnd block as one entry of its statement list, and
    # runSQLMigration sends each entry with one Exec: a block of two statements is one query string
    "goose": (
        "1_t.sql",
        "-- +goose Up\nCREATE TABLE t (id int, c int);\n",
        "2_i.sql",
        "-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\n{block}-- +goose StatementEnd\n{after}",
    ),
    "sql-migrate": (
        "1_t.sql",
        "-- +migrate Up\nCREATE TABLE t (id int, c int);\n",
        "2_i.sql",
        "-- +migrate Up notransaction\n-- +migrate StatementBegin\n{block}-- +migrate StatementEnd\n{after}",
    ),
}


@pytest.mark.parametrize("layout", sorted(GROUPED))
def test_a_statement_block_is_one_query_string(cli, url, tmp_path, layout):
    """A StatementBegin … StatementEnd block of two statements runs in one implicit transaction, also in a file
    the runner runs without its transaction: a CREATE INDEX CONCURRENTLY in it fails, in verify as with the
    runner (tests/test_runners_real.py runs the same file through the real sql-migrate), and check says so."""
    base, base_text, name, text = GROUPED[layout]
    files = {base: base_text, name: text.format(block=f"{CIC}\nSELECT 1;\n", after="")}
    root = project(tmp_path / "fails", layout, files)
    assert findings(verify(cli, url, root), "migration-fails") == [
        (
            f"m/{name}",
            4 if layout == "goose" else 3,
            "PostgreSQL refuses the migration: CREATE INDEX CONCURRENTLY cannot run inside a transaction block; the "
            "schema is as before the migration (the implicit transaction of the query string the runner sends was "
            "rolled back)",
        )
    ]
    result = cli(
        "check", "--no-cache", "--format", "json", "--rule", "non-transactional-statement-in-transaction", cwd=root
    )
    marker = "-- +goose" if layout == "goose" else "-- +migrate"
    assert [(v["path"], v["line"], v["message"], v["help"]) for v in result.json()["violations"]] == [
        (
            f"m/{name}",
            4 if layout == "goose" else 3,
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and here it runs in the implicit "
            f"transaction of a query string that holds other statements too ({layout} sends a `{marker} "
            "StatementBegin … StatementEnd` block, or a line holding several statements, as one query string; "
            "PostgreSQL runs several statements of one query as one transaction): PostgreSQL will reject the "
            "migration",
            "take the statement out of the `StatementBegin … StatementEnd` block, on a line of its own",
        )
    ]
    # the block's implicit transaction ends with the block: a CREATE INDEX CONCURRENTLY after it runs alone
    files = {
        base: base_text,
        name: text.format(block="CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", after=f"{CIC}\n"),
    }
    root = project(tmp_path / "runs", layout, files)
    assert findings(verify(cli, url, root), "migration-fails") == []
