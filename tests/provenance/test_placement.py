"""``slopguard mark`` never changes the program: markers go only where a comment line is legal.

For every language a region marker can be placed in, a sample with the constructs that span lines (triple-quoted
strings, template literals, raw strings, block comments, text blocks, JSX, line continuations) is marked at every
possible range, and its syntax tree — ``ast`` for Python, tree-sitter with comments left out for the others — must
come out the same.
"""

from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tree_sitter import Node

from slopguard.cli.provenance import mark_command
from slopguard.engine.languages import LANGUAGES
from slopguard.engine.markers import TAG
from slopguard.engine.treesitter.grammars import parser
from slopguard.provenance.markers import MarkError, mark, sign_off

SAMPLES: dict[str, tuple[str, str]] = {  # grammar -> (file name, source)
    "python": (
        "s.py",
        '''\
        #!/usr/bin/env python3
        import re
        DOC = """first
        # not a comment
        last"""
        x = (1 +
             2)
        y = 1 + \\
            2
        s = f"""a {x}
        b"""
        def f(a):
            return re.sub(r\'\'\'x
        y\'\'\', "", a)
        ''',
    ),
    "javascript": (
        "s.js",
        """\
        const a = `line ${1 +
        2}
        tail`;
        /* block
           comment */
        function f() {
          return (
            <div>
              <p>hi</p>
            </div>
          );
        }
        const s = 'x\\
        y';
        """,
    ),
    "typescript": (
        "s.ts",
        """\
        const a: string = `one
        two`;
        /* multi
        line */
        interface P {
          x: number;
        }
        export function g(p: P): string {
          return `${p.x}
          `;
        }
        """,
    ),
    "tsx": (
        "s.tsx",
        """\
        type P = { name: string };
        export function Hello(p: P) {
          const t = `hi
        there`;
          return (
            <section>
              {p.name}
              <b>{t}</b>
            </section>
          );
        }
        """,
    ),
    "java": (
        "S.java",
        '''\
        class A {
          String s = """
              hello
              """;
          /* block
             comment */
          int f() {
            return 1 +
              2;
          }
        }
        ''',
    ),
    "c": (
        "s.c",
        """\
        #include <stdio.h>
        #define ADD(a, b) \\
          ((a) + (b))
        /* block
           comment */
        const char *s = "a\\
        b";
        int main(void) {
          return ADD(1,
                     2);
        }
        """,
    ),
    "cpp": (
        "s.cpp",
        """\
        #include <string>
        auto s = R"(raw
        text)";
        /* block
           comment */
        template <typename T>
        T add(T a,
              T b) { return a + b; }
        """,
    ),
    "rust": (
        "s.rs",
        """\
        fn main() {
            let s = r#"raw
        text"#;
            /* block
               comment */
            let t = "a
        b";
            println!("{}{}", s,
                     t);
        }
        """,
    ),
    "go": (
        "s.go",
        """\
        package main

        import "fmt"

        var s = `raw
        text`

        /* block
           comment */
        func main() {
        \tfmt.Println(s,
        \t\t"x")
        }
        """,
    ),
}


def _canonical(node: Node) -> tuple[object, ...]:
    """A node without positions and comments; leaves and strings keep their text."""
    children = tuple(_canonical(c) for c in node.children if "comment" not in c.type)
    text = node.text.decode() if node.text is not None and (not node.children or "string" in node.type) else ""
    return (node.type, text, children)


def _tree(grammar: str, source: str) -> object:
    if grammar == "python":
        return ast.dump(ast.parse(source))
    tree = parser(grammar).parse(source.encode())
    assert not tree.root_node.has_error
    return _canonical(tree.root_node)


def _sample(grammar: str, folder: Path) -> tuple[Path, str]:
    name, source = SAMPLES[grammar]
    path = folder / name
    text = textwrap.dedent(source)
    path.write_text(text, encoding="utf-8")
    return path, text


def test_every_language_that_takes_region_markers_has_a_sample() -> None:
    grammars = {g.name for lang in LANGUAGES if lang.analyser == "tree-sitter" for g in lang.grammars}
    assert set(SAMPLES) == grammars | {"python"}


@pytest.mark.parametrize("grammar", sorted(SAMPLES))
def test_marking_any_range_leaves_the_syntax_tree_alone(grammar: str, tmp_path: Path) -> None:
    original, text = _sample(grammar, tmp_path)
    before = _tree(grammar, text)
    count = len(text.splitlines())
    header = 1 if text.startswith("#!") else 0
    copy = tmp_path / ("work" + original.suffix)
    for start in range(1, count + 1):
        for end in range(start, count + 1):
            shutil.copyfile(original, copy)
            if end <= header:
                with pytest.raises(MarkError, match="header"):
                    mark(copy, {"model": "m"}, start, end)
                continue
            result = mark(copy, {"model": "m"}, start, end)
            after = copy.read_text(encoding="utf-8")
            assert _tree(grammar, after) == before, f"lines {start}-{end}:\n{after}"
            # the region covers at least the lines asked for (less only the header line), in original numbers
            assert result.region.start - 1 <= max(start, header + 1) and result.region.end - 1 >= end
            assert after.count(f"{TAG}-begin") == after.count(f"{TAG}-end") == 1


