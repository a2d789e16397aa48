"""The one explicit list of rules, and lookup by code, name or alias."""

from __future__ import annotations

from .add_column_not_null_without_default import AddColumnNotNullWithoutDefault
from .add_column_rewrites_table import AddColumnRewritesTable
from .added_column import AddedColumn
from .base import Rule
from .blocking_maintenance_operation import BlockingMaintenanceOperation
from .char_column import CharColumn
from .check_constraint_without_not_valid import CheckConstraintWithoutNotValid
from .column_type_change_rewrites_table import ColumnTypeChangeRewritesTable
from .composite_attribute_added import CompositeAttributeAdded
from .default_changed import DefaultChanged
from .domain_constraint_validation import DomainConstraintValidation
from .domain_with_constraint import DomainWithConstraint
from .dropped_column import DroppedColumn
from .dropped_constraint import DroppedConstraint
from .dropped_database import DroppedDatabase
from .dropped_default import DroppedDefault
from .dropped_generated_expression import DroppedGeneratedExpression
from .dropped_not_null import DroppedNotNull
from .dropped_object import DroppedObject
from .dropped_table import DroppedTable
from .duplicate_column_assignment import DuplicateColumnAssignment
from .duplicate_migration_version import DuplicateMigrationVersion
from .empty_migration import EmptyMigration
from .enum_type_created import EnumTypeCreated
from .enum_value_added import EnumValueAdded
from .enum_value_used_before_commit import EnumValueUsedBeforeCommit
from .enum_value_without_position import EnumValueWithoutPosition
from .exclusion_constraint_builds_index import ExclusionConstraintBuildsIndex
from .extension_changed import ExtensionChanged
from .foreign_key_without_not_valid import ForeignKeyWithoutNotValid
from .generated_expression_changed import GeneratedExpressionChanged
from .identifier_too_long import IdentifierTooLong
from .identity_changed import IdentityChanged
from .int_primary_key import IntPrimaryKey
from .integer_column import IntegerColumn
from .invalid_migration_filename import InvalidMigrationFilename
from .json_column import JsonColumn
from .lock_prediction_mismatch import LockPredictionMismatch
from .long_operation_under_held_lock import LongOperationUnderHeldLock
from .migration_fails import MigrationFails
from .migration_not_atomic import MigrationNotAtomic
from .missing_lock_timeout import MissingLockTimeout
from .missing_migration_header import MissingMigrationHeader
from .missing_rollback import MissingRollback
from .missing_statement_timeout import MissingStatementTimeout
from .mixed_transactional_statements import MixedTransactionalStatements
from .modified_merged_migration import ModifiedMergedMigration
from .modified_merged_rollback import ModifiedMergedRollback
from .moved_to_schema import MovedToSchema
from .new_write_restriction import NewWriteRestriction
from .non_concurrent_index_creation import NonConcurrentIndexCreation
from .non_concurrent_index_drop import NonConcurrentIndexDrop
from .non_concurrent_partition_detach import NonConcurrentPartitionDetach
from .non_concurrent_reindex import NonConcurrentReindex
from .non_idempotent_repeatable import NonIdempotentRepeatable
from .non_idempotent_statement import NonIdempotentStatement
from .non_transactional_statement_in_transaction import NonTransactionalStatementInTransaction
from .observed_locks import ObservedLocks
from .options_changed import OptionsChanged
from .orphan_rollback import OrphanRollback
from .out_of_order_migration_version import OutOfOrderMigrationVersion
from .partition_detached import PartitionDetached
from .policy_changed import PolicyChanged
from .privilege_removed import PrivilegeRemoved
from .psql_meta_command import PsqlMetaCommand
from .query_broken import QueryBroken
from .query_plan_regression import QueryPlanRegression
from .reapply_fails import ReapplyFails
from .renamed_column import RenamedColumn
from .renamed_object import RenamedObject
from .renamed_table import RenamedTable
from .repeated_alter_table import RepeatedAlterTable
from .replaced_definition import ReplacedDefinition
from .replication_changed import ReplicationChanged
from .rollback_collides_with_migration import RollbackCollidesWithMigration
from .rollback_fails import RollbackFails
from .rollback_incomplete import RollbackIncomplete
from .rollback_not_verified import RollbackNotVerified
from .row_level_security_changed import RowLevelSecurityChanged
from .sequence_values_changed import SequenceValuesChanged
from .serial_column import SerialColumn
from .set_not_null_on_existing_column import SetNotNullOnExistingColumn
from .slow_migration import SlowMigration
from .syntax_error import SyntaxError_
from .timestamp_without_time_zone import TimestampWithoutTimeZone
from .trigger_firing_changed import TriggerFiringChanged
from .truncate_cascade import TruncateCascade
from .unbatched_update import UnbatchedUpdate
from .undefined_placeholder import UndefinedPlaceholder
from .unique_constraint_builds_index import UniqueConstraintBuildsIndex
from .unqualified_table_name import UnqualifiedTableName
from .unreadable_file import UnreadableFile
from .unused_ignore import UnusedIgnore
from .varchar_length_limit import VarcharLengthLimit

