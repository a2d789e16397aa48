"""Column types from the migrations that ran before a file, read on demand.

Only ``ALTER COLUMN … TYPE`` needs the column's current type, and it is rare,
so the project's earlier versioned migrations are parsed the first time a
lookup happens and never otherwise.
"""

from __future__ import annotations

import bisect
from typing import Callable

from .config import Config
from .discovery import MigrationFile, Project


class ColumnHistory:
    """(table, column) → the TypeName set by the last earlier migration that defined it."""

    def __init__(self, project: Project, config: Config):
        self.project = project
        self.config = config
        self._index: dict[tuple[str, str], list[tuple[tuple, dict]]] | None = None
        self._order: list[MigrationFile] = []

    def lookup_for(self, migration: MigrationFile) -> Callable[[str, str], dict | None]:
        def lookup(table: str, column: str) -> dict | None:
            return self.column_type(table, column, migration)

        return lookup

    def column_type(self, table: str, column: str, before: MigrationFile) -> dict | None:
        index = self._build()
        history = index.get((table, column))
        if not history or before.kind != "versioned" or before.version is None:
            return history[-1][1] if history and before.kind != "versioned" else None
        keys = [key for key, _ in history]
        position = bisect.bisect_left(keys, before.version.key)
        return history[position - 1][1] if position else None

    def _build(self) -> dict:
        if self._index is not None:
            return self._index
        from .analysis import analyze
        from .parse import parse_source
        from .placeholders import substitute
        from .source import UnreadableSource, read_source

        index: dict[tuple[str, str], list[tuple[tuple, dict]]] = {}
        versioned = sorted((f for f in self.project.files if f.kind == "versioned" and f.version is not None),
                           key=lambda f: f.version.key)
        for migration in versioned:
            try:
                source = read_source(migration.path, migration.display, self.config.max_file_size)
            except UnreadableSource:
                continue
            if self.config.substitutes_placeholders:
                source.substitution = substitute(source.text, self.config.placeholders, migration.name)
            facts = analyze(parse_source(source).statements, mode="explicit", pg_version=self.config.pg_version)
            for key, changes in facts.column_types.items():
                for _, type_name in changes:
                    index.setdefault(key, []).append((migration.version.key, type_name))
        self._index = index
        return index
