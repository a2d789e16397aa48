"""Context never hides a hazard: what the change set makes "new" on real git repositories.

A table (or index) is new only when the same file creates it before, or a migration the change ADDS
(absent from the base) created it earlier.  A merged migration stays merged whatever the branch does to
its file (an edit, a comment, a CRLF re-save, a rename): its tables exist in every database that applied
it.  ``--all`` widens what is reported, never what counts as new.  Facts drawn from earlier migrations
(validated checks, indexes, column types) come from what databases have (the base's text of an edited
merged file) or what this change adds.

Every exemption has its twin here: the same SQL where the table comes from a merged migration fires.
"""

from __future__ import annotations

import pytest
from conftest import GitRepo

CONFIG = (
    "rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n  missing-migration-header: off\n"
    "  missing-statement-timeout: off\n  non-idempotent-statement: off\n"
)
V1 = "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
V2 = (
    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, note varchar(64));\n"
    "CREATE INDEX orders_note_idx ON orders (note);\n"
)


def merged(repo: GitRepo, v2: str = V2) -> GitRepo:
    repo.write(".migration-gate.yml", CONFIG)
    repo.write("migrations/V1__customers.sql", V1)
    repo.write("migrations/V2__orders.sql", v2)
    repo.commit("merged history")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def lock_findings(cli, repo: GitRepo, *args: str) -> list[tuple[str, int, str]]:
    result = cli("check", "--base", "main", "--format", "json", *args, cwd=repo.path)
    assert result.code in (0, 1), result.err
    return sorted(
        (v["path"], v["line"], v["rule"]) for v in result.json()["violations"] if v["code"].startswith(("MG1", "MG2"))
    )


# How a branch can touch the merged V2 without making its table new.
TOUCHES = {
    "edited": lambda repo: repo.write("migrations/V2__orders.sql", "-- orders of a customer\n" + V2),
    "re-saved with CRLF": lambda repo: repo.write("migrations/V2__orders.sql", V2.replace("\n", "\r\n").encode()),
    "renamed": lambda repo: repo.git("mv", "migrations/V2__orders.sql", "migrations/V2__create_orders.sql"),
    "untouched, with --all": lambda repo: None,
}
INDEX_ON_ORDERS = "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"


def test_the_issues_reproduction_fails_the_gate(cli, git_repo):
    """main has V1, V2 (CREATE TABLE orders); the branch comments V2 and adds V3 indexing orders."""
    repo = merged(git_repo)
    TOUCHES["edited"](repo)
    repo.write("migrations/V3__idx.sql", "CREATE INDEX idx ON orders (customer_id);\n")
    result = cli("check", "--base", "main", cwd=repo.path, env={"NO_COLOR": "1"})
    assert result.code == 1
    assert "migrations/V3__idx.sql:1:21: error[non-concurrent-index-creation]" in result.out


@pytest.mark.parametrize("touch", sorted(TOUCHES))
def test_a_merged_migrations_table_is_never_new(cli, git_repo, touch):
    repo = merged(git_repo)
    TOUCHES[touch](repo)
    repo.write("migrations/V3__customer_index.sql", INDEX_ON_ORDERS)
    found = lock_findings(cli, repo, *(["--all"] if "--all" in touch else []))
    assert ("migrations/V3__customer_index.sql", 1, "non-concurrent-index-creation") in found


def test_a_table_an_added_migration_created_is_new(cli, git_repo):
    """The exemption where it is right: the change adds the migration that creates the table."""
    repo = merged(git_repo)
    repo.write("migrations/V3__invoices.sql", "CREATE TABLE invoices (id bigint, customer_id bigint);\n")
    repo.write("migrations/V4__invoice_index.sql", "CREATE INDEX invoices_customer_idx ON invoices (customer_id);\n")
    assert lock_findings(cli, repo) == []
    # --all reports on every file (V1, V2 too: nothing there, their indexes are on tables they create),
    # and the exemption is the same.
    assert lock_findings(cli, repo, "--all") == []


def test_a_table_created_and_renamed_by_added_migrations_is_new(cli, git_repo):
    repo = merged(git_repo)
    repo.write("migrations/V3__invoices.sql", "CREATE TABLE invoices_tmp (id bigint, customer_id bigint);\n")
    repo.write("migrations/V4__rename.sql", "ALTER TABLE invoices_tmp RENAME TO invoices;\n")
    repo.write("migrations/V5__invoice_index.sql", "CREATE INDEX invoices_customer_idx ON invoices (customer_id);\n")
    assert lock_findings(cli, repo) == []


