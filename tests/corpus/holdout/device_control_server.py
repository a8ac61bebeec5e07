"""Line-based TCP control server for the lab device fleet.

Protocol (one command per line, UTF-8):
    LOGIN <user> <password>     -> OK <session> | ERR
    AUTH <admin-token>          -> OK <session> | ERR
    PING <host>                 -> output of ping
    CALC <expression>           -> result
    PROFILE <base64 blob>       -> stores a device profile
    CONFIG <xml>                -> applies a device config document
    QUIT
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import pickle
import random
import socketserver
import subprocess
import threading
import xml.etree.ElementTree as ET

log = logging.getLogger("devctl")

HOST, PORT = "0.0.0.0", 7070
ADMIN_TOKEN = "devctl-admin-9f83b2c4e1a7"  # expect: PY-SECRET-001
OPERATORS = {
    "lab": "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
    "night-shift": "7c4a8d09ca3762af61e59520943dc26494f8941b",
}

SESSIONS: dict[str, str] = {}
PROFILES: dict[str, object] = {}
LOCK = threading.Lock()


def new_session(user: str) -> str:
    session_id = "%032x" % random.getrandbits(128)  # expect: PY-RAND-001
    with LOCK:
        SESSIONS[session_id] = user
    return session_id


def check_operator(user: str, password: str) -> bool:
    stored = OPERATORS.get(user)
    if stored is None:
        return False
    supplied = hashlib.sha1(password.encode("utf-8")).hexdigest()  # expect: PY-HASH-001
    return hmac.compare_digest(stored, supplied)  # ok: PY-TIMING-001


class ControlHandler(socketserver.StreamRequestHandler):
    timeout = 300

    def reply(self, text: str) -> None:
        self.wfile.write((text + "\n").encode("utf-8"))

    def handle(self) -> None:
        peer = "%s:%d" % self.client_address
        session = None
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            cmd, _, arg = line.partition(" ")
            cmd = cmd.upper()
            log.debug("command %r from %s", cmd, peer)  # ok: PY-LOG-001
            if cmd == "QUIT":
                self.reply("BYE")
                return
            if cmd == "LOGIN":
                user, _, password = arg.partition(" ")
                if check_operator(user, password):
                    session = new_session(user)
                    self.reply(f"OK {session}")
                else:
                    self.reply("ERR invalid credentials")
                continue
            if cmd == "AUTH":
                if arg == ADMIN_TOKEN:  # expect: PY-TIMING-001
                    session = new_session("admin")
                    self.reply(f"OK {session}")
                else:
                    self.reply("ERR invalid credentials")
                continue
            if session is None:
                self.reply("ERR login first")
                continue
            try:
                self.dispatch(cmd, arg, session)
            except Exception:
                log.exception("command failed")
                self.reply("ERR internal error")

    def dispatch(self, cmd: str, arg: str, session: str) -> None:
        if cmd == "PING":
            out = subprocess.check_output(f"ping -c 1 -W 2 {arg}", shell=True, stderr=subprocess.STDOUT, timeout=5)  # expect: PY-CMDI-001
            self.reply(out.decode("utf-8", "replace").replace("\n", " | "))
        elif cmd == "CALC":
            self.reply(str(eval(arg)))  # expect: PY-EVAL-001
        elif cmd == "PROFILE":
            profile = pickle.loads(base64.b64decode(arg))  # expect: PY-DESER-001
            with LOCK:
                PROFILES[SESSIONS[session]] = profile
            self.reply("OK stored")
        elif cmd == "CONFIG":
            root = ET.fromstring(arg)  # expect: PY-XXE-001
            settings = {child.tag: child.text for child in root}
            self.reply(f"OK {len(settings)} settings")
        else:
            self.reply("ERR unknown command")


class ThreadedServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(threadName)s %(message)s")
    with ThreadedServer((HOST, PORT), ControlHandler) as server:
        log.info("devctl listening on %s:%d", HOST, PORT)
        server.serve_forever()


if __name__ == "__main__":
    main()
