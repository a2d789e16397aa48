"""The lock model: for one statement, which relations it locks, in which mode,
and whether it rewrites them (a new relation file: ``relfilenode`` changes) or
scans every row while holding the lock.

It follows PostgreSQL's documentation and, where they disagree, PostgreSQL
itself (``AlterTableGetLockLevel`` in ``tablecmds.c``); the test suite runs
each statement shape of ``fixtures/locks/`` on a real server and compares the
strongest mode per table and the rewrite flag with ``pg_locks`` and
``pg_class.relfilenode``.

Facts the statement does not state come from the file and the migrations
before it (:mod:`migration_gate.earlier_schema`): the table behind an index
name (``DROP INDEX``, ``REINDEX INDEX``), and the tables a table's foreign
keys reference (``DROP TABLE`` and ``DROP CONSTRAINT`` of a foreign key lock
them too).  When no earlier migration defines the index, the entry names the
index itself.  Not predicted: what ``CASCADE`` reaches (dependent views,
tables whose foreign keys point at a dropped or truncated table).
"""

from __future__ import annotations

from . import lock_alter_table, lock_statements
from .lock_alter_table import CommandEffect as CommandEffect
from .lock_alter_table import alter_table_command as alter_table_command
from .lock_effects import Handler as Handler
from .lock_effects import LockContext as LockContext
from .lock_effects import LockEffect as LockEffect
from .lock_effects import merge as merge
from .parse import Statement


def predict_locks(statement: Statement, ctx: LockContext | None = None) -> list[LockEffect]:
    handler = _HANDLERS.get(statement.kind)
    if handler is None:
        return []
    return merge(handler(statement.node, ctx))


# --------------------------------------------------------------------------- statement kinds

#: Statement kind → its prediction (:mod:`~migration_gate.core.lock_statements`,
#: :mod:`~migration_gate.core.lock_alter_table`); other kinds take no lock the model knows of.
_HANDLERS: dict[str, Handler] = {
    "IndexStmt": lock_statements.index,
    "DropStmt": lock_statements.drop,
    "TruncateStmt": lock_statements.truncate,
    "VacuumStmt": lock_statements.vacuum,
    "ClusterStmt": lock_statements.cluster,
    "LockStmt": lock_statements.lock,
    "RefreshMatViewStmt": lock_statements.refresh,
    "ReindexStmt": lock_statements.reindex,
    "UpdateStmt": lock_statements.dml,
    "DeleteStmt": lock_statements.dml,
    "InsertStmt": lock_statements.insert,
    "SelectStmt": lock_statements.select,
    "CreateStmt": lock_statements.create_table,
    "CreateTableAsStmt": lock_statements.create_table_as,
    "ViewStmt": lock_statements.view,
    "CreateTrigStmt": lock_statements.trigger,
    "RuleStmt": lock_statements.table_ddl_access_exclusive,
    "CreatePolicyStmt": lock_statements.table_ddl_access_exclusive,
    "AlterPolicyStmt": lock_statements.table_ddl_access_exclusive,
    "CommentStmt": lock_statements.comment,
    "RenameStmt": lock_statements.rename,
    "AlterObjectSchemaStmt": lock_statements.set_schema,
    "CreateStatsStmt": lock_statements.create_stats,
    "AlterTableStmt": lock_alter_table.alter_table,
}
