"""The change set's git questions asked while discovery runs.

A ``check`` with history spends its first part reading the working tree (listing, classifying, reading
the files' first lines: CPU in this process) and then waits on git (the repository, the base, the
merge-base, ``ls-tree`` of the base, ``diff`` to the working tree: other processes).  On a history of
20,000 files the second part takes 85 ms, nearly all of it git working; started on a thread before
discovery, it runs on another core while discovery works, and the thread mostly waits on its child
processes (which releases the interpreter lock).

Only answers are carried over, never errors, and only when they answer the question the run asks:

* the repository and the base (:func:`~.git.locate_base`) do not depend on discovery;
* the change set does (``ls-tree`` and ``diff`` are limited to the migration folders), so it is asked of
  the folders the configuration names, and taken only when discovery ends with those same folders;
* a prefetch never fetches: a base commit missing from the clone (GitHub Actions, GitLab) is left to
  the run, as is anything that failed; the run then asks again and meets the error at the usual point.

So the run's result, its messages and their order are those of asking after discovery.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from ..core.context import Base
from .git import History, _location_specs, locate_base, read_history


class HistoryPrefetch:
    """:func:`~.git.load_history`'s git questions, started now on a thread; ``locations``: the migration
    folders the run is expected to end with (empty: ask only for the repository and the base).

    A context manager: leaving it waits for the thread, so nothing outlives the run.
    """

    __slots__ = ("_located", "_read", "_thread")

    def __init__(
        self,
        start: Path,
        ref: str | None,
        env: Mapping[str, str] | None,
        required: bool,
        locations: list[Path],
    ) -> None:
        self._located: tuple[Path, Base] | History | None = None
        self._read: tuple[list[str], History] | None = None
        self._thread = threading.Thread(
            target=self._ask,
            args=(start, ref, os.environ if env is None else env, required, locations),
            name="migration-gate history prefetch",
            daemon=True,
        )
        self._thread.start()

    def _ask(self, start: Path, ref: str | None, env: Mapping[str, str], required: bool, locations: list[Path]) -> None:
        try:
            located = locate_base(start, ref, env, required, fetch=False)
            self._located = located
            if locations and not isinstance(located, History):
                root, base = located
                specs = _location_specs(root, locations)
                self._read = (specs, read_history(root, base, specs))
        except Exception:  # noqa: BLE001 - the run asks again and meets the error itself
            return

    def located(self) -> tuple[Path, Base] | History | None:
        """The repository and the base, or why history is skipped (None: the run must ask)."""
        self._thread.join()
        return self._located

    def read(self, specs: list[str]) -> History | None:
        """The change set below ``specs``, when it was read for exactly those folders (None: ask)."""
        self._thread.join()
        if self._read is None or self._read[0] != specs:
            return None
        return self._read[1]

    def __enter__(self) -> HistoryPrefetch:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._thread.join()
