from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule


class PsqlMetaCommand(FileRule):
    """A psql meta-command or variable in a script psql runs: the gate read around it.

    ## What it does
    For runners that feed scripts to psql (Sqitch), notes each psql
    meta-command (`\\set`, `\\i`, `\\if`, `\\gset`, …) and each variable
    reference (`:name`, `:'name'`, `:"name"`) once per file. psql handles
    them before PostgreSQL sees the SQL, so the gate skips a meta-command
    (blanked in place), reads a variable as an identifier or literal of the
    same length, and says so instead of reporting a syntax error: what an
    included file (`\\i`) or a variable's value holds is not checked.

    ## Why is this bad?
    It is not: the script is valid for psql. The note says what the gate
    could not see, so that nobody takes a clean report for a checked
    `\\i`-included file.

    ## Example
    ```sql
    \\set ON_ERROR_STOP on
    GRANT SELECT ON users TO :ro_user;
    ```

    ## Use instead
    ```sql
    GRANT SELECT ON users TO readonly;
    ```
    """

    code = "MG005"
    name = "psql-meta-command"
    level = Severity.INFO
    example_config = {"migrations": {"layout": "sqitch"}}
    help = "nothing to fix; check by hand what psql does with it (an included file, a variable's value)"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.is_down_section:
            return
        seen: set[str] = set()
        for start, end, message in ctx.shape.notes:
            what = message.split(" is ", 1)[0]
            if what in seen:
                continue
            seen.add(what)
            yield self.finding(message, offset=start, end_offset=end)
