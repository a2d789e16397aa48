"""Prisma Migrate's migration checksum, as the schema engine computes and compares it.

``schema-engine/connectors/schema-connector/src/checksum.rs`` (prisma/prisma-engines)::

    fn compute_checksum(script: &str) -> [u8; 32] { Sha256 over the script }
    // format_checksum: "{byte:02x}" per byte (64 lowercase hex characters)
    pub(crate) fn script_matches_checksum(script: &str, checksum: &str) -> bool {
        once(compute_checksum(script))
            .chain(once_with(|| compute_checksum(&script.replace("\\r\\n", "\\n"))))
            .chain(once_with(|| compute_checksum(&script.replace('\\n', "\\r\\n"))))
        // a stored value whose length is not 64 is compared in the old format "{byte:x}"

The CLI reads ``migration.sql`` with ``fs.readFile(…, 'utf-8')``: a BOM is kept
(as U+FEFF) and invalid bytes become U+FFFD before hashing.  The value is
stored in ``_prisma_migrations.checksum``.  Only ``prisma migrate dev``
compares it (``dev_diagnostic.rs``: "The migration `{name}` was modified after
it was applied.", then it asks to reset the database); ``migrate deploy``
selects migrations by folder name and never compares (``apply_migrations.rs``).
"""

from __future__ import annotations

import hashlib

STORED_IN = "_prisma_migrations.checksum"
#: ``migrate dev``'s reset reason for an edited applied migration (dev_diagnostic.rs).
MODIFIED_ERROR = "The migration `{name}` was modified after it was applied."


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def checksum(data: bytes) -> str:
    """The lowercase, zero-padded hex SHA-256 Prisma stores for a ``migration.sql``."""
    return hashlib.sha256(_text(data).encode("utf-8")).hexdigest()


def _old_format(text: str) -> str:
    return "".join(f"{b:x}" for b in hashlib.sha256(text.encode("utf-8")).digest())


def matches(data: bytes, stored: str) -> bool:
    """Whether Prisma accepts ``stored`` for this file: as is, CRLF→LF or LF→CRLF (and the old unpadded hex)."""
    text = _text(data)
    for variant in (text, text.replace("\r\n", "\n"), text.replace("\n", "\r\n")):
        if len(stored) == 64:
            if hashlib.sha256(variant.encode("utf-8")).hexdigest() == stored:
                return True
        elif _old_format(variant) == stored:
            return True
    return False
