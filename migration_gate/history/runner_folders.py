"""What the files beside a folder's SQL say, now and on the base: Atlas's ``atlas.sum``, Sqitch's
``sqitch.plan`` and deploy scripts, drizzle's journal (see :mod:`migration_gate.history.integrity`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import integrity
from ..core.context import JournalEntryChange, RunnerFacts, SqitchChange, SumProblem
from ..core.integrity import atlas, drizzle, sqitch
from .repo_files import ancestors, base_blobs, display_of, line_offsets, read_optional, repo_relative

if TYPE_CHECKING:
    from .git import History


def _atlas_format(location: Path, root: Path | None) -> str | None:
    for folder in ancestors(location, root):
        text = read_optional(folder / "atlas.hcl")
        if text is not None:
            match = re.search(r"\bformat\s*=\s*\"?([A-Za-z_-]+)", text)
            return match.group(1).lower().replace("_", "-") if match else None
    return None


def atlas_facts(facts: RunnerFacts, location: Path, history: History) -> None:
    sum_path = location / atlas.SUM_FILE
    root = history.root
    facts.sum_display = display_of(sum_path, location, facts.display)
    files = []
    # atlas.hcl `format = golang-migrate`: Atlas reads (and hashes) the .up.sql files only.
    pattern = "*.up.sql" if _atlas_format(location, root) == "golang-migrate" else "*.sql"
    for path in sorted(location.glob(pattern)):
        if path.is_file():
            try:
                files.append((path.name, path.read_bytes()))
            except OSError:
                continue
    text = read_optional(sum_path) if sum_path.is_file() else None
    starts = line_offsets(text or "")
    facts.sum_problems = tuple(
        SumProblem(p.line, starts[p.line - 1] if p.line - 1 < len(starts) else len(text or ""), p.file, p.reason)
        for p in atlas.check(text, files)
    )
    if facts.sum_problems and root is not None and history.base is not None:
        folder = repo_relative(location, root)
        if folder is not None:
            prefix = "" if folder == "." else folder + "/"
            names = [p for p in history.merged if p.startswith(prefix) and "/" not in p[len(prefix) :]]
            base = base_blobs(history, names)
            suffix = pattern[1:]
            base_files = [(p[len(prefix) :], b) for p, b in base.items() if p.endswith(suffix)]
            base_sum = base.get(prefix + atlas.SUM_FILE)
            base_text = base_sum.decode("utf-8", "replace") if base_sum is not None else None
            facts.sum_broken_on_base = bool(base_files or base_text) and bool(atlas.check(base_text, base_files))


def _find_plan(location: Path, root: Path | None) -> Path | None:
    for folder in ancestors(location, root):
        if (folder / "sqitch.plan").is_file():
            return folder / "sqitch.plan"
    return None


def _script(change: sqitch.Change, exists) -> str:
    """The deploy script Sqitch runs for a change, relative to the plan's folder (the first that exists)."""
    names = change.script_names()
    return next((f"deploy/{n}" for n in names if exists(f"deploy/{n}")), f"deploy/{names[0]}")


def sqitch_facts(facts: RunnerFacts, location: Path, history: History) -> None:
    root = history.root
    plan_path = _find_plan(location, root)
    if plan_path is None or root is None or history.base is None:
        return
    plan_rel = repo_relative(plan_path, root)
    if plan_rel is None:
        return
    top = plan_path.parent
    top_rel = plan_rel.rpartition("/")[0]
    prefix = f"{top_rel}/" if top_rel else ""
    facts.plan_display = plan_display = display_of(plan_path, location, facts.display)
    base_plan_bytes = base_blobs(history, [plan_rel]).get(plan_rel)
    if base_plan_bytes is None:
        return
    base_plan = sqitch.parse_plan(base_plan_bytes.decode("utf-8", "replace"))
    now_plan = sqitch.parse_plan(read_optional(plan_path) or "")
    found = _changed_id(base_plan, now_plan, plan_display)
    found += _edited_scripts(facts, location, history, (root, history.base.sha), (base_plan, now_plan), top, prefix)
    facts.sqitch = tuple(found)


def _changed_id(base_plan: sqitch.Plan, now_plan: sqitch.Plan, plan_display: str) -> list[SqitchChange]:
    """A merged change whose ID is gone: the first one (every later ID follows from it through ``parent``)."""
    found: list[SqitchChange] = []
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
    return found


def _edited_scripts(
    facts: RunnerFacts,
    location: Path,
    history: History,
    base: tuple[Path, str],
    plans: tuple[sqitch.Plan, sqitch.Plan],
    top: Path,
    prefix: str,
) -> list[SqitchChange]:
    """Merged changes that keep their ID: their deploy script as Sqitch resolves it, then and now.

    ``base``: the repository root and the base commit; ``plans``: the plan on the base and now.
    """
    from .git import list_tree

    root, base_sha = base
    base_plan, now_plan = plans
    found: list[SqitchChange] = []
    now_ids = {c.id: c for c in now_plan.changes}
    base_tree = list_tree(root, base_sha, [f"{prefix}deploy"])
    kept = [(c, _script(c, lambda rel: f"{prefix}{rel}" in base_tree)) for c in base_plan.changes if c.id in now_ids]
    base_scripts = base_blobs(history, [f"{prefix}{rel}" for _, rel in kept])
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
                display_of(top / now_rel, location, facts.display),
                integrity.first_difference(old_text, new_text) if new_text is not None else None,
                sqitch.script_hash(before),
                sqitch.script_hash(after) if after is not None else None,
                statements_unchanged=integrity.same_statements(old_text, new_text),
            )
        )
    return found


def drizzle_facts(facts: RunnerFacts, location: Path, history: History) -> None:
    journal_path = location / drizzle.JOURNAL
    root = history.root
    if not journal_path.is_file():
        facts.drizzle_major = 1  # drizzle-kit 1.0: a folder per migration, no journal (the 1.0 migrator refuses one)
        return
    facts.drizzle_major = 0
    facts.journal_display = display_of(journal_path, location, facts.display)
    entries = drizzle.journal_entries(read_optional(journal_path) or "") or []
    facts.journal_whens = {e.tag: e.when for e in entries}
    rel = repo_relative(journal_path, root) if root is not None else None
    base_bytes = base_blobs(history, [rel]).get(rel) if rel is not None else None
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
