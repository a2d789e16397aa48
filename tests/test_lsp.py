"""``migration-gate lsp``: the real server in a subprocess, driven over stdio by a real LSP client (pytest-lsp).

Positions are asserted exactly, in UTF-16 code units as the protocol counts them: after ``😀`` (a
surrogate pair) the editor's column is one more than the gate's.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from conftest import GitRepo, run_subprocess
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))},
    "MIGRATION_GATE_LSP_DEBOUNCE": "0.05",
    "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="mg-lsp-cache-"),
}
DOCS = "https://github.com/migration-gate/migration-gate/blob/main/rules/{}.md"

CAPABILITIES = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(
        workspace_edit=types.WorkspaceEditClientCapabilities(
            document_changes=True, resource_operations=[types.ResourceOperationKind.Create]
        )
    ),
    text_document=types.TextDocumentClientCapabilities(
        hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True),
    ),
)


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "migration_gate", "lsp"], server_env=SERVER_ENV)
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=CAPABILITIES))
    yield
    await lsp_client.shutdown_session()


class Editor:
    """What an editor does with one file: open, edit, save, ask; and waits for the server's answer."""

    def __init__(self, client: LanguageClient, path: Path, text: str):
        self.client, self.path, self.text = client, path, text
        self.uri = path.resolve().as_uri()
        self.version = 1

    async def open(self) -> list[types.Diagnostic]:
        self.client.diagnostics.pop(self.uri, None)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(self.uri, "sql", self.version, self.text))
        )
        return await self.diagnostics()

    async def diagnostics(self) -> list[types.Diagnostic]:
        for _ in range(200):
            if self.uri in self.client.diagnostics:
                return list(self.client.diagnostics.pop(self.uri))
            await asyncio.sleep(0.05)
        raise AssertionError(f"no diagnostics for {self.uri}")

    async def change(self, edits: list[types.TextEdit]) -> list[types.Diagnostic]:
        """Apply edits (as the client would) and send them as incremental changes."""
        self.version += 1
        self.client.diagnostics.pop(self.uri, None)
        changes = []
        for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            self.text = apply(self.text, edit)
            changes.append(types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text))
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=changes,
            )
        )
        return await self.diagnostics()

    async def save(self) -> list[types.Diagnostic]:
        self.path.write_text(self.text, encoding="utf-8")
        self.client.diagnostics.pop(self.uri, None)
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(self.uri)))
        return await self.diagnostics()

    async def actions(self, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(self.uri), diagnostic.range, types.CodeActionContext([diagnostic])
            )
        )
        return list(result or [])

    async def hover(self, line: int, character: int) -> str | None:
        result = await self.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(self.uri), types.Position(line, character))
        )
        return None if result is None else result.contents.value


def apply(text: str, edit: types.TextEdit) -> str:
    """A TextEdit applied to a text, counting UTF-16 code units as an LSP client does."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = 0
        for count, char in enumerate(line):
            if units >= position.character:
                return before + count
            units += 2 if ord(char) > 0xFFFF else 1
        return before + len(line)

    start, end = offset(edit.range.start), offset(edit.range.end)
    return text[:start] + edit.new_text + text[end:]


def shown(path: Path) -> str:
    """A path as the gate displays it (relative to the working directory unless far outside it)."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith(os.path.join("..", "..")) else relative


def rng(a: int, b: int, c: int, d: int) -> types.Range:
    return types.Range(types.Position(a, b), types.Position(c, d))


def project(root: Path, files: dict[str, str]) -> Path:
    (root / ".migration-gate.yml").write_text(
        "migrations:\n  path: db/migrations\nignore_rollback_collision: true\n"
        # rules these tests are not about (they would add diagnostics the tests do not expect)
        "rules:\n  missing-statement-timeout: off\n  non-idempotent-statement: off\n"
    )
    for name, text in files.items():
        path = root / "db" / "migrations" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "db" / "migrations"


