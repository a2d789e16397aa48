from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule


class SyntaxError_(FileRule):
    """The file does not parse as PostgreSQL.

    ## What it does
    Reports what makes the migration's runner refuse the file before
    PostgreSQL sees it (goose's and sql-migrate's annotation errors, dbmate's
    missing `-- migrate:down`, a `;` the runner cuts a statement at, a BOM a
    runner sends as it is; each layout's page lists them), and parses every
    migration with PostgreSQL's own parser (through pglast) and
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

    runner_help = "fix the file: its runner refuses it (or sends it broken) before PostgreSQL runs it"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.is_down_section:
            for start, end, message in ctx.shape.problems:
                yield self.finding(message, offset=start, end_offset=end, help=self.runner_help)
        if ctx.parse and ctx.parse.error and not _at_undefined_placeholder(ctx, ctx.parse.error.offset):
            yield self.finding(ctx.parse.error.message, offset=ctx.parse.error.offset)
        if ctx.facts:
            for stmt, message in ctx.facts.do_block_errors:
                yield self.finding(f"invalid PL/pgSQL in DO block: {message}", offset=stmt.start, end_offset=stmt.end)


def _at_undefined_placeholder(ctx: FileContext, offset: int) -> bool:
    """Is the error at an undefined ``${name}`` (left in the text)? undefined-placeholder reports it there."""
    substitution = ctx.source.substitution if ctx.source else None
    return substitution is not None and any(p.start <= offset < p.end for p in substitution.undefined)
