"""Each runner's integrity facts for the change-set rules: checksums, settings and the files beside the SQL.

The history code knows a migrations folder's runner from the layout that
classified its files (:attr:`MigrationFile.layout`), never from file names.
For every folder whose layout is not Flyway's this module reads, from the
working tree and the base:

* the runner's settings that decide what it does with an out-of-order or an
  edited migration (:func:`read_settings`): Flyway's ``outOfOrder``
  (``flyway.toml``/``flyway.conf``), goose's ``-allow-missing`` and dbmate's
  ``--strict``/``DBMATE_STRICT`` in committed scripts, Atlas's ``exec_order``
  (``atlas.hcl`` or ``--exec-order``), sqlx 0.9's ``ignored-chars``
  (``sqlx.toml``), the Liquibase version (checksum v8 before 4.22, v9 since);
* Atlas's ``atlas.sum`` checked against the directory, now and on the base;
* Sqitch's ``sqitch.plan``: the merged changes whose change ID or deploy
  script hash the branch changes;
* drizzle's ``meta/_journal.json``: the entries the branch adds, with the
  newest ``when`` merged;

and, per changed migration (:func:`compare_runner`), the runner's checksum
now and on the base, whether the runner's own comparison accepts the file,
whether the SQL it runs is unchanged, and Liquibase's changesets one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import integrity
from ..core.context import ChangesetChange, RunnerFacts
from .repo_files import read_text as read_text
from .settings import read_settings as read_settings

if TYPE_CHECKING:
    from ..core.config import Config
    from ..core.migration import MigrationFile, Project
    from .git import History

#: Layouts whose integrity is the existing Flyway/up-down code (Flyway's checksum in ``ChangedMigration.checksum``).
CLASSIC = ("flyway", "up-down")


# --------------------------------------------------------------------------- which runner a folder has


def location_layouts(project: Project, config: Config) -> dict[Path, str]:
    """Each location's layout: the one that classified its files (the configured one for an empty folder)."""
    layouts: dict[Path, str] = {}
    for migration in project.files:
        if migration.layout:
            layouts.setdefault(migration.location, migration.layout)
    for location in project.locations:
        layouts.setdefault(location, config.layout)
    return layouts


# --------------------------------------------------------------------------- per changed file


@dataclass(slots=True)
class RunnerComparison:
    runner_checksum: str | None = None
    merged_runner_checksum: str | None = None
    runner_accepts: bool | None = None
    statements_unchanged: bool = False
    up_unchanged: bool = False
    changesets: tuple[ChangesetChange, ...] = ()


#: Layouts whose file holds the migration and its rollback as sections.
SECTIONED = frozenset({"goose", "dbmate", "sql-migrate"})


def up_sections(layout: str, text: str) -> str:
    """The text of a file's up sections, as its runner cuts them (what a deploy runs)."""
    from ..core.runners import LAYOUTS
    from ..core.runners.base import UP

    shape = LAYOUTS[layout].shape(text.removeprefix("\ufeff"))
    return "\n".join(text[s.start : s.end] for s in shape.sections if s.direction == UP)


def file_checksum(layout: str, data: bytes | None, facts: RunnerFacts | None) -> str | None:
    """The checksum a runner stores for one file (``None`` when it stores none per file)."""
    if data is None:
        return None
    # each runner's algorithm is imported when its layout is met: most projects use one runner
    if layout == "sqlx":
        from ..core.integrity import sqlx

        setting = facts.setting("ignored-chars") if facts is not None else None
        return sqlx.checksum(data, tuple(setting.value) if setting is not None else ())
    if layout == "prisma":
        from ..core.integrity import prisma

        return prisma.checksum(data)
    if layout == "drizzle":
        from ..core.integrity import drizzle

        return drizzle.migration_hash(data)
    if layout == "sqitch":
        from ..core.integrity import sqitch

        return sqitch.script_hash(data)
    return None