BASE = {
    "V1__products.sql": "CREATE TABLE products (id bigint PRIMARY KEY, sku text);\n",
    "rollback/V1__rollback.sql": "DROP TABLE products;\n",
    "rollback/V2__rollback.sql": 'DROP INDEX IF EXISTS "idx_☕😀";\n',
}
HAZARD = '-- é ☕ 😀 café\nCREATE INDEX "idx_☕😀" ON products (sku);\n'


# --------------------------------------------------------------------------- diagnostics


@pytest.mark.asyncio
async def test_diagnostics_have_exact_utf16_ranges_and_clear_when_fixed(client: LanguageClient, tmp_path):
    folder = project(tmp_path, {**BASE, "V2__index.sql": HAZARD})
    editor = Editor(client, folder / "V2__index.sql", HAZARD)
    found = await editor.open()
    # The gate itself (characters): `products` starts at column 26 of line 2.
    check = run_subprocess("check", str(folder / "V2__index.sql"), "--format", "json", cwd=tmp_path).json()
    index = next(v for v in check["violations"] if v["rule"] == "non-concurrent-index-creation")
    assert (index["line"], index["column"], index["end_line"], index["end_column"]) == (2, 26, 2, 40)
    # The editor (UTF-16): one more, for the surrogate pair of 😀 before it on the same line.
    by_code = {d.code: d for d in found}
    assert sorted(by_code) == ["MG101", "MG115"]
    mg101 = by_code["MG101"]
    assert mg101.range == rng(1, 26, 1, 40)
    assert mg101.severity == types.DiagnosticSeverity.Error
    assert mg101.source == "migration-gate(non-concurrent-index-creation)"
    assert mg101.code_description.href == DOCS.format("non-concurrent-index-creation")
    assert mg101.message == (
        "CREATE INDEX on products without CONCURRENTLY holds a SHARE lock on products (blocks writes; reads "
        "continue) while it reads the whole table\nhelp: use CREATE INDEX CONCURRENTLY in a migration that runs "
        "outside a transaction (no BEGIN/COMMIT; Flyway detects it and runs the file without one)"
    )
    assert by_code["MG115"].severity == types.DiagnosticSeverity.Warning
    assert by_code["MG115"].range == rng(1, 0, 1, 40)
    # Typing the fix (as a user would): the diagnostics clear.
    after = await editor.change([types.TextEdit(rng(1, 13, 1, 13), "CONCURRENTLY ")])
    assert after == []


@pytest.mark.asyncio
async def test_a_bom_and_crlf_are_counted_as_the_editor_counts_them(client: LanguageClient, tmp_path):
    text = "\ufeff-- 😀\r\nCREATE INDEX i ON products (sku);\r\n"
    folder = project(tmp_path, {**BASE, "V2__index.sql": text})
    found = await Editor(client, folder / "V2__index.sql", text).open()
    mg101 = next(d for d in found if d.code == "MG101")
    assert mg101.range == rng(1, 18, 1, 32)


@pytest.mark.asyncio
async def test_files_outside_the_migrations_folder_get_no_diagnostics(client: LanguageClient, tmp_path):
    project(tmp_path, BASE)
    other = tmp_path / "scripts" / "report.sql"
    other.parent.mkdir()
    other.write_text("CREATE INDEX i ON products (sku);\n")
    assert await Editor(client, other, other.read_text()).open() == []


# --------------------------------------------------------------------------- hover


@pytest.mark.asyncio
async def test_hover_shows_the_locks_a_statement_takes(client: LanguageClient, tmp_path):
    text = "ALTER TABLE products ALTER COLUMN sku TYPE varchar(20);\nSELECT 1;\n"
    folder = project(tmp_path, {**BASE, "V2__type.sql": text})
    editor = Editor(client, folder / "V2__type.sql", text)
    await editor.open()
    assert await editor.hover(0, 5) == (
        "**Locks this statement takes** (migration-gate's lock model, line 1)\n\n"
        "- `ACCESS EXCLUSIVE` on `products`: blocks reads and writes; **rewrites the table**\n"
    )
    assert await editor.hover(1, 3) == "**No table lock** predicted for this statement (line 2).\n"


