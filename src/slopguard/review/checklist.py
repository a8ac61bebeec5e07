"""The review checklist: the seed's six questions, plus one question per rule that applies to a language in the
change, each answered from the scan and the package verifier where a machine can, left open for a person where not.

Rule questions, their rule ids and their fixes come from the rule metadata (``rule_meta()`` and ``CHECK_RULES``),
never from a copy of the rule texts; only the six general questions are constants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from slopguard.core.finding import Confidence, Finding, Severity
from slopguard.core.rule import RuleMeta
from slopguard.deps.checks import CHECK_RULES
from slopguard.deps.manifests import ManifestProblem
from slopguard.deps.model import Check, PackageReport
from slopguard.engine.languages import language_of


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    HUMAN = "needs-human"


@dataclass(frozen=True, slots=True)
class Evidence:
    """What an answer rests on: a finding's place, a package verdict, or a plain statement."""

    text: str
    path: str | None = None
    line: int | None = None
    rule_id: str | None = None


@dataclass
class Item:
    """One checklist question and its answer. ``language`` is "*" for questions about the whole change."""

    id: str
    question: str
    status: Status
    evidence: list[Evidence] = field(default_factory=list)
    rule_ids: tuple[str, ...] = ()
    language: str = "*"
    fix: str = ""


@dataclass
class Change:
    """What is reviewed: ``files`` (display path -> language) were analysed, ``not_analysed`` were not."""

    source: str  # "paths" or "diff"
    rev: str | None = None
    paths: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    not_analysed: list[tuple[str, str]] = field(default_factory=list)
    deleted: tuple[str, ...] = ()

    @property
    def all_files(self) -> list[str]:
        return sorted({*self.files, *(display for display, _ in self.not_analysed)})

    @property
    def languages(self) -> list[str]:
        found = set(self.files.values())
        found |= {lang for display, _ in self.not_analysed if (lang := language_of(display))}
        return sorted(found)


@dataclass
class Checklist:
    change: Change
    items: list[Item]

    @property
    def summary(self) -> dict[str, int]:
        counts = {s: sum(1 for i in self.items if i.status is s) for s in Status}
        return {
            "total": len(self.items),
            "pass": counts[Status.PASS],
            "fail": counts[Status.FAIL],
            "needs_human": counts[Status.HUMAN],
        }

    @property
    def failed(self) -> bool:
        return any(i.status is Status.FAIL for i in self.items)


# The seed's questions (general, for every change).
UNDERSTAND = ("general.understand", "Do I understand every line?")
DEPENDENCIES = ("general.dependencies", "Are dependencies real and from official sources?")
ERRORS = ("general.error-handling", "Does error handling avoid leaking information?")
INPUT = ("general.input-validation", "Is user input validated (type, length, format, range)?")
SECRETS = ("general.secrets", "Are secrets externalised?")
AUDIT = ("general.security-audit", "Would this pass a security audit?")

# Rules that answer a general question, by id and by weakness class (so new rules of a class join in).
SECRET_RULES, SECRET_CWES = frozenset({"SEC-TOKEN-001", "PY-SECRET-001"}), frozenset({259, 321, 798})
ERROR_RULES, ERROR_CWES = frozenset({"PY-ERRLEAK-001", "PY-DEBUG-001"}), frozenset({209, 210, 211, 215, 489, 497})
# Weaknesses that mean input reached a sink without validation (injection, traversal, redirects, parsing).
INPUT_CWES = frozenset({20, 22, 23, 73, 77, 78, 79, 88, 89, 90, 91, 94, 95, 113, 117, 502, 601, 611, 643, 918, 943})
# Rules about AI provenance (code marked as AI-generated without a reviewer): evidence for "Do I understand
# every line?", which a sign-off answers.
PROVENANCE_TAG, OPT_IN_TAG = "provenance", "opt-in"
# Languages whose files hold no program logic (error handling, input handling).
DATA_LANGUAGES = frozenset({"config", "docs"})
SHOWN_NAMES = 10


def linked(metas: Mapping[str, RuleMeta], ids: frozenset[str], cwes: frozenset[int]) -> list[RuleMeta]:
    return [m for m in metas.values() if m.id in ids or cwes.intersection(m.cwe)]


def rule_question(meta: RuleMeta) -> str:
    return f'Is the change free of "{meta.title}"? ({meta.id})'


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")


def _placed(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.location.path, f.location.start_line, f.rule_id))


