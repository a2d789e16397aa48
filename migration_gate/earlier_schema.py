"""What the migrations before a file defined, read on demand.

A few statements need facts that earlier migrations established:
``ALTER COLUMN … TYPE`` needs the column's current type; ``DROP INDEX`` and
``REINDEX INDEX`` need the index's table; ``DROP TABLE`` and
``DROP CONSTRAINT`` of a foreign key also lock the table it references.  They
are rare, so nothing is read until one asks: then the versioned migrations
are read as text, and only the files that mention the names asked about are
parsed (the AST gives the answer; the text test only skips files that cannot
hold it).  Each file is parsed at most once per run, and files the engine has
already analysed are not parsed again (:meth:`EarlierSchema.record`).

A lookup is ``lookup(kind, *args)``; the engine records every lookup and its
answer, so a cached result is reused only while the answers are the same.
"""

from __future__ import annotations

import bisect
from typing import Callable

from .config import Config
from .discovery import MigrationFile, Project

Lookup = Callable[..., object]


class EarlierSchema:
    def __init__(self, project: Project, config: Config):
        self.project = project
        self.config = config
        self._files: list[MigrationFile] | None = None  # versioned, in version order
        self._keys: list[tuple] = []
        self._index: dict = {}
        self._texts: list[str] = []
        self._candidates: dict[tuple[str, ...], list[int]] = {}
        self._facts: dict[int, object] = {}  # analysis.FileFacts per file index

    # ------------------------------------------------------------------ the questions

    def lookup_for(self, migration: MigrationFile) -> Lookup:
        answers = {
            "column_type": self.column_type,
            "index_table": self.index_table,
            "foreign_keys": self.foreign_keys,
        }

        def lookup(kind: str, *args: str):
            return answers[kind](*args, before=migration)

        return lookup

    def column_type(self, table: str, column: str, *, before: MigrationFile) -> dict | None:
        found = None
        for facts in self._earlier_facts(before, _relation(table), column.lower()):
            found = facts.column_types.get((table, column), [(0, found)])[-1][1]
        return found

    def index_table(self, index: str, *, before: MigrationFile) -> str | None:
        found = None
        for facts in self._earlier_facts(before, _relation(index)):
            found = facts.index_tables.get(index, [(0, found)])[-1][1]
        return found

    def foreign_keys(self, table: str, *, before: MigrationFile) -> dict[str, str]:
        """``{constraint: referenced table}`` for a table after the earlier migrations."""
        keys: dict[str, str] = {}
        for facts in self._earlier_facts(before, _relation(table)):
            for (owner, name), history in facts.foreign_keys.items():
                if owner == table:
                    referenced = history[-1][1]
                    if referenced is None:
                        keys.pop(name, None)
                    else:
                        keys[name] = referenced
        return keys

    def record(self, migration: MigrationFile, facts) -> None:
        """The engine analysed this file already: keep its facts, no second parse."""
        if migration.kind != "versioned" or migration.version is None or facts is None:
            return
        self._load()
        index = self._index.get(migration.path)
        if index is not None:
            self._facts.setdefault(index, facts)

    # ------------------------------------------------------------------ reading

    def _earlier_facts(self, before: MigrationFile, *words: str):
        """FileFacts of the earlier migrations whose text mentions all ``words``, oldest first."""
        self._load()
        if before.kind == "versioned" and before.version is not None:
            limit = bisect.bisect_left(self._keys, before.version.key)
        else:
            limit = len(self._files)  # rollbacks and other files come after every migration
        for index in self._candidates_for(words):
            if index >= limit:
                break
            facts = self._file_facts(index)
            if facts is not None:
                yield facts

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

    def _candidates_for(self, words: tuple[str, ...]) -> list[int]:
        found = self._candidates.get(words)
        if found is None:
            found = [i for i, text in enumerate(self._texts) if all(word in text for word in words)]
            self._candidates[words] = found
        return found

    def _file_facts(self, index: int):
        if index in self._facts:
            return self._facts[index]
        from .analysis import analyze
        from .parse import parse_source
        from .placeholders import substitute
        from .source import UnreadableSource, read_source

        migration = self._files[index]
        facts = None
        try:
            source = read_source(migration.path, migration.display, self.config.max_file_size)
        except UnreadableSource:
            source = None
        if source is not None:
            if self.config.substitutes_placeholders:
                source.substitution = substitute(source.text, self.config.placeholders, migration.name)
            facts = analyze(parse_source(source).statements, mode="explicit", pg_version=self.config.pg_version)
        self._facts[index] = facts
        return facts


def _relation(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower()
