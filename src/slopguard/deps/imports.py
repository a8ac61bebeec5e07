"""Which npm package a JavaScript/TypeScript module specifier names (the engine extracts the specifiers).

npm package names (``@scope/pkg``, ``pkg``), with relative paths, URLs, ``node:`` and Node's core modules left out.
"""

from __future__ import annotations

import re

# Node's core modules (``require("module").builtinModules``, Node 22); ``node:``-only ones (test, sqlite, sea) are
# caught by the prefix. Their sub-paths (``fs/promises``) are core too.
NODE_BUILTINS = frozenset({
    "_http_agent", "_http_client", "_http_common", "_http_incoming", "_http_outgoing", "_http_server",
    "_stream_duplex", "_stream_passthrough", "_stream_readable", "_stream_transform", "_stream_wrap",
    "_stream_writable", "_tls_common", "_tls_wrap", "assert", "async_hooks", "buffer", "child_process",
    "cluster", "console", "constants", "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events",
    "fs", "http", "http2", "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process",
    "punycode", "querystring", "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls",
    "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
})  # fmt: skip
_NPM_NAME = re.compile(r"^(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*$", re.IGNORECASE)


def js_package(specifier: str) -> str | None:
    """The npm package a module specifier loads (``@scope/pkg/sub`` -> ``@scope/pkg``), or None.

    None for relative and absolute paths, URLs and other ``scheme:`` specifiers (``node:``, ``data:``), subpath
    imports (``#internal``), bundler aliases (``@/``, ``~/``, ``$lib``) and Node's core modules. Deno's
    ``npm:pkg@1`` gives ``pkg``.
    """
    spec = specifier.strip()
    if spec.startswith((".", "/", "\\", "#", "~")):
        return None
    if spec.startswith("npm:"):
        spec = spec[4:]
        at = spec.find("@", 1)
        spec = spec[:at] if at > 0 else spec
    elif ":" in spec:
        return None
    parts = spec.split("/")
    name = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
    if name in NODE_BUILTINS or not _NPM_NAME.match(name):
        return None
    return name
