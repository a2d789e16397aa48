from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule

_FIELD = re.compile(r"^\s*(?:--+|/?\*+)?\s*(Description|Rollback)\s*:\s*(\S.*)?$", re.M | re.I)


class MissingMigrationHeader(FileRule):
    """A versioned migration lacks the header with `Description:` and `Rollback:` lines.

    ## What it does
    Looks at the comments before the first statement of each versioned
    migration for a `Description:` line and a `Rollback:` line (naming the
    rollback script), as in the team's migration template. Off in the
    `recommended` preset, an error in `strict`.

    ## Why is this bad?
    Reviewers and on-call engineers read the header to learn what a migration
    does and how to undo it without opening five files.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN IF NOT EXISTS preferences jsonb;
    ```

    ## Use instead
    ```sql
    -- Description: add users.preferences for the settings page
    -- Rollback: migrations/rollback/V1__rollback.sql
    ALTER TABLE users ADD COLUMN IF NOT EXISTS preferences jsonb;
    ```
    """

    code = "MG305"
    name = "missing-migration-header"
    level = Severity.OFF
    strict_level = Severity.ERROR
    help = "start the file with `-- Description: …` and `-- Rollback: <rollback file>` comment lines"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.migration.kind != "versioned" or ctx.source is None:
            return
        statements = ctx.statements
        head = ctx.source.text[: statements[0].start] if statements else ctx.source.text
        present = {m.group(1).lower() for m in _FIELD.finditer(head) if m.group(2)}
        missing = [name for name in ("Description", "Rollback") if name.lower() not in present]
        if missing:
            yield self.finding(f"header has no {' and no '.join(f'`{m}:`' for m in missing)} line")
