"""Which rules exist is known without importing them (a shipped catalog that matches the code, or a cached one),
and a scan imports only the rule packs of the languages it meets, with the same findings as a scan with every
pack loaded."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from slopguard.engine import catalog as engine_catalog
from slopguard.engine.languages import LANGUAGES
from slopguard.engine.registry import all_rule_meta
from slopguard.pipeline.catalog import code_rules
from slopguard.rules import EVERY_SCAN, PACKS, load_all

ROOT = Path(__file__).resolve().parents[2]


def _script() -> object:
    spec = importlib.util.spec_from_file_location("build_rule_catalog", ROOT / "scripts" / "build_rule_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_catalog_is_current() -> None:
    shipped = (ROOT / "src" / "slopguard" / engine_catalog.SHIPPED_CATALOG).read_text(encoding="utf-8")
    assert shipped == _script().render(), "run: python scripts/build_rule_catalog.py"  # type: ignore[attr-defined]
    assert engine_catalog.shipped_catalog() == code_rules()


def test_a_stale_shipped_catalog_is_ignored_and_the_packs_are_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_catalog, "declaring_digest", lambda: "0" * 64)
    assert engine_catalog.shipped_catalog() is None
    built = engine_catalog.load_catalog(None, "", lambda: {"X-1": next(iter(code_rules().values()))})
    assert list(built) == ["X-1"]


def test_every_rule_sits_in_a_pack_that_its_languages_load() -> None:
    load_all()
    for meta in all_rule_meta().values():
        if meta.id.startswith("SG-SUPPRESS"):
            continue  # the engine's own rules, declared by the engine
        module = _module_of(meta.id)
        pack = module.removeprefix("slopguard.rules.").split(".")[0]
        for language in meta.languages:
            wanted = EVERY_SCAN if language == "*" else PACKS.get(language, ())
            assert pack in wanted, f"{meta.id} ({module}) reads {language} but {language} loads {wanted}"


def test_markup_with_inline_scripts_loads_the_javascript_pack() -> None:
    for lang in LANGUAGES:
        if lang.scripts:
            assert "javascript" in PACKS.get(lang.name, ()), lang.name


def _module_of(rule_id: str) -> str:
    from slopguard.engine.registry import python_rules, text_rules, ts_rules

    for table in (python_rules(), text_rules(), ts_rules()):
        if rule_id in table:
            return str(table[rule_id].check.__module__)
    raise KeyError(rule_id)


PROJECT = {
    "app.py": """\
        import os
        from flask import request


        def run():
            os.system("ls " + request.args["d"])  # slopguard: ignore[JAVA-XXE-001] -- a Java rule's id is known
    """,
    "Feed.java": """\
        import javax.xml.parsers.*;

        class Feed {
            Object read(java.io.InputStream in) throws Exception {
                return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
            }
        }
    """,
    "Makefile": "CFLAGS = -O2\n\nall:\n\tcc $(CFLAGS) -o app app.c\n",
}
_SCAN = """\
import json, sys
from pathlib import Path
from slopguard.core.config import Settings
from slopguard.pipeline.catalog import make_scanner
root, cache = Path(sys.argv[1]), Path(sys.argv[4])
settings = Settings(root=root, cache_dir=cache, jobs=int(sys.argv[3]), ignore=tuple(sys.argv[5:]))
report = make_scanner(settings).scan_paths([root / sys.argv[2]])
packs = sorted(m.split(".")[2] for m in sys.modules if m.startswith("slopguard.rules.") and m.count(".") >= 2)
found = sorted((f.location.path, f.rule_id, f.location.start_line) for f in report.findings)
print(json.dumps({"packs": sorted(set(packs)), "findings": found, "skipped": [s.path for s in report.skipped]}))
"""


def _scan_in_a_new_process(root: Path, target: str, jobs: int, cache: Path, *ignore: str) -> dict[str, list[object]]:
    """A scan in a process that has imported nothing yet; ``cache``: its cache folder (fresh for each scan but
    holding the rule catalog, as after any first scan, whether or not the shipped catalog matches this tree)."""
    folder = cache / f"{target}-{jobs}-{len(ignore)}".replace("/", "_")
    folder.mkdir()
    for catalog in cache.glob("rules-*.json"):
        (folder / catalog.name).write_bytes(catalog.read_bytes())
    argv = [sys.executable, "-c", _SCAN, str(root), target, str(jobs), str(folder), *ignore]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_a_python_scan_imports_no_other_language_pack_and_finds_what_a_full_load_finds(tmp_path: Path) -> None:
    project, cache = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    cache.mkdir()
    for name, code in PROJECT.items():
        (project / name).write_text(textwrap.dedent(code))
    (project / "empty").mkdir()
    _scan_in_a_new_process(project, "empty", 1, cache)  # writes the catalog
    for catalog in (cache / "empty-1-0").glob("rules-*.json"):
        (cache / catalog.name).write_bytes(catalog.read_bytes())
    alone = _scan_in_a_new_process(project, "app.py", 1, cache)
    assert "java" not in alone["packs"] and "c" not in alone["packs"] and "python" in alone["packs"]
    whole = _scan_in_a_new_process(project, ".", 1, cache)
    pooled = _scan_in_a_new_process(project, ".", 2, cache)
    assert whole["findings"] == pooled["findings"] and not whole["skipped"]
    assert alone["findings"] == [f for f in whole["findings"] if f[0] == "app.py"]  # type: ignore[index]
    rules = {rule for _, rule, _ in whole["findings"]}  # type: ignore[misc]
    assert {"PY-CMDI-001", "JAVA-XXE-001", "C-HARDEN-001"} <= rules
    # A rule that is not run, of a pack that is not loaded, is still a rule: naming it is no "unknown rule".
    unselected = _scan_in_a_new_process(project, "app.py", 1, cache, "JAVA-XXE-001")
    assert [rule for _, rule, _ in unselected["findings"]] == ["PY-CMDI-001"]  # type: ignore[misc]
