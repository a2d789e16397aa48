from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule


class EmptyMigration(FileRule):
    """A migration holds no statement: the file is empty or only comments.

    ## What it does
    Flags a versioned or repeatable migration that holds no SQL statement at
    all: a 0-byte file, a file of blank lines, or one that holds only comments
    (`diesel migration generate` leaves `-- Your SQL goes here` in `up.sql`).
    A warning, because most runners apply such a file and record it as done;
    an error for Diesel's `<version>_<name>/up.sql` when the file is 0 bytes,
    because Diesel refuses it: `file_based_migrations.rs` returns
    `RunMigrationsError::EmptyMigration` when the SQL string is empty, and
    `diesel migration run` fails with "Attempted to run an empty migration."
    (diesel-rs/diesel, `diesel_migrations/src/file_based_migrations.rs` at
    627bc1117ffcefc7479afa59cd98b138b6c98c40). A file that holds only
    whitespace or comments is not empty to Diesel: it runs and does nothing.

    ## Why is this bad?
    An empty migration is almost always a mistake: the SQL was never written,
    or was saved in another file. Once it is applied, its version is taken and
    the runner never looks at the file again, so SQL added to it later never
    runs on the databases that already applied it (and Flyway then reports a
    checksum mismatch).

    ## Example
    ```sql
    -- Your SQL goes here
    ```

    ## Use instead
    ```sql
    -- Description: add users.nickname
    ALTER TABLE users ADD COLUMN nickname text;
    ```
    """

    code = "MG311"
    name = "empty-migration"
    level = Severity.WARNING
    help = "write the migration's SQL, or delete the file if it was created by mistake"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        migration = ctx.migration
        source = ctx.source
        if migration.kind not in ("versioned", "repeatable") or source is None or ctx.parse is None:
            return
        if ctx.parse.error is not None or ctx.statements:
            return
        if source.substitution is not None and source.substitution.undefined:
            return  # undefined-placeholder already says why nothing could be read
        if not source.text and not source.had_bom and migration.path.name == "up.sql":
            yield self.finding(
                "the file is empty (0 bytes): Diesel refuses to run it (\"Attempted to run an empty migration.\"), "
                "and the deploy stops there",
                help="write the migration's SQL (a file holding only a comment runs, and does nothing)",
                severity=Severity.ERROR,
            )
            return
        what = "is empty" if not source.text.strip() else "holds only comments"
        yield self.finding(f"the migration {what}: no statement runs, yet the runner records the version as applied")
