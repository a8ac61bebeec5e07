"""Inline <script> elements of markup and template files are analysed as JavaScript, at the file's own lines."""

from __future__ import annotations

from slopguard.engine.analyse import analyse
from slopguard.engine.embedded import script_view
from slopguard.engine.languages import language_of
from slopguard.pipeline.catalog import code_rules

RULES = frozenset(code_rules())

PAGE = """<!DOCTYPE html>
<html>
<body>
  <div id="out"></div>
  <script type="application/ld+json">{"@type": "Organization"}</script>
  <script type="text/x-handlebars-template"><p>{{{name}}}</p></script>
  <script>
    const params = new URLSearchParams(location.search);
    document.getElementById('out').innerHTML = params.get('msg');
    var user = <%= JSON.stringify(user) %>;
  </script>
</body>
</html>
"""


def test_script_view_keeps_lines_and_columns() -> None:
    view = script_view(PAGE)
    assert view is not None and not view.typescript
    assert len(view.source) == len(PAGE)
    lines = view.source.splitlines()
    assert lines[8] == PAGE.splitlines()[8]  # the innerHTML line, in place
    assert "Organization" not in view.source and "{{{name}}}" not in view.source  # data and client templates
    assert "var user = " + "_" * len("<%= JSON.stringify(user) %>") + ";" in view.source


def test_no_script_code_gives_no_view() -> None:
    assert script_view("<p>Hello</p><script src='/app.js'></script>") is None


def test_typescript_component_script() -> None:
    view = script_view(
        '<template><p>{{ x }}</p></template>\n<script setup lang="ts">\nconst x: number = 1\n</script>\n'
    )
    assert view is not None and view.typescript


def test_inline_script_findings_are_on_the_files_lines() -> None:
    for name in ("page.html", "page.ejs", "page.jsp", "page.hbs"):
        result = analyse(name, PAGE.encode(), _language(name), RULES, 1_000_000)
        assert result.skipped is None
        lines = {(f.rule_id, f.location.start_line) for f in result.findings}
        assert ("JS-XSS-001", 9) in lines, (name, lines)


def _language(name: str) -> str:
    found = language_of(name)
    assert found is not None
    return found
