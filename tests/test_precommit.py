"""The pre-commit hooks, run by the real pre-commit (`pre-commit try-repo`) on temp git repositories.

pre-commit installs the hook repository (a copy of this one, committed in a
temp dir) into its own virtualenv with pip, exactly as it would from a tag.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, GitRepo
from test_action import copy_package

GOOD = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n"
BAD = "CREATE TABLE orders (id bigint PRIMARY KEY);\nSELEC 1;\n"


def test_hook_definitions():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"migration-gate", "migration-gate-history"}
    lint, history = hooks["migration-gate"], hooks["migration-gate-history"]
    assert lint["entry"] == "migration-gate check" and lint["language"] == "python"
    assert lint["files"] == r"\.sql$" and lint.get("pass_filenames", True) is True
    assert history["entry"] == "migration-gate check --history" and history["pass_filenames"] is False
    # pre-commit hides a passing hook's output; the "no upstream" warning must reach the user all the same.
    assert history["verbose"] is True and "verbose" not in lint


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str, dict]:
    root = tmp_path_factory.mktemp("precommit")
    repo = GitRepo(root / "hooks")
    copy_package(repo.path)
    sha = repo.commit("hooks")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(root / "cache")  # shared by the tests here: one hook environment
    return repo.path, sha, env


def try_repo(hook_repo, project: GitRepo, hook: str, *, verbose: bool = True) -> subprocess.CompletedProcess:
    path, sha, env = hook_repo
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(path),
            hook,
            "--ref",
            sha,
            *(["--verbose"] if verbose else []),
            "--color",
            "never",
        ],
        cwd=project.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def stage(project: GitRepo, files: dict[str, str]) -> None:
    for name, content in files.items():
        project.write(name, content)
    project.git("add", "-A")


def test_lint_hook_blocks_a_bad_migration_and_passes_a_good_one(hook_repo, tmp_path):
    project = GitRepo(tmp_path / "project")
    stage(
        project,
        {"migrations/V1__create_users.sql": GOOD, "migrations/rollback/V1__rollback.sql": "DROP TABLE users;\n"},
    )
    good = try_repo(hook_repo, project, "migration-gate")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "migration-gate" in good.stdout and "Passed" in good.stdout
    project.commit("users")

    stage(project, {"migrations/V2__create_orders.sql": BAD})
    bad = try_repo(hook_repo, project, "migration-gate")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert 'migrations/V2__create_orders.sql:2:1: error[syntax-error] syntax error at or near "SELEC"' in bad.stdout
    assert "migrations/V2__create_orders.sql:1:1: error[missing-rollback]" in bad.stdout
    assert "V1__create_users.sql:" not in bad.stdout  # only the staged file is linted


def test_history_hook_without_upstream_warns_and_passes(hook_repo, tmp_path):
    project = GitRepo(tmp_path / "project")
    stage(project, {"migrations/V1__create_users.sql": BAD})  # would fail a lint, but history has no base
    # Without `pre-commit run --verbose`, as a developer commits: the hook's definition shows its output.
    done = try_repo(hook_repo, project, "migration-gate-history", verbose=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout
    assert "migration-gate: warning: no upstream branch to compare with" in done.stdout


def test_history_hook_against_upstream(hook_repo, tmp_path):
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    project = GitRepo(tmp_path / "project")
    stage(
        project,
        {"migrations/V1__create_users.sql": GOOD, "migrations/rollback/V1__rollback.sql": "DROP TABLE users;\n"},
    )
    project.commit("merged")
    project.git("remote", "add", "origin", str(origin))
    project.git("push", "-q", "-u", "origin", "main")
    project.git("checkout", "-q", "-b", "feature")

    # A new migration without its rollback: the history hook blocks it (no network: local refs only).
    stage(project, {"migrations/V2__create_orders.sql": GOOD.replace("users", "orders")})
    missing = try_repo(hook_repo, project, "migration-gate-history")
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "migrations/V2__create_orders.sql:1:1: error[missing-rollback]" in missing.stdout

    # Editing a migration that is already merged upstream is blocked.
    stage(
        project,
        {
            "migrations/rollback/V2__rollback.sql": "DROP TABLE orders;\n",
            "migrations/V1__create_users.sql": GOOD + "-- tweaked\nSELECT 1;\n",
        },
    )
    edited = try_repo(hook_repo, project, "migration-gate-history")
    assert edited.returncode == 1, edited.stdout + edited.stderr
    assert "error[modified-merged-migration]" in edited.stdout
    project.git("checkout", "-q", "HEAD", "--", "migrations/V1__create_users.sql")

    # With the rollback it passes, and statement findings are not this hook's business.
    stage(
        project,
        {"migrations/V2__create_orders.sql": BAD, "migrations/rollback/V2__rollback.sql": "DROP TABLE orders;\n"},
    )
    done = try_repo(hook_repo, project, "migration-gate-history")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "syntax-error" not in done.stdout


# --------------------------------------------------------------------------- `check --history` itself (in process)


def _with_origin(tmp_path) -> GitRepo:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    project = GitRepo(tmp_path / "project")
    stage(
        project,
        {"migrations/V1__create_users.sql": GOOD, "migrations/rollback/V1__rollback.sql": "DROP TABLE users;\n"},
    )
    project.commit("merged")
    project.git("remote", "add", "origin", str(origin))
    project.git("push", "-q", "-u", "origin", "main")
    return project


def test_history_flag_respects_config_levels(cli, tmp_path):
    project = _with_origin(tmp_path)
    project.write("migrations/V2__orders.sql", BAD)  # untracked counts as part of the change
    done = cli("check", "--history", "--format", "json", cwd=project.path, env={"GITHUB_ACTIONS": None})
    assert done.code == 1
    assert [(v["rule"], v["path"]) for v in done.json()["violations"]] == [
        ("missing-rollback", "migrations/V2__orders.sql"),
        ("rollback-collides-with-migration", "migrations/rollback/V1__rollback.sql"),
    ]  # a warning
    project.write(".migration-gate.yml", "rules:\n  missing-rollback: off\n")
    done = cli("check", "--history", "--format", "json", cwd=project.path, env={"GITHUB_ACTIONS": None})
    assert done.code == 0
    assert [v["rule"] for v in done.json()["violations"]] == ["rollback-collides-with-migration"]


def test_history_flag_guards_merged_migrations_and_order(cli, tmp_path):
    project = _with_origin(tmp_path)
    project.git("checkout", "-q", "-b", "feature")
    project.write("migrations/V1__create_users.sql", GOOD + "ALTER TABLE users ADD COLUMN name text;\n")
    project.write("migrations/V0_5__early.sql", "SELECT 1;\n")
    project.write("migrations/rollback/V0_5__rollback.sql", "SELECT 1;\n")
    project.git("add", "-A")
    done = cli("check", "--history", "--format", "json", cwd=project.path, env={"GITHUB_ACTIONS": None})
    assert done.code == 1
    found = {(v["rule"], v["path"]) for v in done.json()["violations"]}
    assert ("modified-merged-migration", "migrations/V1__create_users.sql") in found
    assert ("out-of-order-migration-version", "migrations/V0_5__early.sql") in found
    assert {rule for rule, _ in found} <= {
        "modified-merged-migration",
        "out-of-order-migration-version",
        "rollback-collides-with-migration",
    }


def test_history_flag_without_upstream(cli, tmp_path):
    project = GitRepo(tmp_path / "alone")
    project.write("migrations/V1__a.sql", BAD)
    done = cli("check", "--history", cwd=project.path, env={"GITHUB_ACTIONS": None})
    assert done.code == 0 and done.out == ""
    assert done.err == (
        "migration-gate: warning: no upstream branch to compare with (no origin/HEAD, "
        "origin/main, origin/master or @{upstream}); history checks skipped\n"
    )


@pytest.mark.parametrize(
    "extra,message",
    [
        (["migrations"], "--history checks the configured migrations folders: give no PATH"),
        (["--rule", "syntax-error"], "--history chooses its own rules: it cannot be combined with --rule"),
    ],
)
def test_history_flag_usage_errors(cli, tmp_path, extra, message):
    (tmp_path / "migrations").mkdir()
    done = cli("check", "--history", *extra, cwd=tmp_path, env={"GITHUB_ACTIONS": None})
    assert done.code == 2
    assert done.err == f"migration-gate: error: {message}\n"
