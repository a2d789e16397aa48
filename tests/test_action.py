"""action.yml: parsed and checked, then its steps run the way the runner runs them.

No runner or Docker exists here, so the test plays the runner: it evaluates the
``${{ }}`` expressions of the inputs and each step's ``env:``, runs each step's
``run:`` with ``bash --noprofile --norc -eo pipefail`` (the runner's command
for ``shell: bash``) in the workspace, carries ``$GITHUB_ENV`` between steps
and reads ``$GITHUB_OUTPUT`` into the action's outputs.  The install step
really runs ``pip install "$GITHUB_ACTION_PATH"`` into a fresh venv under
``$RUNNER_TEMP``, from a copy of the repository's files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from fake_github import FakeGitHub
from test_github_publish import BAD_V2, PR, PullRequestCheckout

from migration_gate.reporters.markdown import MARKER

ACTION = REPO / "action.yml"
INPUTS = {
    "path",
    "config",
    "base",
    "github-token",
    "comment",
    "status",
    "checks",
    "fail-on",
    "format",
    "table-stats",
    "stats-database-url",
}
OUTPUTS = {"result", "errors", "warnings", "report-json"}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load_action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the file itself


def test_action_metadata():
    action = load_action()
    assert action["name"] == "migration-gate" and action["description"]
    assert set(action["inputs"]) == INPUTS
    assert set(action["outputs"]) == OUTPUTS
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["comment"]["default"] == "true"
    assert action["inputs"]["status"]["default"] == "true"
    assert action["inputs"]["checks"]["default"] == "false"
    for name, spec in action["inputs"].items():
        assert spec["description"] and spec.get("required", False) is False, name
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.gate.outputs.{name} }}}}", name
    assert action["runs"]["using"] == "composite"


def test_steps_take_inputs_through_env_only():
    steps = load_action()["runs"]["steps"]
    assert [s["name"] for s in steps] == ["Install migration-gate", "Run migration-gate"]
    for step in steps:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], f"expression inside run: in step {step['name']!r}"
    install, gate = steps
    assert 'pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in install["run"]
    assert '"$RUNNER_TEMP/migration-gate-venv"' in install["run"]
    assert gate["id"] == "gate"
    used = {m for value in gate["env"].values() for m in re.findall(r"inputs\.([a-z-]+)", value)}
    assert used == INPUTS
    assert gate["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"
    assert gate["env"]["MG_BASE"] == "${{ inputs.base || github.event.pull_request.base.sha }}"


# --------------------------------------------------------------------------- playing the runner


def evaluate(text: str, scope: dict) -> str:
    """The ``${{ }}`` expressions the action uses: context paths and ``||``."""

    def lookup(path: str):
        value = scope
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return ""
            value = value[part]
        return value

    def expression(match: re.Match) -> str:
        for alternative in match.group(1).split("||"):
            value = lookup(alternative.strip())
            if value not in ("", None):
                return str(value)
        return ""

    return EXPRESSION.sub(expression, text)


def read_pairs(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def copy_package(dest: Path) -> Path:
    """The files a checkout of the action's tag would have (tracked and new, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.split("\0")):
            source = REPO / name
            if source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:  # not a git checkout (an unpacked sdist)
        shutil.copytree(
            REPO,
            dest,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".venv", "*.egg-info", "__pycache__", "build", "dist"),
        )
    return dest