ALL_RULES: tuple[type[Rule], ...] = (
    SyntaxError_,
    UnreadableFile,
    UnusedIgnore,
    UndefinedPlaceholder,
    PsqlMetaCommand,
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
    EnumValueUsedBeforeCommit,
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
    TruncateCascade,
    NonConcurrentPartitionDetach,
    DomainConstraintValidation,
    ExclusionConstraintBuildsIndex,
    MissingStatementTimeout,
    RepeatedAlterTable,
    NonIdempotentStatement,
    IntegerColumn,
    CharColumn,
    JsonColumn,
    EnumTypeCreated,
    DomainWithConstraint,
    EnumValueWithoutPosition,
    UnqualifiedTableName,
    DroppedObject,
    DroppedConstraint,
    DroppedDefault,
    DroppedNotNull,
    DroppedGeneratedExpression,
    DroppedDatabase,
    RenamedObject,
    MovedToSchema,
    IdentityChanged,
    GeneratedExpressionChanged,
    DefaultChanged,
    AddedColumn,
    EnumValueAdded,
    CompositeAttributeAdded,
    NewWriteRestriction,
    SequenceValuesChanged,
    PartitionDetached,
    TriggerFiringChanged,
    RowLevelSecurityChanged,
    PolicyChanged,
    PrivilegeRemoved,
    ReplicationChanged,
    ReplacedDefinition,
    OptionsChanged,
    ExtensionChanged,
    DuplicateColumnAssignment,
    IdentifierTooLong,
    QueryBroken,
    QueryPlanRegression,
    SlowMigration,
)

#: code or name → its rule; alias → every rule that declares it (an alias may name several).
_BY_NAME: dict[str, type[Rule]] = {}
_BY_ALIAS: dict[str, tuple[type[Rule], ...]] = {}
for _rule in ALL_RULES:
    _BY_NAME[_rule.code.lower()] = _BY_NAME[_rule.name.lower()] = _rule
    for _alias in _rule.aliases:
        _BY_ALIAS[_alias.lower()] = (*_BY_ALIAS.get(_alias.lower(), ()), _rule)


def lookup(key: str) -> type[Rule] | None:
    """A rule by code (``MG101``), name or alias, case-insensitively (an alias: its first rule)."""
    found = lookup_all(key)
    return found[0] if found else None


def lookup_all(key: str) -> tuple[type[Rule], ...]:
    """Every rule a code, name or alias names (empty when none does), case-insensitively."""
    key = key.strip().lower()
    rule = _BY_NAME.get(key)
    return (rule,) if rule is not None else _BY_ALIAS.get(key, ())


def is_alias(key: str) -> bool:
    """``key`` names rules by an alias rather than by their own code or name."""
    key = key.strip().lower()
    return key not in _BY_NAME and key in _BY_ALIAS


def aliases() -> dict[str, tuple[type[Rule], ...]]:
    """Every alias (as declared) and the rules it names, sorted by alias."""
    named: dict[str, tuple[type[Rule], ...]] = {}
    for rule in ALL_RULES:
        for alias in rule.aliases:
            named[alias] = (*named.get(alias, ()), rule)
    return dict(sorted(named.items()))


def rule_keys() -> list[str]:
    """Every rule's name and aliases (what a configuration or a comment may call it)."""
    return sorted({key for rule in ALL_RULES for key in (rule.name, *rule.aliases)})


def sorted_rules() -> list[type[Rule]]:
    return sorted(ALL_RULES, key=lambda r: r.code)
