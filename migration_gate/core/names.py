"""Qualified names: how the analysis keeps them, and how messages show them."""

from __future__ import annotations

DEFAULT_SCHEMA = "public"
_PREFIX = DEFAULT_SCHEMA + "."


def qualify(schema: str | None, name: str) -> str:
    """``schema.name``; unqualified names are in ``public``."""
    return f"{schema or DEFAULT_SCHEMA}.{name}"


def display_name(qualified: str) -> str:
    """``public.orders`` → ``orders`` for messages; other schemas stay qualified."""
    return qualified[len(_PREFIX) :] if qualified.startswith(_PREFIX) else qualified
