"""Shared test helpers: the CLI in-process, real git repositories, a real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
CORPUS = Path(os.environ.get("MIGRATION_GATE_CORPUS", REPO.parent / "shared" / "corpus"))
#: Real projects of each migration runner (../shared/corpus-runners, SOURCES.md there); absent in a clean clone.
RUNNER_CORPUS = Path(os.environ.get("MIGRATION_GATE_RUNNER_CORPUS", REPO.parent / "shared" / "corpus-runners"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
#: The suite runs against a compiled wheel (.ci/run sets it): the core modules must be the compiled ones.
EXPECT_COMPILED = os.environ.get("MIGRATION_GATE_EXPECT_COMPILED") == "1"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch):
    """Tests are hermetic: a CI run inside GitHub Actions must not make every `check` read the PR event."""
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Tests never share (or leave behind) a result cache in the user's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run ``migration-gate ARGS`` in this process: ``cli("check", "x", cwd=path)``."""
    from migration_gate.cli import main

    def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for key, value in (env or {}).items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def run_subprocess(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None) -> CliResult:
    """Run the real console entry point as a separate process."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "migration_gate", *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


class GitRepo:
    """A real git repository in a temp dir, driven the way a developer would."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.path, capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def write(self, relpath: str, content: str | bytes) -> Path:
        path = self.path / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
        return path

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, "--allow-empty")
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def git_repo(tmp_path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture(scope="session")
def pg_server():
    """A real, throwaway PostgreSQL for the whole session (never skipped in CI)."""
    from migration_gate.verify.pgserver import ServerError, TemporaryServer

    server = TemporaryServer()
    try:
        server.start()
    except ServerError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        pytest.skip(f"no PostgreSQL server available: {exc}")
    yield server
    server.stop()


def update_golden() -> bool:
    return os.environ.get("MG_UPDATE_GOLDEN") == "1"


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; MG_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if update_golden():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"missing golden file {path}; run with MG_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {path} (MG_UPDATE_GOLDEN=1 to accept)"
