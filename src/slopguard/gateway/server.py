"""Serving the gateway: bind the address first (so a busy port is a clear error), then run uvicorn on it."""

from __future__ import annotations

import signal
import socket
import threading

import uvicorn
from starlette.applications import Starlette


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port). Raises OSError when it cannot be bound."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def server(app: Starlette) -> uvicorn.Server:
    """A uvicorn server for ``app`` without access logs (requests are logged by the gateway, without headers)."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5)
    return uvicorn.Server(config)


def serve(app: Starlette, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until interrupted (Ctrl-C or SIGTERM), then return normally.

    uvicorn handles the signal (a graceful shutdown) and then raises it again for the handler it found; while the
    gateway serves, that handler ignores it, so stopping the gateway is a normal end, not an error."""
    if threading.current_thread() is not threading.main_thread():
        server(app).run(sockets=[sock])
        return
    stops = (signal.SIGINT, signal.SIGTERM)
    before = {sig: signal.signal(sig, signal.SIG_IGN) for sig in stops}
    try:
        server(app).run(sockets=[sock])
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
