"""Analyse one file's bytes: decode, parse once, run every selected rule, apply inline suppressions.

What a file is and how it is parsed comes from the language table (:mod:`slopguard.engine.languages`).
"""

from __future__ import annotations

import io
import tokenize
from collections import Counter
from collections.abc import Iterable

from slopguard.core.finding import Finding, Location
from slopguard.core.report import FileResult
from slopguard.core.rule import RuleMeta
from slopguard.core.secrets import redact
from slopguard.engine.budget import BudgetExceeded, budget, check_now
from slopguard.engine.detect import header_language
from slopguard.engine.embedded import script_view
from slopguard.engine.hit import Hit
from slopguard.engine.languages import Language, language
from slopguard.engine.notebook import NotebookError, notebook_code
from slopguard.engine.python.context import PyContext
from slopguard.engine.python.parse import parse_python
from slopguard.engine.python.runner import run_python_rules
from slopguard.engine.registry import python_rules, require, text_rules, ts_rules
from slopguard.engine.suppression import apply_suppressions
from slopguard.engine.text import TextContext
from slopguard.engine.treesitter.context import TSContext
from slopguard.engine.treesitter.grammars import parser
from slopguard.engine.treesitter.runner import TooDeep, ensure_shallow, run_ts_rules

MAX_SNIPPET_LINES = 3
DEFAULT_TIME_BUDGET = 20.0


def decode(data: bytes, language_name: str) -> str:
    """Text of a file; Python files honour their PEP 263 coding cookie. Raises UnicodeDecodeError/SyntaxError."""
    if language_name == "python":
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    return data.decode("utf-8")


def analyse(
    display: str,
    data: bytes,
    language_name: str,
    rule_ids: frozenset[str],
    max_size: int,
    time_budget: float = DEFAULT_TIME_BUDGET,
) -> FileResult:
    """Every finding in one file. Never raises for bad input: the reason goes in ``skipped``. Analysis that runs
    past ``time_budget`` seconds stops, and the file is skipped."""
    if len(data) > max_size:
        return FileResult(display, skipped=f"file is {len(data):,} bytes, over max-file-size ({max_size:,})")
    if language(language_name).analyser == "notebook":
        return analyse_notebook(display, data, rule_ids, max_size, time_budget)
    try:
        text = decode(data, language_name)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        # Only what does not decode as text is binary: Node runs a .js file with a NUL byte in a comment.
        return FileResult(display, skipped="binary file" if b"\0" in data else f"not valid text in its encoding: {exc}")
    with budget(time_budget):
        try:
            return _analyse_text(display, data, text, language_name, rule_ids)
        except BudgetExceeded as exc:
            return FileResult(display, skipped=str(exc))
        except (RecursionError, MemoryError, TooDeep):
            return FileResult(display, skipped="code nested too deeply to analyse")
        except ValueError as exc:  # CPython's parser rejects NUL bytes with ValueError on some versions
            return FileResult(display, skipped=f"cannot parse: {exc}")


def analyse_notebook(
    display: str, data: bytes, rule_ids: frozenset[str], max_size: int, time_budget: float
) -> FileResult:
    """A Jupyter notebook: its code cells analysed as one Python file, findings placed on the notebook's lines."""
    try:
        code = notebook_code(data)
    except NotebookError as exc:
        return FileResult(display, skipped=f"notebook not analysed: {exc}")
    inner = analyse(display, code.text.encode(), "python", rule_ids, max_size, time_budget)
    return code.to_notebook(display, inner)


def _analyse_text(display: str, data: bytes, text: str, language_name: str, rule_ids: frozenset[str]) -> FileResult:
    lines = text.splitlines()
    result = FileResult(display)
    hits: list[tuple[RuleMeta, Hit]] = []
    text_ctx = TextContext(display, language_name, text, lines)
    require(language_name)
    chosen = [r for rid, r in text_rules().items() if rid in rule_ids and _reads(r.meta, language_name)]
    hits += [(r.meta, h) for r in chosen for h in r.check(text_ctx)]
    lang = language(header_language(display, language_name, data))
    if lang.analyser == "python":
        _python(display, data, text, lang, rule_ids, result, hits)
    elif lang.analyser == "tree-sitter":
        _tree_sitter(display, data, lang, rule_ids, result, hits)
    elif lang.scripts:
        _inline_scripts(display, text, rule_ids, result, hits)
    findings = _findings(display, lines, hits)
    result.findings = apply_suppressions(display, lines, findings, rule_ids, complete=result.skipped is None)
    return result


def _reads(meta: RuleMeta, language_name: str) -> bool:
    """Whether a text rule reads files of this language (``*``: every text file)."""
    return "*" in meta.languages or language_name in meta.languages


def _python(
    display: str,
    data: bytes,
    text: str,
    lang: Language,
    rule_ids: frozenset[str],
    result: FileResult,
    hits: list[tuple[RuleMeta, Hit]],
) -> None:
    """Parse once (newer syntax and broken statements recovered, see :mod:`slopguard.engine.python.parse`); every
    Python rule and the import extraction share the tree. Statements that could not be read are named in
    ``skipped`` ("partly analysed") and listed in ``dropped``; the rest of the file is still analysed."""
    require(lang.name)
    chosen = [r for rid, r in python_rules().items() if rid in rule_ids]
    try:
        parsed = parse_python(text, display)
        if not parsed.readable:
            result.skipped = f"syntax error: {parsed.summary}"
            return
        if lang.imports is not None:
            result.imports = lang.imports(data, parsed.tree, lang.name)
        ctx = PyContext(display, text, parsed.tree)
        hits += [(r.meta, h) for r, h in run_python_rules(ctx, chosen)]
    except (RecursionError, MemoryError):
        result.skipped = "code nested too deeply to analyse"
        return
    if parsed.dropped:
        result.dropped = parsed.dropped
        result.skipped = f"partly analysed: {parsed.summary}"


def _tree_sitter(
    display: str,
    data: bytes,
    lang: Language,
    rule_ids: frozenset[str],
    result: FileResult,
    hits: list[tuple[RuleMeta, Hit]],
) -> None:
    """Parse once with tree-sitter; every rule of the language and the import extraction share the tree."""
    grammar_name = lang.grammar_for(display).name
    tree = parser(grammar_name).parse(data)  # linear in the input; the budget is checked right after
    check_now()
    ensure_shallow(tree, grammar_name)
    if lang.imports is not None:
        result.imports = lang.imports(data, tree, grammar_name)
    require(lang.name)
    chosen = [r for rid, r in ts_rules().items() if rid in rule_ids and lang.name in r.meta.languages]
    if not chosen:
        return
    ctx = TSContext(display, lang.name, grammar_name, data, tree)
    try:
        hits += [(r.meta, h) for r, h in run_ts_rules(ctx, chosen)]
    except RecursionError:
        result.skipped = "code nested too deeply to analyse"


def _inline_scripts(
    display: str, text: str, rule_ids: frozenset[str], result: FileResult, hits: list[tuple[RuleMeta, Hit]]
) -> None:
    """The ``<script>`` elements of a markup or template file, analysed in place as JavaScript/TypeScript."""
    view = script_view(text)
    if view is not None:
        script_language = language("typescript" if view.typescript else "javascript")
        _tree_sitter(display, view.source.encode("utf-8"), script_language, rule_ids, result, hits)


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
