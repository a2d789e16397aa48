"""A lookup into earlier migrations answers the same whether it read them or analysed them.

On a pull request only the changed files are analysed: what the merged migrations defined (a column's
type, an index's table, a table's indexes) is read from them on demand, through a word index that skips
the files that cannot hold the answer.  A whole scan (and each worker of a parallel scan) answers from
the files it analysed.  Both must give the same findings; these are the ways the word index once
skipped a file that held the answer (found on ../shared/corpus and ../shared/corpus-runners).
"""

from __future__ import annotations

from conftest import GitRepo

CONFIG = (
    "migrations:\n  path: migrations\n  layout: flyway\n"
    "rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n  missing-migration-header: off\n"
    "  missing-statement-timeout: off\n  non-idempotent-statement: off\n"
)
LONG_INDEX = "user_accounts_destination_type_status_destination_id_namespace_concatenated_index"
MERGED = {
    "V1__users.sql": (
        "CREATE TABLE user_ (id bigint PRIMARY KEY, name varchar(20), email text);\n"
        f"CREATE INDEX {LONG_INDEX} ON user_ (id, email);\n"
        "CREATE INDEX user_email_idx ON user_ (email);\n"
        "CREATE INDEX user_email_lower_idx ON user_ (lower(email));\n"
    ),
    # the rename does not name the column that V4 changes
    "V2__rename.sql": "ALTER TABLE user_ RENAME TO person;\n",
    # the drop does not name the table whose indexes V5 asks about
    "V3__drop_index.sql": "DROP INDEX user_email_lower_idx;\n",
}
ADDED = {
    "V4__name.sql": "ALTER TABLE person ALTER COLUMN name TYPE varchar(10);\n",
    "V5__collation.sql": 'ALTER TABLE person ALTER COLUMN email TYPE text COLLATE "C";\n',
    # PostgreSQL keeps the first 63 bytes of the name, as the index was created
    "V6__drop_long.sql": f"DROP INDEX {LONG_INDEX};\n",
}
EXPECTED = [
    (
        "migrations/V4__name.sql",
        1,
        "column-type-change-rewrites-table",
        "changing the type of person.name rewrites the whole table under an ACCESS EXCLUSIVE lock (blocks "
        "reads and writes): varchar(20) → varchar(10) is not binary-compatible",
    ),
    (
        "migrations/V5__collation.sql",
        1,
        "column-type-change-rewrites-table",
        "changing the collation of person.email keeps the table's rows but rebuilds indexes "
        f"{LONG_INDEX[:63]}, user_email_idx under an ACCESS EXCLUSIVE lock (blocks reads and writes)",
    ),
    (
        "migrations/V6__drop_long.sql",
        1,
        "non-concurrent-index-drop",
        f"DROP INDEX {LONG_INDEX[:63]} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on person (blocks "
        "reads and writes)",
    ),
]


def _findings(result) -> list[tuple[str, int, str, str]]:
    assert result.code == 1, result.err
    wanted = {"column-type-change-rewrites-table", "non-concurrent-index-drop"}
    return sorted(
        (v["path"], v["line"], v["rule"], v["message"])
        for v in result.json()["violations"]
        if v["rule"] in wanted and v["path"].rsplit("/", 1)[-1] in ADDED
    )


def _project(repo: GitRepo) -> None:
    repo.write(".migration-gate.yml", CONFIG)
    for name, sql in MERGED.items():
        repo.write(f"migrations/{name}", sql)


def test_a_whole_scan_answers_from_the_files_it_analysed(cli, git_repo):
    _project(git_repo)
    for name, sql in ADDED.items():
        git_repo.write(f"migrations/{name}", sql)
    for jobs in ("1", "2", "6"):  # one process; and workers, each analysing a run of files
        result = cli("check", "migrations", "--format", "json", "--no-cache", "--jobs", jobs, cwd=git_repo.path)
        assert _findings(result) == EXPECTED, jobs


def test_a_pull_request_reads_the_merged_files_for_the_same_answers(cli, git_repo):
    _project(git_repo)
    git_repo.commit("merged history")
    git_repo.git("checkout", "-q", "-b", "feature")
    for name, sql in ADDED.items():
        git_repo.write(f"migrations/{name}", sql)
    git_repo.commit("the change")
    result = cli("check", "--base", "main", "--format", "json", "--no-cache", cwd=git_repo.path)
    assert _findings(result) == EXPECTED


def test_the_word_pattern_is_postgresqls_identifier_character_sets():
    """The word index's pattern, written as the ASCII it excludes, has exactly the scanner's sets."""
    import re

    from migration_gate.core.earlier_schema import _WORD

    start, rest = re.compile(r"[A-Za-z_\x80-\U0010ffff]"), re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]")
    for code in range(0x110000):
        char = chr(code)
        expected = char if start.match(char) else ""
        assert (_WORD.match(char) or [""])[0] == expected, hex(code)
        assert bool(_WORD.fullmatch("a" + char)) == bool(rest.match(char)), hex(code)


def test_a_folder_of_another_runner_is_another_history(cli, tmp_path):
    """goose reads one folder per run: a table another service's folder defines is not this folder's.

    (Found on ../shared/corpus: a lemmy rollback's lock was reported on DSpace's `dspaceobject`.)
    Flyway runs all its locations as one history, so there the other location's definition counts.
    """
    config = (
        "migrations:\n"
        "  - path: billing\n    layout: goose\n"
        "  - path: web\n    layout: goose\n"
        "  - path: flyway/a\n    layout: flyway\n"
        "  - path: flyway/b\n    layout: flyway\n"
        "rules:\n  missing-lock-timeout: off\n  missing-statement-timeout: off\n  non-idempotent-statement: off\n"
        "  missing-rollback: off\n"
    )
    (tmp_path / ".migration-gate.yml").write_text(config)
    files = {
        "billing/00001_accounts.sql": "-- +goose Up\nCREATE TABLE accounts (id bigint, name varchar(20));\n",
        "web/00002_accounts.sql": "-- +goose Up\nALTER TABLE accounts ALTER COLUMN name TYPE varchar(10);\n",
        "flyway/a/V1__accounts.sql": "CREATE TABLE ledger (id bigint, name varchar(20));\n",
        "flyway/b/V2__accounts.sql": "ALTER TABLE ledger ALTER COLUMN name TYPE varchar(10);\n",
    }
    for path, sql in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(sql)
    result = cli(
        "check",
        "--format",
        "json",
        "--no-cache",
        "--jobs",
        "1",
        *sorted({p.rsplit("/", 1)[0] for p in files}),
        cwd=tmp_path,
    )
    assert result.code == 1, result.err
    found = sorted(
        (v["path"], v["message"].split(": ", 1)[1])
        for v in result.json()["violations"]
        if v["rule"] == "column-type-change-rewrites-table"
    )
    assert found == [
        ("flyway/b/V2__accounts.sql", "varchar(20) → varchar(10) is not binary-compatible"),
        (
            "web/00002_accounts.sql",
            "changing name to varchar(10) rewrites the table unless the current type is binary-compatible, "
            "and the gate found no earlier definition of the column",
        ),
    ]
