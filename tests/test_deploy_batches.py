"""Deploy batches on real git repositories: what one pending migration leaves for the next.

drizzle always, Flyway with ``group = true`` and Atlas with ``--tx-mode all`` run every pending migration
of a deploy in one transaction; the pending ones are those the branch adds.  A lock taken in one of them
is held through the next, so a long step there blocks as long as it runs; Flyway refuses a group mixing
migrations it can and cannot run in a transaction.  Each batch case has its twin: the same files under a
runner that commits after each file, and the same files merged (not pending).
"""

from __future__ import annotations

import json

from conftest import GitRepo

OFF = (
    "  missing-rollback: off\n  missing-lock-timeout: off\n  missing-migration-header: off\n"
    "  missing-statement-timeout: off\n  non-idempotent-statement: off\n  unbatched-update: off\n"
)
CONFIG = "rules:\n" + OFF
CREATE = "CREATE TABLE accounts (id bigint PRIMARY KEY, name text);\n"
ADD_COLUMN = "ALTER TABLE accounts ADD COLUMN nickname text;\n"
BACKFILL = "UPDATE accounts SET nickname = name;\n"


def _journal(tags: list[str]) -> str:
    entries = [
        {"idx": i, "version": "7", "when": 1704067200000 + i * 86400000, "tag": tag, "breakpoints": True}
        for i, tag in enumerate(tags)
    ]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": entries}, indent=2) + "\n"


def drizzle(repo: GitRepo, pending: dict[str, str]) -> GitRepo:
    repo.write(".migration-gate.yml", CONFIG)
    repo.write("drizzle/0000_accounts.sql", CREATE)
    repo.write("drizzle/meta/_journal.json", _journal(["0000_accounts"]))
    repo.commit("merged history")
    repo.git("checkout", "-q", "-b", "feature")
    for name, sql in pending.items():
        repo.write(f"drizzle/{name}.sql", sql)
    repo.write("drizzle/meta/_journal.json", _journal(["0000_accounts", *pending]))
    return repo


def flyway(repo: GitRepo, pending: dict[str, str], conf: str = "flyway.group=true\n") -> GitRepo:
    repo.write(".migration-gate.yml", CONFIG)
    repo.write("flyway.conf", conf)
    repo.write("db/migration/V1__accounts.sql", CREATE)
    repo.commit("merged history")
    repo.git("checkout", "-q", "-b", "feature")
    for name, sql in pending.items():
        repo.write(f"db/migration/{name}.sql", sql)
    return repo


def findings(cli, repo: GitRepo, rules: tuple[str, ...] = ("long-operation-under-held-lock",)) -> list[tuple]:
    result = cli("check", "--base", "main", "--format", "json", cwd=repo.path)
    assert result.code in (0, 1), result.err
    return sorted(
        (v["path"], v["line"], v["column"], v["rule"], v["message"])
        for v in result.json()["violations"]
        if v["rule"] in rules
    )


def test_drizzle_holds_a_lock_of_one_pending_file_through_the_next(cli, git_repo):
    repo = drizzle(git_repo, {"0001_nickname": ADD_COLUMN, "0002_backfill": BACKFILL})
    assert findings(cli, repo) == [
        (
            "drizzle/0002_backfill.sql",
            1,
            1,
            "long-operation-under-held-lock",
            "the backfill of accounts runs while this transaction still holds an ACCESS EXCLUSIVE lock on accounts "
            "(blocks reads and writes), taken in drizzle/0001_nickname.sql at line 1 by `ALTER TABLE accounts ADD "
            "COLUMN nickname …` (drizzle runs all pending migrations in one transaction): that lock blocks "
            "reads and writes for the whole backfill, not just a moment",
        )
    ]


def test_the_lock_is_held_through_a_file_between(cli, git_repo):
    """A pending file between the two that does not touch the table does not release the lock."""
    between = {"0001_nickname": ADD_COLUMN, "0002_audit": "CREATE TABLE audit (id bigint);\n", "0003": BACKFILL}
    repo = drizzle(git_repo, between)
    assert [(path, line) for path, line, *_ in findings(cli, repo)] == [("drizzle/0003.sql", 1)]


def test_a_merged_migration_holds_nothing(cli, git_repo):
    """Twin: the ADD COLUMN is merged (it ran in an earlier deploy); only the backfill is pending."""
    repo = drizzle(git_repo, {"0001_nickname": ADD_COLUMN})
    repo.commit("add nickname")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "feature")
    repo.git("checkout", "-q", "-b", "backfill")
    repo.write("drizzle/0002_backfill.sql", BACKFILL)
    repo.write("drizzle/meta/_journal.json", _journal(["0000_accounts", "0001_nickname", "0002_backfill"]))
    assert findings(cli, repo) == []


def test_a_runner_that_commits_after_each_file_holds_nothing_across_files(cli, git_repo):
    """Twin: golang-migrate commits each file; the backfill's own lock is the only one."""
    git_repo.write(".migration-gate.yml", CONFIG)
    git_repo.write("migrations/000001_accounts.up.sql", CREATE)
    git_repo.write("migrations/000001_accounts.down.sql", "DROP TABLE accounts;\n")
    git_repo.commit("merged history")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("migrations/000002_nickname.up.sql", ADD_COLUMN)
    git_repo.write("migrations/000002_nickname.down.sql", "ALTER TABLE accounts DROP COLUMN nickname;\n")
    git_repo.write("migrations/000003_backfill.up.sql", BACKFILL)
    git_repo.write("migrations/000003_backfill.down.sql", "SELECT 1;\n")
    assert findings(cli, git_repo) == []


