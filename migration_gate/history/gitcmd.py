"""Running git (one subprocess per call; a failure is a :class:`GitError`), the repository root, and a
resolver of many paths in few folders."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitError(Exception):
    pass


def _run_git(args: list[str], cwd: Path, input: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "--literal-pathspecs", *args], cwd=cwd, capture_output=True, input=input)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(err.splitlines()[-1] if err else f"git {args[0]} failed (exit {done.returncode})")
    return done.stdout


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
    component; a file that is itself a symbolic link is still resolved whole.
    """

    __slots__ = ("_folders",)

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: Path) -> Path:
        return Path(self.text(str(path)))

    def text(self, path: str) -> str:
        """The resolved path of a path, both as text."""
        folder, name = os.path.split(path)
        if name in ("", ".", "..") or os.path.islink(path):
            return os.path.realpath(path)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real, name)
