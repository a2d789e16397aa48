from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule


class UndefinedPlaceholder(FileRule):
    """A Flyway `${placeholder}` has no value in the configuration.

    ## What it does
    Flyway replaces `${name}` placeholders before it runs a script. The gate
    substitutes the values from `placeholders:` in its configuration (and
    Flyway's built-in `${flyway:…}` ones) before parsing, and reports every
    placeholder that has no value, at its exact position.

    ## Why is this bad?
    Flyway stops with "No value provided for placeholder" in the environment
    that lacks it, which is usually production.

    ## Example
    ```sql
    INSERT INTO settings (key, value) VALUES ('env', '${environment}');
    ```

    ## Use instead
    ```sql
    INSERT INTO settings (key, value) VALUES ('env', '${flyway:environment}');
    ```
    """

    code = "MG004"
    name = "undefined-placeholder"
    level = Severity.ERROR
    help = "define it under `placeholders:` in .migration-gate.yml (as in the runner's configuration)"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        substitution = ctx.source.substitution if ctx.source else None
        for item in substitution.undefined if substitution else ():
            yield self.finding(f"placeholder ${{{item.name}}} has no value", offset=item.start, end_offset=item.end)
