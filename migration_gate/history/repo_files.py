"""Reading a repository's files for the runner facts: a folder's ancestors, text files, ``git grep``,
the base's blobs, and paths as reports show them.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .git import History

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def ancestors(location: Path, root: Path | None) -> list[Path]:
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


def shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def read_optional(path: Path) -> str | None:
    """A text file as reports quote it (a BOM dropped, as :func:`read_text` does for positions)."""
    try:
        return read_text(path)
    except OSError:
        return None


def read_text(path: Path) -> str:
    """How the history reads a non-SQL file it reports on (``atlas.sum``, ``sqitch.plan``, a journal)."""
    return path.read_bytes().decode("utf-8-sig", errors="replace")


def display_of(path: Path, location: Path, location_display: str) -> str:
    """A file as reports show it: inside the location like its migrations, else relative to the current folder."""
    try:
        rel = path.resolve().relative_to(location.resolve()).as_posix()
    except ValueError:
        return os.path.relpath(path, Path.cwd())
    return rel if location_display in ("", ".") else f"{location_display}/{rel}"


def repo_relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def line_offsets(text: str) -> list[int]:
    return [0, *(m.end() for m in LINE_BREAK.finditer(text))]


def base_blobs(history: History, relpaths: list[str]) -> dict[str, bytes]:
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


#: Files that talk about a runner's flags rather than set them (documentation, changelogs).
_NOT_SETTINGS = (":(exclude,glob)**/*.md", ":(exclude,glob)**/*.rst", ":(exclude,glob)**/*.txt")


def grep(root: Path | None, pattern: str) -> list[tuple[str, int, str]]:
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
