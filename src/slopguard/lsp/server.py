"""The language server: pygls wiring, the debounce, and the one worker thread that scans.

A document is scanned when it is opened or saved, and after ``debounce`` seconds without typing when it changes;
a keystroke cancels the pending scan of that document only. Scans run one at a time off the event loop, so the
server keeps reading messages; a result is published only if the document has not changed since it was read.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from slopguard import __version__
from slopguard.core.rule import RuleMeta
from slopguard.lsp.actions import EXPLAIN_COMMAND, code_actions, explain_markdown, hover_markdown
from slopguard.lsp.analysis import CONFIG_FILES, Analyser, Analysis, ServerOptions
from slopguard.lsp.diagnostics import rule_link, to_diagnostics
from slopguard.lsp.documents import Document, document, split_lines
from slopguard.pipeline.catalog import code_rules, rule_catalog

log = logging.getLogger(__name__)


class SlopguardServer(LanguageServer):
    """pygls's server with slopguard's state: the analyser, pending scans, and the last diagnostics per document."""

    def __init__(self, options: ServerOptions) -> None:
        super().__init__("slopguard", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.options = options
        self.analyser = Analyser(options)
        self.opened: set[str] = set()  # the URIs of open documents, as the client wrote them
        self.published: dict[str, list[types.Diagnostic]] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.scan_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slopguard-scan")
        self.shutdown_requested = False

    @cached_property
    def rules(self) -> dict[str, RuleMeta]:
        """Every rule a diagnostic can name (code rules and package checks)."""
        return rule_catalog()

    @cached_property
    def suppressible(self) -> frozenset[str]:
        """The rules an inline directive silences: the engine's code rules."""
        return frozenset(code_rules())

    def open_document(self, uri: str) -> TextDocument | None:
        """The editor's copy of an open document (never one read from disk)."""
        found: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return found

    def folders(self) -> list[Path]:
        """The workspace folders, and the root the client named, as local paths."""
        uris = [f.uri for f in self.workspace.folders.values()]
        if self.workspace.root_uri:
            uris.append(self.workspace.root_uri)
        paths = [to_fs_path(uri) for uri in uris if uri.startswith("file:")]
        return [Path(p) for p in dict.fromkeys(paths) if p]

    def schedule(self, uri: str, delay: float) -> None:
        """Scan the document after ``delay`` seconds, replacing a scan of it that has not started yet."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._rescan(uri, delay))

    def forget(self, uri: str) -> None:
        """The document was closed: drop its pending scan and clear its diagnostics."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.opened.discard(uri)
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def _rescan(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        opened = self.open_document(uri)
        if opened is None:
            return
        text, version = opened.source, opened.version
        doc = document(uri, opened.language_id or "")
        folders = self.folders()
        loop = asyncio.get_running_loop()
        diagnostics = await loop.run_in_executor(self.scan_pool, self.diagnose, doc, text, folders)
        current = self.open_document(uri)
        if current is None or current.version != version:
            return  # a newer scan of the new text is on its way
        if self.pending.get(uri) is asyncio.current_task():
            del self.pending[uri]
        self.published[uri] = diagnostics
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def diagnose(self, doc: Document, text: str, folders: list[Path]) -> list[types.Diagnostic]:
        """Scan in the worker thread. Whatever goes wrong is shown on the document: it is never left looking clean."""
        try:
            analysis = self.analyser.scan(doc, text, folders)
        except Exception as exc:  # fail closed: an internal error becomes a diagnostic, not a silent clean file
            log.exception("scan of %s failed", doc.uri)
            analysis = Analysis(doc.name, problem=f"internal error: {type(exc).__name__}: {exc}")
        return to_diagnostics(analysis, split_lines(text), self.workspace.position_codec, self.options.rules_url)

    def explain(self, rule_id: str) -> str:
        """Show the rule's explanation: its published page when there is one, else a message; return it as
        Markdown."""
        meta = self.rules.get(rule_id.strip().upper())
        if meta is None:
            raise ValueError(f"unknown rule {rule_id!r}; 'slopguard rules' lists them")
        link = rule_link(meta.id, self.options.rules_url)
        if link is not None:
            self.window_show_document(types.ShowDocumentParams(uri=link.href, external=True))
        else:
            plain = f"{meta.id}: {meta.title}\n\n{meta.why}\n\nFix: {meta.fix}"
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=plain))
        return explain_markdown(meta)

    def stop_scanning(self) -> None:
        self.shutdown_requested = True
        for task in self.pending.values():
            task.cancel()
        self.pending.clear()
        self.scan_pool.shutdown(wait=False, cancel_futures=True)


def build_server(options: ServerOptions) -> SlopguardServer:
    """A server with every feature registered."""
    server = SlopguardServer(options)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        server.opened.add(params.text_document.uri)
        server.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        server.schedule(params.text_document.uri, options.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.rsplit("/", 1)[-1] in CONFIG_FILES:
            server.analyser.forget_settings()
            for open_uri in list(server.opened):
                server.schedule(open_uri, 0)
            return
        server.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        server.forget(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
    )
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        opened = server.open_document(params.text_document.uri)
        if opened is None:
            return []
        doc = document(opened.uri, opened.language_id or "")
        return code_actions(doc, opened.source, params.context.diagnostics, server.suppressible)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        shown = server.published.get(params.text_document.uri, [])
        text = hover_markdown(shown, params.position, server.rules)
        if not text:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    @server.command(EXPLAIN_COMMAND)
    def explain_rule(rule_id: str) -> str:
        return server.explain(rule_id)

    @server.feature(types.SHUTDOWN)
    def shutdown(params: None) -> None:
        server.stop_scanning()

    return server


def serve(options: ServerOptions) -> int:
    """Talk LSP over stdin/stdout until the client says exit. Returns 0 after shutdown and exit, 1 when the
    connection ended without a shutdown request (as the protocol asks)."""
    server = build_server(options)
    server.start_io()
    return 0 if server.shutdown_requested else 1