def test_without_a_base_nothing_says_which_files_are_pending(cli, git_repo):
    repo = drizzle(git_repo, {"0001_nickname": ADD_COLUMN, "0002_backfill": BACKFILL})
    result = cli("check", "drizzle", "--format", "json", cwd=repo.path)
    assert [v for v in result.json()["violations"] if v["rule"] == "long-operation-under-held-lock"] == []


def test_flyway_group_holds_locks_across_pending_files(cli, git_repo):
    repo = flyway(git_repo, {"V2__nickname": ADD_COLUMN, "V3__backfill": BACKFILL})
    found = findings(cli, repo)
    assert [(path, line, col) for path, line, col, *_ in found] == [("db/migration/V3__backfill.sql", 1, 1)]
    assert "taken in db/migration/V2__nickname.sql at line 1" in found[0][4]
    assert "(Flyway (group = true) runs all pending migrations in one transaction)" in found[0][4]


def test_flyway_without_group_commits_each_file(cli, git_repo):
    repo = flyway(git_repo, {"V2__nickname": ADD_COLUMN, "V3__backfill": BACKFILL}, conf="flyway.mixed=false\n")
    assert findings(cli, repo) == []


INDEX_CONCURRENTLY = "CREATE INDEX CONCURRENTLY accounts_name_idx ON accounts (name);\n"


def test_flyway_group_refuses_transactional_and_non_transactional_pending_migrations(cli, git_repo):
    repo = flyway(git_repo, {"V2__nickname": ADD_COLUMN, "V3__name_index": INDEX_CONCURRENTLY})
    assert findings(cli, repo, ("mixed-transactional-statements",)) == [
        (
            "db/migration/V3__name_index.sql",
            1,
            1,
            "mixed-transactional-statements",
            'Flyway (group = true) refuses the deploy: "Detected both transactional and non-transactional '
            'migrations within the same migration group (even though mixed is false)", first offending migration: '
            "db/migration/V3__name_index.sql",
        )
    ]


def test_flyway_group_with_mixed_runs_the_group_without_a_transaction(cli, git_repo):
    """mixed = true: no refusal, and no transaction at all, so V2's own ADD COLUMN + backfill hold nothing."""
    pending = {"V2__nickname": ADD_COLUMN + BACKFILL, "V3__name_index": INDEX_CONCURRENTLY}
    repo = flyway(git_repo, pending, conf="flyway.group=true\nflyway.mixed=true\n")
    assert findings(cli, repo, ("mixed-transactional-statements", "long-operation-under-held-lock")) == []
    # Twin: the same V2 in a group Flyway runs in a transaction.
    assert findings(cli, flyway_again(repo, {"V3__name_index": "SELECT 1;\n"})) != []


def flyway_again(repo: GitRepo, replace: dict[str, str]) -> GitRepo:
    for name, sql in replace.items():
        repo.write(f"db/migration/{name}.sql", sql)
    return repo


def test_atlas_tx_mode_all_from_runner_options(cli, git_repo):
    layout = "migrations:\n  path: migrations\n  layout: atlas\n  runner_options:\n    tx-mode: all\n"
    git_repo.write(".migration-gate.yml", CONFIG + layout)
    git_repo.write("migrations/20240101000000_accounts.sql", CREATE)
    git_repo.commit("merged history")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("migrations/20240102000000_nickname.sql", ADD_COLUMN)
    git_repo.write("migrations/20240103000000_backfill.sql", BACKFILL)
    result = cli("check", "--base", "main", "--format", "json", cwd=git_repo.path)
    found = [v for v in result.json()["violations"] if v["rule"] == "long-operation-under-held-lock"]
    assert [(v["path"], v["line"]) for v in found] == [("migrations/20240103000000_backfill.sql", 1)], result.err
    assert "(Atlas (--tx-mode all) runs all pending migrations in one transaction)" in found[0]["message"]


ENUM_BASE = "CREATE TYPE account_state AS ENUM ('active');\nCREATE TABLE members (id bigint, state account_state);\n"


def test_drizzle_cannot_use_an_enum_value_a_pending_file_added(cli, git_repo):
    git_repo.write(".migration-gate.yml", CONFIG)
    git_repo.write("drizzle/0000_accounts.sql", ENUM_BASE)
    git_repo.write("drizzle/meta/_journal.json", _journal(["0000_accounts"]))
    git_repo.commit("merged history")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("drizzle/0001_closed.sql", "ALTER TYPE account_state ADD VALUE 'closed';\n")
    git_repo.write("drizzle/0002_close.sql", "UPDATE members SET state = 'closed' WHERE id = 7;\n")
    git_repo.write("drizzle/meta/_journal.json", _journal(["0000_accounts", "0001_closed", "0002_close"]))
    assert findings(cli, git_repo, ("enum-value-used-before-commit",)) == [
        (
            "drizzle/0002_close.sql",
            1,
            28,
            "enum-value-used-before-commit",
            "'closed' is used as a value of account_state, added to account_state in drizzle/0001_closed.sql at "
            "line 1 in this transaction (drizzle runs all pending migrations in one transaction): PostgreSQL "
            'refuses it until that transaction commits (unsafe use of new value "closed" of enum type '
            "account_state) and the migration fails",
        )
    ]
    # Twin: the value was added by a merged migration (an earlier deploy committed it).
    git_repo.commit("close")
    git_repo.git("checkout", "-q", "main")
    git_repo.git("merge", "-q", "feature")
    git_repo.git("checkout", "-q", "-b", "later")
    git_repo.write("drizzle/0003_close_more.sql", "UPDATE members SET state = 'closed' WHERE id = 8;\n")
    tags = ["0000_accounts", "0001_closed", "0002_close", "0003_close_more"]
    git_repo.write("drizzle/meta/_journal.json", _journal(tags))
    assert findings(cli, git_repo, ("enum-value-used-before-commit",)) == []
