"""The checklist model: questions come from rule metadata, answers from findings and package reports."""

from __future__ import annotations

import json

from slopguard.core.finding import Confidence, Finding, Location, Severity
from slopguard.core.rule import RuleMeta
from slopguard.deps.checks import CHECK_RULES
from slopguard.deps.manifests import ManifestProblem
from slopguard.deps.model import Check, Ecosystem, PackageRef, PackageReport, Signal
from slopguard.pipeline.catalog import code_rules
from slopguard.review.checklist import (
    AUDIT,
    DEPENDENCIES,
    ERROR_CWES,
    ERROR_RULES,
    ERRORS,
    INPUT,
    SECRET_CWES,
    SECRET_RULES,
    SECRETS,
    UNDERSTAND,
    Change,
    Checklist,
    Item,
    Status,
    build_checklist,
    dependencies_item,
    rule_question,
)
from slopguard.review.render import md, render_json, render_markdown

GENERAL = [UNDERSTAND, DEPENDENCIES, ERRORS, INPUT, SECRETS, AUDIT]


def finding(rule_id: str, path: str, line: int, confidence: Confidence = Confidence.HIGH) -> Finding:
    meta = code_rules()[rule_id]
    return Finding(
        rule_id, meta.title, meta.severity, confidence, f"{rule_id} here", Location(path, line), "code", meta.cwe,
        meta.fix, "fp",
    )  # fmt: skip


def change(**files: str) -> Change:
    return Change("paths", None, (".",), {k.replace("__", "."): v for k, v in files.items()})


def by_id(checklist: Checklist) -> dict[str, Item]:
    return {i.id: i for i in checklist.items}


def build(ch: Change, findings: list[Finding] | None = None, packages: list[PackageReport] | None = None,
          enabled: set[str] | None = None) -> Checklist:  # fmt: skip
    metas = code_rules()
    return build_checklist(ch, findings or [], metas, enabled if enabled is not None else set(metas), packages or [])


def test_general_questions_come_first_in_the_seed_order_and_are_always_present() -> None:
    items = build(change(app__py="python")).items
    assert [(i.id, i.question) for i in items[:6]] == GENERAL
    empty = build(Change("diff", "HEAD")).items
    assert [(i.id, i.question) for i in empty] == GENERAL  # no files: no language items, still the questions


def test_rule_items_are_generated_from_rule_metadata_for_each_language_present() -> None:
    metas = code_rules()
    items = by_id(build(change(app__py="python", web__js="javascript", settings__yaml="config")))
    for meta in metas.values():
        general = meta.id in SECRET_RULES | ERROR_RULES or set(meta.cwe) & (SECRET_CWES | ERROR_CWES)
        if general or "provenance" in meta.tags:
            assert not any(i.endswith(":" + meta.id) for i in items)  # answered by a general question
            continue
        for language in ("python", "javascript"):
            if language in meta.languages:
                item = items[f"{language}:{meta.id}"]
                assert item.question == rule_question(meta) and meta.title in item.question
                assert item.rule_ids == (meta.id,) and item.fix == meta.fix
        if "*" in meta.languages:
            assert f"any:{meta.id}" in items
    # Python-only rules do not appear for a change without Python files.
    js_only = by_id(build(change(web__js="javascript")))
    assert not any(i.startswith("python:") for i in js_only)


def test_a_new_rule_in_the_metadata_becomes_a_question_without_editing_the_checklist() -> None:
    new = RuleMeta("GO-NEW-001", "Brand new weakness", (89,), Severity.HIGH, Confidence.HIGH, ("go",), "why", "do X")
    metas = {**code_rules(), new.id: new}
    ch = change(main__go="go")
    checklist = build_checklist(ch, [], metas, set(metas), [])
    item = by_id(checklist)["go:GO-NEW-001"]
    assert item.status is Status.PASS and "Brand new weakness" in item.question and item.fix == "do X"
    assert "GO-NEW-001" in by_id(checklist)[INPUT[0]].rule_ids  # CWE-89: an input-validation rule


