"""``migration-gate rules``: the rule table (``--format json``: one object per rule)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--preset", choices=("recommended", "strict"), default="recommended", help="whose default levels to show"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    parser.add_argument("--config", metavar="FILE", help="configuration file whose docs_url the links use")


def rule_entries(docs_url: str) -> list[dict[str, Any]]:
    """Every rule as ``rules --format json`` lists it, by code."""
    from ..core.config import PRESETS
    from ..core.rules import registry
    from ..reporters.quoting import doc_url

    return [
        {
            "code": rule.code,
            "name": rule.name,
            "aliases": list(rule.aliases),
            "family": rule.family_name(),
            "level": rule.default_level("recommended").label,
            "levels": {preset: rule.default_level(preset).label for preset in PRESETS},
            "summary": rule.summary(),
            "url": doc_url(docs_url, rule.name, rule.code),
        }
        for rule in registry.sorted_rules()
    ]


def run(args: argparse.Namespace) -> int:
    from ..config import find_config_file, load_config
    from ..core.config import DEFAULT_DOCS_URL
    from ..core.rules import registry

    docs_url = DEFAULT_DOCS_URL
    if args.config or find_config_file(Path.cwd()) is not None:  # links as the team's reports show them
        docs_url = load_config(Path(args.config) if args.config else None, search_from=Path.cwd()).docs_url
    if args.format == "json":
        json.dump(rule_entries(docs_url), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    rules = registry.sorted_rules()
    header = ("CODE", "NAME", "FAMILY", "LEVEL", "SUMMARY")
    rows = [(r.code, r.name, r.family_name(), r.default_level(args.preset).label, r.summary()) for r in rules]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]
    indent = sum(widths) + 2 * len(widths)
    out = []
    for rule, row in zip((None, *rules), (header, *rows)):
        out.append("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip())
        if rule is not None and rule.aliases:
            out.append(" " * indent + "aliases: " + ", ".join(rule.aliases))
    sys.stdout.write("\n".join(out) + "\n")
    return 0
