"""The databases ``verify`` owns, and nothing else.

On a throwaway server (:class:`~migration_gate.pgserver.TemporaryServer`) or
on the server of ``--database-url``, :class:`Workspace` creates fresh
databases with a unique ``mg_verify_…`` name (from ``template0``, so nothing
the server's ``template1`` holds leaks in), connects only to those, and drops
every one of them when it closes, unless asked to keep them.  The database
named in the URL is used for ``CREATE DATABASE`` / ``DROP DATABASE`` only.

Copies (``CREATE DATABASE … TEMPLATE``) serve as checkpoints: restoring one
is how verification continues after a rollback left the schema broken.
psycopg is imported here, lazily, by the code that needs a database.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from typing import Any


class DatabaseError(Exception):
    """A database could not be reached or created; the message says what to do."""


def connect(conninfo: str):
    """An autocommit connection with notices at warning level and up."""
    import psycopg

    conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=30, prepare_threshold=None)
    conn.execute("SET client_min_messages TO warning")
    return conn


def redact(text: str) -> str:
    """Hide passwords in connection strings and URLs."""
    text = re.sub(r"(://[^:/?#@\s]*:)[^@/?#\s]*@", r"\1***@", text)
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", text, flags=re.I)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Workspace:
    """Databases created for one run; ``close()`` drops them all (unless ``keep``)."""

    def __init__(
        self,
        admin_conninfo: str,
        conninfo_for: Callable[[str], str],
        *,
        keep: bool = False,
        what: str = "the server",
        file_copy: bool = False,
    ):
        self.admin_conninfo = admin_conninfo
        # ``STRATEGY FILE_COPY`` (PostgreSQL 15+) copies a database several times faster than the
        # default WAL_LOG, but forces a checkpoint: right for a throwaway server, not for a shared one.
        self.file_copy = file_copy
        self.conninfo_for = conninfo_for
        self.keep = keep
        self.what = what
        self.prefix = f"mg_verify_{os.getpid()}_{secrets.token_hex(3)}"
        self.created: list[str] = []
        self._admin: Any = None  # a psycopg connection, once open
        self._count = 0

    def open(self) -> None:
        import psycopg

        try:
            self._admin = connect(self.admin_conninfo)
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot connect to {self.what}: {redact(_first_line(exc))}") from None
        self.server_version = self._admin.info.server_version

    def new_name(self) -> str:
        self._count += 1
        return f"{self.prefix}_{self._count}"

    def create(self, template: str = "template0") -> str:
        """A new empty database (or a copy of ``template``); returns its name."""
        import psycopg

        name = self.new_name()
        strategy = " STRATEGY FILE_COPY" if self.file_copy and self.server_version >= 150000 else ""
        try:
            self._admin.execute(f"CREATE DATABASE {_quote(name)} TEMPLATE {_quote(template)}{strategy}")
        except psycopg.errors.InsufficientPrivilege:
            raise DatabaseError(
                f"{self.what}: this user may not create databases (it needs the CREATEDB "
                "privilege: verify works in a temporary database of its own)"
            ) from None
        except psycopg.Error as exc:
            raise DatabaseError(f"{self.what}: cannot create a temporary database: {_first_line(exc)}") from None
        self.created.append(name)
        return name

    def copy(self, source: str) -> str:
        """A copy of ``source``, which must have no open connection."""
        return self.create(template=source)

    def drop(self, name: str) -> None:
        force = " WITH (FORCE)" if getattr(self, "server_version", 0) >= 130000 else ""
        self._admin.execute(f"DROP DATABASE IF EXISTS {_quote(name)}{force}")
        if name in self.created:
            self.created.remove(name)

    def connect(self, name: str):
        return connect(self.conninfo_for(name))

    def close(self) -> None:
        if self._admin is None:
            return
        try:
            if not self.keep:
                for name in list(reversed(self.created)):
                    try:
                        self.drop(name)
                    except Exception:  # noqa: BLE001 - drop what can be dropped
                        pass
        finally:
            try:
                self._admin.close()
            finally:
                self._admin = None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else type(exc).__name__


def url_conninfo(url: str) -> tuple[str, Callable[[str], str]]:
    """``--database-url``: the admin connection string, and one for a database of ours on that server."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise DatabaseError(f"--database-url: not a PostgreSQL connection URL ({redact(_first_line(exc))})") from None
    return url, lambda name: make_conninfo(url, dbname=name)
