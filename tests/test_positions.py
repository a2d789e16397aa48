"""Exact positions: 1-based lines and columns in characters, with BOM, CRLF, CR, tabs, multibyte text."""

from __future__ import annotations

from conftest import FIXTURES

POSITIONS = FIXTURES / "positions"


def _violations(cli, name, rule=None):
    args = ["check", name, "--format", "json"]
    if rule:
        args += ["--rule", rule]
    return cli(*args, cwd=POSITIONS).json()


def test_fixture_bytes_are_what_the_test_expects():
    data = (POSITIONS / "V1__positions.sql").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b"\r" + b"S" in data
    assert "😀".encode() in data and "☕".encode() in data and "é".encode() in data


def test_placeholders_after_multibyte_and_tabs(cli):
    doc = _violations(cli, "V1__positions.sql", "undefined-placeholder")
    got = [(v["line"], v["column"], v["end_line"], v["end_column"]) for v in doc["violations"]]
    # line 2: SELECT 'é☕😀', '${tenant}';  -> "${" is the 16th character
    # line 3: <tab>SELECT<tab>'😀' ,  ${nope};  -> a tab counts as one character
    assert got == [(2, 16, 2, 25), (3, 16, 3, 23)]


def test_statement_lines_with_cr_only_and_trailing_comments(cli):
    doc = _violations(cli, "V1__positions.sql", "syntax-error")
    statements = [(s["line"], s["end_line"]) for s in doc["statements"]]
    # line 3 does not parse (undefined placeholder left in place); the others do.
    # "SELECT 2;" follows a lone CR, so it is on line 6; the last statement has no
    # semicolon and is followed by a comment, which is not part of it.
    assert statements == [(2, 2), (5, 5), (6, 6), (8, 8)]
    # The parser stops at the undefined ${nope} (3:16): that is undefined-placeholder's finding
    # (tested above at the same position), not a syntax error of its own.
    assert doc["violations"] == []


def test_syntax_error_column_after_emoji_and_bom(cli):
    doc = _violations(cli, "V2__syntax_error.sql", "syntax-error")
    (error,) = doc["violations"]
    assert error["message"] == 'syntax error at or near "WHERE"'
    # <tab>'☕' AS b FROM WHERE;  -> WHERE is the 16th character of line 3
    assert (error["line"], error["column"]) == (3, 16)


def test_text_report_caret_under_the_character(cli):
    result = cli("check", "V2__syntax_error.sql", "--rule", "syntax-error", cwd=POSITIONS)
    lines = result.out.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("V2__syntax_error.sql:3:16:"))
    code_line, caret_line = lines[index + 1], lines[index + 2]
    assert code_line.endswith("'☕' AS b FROM WHERE;")
    assert caret_line.index("^") == code_line.index("WHERE")


def test_ast_anchored_findings_after_multibyte_text(cli):
    """Nodes locate themselves in UTF-8 bytes: findings anchored to a node land on its character, after
    multibyte text on the same line and on earlier lines (BOM, CRLF), and inside a DO block's body."""
    doc = _violations(cli, "V3__ast_anchored.sql")
    got = [
        (v["rule"], v["line"], v["column"], v["end_line"], v["end_column"])
        for v in doc["violations"]
        if v["rule"] in ("non-concurrent-index-creation", "foreign-key-without-not-valid", "add-column-rewrites-table")
    ]
    assert got == [
        # line 2: SELECT 'é☕😀'; CREATE INDEX idx_a ON orders (customer_id);  -> "orders" is the 37th character
        ("non-concurrent-index-creation", 2, 37, 2, 57),
        # line 3: ALTER TABLE orders ADD CONSTRAINT "fk_é☕" …  -> the constraint starts at the 24th character
        ("foreign-key-without-not-valid", 3, 24, 3, 90),
        # line 4: ALTER TABLE "façade😀" ADD COLUMN token …  -> the column definition starts at the 34th
        ("add-column-rewrites-table", 4, 34, 4, 70),
        # line 5: DO $$ BEGIN /* é☕😀 */ CREATE INDEX idx_b ON orders (note); END $$;  -> "orders" is the 45th
        ("non-concurrent-index-creation", 5, 45, 5, 58),
    ]


def test_findings_anchored_in_statements_parsed_after_a_syntax_error(cli):
    """After a syntax error each piece is parsed alone: its nodes count their bytes from the piece's start."""
    doc = _violations(cli, "V4__after_syntax_error.sql")
    got = sorted((v["rule"], v["line"], v["column"]) for v in doc["violations"] if v["code"] in ("MG001", "MG110"))
    # line 2: ALTER TABLE users ALTER COLUMN email TYPE int …  -> the column definition is the 32nd character
    assert got == [("column-type-change-rewrites-table", 2, 32), ("syntax-error", 1, 21)]


def test_do_block_parsed_after_a_syntax_error(cli):
    """A DO block in a piece parsed after a syntax error finds its body from the piece's start (found by the
    fuzz test: the body was located from the file's start, off by the error's bytes)."""
    doc = _violations(cli, "V5__do_after_syntax_error.sql", "non-transactional-statement-in-transaction")
    # line 2: DO $$ BEGIN CREATE INDEX CONCURRENTLY …  -> the CREATE INDEX is the 13th character
    assert [(v["line"], v["column"]) for v in doc["violations"]] == [(2, 13)]
