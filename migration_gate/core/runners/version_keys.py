"""How the runners compare versions: the version keys the layouts build (a number, text, ``localeCompare``,
a position in a list the runner keeps)."""

from __future__ import annotations

import unicodedata

from ..version import InvalidVersion, Version

# Version keys are ``(family, payload)``: payloads of one family compare with each other, and keys of
# different runners (a monorepo) still sort without error: 0 numbers (Flyway's parts, goose, sqlx, …),
# 1 text, 2 localeCompare, 3/4 sql-migrate's numbered / unnumbered names, 5 positions in a plan or journal.


def numeric_version(text: str, digits: str | None = None) -> Version:
    """A version compared as a number (``digits``: the number's text when it differs from ``text``)."""
    number = digits if digits is not None else text
    try:
        value = int(number)
    except ValueError:
        raise InvalidVersion(f"version {text!r} is not a number") from None
    return Version(text, (0, (value,)))


def text_version(text: str, compare: str | None = None) -> Version:
    """A version compared as text, character by character (Go and Rust string order on UTF-8)."""
    # Python compares str by code point, which is the byte order of UTF-8.
    return Version(text, (1, (compare if compare is not None else text,)))


def ordinal_version(text: str, position: int) -> Version:
    """A version that is a position in a list the runner keeps (a plan, a journal, a changelog)."""
    return Version(text, (5, (position,)))


def locale_key(text: str) -> tuple[object, ...]:
    """An approximation of JavaScript's ``String.prototype.localeCompare`` (ICU root collation).

    Punctuation and spaces sort before digits, digits before letters, letters
    case-insensitively with lower case first on a tie; digits are not read as
    numbers (``10_x`` < ``9_x``).  Exact for the ASCII names migration tools
    generate; other characters fall back to their Unicode decomposition.
    """
    primary: list[tuple[int, object]] = []
    tertiary: list[int] = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            continue
        if ch.isdigit():
            primary.append((1, unicodedata.digit(ch, 0)))
            tertiary.append(0)
        elif ch.isalpha():
            primary.append((2, ch.casefold()))
            tertiary.append(0 if ch == ch.lower() else 1)
        else:
            primary.append((0, ord(ch)))
            tertiary.append(0)
    return (tuple(primary), tuple(tertiary), text)


def locale_version(text: str) -> Version:
    return Version(text, (2, locale_key(text)))
