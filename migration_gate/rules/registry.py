"""The one explicit list of rules, and lookup by code, name or alias."""

from __future__ import annotations

from .base import Rule
from .duplicate_migration_version import DuplicateMigrationVersion
from .invalid_migration_filename import InvalidMigrationFilename
from .missing_migration_header import MissingMigrationHeader
from .missing_rollback import MissingRollback
from .modified_merged_migration import ModifiedMergedMigration
from .modified_merged_rollback import ModifiedMergedRollback
from .non_idempotent_repeatable import NonIdempotentRepeatable
from .orphan_rollback import OrphanRollback
from .out_of_order_migration_version import OutOfOrderMigrationVersion
from .rollback_collides_with_migration import RollbackCollidesWithMigration
from .syntax_error import SyntaxError_
from .undefined_placeholder import UndefinedPlaceholder
from .unreadable_file import UnreadableFile
from .unused_ignore import UnusedIgnore

ALL_RULES: tuple[type[Rule], ...] = (
    SyntaxError_,
    UnreadableFile,
    UnusedIgnore,
    UndefinedPlaceholder,
    InvalidMigrationFilename,
    DuplicateMigrationVersion,
    MissingRollback,
    OrphanRollback,
    MissingMigrationHeader,
    ModifiedMergedMigration,
    ModifiedMergedRollback,
    OutOfOrderMigrationVersion,
    NonIdempotentRepeatable,
    RollbackCollidesWithMigration,
)

_BY_KEY: dict[str, type[Rule]] = {}
for _rule in ALL_RULES:
    for _key in (_rule.code, _rule.name, *_rule.aliases):
        _BY_KEY[_key.lower()] = _rule


def lookup(key: str) -> type[Rule] | None:
    """A rule by code (``MG101``), name or alias, case-insensitively."""
    return _BY_KEY.get(key.strip().lower())


def sorted_rules() -> list[type[Rule]]:
    return sorted(ALL_RULES, key=lambda r: r.code)
