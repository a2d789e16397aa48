"""Column types from the migrations that ran before a file, read on demand.

Only ``ALTER COLUMN … TYPE`` needs a column's current type, and it is rare.
On the first lookup the earlier versioned migrations are read as text; only
the files that mention both the table and the column are parsed (the AST
gives the answer; the text test just skips files that cannot hold it), and
each is parsed at most once per run.
"""

from __future__ import annotations

from typing import Callable

from .config import Config
from .discovery import MigrationFile, Project


class ColumnHistory:
    """(table, column) → the TypeName the last earlier migration gave it."""

    def __init__(self, project: Project, config: Config):
        self.project = project
        self.config = config
        self._versioned: list[MigrationFile] | None = None
        self._texts: dict[MigrationFile, str] = {}
        self._types: dict[MigrationFile, dict[tuple[str, str], dict]] = {}

    def lookup_for(self, migration: MigrationFile) -> Callable[[str, str], dict | None]:
        def lookup(table: str, column: str) -> dict | None:
            return self.column_type(table, column, migration)

        return lookup

    def column_type(self, table: str, column: str, before: MigrationFile) -> dict | None:
        relation = table.rsplit(".", 1)[-1].lower()
        name = column.lower()
        found = None
        for migration in self._earlier(before):
            text = self._text(migration)
            if relation not in text or name not in text:
                continue
            types = self._column_types(migration)
            if (table, column) in types:
                found = types[(table, column)]
        return found

    def _earlier(self, before: MigrationFile) -> list[MigrationFile]:
        if self._versioned is None:
            self._versioned = sorted((f for f in self.project.files if f.kind == "versioned" and f.version),
                                     key=lambda f: f.version.key)
        if before.kind != "versioned" or before.version is None:
            return self._versioned  # rollbacks and others come after every migration
        return [f for f in self._versioned if f.version < before.version]

    def _text(self, migration: MigrationFile) -> str:
        text = self._texts.get(migration)
        if text is None:
            try:
                text = migration.path.read_bytes().decode("utf-8-sig", "replace").lower()
            except OSError:
                text = ""
            self._texts[migration] = text
        return text

    def _column_types(self, migration: MigrationFile) -> dict[tuple[str, str], dict]:
        types = self._types.get(migration)
        if types is not None:
            return types
        from .analysis import analyze
        from .parse import parse_source
        from .placeholders import substitute
        from .source import UnreadableSource, read_source

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
        self._types[migration] = types
        return types
