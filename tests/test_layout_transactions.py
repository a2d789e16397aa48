"""Transactions as each runner runs a file: who wraps it, how statements reach PostgreSQL, opt-outs.

The facts come from each layout's page (runner source, and real runs where the runner installs here:
tests/test_runners_real.py); PostgreSQL's side (a multi-statement query string is one implicit
transaction, a COMMIT does not end it for the rest of the string) is FACTS §8.
"""

from __future__ import annotations

import pytest

CIC = "CREATE INDEX CONCURRENTLY idx_t_c ON t (c);"
REJECTED = "non-transactional-statement-in-transaction"
NOT_ATOMIC = "migration-not-atomic"


def check(cli, tmp_path, layout: str, files: dict[str, str], extra: str = "") -> list[tuple[str, int, str, str, str]]:
    (tmp_path / ".migration-gate.yml").write_text(f"migrations:\n  layout: {layout}\n{extra}", encoding="utf-8")
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = cli("check", ".", "--no-cache", "--format", "json", "--rule", REJECTED, "--rule", NOT_ATOMIC, cwd=tmp_path)
    assert result.code in (0, 1), result.err
    return [(v["path"], v["line"], v["rule"], v["severity"], v["message"]) for v in result.json()["violations"]]


def rejected(found) -> list[tuple[str, int, str]]:
    return [(path, line, severity) for path, line, rule, severity, _ in found if rule == REJECTED]


@pytest.mark.parametrize(
    ("layout", "files", "expected"),
    [
        # golang-migrate sends the file as one query: alone, the statement runs outside any transaction
        ("golang-migrate", {"1_i.up.sql": CIC + "\n"}, []),
        ("golang-migrate", {"1_i.up.sql": "SELECT 1;\n" + CIC + "\n"}, [("1_i.up.sql", 2, "error")]),
        # goose wraps the file unless NO TRANSACTION
        ("goose", {"1_i.sql": "-- +goose NO TRANSACTION\n-- +goose Up\n" + CIC + "\n"}, []),
        ("goose", {"1_i.sql": "-- +goose Up\n" + CIC + "\n"}, [("1_i.sql", 2, "error")]),
        # NO TRANSACTION: statements go one at a time, so a second statement does not matter
        ("goose", {"1_i.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n" + CIC + "\n"}, []),
        # sqlx: -- no-transaction, but the file is still one query string
        ("sqlx", {"1_i.sql": "-- no-transaction\n" + CIC + "\n"}, []),
        ("sqlx", {"1_i.sql": "-- no-transaction\nSELECT 1;\n" + CIC + "\n"}, [("1_i.sql", 3, "error")]),
        ("sqlx", {"1_i.sql": "\n-- no-transaction\n" + CIC + "\n"}, [("1_i.sql", 3, "error")]),
        # dbmate: transaction:false sends the section as one query string
        ("dbmate", {"1_i.sql": f"-- migrate:up transaction:false\n{CIC}\n-- migrate:down\n"}, []),
        (
            "dbmate",
            {"1_i.sql": f"-- migrate:up transaction:false\nSELECT 1;\n{CIC}\n-- migrate:down\n"},
            [("1_i.sql", 3, "error")],
        ),
        ("sql-migrate", {"1_i.sql": f"-- +migrate Up notransaction\nSELECT 1;\n{CIC}\n"}, []),
        ("sql-migrate", {"1_i.sql": f"-- +migrate Up\n{CIC}\n"}, [("1_i.sql", 2, "error")]),
        ("atlas", {"1_i.sql": f"-- atlas:txmode none\n\nSELECT 1;\n{CIC}\n"}, []),
        ("atlas", {"1_i.sql": f"{CIC}\n"}, [("1_i.sql", 1, "error")]),
        ("diesel", {"1_i/up.sql": f"{CIC}\n", "1_i/metadata.toml": "run_in_transaction = false\n"}, []),
        # a metadata.toml without the key: serde's bool default, false (Diesel's source)
        ("diesel", {"1_i/up.sql": f"{CIC}\n", "1_i/metadata.toml": "# nothing\n"}, []),
        ("diesel", {"1_i/up.sql": f"{CIC}\n"}, [("1_i/up.sql", 1, "error")]),
        (
            "diesel",
            {"1_i/up.sql": f"SELECT 1;\n{CIC}\n", "1_i/metadata.toml": "run_in_transaction = false\n"},
            [("1_i/up.sql", 2, "error")],
        ),
        # drizzle: every pending migration in one transaction, no opt-out
        (
            "drizzle",
            {"0000_i.sql": f"{CIC}\n", "meta/_journal.json": '{"entries":[{"tag":"0000_i","when":1}]}'},
            [("0000_i.sql", 1, "error")],
        ),
        (
            "liquibase",
            {"c.sql": f"--liquibase formatted sql\n--changeset a:1 runInTransaction:false\nSELECT 1;\n{CIC}\n"},
            [],
        ),
        (
            "liquibase",
            {
                "c.sql": f"--liquibase formatted sql\n--changeset a:1 runInTransaction:false splitStatements:false\nSELECT 1;\n{CIC}\n"
            },
            [("c.sql", 4, "error")],
        ),
        ("liquibase", {"c.sql": f"--liquibase formatted sql\n--changeset a:1\n{CIC}\n"}, [("c.sql", 3, "error")]),
        # Prisma: the version decides; unknown, the finding rests on an assumption and is a warning
        (
            "prisma",
            {"p/1_i/migration.sql": f"SELECT 1;\n{CIC}\n", "p/migration_lock.toml": "provider = \"postgresql\"\n"},
            [("p/1_i/migration.sql", 2, "warning")],
        ),
    ],
)
def test_who_wraps_and_how_statements_are_sent(cli, tmp_path, layout, files, expected):
    if layout == "prisma":
        found = check(cli, tmp_path, layout, files, "  path: p\n")
    elif layout == "drizzle":
        found = check(cli, tmp_path, layout, files)
    else:
        found = check(cli, tmp_path, layout, files)
    assert rejected(found) == expected


