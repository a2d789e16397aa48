"""The terminal report: ``path:line:col: level[name] message``, the line, a caret, the help."""

from __future__ import annotations

from ..core.severity import Severity
from .quoting import Quotes

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render(result, context) -> str:
    color = getattr(context, "color", False)
    quotes = Quotes(result)
    out: list[str] = []
    for v in result.violations:
        level = _paint(v.severity.label, _COLORS[v.severity] + ";1", color)
        out.append(f"{_paint(f'{v.path}:{v.line}:{v.column}:', '1', color)} {level}[{v.rule}] {v.message}")
        source_line = quotes.line(v)
        if source_line:
            gutter = str(v.line)
            text = source_line.expandtabs(1)
            out.append(f"  {gutter} | {text}")
            caret_pad = " " * (v.column - 1)
            out.append(f"  {' ' * len(gutter)} | {caret_pad}{_paint('^', _COLORS[v.severity], color)}")
        if v.help:
            out.append(f"  = help: {v.help}")
        out.append(f"  = see: {quotes.doc(v)}")
        out.append("")
    out.append(summary_line(result, color))
    return "\n".join(out) + "\n"


def summary_line(result, color: bool = False) -> str:
    errors = result.count(Severity.ERROR)
    warnings = result.count(Severity.WARNING)
    infos = result.count(Severity.INFO)
    files = len(result.files)
    parts = [
        f"{errors} error{'s' * (errors != 1)}",
        f"{warnings} warning{'s' * (warnings != 1)}",
        f"{infos} info{'s' * (infos != 1)}",
    ]
    verdict = _paint("gate failed", "31;1", color) if result.failed else _paint("gate passed", "32;1", color)
    statements = result.statement_count
    return (
        f"{', '.join(parts)} in {files} file{'s' * (files != 1)} "
        f"({statements} statement{'s' * (statements != 1)}): {verdict}"
    )
