"""What a runner keeps about its migrations outside their names: a Sqitch plan, a drizzle journal,
a Liquibase changelog's includes, Diesel's folder contents.

Read from disk for one migrations folder (:func:`listing_for`) and handed to the
layout (:meth:`~migration_gate.core.runners.base.Runner.classify`) as a
:class:`~migration_gate.core.runners.base.Listing`: relative path → (position,
version text), plus the folder's files.  Read once per folder and run (the
key includes the files' modification times).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from .core.runners.base import Listing

_EMPTY = Listing()


def needs_listing(layout: str) -> bool:
    """Whether a layout reads its folder's listing (Diesel, Sqitch, drizzle …) to classify a file."""
    return layout in _READERS


def listing_for(location: Path, layout: str) -> Listing | None:
    """The listing a layout needs for a folder (``None`` when it needs none or the folder is missing)."""
    if layout not in _READERS:
        return None
    folder = os.path.normpath(os.path.abspath(location))
    marker = {"sqitch": "sqitch.plan", "drizzle": os.path.join("meta", "_journal.json")}.get(layout)
    try:
        stamp = os.stat(os.path.join(folder, marker)).st_mtime_ns if marker else os.stat(folder).st_mtime_ns
    except OSError:
        stamp = 0
    return _cached(folder, layout, stamp)


@lru_cache(maxsize=128)
def _cached(folder: str, layout: str, stamp: int) -> Listing:
    return _READERS[layout](Path(folder))


# --------------------------------------------------------------------------- Diesel


def _diesel(folder: Path) -> Listing:
    files: set[str] = set()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return _EMPTY
    for entry in entries:
        if entry.is_dir() and not entry.name.startswith("."):
            try:
                files.update(f"{entry.name}/{inner.name}" for inner in os.scandir(entry.path) if inner.is_file())
            except OSError:
                continue
    return Listing(files=frozenset(files))


# --------------------------------------------------------------------------- Sqitch

_PRAGMA = re.compile(r"\s*%")
_NOTE = re.compile(r"(?<=>)\s*#.*$|\s+#.*$")


def sqitch_plan(text: str) -> list[tuple[str, list[str]]]:
    """The plan's change instances in order: (change name, the tags that follow it before its rework)."""
    changes: list[tuple[str, list[str]]] = []
    pending_tags: list[int] = []  # indexes of changes whose next rework is not yet seen
    for raw in text.splitlines():
        line = _NOTE.sub("", raw).strip()
        if not line or line.startswith("#") or _PRAGMA.match(raw):
            continue
        if line.startswith("@"):
            tag = line.split()[0]
            for index in pending_tags:
                changes[index][1].append(tag)
            continue
        name = line.split()[0].lstrip("+-")
        for index in list(pending_tags):
            if changes[index][0] == name:
                pending_tags.remove(index)
        changes.append((name, []))
        pending_tags.append(len(changes) - 1)
    return changes


def _sqitch(folder: Path) -> Listing:
    try:
        text = (folder / "sqitch.plan").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return _EMPTY
    changes = sqitch_plan(text)
    latest: dict[str, int] = {}
    for index, (name, _) in enumerate(changes):
        latest[name] = index
    order: dict[str, tuple[int, str]] = {}
    for index, (name, tags) in enumerate(changes):
        if latest[name] == index:
            order.setdefault(f"deploy/{name}.sql", (index, name))
            continue
        # A reworked change's earlier instance: `<name>@<tag>.sql`, the first rework tag with a file.
        chosen = next(
            (tag for tag in tags if (folder / "deploy" / f"{name}{tag}.sql").is_file()), tags[0] if tags else ""
        )
        order.setdefault(f"deploy/{name}{chosen}.sql", (index, f"{name}{chosen}"))
    return Listing(order=order)


# --------------------------------------------------------------------------- drizzle


