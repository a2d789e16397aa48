"""Finding levels, from ``off`` to ``error``."""

from __future__ import annotations

from enum import IntEnum


class Severity(IntEnum):
    OFF = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"{text!r} is not a level (use off, info, warning or error)") from None

    @property
    def label(self) -> str:
        return self.name.lower()
