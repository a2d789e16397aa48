"""Flyway ``${name}`` placeholders, substituted before parsing.

Flyway replaces placeholders everywhere in a script (strings and comments
included) before it splits statements, so we do the same and keep a map from
the substituted text back to the original, so that findings point at the file
the user wrote.  Flyway's built-in ``${flyway:…}`` placeholders always have a
value.  An undefined placeholder is left in place (Flyway would stop with
"No value provided for placeholder") and reported by the caller.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\$\{([^${}\s]+)\}")

#: Values for Flyway's built-in placeholders; realistic stand-ins so the SQL parses.
BUILTINS = {
    "flyway:defaultSchema": "public",
    "flyway:user": "flyway",
    "flyway:database": "postgres",
    "flyway:timestamp": "2000-01-01 00:00:00",
    "flyway:table": "flyway_schema_history",
    "flyway:environment": "default",
    "flyway:workingDirectory": ".",
}


@dataclass(frozen=True, slots=True)
class UndefinedPlaceholder:
    name: str
    start: int  # character offset in the original text
    end: int


@dataclass(slots=True)
class Substitution:
    """The substituted text and the offset map back to the original."""

    text: str
    # Parallel lists: for the k-th replacement, where it starts/ends in the
    # substituted text and in the original text.
    parsed_starts: list[int]
    parsed_ends: list[int]
    original_starts: list[int]
    original_ends: list[int]
    undefined: list[UndefinedPlaceholder]

    def original_offset(self, offset: int) -> int:
        k = bisect.bisect_right(self.parsed_starts, offset) - 1
        if k < 0:
            return offset
        if offset < self.parsed_ends[k]:
            return self.original_starts[k]  # inside a replacement: point at the placeholder
        return self.original_ends[k] + (offset - self.parsed_ends[k])


def substitute(text: str, values: Mapping[str, str], filename: str) -> Substitution | None:
    """Replace ``${name}`` placeholders; ``None`` when the text has none."""
    if "${" not in text:
        return None
    parts: list[str] = []
    parsed_starts: list[int] = []
    parsed_ends: list[int] = []
    original_starts: list[int] = []
    original_ends: list[int] = []
    undefined: list[UndefinedPlaceholder] = []
    last = 0
    length = 0
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name in values:
            value = values[name]
        elif name == "flyway:filename":
            value = filename
        elif name in BUILTINS:
            value = BUILTINS[name]
        else:
            undefined.append(UndefinedPlaceholder(name, match.start(), match.end()))
            continue
        chunk = text[last : match.start()]
        parts.append(chunk)
        length += len(chunk)
        parsed_starts.append(length)
        original_starts.append(match.start())
        parts.append(value)
        length += len(value)
        parsed_ends.append(length)
        original_ends.append(match.end())
        last = match.end()
    if not parsed_starts and not undefined:
        return None
    parts.append(text[last:])
    return Substitution("".join(parts), parsed_starts, parsed_ends, original_starts, original_ends, undefined)
