from __future__ import annotations

from ..severity import Severity
from .base import Rule


class RollbackNotVerified(Rule):
    """The migration has no rollback, so verify could not check its round trip.

    ## What it does
    `migration-gate verify` applies each new migration, runs its rollback and
    applies the migration again (`rollback-fails`, `rollback-incomplete` and
    `reapply-fails` report what goes wrong).  A migration without a rollback
    is still applied and checked, but the round trip cannot be: this info
    finding says so, so that a clean verify run is not read as "the rollback
    works".  `missing-rollback` reports the missing file itself.

    ## Why is this bad?
    It is not a failure: it is a gap in what verify could prove.  The first
    time anybody learns whether the migration can be undone is during an
    incident.

    ## Example
    ```sql
    -- V12__add_status_index.sql, with no rollback/V12__rollback.sql
    CREATE INDEX CONCURRENTLY idx_orders_status ON orders (status);
    ```

    ## Use instead
    ```sql
    -- rollback/V12__rollback.sql
    DROP INDEX CONCURRENTLY IF EXISTS idx_orders_status;
    ```
    """

    code = "MG407"
    name = "rollback-not-verified"
    level = Severity.INFO
    produced_by = "verify"
    help = "add the rollback script; verify then runs it and applies the migration again"
