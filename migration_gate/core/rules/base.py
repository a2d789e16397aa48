"""The rule contract.

A rule is a class with a stable ``code`` (``MG101``, never reused), a
kebab-case ``name``, a default ``level`` (and ``strict_level`` for the strict
preset), optional ``aliases`` (e.g. squawk's rule names), an ``Options``
dataclass, and a docstring that *is* its documentation: a one-line summary,
then ``## What it does``, ``## Why is this bad?``, ``## Example`` and
``## Use instead``.

Codes by family (a code is never reused; :meth:`Rule.family_name`):

=======  ==============================================================
MG0xx    general: the file itself (syntax, encoding, ignores, placeholders)
MG1xx    lock: locks, scans, rewrites and timeouts (MG104–MG106 and
         MG126: transaction; MG116–MG119: compatibility, kept where
         they were first numbered)
MG2xx    data: data changes (backfills)
MG3xx    files: names, versions, rollbacks (MG302, MG306–MG310: history)
MG4xx    verify: findings of ``migration-gate verify``
MG5xx    types: column types and schema style (``style`` where declared)
MG6xx    compatibility: changes that break the application release still
         running during a deploy (expand/contract)
MG7xx    correctness: statements PostgreSQL rejects or silently changes
=======  ==============================================================

An alias may name several rules (squawk's ``require-timeout-settings`` names
both timeout rules): a level or an ignore by that name applies to all of them.

Rules are pure: they receive parsed data and contexts and ``yield`` findings
(``self.finding(...)``).  They do no I/O, no parsing and no line/column
arithmetic, and keep no state between calls.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from ..context import ChangeSetContext, FileContext, ProjectContext, StatementContext
from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node


@dataclasses.dataclass(frozen=True)
class NoOptions:
    pass


#: The family of each code range (the first digit after ``MG``).
FAMILY_BY_RANGE = {
    "0": "general",
    "1": "lock",
    "2": "data",
    "3": "files",
    "4": "verify",
    "5": "types",
    "6": "compatibility",
    "7": "correctness",
}


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    level: ClassVar[Severity]
    strict_level: ClassVar[Severity | None] = None
    aliases: ClassVar[tuple[str, ...]] = ()
    #: The rule's family when it is not its code range's (see FAMILY_BY_RANGE).
    family: ClassVar[str] = ""
    #: How an alias (another tool's rule name) differs in meaning from this rule: alias → one line.
    #: The README's squawk table and the rule page show it; an alias without a note means the same.
    alias_notes: ClassVar[dict[str, str]] = {}
    #: An alias that names only part of the rule: alias → (option, values). Importing a
    #: ``.squawk.toml`` turns those values of the option on or off instead of the whole rule.
    alias_scopes: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {}
    #: What to do about a finding, when the finding does not say it itself.
    help: ClassVar[str] = ""
    Options: ClassVar[type[Any]] = NoOptions
    #: Produced by the engine or a command rather than by dispatch.
    produced_by: ClassVar[str | None] = None
    #: Settings the docstring's examples assume (e.g. a transaction mode); the docs test uses them.
    example_config: ClassVar[dict[str, Any]] = {}

    def __init__(self, options: Any = None):
        self.options = options if options is not None else self.Options()

    @classmethod
    def summary(cls) -> str:
        return (cls.documentation().splitlines() or [""])[0].strip()

    @classmethod
    def documentation(cls) -> str:
        """The rule's docstring, cleaned: its page.

        A rule module compiled with mypyc keeps no class docstrings, so then the text is read from the
        module's source, which the compiled wheel ships beside it.
        """
        return inspect.cleandoc(cls.__doc__ or _docstring_in_source(cls.__module__, cls.__name__))

    @classmethod
    def family_name(cls) -> str:
        return cls.family or FAMILY_BY_RANGE.get(cls.code[2:3], "general")

    @classmethod
    def default_level(cls, preset: str) -> Severity:
        if preset == "strict" and cls.strict_level is not None:
            return cls.strict_level
        return cls.level

    @classmethod
    def validate_options(cls, raw: Mapping[str, Any]) -> None:
        """Raise ``ValueError("key: problem")`` for an unknown key or a bad value."""
        cls.make_options(raw)

    @classmethod
    def make_options(cls, raw: Mapping[str, Any] | None) -> Any:
        fields = {f.name: f for f in dataclasses.fields(cls.Options)}
        values: dict[str, Any] = {}
        for key, value in dict(raw or {}).items():
            name = key.replace("-", "_")
            if name not in fields:
                raise ValueError(f"{key}: unknown option of rule {cls.name}")
            default = fields[name].default
            if default is not dataclasses.MISSING and default is not None:
                expected = type(default)
                if expected is tuple and isinstance(value, list):
                    value = tuple(value)
                if expected is float and isinstance(value, int) and not isinstance(value, bool):
                    value = float(value)
                if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                    raise ValueError(f"{key}: expected {expected.__name__}, got {value!r}")
            values[name] = value
        return cls.Options(**values)

    def finding(
        self,
        message: str,
        *,
        at: Any = None,
        help: str | None = None,
        offset: int | None = None,
        end_offset: int | None = None,
        path: str | None = None,
        severity: Severity | None = None,
        table: str | None = None,
        hazard: str | None = None,
    ) -> Finding:
        return Finding(type(self), message, help, at, offset, end_offset, path, severity, table, hazard)


@functools.cache
def _docstring_in_source(module_name: str, class_name: str) -> str:
    module = sys.modules[module_name]
    source = Path(module.__file__ or "").with_name(module_name.rpartition(".")[2] + ".py")
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except OSError:
        return ""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return ast.get_docstring(node, clean=False) or ""
    return ""


class StatementRule(Rule):
    """Checks AST nodes; ``node_types`` lists the statement (or ``AlterTableCmd``) kinds."""

    node_types: ClassVar[tuple[str, ...]] = ()
    #: For ``AlterTableCmd`` rules: the subcommands (``AT_AddColumn`` …) the rule looks at; the
    #: engine calls it for those only (empty: every subcommand).
    subtypes: ClassVar[tuple[str, ...]] = ()
    #: Also run on statements inside DO blocks (they execute at migration time).
    in_do_blocks: ClassVar[bool] = True

    def check(self, node: Node, ctx: StatementContext) -> Iterable[Finding]:
        raise NotImplementedError


class FileRule(Rule):
    """Checks one analysed file as a whole (parse errors, header, transactions)."""

    def check_file(self, ctx: FileContext) -> Iterable[Finding]:
        raise NotImplementedError


class ProjectRule(Rule):
    """Checks the set of migration files (names, versions, pairs)."""

    def check_project(self, ctx: ProjectContext) -> Iterable[Finding]:
        raise NotImplementedError


class ChangeSetRule(Rule):
    """Checks the change set against the base (and the database's history, when read).

    Runs only when a base or a ``--database-url`` is known.  A rule may be both
    a :class:`ProjectRule` and a ``ChangeSetRule`` (``duplicate-migration-version``
    checks the folder, and the folder against what is merged on the base).
    """

    def check_change_set(self, ctx: ChangeSetContext) -> Iterable[Finding]:
        raise NotImplementedError
