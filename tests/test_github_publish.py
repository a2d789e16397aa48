"""Publishing to GitHub: the real CLI in a subprocess, with the environment GitHub Actions sets,
talking through real PyGithub to a stateful fake GitHub REST server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CliResult, GitRepo
from fake_github import FakeGitHub

from migration_gate.reporters.markdown import MARKER

PR = 7
GOOD_V1 = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n"
GOOD_V2 = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n"
ROLLBACK = "DROP TABLE IF EXISTS orders;\n"
BAD_V2 = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\nSELEC 1;\n"  # syntax error, no rollback


@pytest.fixture
def fake():
    server = FakeGitHub().start()
    yield server
    server.stop()


class PullRequestCheckout:
    """A repository with a merged migration on main and a pull request branch, as actions/checkout leaves it."""

    def __init__(self, root: Path, fake: FakeGitHub):
        self.fake = fake
        self.root = root
        self.repo = GitRepo(root / "shop")
        # The team's Flyway config excludes migrations/rollback from its locations.
        self.repo.write(".migration-gate.yml", "migrations:\n  layout: flyway\nignore_rollback_collision: true\n")
        self.repo.write("migrations/V1__create_users.sql", GOOD_V1)
        self.repo.write("migrations/rollback/V1__rollback.sql", "DROP TABLE IF EXISTS users;\n")
        self.base = self.repo.commit("merged")
        self.repo.git("checkout", "-q", "-b", "feature")
        self.summary = root / "step_summary.md"
        self.summary.write_text("")
        self.event = root / "event.json"
        self.fork = False

    def change(self, files: dict[str, str | None]) -> str:
        for path, content in files.items():
            if content is None:
                (self.repo.path / path).unlink()
            else:
                self.repo.write(path, content)
        return self.repo.commit("pull request change")

    def environment(self, token: str | None = None) -> dict[str, str]:
        head = self.repo.git("rev-parse", "HEAD").strip()
        head_repo = (
            {"full_name": "mallory/shop", "fork": True}
            if self.fork
            else {"full_name": self.fake.repository, "fork": False}
        )
        self.event.write_text(
            json.dumps(
                {
                    "action": "synchronize",
                    "number": PR,
                    "pull_request": {
                        "number": PR,
                        "head": {"sha": head, "ref": "feature", "repo": head_repo},
                        "base": {
                            "sha": self.base,
                            "ref": "main",
                            "repo": {"full_name": self.fake.repository, "fork": False},
                        },
                    },
                }
            )
        )
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "MIGRATION_GATE_"))
        }
        env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_EVENT_NAME": "pull_request",
                "GITHUB_EVENT_PATH": str(self.event),
                "GITHUB_REPOSITORY": self.fake.repository,
                "GITHUB_API_URL": self.fake.base_url,
                "GITHUB_SERVER_URL": "https://github.example",
                "GITHUB_TOKEN": self.fake.token if token is None else token,
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "GITHUB_WORKSPACE": str(self.repo.path),
                "GITHUB_SHA": "f" * 40,
                "GITHUB_RUN_ID": "4242",
                "MIGRATION_GATE_GITHUB_BACKOFF": "0.01",
                "MIGRATION_GATE_GITHUB_TIMEOUT": "2",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )
        if token == "":
            del env["GITHUB_TOKEN"]
        return env

    def run(self, *extra: str, token: str | None = None, env: dict | None = None, base: bool = True) -> CliResult:
        full_env = {**self.environment(token), **(env or {})}
        base_args = ["--base", self.base] if base else []
        done = subprocess.run(
            [sys.executable, "-m", "migration_gate", "check", *base_args, *extra],
            cwd=self.repo.path,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        result = CliResult(done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
        # The token never appears anywhere: output, job summary, or anything sent to GitHub.
        secret = full_env.get("GITHUB_TOKEN") or self.fake.token
        assert secret not in done.stdout and secret not in done.stderr
        assert secret not in self.summary.read_text()
        assert all(secret not in r.body and secret not in r.path for r in self.fake.requests)
        return result

    @property
    def head(self) -> str:
        return self.repo.git("rev-parse", "HEAD").strip()


@pytest.fixture
def pr(tmp_path, fake) -> PullRequestCheckout:
    return PullRequestCheckout(tmp_path, fake)


def comment_posts(fake: FakeGitHub) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith(f"/issues/{PR}/comments")]


def comment_edits(fake: FakeGitHub) -> list:
    return [r for r in fake.requests if r.method == "PATCH" and "/issues/comments/" in r.path]


def rendered_markdown(pr: PullRequestCheckout) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "migration_gate", "check", "--base", pr.base, "--format", "markdown"],
        cwd=pr.repo.path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
    )
    return done.stdout


# --------------------------------------------------------------------------- the sticky comment


def test_first_run_creates_comment_status_annotations_and_summary(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run()
    assert result.code == 1  # the gate's verdict, not the reporting's
    (comment,) = fake.comments[PR]
    assert comment["body"] == rendered_markdown(pr)
    assert comment["body"].startswith(MARKER + "\n### ❌ migration-gate: the gate fails")
    assert (
        "[syntax-error](https://github.com/migration-gate/migration-gate/blob/main/rules/syntax-error.md)"
        in comment["body"]
    )
    # The status goes on the pull request's head commit, not on GITHUB_SHA (the merge commit).
    assert list(fake.statuses) == [pr.head]
    (status,) = fake.statuses[pr.head]
    assert status["state"] == "failure" and status["context"] == "migration-gate"
    assert status["description"] == "2 errors, 0 warnings, 0 infos in 1 file: the gate fails"
    assert status["target_url"] == "https://github.example/acme/shop/actions/runs/4242"
    # Annotations on stdout, repository-relative, 1-based.
    assert (
        "::error file=migrations/V2__create_orders.sql,line=2,endLine=2,col=1,endColumn=1,"
        "title=MG001 syntax-error::syntax error at or near \"SELEC\"%0Afix the SQL; PostgreSQL would reject "
        "this migration\n"
    ) in result.out
    assert "::error file=migrations/V2__create_orders.sql,line=1,endLine=1,col=1,endColumn=1,title=MG303" in result.out
    # The job summary carries the same Markdown.
    assert pr.summary.read_text() == comment["body"] + "\n"
    assert result.err == ""
    assert not fake.check_runs  # check runs are opt-in


def test_second_run_edits_the_same_comment(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert pr.run().code == 1
    (first,) = fake.comments[PR]
    first_id, first_body = first["id"], first["body"]
    pr.change({"migrations/rollback/V2__rollback.sql": ROLLBACK})  # still broken SQL, rollback added
    assert pr.run().code == 1
    (comment,) = fake.comments[PR]
    assert comment["id"] == first_id and comment["body"] != first_body
    assert "missing-rollback" in first_body and "missing-rollback" not in comment["body"]
    assert len(comment_posts(fake)) == 1 and len(comment_edits(fake)) == 1
    assert [s["state"] for s in fake.statuses[pr.head]] == ["failure"]


def test_unchanged_body_is_not_sent_again(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert pr.run().code == 1
    assert pr.run().code == 1  # a re-run of the same commit
    assert len(fake.comments[PR]) == 1
    assert len(comment_posts(fake)) == 1 and comment_edits(fake) == []


def test_marker_found_on_the_second_page_of_150_comments(pr, fake):
    for i in range(120):
        fake.add_comment(PR, f"review comment {i}")
    ours = fake.add_comment(PR, f"{MARKER}\n### ❌ migration-gate: an old report", login="github-actions[bot]")
    for i in range(29):
        fake.add_comment(PR, f"later comment {i}")
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert pr.run().code == 1
    assert comment_posts(fake) == []
    (edit,) = comment_edits(fake)
    assert edit.path == f"/repos/acme/shop/issues/comments/{ours['id']}"
    assert len(fake.comments[PR]) == 150
    pages = [
        r.query.get("page", ["1"])[0]
        for r in fake.requests
        if r.method == "GET" and r.path.endswith(f"/issues/{PR}/comments")
    ]
    assert pages == ["1", "2"]


def test_clean_pr_creates_no_comment(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": GOOD_V2, "migrations/rollback/V2__rollback.sql": ROLLBACK})
    result = pr.run()
    assert result.code == 0
    assert fake.comments.get(PR, []) == [] and comment_posts(fake) == []
    (status,) = fake.statuses[pr.head]
    assert status["state"] == "success"
    assert status["description"] == "All clear: no findings in 2 files"
    assert "::error" not in result.out
    assert "### ✅ migration-gate: all clear" in pr.summary.read_text()


def test_pr_turns_clean_edits_comment_to_all_clear(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert pr.run().code == 1
    pr.change({"migrations/V2__create_orders.sql": GOOD_V2, "migrations/rollback/V2__rollback.sql": ROLLBACK})
    assert pr.run().code == 0
    (comment,) = fake.comments[PR]
    assert comment["body"].startswith(MARKER + "\n### ✅ migration-gate: all clear\n")
    assert len(comment_posts(fake)) == 1 and len(comment_edits(fake)) == 1
    assert fake.statuses[pr.head][-1]["state"] == "success"


# --------------------------------------------------------------------------- forks and failures


def test_fork_with_read_only_token_warns_once(pr, fake):
    fake.read_only = True
    pr.fork = True
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run()
    assert result.code == 1  # the gate's own verdict
    warnings = [line for line in result.err.splitlines() if line]
    assert len(warnings) == 1
    assert warnings[0] == (
        "::warning title=migration-gate::cannot publish to GitHub (creating the comment on #7: 403 Resource not "
        "accessible by integration): the token cannot write here (a pull request from a fork gets a read-only "
        "GITHUB_TOKEN); the report is in the annotations and the job summary"
    )
    assert "::error file=migrations/V2__create_orders.sql,line=2" in result.out
    assert "### ❌ migration-gate: the gate fails" in pr.summary.read_text()
    assert fake.comments.get(PR, []) == [] and fake.statuses == {}
    assert len(fake.writes()) == 1  # one refusal, then no more attempts


def test_fork_refused_on_first_write_stops_there(pr, fake):
    fake.read_only = True  # reads work (public repository), writes are refused
    pr.fork = True
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run("--github-checks")
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    writes = fake.writes()
    assert len(writes) == 1 and writes[0].status == 403  # no status or check run attempted after the refusal


def test_server_errors_twice_then_success(pr, fake):
    fake.inject("POST", rf"/issues/{PR}/comments$", 502, times=2)
    fake.inject("POST", r"/statuses/", 503, times=2)
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run()
    assert result.code == 1 and result.err == ""
    assert len(fake.comments[PR]) == 1
    assert [r.status for r in comment_posts(fake)] == [502, 502, 201]
    assert [s["state"] for s in fake.statuses[pr.head]] == ["failure"]


def test_lost_answer_never_duplicates_the_comment(pr, fake):
    # GitHub created the comment but the answer was a 502: the retry must find it, not post again.
    fake.inject("POST", rf"/issues/{PR}/comments$", 502, process=True)
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert pr.run().code == 1
    assert len(fake.comments[PR]) == 1 and len(comment_posts(fake)) == 1
    listings = [r for r in fake.requests if r.method == "GET" and r.path.endswith(f"/issues/{PR}/comments")]
    assert len(listings) == 2  # looked again after the 502 instead of posting blindly


def test_slow_answer_times_out_without_duplicate(pr, fake):
    fake.inject("POST", rf"/issues/{PR}/comments$", 201, delay=3)  # acted on, answered after the timeout
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run(env={"MIGRATION_GATE_GITHUB_TIMEOUT": "1"})
    assert result.code == 1 and result.err == ""
    assert len(fake.comments[PR]) == 1 and len(comment_posts(fake)) == 1
    listings = [r for r in fake.requests if r.method == "GET" and r.path.endswith(f"/issues/{PR}/comments")]
    assert len(listings) == 2  # the timeout happened, and the retry looked before posting again


def test_server_down_is_bounded_and_keeps_exit_code(pr, fake):
    fake.inject("GET", rf"/issues/{PR}/comments$", 500, times=100)
    pr.change({"migrations/V2__create_orders.sql": GOOD_V2, "migrations/rollback/V2__rollback.sql": ROLLBACK})
    result = pr.run()
    assert result.code == 0  # the gate passed; reporting trouble does not change that
    (warning,) = result.err.strip().splitlines()
    assert "500 Server Error after 4 attempts" in warning
    gets = [r for r in fake.requests if r.method == "GET"]
    assert len(gets) == 4 and fake.writes() == []  # bounded, and nothing else tried against a failing server
    strict = pr.run("--strict-reporting")
    assert strict.code == 3


def test_validation_error_on_status_is_one_warning(pr, fake):
    fake.inject("POST", r"/statuses/", 422, message="No commit found for SHA")
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run()
    assert result.code == 1
    (warning,) = result.err.strip().splitlines()
    assert "422 No commit found for SHA" in warning
    assert len(fake.comments[PR]) == 1  # the comment was still published


def test_bad_token_is_one_warning_and_never_printed(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run(token="ghp_wrong_token_that_must_stay_secret")
    assert result.code == 1
    (warning,) = result.err.strip().splitlines()
    assert "401 Bad credentials" in warning
    assert "ghp_wrong_token_that_must_stay_secret" not in result.out + result.err


def test_token_flag_is_never_printed(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run("--github-token", fake.token, token="")
    assert result.code == 1 and len(fake.comments[PR]) == 1
    assert fake.token not in result.out + result.err


def test_no_token_in_actions_still_annotates_and_summarises(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run(token="")
    assert result.code == 1 and result.err == ""
    assert fake.requests == []
    assert "::error file=migrations/V2__create_orders.sql" in result.out
    assert MARKER in pr.summary.read_text()


def test_explicit_github_without_token_is_usage_error(pr, fake):
    result = pr.run("--github", token="")
    assert result.code == 2
    assert result.err.strip() == ("migration-gate: error: --github: missing a token (GITHUB_TOKEN or --github-token)")


def test_no_github_turns_publishing_off(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert pr.run("--no-github").code == 1
    assert fake.requests == []


def test_comment_and_status_switches(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    assert pr.run("--no-github-comment").code == 1
    assert fake.comments.get(PR, []) == [] and len(fake.statuses[pr.head]) == 1
    assert pr.run("--no-github-status").code == 1
    assert len(fake.comments[PR]) == 1 and len(fake.statuses[pr.head]) == 1


def test_config_error_sets_error_status(pr, fake):
    pr.repo.write(".migration-gate.yml", "bogus: 1\n")
    result = pr.run()
    assert result.code == 2
    assert result.err.strip().endswith(".migration-gate.yml: bogus: unknown setting")
    (status,) = fake.statuses[pr.head]
    assert status["state"] == "error"
    assert status["description"].startswith("migration-gate could not run: ")
    assert len(status["description"]) <= 140


# --------------------------------------------------------------------------- big reports


def test_oversize_report_fits_in_the_comment(pr, fake):
    files = {
        f"migrations/V{n}__add_a_migration_with_a_rather_long_descriptive_name_number_{n}.sql": f"CREATE TABLE t{n} (id bigint);\nSELEC {n};\n"
        for n in range(2, 402)
    }
    pr.change(files)
    result = pr.run()
    assert result.code == 1 and result.err == ""
    (comment,) = fake.comments[PR]
    body = comment["body"]
    assert len(body) < 65536 and len(body.encode("utf-8")) <= 65536
    assert body.startswith(MARKER + "\n### ❌ migration-gate: the gate fails")
    assert "800 errors, 0 warnings and 0 infos in 400 files" in body
    assert "The full report did not fit in a comment" in body
    summary = pr.summary.read_text()
    assert len(summary) > len(body) and "syntax error at or near" in summary
    assert result.out.count("::error file=") == 800


def test_check_run_annotations_in_batches_of_50(pr, fake):
    files = {f"migrations/V{n}__m{n}.sql": f"SELEC {n};\n" for n in range(2, 62)}  # 60 files, 120 errors
    pr.change(files)
    result = pr.run("--github-checks")
    assert result.code == 1 and result.err == ""
    (run,) = fake.check_runs
    assert run["name"] == "migration-gate" and run["head_sha"] == pr.head
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert run["details_url"] == "https://github.example/acme/shop/actions/runs/4242"
    assert len(run["annotations"]) == 120 and run["requests"] == 3
    first = next(
        a for a in run["annotations"] if a["path"] == "migrations/V2__m2.sql" and a["title"].startswith("MG001")
    )
    assert first == {
        "path": "migrations/V2__m2.sql",
        "start_line": 1,
        "end_line": 1,
        "start_column": 1,
        "end_column": 1,
        "annotation_level": "failure",
        "title": "MG001 syntax-error",
        "message": 'syntax error at or near "SELEC"\nfix the SQL; PostgreSQL would reject this migration',
    }
    assert run["output"]["summary"] == fake.comments[PR][0]["body"]


# --------------------------------------------------------------------------- hostile content


def test_injection_payloads_are_inert_in_the_published_comment(pr, fake):
    pr.change(
        {
            "migrations/V2__ping_@octocat_<img src=x>.sql": "-- @octocat #1 <script>alert(1)</script>\nSELECT ```x``` FROM t; -- @admin #2\n",
            "migrations/V3__team_@acme_security.sql": "SELEC '@acme/security #3';\n",
        }
    )
    assert pr.run().code == 1
    body = fake.comments[PR][0]["body"]
    for raw in ("@octocat", "@acme", "@admin", "<img", "<script", "#1 ", "#3"):
        assert raw not in body, raw
    assert "@&#8203;octocat" in body and "&lt;img src=x&gt;" in body


def test_comment_shows_the_locks_a_real_migration_takes(pr, fake):
    pr.change(
        {
            "migrations/V2__index_users_email.sql": "CREATE INDEX idx_users_email ON users (email);\n",
            "migrations/rollback/V2__rollback.sql": "DROP INDEX CONCURRENTLY idx_users_email;\n",
        }
    )
    assert pr.run().code == 1
    body = fake.comments[PR][0]["body"]
    assert (
        "| migrations/V2\\_\\_index\\_users\\_email.sql | ❌ error | 1 error, 2 warnings | SHARE on users, scan |"
        in body
    )
    assert (
        "**[non-concurrent-index-creation](https://github.com/migration-gate/migration-gate/blob/main/rules/"
        "non-concurrent-index-creation.md)** (MG101, error) at line 1, column 33"
    ) in body
    assert "```sql\nCREATE INDEX idx_users_email ON users (email)\n```" in body


def test_github_flag_takes_the_base_from_the_event(pr, fake):
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    result = pr.run("--github", "--format", "json", base=False)
    assert result.code == 1
    assert [f["path"] for f in json.loads(result.out)["files"]] == ["migrations/V2__create_orders.sql"]
    assert len(fake.comments[PR]) == 1


def test_github_flag_without_a_base_is_exit_2(pr, fake):
    env = {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": ""}
    result = pr.run("--github", base=False, env=env)
    assert result.code == 2
    assert (
        result.err.strip()
        == "migration-gate: error: no base to compare with: pass --base REF (e.g. --base origin/main)"
    )
    (status,) = fake.statuses["f" * 40]  # no pull request: the status goes on GITHUB_SHA
    assert status["state"] == "error"
