"""Analysing many files: in order, from the result cache, or in worker processes.

A pull request's files run in version order in this process, because each
file's context depends on the files before it (tables created earlier in the
change set).  A scan of many independent files (no base, ``check PATH``) is
split across worker processes: on Linux and macOS they are forked from this
one, so they start with everything already imported and configured, analyse
their share, and send back compact tuples (pickling the result dataclasses directly
costs more than the analysis saves).  This process analyses a share too.
"""

from __future__ import annotations

import os
import signal
import traceback
from pathlib import Path
from typing import Callable, NoReturn

from .config import Config
from .discovery import MigrationFile
from .engine import (FileReport, FileResult, LockReport, RuleSet, Scope, StatementReport, analyze_file,
                     file_rules_for, runner_transaction_opt_out)
from .findings import Violation
from .source import UnreadableSource, decode_source, read_bytes
from .suppression import Ignore

PARALLEL_MIN_FILES = 200  # below this, starting workers costs more than it saves
MAX_WORKERS = 8


def analyze_all(scope: Scope, config: Config, rules: RuleSet, legacy, want_statements: bool,
                cache_dir: Path | None, workers: int | None,
                idle_work: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Every file of the scope, analysed (or taken from the cache), in scope order.

    ``idle_work`` runs on this process's own results while it waits for the
    workers to finish (the JSON reporter renders their entries then).

    The cyclic garbage collector is paused meanwhile: the engine leaves no reference
    cycles behind a file, and the collector's passes over millions of fresh AST
    objects cost a fifth of a scan.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze_all(scope, config, rules, legacy, want_statements, cache_dir, workers, idle_work)
    finally:
        if enabled:
            gc.enable()


def _analyze_all(scope: Scope, config: Config, rules: RuleSet, legacy, want_statements: bool,
                 cache_dir: Path | None, workers: int | None,
                 idle_work: Callable[[FileResult], None] | None) -> list[FileResult]:
    from .earlier_schema import EarlierSchema

    columns = EarlierSchema(scope.project, config)
    rules_for = file_rules_for(rules, legacy)
    cache = None
    if cache_dir is not None:
        from .cache import ResultCache

        # A result made without statement reports must not serve a run that shows them.
        cache = ResultCache(cache_dir, config, f"{_rules_key(rules)}|statements={want_statements}")
    keep_source = scope.history is not None and getattr(scope.history, "active", False)

    def one(migration: MigrationFile, earlier: frozenset[str]) -> FileResult:
        lookup = columns.lookup_for(migration)
        if cache is None:
            result = analyze_file(migration, config, rules_for(migration), earlier, want_statements, lookup)
            columns.record(migration, result.facts)
            result.facts = None  # the AST is not needed any more: keep memory (and the GC's work) small
            return result
        try:
            data = read_bytes(migration.path, config.max_file_size)
        except UnreadableSource:
            return analyze_file(migration, config, rules_for(migration), earlier, want_statements, lookup)
        # Sibling files (Diesel's metadata.toml, Flyway's .sql.conf) change the result too.
        key = cache.key(data, migration.display, f"{migration.kind}|{runner_transaction_opt_out(migration)}",
                        earlier)
        result = _from_cache(cache.get(key), migration, lookup)
        if result is not None:
            if keep_source:
                result.source = _source_or_none(data, migration.display)
            return result
        result = analyze_file(migration, config, rules_for(migration), earlier, want_statements, lookup, data)
        columns.record(migration, result.facts)
        result.facts = None
        cache.put(key, pack(result))
        return result

    files = scope.files
    if scope.change_set:
        results: list[FileResult] = []
        created_earlier: set[str] = set()
        for migration in files:
            result = one(migration, frozenset(created_earlier))
            if migration.kind == "versioned":
                created_earlier |= result.created_tables
            results.append(result)
        return results
    count = worker_count(workers, len(files))
    if count <= 1 or keep_source or not _can_fork():
        return [one(m, frozenset()) for m in files]
    return _in_workers(files, count, lambda m: one(m, frozenset()), idle_work)


def _from_cache(packed, migration: MigrationFile, lookup) -> FileResult | None:
    """A cached result, if its lookups into earlier migrations still get the same answers.

    An entry of another shape (written by another version of the tool) is a miss.
    """
    if packed is None:
        return None
    try:
        if not all(lookup(kind, *args) == answer for kind, args, answer in packed[-1]):
            return None
        return unpack(packed, migration)
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def worker_count(requested: int | None, files: int) -> int:
    if requested is None:
        env = os.environ.get("MIGRATION_GATE_WORKERS")
        requested = int(env) if env and env.isdigit() else 0
    if requested > 0:
        return min(requested, MAX_WORKERS, max(files, 1))
    if files < PARALLEL_MIN_FILES:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _can_fork() -> bool:
    return hasattr(os, "fork")


def _in_workers(files: list[MigrationFile], count: int, analyse: Callable[[MigrationFile], FileResult],
                idle_work: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Fork ``count - 1`` workers, analyse a share here, collect theirs through pipes.

    Plain ``os.fork`` and ``pickle`` rather than :mod:`multiprocessing`: nothing
    here needs its machinery, and importing it costs 10 ms on every scan.
    Workers send their results in batches as they go, and this process takes
    in what has arrived between its own files, so little is left to unpack
    once the last worker is done.
    """
    import gc

    from .parse import _parser

    _parser()  # import pglast once, before forking, so no worker pays for it
    gc.freeze()  # keep the collector from touching (and so copying) the parent's pages in workers
    shares = [list(range(k, len(files), count)) for k in range(count)]
    inboxes: list[_Inbox] = []
    results: list[FileResult | None] = [None] * len(files)
    try:
        for share in shares[1:]:
            read_end, write_end = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                os.close(read_end)
                os.close(write_end)
                raise
            if pid == 0:
                try:  # never leave this branch: the rest of this function is the parent's
                    os.close(read_end)
                    _child(write_end, share, files, analyse)
                finally:
                    os._exit(1)
            os.close(write_end)
            inboxes.append(_Inbox(pid, read_end, share, files, results))
        for index in shares[0]:
            results[index] = analyse(files[index])
            for inbox in inboxes:
                inbox.take(wait=False)
        if idle_work is not None:  # the workers usually finish a little later: use the time
            for index in shares[0]:
                if all(inbox.done for inbox in inboxes):
                    break
                idle_work(results[index])  # type: ignore[arg-type]
                for inbox in inboxes:
                    inbox.take(wait=False)
        for inbox in inboxes:
            inbox.take(wait=True)
    finally:
        gc.unfreeze()
        for inbox in inboxes:
            inbox.close()
    return results  # type: ignore[return-value]


_LENGTH = 4  # bytes of the length before each pickled batch


class _Inbox:
    """One worker's pipe: length-prefixed pickled batches of ``(index, packed result)``."""

    def __init__(self, pid: int, read_end: int, share: list[int], files: list[MigrationFile],
                 results: list) -> None:
        self.pid, self.read_end, self.files, self.results = pid, read_end, files, results
        self.missing = len(share)
        self.buffer = bytearray()
        self.done = False
        os.set_blocking(read_end, False)

    def take(self, *, wait: bool) -> None:
        """Unpack whatever has arrived; with ``wait``, everything, until the worker closes its pipe."""
        if self.done:
            return
        if wait:
            os.set_blocking(self.read_end, True)
        while True:
            try:
                chunk = os.read(self.read_end, 1 << 20)
            except BlockingIOError:
                return
            if not chunk:
                break
            self.buffer += chunk
            self._unpack_batches()
        self.done = True
        os.waitpid(self.pid, 0)
        self.pid = 0
        if self.missing:
            raise RuntimeError("a worker process failed:\nit exited without sending all its results")

    def _unpack_batches(self) -> None:
        import pickle

        buffer = self.buffer
        while len(buffer) >= _LENGTH:
            size = int.from_bytes(buffer[:_LENGTH], "big")
            if len(buffer) < _LENGTH + size:
                return
            status, payload = pickle.loads(buffer[_LENGTH:_LENGTH + size])
            del buffer[:_LENGTH + size]
            if status == "error":
                raise RuntimeError(f"a worker process failed:\n{payload}")
            for index, packed in payload:
                self.results[index] = unpack(packed, self.files[index])
            self.missing -= len(payload)

    def close(self) -> None:
        os.close(self.read_end)
        if self.pid:  # only after a failure here: the worker may still be running
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)


BATCH_FILES = 50  # results a worker sends at a time


def _child(write_end: int, share: list[int], files: list[MigrationFile], analyse) -> NoReturn:
    """A forked worker: analyse the share, send packed results in batches (or the error), exit at once."""
    import pickle

    code = 0
    with os.fdopen(write_end, "wb") as stream:

        def send(message) -> None:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            stream.write(len(data).to_bytes(_LENGTH, "big"))
            stream.write(data)
            stream.flush()  # the buffered writer writes it all, even when a pipe takes it in parts

        try:
            batch = []
            for index in share:
                batch.append((index, pack(analyse(files[index]))))
                if len(batch) == BATCH_FILES:
                    send(("ok", batch))
                    batch = []
            send(("ok", batch))
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises
            code = 1
            try:
                send(("error", traceback.format_exc()))
            except OSError:
                pass
        finally:
            os._exit(code)  # no atexit handlers or buffers of the parent's: they are the parent's to run


# --------------------------------------------------------------------------- compact form

_VIOLATION_FIELDS = Violation.__slots__
_IGNORE_FIELDS = Ignore.__slots__


def pack(result: FileResult) -> tuple:
    """A FileResult as plain tuples (cheap to pickle), without the migration or the source."""
    return (
        result.report.statements,
        result.report.checksum,
        [tuple(getattr(v, f) for f in _VIOLATION_FIELDS) for v in result.violations],
        [(s.path, s.line, s.end_line, [(l.table, l.mode, l.rewrite, l.scan) for l in s.locks], s.rendered)
         for s in result.statements],
        tuple(result.created_tables),
        [tuple(getattr(i, f) for f in _IGNORE_FIELDS) for i in result.ignores],
        result.lookups,
    )


def unpack(packed: tuple, migration: MigrationFile) -> FileResult:
    statements_count, checksum, violations, statements, created, ignores, lookups = packed
    report = FileReport(migration, statements_count, checksum)
    return FileResult(
        report,
        [Violation(*fields) for fields in violations],
        [StatementReport(path, line, end_line, [LockReport(*lock) for lock in locks], rendered)
         for path, line, end_line, locks, rendered in statements],
        frozenset(created),
        [Ignore(*fields) for fields in ignores],
        None,
        lookups,
    )


def _rules_key(rules: RuleSet) -> str:
    return ",".join(f"{name}={level.label}" for name, level in sorted(rules.levels.items()))


def _source_or_none(data: bytes, display: str):
    try:
        return decode_source(data, display)
    except UnreadableSource:
        return None
