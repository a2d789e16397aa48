from __future__ import annotations

from ..severity import Severity
from .base import Rule


class ObservedLocks(Rule):
    """What PostgreSQL locked, rewrote and scanned while the migration ran.

    ## What it does
    `migration-gate verify` reports, for each statement of a new migration
    that touched a table which existed before the migration, the lock modes
    PostgreSQL granted (as `pg_locks.mode` spells them), and whether the
    table was rewritten (new `relfilenode`) or scanned.  A statement that runs
    outside a transaction is watched from a second connection (its first
    lock request per table); one whose locks could not be observed is
    reported as not traced, never as taking no lock.  The JSON report's
    `statements` carry the same observations for every table.

    ## Why is this bad?
    It is not a problem by itself: it is the evidence behind the lock rules.
    An `AccessExclusiveLock` on a large table, held while it is rewritten or
    scanned, blocks every read and write for that long.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2);
    ```

    ## Use instead
    ```sql
    -- add a new column, backfill it in batches, then switch over
    ALTER TABLE orders ADD COLUMN total_v2 numeric(12, 2);
    ```
    """

    code = "MG406"
    name = "observed-locks"
    level = Severity.INFO
    produced_by = "verify"
    help = ""
