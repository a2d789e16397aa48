"""A throwaway PostgreSQL server: ``initdb`` + ``pg_ctl`` in temporary folders.

Used by ``migration-gate verify`` and by the test suite.  The server listens
on a unix socket in a short temporary folder (socket paths over 107 bytes
fail), and with ``tcp=True`` also on a free 127.0.0.1 port.  It is always
stopped and deleted on exit, error or Ctrl-C, unless ``keep=True``
(:meth:`TemporaryServer.keep_instructions` then says how to connect and how
to stop it).

PostgreSQL refuses to run as root.  When we are root (CI containers), the
server runs as an unprivileged user (``postgres`` by default, as the Debian
package creates it) that owns the temporary folders.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .pgbinaries import INSTALL_HINT as INSTALL_HINT
from .pgbinaries import ServerError as ServerError
from .pgbinaries import find_bindir as find_bindir


@dataclass
class Connection:
    host: str  # the socket folder
    port: int
    user: str
    dbname: str = "postgres"

    def conninfo(self, dbname: str | None = None) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname or self.dbname}"

    def url(self, dbname: str | None = None) -> str:
        from urllib.parse import quote

        return f"postgresql://{self.user}@/{dbname or self.dbname}?host={quote(self.host)}&port={self.port}"


class TemporaryServer:
    """``with TemporaryServer() as server: psycopg.connect(server.conninfo())``."""

    def __init__(
        self,
        *,
        bindir: Path | None = None,
        keep: bool = False,
        run_as: str | None = None,
        port: int | None = None,
        tcp: bool = False,
    ):
        self.bindir = bindir
        self.keep = keep
        self.tcp = tcp
        self.port = port if port is not None else (free_port() if tcp else 5432)
        self.run_as = run_as
        self.base: Path | None = None
        self.socket_dir: Path | None = None
        self.data: Path | None = None
        self.log: Path | None = None
        self.connection: Connection | None = None
        self._started = False

    # -------------------------------------------------------------- lifecycle

    def __enter__(self) -> TemporaryServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> Connection:
        bindir = self.bindir or find_bindir()
        self.bindir = bindir
        user = self._server_user()
        try:
            self.base = Path(tempfile.mkdtemp(prefix="mg-pg-", dir=self._parent_for(user)))
            # Short, so the socket path stays under the 107-byte limit.
            self.socket_dir = Path(tempfile.mkdtemp(prefix=f"mgs{os.getpid()}-", dir="/tmp"))
            self.data = self.base / "data"
            self.log = self.base / "server.log"
            if user:
                self._chown(user)
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                ],
                user,
                "initdb",
            )
            listen = "127.0.0.1" if self.tcp else ""
            options = (
                f"-k {self.socket_dir} -c listen_addresses='{listen}' -p {self.port} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50 "
                "-c shared_buffers=32MB -c log_min_messages=warning"
            )
            self._run(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
                user,
                "pg_ctl start",
            )
            self._started = True
        except BaseException:
            self.stop()
            raise
        host = "127.0.0.1" if self.tcp else str(self.socket_dir)
        self.connection = Connection(host=host, port=self.port, user="postgres")
        return self.connection

    def stop(self) -> None:
        if self.keep and self._started:
            return
        try:
            if self._started and self.data is not None and self.bindir is not None:
                subprocess.run(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop"],
                    capture_output=True,
                    **self._user_kwargs(self._server_user()),
                    timeout=60,
                )
        finally:
            self._started = False
            for folder in (self.base, self.socket_dir):
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
            self.base = self.socket_dir = None

    def conninfo(self, dbname: str | None = None) -> str:
        assert self.connection is not None, "server not started"
        return self.connection.conninfo(dbname)

    @property
    def running(self) -> bool:
        return self._started

    def keep_instructions(self, dbname: str | None = None) -> list[str]:
        """How to connect to a kept server, and how to stop and delete it."""
        assert self.connection is not None and self.data is not None and self.base is not None
        assert self.bindir is not None
        stop = f"{shlex.quote(str(self.bindir / 'pg_ctl'))} -D {shlex.quote(str(self.data))} stop"
        user = self._server_user()
        if user and os.geteuid() == 0:
            stop = f"su {user} -s /bin/sh -c {shlex.quote(stop)}"
        folders = " ".join(shlex.quote(str(p)) for p in (self.base, self.socket_dir))
        return [
            f"connect: psql {shlex.quote(self.connection.conninfo(dbname))}",
            f"    url: {self.connection.url(dbname)}",
            f"   stop: {stop} && rm -rf {folders}",
        ]

    # -------------------------------------------------------------- helpers

    def _server_user(self) -> str | None:
        if self.run_as:
            return self.run_as
        if os.geteuid() != 0:
            return None
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise ServerError(
                "PostgreSQL refuses to run as root and there is no `postgres` user to run it as: "
                "create one (`useradd --system postgres`) or run as a normal user"
            ) from None
        return "postgres"

    @staticmethod
    def _parent_for(user: str | None) -> str | None:
        """Where the data folder goes: the temp dir, or /tmp when the server's user cannot reach it."""
        if not user or os.geteuid() != 0:
            return None
        import pwd

        uid = pwd.getpwnam(user).pw_uid
        folder = Path(tempfile.gettempdir()).resolve()
        for path in (folder, *folder.parents):
            try:
                st = path.stat()
            except OSError:
                return "/tmp"
            if st.st_uid != uid and not st.st_mode & 0o001:
                return "/tmp"
        return None

    def _user_kwargs(self, user: str | None) -> dict:
        if not user or os.geteuid() != 0:
            return {}
        import pwd

        entry = pwd.getpwnam(user)
        return {
            "user": entry.pw_uid,
            "group": entry.pw_gid,
            "extra_groups": [],
            "env": {**os.environ, "HOME": entry.pw_dir or "/tmp", "USER": user},
            "cwd": "/tmp",
        }

    def _chown(self, user: str) -> None:
        import pwd

        entry = pwd.getpwnam(user)
        for folder in (self.base, self.socket_dir):
            if folder is not None:
                os.chown(folder, entry.pw_uid, entry.pw_gid)

    def _run(self, command: list[str], user: str | None, what: str) -> None:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120, **self._user_kwargs(user))
        except (OSError, subprocess.SubprocessError) as exc:
            raise ServerError(f"{what} failed: {exc}") from None
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            log = ""
            if self.log and self.log.exists():
                log = " | server log: " + " ".join(self.log.read_text(errors="replace").strip().splitlines()[-3:])
            raise ServerError(f"{what} failed: {detail[-1] if detail else done.returncode}{log}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
