from __future__ import annotations

from ..severity import Severity
from .base import Rule


class LockPredictionMismatch(Rule):
    """PostgreSQL took other locks, or rewrote other tables, than the static lock model predicts.

    ## What it does
    `migration-gate verify` traces every statement of a new migration: the
    locks its own backend holds afterwards (`pg_locks`, inside the
    transaction, before commit) and the tables whose data file changed
    (`pg_class.relfilenode`).  Statements that run outside a transaction
    (`CREATE INDEX CONCURRENTLY`) are watched from a second connection.  Per
    table, it compares the strongest lock mode and the rewrite flag with what
    `migration-gate check` predicts (the `locks` of each statement in the JSON
    report), and reports where they disagree.

    ## Why is this bad?
    The lock rules decide what is dangerous from that prediction.  A
    disagreement means a hazard may be missed or invented: it is a bug in
    migration-gate, and worth reporting with the statement.

    ## Example
    ```sql
    -- the model predicts ShareUpdateExclusiveLock, PostgreSQL takes AccessExclusiveLock
    ALTER TABLE orders ALTER COLUMN note SET STATISTICS 500, ALTER COLUMN total TYPE bigint;
    ```

    ## Use instead
    ```sql
    -- one statement per change keeps the prediction (and the review) simple
    ALTER TABLE orders ALTER COLUMN note SET STATISTICS 500;
    ALTER TABLE orders ALTER COLUMN total TYPE bigint;
    ```
    """

    code = "MG405"
    name = "lock-prediction-mismatch"
    level = Severity.WARNING
    produced_by = "verify"
    help = "a bug in migration-gate's lock model: please report the statement and this message"
