"""drizzle's migration hash and journal, as ``drizzle-orm``'s migrator reads them.

``drizzle-orm/src/migrator.ts`` (0.x, journal layout)::

    const journalPath = `${migrationFolderTo}/meta/_journal.json`;
    for (const journalEntry of journal.entries) {
        const query = fs.readFileSync(`${migrationFolderTo}/${journalEntry.tag}.sql`).toString();
        ... folderMillis: journalEntry.when, hash: crypto.createHash('sha256').update(query).digest('hex')

The hash is the SHA-256 hex of the whole file (``toString()`` decodes UTF-8,
so invalid bytes become U+FFFD before hashing), stored in
``drizzle.__drizzle_migrations.hash`` and **never compared**: the PostgreSQL
dialect (``pg-core/dialect.js`` ``migrate``) reads only the ``created_at`` of the
newest row and runs the entries whose ``when`` is later
(``Number(lastDbMigration.created_at) < migration.folderMillis``).  drizzle-orm
1.0 (folder per migration, ``<YYYYMMDDHHMMSS>_<name>/migration.sql``) hashes the
same way, still never compares, and selects by folder name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

STORED_IN = "drizzle.__drizzle_migrations.hash"
JOURNAL = "meta/_journal.json"


def migration_hash(data: bytes) -> str:
    """The SHA-256 hex drizzle stores for a migration file."""
    return hashlib.sha256(data.decode("utf-8", errors="replace").encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class JournalEntry:
    position: int  # in the journal's array: the order the migrator runs them
    idx: int | None
    tag: str  # the file is ``<tag>.sql``
    when: int  # milliseconds; stored as ``created_at``
    offset: int  # character offset of the entry in the journal text


def journal_entries(text: str) -> list[JournalEntry] | None:
    """The entries of a ``meta/_journal.json``; ``None`` when it is not a journal drizzle can read."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None
    found: list[JournalEntry] = []
    search_from = 0
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            return None
        tag, when, idx = entry.get("tag"), entry.get("when"), entry.get("idx")
        if not isinstance(tag, str) or not isinstance(when, int) or isinstance(when, bool):
            return None
        at = text.find(json.dumps(tag), search_from)
        offset = at if at >= 0 else 0
        search_from = max(search_from, offset)
        found.append(JournalEntry(position, idx if isinstance(idx, int) else None, tag, when, offset))
    return found
