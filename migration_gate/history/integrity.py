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

import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import integrity
from ..core.context import (
    ChangesetChange,
    JournalEntryChange,
    RunnerFacts,
    RunnerSetting,
    SqitchChange,
    SumProblem,
)
from ..core.integrity import atlas, drizzle, liquibase, prisma, sqitch, sqlx

if TYPE_CHECKING:
    from ..core.config import Config
    from ..core.migration import MigrationFile, Project
    from .git import History

#: Layouts whose integrity is the existing Flyway/up-down code (Flyway's checksum in ``ChangedMigration.checksum``).
CLASSIC = ("flyway", "up-down")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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


# --------------------------------------------------------------------------- settings


def _ancestors(location: Path, root: Path | None) -> list[Path]:
    """The location and its parents up to the repository root (or the location alone outside one)."""
    folders = [location]
    if root is None:
        return folders
    real_root = root.resolve()
    current = location.resolve()
    while current != real_root and real_root in current.parents:
        current = current.parent
        folders.append(current)
    return folders


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _read(path: Path) -> str | None:
    """A text file as reports quote it (a BOM dropped, as :func:`read_text` does for positions)."""
    try:
        return read_text(path)
    except OSError:
        return None


def read_text(path: Path) -> str:
    """How the history reads a non-SQL file it reports on (``atlas.sum``, ``sqitch.plan``, a journal)."""
    return path.read_bytes().decode("utf-8-sig", errors="replace")


def _display_of(path: Path, location: Path, location_display: str) -> str:
    """A file as reports show it: inside the location like its migrations, else relative to the current folder."""
    try:
        rel = path.resolve().relative_to(location.resolve()).as_posix()
    except ValueError:
        return os.path.relpath(path, Path.cwd())
    return rel if location_display in ("", ".") else f"{location_display}/{rel}"


#: Files that talk about a runner's flags rather than set them (documentation, changelogs).
_NOT_SETTINGS = (":(exclude,glob)**/*.md", ":(exclude,glob)**/*.rst", ":(exclude,glob)**/*.txt")


def _grep(root: Path | None, pattern: str) -> list[tuple[str, int, str]]:
    """``git grep`` over the repository's tracked and untracked text files: (path, line, text).

    Documentation (``*.md``, ``*.rst``, ``*.txt``) is left out: a README that
    mentions ``-allow-missing`` does not set it.
    """
    if root is None:
        return []
    try:
        done = subprocess.run(
            ["git", "grep", "-I", "-n", "-E", "--untracked", "--no-color", "-e", pattern, "--", ".", *_NOT_SETTINGS],
            cwd=root,
            capture_output=True,
        )
    except OSError:
        return []
    hits = []
    for raw in done.stdout.decode("utf-8", "replace").splitlines():
        path, _, rest = raw.partition(":")
        number, _, text = rest.partition(":")
        if number.isdigit():
            hits.append((path, int(number), text))
    return sorted(hits)


def _flyway_out_of_order(location: Path, root: Path | None) -> RunnerSetting | None:
    for folder in _ancestors(location, root):
        found: RunnerSetting | None = None
        for name in ("flyway.toml", "flyway.user.toml"):  # merged in this order: the user file wins
            text = _read(folder / name)
            if text is None:
                continue
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue
            section = data.get("flyway")
            value = section.get("outOfOrder") if isinstance(section, dict) else None
            if isinstance(value, bool):
                found = RunnerSetting("outOfOrder", str(value).lower(), _shown(folder / name, root))
        if found is not None:
            return found
        for name in ("flyway.conf", "conf/flyway.conf"):
            text = _read(folder / name)
            if text is None:
                continue
            for line in _LINE_BREAK.split(text):
                match = re.fullmatch(r"\s*flyway\.outOfOrder\s*[=:]\s*(\S+)\s*", line)
                if match:
                    found = RunnerSetting("outOfOrder", match.group(1).lower(), _shown(folder / name, root))
            if found is not None:
                return found
    return None


def _goose_allow_missing(root: Path | None) -> RunnerSetting | None:
    pattern = r"(^|[^A-Za-z_-])--?allow-missing\b|WithAllowMissing\(|WithAllowOutofOrder\(true\)"
    for path, number, _text in _grep(root, pattern):
        return RunnerSetting("allow-missing", "true", f"{path}:{number}")
    return None


