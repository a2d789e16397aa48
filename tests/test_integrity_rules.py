"""The history rules keyed by layout name, on contexts built from MigrationFile objects whose layout is set.

The ``pattern`` layout (any names, a configured regular expression) has no
runner the gate knows: an edit is reported as for a runner without a checksum,
and an out-of-order version as a warning that says what the gate cannot know.
The layout comes from each file, not from the configuration.
"""

from __future__ import annotations

from pathlib import Path

from migration_gate.core.config import Config
from migration_gate.core.context import Base, ChangedMigration, ChangeSetContext
from migration_gate.core.migration import MigrationFile, Project
from migration_gate.core.rules.modified_merged_migration import ModifiedMergedMigration
from migration_gate.core.rules.out_of_order_migration_version import OutOfOrderMigrationVersion
from migration_gate.core.version import updown_version

LOCATION = Path("/repo/sql")
BASE = Base("0123456789ab" + "0" * 28, "--base main")


def migration(name: str, version: str, layout: str = "pattern", location: Path = LOCATION) -> MigrationFile:
    return MigrationFile(
        path=location / name,
        display=f"{location.name}/{name}",
        location=location,
        relpath=name,
        kind="versioned",
        version=updown_version(version),
        layout=layout,
    )


def context(changes: list[ChangedMigration], merged: list[MigrationFile], config_layout: str = "flyway"):
    config = Config(layout=config_layout)
    files = [c.current for c in changes if c.current is not None] + merged
    return ChangeSetContext(
        project=Project(config, [LOCATION], files), config=config, base=BASE, changes=changes, merged=merged
    )


def messages(rule, ctx) -> list[tuple]:
    return [
        (f.severity.label if f.severity else "default", f.path, f.offset, f.message) for f in rule.check_change_set(ctx)
    ]


def test_pattern_out_of_order_is_a_warning_that_says_what_is_unknown():
    one, two = migration("v1-a.sql", "1"), migration("v2-b.sql", "2")
    new = migration("v0-x.sql", "0")
    ctx = context([ChangedMigration("added", new.display, new, None)], [one, two])
    assert messages(OutOfOrderMigrationVersion(), ctx) == [
        (
            "warning",
            "sql/v0-x.sql",
            None,
            "version 0 is new here but below version 2 (sql/v2-b.sql), merged on the base (0123456789ab): the gate "
            "does not know what your runner does with it (layout pattern): it may apply it out of order, skip it or "
            "refuse to migrate",
        )
    ]


def test_pattern_edit_is_reported_as_for_a_runner_without_a_checksum():
    old = migration("v1-a.sql", "1")
    change = ChangedMigration("modified", old.display, old, old, content_changed=True, first_difference=12)
    assert messages(ModifiedMergedMigration(), context([change], [old])) == [
        (
            "default",
            "sql/v1-a.sql",
            12,
            "version 1 is merged on the base (0123456789ab) and was edited: your runner keeps no checksum and never "
            "runs an applied migration again, so databases that applied it keep the old version while new databases "
            "get the new one",
        )
    ]


def test_the_layout_comes_from_the_files_not_the_configuration():
    # A goose folder in a repository whose configuration says flyway: goose's terms, goose's refusal.
    one, two = migration("00001_a.sql", "00001", "goose"), migration("00002_b.sql", "00002", "goose")
    new = migration("00000_x.sql", "00000", "goose")
    found = messages(
        OutOfOrderMigrationVersion(), context([ChangedMigration("added", new.display, new, None)], [one, two])
    )
    assert [(f[0], f[3].split(": ", 1)[1][:38]) for f in found] == [("error", "goose refuses to migrate databases alr")]


def test_out_of_order_compares_within_the_folder_for_runners_other_than_flyway():
    other = Path("/repo/other")
    high = migration("00009_z.sql", "00009", "goose", other)  # another folder, another history
    one = migration("00001_a.sql", "00001", "goose")
    new = migration("00002_x.sql", "00002", "goose")
    ctx = context([ChangedMigration("added", new.display, new, None)], [one, high])
    assert messages(OutOfOrderMigrationVersion(), ctx) == []