@pytest.mark.parametrize(
    ("grammar", "start", "end", "placed", "what"),
    [
        ("python", 2, 4, (2, 5), "string"),  # the case: the end marker went inside the docstring
        ("python", 8, 8, (8, 9), "backslash line continuation"),
        ("javascript", 2, 2, (1, 3), "template string"),
        ("javascript", 9, 9, (8, 10), "jsx element"),
        ("typescript", 4, 6, (3, 6), "comment"),
        ("java", 3, 3, (2, 4), "string literal"),
        ("c", 3, 5, (2, 5), "backslash line continuation"),
        ("cpp", 2, 2, (2, 3), "raw string literal"),
        ("rust", 3, 4, (2, 5), "raw string literal"),
        ("go", 6, 6, (5, 6), "raw string literal"),
    ],
)
def test_ranges_are_widened_to_the_enclosing_construct(
    grammar: str, start: int, end: int, placed: tuple[int, int], what: str, tmp_path: Path
) -> None:
    path, _ = _sample(grammar, tmp_path)
    result = mark(path, {"model": "m"}, start, end)
    assert (result.region.start - 1, result.region.end - 1) == placed
    assert f"lines {start}-{end} became {placed[0]}-{placed[1]}" in result.moved and what in result.moved


def test_the_cli_says_why_the_region_grew(tmp_path: Path) -> None:
    path, _ = _sample("python", tmp_path)
    out = CliRunner().invoke(mark_command, [f"{path}:4", "--model", "m"])
    assert out.exit_code == 0, out.output
    assert "note: lines 4-4 became 3-5 (numbered before the markers): lines 3-5 are one string" in out.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deploy.sh", "cat <<EOF\nhello\nEOF\n", "no parser for them"),
        ("site.yaml", "key: |\n  text\n", "no parser for them"),
        ("app.css", "a {\n  color: red;\n}\n", "no parser for them"),
        ("page.html", "<pre>\nx\n</pre>\n", "no parser for them"),
        ("broken.py", 'x = """never closed\nstill open\n', "cannot tokenize it as Python"),
        ("broken.js", "function (\n  x\n", "does not parse as javascript"),
    ],
)
def test_regions_are_refused_where_placement_cannot_be_checked(
    name: str, content: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MarkError, match=message):
        mark(path, {"model": "m"}, 1, 2)
    out = CliRunner().invoke(mark_command, [f"{path}:1-2", "--model", "m"])
    assert out.exit_code == 2 and message in out.output
    assert path.read_text(encoding="utf-8") == content
    if not name.startswith("broken"):
        assert mark(path, {"model": "m"}).action == "added"  # a whole-file marker at the top is still fine


def test_marker_lookalikes_inside_strings_are_never_edited(tmp_path: Path) -> None:
    path = tmp_path / "example.py"
    text = f'HELP = """\n# {TAG} model=example\n"""\n'
    path.write_text(text, encoding="utf-8")
    assert sign_off(path, "Ann", "2026-11-30") == 0
    assert mark(path, {"model": "m", "generated": "2026-11-27"}).action == "added"
    assert path.read_text(encoding="utf-8") == f"# {TAG} model=m generated=2026-11-27\n" + text


_PIECES = st.one_of(
    st.text(alphabet="ab #'\"\\", max_size=6).map(lambda t: f"v = {t!r}"),
    st.lists(st.text(alphabet="ab #'", max_size=4), min_size=1, max_size=4).map(
        lambda parts: 'd = """' + "\n".join(p.replace("'", "") for p in parts) + '"""'
    ),
    st.just("t = (1,\n     2)"),
    st.just("u = 1 + \\\n    2"),
    st.just("if v:\n    w = 1\nelse:\n    w = 2"),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_PIECES, min_size=1, max_size=6), data=st.data())
def test_property_python_trees_survive_any_range(pieces: list[str], data: st.DataObject, tmp_path: Path) -> None:
    source = "\n".join(pieces) + "\n"
    count = len(source.splitlines())
    start = data.draw(st.integers(1, count))
    end = data.draw(st.integers(start, count))
    path = tmp_path / "p.py"
    path.write_text(source, encoding="utf-8")
    mark(path, {"model": "m"}, start, end)
    assert ast.dump(ast.parse(path.read_text(encoding="utf-8"))) == ast.dump(ast.parse(source))
