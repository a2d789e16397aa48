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

    Liquibase changelog parameters (`layout: liquibase`) are read from
    `liquibase.properties` (`parameter.<name>`) and the changelogs'
    `<property>` tags too; one without a value is a warning, as the deploy
    may pass it on the command line (`-D<name>=…`), which the gate cannot
    see.  Without one Liquibase leaves `${name}` as written (its default
    `missingPropertyMode`, `preserve`).

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
        if ctx.is_down_section:
            return  # reported once, for the whole file
        substitution = ctx.source.substitution if ctx.source else None
        liquibase = ctx.migration.layout == "liquibase"
        for item in substitution.undefined if substitution else ():
            if liquibase:  # a value may come from the deploy's command line: the gate cannot know
                yield self.finding(
                    f"changelog parameter ${{{item.name}}} has no value in the repository (liquibase.properties "
                    "`parameter.…`, a changelog `<property>` or `placeholders:`): unless the deploy passes one "
                    "(`-D…`), Liquibase leaves it as written and PostgreSQL receives the `${…}` text",
                    help="define it under `placeholders:` in .migration-gate.yml (the value the deploy passes)",
                    offset=item.start,
                    end_offset=item.end,
                    severity=Severity.WARNING,
                )
                continue
            yield self.finding(f"placeholder ${{{item.name}}} has no value", offset=item.start, end_offset=item.end)
