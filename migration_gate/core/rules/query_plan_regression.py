from __future__ import annotations

from ..severity import Severity
from .base import Rule


class QueryPlanRegression(Rule):
    """An application query gets a worse plan after the migration.

    ## What it does
    `migration-gate verify` plans the queries of `verify.queries` with
    `EXPLAIN (FORMAT JSON)` on verify's database (with the `verify.seed`
    data, after `ANALYZE`) before and after each new migration, and reports
    a query that used an index which is now gone, that read a table through
    an index and now scans it sequentially, or whose estimated cost grew more
    than `verify.cost_ratio` (default 10×).  The message shows the key nodes
    of both plans (the scans, with their indexes and the total cost).

    ## Why is this bad?
    A query that turns from an index lookup into a sequential scan is slow
    in proportion to the table: on production sizes one such query can
    saturate the database.  The seed data is small, so the planner's choice
    on it is a hint, not a measurement; an index the query used being gone
    is a fact.

    ## Example
    ```sql
    -- the application looks orders up by user_id
    DROP INDEX idx_orders_user_id;
    ```

    ## Use instead
    ```sql
    -- keep the index while a query needs it; replace it first if it must change
    CREATE INDEX CONCURRENTLY idx_orders_user_id_created ON orders (user_id, created_at);
    ```
    """

    code = "MG411"
    name = "query-plan-regression"
    level = Severity.WARNING
    produced_by = "verify"
    help = (
        "keep (or first replace) the index the query needs; check the plan with EXPLAIN on "
        "production-like data before merging"
    )
