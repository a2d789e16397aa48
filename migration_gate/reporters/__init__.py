"""Reporters: pure functions of a run result to text.

Each format is a module with ``render(result, context) -> str``; the mapping
below is what ``--format`` accepts.
"""

from __future__ import annotations

import importlib

FORMATS = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "markdown": "markdown",
    "gitlab": "gitlab",
    "junit": "junit",
}


def render(fmt: str, result, context) -> str:
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    return module.render(result, context)
