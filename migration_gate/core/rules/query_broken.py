from __future__ import annotations

from ..severity import Severity
from .base import Rule


class QueryBroken(Rule):
    """An application query that planned before the migration fails after it.

    ## What it does
    `migration-gate verify` plans the queries of `verify.queries` (the
    application's important queries) with `EXPLAIN` on verify's database
    before and after each new migration.  A query that planned before the
    migration and fails after it is reported at the migration's statement
    that touched a table the query reads, with PostgreSQL's error and the
    query's file and line: a dropped or renamed column or table, a changed
    type, a missing function.  With `verify.explain_analyze: true` the
    queries also run (in a transaction that is rolled back), so errors that
    only execution finds count too.

    ## Why is this bad?
    During a deploy the previous release keeps running against the new
    schema.  A migration that breaks its queries is an outage until the new
    release is everywhere, and a rollback of the code does not help.  Change
    the schema in expand/contract steps: add the new shape, move the
    application, remove the old shape in a later release.

    ## Example
    ```sql
    -- the running release still reads users.email
    ALTER TABLE users RENAME COLUMN email TO email_address;
    ```

    ## Use instead
    ```sql
    -- expand: add the new column (and keep both in step) until no release reads the old one
    ALTER TABLE users ADD COLUMN email_address text;
    ```
    """

    code = "MG410"
    name = "query-broken"
    level = Severity.ERROR
    produced_by = "verify"
    help = (
        "keep the old shape until no running release uses it (expand/contract): add the new column or "
        "table first, move the application, drop the old one in a later migration"
    )
