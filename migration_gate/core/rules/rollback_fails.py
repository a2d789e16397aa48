from __future__ import annotations

from ..severity import Severity
from .base import Rule


class RollbackFails(Rule):
    """PostgreSQL refuses the rollback script right after its migration.

    ## What it does
    `migration-gate verify` applies each new migration and then runs its
    rollback (`rollback/V<version>__rollback.sql`, `down.sql`,
    `.down.sql`); when a statement of the rollback fails, it reports
    PostgreSQL's error at that statement.

    ## Why is this bad?
    A rollback is run when a release has already gone wrong.  Finding out
    then that it drops objects in the wrong order, or names an index that
    never existed, turns an incident into an outage.

    ## Example
    ```sql
    -- V7__add_orders_user_fk.sql
    ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id);
    -- rollback/V7__rollback.sql: the constraint has another name
    ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;
    ```

    ## Use instead
    ```sql
    -- rollback/V7__rollback.sql
    ALTER TABLE orders DROP CONSTRAINT fk_orders_user;
    ```
    """

    code = "MG402"
    name = "rollback-fails"
    level = Severity.ERROR
    produced_by = "verify"
    help = "fix the rollback so that it runs right after its migration (undo the steps in reverse order)"
