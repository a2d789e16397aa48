from __future__ import annotations

from collections.abc import Iterator

from ..analysis import nontransactional_reason
from ..context import FileContext, StatementContext
from ..deploy_batch import HeldLock
from ..findings import Finding
from ..lockmodes import ACCESS_EXCLUSIVE, BLOCKS, SHARE, STRENGTH
from ..names import display_name
from ..severity import Severity
from .base import FileRule
from .held_locks import hold
from .rulekit import lock_phrase
from .unbatched_update import bounded


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
        source, facts = ctx.source, ctx.facts
        if source is None or facts is None:
            return
        path = ctx.migration.display
        held_by: dict[int, dict[str, HeldLock]] = {}  # transaction → table → the lock it holds
        if ctx.batch is not None and facts.batch_transaction is not None:
            held_by[facts.batch_transaction] = {lock.table: lock for lock in ctx.batch.locks}
        for sctx in ctx.statement_contexts:
            stmt = sctx.statement
            transaction = sctx.facts.transaction
            if transaction is None or (stmt.parent is None and stmt.kind == "TransactionStmt"):
                continue
            held = held_by.setdefault(transaction, {})
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
                    if taken.path == path:
                        where = f"taken at line {taken.line} by {taken.what}"
                    else:
                        assert ctx.batch is not None
                        where = f"taken in {taken.path} at line {taken.line} by {taken.what} ({ctx.batch.phrase})"
                    yield self.finding(
                        f"the {step[0]} of {display_name(table)} runs while this transaction still holds "
                        f"{lock_phrase(taken.mode, table)}, {where}: "
                        f"that lock {_verb(BLOCKS[taken.mode])} for the whole {step[0]}, not just a moment",
                        offset=stmt.start,
                        end_offset=stmt.end,
                        table=table,  # sized, never levelled by size: a transaction rule (see core/sizing.py)
                    )
            hold(held, sctx, path, source.position(stmt.start)[0])


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
