from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule


class UnreadableFile(FileRule):
    """The file cannot be read as SQL text.

    ## What it does
    Reports a migration file that is not valid UTF-8, is binary (contains NUL
    bytes), is larger than `max_file_size` (default 10MB), or cannot be read at
    all, instead of failing the whole run.

    ## Why is this bad?
    The migration runner will either fail on it or, worse, run a file whose
    content nobody reviewed as text. A file saved in Latin-1 or UTF-16 by an
    editor is the usual cause.

    ## Example
    ```text
    migrations/V3__add_names.sql   (saved as Latin-1: "Jos\\xe9")
    ```

    ## Use instead
    ```text
    migrations/V3__add_names.sql   (saved as UTF-8)
    ```
    """

    code = "MG002"
    name = "unreadable-file"
    level = Severity.ERROR
    help = "save the file as UTF-8 text (or raise max_file_size for a large generated dump)"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.unreadable:
            yield self.finding(f"cannot analyse file: {ctx.unreadable}")
