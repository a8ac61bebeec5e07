"""Flow sensitivity of the tree-sitter taint engine, shown on JavaScript and Java.

Each case is a pair: a handler whose ``sink(...)`` argument carries request data, and a look-alike where control
flow keeps it out (reassignment, a constant condition, a switch on a constant, a read at another constant key, a
helper that returns a constant).
"""

from __future__ import annotations

import textwrap

import pytest
from sink_flows import sink_flows


def _sink_levels(grammar: str, code: str) -> list[bool]:
    """Whether the first argument of each ``sink(...)`` call is attacker-controlled, in order."""
    return [flow.tainted for flow in sink_flows(grammar, code)]


def java(body: str, extra: str = "") -> str:
    return (
        "class Handler {\n"
        "  void handle(javax.servlet.http.HttpServletRequest request) {\n"
        '    String param = request.getParameter("q");\n'
        f"{textwrap.indent(textwrap.dedent(body), '    ')}"
        "  }\n"
        f"{textwrap.indent(textwrap.dedent(extra), '  ')}"
        "}\n"
    )


def javascript(body: str, extra: str = "") -> str:
    return (
        "function handle(req, res) {\n"
        "  const param = req.query.q;\n"
        f"{textwrap.indent(textwrap.dedent(body), '  ')}"
        "}\n"
        f"{textwrap.dedent(extra)}"
    )


CASES: dict[str, tuple[str, str, str, str]] = {
    # name: (java flagged, java not flagged, javascript flagged, javascript not flagged)
    "reassignment kills taint": (
        'String bar = "safe";\nbar = param;\nsink(bar);',
        'String bar = param;\nbar = "safe";\nsink(bar);',
        'let bar = "safe";\nbar = param;\nsink(bar);',
        'let bar = param;\nbar = "safe";\nsink(bar);',
    ),
    "a branch under a condition joins": (
        'String bar = "safe";\nif (param.isEmpty()) bar = param;\nsink(bar);',
        'String bar = "safe";\nif (param.isEmpty()) { String other = param; }\nsink(bar);',
        'let bar = "safe";\nif (param === "") bar = param;\nsink(bar);',
        'let bar = "safe";\nif (param === "") { const other = param; }\nsink(bar);',
    ),
    "constant if condition": (
        'int num = 106;\nString bar;\nif ((7 * 42) - num > 200) bar = "safe"; else bar = param;\nsink(bar);',
        'int num = 86;\nString bar;\nif ((7 * 42) - num > 200) bar = "safe"; else bar = param;\nsink(bar);',
        'const num = 106;\nlet bar;\nif ((7 * 42) - num > 200) { bar = "safe"; } else { bar = param; }\nsink(bar);',
        'const num = 86;\nlet bar;\nif ((7 * 42) - num > 200) { bar = "safe"; } else { bar = param; }\nsink(bar);',
    ),
    "constant ternary": (
        'int num = 196;\nString bar = (7 * 18) + num > 200 ? param : "safe";\nsink(bar);',
        'int num = 106;\nString bar = (7 * 18) + num > 200 ? "safe" : param;\nsink(bar);',
        'const num = 196;\nconst bar = (7 * 18) + num > 200 ? param : "safe";\nsink(bar);',
        'const num = 106;\nconst bar = (7 * 18) + num > 200 ? "safe" : param;\nsink(bar);',
    ),
    "switch on a constant": (
        'String guess = "ABC";\nchar target = guess.charAt(2);\nString bar;\n'
        "switch (target) {\n  case 'A': bar = param; break;\n  case 'B': bar = \"bob\"; break;\n"
        "  case 'C':\n  case 'D': bar = param; break;\n  default: bar = \"x\"; break;\n}\nsink(bar);",
        'String guess = "ABC";\nchar target = guess.charAt(1);\nString bar;\n'
        "switch (target) {\n  case 'A': bar = param; break;\n  case 'B': bar = \"bob\"; break;\n"
        "  case 'C':\n  case 'D': bar = param; break;\n  default: bar = \"x\"; break;\n}\nsink(bar);",
        'const target = "ABC".charAt(2);\nlet bar;\nswitch (target) {\n  case "A": bar = param; break;\n'
        '  case "B": bar = "bob"; break;\n  case "C":\n  case "D": bar = param; break;\n  default: bar = "x";\n}\n'
        "sink(bar);",
        'const target = "ABC".charAt(1);\nlet bar;\nswitch (target) {\n  case "A": bar = param; break;\n'
        '  case "B": bar = "bob"; break;\n  case "C":\n  case "D": bar = param; break;\n  default: bar = "x";\n}\n'
        "sink(bar);",
    ),
    "map read at a constant key": (
        'java.util.Map<String, String> map = new java.util.HashMap<>();\nmap.put("keyA", "safe");\n'
        'map.put("keyB", param);\nsink(map.get("keyB"));',
        'java.util.Map<String, String> map = new java.util.HashMap<>();\nmap.put("keyA", "safe");\n'
        'map.put("keyB", param);\nsink(map.get("keyA"));',
        'const map = new Map();\nmap.set("keyA", "safe");\nmap.set("keyB", param);\nsink(map.get("keyB"));',
        'const map = new Map();\nmap.set("keyA", "safe");\nmap.set("keyB", param);\nsink(map.get("keyA"));',
    ),
    "list read after a removal": (
        'java.util.List<String> list = new java.util.ArrayList<>();\nlist.add("safe");\nlist.add(param);\n'
        'list.add("more");\nlist.remove(0);\nsink(list.get(0));',
        'java.util.List<String> list = new java.util.ArrayList<>();\nlist.add("safe");\nlist.add(param);\n'
        'list.add("more");\nlist.remove(0);\nsink(list.get(1));',
        'const list = [];\nlist.push("safe");\nlist.push(param);\nlist.push("more");\nlist.shift();\nsink(list.at(0));',
        'const list = [];\nlist.push("safe");\nlist.push(param);\nlist.push("more");\nlist.shift();\nsink(list.at(1));',
    ),
    "helper defined in the same file": (
        "sink(echo(param));",
        "sink(fixed(param));",
        "sink(echo(param));",
        "sink(fixed(param));",
    ),
}
JAVA_HELPERS = 'String echo(String s) { return s.trim(); }\nString fixed(String s) { return "constant"; }\n'
JS_HELPERS = 'function echo(s) { return s.trim(); }\nfunction fixed(s) { return "constant"; }\n'


