from __future__ import annotations

from ..severity import Severity
from .base import Rule


class RollbackIncomplete(Rule):
    """The rollback runs, but does not restore the schema the migration started from.

    ## What it does
    `migration-gate verify` reads the schema from PostgreSQL's catalogs before
    a new migration (tables, columns with their types, defaults and
    nullability, constraints and their validity, indexes and their
    definitions, views, functions, sequences, types and enum values,
    triggers, extensions), applies the migration, runs its rollback, and
    reads the schema again.  Every difference is one finding, in words:
    `index idx_orders_pending still exists`, `column users.preferences: NOT
    NULL not restored`.  Column order, owners, privileges, comments and data
    are not compared.

    ## Why is this bad?
    After an incomplete rollback the database is in a state that no version
    of the application was written for, and re-running the migration fails
    (`relation "idx_orders_pending" already exists`) or, worse, silently
    skips what `IF NOT EXISTS` finds.

    ## Example
    ```sql
    -- V9__add_pending_index.sql
    CREATE INDEX idx_orders_pending ON orders (created_at) WHERE status = 'pending';
    ALTER TABLE users ALTER COLUMN preferences DROP NOT NULL;
    -- rollback/V9__rollback.sql: forgets both
    SELECT 1;
    ```

    ## Use instead
    ```sql
    -- rollback/V9__rollback.sql
    ALTER TABLE users ALTER COLUMN preferences SET NOT NULL;
    DROP INDEX idx_orders_pending;
    ```
    """

    code = "MG403"
    name = "rollback-incomplete"
    level = Severity.ERROR
    produced_by = "verify"
    help = "make the rollback undo every change of its migration, in reverse order"
