"""The history gate against real git repositories, changed the way pull requests change them.

Each scenario commits a "merged" history on ``main``, branches, changes the
working tree like a pull request would, and asserts the exact history findings
(rule, severity, path, line).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import GitRepo

from migration_gate.core.checksum import checksum_of_bytes

HISTORY_CODES = {"MG302", "MG306", "MG307", "MG308"}

V1 = (
    "-- Description: create users\n"
    "-- Rollback: migrations/rollback/V1__rollback.sql\n"
    "CREATE TABLE users (id bigint PRIMARY KEY);\n"
    "ALTER TABLE users ADD COLUMN email text;\n"
)
V2 = (
    "-- Description: create orders\n"
    "-- Rollback: migrations/rollback/V2__rollback.sql\n"
    "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n"
)
VIEWS = "CREATE OR REPLACE VIEW user_emails AS SELECT id, email FROM users;\n"
RB1 = "DROP TABLE users;\n"
RB2 = "DROP TABLE orders;\n"


def make_merged(repo: GitRepo, extra: dict[str, str] | None = None) -> GitRepo:
    repo.write(".migration-gate.yml", "ignore_rollback_collision: true\n")
    files = {
        "migrations/V1__create_users.sql": V1,
        "migrations/V2__create_orders.sql": V2,
        "migrations/R__views.sql": VIEWS,
        "migrations/rollback/V1__rollback.sql": RB1,
        "migrations/rollback/V2__rollback.sql": RB2,
        **(extra or {}),
    }
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("merged migrations")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


@pytest.fixture
def repo(git_repo) -> GitRepo:
    return make_merged(git_repo)


def findings(cli, repo: GitRepo, *args: str, codes=HISTORY_CODES) -> list[tuple]:
    result = cli("check", "--base", "main", "--format", "json", *args, cwd=repo.path)
    assert result.code in (0, 1), result.err
    return sorted(
        (v["code"], v["severity"], v["path"], v["line"]) for v in result.json()["violations"] if v["code"] in codes
    )


def violations(cli, repo: GitRepo, *args: str) -> list[dict]:
    result = cli("check", "--base", "main", "--format", "json", *args, cwd=repo.path)
    assert result.code in (0, 1), result.err
    return [v for v in result.json()["violations"] if v["code"] in HISTORY_CODES]


# --------------------------------------------------------------------------- merged migrations are immutable


def test_untouched_branch_has_no_history_findings(cli, repo):
    repo.write("migrations/V3__add_index.sql", "CREATE INDEX CONCURRENTLY idx ON users (email);\n")
    repo.write("migrations/rollback/V3__rollback.sql", "DROP INDEX CONCURRENTLY idx;\n")
    assert findings(cli, repo) == []


def test_edit_of_a_merged_migration_is_an_error_at_the_first_changed_line(cli, repo):
    edited = V1.replace("email text", "email text NOT NULL")
    repo.write("migrations/V1__create_users.sql", edited)
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"], v["line"], v["column"]) for v in found] == [
        ("MG306", "error", "migrations/V1__create_users.sql", 4, 1)
    ]
    before, after = checksum_of_bytes(V1.encode()), checksum_of_bytes(edited.encode())
    assert before != after
    assert f"Flyway checksum {before} -> {after}" in found[0]["message"]
    assert "Migration checksum mismatch for migration version 1" in found[0]["message"]


def test_committed_edit_is_the_same_as_an_uncommitted_one(cli, repo):
    repo.write("migrations/V2__create_orders.sql", V2 + "ALTER TABLE orders ADD COLUMN total numeric;\n")
    repo.commit("edit V2")
    assert findings(cli, repo) == [("MG306", "error", "migrations/V2__create_orders.sql", 4)]


def test_staged_edit_is_seen(cli, repo):
    repo.write("migrations/V2__create_orders.sql", "-- changed\n" + V2)
    repo.git("add", "-A")
    assert findings(cli, repo) == [("MG306", "error", "migrations/V2__create_orders.sql", 1)]


def test_crlf_only_edit_is_info_because_flyway_checksum_is_unchanged(cli, repo):
    repo.write("migrations/V1__create_users.sql", V1.replace("\n", "\r\n").encode())
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["line"]) for v in found] == [("MG306", "info", 1)]
    assert f"unchanged ({checksum_of_bytes(V1.encode())})" in found[0]["message"]
    result = cli("check", "--base", "main", cwd=repo.path)
    assert result.code == 0  # infos never fail the gate


def test_blank_line_edit_is_info_at_the_inserted_line(cli, repo):
    lines = V1.splitlines(keepends=True)
    repo.write("migrations/V1__create_users.sql", "".join([*lines[:3], "\n", *lines[3:]]))
    assert findings(cli, repo) == [("MG306", "info", "migrations/V1__create_users.sql", 4)]


def test_bom_added_is_info(cli, repo):
    repo.write("migrations/V2__create_orders.sql", b"\xef\xbb\xbf" + V2.encode())
    assert findings(cli, repo) == [("MG306", "info", "migrations/V2__create_orders.sql", 1)]


def test_crlf_and_an_edit_points_at_the_edit(cli, repo):
    repo.write("migrations/V1__create_users.sql", V1.replace("bigint", "integer").replace("\n", "\r\n").encode())
    assert findings(cli, repo) == [("MG306", "error", "migrations/V1__create_users.sql", 3)]


def test_mode_change_alone_is_not_an_edit(cli, repo):
    (repo.path / "migrations/V1__create_users.sql").chmod(0o755)
    assert findings(cli, repo) == []


def test_rename_is_an_error_with_both_names(cli, repo):
    repo.git("mv", "migrations/V2__create_orders.sql", "migrations/V2__create_all_orders.sql")
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"], v["line"]) for v in found] == [
        ("MG306", "error", "migrations/V2__create_all_orders.sql", 1)
    ]
    assert (
        "as migrations/V2__create_orders.sql and was renamed to migrations/V2__create_all_orders.sql"
        in found[0]["message"]
    )


def test_rename_without_git_mv_is_detected_from_the_untracked_file(cli, repo):
    (repo.path / "migrations/V2__create_orders.sql").rename(repo.path / "migrations/V2__orders.sql")
    found = violations(cli, repo)
    assert [(v["code"], v["path"]) for v in found] == [("MG306", "migrations/V2__orders.sql")]
    assert "renamed" in found[0]["message"]


def test_renumbered_migration_is_a_rename_and_a_new_version(cli, repo):
    repo.git("mv", "migrations/V2__create_orders.sql", "migrations/V3__create_orders.sql")
    assert findings(cli, repo) == [("MG306", "error", "migrations/V3__create_orders.sql", 1)]


def test_move_keeping_version_description_and_checksum_is_info(cli, repo):
    (repo.path / "migrations/core").mkdir()
    repo.git("mv", "migrations/V2__create_orders.sql", "migrations/core/V2__create_orders.sql")
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"]) for v in found] == [
        ("MG306", "info", "migrations/core/V2__create_orders.sql")
    ]
    assert "Flyway validates those, not the path" in found[0]["message"]


def test_delete_is_an_error(cli, repo):
    repo.git("rm", "-q", "migrations/V1__create_users.sql")
    repo.commit("drop V1")
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"], v["line"]) for v in found] == [
        ("MG306", "error", "migrations/V1__create_users.sql", 1)
    ]
    assert "was deleted" in found[0]["message"]
    assert "Detected applied migration not resolved locally" in found[0]["message"]


def test_file_deleted_in_the_working_tree_only(cli, repo):
    (repo.path / "migrations/V2__create_orders.sql").unlink()
    assert findings(cli, repo) == [("MG306", "error", "migrations/V2__create_orders.sql", 1)]
    assert repo.git("status", "--porcelain") == " D migrations/V2__create_orders.sql\n"  # nothing else touched


def test_repeatable_may_change_but_not_disappear(cli, repo):
    repo.write("migrations/R__views.sql", VIEWS + "CREATE OR REPLACE VIEW order_ids AS SELECT id FROM orders;\n")
    assert findings(cli, repo) == []
    (repo.path / "migrations/R__views.sql").unlink()
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"]) for v in found] == [("MG306", "warning", "migrations/R__views.sql")]
    assert 'repeatable "views" as missing' in found[0]["message"]


def test_edited_rollback_is_a_warning_and_a_crlf_only_one_info(cli, repo):
    repo.write("migrations/rollback/V1__rollback.sql", "DROP TABLE IF EXISTS users;\n")
    repo.write("migrations/rollback/V2__rollback.sql", RB2.replace("\n", "\r\n"))
    assert findings(cli, repo) == [
        ("MG307", "info", "migrations/rollback/V2__rollback.sql", 1),
        ("MG307", "warning", "migrations/rollback/V1__rollback.sql", 1),
    ]


def test_deleted_rollback_is_a_warning(cli, repo):
    (repo.path / "migrations/rollback/V2__rollback.sql").unlink()
    assert findings(cli, repo, codes=HISTORY_CODES | {"MG303"}) == [
        ("MG307", "warning", "migrations/rollback/V2__rollback.sql", 1)
    ]
    # V2 itself is not in the change set; --all reports every file's file-level findings too.
    assert findings(cli, repo, "--all", codes=HISTORY_CODES | {"MG303"}) == [
        ("MG303", "error", "migrations/V2__create_orders.sql", 1),
        ("MG307", "warning", "migrations/rollback/V2__rollback.sql", 1),
    ]


def test_history_rules_guard_the_whole_folder_even_with_paths_given(cli, repo):
    repo.write("migrations/V1__create_users.sql", V1 + "-- more\n")
    repo.write("migrations/V3__new.sql", "SELECT 1;\n")
    result = cli("check", "migrations/V3__new.sql", "--base", "main", "--format", "json", cwd=repo.path)
    codes = {(v["code"], v["path"]) for v in result.json()["violations"]}
    assert ("MG306", "migrations/V1__create_users.sql") in codes


# --------------------------------------------------------------------------- versions


def test_duplicate_version_added_in_the_branch(cli, repo):
    repo.write("migrations/V2__add_email_index.sql", "SELECT 1;\n")
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"], v["line"]) for v in found] == [
        ("MG302", "error", "migrations/V2__add_email_index.sql", 1)
    ]  # reported on the file the branch adds
    assert found[0]["message"] == "version 2 is also used by migrations/V2__create_orders.sql"


def test_two_branches_adding_the_same_version_are_caught_on_the_second(cli, repo):
    repo.write("migrations/V3__add_payments.sql", "CREATE TABLE payments (id bigint);\n")  # this branch
    repo.commit("feature: V3")
    repo.git("checkout", "-q", "main")
    repo.write("migrations/V3__add_invoices.sql", "CREATE TABLE invoices (id bigint);\n")  # the other branch, merged
    repo.commit("main: V3 from another pull request")
    repo.git("checkout", "-q", "feature")
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"]) for v in found] == [
        ("MG302", "error", "migrations/V3__add_payments.sql")
    ]
    assert "also used by migrations/V3__add_invoices.sql, merged on the base" in found[0]["message"]
    # Not mistaken for this branch deleting V3__add_invoices.sql: the change set starts at the fork point.
    assert not [v for v in found if v["code"] == "MG306"]


def test_older_version_is_out_of_order(cli, repo):
    repo.write("migrations/V1_5__backfill_emails.sql", "UPDATE users SET email = '' WHERE email IS NULL;\n")
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"], v["line"]) for v in found] == [
        ("MG308", "error", "migrations/V1_5__backfill_emails.sql", 1)
    ]
    assert "version 1_5 is new here but below version 2 (migrations/V2__create_orders.sql)" in found[0]["message"]


def test_base_moved_ahead_makes_the_branch_version_out_of_order(cli, repo):
    repo.write("migrations/V3__add_payments.sql", "CREATE TABLE payments (id bigint);\n")
    repo.commit("feature: V3")
    repo.git("checkout", "-q", "main")
    repo.write("migrations/V4__add_invoices.sql", "CREATE TABLE invoices (id bigint);\n")
    repo.commit("main: V4")
    repo.git("checkout", "-q", "feature")
    assert findings(cli, repo) == [("MG308", "error", "migrations/V3__add_payments.sql", 1)]


def test_out_of_order_allow_turns_it_off(cli, repo):
    repo.write(".migration-gate.yml", "ignore_rollback_collision: true\nout_of_order: allow\n")
    repo.write("migrations/V1_5__backfill_emails.sql", "SELECT 1;\n")
    assert findings(cli, repo) == []


def test_new_version_above_the_highest_is_fine(cli, repo):
    repo.write("migrations/V10__add_payments.sql", "SELECT 1;\n")
    assert findings(cli, repo) == []


# --------------------------------------------------------------------------- scope


def test_statement_rules_report_on_the_change_set_and_all_reports_everything(cli, git_repo):
    repo = make_merged(git_repo, {"migrations/V0_1__legacy.sql": "SELEC 1;\n"})  # a merged syntax error
    repo.write("migrations/V3__broken.sql", "CREATE TABLE;\n")
    changed = cli("check", "--base", "main", "--format", "json", cwd=repo.path).json()
    assert {v["path"] for v in changed["violations"] if v["code"] == "MG001"} == {"migrations/V3__broken.sql"}
    assert [f["path"] for f in changed["files"]] == ["migrations/V3__broken.sql"]
    everything = cli("check", "--base", "main", "--all", "--format", "json", cwd=repo.path).json()
    assert {v["path"] for v in everything["violations"] if v["code"] == "MG001"} == {
        "migrations/V0_1__legacy.sql",
        "migrations/V3__broken.sql",
    }


def test_baseline_skips_content_rules_for_legacy_versions_but_guards_history(cli, git_repo):
    repo = make_merged(git_repo, {"migrations/V0_1__legacy.sql": "SELEC 1;\n"})
    repo.write(".migration-gate.yml", "ignore_rollback_collision: true\nbaseline: 1\n")
    everything = cli("check", "--base", "main", "--all", "--format", "json", cwd=repo.path).json()
    by_code = {(v["code"], v["path"]) for v in everything["violations"]}
    assert ("MG001", "migrations/V0_1__legacy.sql") not in by_code  # legacy: statement/file rules skip it
    assert ("MG303", "migrations/V0_1__legacy.sql") not in by_code  # and per-file project rules too
    assert "migrations/V0_1__legacy.sql" in {f["path"] for f in everything["files"]}  # still listed, checksummed
    repo.write("migrations/V0_1__legacy.sql", "SELECT 1;\n")  # history rules still guard legacy files
    assert findings(cli, repo) == [("MG306", "error", "migrations/V0_1__legacy.sql", 1)]


def test_baseline_must_be_a_version(cli, repo):
    repo.write(".migration-gate.yml", "baseline: v1\n")
    result = cli("check", "--base", "main", cwd=repo.path)
    assert result.code == 2
    assert result.err.strip() == (
        "migration-gate: error: .migration-gate.yml: baseline: could not recognise version number 'v1'"
    )


# --------------------------------------------------------------------------- base detection


def clone(source: GitRepo, target, *args: str) -> GitRepo:
    subprocess.run(["git", "clone", "-q", *args, f"file://{source.path}", str(target)], check=True, capture_output=True)
    repo = GitRepo.__new__(GitRepo)
    repo.path = target
    repo.git("config", "user.email", "ci@example.com")
    repo.git("config", "user.name", "CI")
    return repo


def test_base_is_the_merge_base_with_origin_head(cli, git_repo, tmp_path):
    upstream = make_merged(git_repo)
    upstream.git("checkout", "-q", "main")
    work = clone(upstream, tmp_path / "work")
    work.git("checkout", "-q", "-b", "topic")
    work.write("migrations/V1__create_users.sql", V1 + "-- edited\n")
    work.write("migrations/V3__broken.sql", "CREATE TABLE;\n")
    result = cli("check", "--format", "json", cwd=work.path)
    doc = result.json()
    assert sorted((v["code"], v["path"]) for v in doc["violations"] if v["code"] in ("MG001", "MG306")) == [
        ("MG001", "migrations/V3__broken.sql"),
        ("MG306", "migrations/V1__create_users.sql"),
    ]
    assert {f["path"] for f in doc["files"]} == {"migrations/V1__create_users.sql", "migrations/V3__broken.sql"}
    info = cli("info", "--format", "json", cwd=work.path).json()
    assert info["base"]["source"] == "merge-base with origin/HEAD"
    assert info["base"]["sha"] == upstream.git("rev-parse", "main").strip()


def test_origin_main_is_used_when_origin_head_is_missing(cli, git_repo, tmp_path):
    upstream = make_merged(git_repo)
    upstream.git("checkout", "-q", "main")
    work = clone(upstream, tmp_path / "work")
    work.git("remote", "set-head", "origin", "--delete")
    info = cli("info", "--format", "json", cwd=work.path).json()
    assert info["base"]["source"] == "merge-base with origin/main"


def test_no_base_skips_history_checks_with_one_note(cli, repo):
    repo.write("migrations/V1__create_users.sql", V1 + "-- edited\n")  # would be MG306 with a base
    result = cli("check", cwd=repo.path, env={"NO_COLOR": "1"})
    notes = [line for line in result.err.splitlines() if line.startswith("note:")]  # diagnostics: stderr
    assert notes == [
        "note: history checks skipped: no base to compare with (no origin/HEAD, origin/main or "
        "origin/master); pass --base REF"
    ]
    assert "modified-merged-migration" not in result.out
    assert result.code == 0


def test_not_a_git_repository(cli, tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__a.sql").write_text("SELECT 1;\n")
    result = cli("check", "--base", "main", cwd=tmp_path)
    assert result.code == 2
    assert result.err.strip() == (
        f"migration-gate: error: --base main: {tmp_path.resolve()} is not inside a git "
        "repository (drop --base to check the files without history)"
    )
    plain = cli("check", cwd=tmp_path, env={"NO_COLOR": "1"})
    assert f"note: history checks skipped: {tmp_path.resolve()} is not a git repository" in plain.err
    assert plain.code in (0, 1)


def test_missing_base_ref_is_exit_2_naming_the_fix(cli, repo):
    result = cli("check", "--base", "origin/main", cwd=repo.path)
    assert result.code == 2
    assert result.err.strip() == (
        f"migration-gate: error: --base origin/main: not a commit in {repo.path} "
        "(fetch it first (e.g. `git fetch origin main`) or fix the ref)"
    )
    assert result.out == ""


def test_detached_head_behaves_like_a_branch(cli, repo):
    repo.write("migrations/V1__create_users.sql", V1 + "-- edited\n")
    repo.commit("edit")
    on_branch = findings(cli, repo)
    repo.git("checkout", "-q", "--detach", "HEAD")
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "HEAD"
    assert findings(cli, repo) == on_branch == [("MG306", "error", "migrations/V1__create_users.sql", 5)]


def test_nothing_the_user_has_is_modified(cli, repo):
    repo.write("migrations/V2__create_orders.sql", V2 + "-- edited\n")
    repo.write("migrations/V3__new.sql", "SELECT 1;\n")
    before = (
        repo.git("status", "--porcelain"),
        repo.git("rev-parse", "HEAD"),
        repo.git("stash", "list"),
        (repo.path / ".git" / "index").read_bytes(),
    )
    findings(cli, repo)
    cli("info", "--base", "main", cwd=repo.path)
    after = (
        repo.git("status", "--porcelain"),
        repo.git("rev-parse", "HEAD"),
        repo.git("stash", "list"),
        (repo.path / ".git" / "index").read_bytes(),
    )
    assert before == after


# --------------------------------------------------------------------------- bad files


def test_binary_file_replacing_a_merged_migration(cli, repo):
    repo.write("migrations/V2__create_orders.sql", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    found = violations(cli, repo)
    assert [(v["code"], v["severity"], v["path"]) for v in found] == [
        ("MG306", "error", "migrations/V2__create_orders.sql")
    ]
    assert "-> none (the file cannot be read as UTF-8)" in found[0]["message"]
    unreadable = cli("check", "--base", "main", "--format", "json", cwd=repo.path).json()
    assert [(v["code"], v["path"], v["line"]) for v in unreadable["violations"] if v["code"] == "MG002"] == [
        ("MG002", "migrations/V2__create_orders.sql", 1)
    ]


def test_new_binary_file_is_unreadable_not_a_crash(cli, repo):
    repo.write("migrations/V3__dump.sql", bytes(range(256)))
    result = cli("check", "--base", "main", "--format", "json", cwd=repo.path)
    assert result.code == 1
    doc = result.json()
    assert [(v["code"], v["path"]) for v in doc["violations"] if v["code"] in {"MG002"} | HISTORY_CODES] == [
        ("MG002", "migrations/V3__dump.sql")
    ]
    assert {f["path"]: f["checksum"] for f in doc["files"]} == {"migrations/V3__dump.sql": None}


def test_two_rollback_files_for_one_version(cli, repo):
    repo.write("migrations/rollback/V001__rollback.sql", "DROP TABLE users CASCADE;\n")
    found = violations(cli, repo, "--all")
    assert [(v["code"], v["path"]) for v in found] == [
        ("MG302", "migrations/rollback/V001__rollback.sql"),
        ("MG302", "migrations/rollback/V1__rollback.sql"),
    ]
    assert found[0]["message"] == (
        "two rollback scripts for version 001: this one and "
        "migrations/rollback/V1__rollback.sql; nobody can tell which one undoes the "
        "migration"
    )


# --------------------------------------------------------------------------- GitHub Actions


def pull_request_clone(git_repo, tmp_path, depth: int) -> tuple[GitRepo, str, str, str]:
    """An origin with main and a PR head, the PR's merge commit, and a shallow clone of it."""
    origin = make_merged(git_repo)
    origin.write("migrations/V2__create_orders.sql", V2 + "-- edited in the pull request\n")
    origin.write("migrations/V3__add_payments.sql", "CREATE TABLE payments (id bigint);\n")
    origin.write("migrations/rollback/V3__rollback.sql", "DROP TABLE payments;\n")
    head = origin.commit("pull request")
    origin.git("checkout", "-q", "main")
    origin.write("README.md", "main moved on\n")
    base = origin.commit("main moves on")
    origin.git("checkout", "-q", "-b", "pr-merge")
    origin.git("merge", "-q", "--no-ff", "-m", "Merge pull request", head)
    merge = origin.git("rev-parse", "HEAD").strip()
    origin.git("checkout", "-q", "main")
    work = clone(origin, tmp_path / "ci", f"--depth={depth}", "--branch", "pr-merge")
    return work, base, head, merge


