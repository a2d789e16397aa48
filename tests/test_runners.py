"""Each layout's knowledge as pure functions: names, versions, sections, execution (facts cited in the modules)."""

from __future__ import annotations

import pytest

from migration_gate.core.runners import LAYOUTS, NAMES, runner
from migration_gate.core.runners.base import DOWN, ONE_QUERY, PER_STATEMENT, SKIPPED, UP, Listing, Settings, locale_key
from migration_gate.core.severity import Severity


def masked(text: str, shape) -> str:
    chars = list(text)
    for start, end, replacement in shape.masks:
        assert len(replacement) == end - start
        chars[start:end] = replacement
    return "".join(chars)


def sections(text: str, shape) -> list[tuple[str, str]]:
    shown = masked(text, shape)
    return [(s.direction, shown[s.start : s.end]) for s in shape.sections]


def test_layout_names_are_the_issues():
    assert NAMES == (
        "flyway",
        "up-down",
        "golang-migrate",
        "goose",
        "dbmate",
        "sql-migrate",
        "sqlx",
        "diesel",
        "pop",
        "prisma",
        "atlas",
        "liquibase",
        "sqitch",
        "drizzle",
        "pattern",
        "auto",
    )


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_documents_itself(name):
    layout = LAYOUTS[name]
    doc = layout.documentation()
    assert doc.startswith("# ") and f"`layout: {name}`" in doc.splitlines()[0]
    for attribute in ("files", "transaction_summary", "rollback_summary", "ordering"):
        assert getattr(layout, attribute)
    if not layout.has_rollbacks:
        assert layout.rollback_level == Severity.OFF


# --------------------------------------------------------------------------- goose

GOOSE = """-- comment
-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE a (id int); -- trailing
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int AS $$
BEGIN
  RETURN 1;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP TABLE a;
"""


def test_goose_sections_cuts_and_no_transaction():
    goose = runner("goose")
    shape = goose.shape(GOOSE)
    assert [d for d, _ in sections(GOOSE, shape)] == [SKIPPED, UP, DOWN]
    assert sections(GOOSE, shape)[2][1] == "DROP TABLE a;\n"
    # goose ends statements after the `;` line and after StatementEnd
    assert [GOOSE[:c].splitlines()[-1] for c in shape.cuts] == [
        "CREATE TABLE a (id int); -- trailing",
        "-- +goose StatementEnd",
        "DROP TABLE a;",
    ]
    assert (shape.transaction, shape.opt_out) == (False, "-- +goose NO TRANSACTION")
    execution = goose.execution(shape.sections[1], shape, None, Settings())
    assert (execution.wraps, execution.delivery, execution.opt_out) == (
        False,
        PER_STATEMENT,
        "-- +goose NO TRANSACTION",
    )
    plain = goose.shape("-- +goose up\nSELECT 1;\n")  # annotations are case-insensitive
    assert goose.execution(plain.sections[0], plain, None, Settings()).wraps is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- +goose Up\nSELECT 1\n", "unexpected unfinished SQL query: missing semicolon?"),
        ("SELECT 1;\n-- +goose Up\nSELECT 1;\n", "unexpected state 0 on line 'SELECT 1;'"),
        ("-- +goose ENVSUBST ON\n-- +goose Up\n", "'ENVSUBST ON' not supported: invalid annotation"),
        (" -- +goose Up\nSELECT 1;\n", "contains leading whitespace"),
        ("-- +goose Up -- note\nSELECT 1;\n", "'Up  note' not supported"),
        ("SELECT 1;\n", "unexpected state 0"),
        ("-- nothing\n", "must start with '-- +goose Up' annotation"),
        ("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", "missing '-- +goose StatementEnd' annotation"),
        ("-- +goose Up\n-- +goose Up\n", "duplicate '-- +goose Up' annotations"),
    ],
)
def test_goose_refusals(text, message):
    problems = runner("goose").shape(text).problems
    assert len(problems) == 1 and message in problems[0][2], problems
    assert problems[0][2].startswith("goose refuses this file: ")


def test_goose_envsub_is_read_as_an_identifier_of_the_same_length():
    text = "-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE ${TABLE_NAME} (id int);\n"
    shape = runner("goose").shape(text)
    assert not shape.problems
    assert "CREATE TABLE __TABLE_NAME_ (id int);" in masked(text, shape)