def _finding_evidence(finding: Finding) -> Evidence:
    loc = finding.location
    return Evidence(finding.message, loc.path, loc.start_line, finding.rule_id)


@dataclass
class _Facts:
    """The scan, indexed for answering."""

    change: Change
    findings: list[Finding]
    enabled: frozenset[str]

    def scope(self, languages: Iterable[str]) -> set[str]:
        wanted = set(languages)
        return {d for d, lang in self.change.files.items() if "*" in wanted or lang in wanted}

    def not_analysed(self, languages: Iterable[str]) -> list[tuple[str, str]]:
        wanted = set(languages)
        return [
            (d, r)
            for d, r in self.change.not_analysed
            if (lang := language_of(d)) and ("*" in wanted or lang in wanted)
        ]


def _rule_backed(item_id: str, question: str, metas: Sequence[RuleMeta], facts: _Facts, language: str = "*",
                 fix: str = "") -> Item:  # fmt: skip
    """Fail on any finding of the rules in scope; pass only when every rule ran on every file it covers."""
    ids = tuple(m.id for m in metas)
    item = Item(item_id, question, Status.PASS, rule_ids=ids, language=language, fix=fix)
    langs = [language] if language != "*" else sorted({lang for m in metas for lang in m.languages})
    scope = facts.scope(langs)
    on = [rid for rid in ids if rid in facts.enabled]
    hits = _placed(f for f in facts.findings if f.rule_id in on and f.location.path in scope)
    if hits:
        item.status = Status.FAIL
        item.evidence = [_finding_evidence(f) for f in hits]
        return item
    open_reasons: list[Evidence] = []
    off = [rid for rid in ids if rid not in facts.enabled]
    if not ids:
        open_reasons.append(Evidence("no rule checks this yet: a person has to answer it"))
    if off:
        open_reasons.append(Evidence(f"not checked: {', '.join(off)} disabled by configuration (select/ignore)"))
    for display, reason in facts.not_analysed(langs):
        open_reasons.append(Evidence(f"not analysed: {reason}", display))
    if language == "*":
        uncovered = sorted(d for d, lang in facts.change.files.items() if d not in scope and lang not in DATA_LANGUAGES)
        if uncovered and ids:
            open_reasons.append(Evidence(f"no rule covers {_names(uncovered)}; a person has to check"))
    if open_reasons:
        item.status = Status.HUMAN
        item.evidence = open_reasons
    if on:
        item.evidence.append(Evidence(f"no findings of {', '.join(on)} in {len(scope)} file(s)"))
    return item


def _input_item(metas: Sequence[RuleMeta], facts: _Facts) -> Item:
    """Fails when a rule saw attacker-controlled input reach a sink; otherwise a question for a person."""
    item_id, question = INPUT
    ids = tuple(m.id for m in metas)
    hits = _placed(f for f in facts.findings if f.rule_id in ids)
    proven = [f for f in hits if f.confidence is Confidence.HIGH]
    if proven:
        evidence = [_finding_evidence(f) for f in proven]
        return Item(item_id, question, Status.FAIL, evidence, ids)
    evidence = [
        Evidence(f"possibly unvalidated (medium confidence): {f.message}", f.location.path, f.location.start_line,
                 f.rule_id)
        for f in hits
    ]  # fmt: skip
    code = [d for d, lang in facts.change.files.items() if lang not in DATA_LANGUAGES]
    evidence.append(
        Evidence(
            f"no rule saw attacker-controlled data reach a sink unvalidated in {len(code)} code file(s); whether "
            "every input's type, length, format and range are checked needs a person"
        )
    )
    return Item(item_id, question, Status.HUMAN, evidence, ids)


def _package_line(report: PackageReport, text: str, rule_id: str | None) -> Evidence:
    ref = report.ref
    return Evidence(f"{ref.ecosystem.value} package '{ref.name}': {text}", ref.path or None, ref.line or None, rule_id)