class Runner:
    def __init__(self, action_path: Path, runner_temp: Path):
        self.action = load_action()
        self.action_path = action_path
        self.temp = runner_temp
        self.env_file = runner_temp / "github_env"
        self.env_file.touch()

    def run(
        self, step_index: int, inputs: dict, base_env: dict, workspace: Path, github: dict
    ) -> tuple[int, dict, str, str]:
        spec = self.action["inputs"]
        values = {
            name: inputs.get(name, evaluate(str(spec[name].get("default", "")), {"github": github})) for name in spec
        }
        scope = {"inputs": values, "github": github}
        step = self.action["runs"]["steps"][step_index]
        output = self.temp / f"output_{step_index}"
        output.write_text("")
        env = {
            **base_env,
            **read_pairs(self.env_file),
            "GITHUB_ACTION_PATH": str(self.action_path),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_ENV": str(self.env_file),
            "GITHUB_OUTPUT": str(output),
        }
        env.update({key: evaluate(str(value), scope) for key, value in (step.get("env") or {}).items()})
        script = self.temp / f"step_{step_index}.sh"
        script.write_text(step["run"])
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        return done.returncode, read_pairs(output), done.stdout, done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The install step, run once for the module: a real pip install of the action's own package."""
    root = tmp_path_factory.mktemp("action")
    action_path = copy_package(root / "action")
    temp = root / "runner_temp"
    temp.mkdir()
    runner = Runner(action_path, temp)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "VIRTUAL_ENV"))}
    code, outputs, out, err = runner.run(0, {}, env, root, {"token": ""})
    assert code == 0, f"install step failed:\n{out}\n{err}"
    assert (temp / "migration-gate-venv" / "bin" / "migration-gate").exists()
    assert read_pairs(runner.env_file)["MIGRATION_GATE_BIN"] == str(temp / "migration-gate-venv" / "bin")
    return runner


@pytest.fixture
def fake():
    server = FakeGitHub().start()
    yield server
    server.stop()


def github_context(pr: PullRequestCheckout) -> dict:
    event = json.loads(pr.event.read_text())
    return {"token": pr.fake.token, "event": event, "repository": pr.fake.repository}


def test_action_on_a_failing_pull_request(installed, tmp_path, fake):
    pr = PullRequestCheckout(tmp_path, fake)
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    env = pr.environment()
    del env["GITHUB_TOKEN"]  # the runner does not set it; the action's env: passes the input
    code, outputs, out, err = installed.run(
        1, {"format": "sarif=migration-gate.sarif"}, env, pr.repo.path, github_context(pr)
    )
    assert code == 1, err
    report = Path(outputs["report-json"])
    assert outputs == {"result": "fail", "errors": "2", "warnings": "0", "report-json": str(report)}
    assert json.loads(report.read_text())["summary"]["result"] == "fail"
    # --base came from the event (the input's default), so the change set is V2 only.
    assert [f["path"] for f in json.loads(report.read_text())["files"]] == ["migrations/V2__create_orders.sql"]
    sarif = json.loads((pr.repo.path / "migration-gate.sarif").read_text())
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 2
    (comment,) = fake.comments[PR]
    assert comment["body"].startswith(MARKER)
    assert fake.statuses[pr.head][0]["state"] == "failure"
    assert "::error file=migrations/V2__create_orders.sql,line=2" in out
    assert MARKER in pr.summary.read_text()
    assert fake.token not in out + err


def test_action_switches_and_empty_token(installed, tmp_path, fake):
    pr = PullRequestCheckout(tmp_path, fake)
    pr.change({"migrations/V2__create_orders.sql": BAD_V2})
    env = pr.environment()
    del env["GITHUB_TOKEN"]
    code, outputs, out, err = installed.run(
        1, {"comment": "false", "checks": "true", "fail-on": "never"}, env, pr.repo.path, github_context(pr)
    )
    assert code == 0 and outputs["result"] == "pass" and outputs["errors"] == "2"
    assert fake.comments.get(PR, []) == [] and len(fake.check_runs) == 1
    fake.requests.clear()
    code, outputs, out, err = installed.run(1, {"github-token": ""}, env, pr.repo.path, github_context(pr))
    assert code == 1 and fake.requests == []  # nothing published, annotations still printed
    assert "::error file=" in out


def test_action_bad_input_and_bad_config(installed, tmp_path, fake):
    pr = PullRequestCheckout(tmp_path, fake)
    env = pr.environment()
    del env["GITHUB_TOKEN"]
    code, outputs, out, err = installed.run(1, {"comment": "yes"}, env, pr.repo.path, github_context(pr))
    assert code == 2 and outputs == {"result": "error"}
    assert "::error title=migration-gate::input 'comment' must be true or false" in out
    pr.repo.write(".migration-gate.yml", "bogus: 1\n")
    code, outputs, out, err = installed.run(1, {}, env, pr.repo.path, github_context(pr))
    assert code == 2 and outputs == {"result": "error"}
    assert "bogus: unknown setting" in err
    assert fake.statuses[pr.head][-1]["state"] == "error"


