"""The database ``verify`` applies migrations to: its session, schema snapshots, and the checkpoint copy
(``CREATE DATABASE … TEMPLATE``) it is rebuilt from when a rollback leaves it in a state nobody has.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.config import Config
from ..core.migration import MigrationFile
from .catalog import Snapshot, take_snapshot
from .recorder import Recorder
from .runner import FileRun, PreparedFile, Session, prepare, run_file


@dataclass(slots=True)
class Checkpoint:
    database: str
    applied: int  # how many new migrations it holds


class WorkDatabase:
    """The working database and the one session migrations run on."""

    def __init__(self, workspace, config: Config, out: Recorder):
        self.ws = workspace
        self.config = config
        self.out = out
        self.work: str | None = None
        self.session: Session | None = None
        self.checkpoint: Checkpoint | None = None

    def create(self) -> None:
        """Create the working database and open a session on it."""
        self.work = self.ws.create()
        self.open_session()

    def open_session(self) -> None:
        name = self.work
        self.session = Session(lambda: self.ws.connect(name))

    def close_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def live(self) -> Session:
        """The open session (verification opens one before it runs anything)."""
        assert self.session is not None
        return self.session

    def snapshot(self) -> Snapshot:
        return take_snapshot(self.live().conn)

    def run(
        self, migration: MigrationFile, prepared: PreparedFile | None = None, *, trace: bool = False
    ) -> tuple[PreparedFile, FileRun]:
        if prepared is None:
            prepared = prepare(migration, self.config)
        self.out.file(migration, prepared)
        return prepared, run_file(self.live(), prepared, trace=trace, pg_version=self.config.pg_version)

    def take_checkpoint(self, applied: int) -> None:
        self.close_session()
        copy = self.ws.copy(self.work)
        if self.checkpoint is not None:
            self.ws.drop(self.checkpoint.database)
        self.checkpoint = Checkpoint(copy, applied)
        self.open_session()

    def restore(self) -> int:
        """Replace the working database with a copy of the checkpoint; returns how many new migrations it holds."""
        assert self.checkpoint is not None  # taken after the base
        self.close_session()
        self.ws.drop(self.work)
        self.work = self.ws.copy(self.checkpoint.database)
        self.open_session()
        return self.checkpoint.applied
