"""The taint tracker: sources, propagation, sanitisers, guards and helper summaries."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator

import pytest

from slopguard.core.finding import Confidence, Severity
from slopguard.core.rule import RuleMeta
from slopguard.engine.flow import Flow, Level
from slopguard.engine.hit import Hit
from slopguard.engine.python.context import PyContext
from slopguard.engine.python.runner import run_python_rules
from slopguard.engine.registry import PyCheck, Rule

META = RuleMeta("T-1", "t", (0,), Severity.LOW, Confidence.LOW, ("python",), "", "")


def flows(code: str) -> list[Flow]:
    """The flow of the argument of every ``sink(...)`` call, in order."""
    found: list[Flow] = []

    def check(node: ast.Call, ctx: PyContext) -> Iterator[Hit]:
        if isinstance(node.func, ast.Name) and node.func.id == "sink":
            found.append(ctx.flow(node.args[0]))
        return iter(())

    text = textwrap.dedent(code)
    ctx = PyContext("t.py", text, ast.parse(text))
    rule: Rule[PyCheck] = Rule(META, check, (ast.Call,))
    list(run_python_rules(ctx, [rule]))
    return found


def levels(code: str) -> list[str]:
    return [("built-" if f.built else "") + f.level.name.lower() for f in flows(code)]


def test_flask_sources_and_propagation() -> None:
    code = """
    from flask import request
    def view():
        name = request.args.get("name")
        sink(name)
        sink(f"hello {name}")
        sink("a" + name.strip())
        sink("x = %s" % name)
        sink("x = {}".format(name))
        sink(", ".join([name, "b"]))
        data = {"k": name}
        sink(data["k"])
        parts = []
        parts.append(name)
        sink(parts)
        sink(request.get_json()["q"])
        sink(request.form["a"] + request.cookies.get("b"))
    """
    assert levels(code) == ["tainted", "built-tainted", "built-tainted", "built-tainted", "built-tainted",
                            "built-tainted", "tainted", "tainted", "tainted", "tainted"]  # fmt: skip


def test_other_sources() -> None:
    code = """
    import sys, socket
    def main(conn: socket.socket):
        sink(sys.argv[1])
        sink(input("> "))
        sink(conn.recv(1024))
        sink(sys.stdin.read())
    """
    assert levels(code) == ["tainted"] * 4


def test_sanitisers_constants_and_unknowns() -> None:
    code = """
    import shlex
    from markupsafe import escape
    from flask import request
    TABLE = "users"
    def view(param):
        raw = request.args["n"]
        sink(int(raw))
        sink(shlex.quote(raw))
        sink(escape(raw))
        sink(request.args.get("page", type=int))
        sink("SELECT * FROM " + TABLE)
        sink(param)
        sink(f"SELECT {param}")
        raw = "constant"
        sink(raw)
    """
    assert levels(code) == ["safe", "safe", "safe", "safe", "const", "unknown", "built-unknown", "const"]


def test_guards() -> None:
    code = """
    from flask import request, abort
    ALLOWED = {"name", "date"}
    def view():
        col = request.args["sort"]
        if col not in ALLOWED:
            abort(400)
        sink(col)
        nxt = request.args["next"]
        if is_safe_url(nxt):
            sink(nxt)
        sink(nxt)
        kind = request.args["kind"]
        if kind == "a" or kind == "b":
            sink(kind)
        if not kind:
            return "missing"
        sink(kind)
    """
    assert levels(code) == ["safe", "safe", "tainted", "safe", "tainted"]


def test_branches_join_and_loops() -> None:
    code = """
    from flask import request
    def view():
        q = "SELECT 1"
        if request.args.get("x"):
            q = "SELECT " + request.args["x"]
        sink(q)
        acc = ""
        for item in request.args.getlist("ids"):
            acc += item
        sink(acc)
        try:
            v = int(request.args["v"])
        except ValueError:
            return "bad"
        sink(v)
    """
    assert levels(code) == ["built-tainted", "built-tainted", "safe"]


def test_helper_summaries() -> None:
    code = """
    from flask import request
    def get_name():
        return request.args.get("name", "")
    def build(x):
        return "SELECT * FROM t WHERE n = '" + x + "'"
    def clean(x):
        return int(x)
    def view():
        sink(get_name())
        sink(build(request.args["y"]))
        sink(clean(request.args["z"]))
        sink(build("const"))
    """
    assert levels(code) == ["tainted", "built-tainted", "safe", "built-unknown"]


def test_route_parameters() -> None:
    code = """
    from fastapi import FastAPI, Depends
    app = FastAPI()
    @app.get("/items/{item_id}")
    def item(item_id: int, q: str, user=Depends(current_user)):
        sink(item_id)
        sink(q)
        sink(user)
    @flask_app.route("/u/<name>/<int:uid>")
    def profile(name, uid):
        sink(name)
        sink(uid)
    def django_view(request, slug):
        sink(request.GET["a"])
        sink(slug)
    """
    assert levels(code) == ["unknown", "tainted", "unknown", "tainted", "unknown", "tainted", "tainted"]


@pytest.mark.parametrize("code", ["sink(request.args)", "x = request.args\nsink(x)"])
def test_module_level_code(code: str) -> None:
    assert flows("from flask import request\n" + code)[0].level is Level.TAINTED


def test_parameters_tainted_by_callers() -> None:
    code = """
    from flask import request
    def render_report(name, limit):
        sink(name)
        sink(limit)
    @app.route("/report")
    def report():
        render_report(request.args["name"], limit=10)
    class Handler:
        def handle(self):
            for raw in self.rfile:
                self.dispatch(raw.decode().strip())
        def dispatch(self, arg):
            sink(arg)
    def unused(value):
        sink(value)
    """
    assert levels(code) == ["tainted", "unknown", "tainted", "unknown"]
