"""Running git (one subprocess per call; a failure is a :class:`GitError`), the repository root, and a
resolver of many paths in few folders."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitError(Exception):
    pass


class Pending:
    """A git command started and not yet waited for: commands that need nothing of each other run side by
    side (a long history's ``diff`` takes 60 ms, its ``ls-tree`` and untracked listing 12 ms each)."""

    __slots__ = ("_args", "_input", "_process")

    def __init__(self, args: list[str], cwd: Path, input: bytes | None = None) -> None:
        self._args, self._input = args, input
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["git", "--literal-pathspecs", *args],
                cwd=cwd,
                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except FileNotFoundError:
            self._process = None

    def result(self) -> bytes:
        """Its output, once it has finished (a :class:`GitError` when it failed)."""
        if self._process is None:
            raise GitError("git is not installed")
        out, err_bytes = self._process.communicate(self._input)
        if self._process.returncode != 0:
            err = err_bytes.decode("utf-8", "replace").strip()
            raise GitError(
                err.splitlines()[-1] if err else f"git {self._args[0]} failed (exit {self._process.returncode})"
            )
        return out

    def discard(self) -> None:
        """Stop it if it still runs and reap it: a command started beside one that failed."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.communicate()


def _run_git(args: list[str], cwd: Path, input: bytes | None = None) -> bytes:
    return Pending(args, cwd, input).result()


def git(args: list[str], cwd: Path) -> str:
    return _run_git(args, cwd).decode("utf-8", "surrogateescape")


def repo_root(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    try:
        return Path(git(["rev-parse", "--show-toplevel"], folder).strip())
    except (GitError, OSError):
        return None


class Resolver:
    """``Path.resolve()`` for the many files of a few folders: each folder is resolved once.

    A whole history's files (tens of thousands) would otherwise each walk their path component by
    component; a file that is itself a symbolic link is still resolved whole.  Whether many files of a
    folder are links is read from its listing (:meth:`links_in`: the listing's entry types cost no system
    call per file; an ``lstat`` each costs 3 µs); a single question uses a listing already read, or
    ``lstat``.
    """

    __slots__ = ("_folders", "_links")

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}
        self._links: dict[str, frozenset[str] | None] = {}  # None: the folder cannot be listed

    def __call__(self, path: Path) -> Path:
        return Path(self.text(str(path)))

    def text(self, path: str) -> str:
        """The resolved path of a path, both as text."""
        folder, name = os.path.split(path)
        if name in ("", ".", "..") or self._is_link(folder, name, path):
            return os.path.realpath(path)
        return os.path.join(self.folder(folder), name)

    def folder(self, folder: str) -> str:
        """The resolved path of a folder, as text (resolved once)."""
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return real

    def is_link(self, path: Path | str) -> bool:
        """``os.path.islink``, answered from the folder's listing when it has been read."""
        text = os.fspath(path)
        folder, name = os.path.split(text)
        return self._is_link(folder, name, text)

    def links_in(self, folder: str) -> frozenset[str] | None:
        """The names of the links in a folder, from its listing (None: it cannot be listed; ask
        :meth:`is_link` per file)."""
        if folder not in self._links:
            self._links[folder] = _links_in(folder)
        return self._links[folder]

    def _is_link(self, folder: str, name: str, path: str) -> bool:
        links = self._links.get(folder)
        return name in links if links is not None else os.path.islink(path)


def _links_in(folder: str) -> frozenset[str] | None:
    """The names of the symbolic links in a folder (None when it cannot be listed)."""
    try:
        with os.scandir(folder or ".") as entries:
            return frozenset(entry.name for entry in entries if entry.is_symlink())
    except OSError:
        return None
