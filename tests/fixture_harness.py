"""Reads machine-checked expectations out of rule fixtures.

A rule's fixtures live in ``fixtures/rules/<rule-name>/`` (a small migrations
folder, optionally with its own ``.migration-gate.yml``).  Expectations:

* ``-- expect: MG101`` (or ``MG101, MG101`` for two) on the line a finding is on;
* ``-- expect-file: MG303`` anywhere in a file: a finding at line 1 of that file;
* ``expected.txt``: ``relative/path.sql:LINE CODE`` lines, for files that cannot
  hold a comment (binary, wrong encoding) or findings at the end of input.

The fixture is checked with every rule its configuration enables and the
results are filtered to the rule under test, so both misses and false alarms
of that rule fail the test.
"""

from __future__ import annotations

import re
from pathlib import Path

_EXPECT = re.compile(r"--\s*expect:\s*(MG\d{3}(?:\s*,\s*MG\d{3})*)")
_EXPECT_FILE = re.compile(r"--\s*expect-file:\s*(MG\d{3}(?:\s*,\s*MG\d{3})*)")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def sub_projects(folder: Path) -> list[Path]:
    """Sub-folders with their own ``.migration-gate.yml`` (e.g. another pg_version): checked separately."""
    return sorted(p.parent for p in folder.rglob(".migration-gate.yml") if p.parent != folder)


def own_files(folder: Path) -> list[Path]:
    """The fixture's SQL files that belong to no sub-project."""
    subs = sub_projects(folder)
    return [p for p in sorted(folder.rglob("*.sql")) if not any(p.is_relative_to(s) for s in subs)]


def expectations(folder: Path) -> list[tuple[str, int, str]]:
    expected: list[tuple[str, int, str]] = []
    for path in sorted(folder.rglob("*.sql")):
        rel = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        for lineno, raw in enumerate(_LINE_BREAK.split(data), start=1):
            line = raw.decode("utf-8", "replace")
            for match in _EXPECT.finditer(line):
                expected.extend((rel, lineno, code.strip()) for code in match.group(1).split(","))
            for match in _EXPECT_FILE.finditer(line):
                expected.extend((rel, 1, code.strip()) for code in match.group(1).split(","))
    listing = folder / "expected.txt"
    if listing.exists():
        for raw in listing.read_text(encoding="utf-8").splitlines():
            raw = raw.strip()
            if raw and not raw.startswith("#"):
                where, code = raw.rsplit(" ", 1)
                rel, line = where.rsplit(":", 1)
                expected.append((rel, int(line), code))
    return sorted(expected)
