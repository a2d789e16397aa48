"""The deploy batches of a change set: the pending migrations a runner deploys in one transaction, and what
that transaction carries from one pending file into the next (:class:`~migration_gate.core.deploy_batch.BatchState`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..core.config import Config
from ..core.deploy_batch import BatchState
from ..core.load import LoadedFile, batch_runner, load_file, without_runner_transaction
from ..core.migration import MigrationFile
from ..discovery import absolute_key


class DeployBatches:
    """The pending (added) migrations of each folder whose runner deploys them in one transaction.

    Flyway with ``group = true`` runs the group in a transaction only when every pending migration
    can run in one: with ``mixed = false`` it refuses a group that has both kinds, with ``mixed = true``
    it runs the whole group without one (``DbMigrate.isExecuteGroupInTransaction``).  Deciding that
    needs the pre-pass of every pending file of the folder first, so those files are loaded before
    the run and analysed from what was loaded (each is still parsed once).
    """

    def __init__(self, pending: list[MigrationFile], config: Config, contents: Mapping[str, bytes]) -> None:
        self.states: dict[Path, BatchState] = {}
        self.loaded: dict[Path, LoadedFile] = {}
        self._pending = {m.path for m in pending}
        self._refusals: dict[Path, str] = {}
        runners: dict[Path, str | None] = {}
        for migration in pending:
            if migration.location not in runners:
                runners[migration.location] = batch_runner(migration, config)
        for location, runner in sorted(runners.items()):
            if runner is None:
                continue
            group = [m for m in pending if m.location == location]
            if runner.startswith("Flyway") and not self._flyway_group(location, group, config, contents):
                continue
            self.states[location] = BatchState(runner)

    def _flyway_group(
        self, location: Path, group: list[MigrationFile], config: Config, contents: Mapping[str, bytes]
    ) -> bool:
        """Whether Flyway runs this group in one transaction (a refusal is noted on the offending file)."""
        wraps: list[tuple[MigrationFile, bool]] = []
        for migration in group:
            loaded = load_file(migration, config, contents.get(absolute_key(migration.path)))
            self.loaded[migration.path] = loaded
            if loaded.facts is not None:
                wraps.append((migration, loaded.facts.runner_wraps))
        if not wraps or all(w for _, w in wraps):
            return bool(wraps)
        first = wraps[0][1]
        offending = next((m for m, w in wraps if w != first), None)
        if not config.settings_for(location).mixed:
            if offending is not None:
                self._refusals[offending.path] = (
                    "Flyway (group = true) refuses the deploy: \"Detected both transactional and "
                    "non-transactional migrations within the same migration group (even though mixed is false)\", "
                    f"first offending migration: {offending.display}"
                )
            return False
        reason = "Flyway runs the group without a transaction (group = true, mixed = true, and a pending migration "
        reason += "cannot run in one)"
        for migration, _ in wraps:
            without_runner_transaction(self.loaded[migration.path], config, reason)
        return False

    def state_for(self, migration: MigrationFile) -> BatchState | None:
        """What the batch carries into this file (``None``: the file is not a pending file of a batch)."""
        refusal = self._refusals.get(migration.path)
        if refusal is not None:
            return BatchState("Flyway (group = true)", refusal=refusal)
        if migration.path not in self._pending:
            return None
        return self.states.get(migration.location)

    def carry(self, migration: MigrationFile, after: BatchState | None) -> None:
        state = self.states.get(migration.location)
        if state is not None:  # a COMMIT in the file ended the batch's transaction: nothing carries on
            self.states[migration.location] = after or BatchState(state.runner)
