"""The contract of a layout: what one migration runner does with a folder of SQL files.

A layout (:class:`Runner`) is pure knowledge, no I/O: the caller (discovery, the
load pipeline) reads the files and hands over names and text.  It answers:

* **naming** (:meth:`Runner.classify`): which files are migrations, of which
  kind (``versioned``, ``repeatable``, ``rollback``, ``other``), with which
  version and description, and what is wrong with a name;
* **versions** (:meth:`Runner.parse_version`): the text → a :class:`Version`
  that orders and compares (equal = a duplicate) as the runner does;
* **sections** (:meth:`Runner.shape`): for runners that keep up and down in one
  file, where each section is, its per-section options, the ranges the runner
  sends as one query, the text the runner never sends to PostgreSQL (masked:
  same length, so every offset stays exact), and what makes the runner refuse
  the file;
* **execution** (:meth:`Runner.execution`): does the runner wrap a section in a
  transaction, how statements reach PostgreSQL (one query string, or one
  statement at a time), and what opted out;
* **rollbacks**: whether the runner has them and how ``missing-rollback`` is
  levelled by default.

The module docstring of each layout module is its documentation page
(``rules/layouts/<layout>.md``, rendered by ``migration-gate docs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..severity import Severity
from ..version import Version
from .delivery import ONE_QUERY as ONE_QUERY
from .delivery import PER_STATEMENT as PER_STATEMENT
from .delivery import query_index as query_index
from .sqltext import blank as blank
from .sqltext import bom_rejected as bom_rejected
from .sqltext import dollar_semicolons as dollar_semicolons
from .sqltext import ends_with_semicolon as ends_with_semicolon
from .sqltext import line_spans as line_spans
from .sqltext import module_docstring_in_source
from .sqltext import quoted_semicolons as quoted_semicolons
from .version_keys import locale_key as locale_key
from .version_keys import locale_version as locale_version
from .version_keys import numeric_version as numeric_version
from .version_keys import ordinal_version as ordinal_version
from .version_keys import text_version as text_version

#: How statements reach PostgreSQL.
DELIVERIES = (ONE_QUERY, PER_STATEMENT)

UP, DOWN, SKIPPED = "up", "down", "skipped"


@dataclass(frozen=True, slots=True)
class Section:
    """A part of a file the runner runs on its own (an up or down section, a changeset).

    ``start``/``end`` are character offsets into the file's text (BOM dropped);
    ``marker`` is where the line that opens it is (for findings about the
    section).  ``transaction`` is ``False`` when the section opts out of the
    runner's transaction (``opt_out`` says how), ``None`` for the runner's
    default.  ``delivery`` overrides the runner's statement delivery.
    ``pair`` names the section a rollback belongs to (Liquibase: the
    changeset's index among the up sections).
    """

    direction: str  # up | down | skipped
    start: int
    end: int
    marker: tuple[int, int] | None = None
    transaction: bool | None = None
    opt_out: str | None = None
    delivery: str | None = None
    label: str = ""
    pair: int | None = None


@dataclass(frozen=True, slots=True)
class Shape:
    """What a runner reads out of one file's text besides its SQL."""

    #: Empty: the whole text is one section, of the file's own kind.
    sections: tuple[Section, ...] = ()
    #: (start, end, replacement of the same length): text the runner strips before PostgreSQL sees it
    #: (Liquibase's ``--rollback `` prefix is replaced by spaces so the SQL after it parses in place).
    masks: tuple[tuple[int, int, str], ...] = ()
    #: Where the runner itself ends a query (offsets just after the cut), when it splits the text
    #: with its own rule (goose's and sql-migrate's ``;`` at the end of a line outside
    #: ``StatementBegin … StatementEnd``, drizzle's breakpoints, golang-migrate's every ``;``).
    #: ``None``: the runner sends each statement PostgreSQL's grammar sees (or the whole section).
    cuts: tuple[int, ...] | None = None
    #: How messages name the cutting rule ("goose ends a statement at a line ending in `;`").
    cut_rule: str = ""
    #: File-wide opt-out of the runner's transaction (``False``), with the text that says so.
    transaction: bool | None = None
    opt_out: str | None = None
    #: Reasons the runner refuses the file: (start, end, message).
    problems: tuple[tuple[int, int, str], ...] = ()
    #: Things the gate skipped or could not see (psql meta-commands): (start, end, message).
    notes: tuple[tuple[int, int, str], ...] = ()

    @property
    def has_sections(self) -> bool:
        return bool(self.sections)

    def direction_at(self, offset: int) -> str:
        """The direction of the section an offset is in (``up`` when the file has no sections)."""
        if not self.sections:
            return UP
        for section in self.sections:
            if section.start <= offset < section.end:
                return section.direction
        return SKIPPED

    def section_at(self, offset: int) -> Section | None:
        for section in self.sections:
            if section.start <= offset < section.end:
                return section
        return None


NO_SHAPE = Shape()


@dataclass(frozen=True, slots=True)
class Execution:
    """How the runner executes one section (or a whole file).

    ``wraps``: the runner opens a transaction around it (``flyway``: Flyway's
    rule, a transaction unless its parser finds a non-transactional statement).
    ``delivery``: one query string, or one statement at a time.  ``reopens``:
    after a ``COMMIT`` inside the section, the driver opens a new transaction
    before the next statement (JDBC with autocommit off: Flyway, Liquibase),
    so statements after it are still in a transaction.  ``runner`` names the
    runner in messages; ``opt_out`` says what switched the transaction off;
    ``assumed`` says which of these facts the gate assumed rather than read.
    ``batch``: the runner runs all pending files in one transaction.
    """

    wraps: bool
    delivery: str
    runner: str
    mode: str = "runner"  # explicit | per-file | flyway | runner (the legacy `transaction:` modes)
    reopens: bool = False
    flyway: bool = False
    opt_out: str | None = None
    assumed: str | None = None
    batch: bool = False
    scope: str = "file"  # what one transaction covers: file | section | changeset | batch

    @property
    def covers(self) -> str:
        """What one of the runner's transactions covers, for messages."""
        return {
            "file": "the file",
            "section": "the section",
            "changeset": "the changeset",
            "batch": "all pending migrations of a deploy",
        }.get(self.scope, "the file")

    @property
    def sends(self) -> str:
        """How the runner sends what it runs, for messages."""
        if self.delivery == ONE_QUERY:
            return f"{self.runner} sends {self.covers if self.scope != 'batch' else 'each file'} as one query string"
        return f"{self.runner} sends statements one at a time"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the configuration and the repository say about one migrations folder's runner.

    ``transaction``: the legacy ``transaction:`` override (explicit, per-file,
    flyway) or ``None``.  ``delivery``: ``statement_delivery`` or ``None``.
    ``options``: runner options, from ``runner_options`` in the configuration and
    from the runner's own files (``x-multi-statement``, ``tx-mode``, ``version``, …).
    """

    transaction: str | None = None
    delivery: str | None = None
    mixed: bool = False
    options: Mapping[str, str] = field(default_factory=dict)

    def option(self, name: str, default: str | None = None) -> str | None:
        return self.options.get(name, default)

    def flag(self, name: str) -> bool:
        return str(self.options.get(name, "")).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True, slots=True)
class Listing:
    """What discovery read about a folder for a runner that orders migrations outside their names.

    ``order``: relative path → (position, version text), from a Sqitch plan, a drizzle journal or
    a Liquibase changelog; ``files``: every relative path in the folder (for pairing rules);
    ``problems``: relative path → why the runner refuses or skips it.
    """

    order: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    files: frozenset[str] = frozenset()
    problems: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)


DEFAULT_SETTINGS = Settings()


class Runner:
    """One layout.  Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]  # the layout's name in `migrations.layout`
    title: ClassVar[str]  # the runner, as its documentation spells it
    files: ClassVar[str]  # one line for the README table
    transaction_summary: ClassVar[str]
    delivery: ClassVar[str] = PER_STATEMENT
    rollback_summary: ClassVar[str]
    #: The runner can undo a migration (down file, down section, revert script, --rollback).
    has_rollbacks: ClassVar[bool] = True
    #: Default level of ``missing-rollback`` for this layout (OFF: never reported).
    rollback_level: ClassVar[Severity] = Severity.ERROR
    #: Rollbacks are optional: ``missing-rollback`` only where the folder's other migrations have one.
    rollback_optional: ClassVar[bool] = False
    #: Rollbacks live in the migration's own file (a section) rather than a file of their own.
    rollback_in_file: ClassVar[bool] = False
    #: Files in sub-folders of the migrations folder belong to it.
    recursive: ClassVar[bool] = False
    #: The runner sends statements through psql (meta-commands and :variables work).
    psql: ClassVar[bool] = False
    #: How the versions order, for the README table.
    ordering: ClassVar[str] = ""
    #: Flyway ``${placeholders}`` are substituted by default.
    placeholders: ClassVar[bool] = False
    #: How to run a statement that cannot run in a transaction with this runner (the fix in findings).
    opt_out_hint: ClassVar[str | None] = None
    #: Where the runner sends one query string with its per-statement delivery: what makes a group of
    #: statements one query (goose's ``StatementBegin … StatementEnd``), for messages; ``None``: no groups.
    group_rule: ClassVar[str | None] = None
    #: How to take a statement out of such a group (the fix in findings).
    group_hint: ClassVar[str | None] = None
    #: How to get the statements of a one-query file sent one at a time, where the runner can (a setting,
    #: a version), for findings whose fix needs a second statement next to a non-transactional one.
    split_hint: ClassVar[str | None] = None

    # ------------------------------------------------------------------ naming

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        """The MigrationFile fields a file's path inside its folder gives (``kind``, ``version``, …).

        ``listing``: what discovery read of the folder for runners that list their migrations
        elsewhere (a plan, a journal, a changelog) or care about siblings.
        """
        raise NotImplementedError

    def parse_version(self, text: str) -> Version:
        raise NotImplementedError

    # ------------------------------------------------------------------ text

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        """Sections, masks, cuts and opt-outs of one file's text (none by default).

        ``text`` is the decoded file without its BOM; ``bom`` says whether it had one.
        """
        return NO_SHAPE

    # ------------------------------------------------------------------ execution

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        """How the runner runs a section (``None``: the whole file).  ``opt_out``: a sidecar opt-out."""
        raise NotImplementedError

    def rollback_expected(self, rel: str) -> str:
        """Where the rollback of the migration at ``rel`` would be (for messages)."""
        return "a rollback"

    # ------------------------------------------------------------------ documentation

    def documentation(self) -> str:
        """The layout's page: its module's docstring, cleaned.

        A module compiled with mypyc keeps no docstring, so then the text is read from the module's
        source, which the compiled wheel ships beside it.
        """
        import inspect
        import sys

        module = sys.modules[type(self).__module__]
        return inspect.cleandoc(module.__doc__ or module_docstring_in_source(module.__name__, module.__file__)).strip()
