"""Reading configuration values: a :class:`Reader` takes keys out of a mapping, type-checking each and
naming the file and the key on error; levels, sizes, durations and file lists are read here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .core.config import DAY
from .core.severity import Severity
from .errors import ConfigError


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``; did you mean `x`?`` for the closest candidate (difflib), or an empty string."""
    import difflib

    pool = sorted(set(candidates))
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[c] for c in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)]
    return f"; did you mean `{close[0]}`?" if close else ""


class Reader:
    """Takes keys out of a mapping, type-checking each and naming it on error."""

    def __init__(self, data: Mapping, file: Path | None, prefix: str = ""):
        if not isinstance(data, Mapping):
            raise ConfigError(f"{file}: {prefix.rstrip('.') or 'config'}: must be a mapping")
        self.data = dict(data)
        self.file = file
        self.prefix = prefix
        self.known: set[str] = set()  # every key asked for: what an unknown key may have meant

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.file or 'config'}: {self.prefix}{key}: {problem}")

    def take(self, key: str, kind: type | tuple, default: Any = None) -> Any:
        self.known.add(key)
        if key not in self.data:
            return default
        value = self.data.pop(key)
        if kind is int and isinstance(value, bool):
            raise self.fail(key, f"expected a number, got {value!r}")
        if not isinstance(value, kind):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(key, f"expected {_article(names)}, got {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
        value = self.take(key, str, default)
        if value is not None and value not in choices:
            raise self.fail(key, f"{value!r} is not one of {', '.join(choices)}{did_you_mean(value, choices)}")
        return value

    def finish(self) -> None:
        if self.data:
            key = sorted(map(str, self.data))[0]
            raise self.fail(key, f"unknown setting{did_you_mean(key, self.known)}")


def _article(names: str) -> str:
    return ("an " if names[0] in "aeiou" else "a ") + names


def read_level(raw: Any, reader: Reader, key: str, prefix: str = "rules.") -> Severity:
    if raw is False:  # YAML reads a bare `off` as false
        return Severity.OFF
    if not isinstance(raw, str):
        raise ConfigError(f"{reader.file or 'config'}: {prefix}{key}: expected a level, got {raw!r}")
    try:
        return Severity.parse(raw)
    except ValueError as exc:
        hint = did_you_mean(raw, ("off", "info", "warning", "error"))
        raise ConfigError(f"{reader.file or 'config'}: {prefix}{key}: {exc}{hint}") from None


def read_size(value: Any, reader: Reader, key: str = "max_file_size") -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise reader.fail(key, "must be positive")
        return int(value)
    if not isinstance(value, str):
        raise reader.fail(key, f"{value!r} is not a size like 10MB")
    text = value.strip().upper().replace(" ", "")
    for suffix, factor in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("KB", 1024), ("B", 1)):
        number = text[: -len(suffix)]
        if text.endswith(suffix) and number.replace(".", "", 1).isdigit() and float(number) > 0:
            return int(float(number) * factor)
    raise reader.fail(key, f"{value!r} is not a size like 10MB")


_UNITS = {"ms": 0.001, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": DAY, "day": DAY, "days": DAY, "w": 7 * DAY}


def read_duration(value: Any, reader: Reader, key: str, bare: float = 1.0) -> float:
    """Seconds from a number (in units of ``bare``) or a text like ``500ms``, ``60s``, ``2min``, ``30d``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise reader.fail(key, "must be positive")
        return float(value) * bare
    text = str(value).strip().lower().replace(" ", "")
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number) :]
    try:
        amount = float(number)
    except ValueError:
        amount = -1.0
    if unit not in _UNITS or amount <= 0:
        raise reader.fail(key, f"{value!r} is not a duration like 60s, 5min, 12h or 30d")
    return amount * _UNITS[unit]


def read_positive(value: Any, reader: Reader, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise reader.fail(key, f"expected a positive number, got {value!r}")
    return float(value)


def read_files(reader: Reader, key: str) -> list[str]:
    value = reader.take(key, (str, list), [])
    if isinstance(value, str):
        value = [value]
    if not all(isinstance(s, str) and s for s in value):
        raise reader.fail(key, "expected a file or a list of files")
    return value
