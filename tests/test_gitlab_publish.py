"""Publishing to GitLab: the real CLI in a subprocess, with the environment GitLab CI sets in a merge
request pipeline, talking through real python-gitlab to a stateful fake GitLab REST server on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CliResult, GitRepo
from fake_gitlab import FakeGitLab

from migration_gate.reporters.markdown import MARKER

MR = 12
GOOD_V1 = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n"
GOOD_V2 = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n"
ROLLBACK = "DROP TABLE IF EXISTS orders;\n"
BAD_V2 = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\nSELEC 1;\n"  # syntax error, no rollback


@pytest.fixture
def fake():
    server = FakeGitLab().start()
    yield server
    server.stop()


class MergeRequestPipeline:
    """A repository with a merged migration on main and a merge request branch, as a GitLab CI job sees it."""

    def __init__(self, root: Path, fake: FakeGitLab):
        self.fake = fake
        self.repo = GitRepo(root / "shop")
        self.repo.write(".migration-gate.yml", "migrations:\n  layout: flyway\nignore_rollback_collision: true\n")
        self.repo.write("migrations/V1__create_users.sql", GOOD_V1)
        self.repo.write("migrations/rollback/V1__rollback.sql", "DROP TABLE IF EXISTS users;\n")
        self.base = self.repo.commit("merged")
        self.repo.git("checkout", "-q", "-b", "feature")

    def change(self, files: dict[str, str | None]) -> str:
        for path, content in files.items():
            if content is None:
                (self.repo.path / path).unlink()
            else:
                self.repo.write(path, content)
        return self.repo.commit("merge request change")

    def environment(self, token: str | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "GITLAB_", "CI_", "RUNNER_", "MIGRATION_GATE_"))
        }
        env.update(
            {
                "CI": "true",
                "GITLAB_CI": "true",
                "CI_API_V4_URL": self.fake.api_url,
                "CI_PROJECT_ID": self.fake.project_id,
                "CI_PROJECT_DIR": str(self.repo.path),
                "CI_MERGE_REQUEST_IID": str(MR),
                "CI_MERGE_REQUEST_DIFF_BASE_SHA": self.base,
                "CI_JOB_TOKEN": "job-token-that-cannot-post-notes",
                "GITLAB_TOKEN": self.fake.token if token is None else token,
                "MIGRATION_GATE_GITHUB_BACKOFF": "0.01",
                "MIGRATION_GATE_GITHUB_TIMEOUT": "2",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )
        if token == "":
            del env["GITLAB_TOKEN"]
        return env

    def run(self, *extra: str, token: str | None = None, env: dict | None = None) -> CliResult:
        full_env = {**self.environment(token), **(env or {})}
        done = subprocess.run(
            [sys.executable, "-m", "migration_gate", "check", "--gitlab", *extra],
            cwd=self.repo.path,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "Traceback" not in done.stderr, done.stderr
        secret = full_env.get("GITLAB_TOKEN") or self.fake.token
        assert secret not in done.stdout and secret not in done.stderr
        assert all(secret not in r.body and secret not in r.path for r in self.fake.requests)
        return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def mr(tmp_path, fake) -> MergeRequestPipeline:
    return MergeRequestPipeline(tmp_path, fake)


NOTES = rf"/merge_requests/{MR}/notes$"


def note_posts(fake: FakeGitLab) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith(f"/merge_requests/{MR}/notes")]


def note_edits(fake: FakeGitLab) -> list:
    return [r for r in fake.requests if r.method == "PUT" and f"/merge_requests/{MR}/notes/" in r.path]


def listings(fake: FakeGitLab) -> list:
    return [r for r in fake.requests if r.method == "GET" and r.path.endswith(f"/merge_requests/{MR}/notes")]


# --------------------------------------------------------------------------- the sticky note


def test_first_run_creates_one_note_with_the_report(mr, fake):
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = mr.run()
    assert result.code == 1 and result.err == ""
    (note,) = fake.notes[MR]
    assert note["body"].startswith(MARKER + "\n### ❌ migration-gate: the gate fails")
    assert "syntax error at or near &quot;SELEC&quot;" in note["body"]
    assert "V1__create_users.sql" not in result.out  # the base came from CI_MERGE_REQUEST_DIFF_BASE_SHA
    posted = note_posts(fake)[0]
    assert posted.headers["PRIVATE-TOKEN"] == fake.token
    assert posted.path == f"/api/v4/projects/{fake.project_id}/merge_requests/{MR}/notes"


def test_second_run_edits_the_same_note_and_an_unchanged_body_is_not_sent(mr, fake):
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert mr.run().code == 1
    mr.change({"migrations/V3__broken.sql": "SELEC 3;\n"})
    assert mr.run().code == 1
    (note,) = fake.notes[MR]
    assert len(note_posts(fake)) == 1 and len(note_edits(fake)) == 1
    assert note_edits(fake)[0].path.endswith(f"/notes/{note['id']}")
    before = len(fake.writes())
    assert mr.run().code == 1
    assert len(fake.writes()) == before  # same report: nothing sent


def test_marker_found_on_the_third_page_of_230_notes(mr, fake):
    for n in range(210):
        fake.add_note(MR, f"review note {n}")
    fake.add_note(MR, MARKER + "\nold report", username="project_42_bot")
    for n in range(19):
        fake.add_note(MR, f"later note {n}")
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert mr.run().code == 1
    assert note_posts(fake) == [] and len(note_edits(fake)) == 1
    assert len(fake.marker_notes(MR, MARKER)) == 1
    pages = sorted(r.query.get("page", ["1"])[0] for r in listings(fake))
    assert pages == ["1", "2", "3"]


def test_clean_merge_request_gets_no_note_and_a_fixed_one_turns_all_clear(mr, fake):
    mr.change({"migrations/V2__create_orders.sql": GOOD_V2, "migrations/rollback/V2__rollback.sql": ROLLBACK})
    assert mr.run().code == 0
    assert fake.notes.get(MR, []) == [] and fake.writes() == []
    mr.change({"migrations/V3__broken.sql": "SELEC 3;\n"})
    assert mr.run().code == 1
    mr.change({"migrations/V3__broken.sql": None})
    assert mr.run().code == 0
    (note,) = fake.notes[MR]
    assert "all clear" in note["body"].lower() or "no findings" in note["body"].lower()


# --------------------------------------------------------------------------- retries and refusals


def test_server_errors_twice_then_success(mr, fake):
    fake.inject("POST", NOTES, 502, times=2)
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = mr.run()
    assert result.code == 1 and result.err == ""
    assert len(fake.notes[MR]) == 1
    assert [r.status for r in note_posts(fake)] == [502, 502, 201]


def test_lost_answer_never_duplicates_the_note(mr, fake):
    fake.inject("POST", NOTES, 502, process=True)  # GitLab made the note, but the answer was lost
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert mr.run().code == 1
    assert len(fake.notes[MR]) == 1 and len(note_posts(fake)) == 1
    assert len(listings(fake)) == 2  # looked again after the 502 instead of posting blindly


def test_slow_answer_times_out_without_duplicate(mr, fake):
    fake.inject("POST", NOTES, 201, delay=3)  # acted on, answered after the timeout
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = mr.run(env={"MIGRATION_GATE_GITHUB_TIMEOUT": "1"})
    assert result.code == 1 and result.err == ""
    assert len(fake.notes[MR]) == 1 and len(note_posts(fake)) == 1
    assert len(listings(fake)) == 2


def test_server_down_is_bounded_and_keeps_exit_code(mr, fake):
    fake.inject("GET", NOTES, 500, times=100)
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = mr.run()
    assert result.code == 1  # the gate's verdict, not the reporting trouble
    assert (
        result.err == "migration-gate: warning: cannot publish to GitLab (listing the notes of !12: "
        "500 500 Server Error after 4 attempts)\n"
    )
    assert len(listings(fake)) == 4 and fake.writes() == []
    mr.change({"migrations/V2__create_orders.sql": GOOD_V2, "migrations/rollback/V2__rollback.sql": ROLLBACK})
    assert mr.run("--strict-reporting").code == 3  # the gate passed, publishing did not


def test_token_without_write_access_is_one_warning(mr, fake):
    fake.read_only = True
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = mr.run()
    assert result.code == 1
    assert result.err == (
        "migration-gate: warning: cannot publish to GitLab (creating the note on !12: 403 403 Forbidden): "
        "the token cannot write notes here (GITLAB_TOKEN must be a project or personal access token with the "
        "api scope; CI_JOB_TOKEN cannot post notes)\n"
    )
    assert len(fake.writes()) == 1  # no retry of a refusal


def test_bad_token_is_one_warning_and_never_printed(mr, fake):
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = mr.run(token="glpat-wrong-secret-value")
    assert result.code == 1
    (warning,) = result.err.strip().splitlines()
    assert "401" in warning and "glpat-wrong-secret-value" not in warning


def test_gitlab_without_token_or_merge_request_is_a_usage_error(mr, fake):
    mr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = mr.run(token="")
    assert result.code == 2
    assert result.err == (
        "migration-gate: error: --gitlab: missing GITLAB_TOKEN (a project or personal access token with the "
        "api scope)\n"
    )
    result = mr.run(env={"CI_MERGE_REQUEST_IID": ""})
    assert result.code == 2
    assert "missing CI_MERGE_REQUEST_IID (a merge request pipeline)" in result.err
    assert fake.requests == []


# --------------------------------------------------------------------------- size and escaping


def test_oversize_report_fits_in_the_note(mr, fake):
    files = {
        f"migrations/V{n}__add_a_migration_with_a_rather_long_descriptive_name_number_{n}.sql": f"CREATE TABLE t{n} (id bigint);\nSELEC {n};\n"
        for n in range(2, 402)
    }
    mr.change(files)
    result = mr.run()
    assert result.code == 1 and result.err == ""
    (note,) = fake.notes[MR]
    assert len(note["body"].encode("utf-8")) <= 65536  # the same degradation as the GitHub comment
    assert "800 errors, 0 warnings and 0 infos in 400 files" in note["body"]
    assert "The full report did not fit in a comment" in note["body"]


def test_gitlab_references_are_inert_in_the_note(mr, fake):
    mr.change(
        {
            'migrations/V2__ping_@alice_!7_~bug_%v1_$3_&4_#5.sql': "SELEC '@alice !7 ~bug %v1 $3 &4 #5 <img src=x>';\n",
        }
    )
    assert mr.run().code == 1
    body = fake.notes[MR][0]["body"]
    for raw in ("@alice", "!7", "~bug", "%v1", "$3", "&4", "#5", "<img"):
        assert raw not in body, raw
    assert "@&#8203;alice" in body and "!&#8203;7" in body and "&amp;&#8203;4" in body


# --------------------------------------------------------------------------- the base


def _info(mr, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migration_gate", "info", "--format", "json"],
        cwd=mr.repo.path,
        env={**mr.environment(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_history_base_comes_from_the_merge_requests_diff_base(mr, fake):
    import json

    mr.change({"migrations/V2__create_orders.sql": GOOD_V2})
    done = _info(mr, {})
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["base"] == {
        "sha": mr.base,
        "source": "the merge request's diff base (CI_MERGE_REQUEST_DIFF_BASE_SHA)",
    }
    assert {m["path"]: m["state"] for m in doc["migrations"]} == {
        "migrations/V1__create_users.sql": "merged",
        "migrations/V2__create_orders.sql": "new",
    }


def test_a_diff_base_missing_from_the_clone_names_the_fix(mr, fake):
    missing = "0123456789abcdef0123456789abcdef01234567"
    done = _info(mr, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": missing})
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"migration-gate: error: the merge request's diff base {missing[:12]} is not in this clone")
    assert line.endswith("set GIT_DEPTH: 0 in the job's variables")