def _dbmate_strict(root: Path | None) -> RunnerSetting | None:
    for path, number, text in _grep(root, r"DBMATE_STRICT|--strict"):
        strict_env = re.search(r"DBMATE_STRICT\s*[:=]\s*[\"']?(true|1|yes)\b", text, re.I)
        if strict_env or ("--strict" in text and "dbmate" in text.lower()):
            return RunnerSetting("strict", "true", f"{path}:{number}")
    return None


def _atlas_exec_order(location: Path, root: Path | None) -> RunnerSetting | None:
    for folder in _ancestors(location, root):
        text = _read(folder / "atlas.hcl")
        if text is None:
            continue
        match = re.search(r"\bexec_order\s*=\s*\"?([A-Za-z_-]+)", text)
        if match:
            order = match.group(1).lower().replace("_", "-")
            return RunnerSetting("exec_order", order, _shown(folder / "atlas.hcl", root))
    for path, number, text in _grep(root, r"--exec-order[= ]+[A-Za-z_-]+"):
        match = re.search(r"--exec-order[= ]+([A-Za-z_-]+)", text)
        if match:
            return RunnerSetting("exec_order", match.group(1).lower().replace("_", "-"), f"{path}:{number}")
    return None


def _atlas_format(location: Path, root: Path | None) -> str | None:
    for folder in _ancestors(location, root):
        text = _read(folder / "atlas.hcl")
        if text is not None:
            match = re.search(r"\bformat\s*=\s*\"?([A-Za-z_-]+)", text)
            return match.group(1).lower().replace("_", "-") if match else None
    return None


def _sqlx_ignored_chars(location: Path, root: Path | None) -> RunnerSetting | None:
    for folder in _ancestors(location, root):
        text = _read(folder / "sqlx.toml")
        if text is None:
            continue
        chars = sqlx.ignored_chars(text)
        if chars:
            return RunnerSetting("ignored-chars", "".join(chars), _shown(folder / "sqlx.toml", root))
        return None
    return None


_LIQUIBASE_VERSION = re.compile(
    r"liquibase(?:-core)?(?:[\"']?\s*[:=]\s*[\"']?[\^~>=v]*|:|/liquibase:|</artifactId>\s*<version>)\s*(\d+)\.(\d+)",
    re.I,
)


def _liquibase_checksum_version(root: Path | None) -> RunnerSetting | None:
    """Checksum version 8 when the repository pins Liquibase below 4.22, else 9 (4.22 and later)."""
    for path, number, text in _grep(root, r"liquibase"):
        match = _LIQUIBASE_VERSION.search(text)
        if match:
            major, minor = int(match.group(1)), int(match.group(2))
            version = "8" if (major, minor) < (4, 22) else "9"
            return RunnerSetting("checksum-version", version, f"{path}:{number} (Liquibase {major}.{minor})")
    return None


def read_settings(layout: str, location: Path, root: Path | None) -> dict[str, RunnerSetting]:
    """The settings of this folder's runner that the repository holds."""
    found: RunnerSetting | None = None
    if layout == "flyway":
        found = _flyway_out_of_order(location, root)
    elif layout == "goose":
        found = _goose_allow_missing(root)
    elif layout == "dbmate":
        found = _dbmate_strict(root)
    elif layout == "atlas":
        found = _atlas_exec_order(location, root)
    elif layout == "sqlx":
        found = _sqlx_ignored_chars(location, root)
    elif layout == "liquibase":
        found = _liquibase_checksum_version(root)
    return {found.name: found} if found is not None else {}


# --------------------------------------------------------------------------- per changed file


@dataclass(slots=True)
class RunnerComparison:
    runner_checksum: str | None = None
    merged_runner_checksum: str | None = None
    runner_accepts: bool | None = None
    statements_unchanged: bool = False
    changesets: tuple[ChangesetChange, ...] = ()


def file_checksum(layout: str, data: bytes | None, facts: RunnerFacts | None) -> str | None:
    """The checksum a runner stores for one file (``None`` when it stores none per file)."""
    if data is None:
        return None
    if layout == "sqlx":
        setting = facts.setting("ignored-chars") if facts is not None else None
        return sqlx.checksum(data, tuple(setting.value) if setting is not None else ())
    if layout == "prisma":
        return prisma.checksum(data)
    if layout == "drizzle":
        return drizzle.migration_hash(data)
    if layout == "sqitch":
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
    result.statements_unchanged = integrity.same_statements(_decode(base_bytes), _decode(data))
    if data is not None and base_bytes is not None:
        if layout == "sqlx":
            result.runner_accepts = result.runner_checksum == result.merged_runner_checksum
        elif layout == "prisma" and result.merged_runner_checksum is not None:
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


