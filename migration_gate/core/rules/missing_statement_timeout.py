from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..parse import Statement
from ..severity import Severity
from ..sqlnodes import const_value, name_list, unwrap
from .base import FileRule
from .rulekit import effect_phrase

if TYPE_CHECKING:
    from ..context import FileContext

_ENDS = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}


class MissingStatementTimeout(FileRule):
    """A statement that scans or rewrites a table while blocking its writes runs without a `statement_timeout`.

    ## What it does
    Flags the first statement of a migration that holds a SHARE or stronger
    lock on an existing table while it reads every row or rewrites the table
    (an index build, `SET NOT NULL`, a validated constraint, a rewriting
    `ALTER`), when no `SET statement_timeout` (or `SET LOCAL
    statement_timeout` in the same transaction, or
    `set_config('statement_timeout', …)`) came before it. One finding per
    file; the message counts the other statements it covers.

    ## Why is this bad?
    `lock_timeout` bounds the wait for a lock; `statement_timeout` bounds the
    whole statement. Without it, a statement that scans or rewrites a table
    that grew larger than expected keeps the table's writes blocked for as
    long as it takes; with it, the migration fails, rolls back and releases
    the lock. A statement that only changes the catalog holds its lock for a
    moment and needs just `lock_timeout`; `CREATE INDEX CONCURRENTLY` blocks
    no writes (and leaves an INVALID index behind when cancelled).

    Level: a warning, like `missing-lock-timeout`.

    ## Example
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    SET statement_timeout = '15min';
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ```
    """

    code = "MG124"
    name = "missing-statement-timeout"
    level = Severity.WARNING
    aliases = ("require-statement-timeout", "require-timeout-settings")
    alias_notes = {
        "require-statement-timeout": "asked for before statements that scan or rewrite an existing table while "
        "blocking its writes (squawk: before any DDL, CREATE FUNCTION included); set_config('statement_timeout', …) "
        "counts",
        "require-timeout-settings": "names both timeout rules, as in squawk",
    }
    help = "set statement_timeout (or SET LOCAL inside the migration's transaction) to bound how long the lock is held"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.facts is None:
            return
        offenders: list[tuple[Statement, str]] = []
        session = local = False
        for sctx in ctx.statement_contexts:
            stmt = sctx.statement
            if stmt.parent is None and stmt.kind == "TransactionStmt" and stmt.node.get("kind") in _ENDS:
                local = False
            change = statement_timeout_change(stmt)
            if change is not None:
                enabled, is_local = change
                if is_local:
                    local = enabled and sctx.in_transaction
                else:
                    session, local = enabled, local and enabled
            if session or local:
                continue
            blocking = [
                e for e in sctx.locks if e.blocks_writes and (e.scan or e.rewrite) and not sctx.is_new_table(e.table)
            ]
            if blocking:
                offenders.append((stmt, effect_phrase(blocking[0])))
        if not offenders:
            return
        stmt, phrase = offenders[0]
        top = stmt.parent or stmt
        more = len(offenders) - 1
        tail = f"; {more} more statement{'s' * (more != 1)} in this file too" if more else ""
        yield self.finding(
            f"no statement_timeout is set before this statement, which holds {phrase} for as long as it runs{tail}",
            offset=top.start,
            end_offset=top.end,
        )


def statement_timeout_change(stmt: Statement) -> tuple[bool, bool] | None:
    """``(enabled, local)`` when the statement sets ``statement_timeout``, else ``None``."""
    if stmt.kind == "VariableSetStmt" and stmt.node.get("name") == "statement_timeout":
        node = stmt.node
        if node.get("kind") != "VAR_SET_VALUE":
            return (False, bool(node.get("is_local")))
        args = node.get("args") or [None]
        return (_enabled(const_value(args[0])), bool(node.get("is_local")))
    if stmt.kind == "SelectStmt":
        for target in stmt.node.get("targetList", ()):
            kind, call = unwrap(target.get("ResTarget", {}).get("val"))
            if kind == "FuncCall" and name_list(call.get("funcname"))[-1:] == ["set_config"]:
                args = [const_value(a) for a in call.get("args", ())]
                if len(args) == 3 and args[0] == "statement_timeout":
                    return (_enabled(args[1]), bool(args[2]))
    return None


def _enabled(value: object) -> bool:
    if value is None:
        return False
    return str(value).strip().lower() not in ("0", "", "0ms", "0s", "0min")
