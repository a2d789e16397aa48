"""Deploy batches: runners that run every pending migration in one transaction.

drizzle (always), Flyway with ``group = true`` and Atlas with ``--tx-mode all``
apply all pending migrations of a deploy inside one transaction.  What a
migration does then stays uncommitted until the last pending one has run: the
locks it took are held through the files after it, and an enum value it added
cannot be used by them (PostgreSQL: "unsafe use of new value").

The pending migrations of a pull request are the ones it adds, in run order
(a merged migration has already run wherever the new ones will).  The
scheduler passes each added file the :class:`BatchState` the files before it
leave behind, and takes the file's own from
:func:`~migration_gate.core.rules.held_locks.state_after`; without a base
nothing says which migrations are pending, and no state is carried.

Which of a file's statements run in the batch's transaction is a fact of the
pre-pass (:attr:`~migration_gate.core.analysis.FileFacts.batch_transaction`):
the runner's transaction around the start of the file, up to a ``COMMIT`` or
``ROLLBACK`` inside the file that ends it (after which nothing carries on).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HeldLock:
    """A lock the batch's transaction holds on a table, and the statement that took it."""

    table: str
    mode: str
    path: str  # the file, as reported
    line: int
    what: str  # the statement in a few words


@dataclass(frozen=True, slots=True)
class NewEnumValue:
    """A value ``ALTER TYPE … ADD VALUE`` added in the batch's transaction (unusable until it commits)."""

    enum: str  # qualified
    label: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class BatchState:
    """What the batch's transaction carries into the next pending file."""

    runner: str  # who runs the batch, for messages: "drizzle", "Flyway (group = true)", …
    locks: tuple[HeldLock, ...] = ()
    enum_values: tuple[NewEnumValue, ...] = ()
    #: The runner refuses the whole deploy because of this file (what it says).
    refusal: str | None = None

    @property
    def phrase(self) -> str:
        return f"{self.runner} runs all pending migrations in one transaction"

    def lock_on(self, table: str) -> HeldLock | None:
        for held in self.locks:
            if held.table == table:
                return held
        return None
