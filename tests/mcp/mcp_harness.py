"""What the MCP tests share: the snippet, a local registry, git, and a synchronous client."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from anyio.from_thread import BlockingPortal
from mcp.client.session import ClientSession
from mcp.types import CallToolResult

FLASK_SQL = """\
from flask import Flask, request
import sqlite3

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args["name"]
    cur = sqlite3.connect("app.db").cursor()
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    return str(cur.fetchall())
"""
SQL_LINE = 11


class Registry(ThreadingHTTPServer):
    """A package index on 127.0.0.1 that knows no package: every JSON API request is a 404. It records paths."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _NotFound)
        self.paths: list[str] = []

    @property
    def index_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/simple/"


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert isinstance(self.server, Registry)
        self.server.paths.append(self.path)
        body = json.dumps({"message": "Not Found"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, *args], cwd=root, check=True, capture_output=True)


@dataclass
class Client:
    """A synchronous face on an MCP client session that lives in a portal's event loop."""

    portal: BlockingPortal
    session: ClientSession

    def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        result: CallToolResult = self.portal.call(self.session.call_tool, tool, arguments)
        return result

    def data(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """The structured result of a call that must succeed."""
        result = self.call(tool, arguments)
        assert not result.is_error, result.content
        assert isinstance(result.structured_content, dict)
        return result.structured_content

    def error(self, tool: str, arguments: dict[str, Any]) -> str:
        """The message of a call that must fail."""
        result = self.call(tool, arguments)
        assert result.is_error, result.structured_content
        return " ".join(getattr(block, "text", "") for block in result.content)


def server_environment(registry: Registry, cache: Path) -> dict[str, str]:
    return {"PIP_INDEX_URL": registry.index_url, "npm_config_registry": "http://127.0.0.1:9/",
            "SLOPGUARD_CACHE_DIR": str(cache), "PIP_CONFIG_FILE": "/dev/null"}  # fmt: skip
