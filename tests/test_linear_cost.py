"""Cost grows linearly with a file: position mapping, DO bodies, syntax-error recovery, suppression.

Offsets are mapped once per file (:class:`~migration_gate.core.source.Utf8Offsets`), never by decoding a
prefix per question, which made one big file with one ``é`` quadratic.
"""

from __future__ import annotations

import time

import pytest

from migration_gate.core.source import Source, Utf8Offsets

TEXTS = [
    "",
    "SELECT 1;",
    "é",
    "😀☕é",
    "-- é\n" + "SELECT 1;\n" * 40,  # non-ASCII only before the first mark
    ("x" * 63 + "é") * 5 + "☕" * 70 + "a😀" * 40 + "tail",  # characters of 2, 3 and 4 bytes across marks
    "\r\n".join(f"SELECT '{'é' * (i % 7)}☕', {i};" for i in range(300)),
]


@pytest.mark.parametrize("text", TEXTS)
def test_offsets_match_decoding_the_prefix(text):
    data = text.encode("utf-8")
    offsets = Utf8Offsets(text)
    for byte in range(len(data) + 3):  # inside a multibyte character: the character it belongs to
        assert offsets.char(byte) == len(data[:byte].decode("utf-8", "ignore")), byte
    for char in range(len(text) + 3):
        assert offsets.byte(char) == len(text[:char].encode("utf-8")), char
    source = Source("x.sql", text)
    assert [source.parsed_char(b) for b in range(len(data) + 1)] == [offsets.char(b) for b in range(len(data) + 1)]
    assert [source.parsed_byte(c) for c in range(len(text) + 1)] == [offsets.byte(c) for c in range(len(text) + 1)]


STATEMENTS = (
    "CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL);",
    "CREATE INDEX idx_t{i}_name ON t{i} (name);",
    "ALTER TABLE orders ADD COLUMN c{i} integer;",
    "UPDATE orders SET c{i} = 0 WHERE id > {i};",
    "CREATE INDEX idx_orders_c{i} ON orders (c{i});",
    "ALTER TABLE orders ALTER COLUMN c{i} TYPE bigint;",
    "DO $$ BEGIN UPDATE t{i} SET name = 'x{i}' WHERE id = {i}; END $$;",
    "-- migration-gate: ignore unbatched-update -- a small table\nUPDATE users SET name = 'n' WHERE id = {i};",
)


def big_file(statements: int, first_line: str, *, broken: bool = False) -> str:
    lines = [first_line]
    for k in range(statements):
        lines.append(STATEMENTS[k % len(STATEMENTS)].format(i=k // len(STATEMENTS)))
    if broken:
        lines.append("SELECT FROM WHERE;")  # a syntax error: the statements are then parsed piece by piece
    return "\n".join(lines) + "\n"


def findings(cli, folder, text: str) -> list[tuple[str, int, int, int, int]]:
    folder.mkdir()
    (folder / "V1__big.sql").write_text(text, encoding="utf-8")
    doc = cli("check", "V1__big.sql", "--format", "json", "--no-cache", cwd=folder).json()
    return [(v["rule"], v["line"], v["column"], v["end_line"], v["end_column"]) for v in doc["violations"]]


@pytest.mark.parametrize("broken", [False, True], ids=["parses", "syntax-error"])
def test_positions_after_a_multibyte_first_line_equal_its_ascii_twin(cli, tmp_path, broken):
    """Multibyte text ahead of every statement (and in DO bodies) moves no finding: the ASCII twin's
    positions, character for character, at 2,000 statements."""
    twin = findings(cli, tmp_path / "ascii", big_file(2000, "-- cafe: size", broken=broken))
    multibyte = findings(cli, tmp_path / "utf8", big_file(2000, "-- café: 😀", broken=broken).replace("'x", "'é"))
    assert len(twin) > 1000 and ("syntax-error" in {f[0] for f in twin}) == broken
    assert multibyte == twin


def per_statement_seconds(cli, folder, text: str, statements: int) -> float:
    """Best of three in-process ``check`` runs of one file, divided by its statements."""
    folder.mkdir()
    (folder / "V1__big.sql").write_text(text, encoding="utf-8")
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = cli("check", "V1__big.sql", "--format", "json", "--no-cache", cwd=folder)
        best = min(best, time.perf_counter() - start)
        assert result.code == 1
    return best / statements


def test_time_per_statement_does_not_grow_with_the_file(cli, tmp_path):
    """8,000 statements after one multibyte line cost about what 1,000 ASCII ones cost, per statement.

    A quadratic step (positions decoded from the file's start, ignores searched per statement and per
    finding) made this ratio 3 to 10; linear cost keeps it near 1.  The bound (2) leaves room for a
    loaded machine; each side is the best of three in-process runs.
    """

    small = per_statement_seconds(cli, tmp_path / "small", big_file(1000, "-- size"), 1000)
    large = per_statement_seconds(cli, tmp_path / "large", big_file(8000, "-- Größe ☕"), 8000)
    assert large / small < 2, f"{large * 1e6:.0f} µs vs {small * 1e6:.0f} µs per statement"


IGNORED = {
    "migration-gate": (
        "-- migration-gate: ignore unbatched-update -- a small table\nUPDATE users SET name = 'n' WHERE id > {i};\n"
    ),
    "squawk": "-- squawk-ignore require-concurrent-index-creation\nCREATE INDEX idx_{i} ON users (name);\n",
}


@pytest.mark.parametrize("kind", sorted(IGNORED))
def test_time_per_ignore_does_not_grow_with_the_file(cli, tmp_path, kind):
    """An ignore comment before every statement: each ignore finds its statement(s), and each finding its
    ignores, without searching all of them (that made 4,000 of them cost 3 to 5 times 500 per statement;
    a squawk-ignore that looked at every statement for the ones on its two lines made 8,000 cost 3 times)."""

    def ignored(statements: int) -> str:
        return "".join(IGNORED[kind].format(i=i) for i in range(statements))

    small = per_statement_seconds(cli, tmp_path / "small", ignored(500), 500)
    large = per_statement_seconds(cli, tmp_path / "large", ignored(8000), 8000)
    assert large / small < 2, f"{large * 1e6:.0f} µs vs {small * 1e6:.0f} µs per statement"


def test_time_per_statement_in_one_explicit_transaction_does_not_grow(cli, tmp_path):
    """A file the runner does not wrap, all of it in one BEGIN … COMMIT: whether a statement is committed
    before another runs is looked up, not searched for after every statement (non-idempotent-statement
    walked to the COMMIT and over the rest of the file per creating statement: 8,000 statements cost 5 to 6
    times 500 per statement)."""

    def one_transaction(statements: int) -> str:
        return big_file(statements, "-- migration-gate: no-transaction\nBEGIN;") + "COMMIT;\n"

    small = per_statement_seconds(cli, tmp_path / "small", one_transaction(500), 500)
    large = per_statement_seconds(cli, tmp_path / "large", one_transaction(8000), 8000)
    assert large / small < 2, f"{large * 1e6:.0f} µs vs {small * 1e6:.0f} µs per statement"
