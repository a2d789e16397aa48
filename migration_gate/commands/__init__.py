"""Subcommands of the CLI; each module has ``configure(parser)`` and ``run(args)``."""
