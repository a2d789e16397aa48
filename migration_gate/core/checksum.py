"""Flyway's checksum of a SQL migration, computed exactly as Flyway computes it.

Flyway (``ChecksumCalculator`` / ``LoadableResource.calculateChecksum`` in
flyway-core, unchanged in substance from Flyway 6 to 11) does::

    CRC32 crc32 = new CRC32();
    BufferedReader reader = new BufferedReader(resource.read(), 4096);
    String line = reader.readLine();
    if (line != null) {
        line = BomFilter.FilterBomFromString(line);   // drop one U+FEFF from the first line
        do { crc32.update(line.getBytes(UTF_8)); } while ((line = reader.readLine()) != null);
    }
    return (int) crc32.getValue();

so the checksum is a CRC-32 (IEEE polynomial, as ``java.util.zip.CRC32`` and
:func:`zlib.crc32`) over the concatenation of every line's UTF-8 bytes
*without* its terminator, where ``readLine`` ends a line at ``\\n``, ``\\r`` or
``\\r\\n`` and a terminator at the end of the file does not start another line.
The value is cast to a Java ``int``: a signed 32-bit integer.

Consequences worth knowing: line endings, blank lines and a trailing newline
never change the checksum; a BOM does not either; anything else does.  Since
every ``\\r`` and ``\\n`` of a text is part of a line terminator, "the lines
without terminators, concatenated" is simply the text with every ``\\r`` and
``\\n`` removed.

Flyway decodes with the configured encoding (UTF-8 by default) using a strict
decoder: a file that is not valid UTF-8 makes Flyway fail ("Unable to calculate
checksum"), and has no checksum here either (``None``).  Placeholders are not
substituted before checksumming.
"""

from __future__ import annotations

import zlib

_BOM = b"\xef\xbb\xbf"
_NO_TERMINATORS = bytes.maketrans(b"", b"")


def _signed(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value


def flyway_checksum(text: str, *, bom_dropped: bool = False) -> int:
    """The checksum of decoded text.

    Like Flyway, one leading U+FEFF is dropped, unless the caller already
    decoded with ``utf-8-sig`` (``bom_dropped=True``): a second BOM is content.
    """
    if not bom_dropped and text.startswith("\ufeff"):
        text = text[1:]
    return _signed(zlib.crc32(text.replace("\r", "").replace("\n", "").encode("utf-8")))


def checksum_of_bytes(data: bytes) -> int | None:
    """The checksum of a file's bytes, or ``None`` when Flyway could not read them as UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    # Valid UTF-8 re-encodes to the same bytes, so the CRC can run on the bytes directly.
    return _signed(zlib.crc32(data.translate(_NO_TERMINATORS, b"\r\n")))