@pytest.mark.parametrize(
    ("name", "version"),
    [("00001_init.sql", 1), ("20230118185622_index_optimization.sql", 20230118185622), ("+5_plus.sql", 5)],
)
def test_goose_versions(name, version):
    info = runner("goose").classify(name)
    assert info["kind"] == "versioned" and info["version"].key == (0, (version,))


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("init.sql", "no filename separator '_' found"),
        ("0_zero.sql", "migration version must be greater than zero"),
        ("abc_x.sql", "failed to parse version from migration file: abc_x.sql"),
    ],
)
def test_goose_refuses_the_folder_for_a_bad_name(name, problem):
    info = runner("goose").classify(name)
    assert info["kind"] == "other"
    assert problem in info["name_problem"] and "goose refuses the whole folder" in info["name_problem"]


# --------------------------------------------------------------------------- dbmate


def test_dbmate_sections_options_and_versions():
    dbmate = runner("dbmate")
    text = "\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n\n--migrate:down\nDROP INDEX i;\n"
    shape = dbmate.shape(text)
    assert [(d, body) for d, body in sections(text, shape)] == [
        (SKIPPED, "\n"),
        (UP, "CREATE INDEX CONCURRENTLY i ON t (c);\n\n"),
        (DOWN, "DROP INDEX i;\n"),
    ]
    up = shape.sections[1]
    assert (up.transaction, up.opt_out) == (False, "-- migrate:up transaction:false")
    execution = dbmate.execution(up, shape, None, Settings())
    assert (execution.wraps, execution.delivery) == (False, ONE_QUERY)
    down = dbmate.execution(shape.sections[2], shape, None, Settings())
    assert (down.wraps, down.delivery) == (True, ONE_QUERY)
    assert dbmate.classify("001_a.sql")["version"] != dbmate.classify("1_a.sql")["version"]  # versions are text
    assert dbmate.classify("0025_h.sql")["version"] < dbmate.classify("003_g.sql")["version"]
    assert dbmate.classify("20230315104305-worker.sql")["kind"] == "versioned"
    assert dbmate.classify("notes.sql")["kind"] == "other"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- migrate:up\nSELECT 1;\n", "define a down block with '-- migrate:down'"),
        ("SELECT 1;\n", "define an up block with '-- migrate:up'"),
        ("-- MIGRATE:UP\nSELECT 1;\n-- migrate:down\n", "define an up block"),
        ("-- migrate:down\n-- migrate:up\n", "'-- migrate:up' to appear before '-- migrate:down'"),
        ("SELECT 1;\n-- migrate:up\n-- migrate:down\n", "statements preceding the '-- migrate:up' block"),
    ],
)
def test_dbmate_refusals(text, message):
    problems = runner("dbmate").shape(text).problems
    assert len(problems) == 1 and message in problems[0][2]


# --------------------------------------------------------------------------- sql-migrate


def test_sql_migrate_sections_per_direction_and_unknown_commands():
    migrate = runner("sql-migrate")
    text = (
        "/* licence */\n-- +migrate Up notransaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n"
        "-- +migrate Down;\nDROP INDEX i;\n"
    )
    shape = migrate.shape(text)
    # `Down;` is not a command: sql-migrate ignores it and the DROP runs as part of Up
    assert [d for d, _ in sections(text, shape)] == [SKIPPED, UP]
    assert "DROP INDEX i;" in sections(text, shape)[1][1]
    assert len(shape.problems) == 1 and "ignores the unknown command 'Down;'" in shape.problems[0][2]
    up = shape.sections[1]
    assert migrate.execution(up, shape, None, Settings()).wraps is False
    both = migrate.shape("-- +migrate Up\nSELECT 1;\n-- +migrate Down notransaction\nSELECT 2;\n")
    assert [migrate.execution(s, both, None, Settings()).wraps for s in both.sections] == [True, False]
    assert "no Up/Down annotations found" in migrate.shape("-- +migrate up\nSELECT 1;\n").problems[-1][2]
    order = sorted(["10_b.sql", "9_a.sql", "9-a.sql", "zz.sql", "aa.sql"], key=lambda n: migrate.classify(n)["version"])
    assert order == ["9-a.sql", "9_a.sql", "10_b.sql", "aa.sql", "zz.sql"]


# --------------------------------------------------------------------------- sqlx


