"""Qualified names: how the analysis keeps them, and how messages show them.

An unqualified name lives in the schema the runner's session puts first on
``search_path``: ``public`` unless the repository says otherwise (Flyway's
``defaultSchema``, else the first of its ``schemas``, which Flyway prepends to
the session's ``search_path``: flyway/flyway
flyway-database/flyway-database-postgresql/…/PostgreSQLConnection.java,
``changeCurrentSchemaTo``; a ``search_path`` in a committed database URL or
Atlas configuration).  The analysis of one file runs inside
:func:`unqualified_names_in` that schema, so ``orders`` and ``app.orders`` are
one table when ``app`` comes first, and messages drop that schema's prefix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_SCHEMA = "public"

_current: ContextVar[str] = ContextVar("default_schema", default=DEFAULT_SCHEMA)


def qualify(schema: str | None, name: str) -> str:
    """``schema.name``; an unqualified name is in the current default schema (``public`` unless told)."""
    return f"{schema or _current.get()}.{name}"


def display_name(qualified: str) -> str:
    """``public.orders`` → ``orders`` for messages; other schemas than the default stay qualified."""
    prefix = _current.get() + "."
    return qualified[len(prefix) :] if qualified.startswith(prefix) else qualified


def default_schema() -> str:
    return _current.get()


@contextmanager
def unqualified_names_in(schema: str) -> Iterator[None]:
    """Qualify unqualified names with ``schema`` (and show its names bare) inside the block."""
    token = _current.set(schema)
    try:
        yield
    finally:
        _current.reset(token)


def default_schema_of(options: Mapping[str, str]) -> str:
    """The schema unqualified names resolve to, from a folder's runner options.

    ``default-schema`` (Flyway) comes first on the path; else the first entry of
    a ``search_path`` that names a schema (``"$user"`` depends on who connects:
    the gate cannot know, so it is passed over, as PostgreSQL passes over a
    missing schema).
    """
    chosen = options.get("default-schema", "").strip()
    if chosen:
        return _unquote(chosen)
    for entry in options.get("search_path", "").split(","):
        entry = _unquote(entry.strip())
        if entry and entry != "$user":
            return entry
    return DEFAULT_SCHEMA


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name.lower()
