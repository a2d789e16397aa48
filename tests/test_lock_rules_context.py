"""Context the lock rules need: tables created by earlier migrations of the same pull request."""

from __future__ import annotations


def _codes(result):
    return sorted((v["path"], v["line"], v["rule"]) for v in result.json()["violations"] if v["code"].startswith("MG1"))


def test_table_created_by_an_earlier_migration_of_the_change_set_is_new(cli, git_repo):
    repo = git_repo
    repo.write(
        ".migration-gate.yml",
        "rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n  missing-statement-timeout: off\n",
    )
    repo.write("migrations/V1__users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n")
    repo.commit("merged history")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("migrations/V2__invoices.sql", "CREATE TABLE invoices (id bigint, user_id bigint);\n")
    repo.write(
        "migrations/V3__invoice_indexes.sql",
        "CREATE INDEX idx_invoices_user ON invoices (user_id);\n"
        "CREATE INDEX idx_users_email ON users (email);\n"
        "ALTER TABLE invoices ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);\n",
    )
    result = cli("check", "--base", "main", "--format", "json", cwd=repo.path)
    assert _codes(result) == [("migrations/V3__invoice_indexes.sql", 2, "non-concurrent-index-creation")]

    # Without a base each file stands alone, as a pull request of its own.
    result = cli("check", "migrations", "--format", "json", cwd=repo.path)
    assert _codes(result) == [
        ("migrations/V3__invoice_indexes.sql", 1, "non-concurrent-index-creation"),
        ("migrations/V3__invoice_indexes.sql", 2, "non-concurrent-index-creation"),
        ("migrations/V3__invoice_indexes.sql", 3, "foreign-key-without-not-valid"),
    ]


def test_a_later_migration_does_not_make_a_table_new(cli, git_repo):
    repo = git_repo
    repo.write(
        ".migration-gate.yml",
        "rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n  missing-statement-timeout: off\n",
    )
    repo.write("migrations/V1__users.sql", "CREATE TABLE users (id bigint);\n")
    repo.commit("merged")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("migrations/V2__index.sql", "CREATE INDEX idx_t ON t (id);\n")
    repo.write("migrations/V3__create.sql", "CREATE TABLE t (id bigint);\n")
    result = cli("check", "--base", "main", "--format", "json", cwd=repo.path)
    assert _codes(result) == [("migrations/V2__index.sql", 1, "non-concurrent-index-creation")]


def test_lock_report_in_json_and_do_block_carries_inner_locks(cli, tmp_path):
    (tmp_path / "V1__x.sql").write_text(
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
        "DO $$ BEGIN\n  ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();\nEND $$;\n"
        "DROP INDEX idx_orders_user;\n"
    )
    doc = cli("check", "V1__x.sql", "--format", "json", cwd=tmp_path).json()
    assert [(s["line"], s["end_line"], s["locks"]) for s in doc["statements"]] == [
        (
            1,
            1,
            [
                {
                    "table": "public.users",
                    "mode": "AccessExclusiveLock",
                    "rewrite": False,
                    "scan": True,
                    "rows": None,
                    "bytes": None,
                    "estimated_seconds": None,
                }
            ],
        ),
        (
            2,
            4,
            [
                {
                    "table": "public.orders",
                    "mode": "AccessExclusiveLock",
                    "rewrite": True,
                    "scan": False,
                    "rows": None,
                    "bytes": None,
                    "estimated_seconds": None,
                }
            ],
        ),
        (
            5,
            5,
            [
                {
                    "table": "public.idx_orders_user",
                    "mode": "AccessExclusiveLock",
                    "rewrite": False,
                    "scan": False,
                    "rows": None,
                    "bytes": None,
                    "estimated_seconds": None,
                }
            ],
        ),
    ]


