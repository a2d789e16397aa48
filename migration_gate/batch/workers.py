"""Worker processes for a scan of many independent files.

On Linux and macOS the workers are forked from this process, so they start
with everything already imported and configured, analyse their share, and
send back packed results (:mod:`migration_gate.batch.packing`) through pipes.
This process analyses a share too.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import NoReturn

from ..core.migration import MigrationFile
from ..core.results import FileResult
from .packing import pack, unpack


def can_fork() -> bool:
    return hasattr(os, "fork")


def in_workers(
    files: list[MigrationFile],
    count: int,
    analyse: Callable[[MigrationFile], FileResult],
    while_waiting: Callable[[FileResult], None] | None = None,
    processes: dict[int, int] | None = None,
) -> list[FileResult]:
    """Fork ``count - 1`` workers, analyse a share here, collect theirs through pipes.

    Plain ``os.fork`` and ``pickle`` rather than :mod:`multiprocessing`: nothing
    here needs its machinery, and importing it costs 10 ms on every scan.
    Workers send their results in batches as they go, and this process takes
    in what has arrived between its own files, so little is left to unpack
    once the last worker is done.  ``processes`` counts the files each process (by pid) analysed.
    """
    import gc

    import pglast.parser  # noqa: F401 - imported once, before forking, so no worker pays for it

    gc.freeze()  # keep the collector from touching (and so copying) the parent's pages in workers
    shares = shares_by_location(files, count)
    inboxes: list[_Inbox] = []
    results: list[FileResult | None] = [None] * len(files)
    try:
        _fork(shares[1:], files, analyse, results, processes, inboxes)
        here = os.getpid()
        for index in shares[0]:
            results[index] = analyse(files[index])
            if processes is not None:
                processes[here] = processes.get(here, 0) + 1
            for inbox in inboxes:
                inbox.take(wait=False)
        if while_waiting is not None:  # the workers usually finish a little later: use the time
            for index in shares[0]:
                if all(inbox.done for inbox in inboxes):
                    break
                while_waiting(results[index])  # type: ignore[arg-type]
                for inbox in inboxes:
                    inbox.take(wait=False)
        for inbox in inboxes:
            inbox.take(wait=True)
    finally:
        gc.unfreeze()
        for inbox in inboxes:
            inbox.close()
    return results  # type: ignore[return-value]


def shares_by_location(files: list[MigrationFile], count: int) -> list[list[int]]:
    """``count`` shares of the files (indexes, in order; the first for this process), about equal in work.

    A file's analysis asks about the migrations before it in its folder (earlier tables, indexes, column
    types): a process that analysed them answers from what it recorded, while a process that did not
    reads and parses them again.  So a folder goes to one process whole, unless it is more than a share
    by itself: then it is cut into runs of consecutive files.  Dealing files out in turn made each
    worker parse about half of every folder a second time (a scan on two processes took as long as on
    one).  A file's weight is one plus its size in 768-byte units (fitted on ../shared/corpus: a file
    costs about as much as its first 768 bytes again).  Pieces go largest first to the least loaded
    share, ties to the first.
    """
    weights: list[float] = []
    for migration in files:
        try:
            size = os.stat(migration.path).st_size
        except OSError:
            size = 0
        weights.append(1 + size / 768)
    target = sum(weights) / count
    folders: dict[object, list[int]] = {}
    for index, migration in enumerate(files):
        folders.setdefault(migration.location, []).append(index)
    pieces: list[list[int]] = []
    for indexes in folders.values():
        piece: list[int] = []
        weight = 0.0
        for index in indexes:
            if piece and weight + weights[index] > target:
                pieces.append(piece)
                piece, weight = [], 0.0
            piece.append(index)
            weight += weights[index]
        pieces.append(piece)
    pieces.sort(key=lambda piece: (-sum(weights[i] for i in piece), piece[0]))
    shares: list[list[int]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for piece in pieces:
        least = min(range(count), key=lambda k: (loads[k], k))
        shares[least].extend(piece)
        loads[least] += sum(weights[i] for i in piece)
    return [sorted(share) for share in shares]


def _fork(
    shares: list[list[int]],
    files: list[MigrationFile],
    analyse: Callable[[MigrationFile], FileResult],
    results: list[FileResult | None],
    processes: dict[int, int] | None,
    inboxes: list[_Inbox],
) -> None:
    """One worker per share, each with a pipe back; its inbox is added to ``inboxes`` as soon as it runs."""
    for share in shares:
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
        inboxes.append(_Inbox(pid, read_end, share, files, results, processes))


_LENGTH = 4  # bytes of the length before each pickled batch


class _Inbox:
    """One worker's pipe: length-prefixed pickled batches of ``(index, packed result)``."""

    def __init__(
        self,
        pid: int,
        read_end: int,
        share: list[int],
        files: list[MigrationFile],
        results: list,
        processes: dict[int, int] | None = None,
    ) -> None:
        self.pid, self.read_end, self.files, self.results = pid, read_end, files, results
        self.processes = processes
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
            status, sender, payload = pickle.loads(buffer[_LENGTH : _LENGTH + size])
            del buffer[: _LENGTH + size]
            if status == "error":
                raise RuntimeError(f"a worker process failed:\n{payload}")
            for index, packed in payload:
                self.results[index] = unpack(packed, self.files[index])
            self.missing -= len(payload)
            if self.processes is not None:
                self.processes[sender] = self.processes.get(sender, 0) + len(payload)

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
                    send(("ok", os.getpid(), batch))
                    batch = []
            send(("ok", os.getpid(), batch))
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises
            code = 1
            try:
                import traceback

                send(("error", os.getpid(), traceback.format_exc()))
            except OSError:
                pass
        finally:
            os._exit(code)  # no atexit handlers or buffers of the parent's: they are the parent's to run
