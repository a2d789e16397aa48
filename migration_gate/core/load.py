"""The one load pipeline: a migration file → its source, parse, directives and pre-pass facts.

``check`` (through :func:`migration_gate.core.analyze.analyze_file`), ``verify``'s
runner and the earlier-schema lookups all load files here, so a file is read,
substituted and parsed the same way everywhere, and once per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import FileFacts, analyze
from .config import Config
from .migration import MigrationFile
from .parse import ParseResult, parse_source
from .placeholders import substitute
from .source import Source, UnreadableSource, decode_source, read_bytes
from .suppression import Directives, read_directives


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


def load_file(migration: MigrationFile, config: Config, data: bytes | None = None) -> LoadedFile:
    """Read (unless ``data`` is given), decode, substitute placeholders, parse, read directives, pre-pass."""
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
    if config.substitutes_placeholders:
        source.substitution = substitute(source.text, config.placeholders, migration.name)
    loaded.parse = parse_source(source)
    statements = loaded.parse.statements
    loaded.directives = read_directives(source, [(s.start, s.end) for s in statements])
    opt_out = loaded.directives.no_transaction or migration.runner_opt_out
    loaded.facts = analyze(
        statements,
        mode=config.transaction_mode,
        pg_version=config.pg_version,
        runner_transaction=False if opt_out else None,
    )
    return loaded