@pytest.mark.parametrize("case", sorted(CASES))
def test_java_flow(case: str) -> None:
    flagged, safe, _, _ = CASES[case]
    assert _sink_levels("java", java(flagged, JAVA_HELPERS))[-1] is True
    assert _sink_levels("java", java(safe, JAVA_HELPERS)) == [False]


@pytest.mark.parametrize("case", sorted(CASES))
def test_javascript_flow(case: str) -> None:
    _, _, flagged, safe = CASES[case]
    assert _sink_levels("javascript", javascript(flagged, JS_HELPERS))[-1] is True
    assert _sink_levels("javascript", javascript(safe, JS_HELPERS)) == [False]


def test_reassignment_keeps_the_earlier_use_tainted() -> None:
    code = java('String bar = param;\nsink(bar);\nbar = "safe";\nsink(bar);')
    assert _sink_levels("java", code) == [True, False]


def test_loop_carries_values_from_the_previous_iteration() -> None:
    code = java('String bar = "safe";\nfor (int i = 0; i < 3; i++) {\n  sink(bar);\n  bar = param;\n}\nsink(bar);')
    assert _sink_levels("java", code) == [True, True]


def test_container_filled_in_a_loop_is_one_value() -> None:
    code = javascript('const list = [];\nfor (const k of ["a"]) { list.push(param); }\nsink(list.at(0));')
    assert _sink_levels("javascript", code) == [True]


def test_container_passed_elsewhere_is_one_value() -> None:
    code = java(
        'java.util.Map<String, String> map = new java.util.HashMap<>();\nmap.put("keyA", param);\n'
        'audit(map);\nsink(map.get("keyB"));'
    )
    assert _sink_levels("java", code) == [True]


def _sink_flows(grammar: str, code: str) -> list[str]:
    """The level of the first argument of each ``sink(...)`` call, in order ("tainted", "operator", ...)."""
    return [flow.level.name.lower() for flow in sink_flows(grammar, code)]


def test_a_lookup_keyed_by_request_data_is_not_request_data() -> None:
    code = javascript(
        "sink(sessions.get(req.cookies.token).data.id);\n"
        "sink(users[req.params.id].name);\n"
        "sink(db.get(param));\n"
        "sink(User.findById(req.params.id));\n"
        "sink(req.query[param]);\n"
        "sink(req.get('X-Name'));\n"
        "const query = req.query;\n"
        "sink(query.get(param));\n"
        "sink(param.trim());\n"
    )
    assert _sink_flows("javascript", code) == ["unknown"] * 4 + ["tainted"] * 4


@pytest.mark.parametrize(
    ("grammar", "code"),
    [
        ("javascript", "function main() {\n  sink(process.argv[2]);\n  sink(process.env.HOME);\n}\n"),
        ("go", 'package main\nimport "os"\nfunc main() {\n\tsink(os.Args[1])\n\tsink(os.Getenv("HOME"))\n}\n'),
        ("rust", "fn main() {\n    let a: Vec<String> = std::env::args().collect();\n    sink(a);\n}\n"),
        ("c", 'int main(int argc, char **argv) {\n    sink(argv[1]);\n    sink(getenv("HOME"));\n}\n'),
        ("java", 'class A {\n  void m() {\n    sink(System.getenv("HOME"));\n  }\n}\n'),
    ],
)
def test_command_line_and_environment_are_operator_input(grammar: str, code: str) -> None:
    assert set(_sink_flows(grammar, code)) == {"operator"}