@pytest.mark.parametrize(
    ("text", "bom", "wraps"),
    [
        ("-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n", False, False),
        ("-- no-transactions please\nSELECT 1;\n", False, False),  # a prefix test
        ("\n-- no-transaction\nSELECT 1;\n", False, True),
        ("-- NO-TRANSACTION\nSELECT 1;\n", False, True),
        ("--no-transaction\nSELECT 1;\n", False, True),
        ("-- no-transaction\nSELECT 1;\n", True, True),  # a BOM before it
    ],
)
def test_sqlx_no_transaction_is_the_first_bytes(text, bom, wraps):
    sqlx = runner("sqlx")
    shape = sqlx.shape(text, bom=bom)
    execution = sqlx.execution(None, shape, None, Settings())
    assert (execution.wraps, execution.delivery) == (wraps, ONE_QUERY)
    assert bool(shape.problems) == bom  # sqlx sends the BOM: PostgreSQL rejects the file


def test_sqlx_names():
    sqlx = runner("sqlx")
    assert sqlx.classify("1_init.sql")["forward_only"] is True
    assert sqlx.classify("2_b.up.sql")["kind"] == "versioned" and "forward_only" not in sqlx.classify("2_b.up.sql")
    assert sqlx.classify("2_b.down.sql")["kind"] == "rollback"
    assert sqlx.classify("+7_plus.sql")["version"].key == (0, (7,))
    assert sqlx.classify("notes.sql") == {"kind": "other", "note": "no `_` in the name: sqlx ignores it"}
    assert "sqlx stops and runs no migration at all" in sqlx.classify("abc_foo.sql")["name_problem"]


# --------------------------------------------------------------------------- golang-migrate


def test_golang_migrate_names_delivery_and_multi_statement():
    migrate = runner("golang-migrate")
    assert migrate.classify("20240101120000_init.up.sql")["kind"] == "versioned"
    assert migrate.classify("1_init.down.sql")["kind"] == "rollback"
    assert migrate.classify("init.up.sql")["kind"] == "other"
    plain = migrate.execution(None, migrate.shape("SELECT 1;"), None, Settings())
    assert (plain.wraps, plain.delivery) == (False, ONE_QUERY)
    multi = Settings(options={"x-multi-statement": "true"})
    text = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\nSELECT 'a;b';\n"
    shape = migrate.shape(text, settings=multi)
    assert shape.cuts == tuple(i + 1 for i, ch in enumerate(text) if ch == ";")
    assert "x-multi-statement splits the file on every `;`" in shape.cut_rule  # cuts inside statements: test_load
    assert migrate.execution(None, shape, None, multi).delivery == PER_STATEMENT


# --------------------------------------------------------------------------- Diesel, pop


def test_diesel_folders():
    diesel = runner("diesel")
    listing = Listing(
        files=frozenset({"2015-12-19-180527_users/up.sql", "2015-12-19-180527_users/down.sql", "x/down.sql"})
    )
    info = diesel.classify("2015-12-19-180527_users/up.sql", listing=listing)
    assert (info["kind"], info["version"].key) == ("versioned", (1, ("20151219180527",)))
    assert (
        "Diesel refuses the whole migrations folder" in diesel.classify("x/down.sql", listing=listing)["name_problem"]
    )
    assert diesel.classify("README.sql", listing=listing)["kind"] == "other"
    assert diesel.shape("").problems[0][2].endswith("Attempted to run an empty migration.")
    assert not diesel.shape("-- Your SQL goes here\n").problems


def test_pop_names():
    pop = runner("pop")
    assert pop.classify("20200101_add_x.postgres.up.sql")["note"] == "postgres"
    assert pop.classify("20200101_add_x.mysql.up.sql")["kind"] == "other"
    assert pop.classify("2026_add_idx.autocommit.up.sql")["autocommit"] is True
    assert pop.classify("2026_add_idx.postgres.autocommit.up.sql")["autocommit"] is True
    assert pop.classify("9_a.up.sql")["version"] > pop.classify("10_b.up.sql")["version"]  # text order


# --------------------------------------------------------------------------- Prisma


