"""Where a runner's settings are looked for: the repository's root, a folder's ancestors, and the project
files near a folder (:class:`Hints`, read once)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol


class Found(Protocol):
    """A migrations folder whose runner is known (``detection.Found`` is one)."""

    folder: Path
    layout: str
    options: dict[str, str]
    facts: list[str]


def repo_root(start: Path) -> Path:
    """The repository's root (the folder holding ``.git``), else the filesystem root."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return Path(start.anchor)


def ancestors(folder: Path, top: Path) -> list[Path]:
    """``folder`` and its parents up to ``top`` (inclusive), nearest first."""
    folder = folder.resolve()
    out = []
    for candidate in (folder, *folder.parents):
        out.append(candidate)
        if candidate == top:
            break
    return out


class Hints:
    """Project files near a folder (go.mod, Cargo.toml, package.json, …), read once."""

    def __init__(self, top: Path):
        self.top = top
        self._cache: dict[Path, str | None] = {}

    def read(self, path: Path) -> str | None:
        if path not in self._cache:
            self._cache[path] = _read(path) if path.is_file() else None
        return self._cache[path]

    def nearest(self, folder: Path, name: str) -> tuple[Path, str] | None:
        for candidate in ancestors(folder, self.top):
            text = self.read(candidate / name)
            if text is not None:
                return candidate / name, text
        return None

    def pair_runner(self, folder: Path) -> tuple[str, str] | None:
        """Which runner a project dependency names for ``.up.sql`` pairs: (layout, reason)."""
        gomod = self.nearest(folder, "go.mod")
        if gomod:
            text = gomod[1]
            for module, layout in (
                ("github.com/golang-migrate/migrate", "golang-migrate"),
                ("github.com/gobuffalo/pop", "pop"),
                ("github.com/ory/x", "pop"),
                ("github.com/ory/pop", "pop"),
            ):
                if module in text:
                    return layout, f"from {module} in go.mod"
        cargo = self.nearest(folder, "Cargo.toml")
        if cargo:
            if re.search(r"^\s*diesel(_migrations)?\s*=", cargo[1], re.M):
                return "diesel", "from diesel in Cargo.toml"
            if re.search(r"^\s*sqlx(-cli)?\s*=", cargo[1], re.M):
                return "sqlx", "from sqlx in Cargo.toml"
        return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
