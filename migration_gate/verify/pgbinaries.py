"""Finding the PostgreSQL server binaries (``initdb``, ``pg_ctl``) a throwaway server runs
(:mod:`migration_gate.verify.pgserver`), and the error that says what to install when there are none.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
from pathlib import Path

INSTALL_HINT = (
    "install the PostgreSQL server: `apt-get install postgresql` (Debian/Ubuntu), "
    "`brew install postgresql@16` (macOS), or put its bin folder on PATH"
)


class ServerError(Exception):
    """The server could not be found, started or stopped; the message says what to do."""


def find_bindir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` live: ``pg_config --bindir``, PATH, Debian's folders."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)

    def major(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major, reverse=True):
        candidates.append(Path(path))
    candidates.extend(Path(p) for p in sorted(glob.glob("/opt/homebrew/opt/postgresql@*/bin"), reverse=True))
    candidates.extend(Path(p) for p in sorted(glob.glob("/usr/local/opt/postgresql@*/bin"), reverse=True))
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise ServerError(f"no PostgreSQL server binaries (initdb, pg_ctl) found; {INSTALL_HINT}")