# --------------------------------------------------------------------------- code actions


@pytest.mark.asyncio
async def test_concurrently_code_action_applied_clears_the_finding(client: LanguageClient, tmp_path):
    folder = project(tmp_path, {**BASE, "V2__index.sql": HAZARD})
    editor = Editor(client, folder / "V2__index.sql", HAZARD)
    mg101 = next(d for d in await editor.open() if d.code == "MG101")
    actions = await editor.actions(mg101)
    assert [a.title for a in actions] == [
        "Build the index CONCURRENTLY",
        "Ignore non-concurrent-index-creation for this statement (give the reason)",
    ]
    fix = actions[0]
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    (edit,) = fix.edit.changes[editor.uri]
    assert edit == types.TextEdit(rng(1, 13, 1, 13), "CONCURRENTLY ")
    assert await editor.change([edit]) == []
    assert editor.text == '-- é ☕ 😀 café\nCREATE INDEX CONCURRENTLY "idx_☕😀" ON products (sku);\n'


@pytest.mark.asyncio
async def test_ignore_code_action_inserts_a_comment_with_a_reason_placeholder(client: LanguageClient, tmp_path):
    text = "SET lock_timeout = '5s';\n  CREATE INDEX i ON products (sku);\n"
    folder = project(tmp_path, {**BASE, "V2__index.sql": text})
    editor = Editor(client, folder / "V2__index.sql", text)
    mg101 = next(d for d in await editor.open() if d.code == "MG101")
    ignore = (await editor.actions(mg101))[-1]
    (edit,) = ignore.edit.changes[editor.uri]
    assert edit == types.TextEdit(
        rng(1, 0, 1, 0), "  -- migration-gate: ignore non-concurrent-index-creation -- TODO: why this is safe here\n"
    )
    assert await editor.change([edit]) == []


@pytest.mark.asyncio
async def test_not_valid_code_action_adds_a_validate_migration(client: LanguageClient, tmp_path):
    text = "ALTER TABLE products ADD CONSTRAINT sku_present CHECK (sku IS NOT NULL);\n"
    folder = project(tmp_path, {**BASE, "V2__check.sql": text, "rollback/V2__rollback.sql": "SELECT 1;\n"})
    editor = Editor(client, folder / "V2__check.sql", text)
    found = await editor.open()
    check = next(d for d in found if d.source == "migration-gate(check-constraint-without-not-valid)")
    fix = (await editor.actions(check))[0]
    assert fix.title == (
        "Add the constraint NOT VALID, and VALIDATE it in a new migration "
        f"({shown(folder / 'V3__validate_sku_present.sql')})"
    )
    changes = fix.edit.document_changes
    assert [type(c).__name__ for c in changes] == [
        "TextDocumentEdit",
        "CreateFile",
        "TextDocumentEdit",
        "CreateFile",
        "TextDocumentEdit",
    ]
    assert list(changes[0].edits) == [types.TextEdit(rng(0, 71, 0, 71), " NOT VALID")]
    assert changes[1].uri == (folder / "V3__validate_sku_present.sql").resolve().as_uri()
    assert changes[3].uri == (folder / "rollback" / "V3__rollback.sql").resolve().as_uri()
    body = changes[2].edits[0].new_text
    assert "ALTER TABLE products VALIDATE CONSTRAINT sku_present;\n" in body
    assert body.startswith("-- V3__validate_sku_present.sql\n")
    after = await editor.change(changes[0].edits)
    assert [d for d in after if d.source == check.source] == []


# --------------------------------------------------------------------------- related information


