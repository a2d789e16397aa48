"""The one explicit list of rules, and lookup by code, name or alias."""

from __future__ import annotations

from .add_column_not_null_without_default import AddColumnNotNullWithoutDefault
from .add_column_rewrites_table import AddColumnRewritesTable
from .base import Rule
from .blocking_maintenance_operation import BlockingMaintenanceOperation
from .check_constraint_without_not_valid import CheckConstraintWithoutNotValid
from .column_type_change_rewrites_table import ColumnTypeChangeRewritesTable
from .dropped_column import DroppedColumn
from .dropped_table import DroppedTable
from .duplicate_migration_version import DuplicateMigrationVersion
from .empty_migration import EmptyMigration
from .foreign_key_without_not_valid import ForeignKeyWithoutNotValid
from .int_primary_key import IntPrimaryKey
from .invalid_migration_filename import InvalidMigrationFilename
from .lock_prediction_mismatch import LockPredictionMismatch
from .long_operation_under_held_lock import LongOperationUnderHeldLock
from .migration_fails import MigrationFails
from .migration_not_atomic import MigrationNotAtomic
from .missing_lock_timeout import MissingLockTimeout
from .missing_migration_header import MissingMigrationHeader
from .missing_rollback import MissingRollback
from .mixed_transactional_statements import MixedTransactionalStatements
from .modified_merged_migration import ModifiedMergedMigration
from .modified_merged_rollback import ModifiedMergedRollback
from .non_concurrent_index_creation import NonConcurrentIndexCreation
from .non_concurrent_index_drop import NonConcurrentIndexDrop
from .non_concurrent_reindex import NonConcurrentReindex
from .non_idempotent_repeatable import NonIdempotentRepeatable
from .non_transactional_statement_in_transaction import NonTransactionalStatementInTransaction
from .observed_locks import ObservedLocks
from .orphan_rollback import OrphanRollback
from .out_of_order_migration_version import OutOfOrderMigrationVersion
from .query_broken import QueryBroken
from .query_plan_regression import QueryPlanRegression
from .reapply_fails import ReapplyFails
from .renamed_column import RenamedColumn
from .renamed_table import RenamedTable
from .rollback_collides_with_migration import RollbackCollidesWithMigration
from .rollback_fails import RollbackFails
from .rollback_incomplete import RollbackIncomplete
from .rollback_not_verified import RollbackNotVerified
from .serial_column import SerialColumn
from .set_not_null_on_existing_column import SetNotNullOnExistingColumn
from .slow_migration import SlowMigration
from .syntax_error import SyntaxError_
from .timestamp_without_time_zone import TimestampWithoutTimeZone
from .unbatched_update import UnbatchedUpdate
from .undefined_placeholder import UndefinedPlaceholder
from .unique_constraint_builds_index import UniqueConstraintBuildsIndex
from .unreadable_file import UnreadableFile
from .unused_ignore import UnusedIgnore
from .varchar_length_limit import VarcharLengthLimit

ALL_RULES: tuple[type[Rule], ...] = (
    SyntaxError_,
    UnreadableFile,
    UnusedIgnore,
    UndefinedPlaceholder,
    NonConcurrentIndexCreation,
    NonConcurrentIndexDrop,
    NonConcurrentReindex,
    NonTransactionalStatementInTransaction,
    MixedTransactionalStatements,
    MigrationNotAtomic,
    SetNotNullOnExistingColumn,
    AddColumnRewritesTable,
    AddColumnNotNullWithoutDefault,
    ColumnTypeChangeRewritesTable,
    ForeignKeyWithoutNotValid,
    CheckConstraintWithoutNotValid,
    UniqueConstraintBuildsIndex,
    BlockingMaintenanceOperation,
    MissingLockTimeout,
    LongOperationUnderHeldLock,
    RenamedColumn,
    RenamedTable,
    DroppedColumn,
    DroppedTable,
    UnbatchedUpdate,
    InvalidMigrationFilename,
    DuplicateMigrationVersion,
    MissingRollback,
    OrphanRollback,
    MissingMigrationHeader,
    EmptyMigration,
    ModifiedMergedMigration,
    ModifiedMergedRollback,
    OutOfOrderMigrationVersion,
    NonIdempotentRepeatable,
    RollbackCollidesWithMigration,
    IntPrimaryKey,
    VarcharLengthLimit,
    TimestampWithoutTimeZone,
    SerialColumn,
    MigrationFails,
    RollbackFails,
    RollbackIncomplete,
    ReapplyFails,
    RollbackNotVerified,
    LockPredictionMismatch,
    ObservedLocks,
    QueryBroken,
    QueryPlanRegression,
    SlowMigration,
)

_BY_KEY: dict[str, type[Rule]] = {}
for _rule in ALL_RULES:
    for _key in (_rule.code, _rule.name, *_rule.aliases):
        _BY_KEY[_key.lower()] = _rule


def lookup(key: str) -> type[Rule] | None:
    """A rule by code (``MG101``), name or alias, case-insensitively."""
    return _BY_KEY.get(key.strip().lower())


def rule_keys() -> list[str]:
    """Every rule's name and aliases (what a configuration or a comment may call it)."""
    return sorted({key for rule in ALL_RULES for key in (rule.name, *rule.aliases)})


def sorted_rules() -> list[type[Rule]]:
    return sorted(ALL_RULES, key=lambda r: r.code)
