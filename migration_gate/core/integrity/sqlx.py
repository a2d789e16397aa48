"""sqlx's migration checksum, as ``sqlx-core`` computes it.

``sqlx-core/src/migrate/migration.rs`` (transact-rs/sqlx, formerly launchbadge/sqlx)::

    pub fn checksum(sql: &str) -> Vec<u8> { Vec::from(Sha384::digest(sql).as_slice()) }

over the file exactly as ``fs::read_to_string`` returns it: no BOM stripping, no
line-ending normalisation, so a CRLF re-save or a trailing newline changes it.
sqlx stores the 48 raw bytes in ``_sqlx_migrations.checksum`` (BYTEA) and, on
every run, compares each applied version's stored value with the file's
(``migrator.rs``), failing with ``migration {version} was previously applied
but has been modified`` (``error.rs``, ``MigrateError::VersionMismatch``).

sqlx 0.9 reads ``[migrate] ignored-chars`` from ``sqlx.toml``
(``sqlx-core/src/config/migrate.rs``); ``source.rs`` ``checksum_with`` then
hashes the fragments between ignored characters, which is the SHA-384 of the
text with every ignored character removed (sqlx's own test
``checksum_with_ignored_chars`` asserts this equivalence).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

#: The table and column sqlx keeps it in.
STORED_IN = "_sqlx_migrations.checksum"
#: sqlx's error for an applied migration whose file changed (``MigrateError::VersionMismatch``).
MODIFIED_ERROR = "migration {version} was previously applied but has been modified"


def checksum(data: bytes, ignored_chars: Iterable[str] = ()) -> str | None:
    """The lowercase hex SHA-384 sqlx stores for a file's bytes.

    ``None`` when sqlx could not read the file (``read_to_string`` requires UTF-8).
    """
    ignored = frozenset(ignored_chars)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if ignored:
        data = "".join(c for c in text if c not in ignored).encode("utf-8")
    return hashlib.sha384(data).hexdigest()


def ignored_chars(toml_text: str) -> tuple[str, ...] | None:
    """``[migrate] ignored-chars`` of a ``sqlx.toml`` (sqlx 0.9); ``None`` when unset or unreadable."""
    import tomllib  # here: only a sqlx project has one, and every run imports this module

    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError:
        return None
    migrate = data.get("migrate")
    chars = migrate.get("ignored-chars") if isinstance(migrate, dict) else None
    if not isinstance(chars, list) or not all(isinstance(c, str) and len(c) == 1 for c in chars):
        return None
    return tuple(sorted(set(chars)))
