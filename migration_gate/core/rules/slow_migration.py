from __future__ import annotations

from ..severity import Severity
from .base import Rule


class SlowMigration(Rule):
    """The migration runs longer than `verify.max_duration` on verify's database.

    ## What it does
    `migration-gate verify` measures each new migration's wall time on its
    database (the merged migrations plus the `verify.seed` data): the time
    PostgreSQL takes for the migration's statements and the runner's
    transaction, without verify's own tracing queries.  A migration slower
    than `verify.max_duration` (default 60 s) is reported at its slowest
    statement.  Every migration's time is printed on stderr (reports stay
    byte-identical from run to run); with table statistics (`--table-stats`)
    the throughput model's estimate on production sizes is shown beside it.

    ## Why is this bad?
    A deploy that runs a migration for minutes holds its locks for minutes,
    and a deploy pipeline's timeout can kill it half-way.  If it is slow on
    seed data it is slower on production data.

    ## Example
    ```sql
    UPDATE orders SET total_cents = round(total * 100);
    ```

    ## Use instead
    ```sql
    -- batches, each committed, from a background job
    UPDATE orders SET total_cents = round(total * 100) WHERE id >= 1 AND id < 5001;
    ```
    """

    code = "MG412"
    name = "slow-migration"
    level = Severity.WARNING
    produced_by = "verify"
    help = "split the work into batches (a background job for data), or move it out of the deploy"
