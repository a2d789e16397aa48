"""Rules: one module per rule, registered in :mod:`.registry`."""