def test_rule_item_fails_with_locations_and_passes_without_findings() -> None:
    ch = change(app__py="python", db__py="python")
    items = by_id(build(ch, [finding("PY-SQLI-001", "db.py", 12), finding("PY-SQLI-001", "app.py", 3)]))
    sqli = items["python:PY-SQLI-001"]
    assert sqli.status is Status.FAIL
    assert [(e.path, e.line) for e in sqli.evidence] == [("app.py", 3), ("db.py", 12)]
    cmdi = items["python:PY-CMDI-001"]
    assert cmdi.status is Status.PASS and "no findings of PY-CMDI-001 in 2 file(s)" in cmdi.evidence[-1].text


def test_disabled_rule_and_unanalysed_file_leave_the_question_to_a_person() -> None:
    ch = change(app__py="python")
    ch.not_analysed = [("broken.py", "syntax error at line 3: invalid syntax")]
    enabled = set(code_rules()) - {"PY-CMDI-001"}
    items = by_id(build(ch, enabled=enabled))
    assert items["python:PY-CMDI-001"].status is Status.HUMAN
    assert "disabled by configuration" in items["python:PY-CMDI-001"].evidence[0].text
    sqli = items["python:PY-SQLI-001"]
    assert sqli.status is Status.HUMAN and sqli.evidence[0].path == "broken.py"


def test_secrets_and_error_handling_are_answered_by_their_rules() -> None:
    ch = change(app__py="python", config__env="config")
    items = by_id(build(ch, [finding("SEC-TOKEN-001", "config.env", 2), finding("PY-DEBUG-001", "app.py", 40)]))
    secrets, errors = items[SECRETS[0]], items[ERRORS[0]]
    assert secrets.status is Status.FAIL and secrets.evidence[0].path == "config.env"
    assert set(secrets.rule_ids) >= {"SEC-TOKEN-001", "PY-SECRET-001"}
    assert errors.status is Status.FAIL and errors.evidence[0].line == 40
    assert set(errors.rule_ids) >= {"PY-ERRLEAK-001", "PY-DEBUG-001"}
    clean = by_id(build(ch))
    assert clean[SECRETS[0]].status is Status.PASS and clean[ERRORS[0]].status is Status.PASS


def test_error_handling_in_a_language_no_rule_covers_is_a_question() -> None:
    items = by_id(build(change(app__py="python", server__rb="ruby")))
    errors = items[ERRORS[0]]
    assert errors.status is Status.HUMAN
    assert any("server.rb" in e.text for e in errors.evidence)


def test_input_validation_fails_only_on_attacker_controlled_flows() -> None:
    ch = change(app__py="python")
    tainted = by_id(build(ch, [finding("PY-SQLI-001", "app.py", 5)]))[INPUT[0]]
    assert tainted.status is Status.FAIL and tainted.evidence[0].rule_id == "PY-SQLI-001"
    dynamic = by_id(build(ch, [finding("PY-SQLI-001", "app.py", 5, Confidence.MEDIUM)]))[INPUT[0]]
    assert dynamic.status is Status.HUMAN and "possibly" in dynamic.evidence[0].text
    assert by_id(build(ch))[INPUT[0]].status is Status.HUMAN


def test_human_questions_stay_open() -> None:
    items = by_id(build(change(app__py="python")))
    assert items[UNDERSTAND[0]].status is Status.HUMAN and "app.py" in items[UNDERSTAND[0]].evidence[0].text
    assert items[AUDIT[0]].status is Status.HUMAN


def test_unreviewed_ai_code_is_listed_for_the_person_who_reads_every_line() -> None:
    provenance = [m for m in code_rules().values() if "provenance" in m.tags]
    assert provenance, "the provenance rule pack declares a rule tagged 'provenance'"
    unreviewed = Finding(
        provenance[0].id, provenance[0].title, Severity.MEDIUM, Confidence.HIGH, "AI code without reviewer",
        Location("gen.py", 1), "# marker", (1357,), "", "fp",
    )  # fmt: skip
    item = by_id(build(change(gen__py="python"), [unreviewed]))[UNDERSTAND[0]]
    assert item.status is Status.HUMAN and (item.evidence[0].path, item.evidence[0].line) == ("gen.py", 1)
    assert provenance[0].id in item.rule_ids


