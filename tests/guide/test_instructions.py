"""``slopguard prompt``: the instruction template is generated from rule metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from slopguard.cli.prompt import prompt_command
from slopguard.core.finding import Confidence, Severity
from slopguard.core.rule import RuleMeta
from slopguard.deps.checks import CHECK_RULES
from slopguard.engine import registry
from slopguard.guide.compliance import ASVS_LEVELS, CONTEXTS
from slopguard.guide.instructions import (
    THREAT_MODEL_LIMIT,
    PromptOptions,
    instructions,
    known_languages,
    parse_contexts,
    parse_languages,
    theme_of,
)
from slopguard.pipeline.catalog import code_rules


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(prompt_command, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def fake_rule(rule_id: str, languages: tuple[str, ...], fix: str, cwe: tuple[int, ...] = (89,), tags=()) -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        title=f"Title of {rule_id}",
        cwe=cwe,
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        languages=languages,
        why="Why it matters.",
        fix=fix,
        tags=tuple(tags),
    )


def section(text: str, heading: str) -> str:
    """The text of one '## ' section of a Markdown template."""
    start = text.index(f"\n## {heading}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_every_python_rule_fix_and_title_appear(fmt: str) -> None:
    code, out, _ = run("--lang", "python", "--format", fmt)
    assert code == 0
    python_rules = [m for m in code_rules().values() if "python" in m.languages]
    assert len(python_rules) >= 10
    for meta in python_rules:
        assert meta.fix in out, meta.id
        assert meta.title in out, meta.id
        assert meta.id in out
    for meta in code_rules().values():  # language-independent rules apply to every language
        if "*" in meta.languages:
            assert meta.fix in out


def test_markdown_structure_and_never_instead_lines() -> None:
    _, out, _ = run("--lang", "python")
    assert out.startswith("# Security instructions for AI-generated code\n")
    sqli = code_rules()["PY-SQLI-001"]
    line = next(li for li in out.splitlines() if "PY-SQLI-001" in li and li.startswith("- "))
    assert line == f"- **Never:** {sqli.title} (PY-SQLI-001, CWE-89). **Instead:** {sqli.fix}"
    for heading in (
        "Python: never write these",
        "Secrets",
        "Authentication and access control",
        "Dependencies",
        "Input validation",
        "Error handling",
        "Rate limiting",
    ):
        assert f"\n## {heading}\n" in out
    assert "### Injection and code execution" in out
    assert "slopguard scan" in out
    assert "## Threat model" not in out and "Compliance:" not in out and "ASVS" not in out


def test_text_format_has_no_markdown_but_keeps_rule_text() -> None:
    _, out, _ = run("--lang", "python", "--format", "text")
    assert "**Never" not in out and "\n#" not in out and "`slopguard" not in out
    assert "Security instructions for AI-generated code\n=====" in out
    assert "Never: " in out and "Instead: " in out


def test_general_sections_link_the_rules_that_check_them() -> None:
    _, out, _ = run("--lang", "python")
    auth = section(out, "Authentication and access control")
    assert "hmac.compare_digest" in auth  # constant-time comparison idiom
    for rule_id in ("PY-TIMING-001", "PY-HASH-001", "PY-JWT-001"):
        assert rule_id in auth.splitlines()[-1]
    assert "PY-SECRET-001" in section(out, "Secrets") and "SEC-TOKEN-001" in section(out, "Secrets")
    assert "PY-ERRLEAK-001" in section(out, "Error handling")
    assert "PY-RATE-001" in section(out, "Rate limiting")
    deps = section(out, "Dependencies")
    assert "slopguard check" in deps and "already depends on" in deps
    for meta in CHECK_RULES.values():
        assert meta.id in deps


def test_rule_for_javascript_appears_only_for_javascript(monkeypatch: pytest.MonkeyPatch) -> None:
    code_rules()  # load the rule pack first
    meta = fake_rule("ZZ-JSTEST-001", ("javascript",), "Use the xyzzy-safe idiom for JavaScript.")
    monkeypatch.setitem(registry._META_ONLY, meta.id, meta)
    _, js, _ = run("--lang", "javascript")
    assert meta.fix in js and meta.id in js
    assert meta.fix in section(js, "JavaScript: never write these")
    for other in ("python", "java", "go"):
        _, out, _ = run("--lang", other)
        assert meta.id not in out and meta.fix not in out
    _, both, _ = run("--lang", "python,javascript")
    assert both.count(meta.fix) == 1
    assert meta.id in section(both, "Input validation").splitlines()[-1]  # CWE-89: checked by


def test_language_known_only_from_rule_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    code_rules()
    meta = fake_rule("ZZ-KT-001", ("kotlin",), "Kotlin's safe idiom: use the kq-bind API.", cwe=(327,))
    monkeypatch.setitem(registry._META_ONLY, meta.id, meta)
    assert "kotlin" in known_languages()
    code, out, _ = run("--lang", "kotlin")
    assert code == 0
    assert "## Kotlin: never write these" in out and "### Cryptography and randomness" in out
    assert meta.fix in out


def test_language_without_rules_still_gets_general_guidance() -> None:
    metas = {k: m for k, m in code_rules().items() if "python" in m.languages or "*" in m.languages}
    out = instructions(PromptOptions(("go",)), metas=metas)
    assert "slopguard has no Go-specific rules yet" in out
    assert "subtle.ConstantTimeCompare" in out and "os.LookupEnv" in out and "go.mod" in out
    assert "PY-SQLI-001" not in out
    assert code_rules()["SEC-TOKEN-001"].fix in out
    assert "No slopguard rule checks this yet" in section(out, "Error handling")
    no_deps = instructions(PromptOptions(("go",)), metas=metas, dep_rules=list(CHECK_RULES.values()))
    assert "package checks do not cover these languages yet" in section(no_deps, "Dependencies")


def test_theme_from_tags_then_cwe() -> None:
    assert theme_of(fake_rule("A", ("python",), "f", cwe=(89,)))[0] == "injection"
    assert theme_of(fake_rule("A", ("python",), "f", cwe=(89,), tags=("crypto",)))[0] == "crypto"
    assert theme_of(fake_rule("A", ("python",), "f", cwe=(99999,)))[0] == "other"


def test_contexts_and_aliases() -> None:
    assert parse_contexts(["HIPAA,pci", "gdpr", "SOC2"]) == ("hipaa", "pci-dss", "gdpr", "soc2")
    code, out, _ = run("--lang", "python", "--context", "hipaa,pci-dss,gdpr,soc2")
    assert code == 0
    for ctx in CONTEXTS.values():
        body = section(out, f"Compliance: {ctx.title}")
        assert ctx.scope in body
        assert all(item in body for item in ctx.obligations)
    assert "PHI" in out and "CVV2" in out and "erase" in out and "CC8.1" in out


@pytest.mark.parametrize("level", [1, 2, 3])
def test_asvs_levels_are_cumulative(level: int) -> None:
    code, out, _ = run("--lang", "python", "--asvs", str(level))
    assert code == 0
    asvs = section(out, f"OWASP ASVS level {level}")
    for n, info in ASVS_LEVELS.items():
        assert (info.name in asvs) == (n <= level)
        assert all((item in asvs) == (n <= level) for item in info.adds)


def test_threat_model_included_and_bounded(tmp_path: Path) -> None:
    model = tmp_path / "threats.md"
    model.write_text("Attackers: anonymous internet users.\nAssets: patient records.\n", encoding="utf-8")
    _, out, _ = run("--lang", "python", "--threat-model", str(model))
    body = section(out, "Threat model")
    assert "From threats.md" in body and "Assets: patient records." in body
    big = tmp_path / "big.md"
    big.write_text("x" * (THREAT_MODEL_LIMIT + 500), encoding="utf-8")
    _, out, _ = run("--lang", "python", "--threat-model", str(big))
    assert "Truncated to the first" in out
    assert "x" * THREAT_MODEL_LIMIT in out and "x" * (THREAT_MODEL_LIMIT + 1) not in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lang", "cobol"], ["unknown language 'cobol'", "python", "javascript", "rust"]),
        (["--lang", "python", "--context", "sox"], ["unknown compliance context 'sox'", "hipaa", "pci-dss", "soc2"]),
        (["--lang", "python", "--asvs", "4"], ["'4' is not one of", "'1', '2', '3'"]),
        (["--lang", "python", "--format", "html"], ["'html' is not one of"]),
        (["--lang", "python", "--threat-model", "/nonexistent/threats.md"], ["cannot read"]),
    ],
)
def test_bad_input_exits_2_with_valid_values(args: list[str], expected: list[str]) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    for text in expected:
        assert text in err


def test_unreadable_threat_models(tmp_path: Path) -> None:
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    code, _, err = run("--lang", "python", "--threat-model", str(binary))
    assert code == 2 and "not UTF-8 text" in err
    code, _, err = run("--lang", "python", "--threat-model", str(tmp_path))
    assert code == 2 and "--threat-model" in err


def test_parse_languages_aliases_and_dedup() -> None:
    assert parse_languages(["py,JS", "python", "ts"]) == ("python", "javascript", "typescript")
    with pytest.raises(ValueError, match=r"valid: .*python"):
        parse_languages(["fortran"])


def test_languages_detected_when_not_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.go").write_text("package main\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run()
    assert code == 0
    assert "## Go: never write these" in out and "## Python" not in out
    assert "languages: go (detected" in err
