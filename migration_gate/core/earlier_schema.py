"""What the migrations before a file defined, read on demand.

A few statements need facts that earlier migrations established:
``ALTER COLUMN … TYPE`` needs the column's current type; ``DROP INDEX`` and
``REINDEX INDEX`` need the index's table; ``DROP TABLE`` and
``DROP CONSTRAINT`` of a foreign key also lock the table it references.

The facts of every versioned migration the engine analyses are recorded as it
goes (:meth:`EarlierSchema.record`), so a scan in version order never parses
a file twice.  Migrations that were not analysed (a pull request's merged
history) are read only when a question needs them: they are split into words,
and only the files that use the names asked about
are parsed (the AST gives the answer; the word index only skips files that
cannot hold it).

A lookup is ``lookup(kind, *args)``; the engine records every lookup and its
answer, so a cached result is reused only while the answers are the same.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .analysis import FileFacts
from .config import Config
from .load import load_file
from .migration import MigrationFile, Project, history_scope
from .schema import SchemaLog, SchemaView

#: ``lookup(kind, *args)``: what the migrations before a file defined (see :class:`EarlierSchema`).
Lookup = Callable[..., object]
VersionKey = tuple[Any, ...]
T = TypeVar("T")

# An unquoted identifier as PostgreSQL's scanner reads it (ident_start / ident_cont: any
# non-ASCII character counts as a letter), and the inside of a quoted one ("" is a quote).
# Written as what it is not (the ASCII that cannot start / continue one): the same sets as
# [A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*, checked over every code point, but compiled in
# 0.2 ms instead of 5 (every run compiles it at import).
_WORD = re.compile(r"[^\x00-@\[-^`{-\x7f][^\x00-#%-/:-@\[-^`{-\x7f]*")
_QUOTED = re.compile(r'"((?:[^"]|"")+)"')


class EarlierSchema:
    """The schema as the migrations before a given file left it (see the module docstring).

    "Before" is within the file's history (:func:`~migration_gate.core.migration.history_scope`): Flyway
    (and the generic up-down layout) runs all its locations as one history, the other runners each
    folder on its own, so a Diesel folder's file never learns a table from another project's folder.

    ``base_content`` gives, for a merged migration the change edited, the content the base has: what
    databases applied is the merged text, never an edited file's new text.
    """

    def __init__(
        self, project: Project, config: Config, base_content: Callable[[MigrationFile], bytes | None] | None = None
    ) -> None:
        self.project = project
        self.config = config
        self.base_content = base_content
        self._histories: dict[object, _History] = {}
        self._scopes: dict[object, list[MigrationFile]] | None = None

    def _history(self, migration: MigrationFile) -> _History:
        if self._scopes is None:
            self._scopes = {}
            for file in self.project.files:
                self._scopes.setdefault(history_scope(file), []).append(file)
        key = history_scope(migration)
        history = self._histories.get(key)
        if history is None:
            files = self._scopes.get(key, [])
            history = self._histories[key] = _History(files, self.config, self.base_content)
        return history

    def lookup_for(self, migration: MigrationFile) -> Lookup:
        """``lookup(kind, *args)`` for the file ``migration``: a :class:`SchemaView` question about the
        schema before it (``column``, ``index``, ``indexes_of``, ``checks_of``, ``foreign_keys_of``,
        ``function``)."""
        history = self._history(migration)

        def lookup(kind: str, *args: str) -> object:
            return history.answer(kind, args, before=migration)

        return lookup

    def answer(self, kind: str, args: tuple[str, ...], *, before: MigrationFile) -> object:
        """What the earlier migrations of ``before``'s history say (see :meth:`_History.answer`)."""
        return self._history(before).answer(kind, args, before=before)

    def record(self, migration: MigrationFile, facts: FileFacts | None) -> None:
        """The engine analysed this file: keep its events for the lookups of the files after it."""
        self._history(migration).record(migration, facts)


