"""Column types from the migrations that ran before a file, read on demand.

Only ``ALTER COLUMN … TYPE`` needs a column's current type, and it is rare.
On the first lookup the versioned migrations are read as text; for each
(table, column) asked about, only the files that mention both are parsed (the
AST gives the answer; the text test just skips files that cannot hold it), and
each file is parsed at most once per run.
"""

from __future__ import annotations

import bisect
from typing import Callable

from .config import Config
from .discovery import MigrationFile, Project


class ColumnHistory:
    """(table, column) → the TypeName the last earlier migration gave it."""

    def __init__(self, project: Project, config: Config):
        self.project = project
        self.config = config
        self._files: list[MigrationFile] | None = None  # versioned, in version order
        self._keys: list[tuple] = []
        self._texts: list[str] = []
        self._candidates: dict[tuple[str, str], list[int]] = {}
        self._types: dict[int, dict[tuple[str, str], dict]] = {}
        self._index: dict = {}

    def lookup_for(self, migration: MigrationFile) -> Callable[[str, str], dict | None]:
        def lookup(table: str, column: str) -> dict | None:
            return self.column_type(table, column, migration)

        return lookup

    def record(self, migration: MigrationFile, column_types: dict) -> None:
        """The engine analysed this file already: keep its column types, no second parse."""
        if migration.kind != "versioned" or migration.version is None:
            return
        self._load()
        index = self._index.get(migration.path)
        if index is not None and index not in self._types:
            self._types[index] = {key: changes[-1][1] for key, changes in column_types.items()}

    def column_type(self, table: str, column: str, before: MigrationFile) -> dict | None:
        self._load()
        if before.kind == "versioned" and before.version is not None:
            limit = bisect.bisect_left(self._keys, before.version.key)
        else:
            limit = len(self._files)  # rollbacks and other files come after every migration
        found = None
        for index in self._candidates_for(table, column):
            if index >= limit:
                break
            types = self._column_types(index)
            if (table, column) in types:
                found = types[(table, column)]
        return found

    def _load(self) -> None:
        if self._files is not None:
            return
        self._files = sorted((f for f in self.project.files if f.kind == "versioned" and f.version),
                             key=lambda f: f.version.key)
        self._keys = [f.version.key for f in self._files]
        self._index = {f.path: i for i, f in enumerate(self._files)}
        for migration in self._files:
            try:
                self._texts.append(migration.path.read_bytes().decode("utf-8-sig", "replace").lower())
            except OSError:
                self._texts.append("")

    def _candidates_for(self, table: str, column: str) -> list[int]:
        key = (table.rsplit(".", 1)[-1].lower(), column.lower())
        found = self._candidates.get(key)
        if found is None:
            relation, name = key
            found = [i for i, text in enumerate(self._texts) if relation in text and name in text]
            self._candidates[key] = found
        return found

    def _column_types(self, index: int) -> dict[tuple[str, str], dict]:
        types = self._types.get(index)
        if types is not None:
            return types
        from .analysis import analyze
        from .parse import parse_source
        from .placeholders import substitute
        from .source import UnreadableSource, read_source

        migration = self._files[index]
        types = {}
        try:
            source = read_source(migration.path, migration.display, self.config.max_file_size)
        except UnreadableSource:
            source = None
        if source is not None:
            if self.config.substitutes_placeholders:
                source.substitution = substitute(source.text, self.config.placeholders, migration.name)
            facts = analyze(parse_source(source).statements, mode="explicit", pg_version=self.config.pg_version)
            types = {key: changes[-1][1] for key, changes in facts.column_types.items()}
        self._types[index] = types
        return types
