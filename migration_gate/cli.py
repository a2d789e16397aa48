"""The ``migration-gate`` command line.

Each subcommand lives in :mod:`migration_gate.commands` as a module with
``configure(parser)`` and ``run(args) -> int``; they are imported only when
chosen, so ``migration-gate check`` never loads Jinja2, PyGithub or psycopg
unless it needs them.  Exit codes: 0 pass, 1 the gate fails, 2 usage or
configuration error, 3 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__

#: subcommand → (module in migration_gate.commands, one-line help)
COMMANDS = {
    "check": ("check", "lint migrations (the gate)"),
    "verify": ("verify", "apply, roll back and re-apply new migrations on a throwaway PostgreSQL"),
    "rules": ("rules", "list every rule with its code, name, default level and summary"),
    "explain": ("explain", "show a rule's documentation"),
    "docs": ("docs", "regenerate the rule pages (rules/ of migration-gate's source tree, or --output DIR)"),
    "info": ("info", "list migrations with version, checksum and state against the base (like flyway info)"),
    "new": ("new", "write the next versioned migration and its rollback from the guide's template"),
    "lsp": ("lsp", "language server for editors, over stdio (pip install 'migration-gate[lsp]')"),
    "stats": ("stats", "snapshot table sizes and write rates from a server, read-only (for check --table-stats)"),
}

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageExit(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageExit(f"{message} (see `{self.prog} --help`)")


def version_line() -> str:
    """``migration-gate 0.1.0 (compiled core)``, or ``(pure Python)``: how the imported core was built.

    A compiled wheel (``MIGRATION_GATE_COMPILE=1``) carries the core as extension modules beside its
    sources, and Python imports an extension module first.
    """
    from importlib.machinery import EXTENSION_SUFFIXES

    from . import core

    compiled = (core.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES))
    return f"migration-gate {__version__} ({'compiled core' if compiled else 'pure Python'})"


class _Version(argparse.Action):
    """``--version``: worked out only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(version_line())
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="migration-gate", description="Stops dangerous PostgreSQL migrations before they merge.")
    parser.add_argument("--version", action=_Version, help="show the version, and whether the core is compiled")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if command is None or command == name:
            _command_module(module_name).configure(command_parser)
    return parser


def _command_module(module_name: str):
    return importlib.import_module(f"{__package__}.commands.{module_name}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from .errors import ConfigError, UsageError

    chosen = next((a for a in argv if not a.startswith("-")), None)
    try:
        parser = build_parser(chosen if chosen in COMMANDS else None)
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return EXIT_USAGE
        module = _command_module(COMMANDS[args.command][0])
        return module.run(args)
    except (UsageExit, UsageError, ConfigError) as exc:
        print(f"migration-gate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("migration-gate: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_PASS
    except Exception as exc:
        if os.environ.get("MIGRATION_GATE_DEBUG"):
            raise
        print(
            f"migration-gate: internal error: {type(exc).__name__}: {exc} "
            "(a bug in migration-gate; rerun with MIGRATION_GATE_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())


def entry() -> None:
    """The console command: :func:`main`, then a quick exit.

    A whole-repository scan leaves a million objects behind, and tearing them
    down one by one at interpreter exit costs as much as reading the files.
    The atexit handlers still run (temporary folders, servers); only the
    heap's teardown is skipped, and the wait for non-daemon threads (the
    commands start none that outlive them).
    """
    import atexit

    code: int
    try:
        code = main()
    except SystemExit as exc:  # argparse's --help and --version
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            code = 1
        else:
            code = exc.code or 0
        code = code or 0
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # reader gone, or stream closed
            pass
    os._exit(code)
