"""Code actions as plain edits: what to insert where (character offsets), and files to create.

* **Ignore** any finding: ``-- migration-gate: ignore <rule> -- TODO: …`` on the line before its
  statement (``ignore-file`` at the top for a finding about the whole file), with a reason
  placeholder, since an ignore without a reason is not applied.
* **CONCURRENTLY** for ``non-concurrent-index-creation``, ``non-concurrent-index-drop`` (also
  ``IF EXISTS``, so that a retry after a failed drop does not fail) and ``non-concurrent-reindex``.
* **NOT VALID** for ``foreign-key-without-not-valid`` and ``check-constraint-without-not-valid``
  (an ``ALTER TABLE`` that adds one named constraint), plus the follow-up migration that
  validates it, written as ``migration-gate new`` would write it (next version, rollback).
* **IF NOT EXISTS** for ``non-idempotent-repeatable`` (``CREATE TABLE``, ``INDEX``,
  ``SEQUENCE``, ``SCHEMA``, ``MATERIALIZED VIEW`` and ``ADD COLUMN``).

Keywords are found with PostgreSQL's own scanner (pglast), never by searching the text, so a
comment or a string that says ``INDEX`` is never edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Span = tuple[int, int, str, dict[str, Any]]
Token = tuple[int, int, str]

REASON = "TODO: why this is safe here"
NO_IGNORE = ("unused-ignore",)


@dataclass(slots=True)
class Insert:
    offset: int  # character offset into the file's text (without a BOM)
    text: str


@dataclass(slots=True)
class NewFile:
    path: Path
    display: str
    content: str


@dataclass(slots=True)
class Fix:
    title: str
    rule: str
    inserts: list[Insert]
    new_files: list[NewFile] = field(default_factory=list)
    preferred: bool = False


def ignore_fix(text: str, rule: str, statement_start: int | None) -> Fix | None:
    if rule in NO_IGNORE or rule.startswith("sqlfluff/"):
        return None
    if statement_start is None:
        line = f"-- migration-gate: ignore-file {rule} -- {REASON}{_eol(text)}"
        return Fix(f"Ignore {rule} in this file (give the reason)", rule, [Insert(0, line)])
    line_start = text.rfind("\n", 0, statement_start) + 1
    cr = text.rfind("\r", 0, statement_start) + 1
    line_start = max(line_start, cr)
    indent = text[line_start:statement_start]
    indent = indent if not indent.strip() else ""
    comment = f"{indent}-- migration-gate: ignore {rule} -- {REASON}{_eol(text)}"
    return Fix(f"Ignore {rule} for this statement (give the reason)", rule, [Insert(line_start, comment)])


def _eol(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _tokens(text: str, start: int, end: int) -> list[Token]:
    """(start, end exclusive, token name) of the statement's tokens, as offsets into ``text``."""
    from pglast.parser import scan

    try:
        return [(start + t.start, start + t.end + 1, t.name) for t in scan(text[start:end])]
    except Exception:  # noqa: BLE001 - a statement the scanner cannot read gets no fix
        return []


def _after(tokens: list[Token], *names: str) -> int | None:
    """The offset where the token following the first run of ``names`` starts."""
    for i, (_, _, name) in enumerate(tokens):
        if name == names[0] and tuple(t[2] for t in tokens[i : i + len(names)]) == names:
            following = i + len(names)
            return tokens[following][0] if following < len(tokens) else None
    return None


