"""What one statement says about transactions: does PostgreSQL (or Flyway) refuse it in a transaction
block, and does it set ``lock_timeout``.

The pre-pass (:mod:`migration_gate.core.analysis`) asks these of every statement in the file.
"""

from __future__ import annotations

from typing import Any

from .parse import Statement
from .sqlnodes import const_value, name_list, option_on, unwrap

#: ``TransactionStmt`` kinds that open a transaction block, and those that end one.
BEGIN_KINDS = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
END_KINDS = {
    "TRANS_STMT_COMMIT",
    "TRANS_STMT_ROLLBACK",
    "TRANS_STMT_PREPARE",
    "TRANS_STMT_COMMIT_PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED",
}


def nontransactional_reason(stmt: Statement, pg_version: int) -> str | None:
    """Why PostgreSQL refuses to run this statement in a transaction block, if it does."""
    kind, node = stmt.kind, stmt.node
    if kind == "IndexStmt" and node.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and node.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt":
        if option_on(node.get("params"), "concurrently"):
            return "REINDEX CONCURRENTLY"
        if node.get("kind") in ("REINDEX_OBJECT_SYSTEM", "REINDEX_OBJECT_DATABASE"):
            return "REINDEX SYSTEM/DATABASE"
    if kind == "VacuumStmt" and node.get("is_vacuumcmd"):
        return "VACUUM"
    if kind == "ClusterStmt" and not node.get("relation"):
        return "CLUSTER without a table"
    if kind == "AlterEnumStmt" and node.get("newVal") is not None and pg_version < 12:
        return "ALTER TYPE … ADD VALUE (before PostgreSQL 12)"
    if kind == "AlterTableStmt":
        for cmd in node.get("cmds", ()):
            sub = cmd.get("AlterTableCmd", {})
            if sub.get("subtype") == "AT_DetachPartition":
                _, partition = unwrap(sub.get("def"))
                if partition.get("concurrent"):
                    return "DETACH PARTITION CONCURRENTLY"
    return _ALWAYS_NONTRANSACTIONAL.get(kind)


_ALWAYS_NONTRANSACTIONAL = {
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "AlterSystemStmt": "ALTER SYSTEM",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
    "CreateSubscriptionStmt": None,  # only with create_slot; rare in migrations
}


def lock_timeout_change(stmt: Statement) -> tuple[bool, bool] | None:
    """``(enabled, local)`` when the statement sets ``lock_timeout``, else ``None``."""
    if stmt.kind == "VariableSetStmt" and stmt.node.get("name") == "lock_timeout":
        node = stmt.node
        if node.get("kind") != "VAR_SET_VALUE":
            return (False, bool(node.get("is_local")))
        args = node.get("args") or [None]
        return (_timeout_enabled(const_value(args[0])), bool(node.get("is_local")))
    if stmt.kind == "SelectStmt":
        for target in stmt.node.get("targetList", ()):
            kind, call = unwrap(target.get("ResTarget", {}).get("val"))
            if kind == "FuncCall" and name_list(call.get("funcname"))[-1:] == ["set_config"]:
                args = [const_value(a) for a in call.get("args", ())]
                if len(args) == 3 and args[0] == "lock_timeout":
                    return (_timeout_enabled(args[1]), bool(args[2]))
    return None


def _timeout_enabled(value: Any) -> bool:
    if value is None:
        return False
    text = str(value).strip().lower()
    return text not in ("0", "", "0ms", "0s", "0min")


def flyway_detects_nontransactional(stmt: Statement, pg_version: int) -> bool:
    """Flyway's PostgreSQL parser marks these statements non-transactional.

    Its list (``PostgreSQLParser.detectCanExecuteInTransaction``) is narrower
    than PostgreSQL's: ``REINDEX … CONCURRENTLY`` on a table or index and
    ``DETACH PARTITION … CONCURRENTLY`` are not on it, so Flyway runs them in
    a transaction, where they fail.
    """
    kind, node = stmt.kind, stmt.node
    if kind in ("IndexStmt", "DropStmt"):
        return bool(node.get("concurrent"))
    if kind == "ReindexStmt":
        return node.get("kind") in ("REINDEX_OBJECT_SCHEMA", "REINDEX_OBJECT_DATABASE", "REINDEX_OBJECT_SYSTEM")
    if kind == "VacuumStmt":
        return bool(node.get("is_vacuumcmd"))
    if kind == "AlterEnumStmt":
        return node.get("newVal") is not None and pg_version < 12
    if kind == "DiscardStmt":
        return node.get("target") == "DISCARD_ALL"
    return kind in (
        "CreatedbStmt",
        "DropdbStmt",
        "CreateTableSpaceStmt",
        "DropTableSpaceStmt",
        "CreateSubscriptionStmt",
        "DropSubscriptionStmt",
        "AlterSystemStmt",
    )
