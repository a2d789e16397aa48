"""What git says of a change: the files that differ from a commit to the working tree (renames found,
untracked files included), a commit's tree below some folders, and blobs' contents.

Split from :mod:`migration_gate.history.git`, which re-exports the public names and builds the
:class:`~migration_gate.history.git.History` from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .gitcmd import GitError, Pending, _run_git

# --------------------------------------------------------------------------- what changed


@dataclass(frozen=True, slots=True)
class Change:
    status: str  # added | modified | renamed | deleted
    path: Path  # absolute; for deleted files the old path
    old_path: Path | None = None


@dataclass(frozen=True, slots=True)
class _RawChange:
    status: str
    path: str  # relative to the repository root, with /
    old_path: str | None
    old_blob: str | None


def _pathspecs(locations: list[str]) -> list[str]:
    return ["--", *(locations or ["."])]


def _raw_changes(root: Path, since: str, locations: list[str]) -> list[_RawChange]:
    """``git diff --raw -M`` from a commit to the working tree, plus untracked files."""
    diff = Pending(
        ["diff", "--raw", "-z", "-M", "--no-ext-diff", "--no-textconv", "--abbrev=40", since, *_pathspecs(locations)],
        root,
    )
    others = Pending(["ls-files", "--others", "--exclude-standard", "-z", *_pathspecs(locations)], root)
    try:
        out = diff.result().decode("utf-8", "surrogateescape")
    except GitError:
        others.discard()
        raise
    fields = out.split("\0")
    changes: list[_RawChange] = []
    i = 0
    while i < len(fields) and fields[i].startswith(":"):
        meta = fields[i][1:].split()
        letter = meta[4][0]
        old_blob: str | None = None if set(meta[2]) == {"0"} else meta[2]
        if letter in "RC":
            old, new = fields[i + 1], fields[i + 2]
            if letter == "R":
                changes.append(_RawChange("renamed", new, old, old_blob))
            else:
                changes.append(_RawChange("added", new, None, None))
            i += 3
            continue
        path = fields[i + 1]
        status = {"A": "added", "D": "deleted"}.get(letter, "modified")
        changes.append(_RawChange(status, path, path if status != "added" else None, old_blob))
        i += 2
    untracked = [name for name in others.result().decode("utf-8", "surrogateescape").split("\0") if name]
    return _untracked_renames(root, changes, untracked)


def _untracked_renames(root: Path, changes: list[_RawChange], untracked: list[str]) -> list[_RawChange]:
    """A deleted file whose exact content reappears as an untracked file was renamed."""
    if not untracked:
        return changes
    deleted = {c.old_blob: c for c in changes if c.status == "deleted" and c.old_blob}
    blobs: list[str | None] = [None] * len(untracked)
    if deleted:
        hashed = _run_git(
            ["hash-object", "--stdin-paths"],
            root,
            input="".join(f"{p}\n" for p in untracked).encode("utf-8", "surrogateescape"),
        )
        blobs = list(hashed.decode().split())
    result = list(changes)
    for path, blob in zip(untracked, blobs):
        gone = deleted.pop(blob, None) if blob else None
        if gone is not None:
            result.remove(gone)
            result.append(_RawChange("renamed", path, gone.path, gone.old_blob))
        else:
            result.append(_RawChange("added", path, None, None))
    return result


def changed_files(root: Path, base_sha: str, locations: list[str] | None = None) -> list[Change]:
    """Files that differ between ``base_sha`` and the working tree (renames detected)."""
    return [
        Change(c.status, root / c.path, root / c.old_path if c.status == "renamed" and c.old_path else None)
        for c in _raw_changes(root, base_sha, locations or [])
    ]


def list_tree(root: Path, sha: str, locations: list[str]) -> dict[str, str]:
    """Every blob below the locations in a commit: path (from the root, with /) → object id."""
    return _tree_entries(_start_list_tree(root, sha, locations))


def _start_list_tree(root: Path, sha: str, locations: list[str]) -> Pending:
    return Pending(["ls-tree", "-r", "-z", "--full-tree", sha, *_pathspecs(locations)], root)


def _tree_entries(listing: Pending) -> dict[str, str]:
    out = listing.result()
    tree: dict[str, str] = {}
    for entry in out.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        _mode, kind, oid = meta.split()
        if kind == "blob":
            tree[path] = oid
    return tree


def read_blobs(root: Path, oids: list[str]) -> dict[str, bytes]:
    """The contents of blobs, read with one ``git cat-file --batch``."""
    wanted = sorted(set(oids))
    if not wanted:
        return {}
    out = _run_git(["cat-file", "--batch"], root, input="".join(f"{o}\n" for o in wanted).encode())
    contents: dict[str, bytes] = {}
    pos = 0
    for oid in wanted:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        pos = header_end + 1
        if len(header) == 3:
            size = int(header[2])
            contents[oid] = out[pos : pos + size]
            pos += size + 1
    return contents
