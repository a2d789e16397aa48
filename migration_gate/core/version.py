"""Migration versions, compared the way the runner compares them.

Flyway (``MigrationVersion``): ``_`` is read as ``.``, the string is split at
every ``.`` that is followed by a digit, each part is an arbitrary-precision
integer, and **trailing zero parts are dropped**.  Comparison pads the shorter
version with zeros.  So ``1`` == ``001`` == ``1.0`` == ``1_0_0``, and
``1.10`` > ``1.9``.  Two files whose versions are equal under this rule are
duplicates to Flyway ("Found more than one migration with version 1").

Up/down layouts (golang-migrate, Diesel, pop): the version is the file or folder
name before the first ``_`` with ``-`` removed (Diesel's ``2024-03-05-120032``
is ``20240305120032``), compared as a number when it is all digits and as text
otherwise (numbers sort before text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_FLYWAY_SPLIT = re.compile(r"\.(?=\d)")


class InvalidVersion(ValueError):
    """The text is not a version the runner can read."""


@dataclass(frozen=True, slots=True, order=False)
class Version:
    """A comparable migration version; ``text`` is kept for display."""

    text: str
    key: tuple[Any, ...] = field(compare=False, repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __lt__(self, other: Version) -> bool:
        return self.key < other.key

    def __le__(self, other: Version) -> bool:
        return self.key <= other.key

    def __gt__(self, other: Version) -> bool:
        return self.key > other.key

    def __ge__(self, other: Version) -> bool:
        return self.key >= other.key

    def __str__(self) -> str:
        return self.text


def flyway_version(text: str) -> Version:
    """Parse a Flyway version (``1``, ``001``, ``1.2.3``, ``2020_10_31``)."""
    normalized = text.replace("_", ".")
    parts = _FLYWAY_SPLIT.split(normalized)
    if not text or not all(p.isdigit() and p.isascii() for p in parts):
        raise InvalidVersion(f"could not recognise version number {text!r}")
    numbers = [int(p) for p in parts]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    # A tuple of ints compares like Flyway's zero-padded comparison once
    # trailing zeros are gone: (1,) < (1, 1) and (1, 9) < (1, 10).
    return Version(text, (0, tuple(numbers)))


def updown_version(text: str) -> Version:
    """Parse an up/down layout version (``20240305120032``, ``2024-03-05-120032``)."""
    compact = text.replace("-", "")
    if not compact:
        raise InvalidVersion(f"empty version in {text!r}")
    if compact.isdigit() and compact.isascii():
        return Version(text, (0, (int(compact),)))
    return Version(text, (1, (compact,)))
