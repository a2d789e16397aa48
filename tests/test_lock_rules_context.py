"""Context the lock rules need: tables created by earlier migrations of the same pull request."""

from __future__ import annotations


def _codes(result):
    return sorted((v["path"], v["line"], v["rule"]) for v in result.json()["violations"]
                  if v["code"].startswith("MG1"))


def test_table_created_by_an_earlier_migration_of_the_change_set_is_new(cli, git_repo):
    repo = git_repo
    repo.write(".migration-gate.yml", "rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n")
    repo.write("migrations/V1__users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n")
    repo.commit("merged history")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("migrations/V2__invoices.sql", "CREATE TABLE invoices (id bigint, user_id bigint);\n")
    repo.write("migrations/V3__invoice_indexes.sql",
               "CREATE INDEX idx_invoices_user ON invoices (user_id);\n"
               "CREATE INDEX idx_users_email ON users (email);\n"
               "ALTER TABLE invoices ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);\n")
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
    repo.write(".migration-gate.yml", "rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n")
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
        "DROP INDEX idx_orders_user;\n")
    doc = cli("check", "V1__x.sql", "--format", "json", cwd=tmp_path).json()
    assert [(s["line"], s["end_line"], s["locks"]) for s in doc["statements"]] == [
        (1, 1, [{"table": "public.users", "mode": "AccessExclusiveLock", "rewrite": False, "scan": True}]),
        (2, 4, [{"table": "public.orders", "mode": "AccessExclusiveLock", "rewrite": True, "scan": False}]),
        (5, 5, [{"table": "public.idx_orders_user", "mode": "AccessExclusiveLock", "rewrite": False,
                 "scan": False}]),
    ]
