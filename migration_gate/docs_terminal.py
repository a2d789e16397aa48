"""A documentation page laid out for a terminal (``migration-gate explain``); split from :mod:`migration_gate.docs`,
which re-exports :func:`for_terminal`."""

from __future__ import annotations

import re

_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_TABLE_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def for_terminal(markdown: str, *, color: bool) -> str:
    """A rule page as a terminal shows it best: headings underlined, code blocks indented without
    fences, tables as aligned key/value lines, links as ``text (url)``; ANSI bold and colour only with
    ``color``.  (The page itself stays Markdown: this only changes how it is laid out on a screen.)
    """

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    def inline(text: str) -> str:
        text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
        if color:
            text = _INLINE_CODE.sub(lambda m: paint(m.group(1), "36"), text)
        return text

    out: list[str] = []
    rows: list[tuple[str, str]] = []
    fence: str | None = None

    def flush_table() -> None:
        if rows:
            width = max(len(key) for key, _ in rows)
            out.extend(
                f"  {key.ljust(width)}  {inline(value) if color else value.replace('`', '')}" for key, value in rows
            )
            rows.clear()

    for line in markdown.splitlines():
        if fence is not None:
            if line.strip() == fence:
                fence = None
            else:
                out.append("    " + paint(line, "33") if line else "")
            continue
        if line.startswith("```"):
            flush_table()
            fence = "`" * (len(line) - len(line.lstrip("`")))
            continue
        if line.startswith("|"):
            if _TABLE_RULE.match(line):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2 and any(cells):
                rows.append((cells[0].replace("`", ""), " | ".join(cells[1:])))
            continue
        flush_table()
        if line.startswith("<!--"):
            continue
        heading = re.match(r"^(#{1,6}) (.*)$", line)
        if heading:
            title = heading.group(2).replace("`", "")
            underline = ("=" if len(heading.group(1)) == 1 else "-") * len(title)
            out.extend([paint(title, "1"), underline])
            continue
        out.append(inline(line))
    flush_table()
    return "\n".join(out).rstrip("\n") + "\n"