@pytest.mark.asyncio
async def test_related_information_points_at_the_second_place(client: LanguageClient, tmp_path):
    text = "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE products ALTER COLUMN sku SET NOT NULL;\nCOMMIT;\n"
    folder = project(tmp_path, {**BASE, "V2__not_null.sql": text, "V02__again.sql": "SELECT 1;\n"})
    editor = Editor(client, folder / "V2__not_null.sql", text)
    found = {d.code: d for d in await editor.open()}
    held = found["MG107"].related_information
    assert [(r.location.uri, r.location.range, r.message) for r in held] == [
        (editor.uri, rng(0, 0, 0, 5), "the transaction opens here"),
        (editor.uri, rng(3, 0, 3, 6), "ACCESS EXCLUSIVE on products, taken by this statement, is held until here"),
    ]
    duplicate = found["MG302"].related_information
    assert [(r.location.uri, r.location.range, r.message) for r in duplicate] == [
        (
            (folder / "V02__again.sql").resolve().as_uri(),
            rng(0, 0, 0, 0),
            f"{shown(folder / 'V02__again.sql')} has version 02 too",
        )
    ]


@pytest.mark.asyncio
async def test_related_information_names_the_statement_that_took_the_held_lock(client: LanguageClient, tmp_path):
    text = (
        "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE products ADD COLUMN name text;\n"
        "UPDATE products SET name = sku;\nCOMMIT;\n"
    )
    folder = project(tmp_path, {**BASE, "V2__backfill.sql": text})
    editor = Editor(client, folder / "V2__backfill.sql", text)
    held = next(d for d in await editor.open() if d.source == "migration-gate(long-operation-under-held-lock)")
    assert held.range == rng(3, 0, 3, 30)
    assert [(r.location.range, r.message) for r in held.related_information] == [
        (rng(2, 0, 2, 41), "the lock is taken here, by `ALTER TABLE products ADD COLUMN name …`"),
        (rng(0, 0, 0, 5), "the transaction opens here"),
        (rng(4, 0, 4, 6), "ROW EXCLUSIVE on products, taken by this statement, is held until here"),
    ]


# --------------------------------------------------------------------------- history


@pytest.mark.asyncio
async def test_history_rules_run_against_the_base_in_a_git_repository(client: LanguageClient, tmp_path):
    repo = GitRepo(tmp_path / "shop")
    folder = project(repo.path, BASE)
    repo.commit("merged")
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")  # what a clone of the remote has
    repo.git("checkout", "-q", "-b", "feature")
    path = folder / "V1__products.sql"
    editor = Editor(client, path, path.read_text())
    assert await editor.open() == []
    typed = await editor.change([types.TextEdit(rng(0, 54, 0, 54), ", name text")])
    assert typed == []  # git sees the file on disk: the history rules speak when it is saved, as for `check`
    saved = await editor.save()
    assert [(d.code, d.range) for d in saved] == [("MG306", rng(0, 0, 0, 67))]
    assert saved[0].message.startswith("version 1 is merged on the base (")
    assert "was edited (Flyway checksum" in saved[0].message


def test_lsp_without_pygls_says_what_to_install(tmp_path):
    blocker = tmp_path / "pygls" / "__init__.py"
    blocker.parent.mkdir()
    blocker.write_text("raise ImportError('blocked', name='pygls')\n")
    result = run_subprocess("lsp", env={"PYTHONPATH": str(tmp_path)})
    assert result.code == 2
    assert result.err == "migration-gate: error: lsp needs pygls: pip install 'migration-gate[lsp]'\n"


def test_check_does_not_import_the_language_server():
    code = "import sys\nfrom migration_gate.cli import main\nprint('pygls' in sys.modules, 'lsprotocol' in sys.modules)"
    out = run_subprocess("--version")
    assert out.code == 0
    done = __import__("subprocess").run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False False"
    assert json  # (json is used by the transcript helper below)
