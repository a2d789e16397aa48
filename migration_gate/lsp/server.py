"""``migration-gate lsp``: a language server over stdio, built on pygls.

* ``textDocument/didOpen``, ``didSave``: the file is checked at once (and the base re-read);
  ``didChange``: checked after a pause in typing (:data:`DEBOUNCE` seconds); ``didClose``
  clears its diagnostics.  Diagnostics are what ``check`` reports for the file: the rule's
  code, a link to its page (``codeDescription``), the level as severity, the help in the
  message, and related information where a finding points at a second place.
* ``textDocument/hover`` on a statement: the locks it takes (mode, table, what the mode
  blocks, whether the table is rewritten or scanned), from the same lock model.
* ``textDocument/codeAction``: ignore comments and the mechanical fixes of
  :mod:`migration_gate.lsp.fixes` (:mod:`migration_gate.lsp.actions`).

Positions are converted to UTF-16 code units here, at the edge (:mod:`migration_gate.lsp.positions`).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from .actions import SOURCE, code_actions
from .analysis import Analysis, Related, Workspace, related_places

DEBOUNCE = float(os.environ.get("MIGRATION_GATE_LSP_DEBOUNCE", "0.3"))
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}


class GateServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("migration-gate", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.gate = Workspace()
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.Task[Any]] = {}

    # ------------------------------------------------------------------ checking

    def check(self, uri: str, *, refresh_history: bool = False) -> None:
        from ..errors import ConfigError, UsageError

        path_text = to_fs_path(uri)
        if path_text is None:
            return
        document = self.workspace.get_text_document(uri)
        try:
            analysis = self.gate.analyze(Path(path_text), document.source, refresh_history=refresh_history)
        except (UsageError, ConfigError) as exc:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"migration-gate: {exc}"))
            analysis = None
        for note in analysis.notes if analysis is not None else ():
            self.window_log_message(types.LogMessageParams(types.MessageType.Info, note))
        if analysis is None:
            self.analyses.pop(uri, None)
            self.publish(uri, [], document.version)
            return
        self.analyses[uri] = analysis
        self.publish(uri, diagnostics(analysis), document.version)

    def publish(self, uri: str, found: list[types.Diagnostic], version: int | None) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version)
        )

    def later(self, uri: str) -> None:
        """Check ``uri`` after :data:`DEBOUNCE` seconds without another change."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()

        async def run() -> None:
            await asyncio.sleep(DEBOUNCE)
            self.pending.pop(uri, None)
            self.check(uri)

        self.pending[uri] = asyncio.get_running_loop().create_task(run())


def _range(analysis: Analysis, line: int, column: int, end_line: int, end_column: int) -> types.Range:
    start = analysis.lines.to_lsp(line, column)
    end = analysis.lines.to_lsp(end_line, end_column)
    if end <= start:  # a point: show it to the end of its line
        end = analysis.lines.line_end(line)
    return types.Range(types.Position(*start), types.Position(*end))


def diagnostics(analysis: Analysis) -> list[types.Diagnostic]:
    from ..reporters.quoting import doc_url

    found = []
    for v in analysis.violations:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=from_fs_path(str(place.path.resolve())) or "",
                    range=_offsets_range(analysis, place) if place.path == analysis.path else _file_start(),
                ),
                message=place.message,
            )
            for place in related_places(analysis, v)
        ]
        found.append(
            types.Diagnostic(
                range=_range(analysis, v.line, v.column, v.end_line, v.end_column),
                message=v.message + (f"\nhelp: {v.help}" if v.help else ""),
                severity=SEVERITY.get(v.severity.label, types.DiagnosticSeverity.Information),
                code=v.code,
                code_description=types.CodeDescription(href=doc_url(analysis.config.docs_url, v.rule, v.code)),
                source=f"{SOURCE}({v.rule})",
                related_information=related or None,
                data={"rule": v.rule, "statement": list(v.statement) if v.statement else None},
            )
        )
    return found


def _offsets_range(analysis: Analysis, place: Related) -> types.Range:
    start = analysis.lines.offset_to_lsp(place.start)
    end = analysis.lines.offset_to_lsp(place.end)
    return types.Range(types.Position(*start), types.Position(*end))


def _file_start() -> types.Range:
    return types.Range(types.Position(0, 0), types.Position(0, 0))


# --------------------------------------------------------------------------- hover


def hover_text(analysis: Analysis, line: int) -> str | None:
    """Markdown for the statement on a 1-based line: the locks it takes."""
    report = analysis.statement_at(line)
    if report is None:
        return None
    from ..core.lockmodes import BLOCKS, label
    from ..core.names import display_name
    from ..docs import _environment

    locks = [
        {
            "mode": label(lock.mode),
            "table": display_name(lock.table),
            "blocks": BLOCKS.get(lock.mode, "unknown"),
            "rewrite": lock.rewrite,
            "scan": lock.scan,
        }
        for lock in report.locks
    ]
    template = _environment().get_template("lsp_hover.md.j2")
    text: str = template.render(locks=locks, line=report.line, end_line=report.end_line)
    return text.strip() + "\n"


# --------------------------------------------------------------------------- wiring


def make_server() -> GateServer:
    server = GateServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GateServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.check(params.text_document.uri, refresh_history=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GateServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.later(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GateServer, params: types.DidSaveTextDocumentParams) -> None:
        waiting = ls.pending.pop(params.text_document.uri, None)
        if waiting is not None:
            waiting.cancel()
        ls.check(params.text_document.uri, refresh_history=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GateServer, params: types.DidCloseTextDocumentParams) -> None:
        waiting = ls.pending.pop(params.text_document.uri, None)
        if waiting is not None:
            waiting.cancel()
        ls.analyses.pop(params.text_document.uri, None)
        ls.publish(params.text_document.uri, [], None)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: GateServer, params: types.HoverParams) -> types.Hover | None:
        analysis = ls.analyses.get(params.text_document.uri)
        if analysis is None:
            return None
        text = hover_text(analysis, params.position.line + 1)
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: GateServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        analysis = ls.analyses.get(params.text_document.uri)
        if analysis is None:
            return None
        return code_actions(ls, analysis, params)

    return server


def serve() -> None:
    make_server().start_io()
