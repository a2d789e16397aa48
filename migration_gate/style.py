"""The opt-in style layer: sqlfluff on the files in scope (``style: sqlfluff``).

sqlfluff is imported only when the layer is on; it reads the user's own
``.sqlfluff`` (found from each file's folder upwards) and always uses the
postgres dialect.  Its findings become violations named ``sqlfluff/<code>``
at ``style_level`` (default ``info``, so they never fail the gate unless
asked).  sqlfluff's own ``-- noqa`` comments suppress them.
"""

from __future__ import annotations

from .core.config import Config
from .core.findings import Violation
from .core.severity import Severity
from .errors import UsageError


def style_violations(files, config: Config) -> list[Violation]:
    try:
        from sqlfluff.core import FluffConfig, Linter
    except ImportError:
        raise UsageError("style: sqlfluff needs sqlfluff: pip install 'migration-gate[style]'") from None
    from .core.source import UnreadableSource, read_source

    level = config.style_level
    if level == Severity.OFF:
        return []
    violations: list[Violation] = []
    linters: dict[str, Linter] = {}
    for migration in files:
        try:
            source = read_source(migration.path, migration.display, config.max_file_size)
        except UnreadableSource:
            continue  # reported by unreadable-file
        folder = str(migration.path.parent)
        if folder not in linters:
            fluff = FluffConfig.from_path(folder, overrides={"dialect": "postgres"})
            linters[folder] = Linter(config=fluff)
        result = linters[folder].lint_string(source.text, fname=str(migration.path))
        for item in result.get_violations():
            code = item.rule_code()
            line = max(1, item.line_no or 1)
            column = max(1, item.line_pos or 1)
            violations.append(
                Violation(
                    rule=f"sqlfluff/{code}",
                    code=code,
                    severity=level,
                    path=migration.display,
                    line=line,
                    column=column,
                    end_line=line,
                    end_column=column,
                    message=item.desc(),
                    help="",
                    in_text=True,
                )
            )
    return violations
