"""Generated input: real statements mutated, never an internal error, every position inside the file, the same
output twice.

Seeds are the statements of the project's own fixtures and, when it is there, of ``../shared/corpus``
(read in place).  Each case joins one to four of them and mutates the text: tokens dropped, duplicated or
swapped; comments, quotes, dollar quotes, multibyte text, CR and LF inserted.  CI runs 10,000 cases with a
fixed seed (``derandomize``); ``benchmarks/fuzz.py`` runs longer, with random seeds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from conftest import CORPUS, FIXTURES, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migration_gate.core.analyze import analyze_file
from migration_gate.core.config import Config
from migration_gate.core.migration import MigrationFile
from migration_gate.core.ruleset import build_ruleset
from migration_gate.core.source import LineIndex

CASES = int(os.environ.get("MIGRATION_GATE_FUZZ_CASES", "10000"))
FIXED_SEED = not os.environ.get("MIGRATION_GATE_FUZZ_RANDOM")  # benchmarks/fuzz.py: random seeds
_TOKEN = re.compile(r"\s+|\w+|'[^']*'|\$\$|[^\w\s]")
INSERTS = [
    "-- é ☕ 😀\n",
    "/* c */",
    "'",
    "''",
    "$$",
    "$x$",
    '"',
    "😀",
    "é",
    "\r",
    "\n",
    "\r\n",
    ";",
    "\t",
    "${p}",
    "(",
    ")",
    "--",
    "/*",
    "*/",
    "E'\\''",
]


def _statements(paths: list[Path], limit: int) -> list[str]:
    from pglast import parser

    found: list[str] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            found.extend(s.strip() + ";" for s in parser.split(text) if s.strip())
        except parser.ParseError:
            continue
        if len(found) >= limit:
            break
    return found[:limit]


def _seeds() -> list[str]:
    own = sorted(p for p in FIXTURES.rglob("*.sql"))
    corpus = sorted(CORPUS.rglob("*.sql"))[::7] if CORPUS.is_dir() else []
    seeds = _statements(own, 5000) + _statements(corpus, 3000)
    return sorted(set(seeds))


SEEDS = _seeds()
CONFIG = Config(root=REPO, placeholders={"p": "public"})
RULES = build_ruleset(CONFIG)
MIGRATION = MigrationFile(Path("V1__fuzz.sql"), "V1__fuzz.sql", Path("."), "V1__fuzz.sql", "versioned")


@st.composite
def mutated(draw) -> str:
    parts = draw(st.lists(st.sampled_from(SEEDS), min_size=1, max_size=4))
    tokens = _TOKEN.findall("\n".join(parts))
    for _ in range(draw(st.integers(0, 6))):
        if not tokens:
            break
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "insert"]))
        i = draw(st.integers(0, len(tokens) - 1))
        if action == "drop":
            del tokens[i]
        elif action == "duplicate":
            tokens.insert(i, tokens[i])
        elif action == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens.insert(i, draw(st.sampled_from(INSERTS)))
    return "".join(tokens)


def _report(text: str) -> list[tuple]:
    result = analyze_file(MIGRATION, CONFIG, RULES, data=text.encode("utf-8"))
    return [
        *((v.rule, v.line, v.column, v.end_line, v.end_column, v.message) for v in result.violations),
        *(
            (s.line, s.end_line, tuple((l.table, l.mode, l.rewrite, l.scan) for l in s.locks))
            for s in result.statements
        ),
    ]


#: Rules about byte lengths (PostgreSQL's 63-byte names): the ASCII twin of a name is shorter in bytes.
BYTE_LENGTH_RULES = {"identifier-too-long", "duplicate-column-assignment"}


def _positions(report: list[tuple]) -> list[tuple]:
    return [item[:5] if len(item) == 6 else item[:2] for item in report if item[0] not in BYTE_LENGTH_RULES]


def _ascii(text: str) -> str:
    """The same text with every non-ASCII character replaced by one ASCII letter: characters stay where they
    are, UTF-8 bytes move (a node located by its bytes but read as characters lands elsewhere). The letter is
    ``q``, which starts no PostgreSQL literal (``x'…'``, ``b'…'``, ``e'…'``, ``n'…'`` and ``u&'…'`` do)."""
    return "".join(ch if ch < "\x80" or ch == "\ufeff" else "q" for ch in text)


def test_there_are_enough_seeds():
    assert len(SEEDS) >= 500


@settings(
    max_examples=CASES, derandomize=FIXED_SEED, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
@given(mutated())
def test_mutated_statements(text):
    first = _report(text)
    assert _report(text) == first  # the same output on a second run
    # Positions are characters: the ASCII twin of the text gives the same findings at the same places.
    assert _positions(_report(_ascii(text))) == _positions(first)
    lines = LineIndex(text.removeprefix("\ufeff"))
    count = lines.line_count
    for item in first:
        if len(item) == 6:
            _, line, column, end_line, end_column, _ = item
            assert 1 <= line <= end_line <= count, item
            assert 1 <= column <= len(lines.line_text(line)) + 1, item
            assert 1 <= end_column <= len(lines.line_text(end_line)) + 1, item
            assert (end_line, end_column) >= (line, column), item
        else:
            line, end_line, _ = item
            assert 1 <= line <= end_line <= count, item
