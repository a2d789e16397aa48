"""What modified-merged-migration says for runners that identify a change inside a changelog or plan.

Liquibase (each changeset by id, author and changelog path, with its MD5SUM) and Sqitch (each change of
``sqitch.plan``, with its script hash and change ID); the rule's page: ``modified_merged_migration``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import ChangedMigration, ChangesetChange, RunnerFacts
from ..findings import Finding
from ..severity import Severity
from .base import Rule
from .merged_files import shorten


def liquibase_findings(rule: Rule, change: ChangedMigration, base: str) -> Iterator[Finding]:
    """Liquibase: each changeset by id, author and changelog path, with its MD5SUM."""
    moved = [c for c in change.changesets if c.key_now is not None]
    if change.status == "renamed" and moved:
        first = moved[0]
        count = f"its {len(moved)} changesets run" if len(moved) > 1 else "its changeset runs"
        yield rule.finding(
            f"{change.old_display} is merged on {base} and was moved to {change.display}: Liquibase identifies "
            f"a changeset by id, author and changelog path, so {count} again where they were applied "
            f"({first.key} becomes {first.key_now})",
            help="move it back, or keep the old path with `logicalFilePath:` in its header line",
            path=change.display,
            offset=0,
        )
    if change.status == "deleted":
        yield rule.finding(
            f"{change.display} is merged on {base} and was deleted: databases that applied its changesets "
            "keep their effect while new databases never get it",
            help="restore the file (`git checkout <base> -- <path>`); undo its effect in a new changeset",
            path=change.display,
        )
        return
    if change.content_changed and change.current is not None and not change.changesets:
        yield rule.finding(
            f"{change.display} is merged on {base} and was edited, but none of its changesets changed in "
            "Liquibase's terms (line endings, or text outside the changesets): Liquibase accepts it",
            help="revert the edit to keep the history byte-identical",
            path=change.display,
            offset=change.first_difference,
            severity=Severity.INFO,
        )
    for item in change.changesets:
        path, offset = change.display, item.offset if item.offset is not None else 0
        yield from _changeset(rule, item, base, path, offset)


def _changeset(rule: Rule, item: ChangesetChange, base: str, path: str, offset: int) -> Iterator[Finding]:
    """One changeset of a merged changelog, compared by its MD5SUM."""
    if item.checksum is None:
        yield rule.finding(
            f"changeset {item.key} is merged on {base} and is gone from the changelog (removed, or its id or "
            "author changed): databases that applied it keep its effect, and a changeset under a new id or "
            "author runs again",
            help="restore the changeset; undo its effect in a new changeset",
            path=path,
            offset=offset,
        )
    elif item.checksum == item.merged_checksum:
        if item.whitespace_only:
            older = (
                " (a DATABASECHANGELOG row still holding an 8: checksum, written by Liquibase before 4.22, "
                "fails validation until Liquibase upgrades it)"
                if item.v8_changed
                else ""
            )
            yield rule.finding(
                f"changeset {item.key} is merged on {base} and was edited, but only in whitespace: its "
                f"checksum is unchanged ({item.checksum}), so Liquibase accepts it{older}",
                help="revert the edit to keep the history byte-identical",
                severity=Severity.INFO,
                path=path,
                offset=offset,
            )
    elif item.run_on_change:
        yield rule.finding(
            f"changeset {item.key} is merged on {base} and was edited ({item.merged_checksum} -> "
            f"{item.checksum}); it has runOnChange (or runAlways), so Liquibase runs it again on every "
            "database that applied it",
            help="make sure it can run again on databases that applied the old version",
            severity=Severity.INFO,
            path=path,
            offset=offset,
        )
    elif item.accepted:
        yield rule.finding(
            f"changeset {item.key} is merged on {base} and was edited ({item.merged_checksum} -> "
            f"{item.checksum}); a --validCheckSum accepts it, so Liquibase never runs the new version "
            "where the old one was applied",
            help="put the change in a new changeset unless databases must keep the old version",
            severity=Severity.INFO,
            path=path,
            offset=offset,
        )
    else:
        yield rule.finding(
            f"changeset {item.key} is merged on {base} and was edited: Liquibase's validation fails on "
            f'every database that applied it ("Validation Failed: 1 changesets check sum {item.key} was: '
            f'{item.merged_checksum} but is now: {item.checksum}")',
            help="revert the change and put it in a new changeset; merged changesets are never edited",
            path=path,
            offset=offset,
        )


def sqitch_findings(rule: Rule, facts: RunnerFacts, base: str) -> Iterator[Finding]:
    for item in facts.sqitch:
        if item.kind == "script":
            signature = f'"Script signatures diverge at change {item.change}"'
            if item.statements_unchanged:
                yield rule.finding(
                    f"the deploy script of change {item.change}, merged on {base}, was edited, but only in "
                    "comments, whitespace or line endings: `sqitch deploy` never runs it again, but "
                    f"`sqitch check` fails ({signature})",
                    help="revert the edit (or rework the change with `sqitch rework`)",
                    path=item.path,
                    offset=item.offset,
                    severity=Severity.WARNING,
                )
            else:
                yield rule.finding(
                    f"the deploy script of change {item.change}, merged on {base}, was edited (script_hash "
                    f"{shorten(item.merged_value)} -> {shorten(item.value) or 'none'}): `sqitch deploy` never runs "
                    "a deployed change again, so databases that deployed it keep the old version while new "
                    f"databases get the new one (`sqitch check`: {signature})",
                    help="revert the edit and change a deployed change with `sqitch rework`",
                    path=item.path,
                    offset=item.offset,
                )
        elif item.kind == "id":
            now = f"is now {shorten(item.value)}" if item.value else "is gone"
            yield rule.finding(
                f"change {item.change} is merged on {base} and its plan line changed (or was removed): its "
                f"change ID {shorten(item.merged_value)} {now}, and so is every later change's (each ID hashes "
                "its parent's), so `sqitch deploy` stops on every database that deployed the merged plan "
                f'("Cannot find change {item.last_id} ({item.last_change}) in {_plan_name(facts)}")',
                help="restore the plan line; add new changes at the end of the plan",
                path=item.path,
                offset=item.offset,
            )


def _plan_name(facts: RunnerFacts) -> str:
    shown = facts.plan_display or "sqitch.plan"
    return shown.rsplit("/", 1)[-1]