# --------------------------------------------------------------------------- table statistics

INDEX_V2 = "CREATE INDEX idx_users_email ON users (email);\n"


def test_action_table_stats_input(installed, tmp_path, fake):
    pr = PullRequestCheckout(tmp_path, fake)
    pr.change({"migrations/V2__index_email.sql": INDEX_V2, "migrations/rollback/V2__rollback.sql": "SELECT 1;\n"})
    env = pr.environment()
    del env["GITHUB_TOKEN"]
    code, outputs, out, err = installed.run(1, {}, env, pr.repo.path, github_context(pr))
    assert (code, outputs["errors"]) == (1, "1"), err  # non-concurrent-index-creation on users
    pr.repo.write("stats.json", json.dumps(SMALL_USERS))
    code, outputs, out, err = installed.run(1, {"table-stats": "stats.json"}, env, pr.repo.path, github_context(pr))
    assert (code, outputs["result"], outputs["errors"]) == (0, "pass", "0"), err  # a small table: info
    report = json.loads(Path(outputs["report-json"]).read_text())
    (info,) = [v for v in report["violations"] if v["rule"] == "non-concurrent-index-creation"]
    assert info["severity"] == "info" and " — users: ~120 rows, 48 kB, 0 writes/s; " in info["message"]
    assert "SHARE on users (\\~&#8203;120 rows, 48 kB), scan &lt;1 s" in fake.comments[PR][-1]["body"]


SMALL_USERS = {
    "schema_version": 1,
    "taken_at": "2099-01-01T00:00:00Z",
    "server_version": "15",
    "tables": [
        {
            "schema": "public",
            "name": "users",
            "rows": 120,
            "heap_bytes": 32768,
            "index_bytes": 16384,
            "total_bytes": 49152,
            "indexes": [],
            "writes_per_second": 0,
        }
    ],
}


def test_action_snapshots_stats_database_url_first_and_masks_it(installed, tmp_path, fake, pg_server):
    from migration_gate.verify.database import connect

    name = "mg_action_stats"
    with connect(pg_server.conninfo()) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    with connect(pg_server.conninfo(name)) as conn:
        conn.execute("CREATE TABLE users (id bigint PRIMARY KEY, email text)")
        conn.execute("INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 300) g")
        conn.execute("ANALYZE users")
    # trust authentication ignores the password; the action must still keep it out of the log
    url = pg_server.connection.url(name).replace("postgres@", "postgres:hunter2-secret@")
    pr = PullRequestCheckout(tmp_path, fake)
    pr.change({"migrations/V2__index_email.sql": INDEX_V2, "migrations/rollback/V2__rollback.sql": "SELECT 1;\n"})
    env = pr.environment()
    del env["GITHUB_TOKEN"]
    code, outputs, out, err = installed.run(1, {"stats-database-url": url}, env, pr.repo.path, github_context(pr))
    assert (code, outputs["result"], outputs["errors"]) == (0, "pass", "0"), err
    lines = out.splitlines()
    assert lines[:2] == [f"::add-mask::{url}", "::add-mask::hunter2-secret"]
    assert "hunter2" not in err and all("hunter2" not in line for line in lines[2:])
    report = json.loads(Path(outputs["report-json"]).read_text())
    (info,) = [v for v in report["violations"] if v["rule"] == "non-concurrent-index-creation"]
    assert " — users: ~300 rows, " in info["message"] and info["severity"] == "info"

    # An unreachable server: a warning, and the gate runs without sizes (here: the error stays an error).
    closed = "postgresql://app:hunter3-secret@127.0.0.1:1/shop"
    code, outputs, out, err = installed.run(1, {"stats-database-url": closed}, env, pr.repo.path, github_context(pr))
    assert (code, outputs["errors"]) == (1, "1")
    assert "::add-mask::hunter3-secret" in out
    assert (
        "::warning title=migration-gate::could not read table statistics from stats-database-url (see the log); "
        "the gate runs without table sizes"
    ) in out
    assert "migration-gate: error: cannot connect to --database-url: " in err and "hunter3" not in err
    with connect(pg_server.conninfo()) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
