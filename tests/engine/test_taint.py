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
    # The command line, the prompt and stdin are the operator's; only the socket is a remote attacker's.
    assert levels(code) == ["operator", "operator", "tainted", "operator"]


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


def test_guards_of_conditional_expressions_and_comprehension_filters() -> None:
    code = """
    from flask import request
    ALLOWED = {"name", "date"}
    def view():
        col = request.args["sort"]
        other = request.args["other"]
        sink(col if col in ALLOWED else "name")
        sink("name" if col not in ALLOWED else col)
        sink(other if col in ALLOWED else "name")
        sink(col if col else "name")
        sink(col if col.strip() else "name")
        sink([c for c in col.split(",") if c in ALLOWED])
        sink([c for c in col.split(",") if c.strip()])
        if col.lower():
            sink(col)
    """
    assert levels(code) == ["safe", "safe", "tainted", "tainted", "tainted", "safe", "tainted", "tainted"]


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


def test_containers_known_item_by_item() -> None:
    code = """
    from flask import request
    def view():
        param = request.args["p"]
        lst = []
        lst.append("safe")
        lst.append(param)
        lst.append("moresafe")
        lst.pop(0)
        sink(lst[1])
        sink(lst[0])
        first = lst.pop(0)
        sink(first)
        sink(lst[0])
        d = {}
        d["a"] = "safe"
        d["b"] = param
        sink(d["a"])
        sink(d["b"])
        sink(d.get("a"))
        pairs = {"x": "fixed", "y": param}
        sink(pairs["x"])
        alias = lst
        alias.append(param)
        sink(alias[0])
    """
    assert levels(code) == ["const", "tainted", "tainted", "const", "const", "tainted", "const", "const", "tainted"]


def test_configparser_and_base64_round_trip() -> None:
    code = """
    import base64
    import configparser
    from flask import request
    def view():
        param = request.form["p"]
        conf = configparser.ConfigParser()
        conf.add_section("s")
        conf.set("s", "a", "a-value")
        conf.set("s", "b", param)
        sink(conf.get("s", "a"))
        sink(conf.get("s", "b"))
        sink(conf.get("s", "from-the-file"))
        encoded = base64.b64encode(param.encode("utf-8"))
        sink(encoded)
        sink(base64.b64decode(encoded).decode("utf-8"))
    """
    assert levels(code) == ["const", "tainted", "unknown", "safe", "tainted"]


def test_constant_conditions_fold() -> None:
    code = """
    from flask import request
    def view():
        param = request.args["p"]
        num = 86
        bar = "always" if 7 * 18 + num > 200 else param
        sink(bar)
        bar = "never" if 7 * 18 + num < 200 else param
        sink(bar)
        if 7 * 42 - num > 200:
            bar = "always"
        else:
            bar = param
        sink(bar)
        bar = "This should never happen"
        if "should" in bar:
            bar = param
        sink(bar)
        guess = "ABC"[1]
        match guess:
            case "A":
                bar = param
            case "B":
                bar = "bob"
            case _:
                bar = param
        sink(bar)
        if request.args.get("x"):
            bar = param
        sink(bar)
    """
    assert levels(code) == ["const", "tainted", "const", "tainted", "const", "tainted"]


def test_folding_respects_loops_and_unknown_values() -> None:
    code = """
    from flask import request
    def view(lines):
        session = None
        for line in lines:
            if line == "login":
                session = "s"
                continue
            if session is None:
                continue
            sink(request.args["x"])
        limit = int(request.args["limit"])
        bar = "small" if limit > 10 else request.args["p"]
        sink(bar)
    """
    assert levels(code) == ["tainted", "tainted"]


def test_html_escaping_sanitises_only_for_pages() -> None:
    code = """
    import html
    from flask import request
    def view():
        raw = request.args["n"]
        sink(html.escape(raw))
        sink(escape_for_html(raw))
        sink(int(raw))
    """
    text = textwrap.dedent(code)
    ctx = PyContext("t.py", text, ast.parse(text))
    found: list[tuple[Level, Level]] = []

    def check(node: ast.Call, c: PyContext) -> Iterator[Hit]:
        if isinstance(node.func, ast.Name) and node.func.id == "sink":
            found.append((c.flow(node.args[0]).level, c.flow(node.args[0], unescaped=True).level))
        return iter(())

    list(run_python_rules(ctx, [Rule(META, check, (ast.Call,))]))
    assert found == [(Level.SAFE, Level.TAINTED), (Level.SAFE, Level.TAINTED), (Level.SAFE, Level.SAFE)]


def test_break_and_continue_reach_the_loop_exit() -> None:
    code = """
    from flask import request
    def view():
        param = ""
        for name in request.form.keys():
            if "wanted" in request.form.getlist(name):
                param = name
                break
        sink(param)
        last = ""
        for item in request.args.getlist("items"):
            if item:
                last = item
                continue
        sink(last)
    """
    assert levels(code) == ["tainted", "tainted"]


def test_command_line_values_are_operator_input() -> None:
    code = """
    import argparse, os
    import click
    from django.core.management.base import BaseCommand

    def main():
        args = argparse.ArgumentParser().parse_args()
        sink(args.name)
        sink(os.environ["HOME"])
        sink(os.getenv("EDITOR") + " file")
        with open(os.environ.get("PYTHONSTARTUP")) as handle:
            sink(handle.read())
        with open(request.args["path"]) as handle:
            sink(handle.read())

    @click.command()
    @click.argument("name")
    def greet(name):
        sink(name)

    class Command(BaseCommand):
        def handle(self, **options):
            sink(options["command"])
    """
    assert levels(code) == ["operator", "operator", "built-operator", "operator", "unknown", "operator", "operator"]


def test_remote_data_outranks_operator_input() -> None:
    code = """
    import sys
    from flask import request
    def view():
        sink(sys.argv[1] + request.args["q"])
        sink(helper(sys.argv[1]))
        sink(helper(request.args["q"]))
    def helper(value):
        return value.strip()
    """
    assert levels(code) == ["tainted", "operator", "tainted"]


def test_a_lookup_keyed_by_input_is_not_the_input() -> None:
    code = """
    from flask import request
    from app import db
    def view():
        key = request.args["k"]
        sink(sessions.get(request.cookies["token"]).data)
        sink(users[key].name)
        sink(db.find_one(key))
        sink(cache.fetch(request.args["k"]))
        sink(request.args.get(key))
        sink(request.args[key])
        headers = request.headers
        sink(headers.get("X-Name"))
        sink(key.strip())
    """
    assert levels(code) == ["unknown"] * 4 + ["tainted"] * 4
