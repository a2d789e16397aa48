"""What migrations do to the schema, in order, and what that makes true at a given point.

The pre-pass records every statement's effect on tables, columns, indexes,
constraints and functions as *events* in a :class:`SchemaLog`, keyed by the
statement's place: its order within the file, or ``(version key, order)``
once :mod:`~migration_gate.core.earlier_schema` merges the files before it.
A :class:`SchemaView` answers questions "just before this statement": the
events of this file before it, then those of the migrations before the file.

Names are followed through renames (``ALTER TABLE a RENAME TO b``, ``RENAME
COLUMN``, ``SET SCHEMA``, ``ALTER INDEX … RENAME``): a question about ``b``
reads ``b``'s events back to the rename, then ``a``'s before it.  A question
nobody recorded anything about gets ``None`` (or an empty list), and the
callers say that the gate found no earlier definition.

The model lives in three modules along the data flow, and this one names them all:
:mod:`~migration_gate.core.schema_info` (the facts events carry), :mod:`~migration_gate.core.schema_log`
(recording statements as events) and :mod:`~migration_gate.core.schema_view` (answering from them).
"""

from __future__ import annotations

from .schema_info import CheckInfo as CheckInfo
from .schema_info import ColumnInfo as ColumnInfo
from .schema_info import FunctionInfo as FunctionInfo
from .schema_info import IndexInfo as IndexInfo
from .schema_info import Key as Key
from .schema_log import SchemaLog as SchemaLog
from .schema_log import foreign_key_name as foreign_key_name
from .schema_log import not_null_check_column as not_null_check_column
from .schema_view import Remote as Remote
from .schema_view import SchemaView as SchemaView