def mechanical_fix(
    rule: str,
    text: str,
    span: Span | None,
    violation_offset: int | None,
    context: dict[str, Callable[[str, str], list[NewFile]] | None],
) -> Fix | None:
    """The edit that removes the hazard, for the rules that have one (None otherwise)."""
    if span is None:
        return None
    start, end, kind, node = span
    tokens = _tokens(text, start, end)
    if not tokens:
        return None
    if rule == "non-concurrent-index-creation" and kind == "IndexStmt" and not node.get("concurrent"):
        at = _after(tokens, "INDEX")
        if at is not None:
            return Fix("Build the index CONCURRENTLY", rule, [Insert(at, "CONCURRENTLY ")], preferred=True)
    if rule == "non-concurrent-index-drop" and kind == "DropStmt" and not node.get("concurrent"):
        at = _after(tokens, "DROP", "INDEX")
        if at is not None:
            words = "CONCURRENTLY " if node.get("missing_ok") else "CONCURRENTLY IF EXISTS "
            return Fix(f"Drop the index {words.strip()}", rule, [Insert(at, words)], preferred=True)
    if rule == "non-concurrent-reindex" and kind == "ReindexStmt":
        for keyword in ("INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM_P"):
            at = _after(tokens, keyword)
            if at is not None:
                return Fix("REINDEX … CONCURRENTLY", rule, [Insert(at, "CONCURRENTLY ")], preferred=True)
    if rule in ("foreign-key-without-not-valid", "check-constraint-without-not-valid"):
        return _not_valid(rule, text, tokens, kind, node, context)
    if rule == "non-idempotent-repeatable":
        return _if_not_exists(rule, tokens, kind, node, violation_offset)
    return None


def _not_valid(
    rule: str,
    text: str,
    tokens: list[Token],
    kind: str,
    node: dict[str, Any],
    context: dict[str, Callable[[str, str], list[NewFile]] | None],
) -> Fix | None:
    if kind != "AlterTableStmt" or len(node.get("cmds", ())) != 1:
        return None
    cmd = node["cmds"][0].get("AlterTableCmd", {})
    constraint = (cmd.get("def") or {}).get("Constraint")
    if cmd.get("subtype") != "AT_AddConstraint" or not constraint:
        return None
    last = next((t for t in reversed(tokens) if t[2] != "ASCII_59"), None)  # the last token before `;`
    if last is None:
        return None
    inserts = [Insert(last[1], " NOT VALID")]
    name = constraint.get("conname")
    relation = node.get("relation") or {}
    table = ".".join(p for p in (relation.get("schemaname"), relation.get("relname")) if p)
    follow = context.get("follow_up")
    if name and table and follow is not None:
        files = follow(f"validate_{name}", f"ALTER TABLE {_quote(table)} VALIDATE CONSTRAINT {_quote(name)};\n")
        if files:
            return Fix(
                f"Add the constraint NOT VALID, and VALIDATE it in a new migration ({files[0].display})",
                rule,
                inserts,
                files,
                preferred=True,
            )
    return Fix("Add the constraint NOT VALID (VALIDATE it in a later migration)", rule, inserts, preferred=True)


def _quote(name: str) -> str:
    import re

    parts = name.split(".")
    return ".".join(p if re.fullmatch(r"[a-z_][a-z0-9_$]*", p) else '"' + p.replace('"', '""') + '"' for p in parts)


_IF_NOT_EXISTS_AFTER = {
    "CreateStmt": ("TABLE",),
    "CreateSeqStmt": ("SEQUENCE",),
    "CreateSchemaStmt": ("SCHEMA",),
    "CreateExtensionStmt": ("EXTENSION",),
}


def _if_not_exists(
    rule: str, tokens: list[Token], kind: str, node: dict[str, Any], violation_offset: int | None
) -> Fix | None:
    at = None
    if kind == "IndexStmt":
        at = _after(tokens, "INDEX", "CONCURRENTLY") if node.get("concurrent") else _after(tokens, "INDEX")
    elif kind in _IF_NOT_EXISTS_AFTER:
        at = _after(tokens, *_IF_NOT_EXISTS_AFTER[kind])
    elif kind == "CreateTableAsStmt":
        at = _after(tokens, "MATERIALIZED", "VIEW") if node.get("objtype") == "OBJECT_MATVIEW" else None
        at = at if at is not None else _after(tokens, "TABLE")
    elif kind == "AlterTableStmt" and violation_offset is not None:
        at = violation_offset  # the column definition: ADD [COLUMN] IF NOT EXISTS name …
    if at is None:
        return None
    return Fix("Add IF NOT EXISTS (the repeatable migration runs again)", rule, [Insert(at, "IF NOT EXISTS ")])
