"""Provenance markers: every comment syntax, whole-file and region markers, updates in place, malformed markers.

Marker lines are built from lists of strings so that this file itself carries no marker a scan would find.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slopguard.engine.analyse import analyse
from slopguard.provenance import MarkError, comment_styles, mark, parse_lines, sign_off
from slopguard.provenance.index import collect, review_findings, unreviewed_regions
from slopguard.provenance.markers import load_source

TAG = "slopguard" + ":ai"
FIELDS = 'model=claude-sonnet-4 generated=2026-11-27 reviewer="Jane Doe" reviewed=2026-11-28 verified=sqli,authz'

# file name, line-comment opener, closer (one of each comment syntax and the languages that use it)
SYNTAXES = [
    ("app.py", "#", ""),
    ("deploy.sh", "#", ""),
    ("config.yaml", "#", ""),
    ("pyproject.toml", "#", ""),
    ("Dockerfile", "#", ""),
    ("index.js", "//", ""),
    ("api.ts", "//", ""),
    ("Main.java", "//", ""),
    ("util.c", "//", ""),
    ("util.c", "/*", "*/"),
    ("lib.cpp", "//", ""),
    ("main.rs", "//", ""),
    ("main.go", "//", ""),
    ("site.css", "/*", "*/"),
    ("page.html", "<!--", "-->"),
    ("README.md", "<!--", "-->"),
    ("schema.sql", "--", ""),
    ("schema.sql", "/*", "*/"),
]


def line(opener: str, closer: str, body: str, indent: str = "") -> str:
    return f"{indent}{opener} {body}" + (f" {closer}" if closer else "")


@pytest.mark.parametrize(("name", "opener", "closer"), SYNTAXES)
def test_whole_file_marker_in_every_syntax(name: str, opener: str, closer: str) -> None:
    lines = [line(opener, closer, f"{TAG} {FIELDS}"), "code", "more code"]
    parsed = parse_lines(lines, name)
    assert parsed.problems == []
    (region,) = parsed.regions
    assert (region.scope, region.start, region.end, region.marker_line) == ("file", 1, 3, 1)
    assert region.model == "claude-sonnet-4"
    assert region.generated == "2026-11-27"
    assert region.reviewer == "Jane Doe"
    assert region.reviewed == "2026-11-28"
    assert region.verified == ("sqli", "authz")
    assert region.is_reviewed


@pytest.mark.parametrize(("name", "opener", "closer"), SYNTAXES)
def test_region_marker_in_every_syntax(name: str, opener: str, closer: str) -> None:
    lines = [
        "first",
        line(opener, closer, f"{TAG}-begin model=gpt-4o generated=2026-01-02", "    "),
        "    generated 1",
        "    generated 2",
        line(opener, closer, f"{TAG}-end", "    "),
        "last",
    ]
    parsed = parse_lines(lines, name)
    assert parsed.problems == []
    (region,) = parsed.regions
    assert (region.scope, region.start, region.end, region.marker_line, region.end_marker_line) == (
        "region", 3, 4, 2, 5,
    )  # fmt: skip
    assert region.model == "gpt-4o" and not region.is_reviewed


@pytest.mark.parametrize(("name", "opener", "closer"), SYNTAXES)
def test_mark_writes_the_files_comment_syntax(tmp_path: Path, name: str, opener: str, closer: str) -> None:
    path = tmp_path / name
    path.write_text("one\ntwo\nthree\n", encoding="utf-8")
    result = mark(path, {"model": "gpt-4o", "reviewer": "Ann Lee", "reviewed": "2026-11-28"})
    written = path.read_text(encoding="utf-8").splitlines()
    styles = comment_styles(name)
    assert styles is not None
    assert written[0].startswith(styles[0].open + " " + TAG + " ")
    assert written[0].endswith(styles[0].close)
    assert written[1:] == ["one", "two", "three"]
    assert result.region.reviewer == "Ann Lee" and result.region.model == "gpt-4o"


def test_quoted_values_escapes_and_unknown_keys_are_kept() -> None:
    text = f'# {TAG} model="Claude Sonnet 4" reviewer=\'O Brien\' ticket=SEC-12 note="say \\"hi\\"" verified=""'
    parsed = parse_lines([text], "a.py")
    assert parsed.problems == []
    (region,) = parsed.regions
    assert region.model == "Claude Sonnet 4"
    assert region.reviewer == "O Brien"
    assert dict(region.extra) == {"ticket": "SEC-12", "note": 'say "hi"'}
    assert region.verified == ()


def test_chained_comment_after_marker_is_not_part_of_it() -> None:
    parsed = parse_lines([f"# {TAG} model=gpt-4o  # noqa: E501", "x = 1"], "a.py")
    assert parsed.problems == []
    assert parsed.regions[0].model == "gpt-4o"


def test_markers_inside_code_or_strings_are_not_markers() -> None:
    lines = [f'HELP = "# {TAG} model=x"', f"x = 1  # {TAG} model=y", f"// {TAG} model=z"]
    parsed = parse_lines(lines, "a.py")  # '//' is not a Python comment
    assert parsed.markers == [] and parsed.regions == [] and parsed.problems == []


def test_markdown_reads_only_html_comments() -> None:
    lines = ["```", f"# {TAG} model=example", "```", f"<!-- {TAG} model=real -->"]
    parsed = parse_lines(lines, "doc.md")
    assert [r.model for r in parsed.regions] == ["real"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([f"# {TAG} generated=2026-01-01"], [(1, "no model=")]),
        ([f"# {TAG} model=m generated=2026-13-45"], [(1, "generated='2026-13-45' is not a date")]),
        ([f"# {TAG} model=m reviewed=yesterday reviewer=x"], [(1, "reviewed='yesterday' is not a date")]),
        ([f'# {TAG} model=m reviewer="Jane'], [(1, "unterminated quoted value")]),
        ([f"# {TAG} model=m looks-fine"], [(1, "unexpected 'looks-fine'")]),
        ([f"# {TAG} model=m model=n"], [(1, "duplicate key 'model'")]),
        ([f"# {TAG} model=m reviewed=2026-01-02"], [(1, "reviewed= without reviewer=")]),
        ([f"# {TAG}-start model=m"], [(1, "unknown marker")]),
        ([f"/* {TAG} model=m"], [(1, "closed with '*/'")]),
        (["x = 1", f"# {TAG}-end"], [(2, "without a matching")]),
        ([f"# {TAG}-begin model=m", "x = 1"], [(1, "has no slopguard:ai-end")]),
        ([f"# {TAG}-begin model=m", "a", f"# {TAG}-begin model=n", "b", f"# {TAG}-end"], [(3, "inside the region")]),
        ([f"# {TAG}-begin model=m", f"# {TAG}-end"], [(1, "empty AI region")]),
        ([f"# {TAG}-begin model=m", "a", f"# {TAG}-end model=m"], [(3, "takes no fields")]),
        ([f"# {TAG} model=m", "x = 1", f"# {TAG} model=n"], [(3, "second whole-file marker")]),
        (["import os", f"# {TAG} model=m"], [(2, "comes after code")]),
    ],
)
def test_malformed_markers_are_reported_with_line_numbers(lines: list[str], expected: list[tuple[int, str]]) -> None:
    name = "a.c" if lines[0].startswith("/*") else "a.py"
    problems = parse_lines(lines, name).problems
    assert len(problems) == len(expected), problems
    for (number, text), problem in zip(sorted(expected), problems, strict=True):
        assert problem.line == number and text in problem.message


def test_unbalanced_regions_still_count_as_ai_code() -> None:
    lines = [f"# {TAG}-begin model=m", "a", f"# {TAG}-begin model=n", "b", "c"]
    regions = parse_lines(lines, "a.py").regions
    assert [(r.model, r.start, r.end) for r in regions] == [("m", 2, 2), ("n", 4, 5)]


def test_mark_goes_after_shebang_and_encoding_line(tmp_path: Path) -> None:
    path = tmp_path / "tool.py"
    original = ["#!/usr/bin/env python3", "# -*- coding: utf-8 -*-", "import os", ""]
    path.write_text("\n".join(original), encoding="utf-8")
    result = mark(path, {"model": "gpt-4o", "generated": "2026-11-27"})
    lines = path.read_text(encoding="utf-8").split("\n")
    assert result.line == 3 and result.action == "added"
    assert lines[:2] == original[:2] and lines[3:] == original[2:]
    assert lines[2] == f"# {TAG} model=gpt-4o generated=2026-11-27"


def test_region_marker_keeps_indentation_and_other_lines(tmp_path: Path) -> None:
    path = tmp_path / "svc.py"
    original = [
        "class Service:",
        "    def run(self, q):",
        "        if q:",
        "            return q",
        "        return None",
        "",
        "x = 1",
    ]
    path.write_text("\n".join(original) + "\n", encoding="utf-8")
    result = mark(path, {"model": "copilot", "verified": "sqli"}, 2, 5, new_defaults={"generated": "2026-11-27"})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == f"    # {TAG}-begin model=copilot generated=2026-11-27 verified=sqli"
    assert lines[6] == f"    # {TAG}-end"
    assert [t for i, t in enumerate(lines) if i not in (1, 6)] == original
    assert (result.region.start, result.region.end, result.line) == (3, 6, 2)


def test_updating_the_same_scope_edits_the_marker_in_place(tmp_path: Path) -> None:
    path = tmp_path / "svc.js"
    path.write_text("a();\nb();\nc();\nd();\n", encoding="utf-8")
    mark(path, {"model": "gpt-4o", "generated": "2026-01-01"}, 2, 3)
    before = path.read_text(encoding="utf-8").splitlines()
    # the code lines (3-4 now) and the lines with the markers (2-5) both name the same region
    first = mark(path, {"model": "gpt-4o", "reviewer": "Ann", "reviewed": "2026-02-02"}, 3, 4)
    second = mark(path, {"model": "gpt-4.1"}, 2, 5)
    after = path.read_text(encoding="utf-8").splitlines()
    assert (first.action, second.action) == ("updated", "updated")
    assert len(after) == len(before) == 6
    assert after[1] == f"// {TAG}-begin model=gpt-4.1 generated=2026-01-01 reviewer=Ann reviewed=2026-02-02"
    assert [after[i] for i in (0, 2, 3, 4, 5)] == [before[i] for i in (0, 2, 3, 4, 5)]
    again = mark(path, {"model": "gpt-4.1", "verified": "xss"})
    assert again.action == "added"
    assert mark(path, {"model": "o3"}).action == "updated"
    assert path.read_text(encoding="utf-8").count(f"{TAG} model=") == 1


def test_update_keeps_unknown_keys_and_comment_style(tmp_path: Path) -> None:
    path = tmp_path / "util.c"
    path.write_text(f"/* {TAG} model=m ticket=SEC-9 */\nint x;\n", encoding="utf-8")
    mark(path, {"model": "m", "reviewer": "Bo"})
    assert path.read_text(encoding="utf-8").splitlines()[0] == f"/* {TAG} model=m reviewer=Bo ticket=SEC-9 */"


def test_overlapping_or_out_of_range_regions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("a\nb\nc\nd\ne\n", encoding="utf-8")
    mark(path, {"model": "m"}, 2, 3)
    with pytest.raises(MarkError, match="overlap the AI region at lines 3-4"):
        mark(path, {"model": "m"}, 4, 6)
    with pytest.raises(MarkError, match="outside the file"):
        mark(path, {"model": "m"}, 5, 40)


def test_line_endings_final_newline_and_bom_are_preserved(tmp_path: Path) -> None:
    crlf = tmp_path / "win.ts"
    crlf.write_bytes(b"\xef\xbb\xbfa();\r\nb();")
    mark(crlf, {"model": "m", "generated": "2026-11-27"}, 2, 2)
    mark(crlf, {"model": "m", "generated": "2026-11-27"})
    data = crlf.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf// " + TAG.encode() + b" model=m")
    assert data.endswith(b"b();\r\n// " + TAG.encode() + b"-end")  # still no final newline
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_latin1_python_file_keeps_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "old.py"
    path.write_bytes("# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))
    mark(path, {"model": "m"}, 2, 2)
    assert "name = 'café'".encode("latin-1") in path.read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.json", b"{}", "no known comment syntax for '.json'"),
        ("blob.bin", b"\0\1", "no known comment syntax"),
        ("img.py", b"\0\1\2", "binary file"),
        ("bad.js", b"\xff\xfe\xfa", "not valid utf-8 text"),
    ],
)
def test_bad_files_cannot_be_marked(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MarkError, match=message):
        mark(path, {"model": "m"})
    assert path.read_bytes() == content


def test_missing_file_and_values_that_would_break_the_comment(tmp_path: Path) -> None:
    with pytest.raises(MarkError, match="cannot read"):
        load_source(tmp_path / "missing.py")
    css = tmp_path / "a.css"
    css.write_text("a {}\n", encoding="utf-8")
    with pytest.raises(MarkError, match="cannot contain"):
        mark(css, {"model": "evil */ body"})
    with pytest.raises(MarkError, match="must be a date"):
        mark(css, {"model": "m", "generated": "27/11/2026"})
    assert css.read_text(encoding="utf-8") == "a {}\n"


def test_sign_off_sets_reviewer_on_every_marker(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(
        "\n".join([f"# {TAG} model=m", "a = 1", f"    # {TAG}-begin model=n", "    b = 2", f"    # {TAG}-end", ""]),
        encoding="utf-8",
    )
    assert sign_off(path, "Jane Doe", "2026-11-30") == 2
    regions = parse_lines(path.read_text(encoding="utf-8").splitlines(), "a.py").regions
    assert [(r.reviewer, r.reviewed) for r in regions] == [("Jane Doe", "2026-11-30")] * 2
    assert path.read_text(encoding="utf-8").splitlines()[2].startswith("    # ")
    plain = tmp_path / "b.py"
    plain.write_text("x = 1\n", encoding="utf-8")
    assert sign_off(plain, "Jane", "2026-11-30") == 0
    with pytest.raises(MarkError):
        sign_off(path, "Jane", "soon")


def test_review_rule_fires_on_unreviewed_markers_in_any_language() -> None:
    source = "\n".join(
        [
            f"// {TAG} model=gpt-4o",
            "export function f() {}",
            f"  // {TAG}-begin model=gpt-4o reviewer=Ann",
            "  g();",
            f"  // {TAG}-end",
            f"  // {TAG}-begin model=gpt-4o",
            "  h();",
            f"  // {TAG}-end",
        ]
    )
    result = analyse("web/app.js", source.encode(), "javascript", frozenset({"SG-REVIEW-001"}), 1_000_000)
    assert [(f.location.start_line, f.location.start_col) for f in result.findings] == [(1, 1), (6, 3)]
    assert "lines 7-7" in result.findings[1].message


def test_unreviewed_regions_and_review_findings_for_scan(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f"# {TAG} model=m\nx = 1\n", encoding="utf-8")
    (tmp_path / "b.sql").write_text(f"-- {TAG}-begin model=n reviewer=Al\nSELECT 1;\n-- {TAG}-end\n", encoding="utf-8")
    (tmp_path / "c.css").write_text(f"/* {TAG}-begin model=o */\na {{}}\n/* {TAG}-end */\n", encoding="utf-8")
    regions = unreviewed_regions([tmp_path], tmp_path)
    assert [(r.path, r.model) for r in regions] == [("a.py", "m"), ("c.css", "o")]
    findings = review_findings(regions, tmp_path)
    assert [(f.rule_id, f.location.path, f.location.start_line) for f in findings] == [
        ("SG-REVIEW-001", "a.py", 1),
        ("SG-REVIEW-001", "c.css", 1),
    ]
    assert findings[1].snippet == f"/* {TAG}-begin model=o */"
    assert len(collect([tmp_path], tmp_path).entries) == 3


def test_regions_are_not_added_to_a_file_with_unbalanced_markers(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    original = f"a = 1\n# {TAG}-begin model=m\nb = 2\n"
    path.write_text(original, encoding="utf-8")
    with pytest.raises(
        MarkError, match=r"a.py:2: .*has no slopguard:ai-end.*\(fix the markers before adding a region\)"
    ):
        mark(path, {"model": "m"}, 1, 1)
    assert path.read_text(encoding="utf-8") == original
    assert mark(path, {"model": "m"}).action == "added"  # a whole-file marker is still fine
