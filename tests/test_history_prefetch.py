"""The history's git questions asked before discovery (:mod:`migration_gate.history.prefetch`): an answer
is taken only when it answers the run's own question, errors and fetches are left to the run, and nothing
outlives the run.  Real git repositories; the prefetch's answers are told apart from fresh ones by changing
the repository between the two."""

from __future__ import annotations

import threading

import pytest
from conftest import GitRepo
from test_history import V1, actions_env, has_commit, make_merged, pull_request_clone

from migration_gate.config import load_config
from migration_gate.discovery import scope_from_config
from migration_gate.errors import UsageError
from migration_gate.history.git import load_history
from migration_gate.history.prefetch import HistoryPrefetch


def _scope(repo: GitRepo, monkeypatch):
    monkeypatch.chdir(repo.path)
    return scope_from_config(load_config(None, search_from=repo.path))


def _changed(history) -> list[tuple[str, str]]:
    return sorted((c.status, c.path) for c in history.changes)


@pytest.fixture
def branch(git_repo) -> GitRepo:
    repo = make_merged(git_repo)
    repo.write("migrations/V3__add_index.sql", "CREATE INDEX CONCURRENTLY idx ON users (email);\n")
    return repo


def test_a_change_set_read_for_the_same_folders_is_taken(branch, monkeypatch):
    scope = _scope(branch, monkeypatch)
    prefetched = HistoryPrefetch(branch.path, "main", {}, False, [branch.path / "migrations"])
    assert prefetched.located() is not None  # finished: what follows happens after it asked
    branch.write("migrations/V4__later.sql", "SELECT 1;\n")
    taken = load_history(scope, ref="main", start=branch.path, env={}, prefetched=prefetched)
    assert _changed(taken) == [("added", "migrations/V3__add_index.sql")]
    fresh = load_history(scope, ref="main", start=branch.path, env={})
    assert _changed(fresh) == [("added", "migrations/V3__add_index.sql"), ("added", "migrations/V4__later.sql")]
    assert taken.merged == fresh.merged and taken.base == fresh.base and taken.fork == fresh.fork


def test_a_change_set_read_for_other_folders_is_asked_again(branch, monkeypatch):
    scope = _scope(branch, monkeypatch)
    prefetched = HistoryPrefetch(branch.path, "main", {}, False, [branch.path / "db"])
    assert prefetched.read(["migrations"]) is None
    branch.write("migrations/V4__later.sql", "SELECT 1;\n")
    history = load_history(scope, ref="main", start=branch.path, env={}, prefetched=prefetched)
    assert _changed(history) == [("added", "migrations/V3__add_index.sql"), ("added", "migrations/V4__later.sql")]


def test_the_base_alone_is_prefetched_without_folders(branch, monkeypatch):
    scope = _scope(branch, monkeypatch)
    prefetched = HistoryPrefetch(branch.path, "main", {}, False, [])
    located = prefetched.located()
    assert isinstance(located, tuple)
    root, base = located
    assert root == branch.path.resolve() and base.sha == branch.git("rev-parse", "main").strip()
    assert prefetched.read(["migrations"]) is None
    history = load_history(scope, ref="main", start=branch.path, env={}, prefetched=prefetched)
    assert _changed(history) == [("added", "migrations/V3__add_index.sql")]


def test_a_failed_question_is_asked_again_and_fails_the_same_way(branch, monkeypatch):
    scope = _scope(branch, monkeypatch)
    prefetched = HistoryPrefetch(branch.path, "no-such-branch", {}, False, [branch.path / "migrations"])
    assert prefetched.located() is None
    with pytest.raises(UsageError) as without:
        load_history(scope, ref="no-such-branch", start=branch.path, env={})
    with pytest.raises(UsageError) as with_prefetch:
        load_history(scope, ref="no-such-branch", start=branch.path, env={}, prefetched=prefetched)
    assert str(with_prefetch.value) == str(without.value)
    assert str(without.value).startswith("--base no-such-branch: not a commit in ")


def test_a_prefetch_never_fetches_the_run_does(git_repo, tmp_path, monkeypatch):
    work, base, head, _ = pull_request_clone(git_repo, tmp_path, depth=1)
    env = actions_env(tmp_path, base, head)
    scope = _scope(work, monkeypatch)
    prefetched = HistoryPrefetch(work.path, None, env, False, [work.path / "migrations"])
    assert prefetched.located() is None  # the base is missing from the clone: left to the run
    assert not has_commit(work, base)
    history = load_history(scope, start=work.path, env=env, prefetched=prefetched)
    assert has_commit(work, base)
    assert history.base is not None and history.base.sha == base
    assert ("modified", "migrations/V2__create_orders.sql") in _changed(history)


def test_a_check_that_fails_in_discovery_leaves_no_prefetch_running(cli, git_repo):
    git_repo.write(".migration-gate.yml", "migrations:\n  path: db/missing\n")
    git_repo.write("other/V1__create_users.sql", V1)
    git_repo.commit("merged")
    result = cli("check", "--base", "main", cwd=git_repo.path)
    assert result.code == 2
    assert result.err == (
        "migration-gate: error: db/missing: migrations folder not found "
        "(set migrations.path in .migration-gate.yml or pass a PATH)\n"
    )
    assert not [t for t in threading.enumerate() if t.name == "migration-gate history prefetch"]