def actions_env(tmp_path, base: str, head: str) -> dict:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"number": 7, "pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": head}}})
    )
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}


def has_commit(repo: GitRepo, sha: str) -> bool:
    done = subprocess.run(["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=repo.path, capture_output=True)
    return done.returncode == 0


def test_shallow_merge_commit_depth_1_fetches_just_the_base(cli, git_repo, tmp_path):
    work, base, head, _ = pull_request_clone(git_repo, tmp_path, depth=1)
    assert not has_commit(work, base)
    env = actions_env(tmp_path, base, head)
    result = cli("check", "--format", "json", cwd=work.path, env=env)
    assert result.code == 1, result.err
    doc = result.json()
    assert sorted((v["code"], v["path"], v["line"]) for v in doc["violations"] if v["code"] in HISTORY_CODES) == [
        ("MG306", "migrations/V2__create_orders.sql", 4)
    ]
    assert {f["path"] for f in doc["files"]} == {
        "migrations/V2__create_orders.sql",
        "migrations/V3__add_payments.sql",
        "migrations/rollback/V3__rollback.sql",
    }
    assert has_commit(work, base)  # fetched with --depth=1, nothing else
    info = cli("info", "--format", "json", cwd=work.path, env=env).json()
    assert info["base"] == {"sha": base, "source": "the pull request's base commit (GitHub event)"}


def test_shallow_merge_commit_depth_2_uses_head_parent(cli, git_repo, tmp_path):
    work, base, head, merge = pull_request_clone(git_repo, tmp_path, depth=2)
    env = actions_env(tmp_path, "f" * 40, head)  # a stale event base must not matter: HEAD^1 is the base
    info = cli("info", "--format", "json", cwd=work.path, env=env).json()
    assert info["base"] == {"sha": base, "source": "HEAD^1, the base side of the pull request's merge commit"}
    result = cli("check", "--format", "json", cwd=work.path, env=env)
    assert sorted((v["code"], v["path"]) for v in result.json()["violations"] if v["code"] in HISTORY_CODES) == [
        ("MG306", "migrations/V2__create_orders.sql")
    ]


def test_unfetchable_pull_request_base_is_exit_2(cli, git_repo, tmp_path):
    work, base, head, _ = pull_request_clone(git_repo, tmp_path, depth=1)
    env = actions_env(tmp_path, "e" * 40, head)
    result = cli("check", cwd=work.path, env=env)
    assert result.code == 2
    err = result.err.strip()
    assert err.startswith(
        f"migration-gate: error: the pull request's base commit {'e' * 12} is not in this clone "
        f"and `git fetch --no-tags --depth=1 origin {'e' * 40}` failed ("
    )
    assert err.endswith("); give actions/checkout `fetch-depth: 0`")
    assert len(err.splitlines()) == 1


def test_outside_actions_a_missing_base_is_never_fetched(cli, git_repo, tmp_path):
    work, base, head, _ = pull_request_clone(git_repo, tmp_path, depth=1)
    result = cli("check", "--base", base, cwd=work.path)
    assert result.code == 2
    assert "fetch it first" in result.err
    assert not has_commit(work, base)


def test_broken_event_file_is_exit_2(cli, repo, tmp_path):
    event = tmp_path / "event.json"
    event.write_text("{not json")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    result = cli("check", cwd=repo.path, env=env)
    assert result.code == 2
    assert result.err.startswith(f"migration-gate: error: cannot read the GitHub event {event}: ")
    assert result.err.strip().endswith("(pass --base REF)")


def test_actions_pull_request_outside_a_repository_is_exit_2(cli, tmp_path):
    (tmp_path / "migrations").mkdir()
    env = actions_env(tmp_path, "a" * 40, "b" * 40)
    result = cli("check", cwd=tmp_path, env=env)
    assert result.code == 2
    assert "is not inside a git repository, so the pull request's base cannot be read" in result.err


def test_push_event_in_actions_uses_the_default_branch_rules(cli, repo, tmp_path):
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(tmp_path / "none.json")}
    result = cli("check", cwd=repo.path, env={**env, "NO_COLOR": "1"})
    assert result.code == 0
    assert "note: history checks skipped: no base to compare with" in result.err


def test_required_base_without_one_is_exit_2(repo, monkeypatch):
    from migration_gate.config import load_config
    from migration_gate.discovery import scope_from_config
    from migration_gate.errors import UsageError
    from migration_gate.history.changeset import attach_history

    monkeypatch.chdir(repo.path)
    scope = scope_from_config(load_config(None, search_from=repo.path))
    with pytest.raises(UsageError, match=r"^no base to compare with: pass --base REF \(e\.g\. --base origin/main\)$"):
        attach_history(scope, base=None, auto=True, start=repo.path, env={}, required=True)
    assert attach_history(scope, base=None, auto=True, start=repo.path, env={}).history is None


# --------------------------------------------------------------------------- up/down layouts


@pytest.fixture
def updown(git_repo) -> GitRepo:
    git_repo.write(".migration-gate.yml", "migrations:\n  layout: up-down\n")
    for version, name in (("000001", "create_users"), ("000002", "create_orders")):
        git_repo.write(f"migrations/{version}_{name}.up.sql", f"CREATE TABLE {name[7:]} (id bigint);\n")
        git_repo.write(f"migrations/{version}_{name}.down.sql", f"DROP TABLE {name[7:]};\n")
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    return git_repo


def test_up_down_edit_and_renames(cli, updown):
    updown.write("migrations/000001_create_users.up.sql", "CREATE TABLE users (id bigint, email text);\n")
    updown.git("mv", "migrations/000002_create_orders.up.sql", "migrations/000002_orders.up.sql")  # same version
    updown.git("mv", "migrations/000002_create_orders.down.sql", "migrations/000003_create_orders.down.sql")
    found = violations(cli, updown)
    assert [(v["code"], v["severity"], v["path"]) for v in found] == [
        ("MG306", "error", "migrations/000001_create_users.up.sql"),
        ("MG306", "info", "migrations/000002_orders.up.sql"),
        ("MG307", "warning", "migrations/000003_create_orders.down.sql"),
    ]
    assert "databases that already applied it keep the old version" in found[0]["message"]
    assert "Flyway" not in found[0]["message"]
    assert "the runner records only the version, so nothing re-runs" in found[1]["message"]


def test_up_down_out_of_order_names_the_runners(cli, updown):
    updown.git("checkout", "-q", "main")
    updown.write("migrations/000005_add_index.up.sql", "SELECT 1;\n")
    updown.write("migrations/000005_add_index.down.sql", "SELECT 1;\n")
    updown.commit("main: 5")
    updown.git("checkout", "-q", "feature")
    updown.write("migrations/000004_add_email.up.sql", "SELECT 1;\n")
    found = violations(cli, updown)
    assert [(v["code"], v["path"]) for v in found] == [("MG308", "migrations/000004_add_email.up.sql")]
    assert found[0]["message"].endswith(
        "golang-migrate never applies it on databases already past that version; "
        "Diesel and pop apply it there out of order"
    )


def test_a_change_set_is_analysed_in_run_order(cli, git_repo):
    """Versions order the change set's files (9 before 10), not their names: the table version 9 creates is
    new to version 10, so indexing it without CONCURRENTLY is fine there."""
    git_repo.write(".migration-gate.yml", "rules:\n  missing-rollback: off\n")
    git_repo.write("migrations/V1__create.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n")
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("migrations/V10__index.sql", "SET lock_timeout = '5s';\nCREATE INDEX t2_id ON t2 (id);\n")
    git_repo.write("migrations/V9__create.sql", "CREATE TABLE t2 (id bigint PRIMARY KEY);\n")
    doc = cli("check", "--base", "main", "--format", "json", cwd=git_repo.path).json()
    assert sorted(f["path"] for f in doc["files"]) == ["migrations/V10__index.sql", "migrations/V9__create.sql"]
    index_rule = "non-concurrent-index-creation"
    assert [v["path"] for v in doc["violations"] if v["rule"] == index_rule] == []
    on_a_merged_table = "SET lock_timeout = '5s';\nCREATE INDEX t_id ON t (id);\n"
    git_repo.write("migrations/V10__index.sql", on_a_merged_table)  # the twin: the table is merged, it fires
    doc = cli("check", "--base", "main", "--format", "json", cwd=git_repo.path).json()
    assert [(v["path"], v["line"], v["column"]) for v in doc["violations"] if v["rule"] == index_rule] == [
        ("migrations/V10__index.sql", 2, 22)
    ]