def dependencies_item(reports: Sequence[PackageReport] | None, problems: Sequence[ManifestProblem],
                      fail_on: Severity) -> Item:  # fmt: skip
    """Fail on a package signal at or above ``fail_on``; an unverifiable package is a question, never a pass."""
    item_id, question = DEPENDENCIES
    ids = tuple(m.id for m in CHECK_RULES.values())
    item = Item(item_id, question, Status.PASS, rule_ids=ids)
    if reports is None:
        item.status = Status.HUMAN
        item.evidence.append(Evidence("package verification did not run"))
        return item
    bad: list[Evidence] = []
    unknown: list[Evidence] = []
    minor: list[Evidence] = []
    verified: dict[str, str] = {}
    for report in reports:
        for signal in report.signals:
            rule_id = CHECK_RULES[signal.check].id
            line = _package_line(report, f"{signal.check.value}: {signal.message}", rule_id)
            if signal.check is Check.UNKNOWN:
                unknown.append(line)
            elif signal.severity >= fail_on:
                bad.append(line)
            else:
                minor.append(line)
        if not report.signals:
            verified.setdefault(report.ref.name.lower(), report.ref.name + (f" ({report.note})" if report.note else ""))
    broken = [Evidence(f"manifest line {p.line}: {p.message}", p.path, p.line) for p in problems]
    item.evidence = bad + unknown + broken + minor
    if verified:
        item.evidence.append(Evidence(f"verified: {_names(sorted(verified.values()))}"))
    if not reports and not problems:
        item.evidence.append(Evidence("no package is named by an import or manifest in the change"))
    item.status = Status.FAIL if bad else Status.HUMAN if unknown or broken else Status.PASS
    return item


def _understand(change: Change, provenance: Sequence[RuleMeta], facts: _Facts) -> Item:
    """Always a person's question; AI-generated code that nobody has signed off yet is listed first."""
    item_id, question = UNDERSTAND
    ids = tuple(m.id for m in provenance)
    evidence = [_finding_evidence(f) for f in _placed(f for f in facts.findings if f.rule_id in ids)]
    names = change.all_files
    evidence.append(Evidence(f"{len(names)} file(s) to read: {_names(names)}" if names else "the change has no files"))
    return Item(item_id, question, Status.HUMAN, evidence, ids)


def _audit(items: Sequence[Item]) -> Item:
    item_id, question = AUDIT
    failing = [i for i in items if i.status is Status.FAIL]
    passing = sum(1 for i in items if i.status is Status.PASS)
    text = (
        f"machine checks: {len(failing)} failing, {passing} passing; an audit also weighs design, authorisation, "
        "data flows and threats no rule sees"
    )
    evidence = [Evidence(text)]
    if failing:
        evidence.append(Evidence(f"fix first: {_names([i.id for i in failing])}"))
    return Item(item_id, question, Status.HUMAN, evidence)


def build_checklist(
    change: Change,
    findings: Sequence[Finding],
    metas: Mapping[str, RuleMeta],
    enabled: Iterable[str],
    packages: Sequence[PackageReport] | None,
    problems: Sequence[ManifestProblem] = (),
    fail_on: Severity = Severity.HIGH,
) -> Checklist:
    """Answer every question for ``change`` from the scan's findings and the package reports.

    ``metas`` are the code rules (``rule_meta()``); ``enabled`` the rule ids the scan ran.
    """
    facts = _Facts(change, list(findings), frozenset(enabled))
    secrets = linked(metas, SECRET_RULES, SECRET_CWES)
    errors = linked(metas, ERROR_RULES, ERROR_CWES)
    provenance = [m for m in metas.values() if PROVENANCE_TAG in m.tags]
    items = [
        _understand(change, provenance, facts),
        dependencies_item(packages, problems, fail_on),
        _rule_backed(*ERRORS, errors, facts),
        _input_item(linked(metas, frozenset(), INPUT_CWES), facts),
        _rule_backed(*SECRETS, secrets, facts),
    ]
    absorbed = {m.id for m in secrets + errors + provenance}
    items += language_items(change.languages, metas, absorbed, facts)
    items.insert(5, _audit(items))
    return Checklist(change, items)


def language_items(languages: Sequence[str], metas: Mapping[str, RuleMeta], absorbed: set[str],
                   facts: _Facts) -> list[Item]:  # fmt: skip
    """One question per rule and language in the change; rules for every language once, under "*"."""
    items: list[Item] = []
    # Opt-in rules the configuration did not turn on are not questions for this project.
    rest = [m for m in metas.values() if m.id not in absorbed and (OPT_IN_TAG not in m.tags or m.id in facts.enabled)]
    for language in languages:
        for meta in rest:
            if language in meta.languages:
                items.append(_rule_backed(f"{language}:{meta.id}", rule_question(meta), [meta], facts, language,
                                          meta.fix))  # fmt: skip
    if languages:
        for meta in rest:
            if "*" in meta.languages:
                items.append(_rule_backed(f"any:{meta.id}", rule_question(meta), [meta], facts, "*", meta.fix))
    return items
