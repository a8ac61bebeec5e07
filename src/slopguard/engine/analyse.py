"""Analyse one file's bytes: decode, parse once, run every selected rule, apply inline suppressions."""

from __future__ import annotations

import ast
import io
import tokenize
from collections import Counter
from collections.abc import Iterable

from slopguard.core.finding import Finding, Location
from slopguard.core.report import FileResult
from slopguard.core.rule import RuleMeta
from slopguard.core.secrets import redact
from slopguard.core.suppress import parse_suppressions
from slopguard.deps.imports import js_imports, python_imports
from slopguard.engine.python.context import PyContext
from slopguard.engine.python.runner import run_python_rules
from slopguard.engine.registry import Hit, python_rules, text_rules, ts_rules
from slopguard.engine.text import TextContext, run_text_rules
from slopguard.engine.treesitter.grammars import grammar_for, parser, supported
from slopguard.rules.suppression import SUPPRESSION_WITHOUT_REASON

MAX_SNIPPET_LINES = 3


def decode(data: bytes, language: str) -> str:
    """Text of a file; Python files honour their PEP 263 coding cookie. Raises UnicodeDecodeError/SyntaxError."""
    if language == "python":
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    return data.decode("utf-8")


def analyse(display: str, data: bytes, language: str, rule_ids: frozenset[str], max_size: int) -> FileResult:
    """Every finding in one file. Never raises for bad input: the reason goes in ``skipped``."""
    if len(data) > max_size:
        return FileResult(display, skipped=f"file is {len(data):,} bytes, over max-file-size ({max_size:,})")
    if b"\0" in data[:8192]:
        return FileResult(display, skipped="binary file")
    try:
        text = decode(data, language)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        return FileResult(display, skipped=f"not valid text in its encoding: {exc}")
    lines = text.splitlines()
    result = FileResult(display)
    hits: list[tuple[RuleMeta, Hit]] = []
    chosen_text = [r for rid, r in text_rules().items() if rid in rule_ids]
    hits += [(r.meta, h) for r, h in run_text_rules(TextContext(display, language, text, lines), chosen_text)]
    if language == "python":
        chosen = [r for rid, r in python_rules().items() if rid in rule_ids]
        try:
            tree = ast.parse(text, filename=display)
            result.imports = python_imports(tree, full=True)
            ctx = PyContext(display, text, tree)
            hits += [(r.meta, h) for r, h in run_python_rules(ctx, chosen)]
        except SyntaxError as exc:
            result.skipped = f"syntax error at line {exc.lineno}: {exc.msg}"
        except (RecursionError, MemoryError):
            result.skipped = "code nested too deeply to analyse"
    elif supported(language):
        _tree_sitter(display, data, language, rule_ids, result, hits)
    result.findings = _suppress(display, lines, _findings(display, lines, hits), rule_ids)
    return result


def _tree_sitter(
    display: str,
    data: bytes,
    language: str,
    rule_ids: frozenset[str],
    result: FileResult,
    hits: list[tuple[RuleMeta, Hit]],
) -> None:
    """Parse once with tree-sitter; every rule of the language and the import extraction share the tree."""
    from slopguard.engine.treesitter.context import TSContext
    from slopguard.engine.treesitter.runner import run_ts_rules

    grammar_name = grammar_for(language, display)
    tree = parser(grammar_name).parse(data)
    if language in ("javascript", "typescript"):
        result.imports = js_imports(data, tree=tree)
    chosen = [r for rid, r in ts_rules().items() if rid in rule_ids and language in r.meta.languages]
    if not chosen:
        return
    ctx = TSContext(display, language, grammar_name, data, tree)
    try:
        hits += [(r.meta, h) for r, h in run_ts_rules(ctx, chosen)]
    except RecursionError:
        result.skipped = "code nested too deeply to analyse"


def _findings(display: str, lines: list[str], hits: Iterable[tuple[RuleMeta, Hit]]) -> list[Finding]:
    seen: Counter[tuple[str, str]] = Counter()
    out: list[Finding] = []
    unique = {(m.id, h.line, h.col, h.message): (m, h) for m, h in hits}
    for meta, hit in sorted(unique.values(), key=lambda mh: (mh[1].line, mh[1].col, mh[0].id)):
        last = min(hit.end_line, hit.line + MAX_SNIPPET_LINES - 1)
        snippet = redact("\n".join(lines[hit.line - 1 : last]).rstrip(), hit.secrets)
        key = (meta.id, " ".join(snippet.split()))
        occurrence = seen[key]
        seen[key] += 1
        location = Location(display, hit.line, hit.col, max(hit.end_line, hit.line), hit.end_col)
        message = redact(hit.message, hit.secrets)
        severity, confidence = hit.severity, hit.confidence
        out.append(
            meta.finding(message, location, snippet, severity=severity, confidence=confidence, occurrence=occurrence)
        )
    return out


def _suppress(display: str, lines: list[str], findings: list[Finding], rule_ids: frozenset[str]) -> list[Finding]:
    directives = parse_suppressions(lines)
    if not directives:
        return findings
    kept = [
        f for f in findings if not any(d.covers == f.location.start_line and d.matches(f.rule_id) for d in directives)
    ]
    meta = SUPPRESSION_WITHOUT_REASON
    if meta.id not in rule_ids:
        return kept
    for d in directives:
        if d.reason:
            continue
        snippet = lines[d.line - 1].rstrip()
        location = Location(display, d.line, 1, d.line, len(snippet) + 1)
        message = "slopguard suppression has no reason; add '-- why this is safe'"
        kept.append(meta.finding(message, location, redact(snippet), identity=snippet))
    return sorted(kept, key=lambda f: (f.location.start_line, f.location.start_col, f.rule_id))
