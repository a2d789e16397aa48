"""Walking a migrations location: its folders (hidden ones and other locations left out), their file
names, and which entries are symbolic links, as ``os.walk`` walks.

Split from :mod:`migration_gate.discovery_files`, which re-exports :func:`walk`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .core.config import location_key


def walk(folder: Path, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str, list[str]]]:
    """(folder, its path relative to ``folder`` with ``/``, sorted file names), hidden folders skipped.

    ``skip``: absolute keys of sub-folders that are locations of their own.
    """
    for dirpath, rel, names, _links in walk_noting_links(folder, skip):
        yield dirpath, rel, names


def walk_noting_links(
    folder: Path, skip: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str, list[str], frozenset[str]]]:
    """:func:`walk`, and the names in each folder that are symbolic links (from the listing's entry types:
    no system call per file, where asking each file afterwards costs one).

    As ``os.walk`` (top-down, errors skipped, links to folders listed but not entered), with the same
    folder order: sorted, hidden ones and ``skip`` left out.
    """
    root = os.fspath(folder)
    pending = [root]
    while pending:
        dirpath = pending.pop()
        dirnames: list[str] = []
        filenames: list[str] = []
        links: set[str] = set()
        try:
            with os.scandir(dirpath) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirnames if is_dir else filenames).append(entry.name)
                    try:
                        if entry.is_symlink():
                            links.add(entry.name)
                    except OSError:  # os.walk's own link test (os.path.islink) says no then
                        pass
        except OSError:
            continue
        dirnames = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and (not skip or location_key(os.path.join(dirpath, d)) not in skip)
        )
        rel = dirpath[len(root) :].lstrip(os.sep).replace(os.sep, "/")
        yield dirpath, rel, sorted(filenames), frozenset(links)
        pending.extend(os.path.join(dirpath, d) for d in reversed(dirnames) if d not in links)
