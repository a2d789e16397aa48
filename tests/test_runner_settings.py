"""What the repository says about the runner (its configuration, a committed URL, its version) is read."""

from __future__ import annotations


def write(root, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def check(cli, root, *rules: str):
    args = ["check", "--no-cache", "--format", "json"]
    for rule in rules:
        args += ["--rule", rule]
    result = cli(*args, cwd=root)
    assert result.code in (0, 1), result.err
    lines = [line for line in result.err.splitlines() if line.startswith("migration-gate: ")]
    return lines, [(v["path"], v["line"], v["rule"]) for v in result.json()["violations"]]


FLYWAY_FILES = {
    "db/migration/V1__a.sql": "INSERT INTO settings VALUES ('${environment}');\nALTER TABLE users ADD COLUMN c int;\n",
    "db/migration/V2__b.sql": "CREATE INDEX CONCURRENTLY i ON users (c);\nSELECT 1;\n",
}


def test_flyway_conf_placeholders_timeout_and_mixed(cli, tmp_path):
    write(tmp_path, FLYWAY_FILES)
    rules = ("undefined-placeholder", "missing-lock-timeout", "mixed-transactional-statements")
    lines, found = check(cli, tmp_path, *rules)
    assert found == [
        ("db/migration/V1__a.sql", 1, "undefined-placeholder"),
        ("db/migration/V1__a.sql", 2, "missing-lock-timeout"),
        ("db/migration/V2__b.sql", 1, "mixed-transactional-statements"),
    ]
    write(
        tmp_path,
        {
            "flyway.conf": "flyway.placeholders.environment=production\nflyway.mixed=true\n"
            "flyway.initSql=SET lock_timeout = '5s'\nflyway.defaultSchema=app\n",
        },
    )
    lines, found = check(cli, tmp_path, *rules)
    assert found == []
    assert lines == [
        "migration-gate: db/migration: flyway (from V<version>__<description>.sql names; flyway.conf: "
        "defaultSchema app (prepended to search_path), mixed = true, 1 placeholder, a timeout in initSql)"
    ]


def test_flyway_toml_environment(cli, tmp_path):
    write(tmp_path, FLYWAY_FILES)
    write(
        tmp_path,
        {
            "flyway.toml": '[flyway]\nenvironment = "prod"\n[flyway.placeholders]\nenvironment = "x"\n'
            '[environments.prod]\nschemas = ["app", "other"]\ninitSql = "SET lock_timeout = \'2s\'"\n'
        },
    )
    lines, found = check(cli, tmp_path, "undefined-placeholder", "missing-lock-timeout")
    assert found == []
    assert lines[0].endswith(
        "flyway.toml: defaultSchema app (prepended to search_path), 1 placeholder, a timeout in initSql)"
    )


def test_an_explicit_layout_reads_the_runners_settings_too(cli, tmp_path):
    write(tmp_path, FLYWAY_FILES)
    write(tmp_path, {"flyway.conf": "flyway.executeInTransaction=false\n"})
    write(tmp_path, {".migration-gate.yml": "migrations:\n  path: db/migration\n  layout: flyway\nmixed: true\n"})
    write(tmp_path, {"db/migration/V3__c.sql": "BEGIN;\nCREATE INDEX CONCURRENTLY j ON users (c);\nCOMMIT;\n"})
    _, found = check(cli, tmp_path, "migration-not-atomic")
    assert found == []  # Flyway runs nothing in a transaction: no BEGIN inside its transaction


def test_a_committed_url_sets_timeouts_and_multi_statement(cli, tmp_path):
    write(
        tmp_path,
        {
            "migrations/1_a.up.sql": "ALTER TABLE users ADD COLUMN c int;\n",
            "migrations/2_b.up.sql": "SELECT 1;\nCREATE INDEX CONCURRENTLY i ON users (c);\n",
            "go.mod": "module x\nrequire github.com/golang-migrate/migrate/v4 v4.19.1\n",
        },
    )
    lines, found = check(cli, tmp_path, "missing-lock-timeout", "non-transactional-statement-in-transaction")
    assert found == [
        ("migrations/1_a.up.sql", 1, "missing-lock-timeout"),
        ("migrations/2_b.up.sql", 2, "non-transactional-statement-in-transaction"),
    ]
    write(
        tmp_path,
        {
            "Makefile": "migrate:\n\tmigrate -path migrations -database 'postgres://u@h/db?x-multi-statement=true&options=-c%20lock_timeout%3D5s' up\n"
        },
    )
    lines, found = check(cli, tmp_path, "missing-lock-timeout", "non-transactional-statement-in-transaction")
    assert found == []
    assert lines[0].endswith("; x-multi-statement, lock-timeout from the database URL in Makefile)")


def test_sqlx_toml_ignored_chars_mean_sqlx_09(cli, tmp_path):
    write(
        tmp_path,
        {"migrations/1_a.sql": "SELECT 1;\n", "sqlx.toml": '[migrate]\nignored-chars = ["\\r"]\n'},
    )
    lines, _ = check(cli, tmp_path)
    assert lines[0].endswith("; sqlx.toml ignored-chars (sqlx 0.9))")


LIQUIBASE_FILES = {
    "db/changelog/db.changelog-master.xml": (
        '<databaseChangeLog>\n  <include file="changes/001.sql" relativeToChangelogFile="true"/>\n'
        "</databaseChangeLog>\n"
    ),
    "db/changelog/changes/001.sql": (
        "--liquibase formatted sql\n--changeset ann:1\nCREATE ROLE ${owner};\n--rollback DROP ROLE ${owner};\n"
        "--changeset ann:2\nGRANT SELECT ON accounts TO ${reader};\n--rollback REVOKE SELECT ON accounts FROM ${reader};\n"
    ),
}


def test_liquibase_parameters_from_properties_and_changelog_properties(cli, tmp_path):
    write(tmp_path, LIQUIBASE_FILES)
    result = cli("check", "--no-cache", "--format", "json", "--rule", "undefined-placeholder", cwd=tmp_path)
    found = [(v["line"], v["column"], v["severity"], v["message"]) for v in result.json()["violations"]]
    # the deploy may pass them (-D…), which the gate cannot see: warnings, at the exact place of each (the
    # rollback lines' too: Liquibase expands them alike)
    assert found == [
        (
            line,
            column,
            "warning",
            f"changelog parameter ${{{name}}} has no value in the repository (liquibase.properties `parameter.…`, "
            "a changelog `<property>` or `placeholders:`): unless the deploy passes one (`-D…`), Liquibase leaves it "
            "as written and PostgreSQL receives the `${…}` text",
        )
        for line, column, name in ((3, 13, "owner"), (4, 22, "owner"), (6, 29, "reader"), (7, 43, "reader"))
    ]
    assert result.code == 0
    write(
        tmp_path,
        {
            "liquibase.properties": "changeLogFile=db/changelog/db.changelog-master.xml\nparameter.owner=app_owner\n",
            "db/changelog/db.changelog-master.xml": LIQUIBASE_FILES["db/changelog/db.changelog-master.xml"].replace(
                "<databaseChangeLog>\n", '<databaseChangeLog>\n  <property name="reader" value="app_reader"/>\n'
            ),
        },
    )
    lines, found = check(cli, tmp_path, "undefined-placeholder", "syntax-error")
    assert found == []
    assert lines == [
        "migration-gate: db/changelog: liquibase (from the Liquibase changelog db.changelog-master.xml; "
        "2 changelog parameters from liquibase.properties and <property> in the changelog; "
        "Liquibase version not found: assumed 4.22 or later (checksums 9:))"
    ]
