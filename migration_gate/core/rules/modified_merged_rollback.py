from __future__ import annotations

from collections.abc import Iterator

from ..context import ChangeSetContext
from ..findings import Finding
from ..severity import Severity
from .base import ChangeSetRule


class ModifiedMergedRollback(ChangeSetRule):
    """A rollback script that is already merged was edited, renamed or deleted.

    ## What it does
    Compares every rollback (down) script on the base branch with the working
    tree and reports an edit, a rename or a deletion. An edit that leaves
    Flyway's checksum unchanged (line endings, blank lines) is info.

    ## Why is this bad?
    Rollbacks are not checksummed by the runner, so editing one is allowed,
    but it changes what an incident responder will run against databases that
    applied the original migration. Reviewers should look at it as carefully
    as at the migration itself.

    ## Example
    ```text
    migrations/rollback/V3__rollback.sql   (merged, then edited in this pull request)
    ```

    ## Use instead
    ```text
    migrations/rollback/V3__rollback.sql   (edited on purpose, reviewed with the migration it undoes)
    ```
    """

    code = "MG307"
    family = "history"
    name = "modified-merged-rollback"
    level = Severity.WARNING
    produced_by = "history"
    help = "make sure the rollback still undoes the migration as it was applied"

    def check_change_set(self, ctx: ChangeSetContext) -> Iterator[Finding]:
        base = f"the base ({ctx.base.short})" if ctx.base is not None else "the base"
        for change in ctx.changes:
            merged = change.merged
            if merged is None or merged.kind != "rollback":
                continue
            what = f"rollback for version {merged.version}" if merged.version is not None else "rollback"
            if change.status == "deleted":
                yield self.finding(f"{what} {change.display} is merged on {base} and was deleted", path=change.display)
            elif change.status == "renamed":
                yield self.finding(
                    f"{what} is merged on {base} as {change.old_display} and was renamed to {change.display}",
                    path=change.display,
                    offset=0,
                )
            elif change.content_changed:
                if change.checksum_unchanged:
                    yield self.finding(
                        f"{what} is merged on {base} and was edited in line endings, blank lines or a BOM only",
                        path=change.display,
                        offset=change.first_difference,
                        severity=Severity.INFO,
                    )
                else:
                    yield self.finding(
                        f"{what} is merged on {base} and was edited",
                        path=change.display,
                        offset=change.first_difference,
                    )
