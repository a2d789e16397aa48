from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..analysis import nontransactional_reason
from ..context import FileContext, StatementContext
from ..findings import Finding
from ..lockmodes import ACCESS_EXCLUSIVE, BLOCKS, SHARE, STRENGTH
from ..names import display_name
from ..severity import Severity
from .base import FileRule
from .rulekit import lock_phrase
from .unbatched_update import bounded

_END = {
    "TRANS_STMT_COMMIT",
    "TRANS_STMT_ROLLBACK",
    "TRANS_STMT_PREPARE",
    "TRANS_STMT_COMMIT_PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED",
}


@dataclass(frozen=True, slots=True)
class _Held:
    mode: str
    line: int
    what: str  # the statement that took it, in a few words


class LongOperationUnderHeldLock(FileRule):
    """A long step (scan, rewrite, index build, backfill) runs while the transaction still holds a stronger lock.

    ## What it does
    Follows each transaction of the migration (its own `BEGIN … COMMIT`, or the
    one the runner wraps the file in) and flags a statement that reads or writes
    a whole table (a validation scan, a rewrite, an index build, a backfill
    `UPDATE` or `DELETE`) on a table the transaction already holds a lock on,
    taken by an earlier statement, that stops more of the application's traffic
    than the long step's own lock: reads (ACCESS EXCLUSIVE) or writes (SHARE and
    stronger). The message names both statements, the lock and what it blocks.

    ## Why is this bad?
    PostgreSQL holds every lock until the transaction ends. `ADD CONSTRAINT … NOT
    VALID` followed by `VALIDATE CONSTRAINT` in the same transaction scans the
    table while the `ADD`'s lock (SHARE ROW EXCLUSIVE for a foreign key, ACCESS
    EXCLUSIVE for a CHECK) is still held, so `NOT VALID` buys nothing; an
    `ADD COLUMN` (ACCESS EXCLUSIVE) followed by a backfill `UPDATE` blocks every
    read of the table for the whole backfill. Verified on PostgreSQL 15: the
    locks of the first statement stay in `pg_locks` during the second.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
        FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;  -- a short lock
    ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
        FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
    COMMIT;
    BEGIN;  -- the scan, under SHARE UPDATE EXCLUSIVE only
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
    COMMIT;
    ```

    With a runner that wraps each file in a transaction, put the two in separate migration files.
    """

    code = "MG150"
    name = "long-operation-under-held-lock"
    level = Severity.ERROR
    aliases = ("constraint-missing-not-valid",)
    alias_notes = {
        "constraint-missing-not-valid": "the second half of squawk's rule (VALIDATE in the transaction of its ADD … "
        "NOT VALID), and any other long step under a stronger lock held from earlier in the transaction",
    }
    example_config = {"transaction": "explicit"}
    help = (
        "split the migration: end the transaction after the statement that took the lock, and run the long step "
        "in its own transaction (with a runner that wraps each file in a transaction: a separate migration file)"
    )

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        held: dict[str, _Held] = {}
        source = ctx.source
        if source is None:
            return
        for sctx in ctx.statement_contexts:
            stmt = sctx.statement
            if stmt.parent is None and stmt.kind == "TransactionStmt":
                if stmt.node.get("kind") in _END:
                    held = {}
                continue
            if not sctx.in_transaction:
                held = {}
                continue
            step = _long_step(sctx)
            if step is not None:
                effects = {e.table: e for e in sctx.locks}
                for table in sorted(step[1]):
                    taken = held.get(table)
                    own = effects.get(table)
                    if taken is None or sctx.is_new_table(table):
                        continue
                    if _traffic(taken.mode) <= _traffic(own.mode if own is not None else None):
                        continue  # the long step blocks as much on its own: holding the lock adds nothing
                    yield self.finding(
                        f"the {step[0]} of {display_name(table)} runs while this transaction still holds "
                        f"{lock_phrase(taken.mode, table)}, taken at line {taken.line} by {taken.what}: "
                        f"that lock {_verb(BLOCKS[taken.mode])} for the whole {step[0]}, not just a moment",
                        offset=stmt.start,
                        end_offset=stmt.end,
                        table=table,  # sized, never levelled by size: a transaction rule (see core/sizing.py)
                    )
            line = source.position(stmt.start)[0]
            for effect in sctx.locks:
                if effect.index:
                    continue
                previous = held.get(effect.table)
                if previous is None or STRENGTH[effect.mode] > STRENGTH[previous.mode]:
                    held[effect.table] = _Held(effect.mode, line, _describe(sctx))


def _long_step(sctx: StatementContext) -> tuple[str, set[str]] | None:
    """(what the long step is, the tables it works through), or None for a short statement."""
    stmt = sctx.statement
    kind, node = stmt.kind, stmt.node
    if nontransactional_reason(stmt, sctx.pg_version) is not None:
        return None  # refused in a transaction block: non-transactional-statement-in-transaction says so
    if kind in ("UpdateStmt", "DeleteStmt"):
        where = node.get("whereClause")
        if where is not None and bounded(where):
            return None
        effects = [e for e in sctx.locks if e.mode == "RowExclusiveLock"]
        return ("backfill" if kind == "UpdateStmt" else "delete"), {e.table for e in effects}
    if kind == "InsertStmt" and node.get("selectStmt") and sctx.locks:
        return "copy", {e.table for e in sctx.locks}
    rewritten = {e.table for e in sctx.locks if e.rewrite and not e.index}
    if rewritten:
        return "rewrite", rewritten
    scanned = {e.table for e in sctx.locks if e.scan and not e.index}
    if scanned:
        what = "index build" if kind == "IndexStmt" else "scan"
        if kind == "AlterTableStmt" and any(
            (cmd.get("AlterTableCmd") or {}).get("subtype") == "AT_ValidateConstraint" for cmd in node.get("cmds", ())
        ):
            what = "validation scan"
        return what, scanned
    return None


def _traffic(mode: str | None) -> int:
    """What of the application's traffic a lock stops: 2 reads and writes, 1 writes, 0 neither."""
    if mode is None:
        return 0
    if mode == ACCESS_EXCLUSIVE:
        return 2
    return 1 if STRENGTH[mode] >= STRENGTH[SHARE] else 0


def _verb(blocks: str) -> str:
    """What a lock blocks, without the part it lets through: ``blocks writes; reads continue`` → ``blocks writes``."""
    return blocks.split(";")[0]


def _describe(sctx: StatementContext) -> str:
    """A statement in a few words, for the message."""
    stmt = sctx.statement
    words = stmt.text.split()
    head = " ".join(words[:6])
    return f"`{head}{' …' if len(words) > 6 else ''}`"