def test_prisma_folder_order_is_locale_compare():
    names = ["20240101_a", "2024010100_b", "B_x", "a_x", "01_init", "1_init", "10_x", "9_x"]
    # Node 20: names.sort((a, b) => a.localeCompare(b))  (prisma.md)
    assert sorted(names, key=locale_key) == [
        "01_init",
        "1_init",
        "10_x",
        "20240101_a",
        "2024010100_b",
        "9_x",
        "a_x",
        "B_x",
    ]


@pytest.mark.parametrize(
    ("version", "delivery", "assumed"),
    [
        ("^6.19.0", ONE_QUERY, False),
        ("7.3.1", ONE_QUERY, False),
        ("^7.6.0", PER_STATEMENT, False),
        ("7.10.0-dev.58", PER_STATEMENT, False),
        ("8.0.0-rc.15", ONE_QUERY, True),  # Prisma 8's CLI applies no migration.sql: some Prisma 7 does
        (None, ONE_QUERY, True),
    ],
)
def test_prisma_delivery_by_version(version, delivery, assumed):
    settings = Settings(options={"version": version} if version else {})
    execution = runner("prisma").execution(None, runner("prisma").shape(""), None, settings)
    assert (execution.wraps, execution.delivery, execution.assumed is not None) == (False, delivery, assumed)


# --------------------------------------------------------------------------- Atlas


@pytest.mark.parametrize(
    ("text", "transaction", "problem"),
    [
        ("-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (c);\n", False, None),
        ("-- atlas:txmode none\n-- atlas:nolint MF104\n\nSELECT 1;\n", False, None),
        ("-- atlas:txmode none\nSELECT 1;\n", None, None),  # no blank line after the block
        ("-- atlas:txmode none\r\n\r\nSELECT 1;\r\n", None, None),  # CRLF disables directives
        ("\n-- atlas:txmode none\n\nSELECT 1;\n", None, None),
        ("-- atlas:txmode all\n\nSELECT 1;\n", None, 'txmode "all" is not allowed in file directive'),
        ("-- atlas:txmode nope\n\nSELECT 1;\n", None, "unknown txmode 'nope'"),
    ],
)
def test_atlas_txmode_directive(text, transaction, problem):
    shape = runner("atlas").shape(text)
    assert shape.transaction is transaction
    assert [p[2] for p in shape.problems if problem and problem in p[2]] or not problem


def test_atlas_tx_modes():
    atlas = runner("atlas")
    shape = atlas.shape("-- atlas:txmode none\n\nSELECT 1;\n")
    assert atlas.execution(None, shape, None, Settings()).wraps is False
    default = atlas.execution(None, atlas.shape("SELECT 1;\n"), None, Settings())
    assert (default.wraps, default.delivery, default.assumed is not None) == (True, PER_STATEMENT, True)
    batch = atlas.execution(None, atlas.shape("SELECT 1;\n"), None, Settings(options={"tx-mode": "all"}))
    assert (batch.wraps, batch.batch) == (True, True)
    refused = atlas.shape("-- atlas:txmode none\n\nSELECT 1;\n", settings=Settings(options={"tx-mode": "all"}))
    assert "when txmode \"all\" is set globally" in refused.problems[0][2]


# --------------------------------------------------------------------------- Liquibase

LIQUIBASE = """--liquibase formatted sql

--changeset alice:1
CREATE TABLE t1 (id int primary key, name text);
--rollback DROP TABLE t1;

--changeset alice:2 runInTransaction:false
CREATE INDEX CONCURRENTLY t1_name_idx ON t1 (name);
/* liquibase rollback
DROP INDEX t1_name_idx;
*/

--changeset bob:3 dbms:oracle
CREATE TABLE ora (id int);

--changeset Topias Heinonen:4 splitStatements:false
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1;
END;
$$;
--rollback not required
"""


