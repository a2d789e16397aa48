"""``migration-gate lsp``: the language server, over stdio (needs ``pip install 'migration-gate[lsp]'``)."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stdio", action="store_true", help="talk LSP over stdin/stdout (the default and only transport)"
    )


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError

    try:
        from ..lsp.server import serve
    except ImportError as exc:
        if exc.name not in ("pygls", "lsprotocol") and not str(exc.name or "").startswith(("pygls.", "lsprotocol.")):
            raise
        raise UsageError("lsp needs pygls: pip install 'migration-gate[lsp]'") from None
    serve()
    return 0
