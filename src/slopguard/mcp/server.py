"""The MCP server: six tools over one workspace, each described for the agent that decides when to call it."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from slopguard import __version__
from slopguard.llm.masking import Masker
from slopguard.mcp import guidance, packages, scanning
from slopguard.mcp.models import (
    Classification,
    Instructions,
    PackageCheckResult,
    RuleExplanation,
    ScanResult,
)
from slopguard.mcp.workspace import (
    MAX_NAME_CHARS,
    MAX_PACKAGES,
    MAX_PATH_CHARS,
    MAX_PATHS,
    MAX_REVISION_CHARS,
    MAX_SNIPPET_CHARS,
    MAX_TEXT_CHARS,
    Workspace,
)

INSTRUCTIONS = """\
slopguard checks AI-written code for the security flaws assistants tend to write, and package names for
hallucinated (non-existent) and look-alike packages.
- Before you write an import of a third-party package or an install command (pip, npm), call check_packages with
  the names. A package whose verdict is "missing" does not exist: do not use it, find the real one.
- Before a security-sensitive task (authentication, crypto, payments, migrations), call classify_task.
- At the start of a session, call security_instructions for the languages you will write, and follow them.
- After you write or edit code, call scan_code on the file (path) or on the snippet (code) and fix every finding
  whose fails_gate is true; before you say you are done, call scan_diff to scan everything you changed.
- A result that is not complete (verdict "incomplete", or a package verdict "unknown") is not verified: say so.
- explain_rule tells why a finding matters and shows the safe idiom.
"""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
ASKS_REGISTRY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)

Snippet = Annotated[
    str | None,
    Field(max_length=MAX_SNIPPET_CHARS, description="Code, or a whole Markdown answer with fenced code blocks."),
]
PathArg = Annotated[
    str | None,
    Field(max_length=MAX_PATH_CHARS, description="A file or folder inside the workspace root (relative to it)."),
]
Names = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]],
    Field(min_length=1, max_length=MAX_PACKAGES, description="Package names, optionally pinned: name==1.2 / name@1.2."),
]


M = TypeVar("M", bound=BaseModel)


def _masked(model: M) -> M:
    """``model`` with every token of a secret's shape masked (scan results also mask what their findings hid)."""
    return type(model).model_validate(Masker().data(model.model_dump()))


def build_server(ws: Workspace) -> MCPServer:
    """The server, its tools bound to ``ws``; one tool call runs at a time."""
    server = MCPServer("slopguard", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool(annotations=ASKS_REGISTRY)
    def scan_code(
        code: Snippet = None,
        path: PathArg = None,
        language: Annotated[
            str | None,
            Field(
                max_length=32,
                description="Language of `code`: "
                f"{', '.join(scanning.snippet_languages())} (markdown: an answer). Default: detected.",
            ),
        ] = None,
        filename: Annotated[
            str | None,
            Field(max_length=255, description="A name for `code` (app.py): its extension sets the language."),
        ] = None,
        verify_packages: Annotated[
            bool, Field(description="Also verify the packages the code imports or installs against the registry.")
        ] = True,
    ) -> ScanResult:
        """Scan code for security flaws (SQL/command injection, secrets, weak crypto, missing auth, unsafe
        deserialisation, hallucinated packages, ...) in any supported language. Give `code` (a snippet or a whole
        Markdown answer) or `path` (a file or folder inside the workspace), not both. Call it after writing or
        editing code, and fix the findings with fails_gate true; each finding carries the fix."""
        if (code is None) == (path is None):
            raise ToolError("give either code or path, not both or neither")
        with ws.lock:
            if code is not None:
                return scanning.scan_snippet(ws, code, language, filename, verify_packages)
            assert path is not None
            return scanning.scan_path(ws, path, verify_packages)

    @server.tool(annotations=ASKS_REGISTRY)
    def scan_diff(
        revision: Annotated[
            str, Field(min_length=1, max_length=MAX_REVISION_CHARS, description="A git commit, branch or tag.")
        ] = "HEAD",
        verify_packages: Annotated[bool, Field(description="Also verify the packages the changed files name.")] = True,
    ) -> ScanResult:
        """Scan every file changed since a git revision (committed, staged, unstaged and new untracked files)
        inside the workspace. Call it before you say a change is finished; with the default HEAD it scans the
        uncommitted work."""
        with ws.lock:
            return scanning.scan_diff(ws, revision, verify_packages)

    @server.tool(annotations=ASKS_REGISTRY)
    def check_packages(names: Names, ecosystem: Literal["pypi", "npm"] = "pypi") -> PackageCheckResult:
        """Check package names against the registry BEFORE writing an import, a dependency line or an install
        command: does the package exist (a hallucinated name is "missing", and an attacker may register it), is
        it a look-alike of a popular one (typosquat), brand new, obscure, vulnerable, deprecated? Use only
        packages with safe_to_use true; "unknown" means the registry could not be asked: not verified."""
        with ws.lock:
            return _masked(packages.check_packages(ws, names, ecosystem))

    @server.tool(annotations=READ_ONLY)
    def classify_task(
        task: Annotated[
            str | None, Field(max_length=MAX_TEXT_CHARS, description="What you are asked to build, in words.")
        ] = None,
        paths: Annotated[
            list[Annotated[str, Field(max_length=MAX_PATH_CHARS)]] | None,
            Field(max_length=MAX_PATHS, description="Files or folders inside the workspace to classify instead."),
        ] = None,
    ) -> Classification:
        """Should an AI assistant write this at all? Returns never / caution / relatively safe with the reasons
        and advice. Call it before security-sensitive work (authentication, cryptography, payments, database
        migrations, parsing untrusted input); on "never", stop and ask a person."""
        with ws.lock:
            return _masked(guidance.classify_task(ws, task, paths or []))

    @server.tool(annotations=READ_ONLY)
    def security_instructions(
        languages: Annotated[
            list[Annotated[str, Field(max_length=32)]] | None,
            Field(
                max_length=16,
                description="Languages you will write (python, javascript, ...); default: "
                "those of the workspace's files.",
            ),
        ] = None,
        contexts: Annotated[
            list[Annotated[str, Field(max_length=32)]] | None,
            Field(max_length=8, description="Compliance contexts: hipaa, pci-dss, gdpr, soc2."),
        ] = None,
        asvs: Annotated[int | None, Field(ge=1, le=3, description="OWASP ASVS level to target.")] = None,
        format: Literal["markdown", "text"] = "markdown",
    ) -> Instructions:
        """The security rules to follow while writing code in these languages: what never to write and the safe
        idiom instead, secrets, authentication, dependencies, input validation. Call it once at the start of a
        coding session and follow it."""
        with ws.lock:
            return _masked(guidance.security_instructions(ws, languages or [], contexts or [], asvs, format))

    @server.tool(annotations=READ_ONLY)
    def explain_rule(
        rule_id: Annotated[str, Field(min_length=1, max_length=64, description="A rule id, e.g. PY-SQLI-001.")],
    ) -> RuleExplanation:
        """Explain a slopguard rule from a finding: why the flaw matters, the fix, and an example of code it
        flags next to the safe version."""
        with ws.lock:
            return _masked(guidance.explain_rule(rule_id))

    return server