def test_liquibase_changesets_and_rollbacks():
    liquibase = runner("liquibase")
    shape = liquibase.shape(LIQUIBASE)
    shown = masked(LIQUIBASE, shape)
    assert "           DROP TABLE t1;" in shown  # the SQL stays where it is
    found = [
        (s.direction, s.pair, s.label, shown[s.start : s.end].strip())
        for s in shape.sections
        if shown[s.start : s.end].strip()
    ]
    assert found == [
        (UP, 0, "changeset alice:1", "CREATE TABLE t1 (id int primary key, name text);"),
        (DOWN, 0, "changeset alice:1", "DROP TABLE t1;"),
        (UP, 1, "changeset alice:2", "CREATE INDEX CONCURRENTLY t1_name_idx ON t1 (name);"),
        (DOWN, 1, "changeset alice:2", "DROP INDEX t1_name_idx;"),
        (
            UP,
            3,
            "changeset Topias Heinonen:4",
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$;",
        ),
        (DOWN, 3, "empty", "--rollback not required"),
    ]
    assert "CREATE TABLE ora" not in "".join(shown[s.start : s.end] for s in shape.sections)  # dbms: oracle
    assert not shape.problems  # splitStatements:false: the $$ body is not split
    executions = {s.pair: liquibase.execution(s, shape, None, Settings()) for s in shape.sections if s.direction == UP}
    assert (executions[0].wraps, executions[0].delivery, executions[0].reopens) == (True, PER_STATEMENT, True)
    assert (executions[1].wraps, executions[1].opt_out) == (False, "runInTransaction:false")
    assert executions[3].delivery == ONE_QUERY


def test_liquibase_split_statements_cut_dollar_bodies_and_raw_files():
    liquibase = runner("liquibase")
    text = "-- liquibase formatted sql\n--changeset a:1\nCREATE FUNCTION g() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\n"
    problems = liquibase.shape(text).problems
    assert len(problems) == 1 and "Unterminated dollar quote" in problems[0][2]
    raw = liquibase.shape("CREATE TABLE x (id int);\n")
    assert not raw.sections
    execution = liquibase.execution(None, raw, None, Settings())
    assert (execution.wraps, execution.delivery) == (True, ONE_QUERY)


# --------------------------------------------------------------------------- Sqitch, drizzle, pattern


def test_sqitch_scripts_and_psql():
    sqitch = runner("sqitch")
    listing = Listing(order={"deploy/t1.sql": (0, "t1"), "deploy/t1@v1.sql": (1, "t1@v1")})
    assert sqitch.classify("deploy/t1.sql", listing=listing)["kind"] == "versioned"
    assert sqitch.classify("revert/t1.sql", listing=listing)["kind"] == "rollback"
    assert sqitch.classify("verify/t1.sql", listing=listing)["kind"] == "other"
    assert "Sqitch never deploys" in sqitch.classify("deploy/orphan.sql", listing=listing)["name_problem"]
    text = "\\set ON_ERROR_STOP 1\nBEGIN;\nGRANT SELECT ON t TO :ro_user;\nSELECT set_config('x', :'rw_user', false);\nCOMMIT;\n"
    shape = sqitch.shape(text)
    shown = masked(text, shape)
    assert shown.splitlines()[0].strip() == ""
    assert "TO _ro_user;" in shown and "'x',  'rw_user'" in shown
    assert [n[2].split(" is ")[0] for n in shape.notes] == [
        "psql meta-command \\set",
        "psql variable :ro_user",
        "psql variable :'rw_user'",
    ]
    assert sqitch.execution(None, shape, None, Settings()).mode == "explicit"


def test_drizzle_journal_and_breakpoints():
    drizzle = runner("drizzle")
    from migration_gate.core.runners.drizzle import journal_entries

    entries = journal_entries('{"version":"7","entries":[{"idx":0,"when":1700000000000,"tag":"0000_init"}]}')
    assert entries == [("0000_init", 1700000000000)]
    listing = Listing(order={"0000_init.sql": (0, "0000_init")})
    assert drizzle.classify("0000_init.sql", listing=listing)["kind"] == "versioned"
    assert "never runs it" in drizzle.classify("0130_abandoned_dagger.sql", listing=listing)["name_problem"]
    text = "CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE b (id int);"
    assert drizzle.shape(text).cuts == (text.index("-->"),)
    execution = drizzle.execution(None, drizzle.shape(text), "-- migration-gate: no-transaction", Settings())
    assert (execution.wraps, execution.batch) == (True, True)  # no opt-out exists


def test_pattern_layout():
    pattern = runner("pattern")
    settings = Settings(options={"pattern": r"(?P<version>\d+)-(?P<name>[a-z_]+)\.(?P<direction>up|down)\.sql"})
    assert pattern.classify("12-add_x.down.sql", settings=settings)["kind"] == "rollback"
    assert pattern.classify("12-add_x.up.sql", settings=settings)["version"].key == (0, (12,))
    assert "does not match migrations.pattern" in pattern.classify("x.sql", settings=settings)["name_problem"]