def test_a_merged_table_renamed_by_an_added_migration_is_not_new(cli, git_repo):
    repo = merged(git_repo)
    repo.write("migrations/V3__rename.sql", "ALTER TABLE orders RENAME TO purchases;\n")
    repo.write("migrations/V4__index.sql", "CREATE INDEX purchases_customer_idx ON purchases (customer_id);\n")
    assert ("migrations/V4__index.sql", 1, "non-concurrent-index-creation") in lock_findings(cli, repo)


def test_an_index_an_added_migration_created_is_dropped_without_a_finding(cli, git_repo):
    repo = merged(git_repo)
    repo.write("migrations/V3__index.sql", "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n")
    repo.write("migrations/V4__drop_index.sql", "DROP INDEX orders_customer_idx;\n")
    assert lock_findings(cli, repo) == []


@pytest.mark.parametrize("touch", sorted(TOUCHES))
def test_an_index_a_merged_migration_created_is_an_index_in_use(cli, git_repo, touch):
    """The twin: the index exists in every database that applied V2."""
    repo = merged(git_repo)
    TOUCHES[touch](repo)
    repo.write("migrations/V3__drop_index.sql", "DROP INDEX orders_note_idx;\n")
    found = lock_findings(cli, repo, *(["--all"] if "--all" in touch else []))
    assert ("migrations/V3__drop_index.sql", 1, "non-concurrent-index-drop") in found


def test_a_validated_check_of_an_earlier_migration_lets_set_not_null_skip_its_scan(cli, git_repo):
    """The gate's own advice over three migrations: CHECK NOT VALID, VALIDATE, then SET NOT NULL."""
    repo = merged(git_repo)
    repo.write(
        "migrations/V3__check.sql",
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_nn CHECK (customer_id IS NOT NULL) NOT VALID;\n",
    )
    repo.write("migrations/V4__validate.sql", "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_nn;\n")
    repo.write("migrations/V5__not_null.sql", "ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n")
    assert lock_findings(cli, repo) == []


def test_a_check_that_was_never_validated_does_not_prove_anything(cli, git_repo):
    repo = merged(git_repo)
    repo.write(
        "migrations/V3__check.sql",
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_nn CHECK (customer_id IS NOT NULL) NOT VALID;\n",
    )
    repo.write("migrations/V4__not_null.sql", "ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n")
    assert lock_findings(cli, repo) == [("migrations/V4__not_null.sql", 1, "set-not-null-on-existing-column")]


def test_an_edited_merged_migrations_new_text_proves_nothing(cli, git_repo):
    """Adding the validated check to the merged V2 changes no database: SET NOT NULL still scans."""
    repo = merged(git_repo)
    repo.write(
        "migrations/V2__orders.sql",
        V2 + "ALTER TABLE orders ADD CONSTRAINT orders_customer_nn CHECK (customer_id IS NOT NULL);\n",
    )
    repo.write("migrations/V3__not_null.sql", "ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n")
    assert ("migrations/V3__not_null.sql", 1, "set-not-null-on-existing-column") in lock_findings(cli, repo)


def test_column_types_come_from_the_base_text_of_an_edited_merged_migration(cli, git_repo):
    """V2 says varchar(64) on the base; the branch edits it to text. Widening to varchar(256) is free
    for every database (they have varchar(64)); with the edited text it would look like text → varchar."""
    repo = merged(git_repo)
    repo.write("migrations/V2__orders.sql", V2.replace("note varchar(64)", "note text"))
    repo.write("migrations/V3__widen.sql", "ALTER TABLE orders ALTER COLUMN note TYPE varchar(256);\n")
    found = lock_findings(cli, repo)
    assert not [f for f in found if f[0] == "migrations/V3__widen.sql"]


def test_without_a_base_only_the_same_file_makes_a_table_new(cli, git_repo):
    repo = merged(git_repo)
    repo.write("migrations/V3__invoices.sql", "CREATE TABLE invoices (id bigint, customer_id bigint);\n")
    repo.write("migrations/V4__invoice_index.sql", "CREATE INDEX invoices_customer_idx ON invoices (customer_id);\n")
    result = cli("check", "migrations", "--format", "json", cwd=repo.path)
    found = {(v["path"], v["line"], v["rule"]) for v in result.json()["violations"]}
    assert ("migrations/V4__invoice_index.sql", 1, "non-concurrent-index-creation") in found
