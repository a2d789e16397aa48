"""Preparing a migration file to run: read and parsed as ``check`` reads it (placeholders substituted, one
parse), cut into the SQL to send, with the locks the model predicts; or the reason it cannot run at all."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..core.analysis import FileFacts
from ..core.analyze import analyze_file
from ..core.config import Config
from ..core.context import SchemaLookup
from ..core.load import LoadedFile, load_file
from ..core.migration import MigrationFile
from ..core.parse import Statement
from ..core.results import LockReport
from ..core.ruleset import NO_RULES
from ..core.sizing import Sizing
from ..core.source import Source


@dataclass(slots=True)
class PreparedFile:
    """A file ready to run: its statements, the SQL to send, the predicted locks."""

    migration: MigrationFile
    source: Source | None = None
    statements: list[Statement] = field(default_factory=list)  # top-level, in order
    sql: list[str] = field(default_factory=list)
    facts: FileFacts | None = None
    predicted: list[list[LockReport]] = field(default_factory=list)
    problem: str | None = None  # why it cannot run at all
    problem_offset: int = 0
    #: Who refuses it when ``problem`` is the runner's refusal (not PostgreSQL's): "Flyway", "goose", …
    refused_by: str | None = None
    #: Where the runner itself ends a query string (``Shape.cuts``): goose's and sql-migrate's
    #: ``StatementBegin … StatementEnd`` blocks are one query string of several statements.
    cuts: tuple[int, ...] | None = None


def prepare(
    migration: MigrationFile,
    config: Config,
    *,
    predict: bool = False,
    created_earlier: frozenset[str] = frozenset(),
    schema_lookup: SchemaLookup | None = None,
    sizing: Sizing | None = None,
) -> PreparedFile:
    """Load a file (:func:`~migration_gate.core.load.load_file`, as ``check`` does); ``predict`` also asks
    the lock model, with the context ``check`` gives it (``created_earlier``, ``schema_lookup``), and
    sizes the predicted locks with table statistics (``sizing``)."""
    prepared = PreparedFile(migration)
    loaded = load_file(migration, config)
    source = loaded.source
    if source is None or loaded.parse is None or loaded.facts is None:
        prepared.problem = f"cannot read the file: {loaded.unreadable}"
        return prepared
    prepared.source = source
    prepared.cuts = loaded.shape.cuts
    if source.substitution and source.substitution.undefined:
        first = source.substitution.undefined[0]
        prepared.problem = f"placeholder ${{{first.name}}} has no value (set it under `placeholders`)"
        prepared.problem_offset = first.start
        return prepared
    if loaded.parse.error is not None:
        prepared.problem = f"does not parse: {loaded.parse.error.message}"
        prepared.problem_offset = loaded.parse.error.offset
        return prepared
    if loaded.shape.problems:
        start, _, message = loaded.shape.problems[0]
        prepared.problem, prepared.problem_offset = message, start
        prepared.refused_by = "the runner"
        return prepared
    statements = loaded.parse.statements
    prepared.facts = loaded.facts
    refusal = _flyway_refusal(loaded, config)
    if refusal is not None:
        prepared.problem, prepared.problem_offset = refusal
        prepared.refused_by = "Flyway"
        return prepared
    if migration.section == "down" and migration.layout == "liquibase":
        statements = _reverse_changesets(statements, loaded)
    prepared.statements = statements
    text = source.parsed_text
    prepared.sql = [text[parsed_offset(source, s.start) : parsed_offset(source, s.end)] for s in statements]
    prepared.predicted = [[] for _ in statements]
    if predict:
        reports = analyze_file(
            migration, config, NO_RULES, created_earlier, schema_lookup=schema_lookup, loaded=loaded, sizing=sizing
        ).statements
        lines = [source.position(s.start)[0] for s in statements]
        if [r.line for r in reports] == lines:
            prepared.predicted = [list(r.locks) for r in reports]
    return prepared


def _flyway_refusal(loaded: LoadedFile, config: Config) -> tuple[str, int] | None:
    """Flyway refuses a migration that mixes transactional and non-transactional statements (``mixed=false``)."""
    facts = loaded.facts
    mixed = config.settings_for(loaded.migration.location).mixed
    if facts is None or loaded.parse is None or facts.mode != "flyway" or mixed:
        return None
    if not facts.flyway_nontransactional or len(loaded.parse.statements) <= len(facts.flyway_nontransactional):
        return None
    first = facts.flyway_nontransactional[0]
    line = first.source.position(first.start)[0]
    return (
        "Detected both transactional and non-transactional statements within the same migration (even though "
        f"mixed is false). Offending statement found at line {line}: {first.text} [non-transactional]",
        first.start,
    )


def _reverse_changesets(statements: list[Statement], loaded: LoadedFile) -> list[Statement]:
    """Liquibase rolls changesets back newest first: the file's rollbacks in reverse changeset order."""
    shape = loaded.shape
    keyed = []
    for position, stmt in enumerate(statements):
        section = shape.section_at(stmt.start)
        pair = section.pair if section is not None and section.pair is not None else 0
        keyed.append((-pair, position, stmt))
    return [stmt for _, _, stmt in sorted(keyed, key=lambda item: (item[0], item[1]))]


def parsed_offset(source: Source, offset: int) -> int:
    """A character offset into the original text → into the text that was parsed."""
    sub = source.substitution
    if sub is None:
        return offset
    k = bisect.bisect_right(sub.original_starts, offset) - 1
    if k < 0:
        return offset
    if offset < sub.original_ends[k]:
        return sub.parsed_starts[k]
    return sub.parsed_ends[k] + (offset - sub.original_ends[k])