def _line_offsets(text: str) -> list[int]:
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


def _blob_bytes(history: History, relpaths: list[str]) -> dict[str, bytes]:
    """Base contents of repository paths (those the base has)."""
    from .git import list_tree, read_blobs

    if history.root is None or history.base is None or not relpaths:
        return {}
    tree = {p: o for p, o in history.merged.items() if p in relpaths}
    missing = [p for p in relpaths if p not in tree]
    if missing:
        tree.update(list_tree(history.root, history.base.sha, missing))
    blobs = read_blobs(history.root, list(tree.values()))
    return {p: blobs[o] for p, o in tree.items() if o in blobs}


def _rel(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _atlas_facts(facts: RunnerFacts, location: Path, history: History) -> None:
    sum_path = location / atlas.SUM_FILE
    root = history.root
    facts.sum_display = _display_of(sum_path, location, facts.display)
    files = []
    # atlas.hcl `format = golang-migrate`: Atlas reads (and hashes) the .up.sql files only.
    pattern = "*.up.sql" if _atlas_format(location, root) == "golang-migrate" else "*.sql"
    for path in sorted(location.glob(pattern)):
        if path.is_file():
            try:
                files.append((path.name, path.read_bytes()))
            except OSError:
                continue
    text = _read(sum_path) if sum_path.is_file() else None
    starts = _line_offsets(text or "")
    facts.sum_problems = tuple(
        SumProblem(p.line, starts[p.line - 1] if p.line - 1 < len(starts) else len(text or ""), p.file, p.reason)
        for p in atlas.check(text, files)
    )
    if facts.sum_problems and root is not None and history.base is not None:
        folder = _rel(location, root)
        if folder is not None:
            prefix = "" if folder == "." else folder + "/"
            names = [p for p in history.merged if p.startswith(prefix) and "/" not in p[len(prefix) :]]
            base = _blob_bytes(history, names)
            suffix = pattern[1:]
            base_files = [(p[len(prefix) :], b) for p, b in base.items() if p.endswith(suffix)]
            base_sum = base.get(prefix + atlas.SUM_FILE)
            base_text = base_sum.decode("utf-8", "replace") if base_sum is not None else None
            facts.sum_broken_on_base = bool(base_files or base_text) and bool(atlas.check(base_text, base_files))


def _find_plan(location: Path, root: Path | None) -> Path | None:
    for folder in _ancestors(location, root):
        if (folder / "sqitch.plan").is_file():
            return folder / "sqitch.plan"
    return None


def _script(change: sqitch.Change, exists) -> str:
    """The deploy script Sqitch runs for a change, relative to the plan's folder (the first that exists)."""
    names = change.script_names()
    return next((f"deploy/{n}" for n in names if exists(f"deploy/{n}")), f"deploy/{names[0]}")


def _sqitch_facts(facts: RunnerFacts, location: Path, history: History) -> None:
    from .git import list_tree

    root = history.root
    plan_path = _find_plan(location, root)
    if plan_path is None or root is None or history.base is None:
        return
    plan_rel = _rel(plan_path, root)
    if plan_rel is None:
        return
    top = plan_path.parent
    top_rel = plan_rel.rpartition("/")[0]
    prefix = f"{top_rel}/" if top_rel else ""
    facts.plan_display = plan_display = _display_of(plan_path, location, facts.display)
    base_plan_bytes = _blob_bytes(history, [plan_rel]).get(plan_rel)
    if base_plan_bytes is None:
        return
    base_plan = sqitch.parse_plan(base_plan_bytes.decode("utf-8", "replace"))
    now_plan = sqitch.parse_plan(_read(plan_path) or "")
    found: list[SqitchChange] = []

    # A merged change whose ID is gone: the first one (every later ID follows from it through ``parent``).
    for index, old in enumerate(base_plan.changes):
        new = now_plan.changes[index] if index < len(now_plan.changes) else None
        if new is not None and new.id == old.id:
            continue
        later = {c.name for c in now_plan.changes[index + 1 :]}
        inserted = new is not None and new.name != old.name and old.name in later
        found.append(
            SqitchChange(
                "inserted" if inserted else "id",
                old.format_name(),
                plan_display,
                new.offset if new is not None else None,
                old.id,
                new.id if new is not None and not inserted else None,
                inserted=new.format_name() if inserted and new is not None else None,
                last_change=base_plan.changes[-1].format_name(),
                last_id=base_plan.changes[-1].id,
            )
        )
        break

    # Merged changes that keep their ID: their deploy script as Sqitch resolves it, then and now.
    now_ids = {c.id: c for c in now_plan.changes}
    base_tree = list_tree(root, history.base.sha, [f"{prefix}deploy"])
    kept = [(c, _script(c, lambda rel: f"{prefix}{rel}" in base_tree)) for c in base_plan.changes if c.id in now_ids]
    base_scripts = _blob_bytes(history, [f"{prefix}{rel}" for _, rel in kept])
    for old, rel in kept:
        before = base_scripts.get(f"{prefix}{rel}")
        now_rel = _script(now_ids[old.id], lambda r: (top / r).is_file())
        try:
            after: bytes | None = (top / now_rel).read_bytes()
        except OSError:
            after = None
        if before is None or before == after:
            continue
        old_text = before.decode("utf-8", "replace")
        new_text = after.decode("utf-8", "replace") if after is not None else None
        found.append(
            SqitchChange(
                "script",
                old.format_name(),
                _display_of(top / now_rel, location, facts.display),
                integrity.first_difference(old_text, new_text) if new_text is not None else None,
                sqitch.script_hash(before),
                sqitch.script_hash(after) if after is not None else None,
                statements_unchanged=integrity.same_statements(old_text, new_text),
            )
        )
    facts.sqitch = tuple(found)


def _drizzle_facts(facts: RunnerFacts, location: Path, history: History) -> None:
    journal_path = location / drizzle.JOURNAL
    root = history.root
    if not journal_path.is_file():
        facts.drizzle_major = 1  # drizzle-kit 1.0: a folder per migration, no journal (the 1.0 migrator refuses one)
        return
    facts.drizzle_major = 0
    facts.journal_display = _display_of(journal_path, location, facts.display)
    entries = drizzle.journal_entries(_read(journal_path) or "") or []
    facts.journal_whens = {e.tag: e.when for e in entries}
    rel = _rel(journal_path, root) if root is not None else None
    base_bytes = _blob_bytes(history, [rel]).get(rel) if rel is not None else None
    if base_bytes is None:
        return
    base_entries = drizzle.journal_entries(base_bytes.decode("utf-8-sig", "replace")) or []
    facts.journal_whens_base = {e.tag: e.when for e in base_entries}
    if not base_entries:
        return
    newest = max(base_entries, key=lambda e: (e.when, e.position))
    renamed_whens = {e.when for e in base_entries if e.tag not in facts.journal_whens}
    facts.journal_added = tuple(
        JournalEntryChange(e.tag, e.when, e.offset, newest.tag, newest.when)
        for e in entries
        if e.tag not in facts.journal_whens_base and e.when not in renamed_whens
    )


def runner_facts(project: Project, history: History, config: Config, displays: dict) -> dict[Path, RunnerFacts]:
    """The integrity facts of every folder whose runner is not Flyway (nor the generic up-down layout)."""
    result: dict[Path, RunnerFacts] = {}
    root = history.root
    for location, layout in location_layouts(project, config).items():
        display = displays.get(location, ".")
        facts = RunnerFacts(layout, display, read_settings(layout, location, root))
        if history.base is not None:
            if layout == "atlas":
                _atlas_facts(facts, location, history)
            elif layout == "sqitch":
                _sqitch_facts(facts, location, history)
            elif layout == "drizzle":
                _drizzle_facts(facts, location, history)
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
            if migration.location not in sums:
                files = [(p.name, p.read_bytes()) for p in sorted(migration.location.glob("*.sql")) if p.is_file()]
                sums[migration.location] = {line.name: f"h1:{line.hash}" for line in atlas.hash_lines(files)}
            value = sums[migration.location].get(migration.path.name)
            if value is not None:
                found[migration.path] = (field, value)
        elif layout == "liquibase":
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