def _decode(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def compare_runner(
    current: MigrationFile | None,
    merged: MigrationFile | None,
    data: bytes | None,
    base_bytes: bytes | None,
    facts: RunnerFacts | None,
) -> RunnerComparison:
    """What the runner of ``merged`` sees of a change to it."""
    result = RunnerComparison()
    if merged is None or merged.layout in CLASSIC:
        return result
    layout = merged.layout
    result.merged_runner_checksum = file_checksum(layout, base_bytes, facts)
    result.runner_checksum = file_checksum(layout, data, facts)
    old_text, new_text = _decode(base_bytes), _decode(data)
    result.statements_unchanged = integrity.same_statements(old_text, new_text)
    if layout in SECTIONED and old_text is not None and new_text is not None and not result.statements_unchanged:
        result.up_unchanged = integrity.same_statements(up_sections(layout, old_text), up_sections(layout, new_text))
    if data is not None and base_bytes is not None:
        if layout == "sqlx":
            result.runner_accepts = result.runner_checksum == result.merged_runner_checksum
        elif layout == "prisma" and result.merged_runner_checksum is not None:
            from ..core.integrity import prisma

            result.runner_accepts = prisma.matches(data, result.merged_runner_checksum)
    if layout == "liquibase" and base_bytes is not None:
        result.changesets = compare_changesets(current, merged, data, base_bytes, facts)
    return result


def _checksum_version(facts: RunnerFacts | None) -> int:
    setting = facts.setting("checksum-version") if facts is not None else None
    return 8 if setting is not None and setting.value == "8" else 9


def compare_changesets(
    current: MigrationFile | None,
    merged: MigrationFile,
    data: bytes | None,
    base_bytes: bytes,
    facts: RunnerFacts | None,
) -> tuple[ChangesetChange, ...]:
    """Every changeset of the base's changelog whose identity or checksum the working tree changes."""
    from ..core.integrity import liquibase

    version = _checksum_version(facts)
    old_text = base_bytes.decode("utf-8", "replace")
    new_text = data.decode("utf-8", "replace") if data is not None else None
    before = liquibase.parse(old_text).changesets
    after = liquibase.parse(new_text).changesets if new_text is not None else ()
    now = {(c.id, c.author): c for c in after}
    new_path = current.relpath if current is not None else None
    found: list[ChangesetChange] = []
    for old in before:
        key = old.key(merged.relpath)
        merged_sum = old.checksum(version)
        new = now.get((old.id, old.author))
        if new is None:
            found.append(ChangesetChange(key, merged_sum, None, None))
            continue
        checksum = new.checksum(version)
        new_key = new.key(new_path) if new_path is not None else key
        moved = new_key != key
        if checksum == merged_sum and old.body == new.body and not moved:
            continue
        found.append(
            ChangesetChange(
                key,
                merged_sum,
                checksum,
                new.offset,
                run_on_change=new.run_on_change or new.run_always,
                accepted=new.accepts(merged_sum),
                whitespace_only=checksum == merged_sum and old.body != new.body,
                v8_changed=version == 9 and old.checksum(8) != new.checksum(8),
                key_now=new_key if moved else None,
            )
        )
    return tuple(found)


# --------------------------------------------------------------------------- per folder


def runner_facts(project: Project, history: History, config: Config, displays: dict) -> dict[Path, RunnerFacts]:
    """The integrity facts of every folder whose runner is not Flyway (nor the generic up-down layout)."""
    result: dict[Path, RunnerFacts] = {}
    root = history.root
    for location, layout in location_layouts(project, config).items():
        display = displays.get(location, ".")
        facts = RunnerFacts(layout, display, read_settings(layout, location, root))
        if history.base is not None and layout in ("atlas", "sqitch", "drizzle"):
            from .runner_folders import atlas_facts, drizzle_facts, sqitch_facts  # those runners' files only

            if layout == "atlas":
                atlas_facts(facts, location, history)
            elif layout == "sqitch":
                sqitch_facts(facts, location, history)
            elif layout == "drizzle":
                drizzle_facts(facts, location, history)
        result[location] = facts
    return result


# --------------------------------------------------------------------------- `migration-gate info`

#: A runner's own checksum of one migration: (the info field named for it, its value).
RunnerValue = tuple[str, "str | list[dict[str, str]]"]


def runner_checksums(
    project: Project, config: Config, runners: dict[Path, RunnerFacts] | None = None
) -> dict[Path, RunnerValue]:
    """The checksum each migration's runner stores (layouts other than Flyway's and up-down's), by file.

    sqlx, Prisma, drizzle, Sqitch: one value per file; Atlas: the file's
    ``atlas.sum`` line as the directory gives it; Liquibase: one ``MD5SUM``
    per changeset.
    """
    from .git import repo_root

    found: dict[Path, RunnerValue] = {}
    layouts = location_layouts(project, config)
    root: Path | None = None
    root_known = False
    sums: dict[Path, dict[str, str]] = {}
    for migration in project.files:
        layout = migration.layout or layouts.get(migration.location, config.layout)
        field = integrity.runner(layout).field
        if layout in CLASSIC or field is None or not migration.is_migration:
            continue
        facts = (runners or {}).get(migration.location)
        if facts is None:
            if not root_known:
                root, root_known = repo_root(migration.location), True
            facts = RunnerFacts(layout, "", read_settings(layout, migration.location, root))
        try:
            data = migration.path.read_bytes()
        except OSError:
            continue
        if layout == "atlas":
            from ..core.integrity import atlas

            if migration.location not in sums:
                files = [(p.name, p.read_bytes()) for p in sorted(migration.location.glob("*.sql")) if p.is_file()]
                sums[migration.location] = {line.name: f"h1:{line.hash}" for line in atlas.hash_lines(files)}
            value = sums[migration.location].get(migration.path.name)
            if value is not None:
                found[migration.path] = (field, value)
        elif layout == "liquibase":
            from ..core.integrity import liquibase

            version = _checksum_version(facts)
            changesets = liquibase.parse(data.decode("utf-8", "replace")).changesets
            found[migration.path] = (
                field,
                [{"changeset": c.key(migration.relpath), "md5sum": c.checksum(version)} for c in changesets],
            )
        else:
            checksum = file_checksum(layout, data, facts)
            if checksum is not None:
                found[migration.path] = (field, checksum)
    return found