def test_opt_in_rules_are_questions_only_when_turned_on() -> None:
    opt = RuleMeta("PY-OPT-001", "Optional check", (20,), Severity.LOW, Confidence.HIGH, ("python",), "w", "f",
                   ("opt-in",))  # fmt: skip
    metas = {**code_rules(), opt.id: opt}
    ch = change(app__py="python")
    assert "python:PY-OPT-001" not in by_id(build_checklist(ch, [], metas, set(metas) - {opt.id}, []))
    assert by_id(build_checklist(ch, [], metas, set(metas), []))["python:PY-OPT-001"].status is Status.PASS


def report(name: str, *signals: Signal, note: str = "") -> PackageReport:
    return PackageReport(PackageRef(Ecosystem.PYPI, name, path="requirements.txt", line=1), list(signals), note=note)


def test_dependencies_item_never_passes_an_unverifiable_package() -> None:
    unknown = report("mystery", Signal(Check.UNKNOWN, Severity.HIGH, "registry unreachable"))
    item = dependencies_item([report("requests"), unknown], [], Severity.HIGH)
    assert item.status is Status.HUMAN
    assert item.evidence[0].rule_id == CHECK_RULES[Check.UNKNOWN].id and item.evidence[0].path == "requirements.txt"
    missing = report("reqeusts", Signal(Check.MISSING, Severity.CRITICAL, "no such package"))
    failed = dependencies_item([missing, unknown], [], Severity.HIGH)
    assert failed.status is Status.FAIL and "reqeusts" in failed.evidence[0].text
    assert set(failed.rule_ids) == {m.id for m in CHECK_RULES.values()}
    minor = report("old", Signal(Check.DEPRECATED, Severity.LOW, "deprecated"))
    assert dependencies_item([minor, report("requests")], [], Severity.HIGH).status is Status.PASS
    assert dependencies_item([], [], Severity.HIGH).status is Status.PASS
    assert dependencies_item(None, [], Severity.HIGH).status is Status.HUMAN
    broken = dependencies_item([], [ManifestProblem("requirements.txt", 4, "cannot parse")], Severity.HIGH)
    assert broken.status is Status.HUMAN


def test_markdown_puts_failures_first_with_links_and_checkboxes() -> None:
    ch = change(app__py="python")
    checklist = build(ch, [finding("PY-SQLI-001", "app.py", 12)])
    text = render_markdown(checklist, link_base="https://example.invalid/blob/abc/")
    s = checklist.summary
    assert f"❌ {s['fail']} failing · 👤 {s['needs_human']} for a person · ✅ {s['pass']} passed" in text
    failing, human, passed = (
        text.index("### ❌ Failing"),
        text.index("### 👤 For a person"),
        text.index("passed</summary>"),
    )
    assert failing < human < passed
    assert "[app.py:12](https://example.invalid/blob/abc/app.py#L12)" in text
    assert "- [ ] **Do I understand every line?**" in text
    assert "- [x] **Are secrets externalised?**" in text
    assert "Fix: Pass values as parameters" in text


def test_markdown_escapes_markup_from_messages_and_paths() -> None:
    assert md("<img src=x onerror=alert(1)> **bold** `code`") == (
        "\\<img src=x onerror=alert(1)\\> \\*\\*bold\\*\\* \\`code\\`"
    )
    ch = change(**{"a<b>__py": "python"})
    text = render_markdown(build(ch, [finding("PY-SQLI-001", "a<b>.py", 1)]))
    assert "a<b>" not in text and "[a\\<b\\>.py:1](a%3Cb%3E.py#L1)" in text


def test_json_has_stable_keys() -> None:
    ch = change(app__py="python")
    doc = json.loads(render_json(build(ch, [finding("PY-SQLI-001", "app.py", 12)])))
    assert set(doc) == {"version", "change", "languages", "items", "summary", "sign_off"}
    assert doc["languages"] == ["python"]
    for item in doc["items"]:
        assert set(item) == {"id", "question", "status", "language", "evidence", "rule_ids", "fix"}
        assert item["status"] in ("pass", "fail", "needs-human")
        for ev in item["evidence"]:
            assert set(ev) == {"text", "path", "line", "rule_id"}
    sqli = next(i for i in doc["items"] if i["id"] == "python:PY-SQLI-001")
    assert sqli["evidence"][0] == {"text": "PY-SQLI-001 here", "path": "app.py", "line": 12, "rule_id": "PY-SQLI-001"}
    assert set(doc["summary"]) == {"total", "pass", "fail", "needs_human"}
    assert doc["summary"]["total"] == len(doc["items"])
