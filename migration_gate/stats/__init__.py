"""Table statistics: read from a server (:mod:`.reader`, ``migration-gate stats``) into a JSON
snapshot, and read back from the snapshot (:mod:`.snapshot`) into the plain data the core sizes
lock findings with (:class:`~migration_gate.core.tablestats.StatsSnapshot`)."""
