from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule


class SyntaxError_(FileRule):
    """The file does not parse as PostgreSQL.

    ## What it does
    Parses every migration with PostgreSQL's own parser (through pglast) and
    reports the first syntax error at its exact line and column, or at the end
    of the file when the input stops early. Invalid PL/pgSQL in a `DO` block is
    reported too, at the `DO` statement. The statements that do parse are still
    analysed by the other rules.

    ## Why is this bad?
    PostgreSQL stops at the first error: the migration fails in the deploy
    pipeline, often after earlier statements of a non-transactional file have
    already run.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname text
    ALTER TABLE users ADD COLUMN bio text;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    ALTER TABLE users ADD COLUMN bio text;
    ```
    """

    code = "MG001"
    name = "syntax-error"
    level = Severity.ERROR
    help = "fix the SQL; PostgreSQL would reject this migration"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.parse and ctx.parse.error:
            yield self.finding(ctx.parse.error.message, offset=ctx.parse.error.offset)
        if ctx.facts:
            for stmt, message in ctx.facts.do_block_errors:
                yield self.finding(f"invalid PL/pgSQL in DO block: {message}", offset=stmt.start, end_offset=stmt.end)
