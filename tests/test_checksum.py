"""Flyway's checksum, with test vectors and where each value comes from.

No Flyway can be installed here (it is on neither PyPI, Debian nor npm), so
the values are derived, not observed:

* the algorithm is read from Flyway's published source (flyway-core
  ``LoadableResource.calculateChecksum`` / ``ChecksumCalculator``): a
  ``BufferedReader.readLine()`` loop feeding each line's UTF-8 bytes, without
  its terminator, to one ``java.util.zip.CRC32``; ``BomFilter`` drops a
  U+FEFF from the first line; the result is cast to ``int`` (signed 32-bit);
* two values are published by a Java project that computes migration
  checksums with the same ``readLine`` + ``CRC32`` loop (ebean's
  ``MChecksumTest``, io.ebean ebean-ddl-generator): ``907060870`` for a file
  whose only line is ``hello`` and ``1859426839`` for its
  ``index-special-chars/1.0__hello.sql``, whose content is ``helloäüü`` and a
  newline;
* ``123456789`` → ``0xCBF43926`` is CRC-32's catalogued check value
  (CRC-32/ISO-HDLC, the polynomial of ``java.util.zip.CRC32``); as a Java
  ``int`` that is ``-873187034``;
* every other value is the CRC-32 of the bytes Flyway feeds it, written out
  below (the concatenated lines), so each vector states its own derivation.
"""

from __future__ import annotations

import pytest

from migration_gate.core.checksum import checksum_of_bytes, flyway_checksum

HELLO = 907060870  # ebean MChecksumTest: a file whose one line is "hello"
HELLO_WORLD = -102031187  # CRC-32 of b"helloworld" = 0xF9EB20AD, as a Java int

VECTORS = [
    # (name, file bytes, expected checksum, derivation)
    ("empty file", b"", 0, "readLine() returns null at once: the CRC is never updated, getValue() is 0"),
    ("only a newline", b"\n", 0, "one empty line: zero bytes fed"),
    ("crc check value", b"123456789", -873187034, "CRC-32 catalogue check value 0xCBF43926"),
    ("one line, no newline", b"hello", HELLO, "ebean MChecksumTest"),
    ("trailing newline", b"hello\n", HELLO, "the terminator is not hashed and starts no line"),
    ("BOM", b"\xef\xbb\xbfhello", HELLO, "BomFilter drops U+FEFF from the first line"),
    ("BOM and CRLF", b"\xef\xbb\xbfhello\r\n", HELLO, "both dropped"),
    ("LF", b"hello\nworld\n", HELLO_WORLD, "lines hello, world"),
    ("CRLF", b"hello\r\nworld\r\n", HELLO_WORLD, "readLine() ends a line at \\r\\n"),
    ("CR only", b"hello\rworld\r", HELLO_WORLD, "readLine() ends a line at a lone \\r (classic Mac)"),
    ("mixed endings", b"hello\r\n\rworld", HELLO_WORLD, "\\r\\n, then \\r (an empty line), then world"),
    ("blank lines", b"hello\n\n\n   \nworld", None, "a line of spaces is content: see test below"),
    ("blank lines only", b"hello\n\n\nworld\n\n", HELLO_WORLD, "empty lines feed zero bytes"),
    ("non-ASCII", "helloäüü\n".encode(), 1859426839, "ebean MChecksumTest.calculateWithSpecialChars"),
    ("emoji", "SELECT '☕😀';\n".encode(), 1005077201, "CRC-32 of the UTF-8 bytes of SELECT '☕😀'; = 0x3BE842D1"),
    ("two statements", b"SELECT 1;\r\nSELECT 2;\r\n", -1665099012, "CRC-32 of b'SELECT 1;SELECT 2;' = 0x9CC09AFC"),
    (
        "second BOM is content",
        b"\xef\xbb\xbf\xef\xbb\xbfhello",
        101581765,
        "only one U+FEFF is filtered: CRC-32 of b'\\xef\\xbb\\xbfhello' = 0x060E03C5",
    ),
    (
        "BOM inside a later line is content",
        "hello\n\ufeffworld".encode(),
        -1762553420,
        "BomFilter runs on the first line only: CRC-32 of 'hello\\ufeffworld' = 0x96F191B4",
    ),
]


@pytest.mark.parametrize(
    "name,data,expected,derivation",
    [v for v in VECTORS if v[2] is not None],
    ids=[v[0] for v in VECTORS if v[2] is not None],
)
def test_vector(name, data, expected, derivation):
    assert checksum_of_bytes(data) == expected, derivation
    assert flyway_checksum(data.decode("utf-8")) == expected, derivation


def test_a_line_of_spaces_is_content():
    assert checksum_of_bytes(b"hello\n\n\n   \nworld") != HELLO_WORLD
    assert checksum_of_bytes(b"hello\n\n\n   \nworld") == checksum_of_bytes(b"hello   world")


def test_values_are_signed_32_bit():
    values = [checksum_of_bytes(bytes([i]) * 7) for i in range(128)]  # ASCII: valid UTF-8
    assert all(-(2**31) <= v < 2**31 for v in values)
    assert any(v < 0 for v in values) and any(v > 0 for v in values)


def test_invalid_utf8_has_no_checksum():
    # Flyway decodes strictly ("Unable to calculate checksum"): there is no value to compare.
    assert checksum_of_bytes(b"SELECT '\xe9';") is None
    assert checksum_of_bytes(b"\xff\xfe" + "SELECT 1;".encode("utf-16-le")) is None


def test_text_decoded_with_utf8_sig_drops_no_second_bom():
    text = b"\xef\xbb\xbf\xef\xbb\xbfhello".decode("utf-8-sig")
    assert flyway_checksum(text, bom_dropped=True) == 101581765


def test_json_report_carries_the_checksum_of_every_file(cli, tmp_path):
    folder = tmp_path / "migrations"
    (folder / "rollback").mkdir(parents=True)
    (folder / "V1__hello.sql").write_bytes(b"\xef\xbb\xbfhello\r\n")  # not SQL: a syntax error, still checksummed
    (folder / "V2__two.sql").write_bytes(b"SELECT 1;\r\nSELECT 2;\r\n")
    (folder / "rollback" / "V1__rollback.sql").write_bytes(b"")
    (folder / "V3__latin1.sql").write_bytes(b"SELECT '\xe9';\n")
    (folder / "V4__binary.sql").write_bytes(b"SELECT 1;\x00\n")
    result = cli("check", "migrations", "--format", "json", cwd=tmp_path)
    checksums = {f["path"]: f["checksum"] for f in result.json()["files"]}
    assert checksums == {
        "migrations/V1__hello.sql": HELLO,
        "migrations/V2__two.sql": -1665099012,
        "migrations/V3__latin1.sql": None,  # not UTF-8: Flyway cannot compute one either
        "migrations/V4__binary.sql": checksum_of_bytes(b"SELECT 1;\x00"),  # NUL is valid UTF-8 to Flyway
        "migrations/rollback/V1__rollback.sql": 0,
    }
