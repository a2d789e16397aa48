from __future__ import annotations

from ..severity import Severity
from .base import Rule


class MigrationFails(Rule):
    """PostgreSQL refuses the migration.

    ## What it does
    `migration-gate verify` applies the migration to a throwaway PostgreSQL
    database that holds the merged migrations (and the configured seed data),
    statement by statement, in the runner's transaction mode.  When a statement
    fails, it reports PostgreSQL's error at that statement, and what the
    failure left behind: nothing when the runner's transaction rolled it back,
    the changes of the statements before it when they ran without one.

    ## Why is this bad?
    A migration that fails in CI fails in production too, often half-way: a
    file that runs without a transaction (or with several) leaves the schema
    in a state nobody planned for, and the deploy is stuck until someone
    repairs it by hand.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    -- the column is called email, not mail:
    CREATE UNIQUE INDEX idx_users_mail ON users (mail);
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    CREATE UNIQUE INDEX idx_users_email ON users (email);
    ```
    """

    code = "MG401"
    name = "migration-fails"
    level = Severity.ERROR
    produced_by = "verify"
    help = "run the migration against a copy of the schema and fix the statement PostgreSQL rejects"
