"""The one load pipeline: a migration file → its source, shape, parse, directives and pre-pass facts.

``check`` (through :func:`migration_gate.core.analyze.analyze_file`), ``verify``'s
runner and the earlier-schema lookups all load files here, so a file is read,
substituted and parsed the same way everywhere, and once per run.

The file's layout (:mod:`migration_gate.core.runners`) reads its *shape* first:
sections (goose's ``-- +goose Up`` / ``Down``, Liquibase changesets and their
``--rollback`` lines), text the runner strips before PostgreSQL sees it (masked
with the same number of characters, so that every offset stays exact), where
the runner cuts queries, and per-file opt-outs.  The whole file is parsed once;
each statement belongs to the section its first character is in.  The forward
statements are the file's statements; the statements of a down section are its
rollback (:attr:`LoadedFile.down`), loaded as a rollback file would be.  Each
section gets the runner's execution (transaction, statement delivery) for the
pre-pass.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace

from .analysis import FileFacts, Run, analyze
from .config import Config
from .migration import MigrationFile
from .names import default_schema_of, unqualified_names_in
from .parse import ParseResult, Statement, parse_source
from .placeholders import Substitution, substitute
from .runners import LAYOUTS
from .runners.base import DOWN, NO_SHAPE, UP, Runner, Section, Settings, Shape
from .source import Source, UnreadableSource, decode_source, read_bytes
from .suppression import Directives, read_directives

_WHOLE = 1 << 62


@dataclass(slots=True)
class LoadedPart:
    """The rollback section of a file whose runner keeps up and down in one file."""

    migration: MigrationFile  # the file as a rollback (kind ``rollback``, section ``down``)
    parse: ParseResult
    facts: FileFacts


@dataclass(slots=True)
class LoadedFile:
    """A file as the analysis sees it; ``unreadable`` says why there is no source."""

    migration: MigrationFile
    source: Source | None = None
    parse: ParseResult | None = None
    directives: Directives = field(default_factory=Directives)
    facts: FileFacts | None = None
    unreadable: str | None = None
    checksum: int | None = None  # Flyway's checksum (also of a file that is not text)
    shape: Shape = NO_SHAPE
    #: The down section (goose, dbmate, sql-migrate, Liquibase ``--rollback``), when the file has one.
    down: LoadedPart | None = None


def runner_of(migration: MigrationFile, config: Config) -> Runner:
    return LAYOUTS.get(migration.layout or config.layout_of(migration.location)) or LAYOUTS["flyway"]


def load_file(migration: MigrationFile, config: Config, data: bytes | None = None) -> LoadedFile:
    """Read (unless ``data`` is given), decode, shape, substitute, parse, read directives, pre-pass."""
    with names_of(migration, config):
        return _load_file(migration, config, data)


def names_of(migration: MigrationFile, config: Config) -> AbstractContextManager[None]:
    """The scope in which the file's unqualified names resolve as its runner's session resolves them."""
    return unqualified_names_in(default_schema_of(config.settings_for(migration.location).options))


def _load_file(migration: MigrationFile, config: Config, data: bytes | None) -> LoadedFile:
    loaded = LoadedFile(migration)
    try:
        if data is None:
            data = read_bytes(migration.path, config.max_file_size)
        source = decode_source(data, migration.display)
    except UnreadableSource as exc:
        loaded.unreadable = exc.reason
        loaded.checksum = exc.checksum
        return loaded
    loaded.source = source
    loaded.checksum = source.checksum
    runner = runner_of(migration, config)
    settings = config.settings_for(migration.location)
    shape = runner.shape(source.text, migration.kind, settings, bom=source.had_bom)
    loaded.shape = shape
    text = _masked(source.text, shape)
    if config.substitutes_placeholders_for(runner.name):
        values = {k[len("placeholder.") :]: v for k, v in settings.options.items() if k.startswith("placeholder.")}
        if "default-schema" in settings.options:
            values.setdefault("flyway:defaultSchema", settings.options["default-schema"])
        source.substitution = substitute(text, {**values, **config.placeholders}, migration.name)
    if source.substitution is None and text is not source.text:
        source.substitution = Substitution(text, [], [], [], [], [])
    parsed = parse_source(source)
    statements = parsed.statements
    if shape.cuts:
        shape = loaded.shape = _check_cuts(shape, statements)
    loaded.directives = read_directives(source, [(s.start, s.end) for s in statements])
    opt_out = _opt_out(migration, loaded.directives, runner)
    direction = DOWN if migration.section == "down" else UP
    forward = _in_direction(statements, shape, direction)
    loaded.parse = ParseResult(forward, parsed.error)
    loaded.facts = _facts(forward, shape, direction, runner, opt_out, settings, config.pg_version)
    if shape.has_sections and direction == UP and any(s.direction == DOWN for s in shape.sections):
        backward = _in_direction(statements, shape, DOWN)
        loaded.down = LoadedPart(
            as_rollback(migration),
            ParseResult(backward),
            _facts(backward, shape, DOWN, runner, opt_out, settings, config.pg_version),
        )
    return loaded


def without_runner_transaction(loaded: LoadedFile, config: Config, reason: str) -> None:
    """The pre-pass again, for a file its runner runs without a transaction after all (``reason`` says why:
    Flyway runs a ``group`` that holds a non-transactional migration without one when ``mixed = true``)."""
    if loaded.parse is None or loaded.facts is None:
        return
    migration = loaded.migration
    runner = runner_of(migration, config)
    settings = config.settings_for(migration.location)
    direction = DOWN if migration.section == "down" else UP
    statements = loaded.parse.statements
    loaded.facts = _facts(statements, loaded.shape, direction, runner, reason, settings, config.pg_version)


def as_rollback(migration: MigrationFile) -> MigrationFile:
    """A file whose runner keeps the down section in it, seen as that section: its rollback."""
    return replace(migration, kind="rollback", section="down", name_problem=None)


def _masked(text: str, shape: Shape) -> str:
    if not shape.masks:
        return text
    chars = list(text)
    for start, end, replacement in shape.masks:
        chars[start:end] = replacement
    return "".join(chars)


def _check_cuts(shape: Shape, statements: list[Statement]) -> Shape:
    """A runner that splits the text with its own rule must not cut a statement in two."""
    import bisect

    problems = list(shape.problems)
    cuts = shape.cuts or ()
    for stmt in statements:
        at = bisect.bisect_right(cuts, stmt.start)
        if at < len(cuts) and cuts[at] < stmt.end:
            cut = cuts[at]
            problems.append(
                (
                    cut - 1,
                    cut,
                    f"the runner cuts this statement here ({shape.cut_rule}): it sends the statement in broken "
                    "pieces and the migration fails",
                )
            )
    return replace(shape, problems=tuple(problems)) if len(problems) != len(shape.problems) else shape


def _opt_out(migration: MigrationFile, directives: Directives, runner: Runner) -> str | None:
    if directives.no_transaction:
        return "-- migration-gate: no-transaction"
    if migration.runner_opt_out:
        return {
            "diesel": "metadata.toml run_in_transaction = false",
            "pop": "the .autocommit. file name",
            "flyway": "executeInTransaction=false in its .sql.conf",
        }.get(runner.name, "a per-file opt-out")
    return None


def _in_direction(statements: list[Statement], shape: Shape, direction: str) -> list[Statement]:
    if not shape.has_sections:
        return statements if direction == UP else []
    return [s for s in statements if shape.direction_at(s.start) == direction]


def _facts(
    statements: list[Statement],
    shape: Shape,
    direction: str,
    runner: Runner,
    opt_out: str | None,
    settings: Settings,
    pg_version: int,
) -> FileFacts:
    sections: list[Section | None] = [s for s in shape.sections if s.direction == direction] or [None]
    runs = [
        Run(
            section.start if section else 0,
            section.end if section else _WHOLE,
            runner.execution(section, shape, opt_out, settings),
        )
        for section in sections
    ]
    timeout = bool(settings.option("lock-timeout"))
    return analyze(statements, runs=runs, cuts=shape.cuts, pg_version=pg_version, timeout_set=timeout)


def batch_runner(migration: MigrationFile, config: Config) -> str | None:
    """Who runs this file's folder as one deploy batch (``None``: each file, or less, is a transaction)."""
    runner = runner_of(migration, config)
    execution = runner.execution(None, NO_SHAPE, None, config.settings_for(migration.location))
    if not execution.batch:
        return None
    return {"flyway": "Flyway (group = true)", "atlas": "Atlas (--tx-mode all)"}.get(runner.name, execution.runner)