def test_prisma_version_from_package_json(cli, tmp_path):
    files = {
        "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "prisma/migrations/1_i/migration.sql": f"SELECT 1;\n{CIC}\n",
        "package.json": '{"devDependencies": {"prisma": "6.19.0"}}',
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = cli("check", "--no-cache", "--format", "json", "--rule", REJECTED, cwd=tmp_path)
    assert [(v["severity"], v["line"]) for v in result.json()["violations"]] == [("error", 2)]
    (tmp_path / "package.json").write_text('{"devDependencies": {"prisma": "7.4.0"}}')
    result = cli("check", "--no-cache", "--format", "json", "--rule", REJECTED, cwd=tmp_path)
    assert result.json()["violations"] == []


def test_messages_name_the_runner_and_its_fix(cli, tmp_path):
    found = check(cli, tmp_path, "goose", {"1_i.sql": f"-- +goose Up\n{CIC}\n"})
    assert found[0][4] == (
        "CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and here it runs in the transaction "
        "goose opens for the file: PostgreSQL will reject the migration"
    )
    result = cli("check", ".", "--no-cache", "--format", "json", "--rule", REJECTED, cwd=tmp_path)
    assert result.json()["violations"][0]["help"] == (
        "add `-- +goose NO TRANSACTION` to the file (goose then runs each statement alone)"
    )
    found = check(cli, tmp_path, "golang-migrate", {"2_i.up.sql": f"SELECT 1;\n{CIC}\n"})
    assert [m for p, _, _, _, m in found if p == "2_i.up.sql"] == [
        "CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and here it runs in the implicit "
        "transaction of a query string that holds other statements too (golang-migrate sends the file as one query "
        "string; PostgreSQL runs several statements of one query as one transaction): PostgreSQL will reject the "
        "migration"
    ]


# --------------------------------------------------------------------------- COMMIT / BEGIN inside the runner's


ESCAPE = f"SELECT 1;\nCOMMIT;\n{CIC}\nBEGIN;\n"


def test_the_escape_works_when_statements_go_one_at_a_time(cli, tmp_path):
    found = check(cli, tmp_path, "goose", {"1_e.sql": "-- +goose Up\n" + ESCAPE})
    assert [(line, rule, severity) for _, line, rule, severity, _ in found] == [(3, NOT_ATOMIC, "warning")]
    assert found[0][4].startswith(
        "COMMIT ends the transaction goose opens for the file so that the statements after it run outside a "
        "transaction (goose sends statements one at a time, so this works)"
    )


@pytest.mark.parametrize(
    ("layout", "name", "prefix", "after"),
    [
        ("sqlx", "1_e.sql", "", "the rest of the file is the same query string"),
        ("liquibase", "c.sql", "--liquibase formatted sql\n--changeset a:1\n", "the driver opens a new transaction"),
    ],
)
def test_the_escape_fails_when_the_rest_is_still_in_a_transaction(cli, tmp_path, layout, name, prefix, after):
    found = check(cli, tmp_path, layout, {name: prefix + ESCAPE})
    offset = prefix.count("\n")
    expected = [(offset + 2, NOT_ATOMIC, "error"), (offset + 3, REJECTED, "error")]
    if layout == "liquibase":  # the BEGIN lands in the transaction pgjdbc opened after the COMMIT
        expected.append((offset + 4, NOT_ATOMIC, "warning"))
    assert [(line, rule, severity) for _, line, rule, severity, _ in found] == expected
    assert after in found[0][4]


def test_per_file_delivery_is_assumed_and_configurable(cli, tmp_path):
    files = {"V1__e.sql": ESCAPE}
    found = check(cli, tmp_path, "flyway", files, "transaction: per-file\n")
    # the rejection rests on the assumed delivery: a warning that says so
    assert [(line, rule, severity) for _, line, rule, severity, _ in found] == [
        (2, NOT_ATOMIC, "error"),
        (3, REJECTED, "warning"),
    ]
    assert "(transaction: per-file; the runner sends the file as one query string)" in found[0][4]
    assert found[1][4].endswith(
        "PostgreSQL will reject the migration (statement delivery assumed: one query string per file "
        "(set statement_delivery))"
    )
    found = check(cli, tmp_path, "flyway", files, "transaction: per-file\nstatement_delivery: one-query\n")
    assert [(line, rule, severity) for _, line, rule, severity, _ in found] == [
        (2, NOT_ATOMIC, "error"),
        (3, REJECTED, "error"),
    ]
    found = check(cli, tmp_path, "flyway", files, "transaction: per-file\nstatement_delivery: per-statement\n")
    assert [(line, rule, severity) for _, line, rule, severity, _ in found] == [(2, NOT_ATOMIC, "warning")]


def test_begin_and_rollback_inside_the_runners_transaction(cli, tmp_path):
    found = check(cli, tmp_path, "goose", {"1_b.sql": "-- +goose Up\nBEGIN;\nSELECT 1;\nROLLBACK;\nSELECT 2;\n"})
    assert [(line, severity, message[:60]) for _, line, _, severity, message in found] == [
        (2, "warning", "BEGIN inside the transaction goose opens for the file: Postg"),
        (4, "error", "ROLLBACK inside the transaction goose opens for the file und"),
    ]
    # the file in BEGIN … COMMIT inside goose's transaction: one warning for the pair
    found = check(cli, tmp_path, "goose", {"1_b.sql": "-- +goose Up\nBEGIN;\nSELECT 1;\nCOMMIT;\n"})
    assert [(line, severity) for _, line, _, severity, _ in found] == [(2, "warning")]
    assert found[0][4].startswith("BEGIN … COMMIT inside the transaction goose opens for the file: PostgreSQL ignores")
    # a COMMIT as the last statement, without a BEGIN, only warns
    found = check(cli, tmp_path, "goose", {"1_b.sql": "-- +goose Up\nSELECT 1;\nCOMMIT;\n"})
    assert [(line, severity) for _, line, _, severity, _ in found] == [(3, "warning")]
    assert found[0][4].startswith("COMMIT ends the transaction goose opens for the file before the runner does")


def test_explicit_mode_is_unchanged(cli, tmp_path):
    found = check(
        cli, tmp_path, "flyway", {"V1__x.sql": "ALTER TABLE t ADD COLUMN c int;\n"}, "transaction: explicit\n"
    )
    assert [(line, rule) for _, line, rule, _, _ in found] == [(1, NOT_ATOMIC)]
    assert found[0][4] == "this statement runs outside BEGIN … COMMIT: a failure leaves the migration half applied"


HELD = "long-operation-under-held-lock"


@pytest.mark.parametrize(
    ("layout", "name", "first", "second", "expected"),
    [
        # Two Liquibase changesets: two transactions; the backfill's changeset holds no earlier lock
        ("liquibase", "c.sql", "--liquibase formatted sql\n--changeset a:1\n", "--changeset a:2\n", []),
        # Both in one changeset: one transaction (the twin)
        ("liquibase", "c.sql", "--liquibase formatted sql\n--changeset a:1\n", "", [("c.sql", 4)]),
        # goose: the file is one transaction
        ("goose", "1_a.sql", "-- +goose Up\n", "", [("1_a.sql", 3)]),
        # Flyway: a COMMIT inside the file ends its transaction; JDBC opens a new one, without the lock
        ("flyway", "V1__a.sql", "", "COMMIT;\n", []),
    ],
)
def test_a_lock_is_held_only_within_its_transaction(cli, tmp_path, layout, name, first, second, expected):
    (tmp_path / ".migration-gate.yml").write_text(f"migrations:\n  layout: {layout}\n", encoding="utf-8")
    text = f"{first}ALTER TABLE t ADD COLUMN c int;\n{second}UPDATE t SET c = 1;\n"
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = cli("check", ".", "--no-cache", "--format", "json", "--rule", HELD, cwd=tmp_path)
    assert result.code in (0, 1), result.err
    assert [(v["path"], v["line"]) for v in result.json()["violations"]] == expected


ENUM_USE = "ALTER TYPE mood ADD VALUE 'calm';\nSELECT 'calm'::mood;\n"


@pytest.mark.parametrize(
    ("layout", "name", "text", "expected"),
    [
        # one query string: one implicit transaction, even without the runner's
        ("golang-migrate", "1_a.up.sql", ENUM_USE, [("1_a.up.sql", 2)]),
        ("sqlx", "1_a.sql", "-- no-transaction\n" + ENUM_USE, [("1_a.sql", 3)]),
        # statements one at a time without a transaction: each commits before the next
        ("goose", "1_a.sql", "-- +goose NO TRANSACTION\n-- +goose Up\n" + ENUM_USE, []),
        ("goose", "1_a.sql", "-- +goose Up\n" + ENUM_USE, [("1_a.sql", 3)]),
        # two changesets, two transactions
        (
            "liquibase",
            "c.sql",
            "--liquibase formatted sql\n--changeset a:1\n" + ENUM_USE.replace(";\n", ";\n--changeset a:2\n", 1),
            [],
        ),
    ],
)
def test_a_new_enum_value_is_usable_after_its_transaction(cli, tmp_path, layout, name, text, expected):
    (tmp_path / ".migration-gate.yml").write_text(f"migrations:\n  layout: {layout}\n", encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = cli(
        "check", ".", "--no-cache", "--format", "json", "--rule", "enum-value-used-before-commit", cwd=tmp_path
    )
    assert result.code in (0, 1), result.err
    assert [(v["path"], v["line"]) for v in result.json()["violations"]] == expected
