"""Code actions of the language server: for each of our diagnostics, its mechanical fix
(:mod:`migration_gate.lsp.fixes`) and an ignore comment, as workspace edits (a follow-up migration
as new files, when the client can create them).
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from .analysis import Analysis
from .fixes import Fix, NewFile, ignore_fix, mechanical_fix

SOURCE = "migration-gate"


def code_actions(server: LanguageServer, analysis: Analysis, params: types.CodeActionParams) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    uri = params.text_document.uri
    spans = {(s[0], s[1]): s for s in analysis.spans}
    can_create = _client_can_create_files(server)
    for diagnostic in params.context.diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else None
        if data is None or not str(diagnostic.source or "").startswith(SOURCE):
            continue
        rule = str(data.get("rule") or "")
        statement = data.get("statement")
        span = spans.get(tuple(statement)) if statement else None
        start = analysis.lines.to_offset(diagnostic.range.start.line, diagnostic.range.start.character)
        context = {"follow_up": (lambda name, sql: _follow_up(analysis, name, sql)) if can_create else None}
        fixes: list[Fix] = []
        fix = mechanical_fix(rule, analysis.text_without_bom, span, start, context)
        if fix is not None:
            fixes.append(fix)
        ignore = ignore_fix(analysis.text_without_bom, rule, statement[0] if statement else None)
        if ignore is not None:
            fixes.append(ignore)
        for fix in fixes:
            actions.append(
                types.CodeAction(
                    title=fix.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=fix.preferred or None,
                    edit=_edit(analysis, uri, fix),
                )
            )
    return actions


def _client_can_create_files(server: LanguageServer) -> bool:
    capabilities = server.client_capabilities
    workspace = capabilities.workspace if capabilities is not None else None
    edit = workspace.workspace_edit if workspace is not None else None
    return bool(
        edit is not None
        and edit.document_changes
        and edit.resource_operations
        and types.ResourceOperationKind.Create in edit.resource_operations
    )


def _edit(analysis: Analysis, uri: str, fix: Fix) -> types.WorkspaceEdit:
    edits = [
        types.TextEdit(range=_point(analysis, insert.offset), new_text=insert.text)
        for insert in sorted(fix.inserts, key=lambda i: i.offset)
    ]
    if not fix.new_files:
        return types.WorkspaceEdit(changes={uri: edits})
    changes: list[Any] = [
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None), edits=edits
        )
    ]
    for new in fix.new_files:
        new_uri = from_fs_path(str(new.path.resolve())) or ""
        changes.append(types.CreateFile(uri=new_uri, options=types.CreateFileOptions(ignore_if_exists=False)))
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=new_uri, version=None),
                edits=[
                    types.TextEdit(range=types.Range(types.Position(0, 0), types.Position(0, 0)), new_text=new.content)
                ],
            )
        )
    return types.WorkspaceEdit(document_changes=changes)


def _point(analysis: Analysis, offset: int) -> types.Range:
    position = types.Position(*analysis.lines.offset_to_lsp(offset))
    return types.Range(position, position)


def _follow_up(analysis: Analysis, name: str, sql: str) -> list[NewFile]:
    """The next migration (and its rollback), as ``migration-gate new`` writes them, running ``sql``."""
    from ..discovery import build_project, configured_locations
    from ..errors import UsageError
    from ..scaffold import plan

    config = analysis.config
    locations = configured_locations(config)
    where = next((loc for loc in locations if loc[0] == analysis.location), locations[0])
    try:
        files = plan(build_project(locations, config), config, where[0], where[1], name)
    except UsageError:
        return []
    first = files[0]
    body = first.content
    if "\nCOMMIT;" in body:
        body = body.replace("\nCOMMIT;", f"\n{sql}\nCOMMIT;", 1)
    else:
        marker = "-- ============================================\n-- Migration End"
        body = body.replace(marker, f"{sql}\n{marker}", 1) if marker in body else body + sql
    return [NewFile(first.path, first.display, body), *(NewFile(f.path, f.display, f.content) for f in files[1:])]