class _History:
    """One history's migrations and what the lookups have read of them."""

    def __init__(
        self, files: list[MigrationFile], config: Config, base_content: Callable[[MigrationFile], bytes | None] | None
    ) -> None:
        self._history_files = files  # this history's files, as discovered (_files: its versioned ones, ordered)
        self.config = config
        self.base_content = base_content
        self._loaded = False
        self._files: list[MigrationFile] = []  # versioned, in version order (once loaded)
        self._keys: list[VersionKey] = []
        self._position: dict[Path, int] = {}  # path → index into _files
        self._merged: set[int] = set()  # files whose events are in the log
        self._unmerged_from = 0  # every file before this index is merged
        self.log = SchemaLog()  # the merged files' events, keyed (version key, order)
        self._words: dict[str, set[int]] | None = None  # identifier → unanalysed files using it
        self._unscannable: set[int] = set()
        self._asked: dict[tuple[str, ...], VersionKey | None] = {}  # words → version limit already read up to

    # ------------------------------------------------------------------ the questions

    def answer(self, kind: str, args: tuple[str, ...], *, before: MigrationFile) -> object:
        """Read the earlier files that may hold the answer (following renames), then answer."""
        if kind not in _QUESTIONS:
            raise ValueError(f"unknown schema question {kind!r}")
        limit = self._limit(before)
        upper: Any = None
        if limit is not None:
            # A rollback runs right after its migration: the schema it finds includes that migration.
            upper = (limit, math.inf) if before.kind == "rollback" else (limit,)
        names = {args[0]}
        asked: set[str] = set()
        # Names the answer leads to, whose files may not name what was asked: indexes_of → the indexes
        # found (a DROP INDEX names no table); index → its table (a later RENAME of the table).
        related: set[str] = set()
        asked_related: set[str] = set()
        while True:
            for name in sorted(names - asked):
                self._prepare(before, *_words(kind, name, args))
            for name in sorted(related - asked_related):
                self._prepare(before, _relation(name))
            asked |= names
            asked_related |= related
            view = SchemaView(self.log, upper)
            result = getattr(view, kind)(*args)
            if kind in ("index", "function"):
                renamed = {old for key, old in self.log.index_renames.get(args[0], ()) if view._below(key, upper)}
            else:
                renamed = {name for name, _, _ in view.lineage(args[0]).spans}
            if kind == "indexes_of" and result:
                related |= {info.name for info in result}
            elif kind == "index" and result is not None:
                related.add(result.table)
            if renamed <= asked and related <= asked_related:
                return result
            names |= renamed

    def record(self, migration: MigrationFile, facts: FileFacts | None) -> None:
        """The engine analysed this file: keep its events, so no lookup parses it again (an edited merged
        migration is read as the base has it instead, when a question needs it)."""
        if migration.kind != "versioned" or migration.version is None or facts is None:
            return
        if self.base_content is not None and self.base_content(migration) is not None:
            return
        self._load()
        index = self._position.get(migration.path)
        if index is not None:
            self._merge(index, facts)

    # ------------------------------------------------------------------ reading

    def _limit(self, before: MigrationFile) -> VersionKey | None:
        """The version key the answer's events must be below (``()``: none count; None: all); a rollback's
        is its migration's version."""
        if before.kind == "other":
            return ()
        if before.kind in ("versioned", "rollback") and before.version is not None:
            return before.version.key
        return None

    def _prepare(self, before: MigrationFile, *words: str) -> VersionKey | None:
        """Make sure the earlier files that may answer are merged; returns the version limit.

        Files that are not migrations (misnamed, data, callbacks) have no place in
        the history: nothing is earlier than them (limit: the empty tuple).
        """
        if before.kind == "other":
            return ()
        self._load()
        limit = before.version.key if before.kind == "versioned" and before.version is not None else None
        end = len(self._files) if limit is None else bisect.bisect_left(self._keys, limit)
        while self._unmerged_from < len(self._files) and self._unmerged_from in self._merged:
            self._unmerged_from += 1
        if end <= self._unmerged_from:
            return limit  # every earlier file was analysed already: nothing to read
        done = self._asked.get(words, ())
        if done is not None and (limit is None or limit > done):
            for index in self._unanalysed_candidates(words):
                if limit is not None and self._keys[index] >= limit:
                    break
                self._parse_and_merge(index)
            self._asked[words] = limit
        return limit

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        versioned = [(f.version.key, f) for f in self._history_files if f.kind == "versioned" and f.version]
        versioned.sort(key=lambda item: item[0])
        self._files = [f for _, f in versioned]
        self._keys = [key for key, _ in versioned]
        self._position = {f.path: i for i, f in enumerate(self._files)}

    def _unanalysed_candidates(self, words: tuple[str, ...]) -> list[int]:
        index = self._word_index()
        files = set.intersection(*(index.get(word.lower(), set()) for word in words)) | self._unscannable
        return sorted(i for i in files if i not in self._merged)

    def _word_index(self) -> dict[str, set[int]]:
        """The words of the files not analysed when the first question came, lower-cased.

        A filter, not an answer: it only has to hold every name a file could
        define, so word patterns over the lower-cased text are enough (unquoted
        identifiers, and the whole inside of quoted ones: ``"user-events"``,
        ``"2fa_idx"``), and five times faster than PostgreSQL's scanner.  They
        also read string bodies, which the scanner returns whole: the
        statements of a DO block (a dollar-quoted string) define names too.
        Unicode-escaped identifiers (``U&"…"``) defeat them: such files are
        always read.
        """
        if self._words is not None:
            return self._words
        words: dict[str, set[int]] = {}
        for index, migration in enumerate(self._files):
            if index in self._merged:
                continue
            try:
                data = self._content(migration)
                text = (data if data is not None else migration.path.read_bytes()).decode("utf-8-sig", "replace")
                text = text.lower()
            except OSError:
                self._unscannable.add(index)
                continue
            if 'u&"' in text:
                self._unscannable.add(index)
            found = set(_WORD.findall(text))
            # Quotes pair up from the start, unless a string or comment holds a stray one: read both ways.
            for start in (0, text.find('"') + 1):
                found.update(quoted.replace('""', '"') for quoted in _QUOTED.findall(text, start))
            for word in found:
                words.setdefault(word, set()).add(index)
                if len(word) > _NAME_BYTES // 4 and len(encoded := word.encode()) > _NAME_BYTES:
                    # PostgreSQL cuts a longer identifier to 63 bytes (at a character's end), as
                    # the parser gives it to the questions
                    words.setdefault(encoded[:_NAME_BYTES].decode("utf-8", "ignore"), set()).add(index)
        self._words = words
        return words

    def _content(self, migration: MigrationFile) -> bytes | None:
        return self.base_content(migration) if self.base_content is not None else None

    def _parse_and_merge(self, index: int) -> None:
        migration = self._files[index]
        loaded = load_file(migration, self.config, self._content(migration))
        if loaded.facts is None:  # unreadable: it defines nothing we can know
            self._merged.add(index)
            return
        self._merge(index, loaded.facts)

    def _merge(self, index: int, facts: FileFacts) -> None:
        if index in self._merged:
            return
        self._merged.add(index)
        self.log.merge(facts.schema, self._keys[index])


#: NAMEDATALEN - 1: the bytes of an identifier PostgreSQL keeps.
_NAME_BYTES = 63

_QUESTIONS = {"column", "index", "indexes_of", "checks_of", "foreign_keys_of", "function"}


def _words(kind: str, name: str, args: tuple[str, ...]) -> tuple[str, ...]:
    """The words a file must hold to answer: the relation's own name.

    Not the column's too: a file that renames, drops or re-creates the table changes every column's
    answer without naming the column (``ALTER TABLE user_ RENAME TO person``), and leaving it out made
    a lookup that read the files find less than one that had analysed them.
    """
    return (_relation(name),)


def _relation(name: str) -> str:
    return name.rsplit(".", 1)[-1]
