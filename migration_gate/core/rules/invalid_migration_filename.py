from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule


class InvalidMigrationFilename(FileRule):
    """A `.sql` file in a migrations folder whose name fits no pattern of the layout.

    ## What it does
    Checks every SQL file's name against the configured layout. For Flyway:
    `V<version>__<description>.sql`, `R__<description>.sql`, rollbacks
    `rollback/V<version>__rollback.sql` (or Flyway's `U<version>__…`), callbacks
    such as `afterMigrate.sql`, and data under `seeds/`. For up/down layouts:
    `<version>_<name>.up.sql` / `.down.sql`, or `<version>_<name>/up.sql` /
    `down.sql`. The description must also follow
    `migrations.description_style` (default `snake_case`).

    ## Why is this bad?
    Flyway silently skips a file it cannot parse as a migration name (`v2__x.sql`,
    `V2_x.sql`): the migration never runs, and nothing fails until the code
    that needs it does.

    ## Example
    ```text
    migrations/V1__create_users.sql
    migrations/V2_add_email.sql
    ```

    ## Use instead
    ```text
    migrations/V1__create_users.sql
    migrations/V2__add_email.sql
    ```
    """

    code = "MG301"
    name = "invalid-migration-filename"
    level = Severity.ERROR
    aliases = ("invalid-filename",)
    help = "rename the file to the layout's pattern, e.g. V<version>__<description>.sql"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        problem = ctx.migration.name_problem
        if problem:
            yield self.finding(f"{ctx.migration.name}: {problem}", help=ctx.migration.name_help)