def test_earlier_migrations_name_the_table_behind_an_index_and_foreign_keys(cli, tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "V1__schema.sql").write_text(
        "CREATE TABLE users (id bigint PRIMARY KEY);\n"
        "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\n"
        "CREATE INDEX idx_orders_user ON orders (user_id);\n"
        "CREATE TABLE payments (id bigint, user_id bigint, CONSTRAINT payments_user FOREIGN KEY (user_id) "
        "REFERENCES users (id));\n"
    )
    (folder / "V2__cleanup.sql").write_text(
        "DROP INDEX idx_orders_user;\n"
        "ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;\n"
        "DROP TABLE orders;\n"
        "DROP INDEX idx_nobody_knows;\n"
        "DROP TABLE payments;\n"
    )
    doc = cli("check", "migrations", "--format", "json", "--no-cache", cwd=tmp_path).json()
    locks = {
        s["line"]: [(l["table"], l["mode"]) for l in s["locks"]]
        for s in doc["statements"]
        if s["path"].endswith("V2__cleanup.sql")
    }
    assert locks == {
        1: [("public.orders", "AccessExclusiveLock")],  # the index's table, from V1
        2: [("public.orders", "AccessExclusiveLock"), ("public.users", "AccessExclusiveLock")],  # auto-named FK
        3: [("public.orders", "AccessExclusiveLock")],  # its only foreign key was dropped on line 2
        4: [("public.idx_nobody_knows", "AccessExclusiveLock")],  # unknown: the index itself
        5: [("public.payments", "AccessExclusiveLock"), ("public.users", "AccessExclusiveLock")],
    }
    messages = [v["message"] for v in doc["violations"] if v["rule"] == "non-concurrent-index-drop"]
    # idx_orders_user: its table is dropped later in the same (Flyway) transaction, so DROP TABLE is the hazard.
    assert messages == [
        "DROP INDEX idx_nobody_knows without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table "
        "(blocks reads and writes); the gate found no earlier definition of the index, so it cannot name the table",
    ]


def test_merged_history_is_searched_inside_do_blocks(cli, git_repo):
    """A merged migration that creates an index inside a DO block still names its table.

    The branch's DROP INDEX needs the index's table from the (unanalysed) merged history;
    the word index that picks which merged files to parse must see names inside the
    dollar-quoted DO body, which PostgreSQL's scanner returns as one string token.
    """
    repo = git_repo
    repo.write(
        ".migration-gate.yml",
        "rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n  missing-statement-timeout: off\n",
    )
    repo.write("migrations/V1__orders.sql", "CREATE TABLE orders (id bigint, user_id bigint);\n")
    repo.write(
        "migrations/V2__index.sql", "DO $$\nBEGIN\n  CREATE INDEX idx_orders_by_user ON orders (user_id);\nEND\n$$;\n"
    )
    repo.commit("merged history")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("migrations/V3__drop.sql", "DROP INDEX idx_orders_by_user;\n")
    doc = cli("check", "--base", "main", "--format", "json", "--no-cache", cwd=repo.path).json()
    assert [f["path"] for f in doc["files"]] == ["migrations/V3__drop.sql"]
    assert [(s["line"], [(l["table"], l["mode"]) for l in s["locks"]]) for s in doc["statements"]] == [
        (1, [("public.orders", "AccessExclusiveLock")]),
    ]


def test_merged_history_word_index_keeps_odd_identifiers(cli, git_repo):
    """Quoted names with spaces, dashes, leading digits or quotes, and non-ASCII names, are found."""
    repo = git_repo
    repo.write(
        ".migration-gate.yml",
        "rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n  missing-statement-timeout: off\n",
    )
    repo.write("migrations/V1__orders.sql", "CREATE TABLE orders (id bigint, user_id bigint);\n")
    names = ['"2fa_idx"', '"user-events"', '"Orders Idx"', '"say ""hi"""', "idx€", '"İdx"']
    for number, name in enumerate(names, start=2):  # one file each: every lookup must find its own
        repo.write(
            f"migrations/V{number}__index.sql",
            f"COMMENT ON TABLE orders IS 'a stray \" quote';\nCREATE INDEX {name} ON orders (user_id);\n",
        )
    repo.commit("merged history")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("migrations/V99__drop.sql", "".join(f"DROP INDEX {name};\n" for name in names))
    doc = cli("check", "--base", "main", "--format", "json", "--no-cache", cwd=repo.path).json()
    assert [[(l["table"], l["mode"]) for l in s["locks"]] for s in doc["statements"]] == (
        [[("public.orders", "AccessExclusiveLock")]] * len(names)
    )
