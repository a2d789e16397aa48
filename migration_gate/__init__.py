"""migration-gate: stops dangerous PostgreSQL migrations before they merge."""

__version__ = "0.1.0"