def _drizzle(folder: Path) -> Listing:
    """The journal's order; ``files`` holds ``meta/_journal.json`` when it is there at all (drizzle-orm 1.x refuses
    a folder that has one, readable or not)."""
    from .core.runners.drizzle import JOURNAL, journal_entries

    try:
        text = (folder / JOURNAL).read_text(encoding="utf-8")
    except OSError:
        return _EMPTY
    try:
        entries = journal_entries(text)
    except ValueError:
        entries = []
    order: dict[str, tuple[int, str]] = {}
    for index, (tag, _) in enumerate(entries):
        order.setdefault(f"{tag}.sql", (index, tag))
    return Listing(order=order, files=frozenset({JOURNAL}))


# --------------------------------------------------------------------------- Liquibase


def _liquibase(folder: Path) -> Listing:
    changelogs = [p for p in _files(folder) if p.suffix in (".xml", ".yaml", ".yml", ".json") and _is_changelog(p)]
    if not changelogs:
        return _EMPTY
    includes: dict[Path, list[Path]] = {p: _includes(p, folder) for p in changelogs}
    included = {child for children in includes.values() for child in children}
    roots = sorted(p for p in changelogs if p not in included)
    order: dict[str, tuple[int, str]] = {}
    seen: set[Path] = set()

    def visit(changelog: Path) -> None:
        if changelog in seen:
            return
        seen.add(changelog)
        for child in includes.get(changelog) or _includes(changelog, folder):
            if child.suffix == ".sql":
                rel = child.relative_to(folder).as_posix()
                order.setdefault(rel, (len(order), rel))
            else:
                visit(child)

    for root in roots:
        visit(root)
    return Listing(order=order)


def _files(folder: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath, name) for name in sorted(filenames))
    return out


def _is_changelog(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return b"databaseChangeLog" in handle.read(16384)
    except OSError:
        return False


def _includes(changelog: Path, folder: Path) -> list[Path]:
    """What a changelog includes, in document order (``includeAll``: the files under the path, sorted)."""
    entries = _xml_entries(changelog) if changelog.suffix == ".xml" else _yaml_entries(changelog)
    out: list[Path] = []
    for kind, target, relative in entries:
        resolved = _resolve(target, changelog, folder, relative)
        if resolved is None:
            continue
        if kind == "include" and resolved.is_file():
            out.append(resolved)
        elif kind == "includeAll" and resolved.is_dir():
            found = [p for p in _files(resolved) if p.suffix in (".sql", ".xml", ".yaml", ".yml", ".json")]
            out.extend(sorted(found, key=lambda p: p.as_posix()))
    return out


def _resolve(target: str, changelog: Path, folder: Path, relative: bool) -> Path | None:
    target = target.removeprefix("classpath:").removeprefix("/")
    candidates = [changelog.parent / target] if relative else []
    candidates += [folder / target, changelog.parent / target]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    parts = Path(target).parts  # classpath-relative: match the longest suffix under the folder
    for start in range(len(parts)):
        candidate = folder.joinpath(*parts[start:])
        if candidate.exists():
            return candidate
    return None


def _xml_entries(path: Path) -> list[tuple[str, str, bool]]:
    import xml.etree.ElementTree as ElementTree

    try:
        tree = ElementTree.parse(path)
    except (ElementTree.ParseError, OSError):
        return []
    out = []
    for element in tree.getroot():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        relative = element.get("relativeToChangelogFile", "false").lower() == "true"
        if tag == "include" and element.get("file"):
            out.append(("include", element.get("file", ""), relative))
        elif tag == "includeAll" and element.get("path"):
            out.append(("includeAll", element.get("path", ""), relative))
    return out


def _yaml_entries(path: Path) -> list[tuple[str, str, bool]]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except (yaml.YAMLError, OSError):
        return []
    items = data.get("databaseChangeLog") if isinstance(data, dict) else None
    out = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        for kind, key in (("include", "file"), ("includeAll", "path")):
            body = item.get(kind)
            if isinstance(body, dict) and isinstance(body.get(key), str):
                relative = str(body.get("relativeToChangelogFile", False)).lower() == "true"
                out.append((kind, body[key], relative))
    return out


_READERS = {"diesel": _diesel, "sqitch": _sqitch, "drizzle": _drizzle, "liquibase": _liquibase}
