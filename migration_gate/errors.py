"""The errors every layer may raise; the command line turns each into one line on stderr and exit 2."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with what was asked (a flag, a path, a setting), said in one line."""


class ConfigError(Exception):
    """A configuration problem, said in one line naming the file and the key."""
