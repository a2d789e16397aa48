from __future__ import annotations

from ..severity import Severity
from .base import Rule


class ReapplyFails(Rule):
    """The migration cannot be applied again after its rollback.

    ## What it does
    `migration-gate verify` applies each new migration, runs its rollback,
    and applies the migration once more: it must succeed and give the same
    schema as the first time.  A migration without a rollback cannot be
    checked this way: `rollback-not-verified` says so.

    ## Why is this bad?
    Roll back, fix forward, deploy again is the everyday recovery path.  A
    migration that fails the second time (an object the rollback left
    behind, a `CREATE TYPE` whose type was never dropped) blocks it.

    ## Example
    ```sql
    -- V12__add_status_type.sql
    CREATE TYPE order_status AS ENUM ('pending', 'paid');
    -- rollback/V12__rollback.sql: leaves the type behind
    SELECT 1;
    ```

    ## Use instead
    ```sql
    -- rollback/V12__rollback.sql
    DROP TYPE order_status;
    ```
    """

    code = "MG404"
    name = "reapply-fails"
    level = Severity.ERROR
    produced_by = "verify"
    help = "make the rollback restore the starting schema so that the migration applies again"
