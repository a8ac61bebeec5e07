"""Classify a task description ("add a password reset flow") into the decision framework, with no language model.

A transparent model: every category has weighted phrases (see :data:`PHRASES`); :func:`classify_text` finds
them, drops the ones under a negation ("no user input", "without touching auth"), detects a framing that makes
the work itself low-risk (the task is only tests, docs, a UI mock-up, or an analysis), and hands the evidence to
:func:`slopguard.guide.decision.decide`.

Phrase syntax: words separated by spaces match any run of spaces, ``_``, ``-`` or ``/``; a word ending in ``*``
matches any ending (``encrypt*``: encrypts, encryption); other words also match with a plural ``s``/``es``;
``a|b`` inside a word is an alternative; ``~`` matches up to three filler words ("reset ~ password*": "reset the
user's password"); a phrase starting with ``re:`` is a raw regular expression. Matching ignores case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slopguard.guide.decision import CATEGORIES, THRESHOLD, Decision, Signal, Verdict, decide
from slopguard.guide.task_subject import Modifier, Subject, read_subject

PHRASES: dict[str, list[tuple[str, float]]] = {
    "crypto": [
        ("encrypt*", 1.5), ("decrypt*", 1.5), ("cipher*", 1.2), ("crypto", 1.0), ("cryptograph*", 1.5),
        ("aes|rsa|ecdsa|ecdh|ed25519|x25519|curve25519|chacha20|poly1305|3des|blowfish", 2.0),
        ("diffie hellman", 2.0), ("elliptic curve*", 1.5), ("hmac*", 1.5), ("key derivation", 2.0),
        ("pbkdf2|scrypt|hkdf|kdf", 2.0), ("key exchange", 1.5), ("key rotation", 1.0), ("rotate ~ keys", 1.0),
        ("signing", 1.0), ("sign ~ (requests|payloads|messages|tokens|packages|files|updates)", 1.0),
        ("verify ~ signature*", 1.5), ("signature verification", 1.5), ("digital signature*", 1.5),
        ("nonce*", 1.0), ("initiali[sz]ation vector*", 1.0), ("secure random", 1.0), ("random token*", 1.0),
        ("csprng", 1.5), ("fernet|libsodium|nacl|openssl|pycryptodome|bouncy castle", 1.5),
        ("certificate pinning", 1.5), ("x509|x.509|mtls|pki", 1.0), ("key management|kms|hsm|keystore", 1.0),
        ("private key*", 1.0), ("signed ~ (url*|link*|cookie*|token*)", 1.5), ("signature*", 0.8),
        ("(wrap|unwrap) ~ keys", 1.0), ("sha256|sha-256|sha1|sha-1|md5", 0.6), ("salt", 0.6), ("vault key*", 1.0),
    ],
    "auth": [
        ("authenticat*", 1.5), ("re:\\b(?:log|sign)[\\s_-]?in\\b|\\blogins?\\b|\\bsignin\\b", 1.0),
        ("password*", 1.0), ("passphrase*", 0.6), ("password reset", 2.0), ("reset ~ password*", 2.0),
        ("forgot* password*", 2.0), ("password hash*", 2.0), ("hash* ~ password*", 2.0),
        ("jwt|jwts|json web token*", 1.5), ("oauth*|openid|oidc|saml|sso|single sign on", 1.5),
        ("2fa|mfa|totp|otp|two factor|multi factor|one time password*", 1.5), ("api key*", 0.8),
        ("(issue|validate|verify|rotate|revoke) ~ keys", 0.7), ("credential*", 0.8),
        ("bearer token*|access token*|refresh token*|id token*", 1.2), ("auth", 0.8),
        ("(validate|validation|verify|verification|check*) ~ token*", 1.5),
        ("token* (validation|verification)", 1.5),
        ("authori[sz]ation", 1.2), ("permission system|permission model|permissions model", 1.5),
        ("rbac|abac|role based access control", 1.2), ("roles and permissions", 1.0),
        ("passwordless|magic link*|webauthn|passkey*|fido2", 1.5), ("ldap|active directory|kerberos", 1.2),
        ("impersonat*", 1.0), ("user verification", 0.8), ("identity provider", 1.5),
    ],
    "payment": [
        ("payment*", 1.5), ("re:\\bpay\\b", 1.0), ("checkout", 1.0),
        ("stripe|braintree|paypal|adyen|klarna|razorpay|mollie|authorize.net|plaid", 2.0),
        ("square (api|sdk|payment*|checkout)", 2.0), ("credit card*|debit card*|card number*|cvv|cvc", 1.5),
        ("charge*", 0.8), ("refund*", 1.5), ("payout*", 1.5), ("invoice*", 0.4), ("billing", 0.6),
        ("subscription*", 0.5), ("bank account*|bank details|iban|routing number*|wire transfer*", 1.5),
        ("transfer* ~ (money|funds|balance*)", 1.5), ("merchant*", 1.0), ("wallet*", 0.8),
        ("transaction*", 0.4), ("pricing", 0.3), ("money|funds", 1.0), ("ledger*", 1.2),
    ],
    "medical": [
        ("insulin|dosage|dosing", 2.0), ("dose*", 1.5), ("infusion pump*|pacemaker*|ventilator*", 2.0),
        ("defibrillator*|patient monitor*|medical device*", 2.0), ("iec 62304|fda|510k", 1.5),
        ("radiation therapy|radiotherapy|treatment plan*", 1.5), ("ecg|ekg|eeg|blood glucose|glucose", 1.5),
        ("arrhythmia*|clinical decision*|diagnosis model*|triage score*", 1.5),
        ("dicom|hl7|fhir", 1.5), ("patient*", 0.8), ("clinician*|nurse*|hospital*", 0.5), ("medical", 1.0),
        ("pacing", 1.0),
        ("medication*|morphine|opioid*|drug dos*|mg per kg|mg/kg", 1.5), ("pump*", 0.8),
        ("diagnos* ~ (patient*|disease*)", 1.5),
    ],
    "kernel": [
        ("linux kernel", 2.0), ("kernel (module*|driver*|code|patch*|space|mode|extension*)", 2.0),
        ("kernel*", 0.8), ("device driver*", 2.0), ("syscall*|system call*", 1.5), ("ioctl*", 2.0),
        ("ebpf|bpf|xdp", 1.5), ("seccomp|apparmor|selinux|landlock", 1.5), ("netfilter", 1.2),
        ("bootloader*|secure boot|uefi", 1.5), ("firmware", 1.0), ("interrupt handler*|irq", 1.0),
        ("user space|userspace|copy_from_user|copy_to_user", 1.0), ("hypervisor*|kvm", 1.2),
        ("driver*", 0.6), ("use after free|buffer overflow*|memory corruption", 1.0),
        ("privilege escalation|setuid|suid", 1.0), ("sandbox*", 0.6), ("rootkit*|ring 0", 1.5), ("lsm|ptrace", 1.5),
        ("(character|char|block) device*", 2.0),
    ],
    "pii": [
        ("pii|personally identifiable", 2.0), ("personal (data|information|details)", 2.0),
        ("social security|ssn*|national id*|passport*|tax id*", 2.0),
        ("driver's licen[cs]e|drivers licen[cs]e", 2.0),
        ("date of birth|dob|birth date*|birthdate*", 2.0), ("home address*", 1.0), ("address*", 0.6),
        ("phone number*|phone*", 0.6), ("email address*", 0.4), ("contact (details|info)", 0.6),
        ("salar*|payroll", 1.2), ("medical record*|patient record*|patient data|health record*", 2.0),
        ("health (data|information)|phi|ehr|emr", 2.0), ("anonymi[sz]*|pseudonymi[sz]*|de identif*", 1.0),
        ("background check*|credit score*|credit report*", 1.2), ("biometric*|face recognition", 1.5),
        ("ethnicity|religion|sexual orientation", 1.0),
        ("location history|gps|geolocation|precise location|location data", 1.5),
        ("birthday*", 1.5), ("(customer|user|member|patient) records", 1.0),
        ("gdpr (data )?(export|request)|subject access request*|dsar", 1.5),
        ("everything we (hold|store|have) about", 1.0), ("employee* ~ (records|data|details)", 1.0),
    ],
    "db-migration": [
        ("alembic", 2.0), ("(database|db|schema|data) migration*", 2.0),
        ("(django|rails|flyway|liquibase|knex|prisma|sequelize|typeorm) migration*", 2.0),
        ("migration*", 1.0), ("migrat* ~ (database|db|postgres|mysql|table|tables|schema)", 1.5),
        ("alter table", 2.0), ("drop* ~ (table|column|index|database)", 2.0), ("add column", 1.0),
        ("rename ~ column", 1.0), ("backfill*", 1.5), ("schema change*", 1.5),
        ("(prod|production|live) (database*|db|dbs|data|cluster*|server*|instance*|replica*)", 1.5),
        ("not null|constraint*", 1.0), ("(against|on|in) prod", 1.0),
        ("existing rows", 0.8), ("(without|zero|no) downtime", 0.8), ("primary key*|foreign key*", 0.6),
        ("column type*|column*", 0.3), ("table*", 0.2),
    ],
    "api-input": [
        ("endpoint*", 1.0), ("api", 0.6), ("rest api|http api|public api", 0.8), ("route*", 0.6),
        ("re:\\b(?:get|post|put|patch|delete)\\s+/", 1.2), ("view*", 0.3), ("handler*", 0.4),
        ("form*", 0.6), ("user input*|user supplied|user provided|user's text|from the user", 1.0),
        ("the user (picks|chooses|enters|types|sends)", 1.0), ("client*", 0.5), ("submit*", 0.5),
        ("query param*|query parameter*|query string*|request body|json body|payload*", 1.0),
        ("webhook*", 1.0), ("graphql|mutation*", 1.0), ("accept* ~ (json|input|data|requests)", 1.0),
        ("slash command*", 1.0), ("search (box|query|endpoint)", 0.8), ("fastapi|flask|express", 0.5),
        ("controller*", 0.5), ("server", 0.2), ("free text", 0.8),
        ("(users|user|people|customers|customer|clients|visitors) "
         "(send|sends|submit|submits|enter|enters|type|types|paste|pastes|add|adds|provide|provides)", 1.0),
        ("(post*|send*|submit*) ~ to ~ (api|apis|endpoint|server|backend)", 1.0),
        ("bot|chatbot", 0.6), ("frontend|front end|mobile app", 0.4), ("expose*", 0.4), ("accept*", 0.4),
    ],
    "file-upload": [
        ("upload*", 2.0), ("attach*", 1.2), ("multipart", 1.5), ("file processing|file import*", 0.8),
        ("zip|archive*|tarball*", 0.8), ("thumbnail*", 0.5), ("resize*", 0.3), ("download*", 0.3),
        ("ffmpeg|imagemagick|pillow|libreoffice", 0.6), ("convert ~ (documents|pdf|files)", 0.5),
        ("(store|save|stores|saves) ~ files", 0.5), ("drag and drop|drop zone|dropzone", 1.5),
        ("accept* ~ (files|sheets|spreadsheets|excel|documents|images|pdfs|videos)", 1.5),
    ],
    "session": [
        ("session*", 1.5), ("cookie*", 1.2), ("csrf|xsrf", 1.5), ("remember me", 1.5),
        ("re:\\b(?:log|sign)[\\s_-]?out\\b|\\blogout\\b", 1.2), ("(logged|signed) in", 0.6),
        ("session timeout|idle timeout|inactivity", 1.0), ("token expir*", 1.0),
        ("samesite|httponly", 1.5), ("(between|across) requests", 1.0),
    ],
    "access-control": [
        ("only (the )?(admin*|owner*|author*|staff|member*|editor*|users with|logged in users|manager*)", 1.5),
        ("restrict* ~ (access|route|routes|endpoint|page|dashboard|api|to)", 1.5),
        ("login_required|permission_required|user_passes_test|is_staff|is_superuser|is_admin|has_role", 2.0),
        ("re:@\\w*requires?\\w*", 1.5), ("permission check*|role check*|check* ~ permission*", 1.5),
        ("(admin|staff|owner) only", 1.5), ("belong* to ~ (own|their)", 1.2),
        ("(can|cannot|can't|should not|shouldn't) ~ (view|see|edit|delete|modify|access|download)", 1.0),
        ("only ~ (see|view|access|edit|download|visible)", 1.0), ("visible to|hidden from|hide ~ from", 1.0),
        ("protect* ~ (route|routes|endpoint|api|page|view)", 1.2), ("access control", 1.5),
        ("guest*|anonymous users", 0.5), ("unauthori[sz]ed|authorized users", 1.0), ("admin*", 0.4),
        ("not ~ owner*", 0.6), ("role*", 0.5), ("read only for", 1.2), ("viewer*", 0.5),
        ("403|forbidden", 1.2), ("tenant*", 0.6), ("middleware", 0.3),
    ],
    "compliance": [
        ("hipaa|gdpr|ccpa|pci|pci dss|soc 2|soc2|sox|sarbanes|iso 27001|fedramp|finra|sec rules", 1.5),
        ("regulat*", 1.2), ("complian*", 1.2), ("legally required|legal hold", 1.2),
        ("audit log*|audit trail*", 1.5), ("retention", 1.2), ("consent", 1.2), ("evidence report*", 0.8),
        ("audit*", 1.0), ("append only", 0.8),
        ("opt out|do not sell|do not track|privacy (request*|setting*|choice*)", 1.2),
    ],
    "untrusted-parsing": [
        ("pars*", 0.8), ("pars* ~ (xml|html|yaml|json|pdf|pdfs|email*|markdown|binary)", 1.5),
        ("xml|yaml|html", 0.5), ("deserial*|unpickl*|pickle*", 1.5), ("scrap*|crawl*", 1.2),
        ("untrusted|user submitted|third party data|partner system*|customers send|suppliers? (send|email)", 1.0),
        ("render ~ (html|markdown)|markdown", 0.8), ("fetch ~ (url|page)|url from the user|link preview*", 1.5),
        ("ssrf", 1.5), ("decod*", 0.6), ("binary (format|protocol)", 1.0), ("rss|atom feed*|feeds", 1.0),
        ("(customers|customer|users|user|partners|partner|clients|client|suppliers|supplier|vendors|vendor) "
         "(send|sends|email|emails|upload|uploads|submit|submits|provide|provides)", 1.0),
    ],
    "internal-script": [
        ("script*", 1.0), ("one off|cron*|cli|command line|bash|shell|git hook*", 0.8), ("automat*", 0.8),
        ("rename* ~ files", 0.8), ("my (downloads|desktop|laptop)|locally|internal tool*", 0.8),
        ("repos|repository|folder|directory", 0.4), ("version number*|bump*", 0.6),
    ],
    "test-data": [
        ("test*", 1.0), ("unit test*|pytest|jest|hypothesis|coverage", 1.0), ("mock*|stub*|fixture*", 1.0),
        ("faker|fake (data|users|numbers)|dummy|seed data|sample data|test data|factory|factories", 1.0),
    ],
    "build": [
        ("dockerfile|docker|makefile|devcontainer|github actions|gitlab ci|ci|pre commit", 1.0),
        ("pyproject.toml|setup.py|setup.cfg|package.json|webpack|vite|bundle*|hatchling|poetry", 1.0),
        ("lint*|ruff|black|isort|scaffold*|boilerplate|project structure|tox|nox|gradle|maven|cmake", 1.0),
    ],
    "docs": [
        ("docs|documentation|docstring*|readme|tutorial|changelog|diagram*|wiki", 1.0), ("comment*", 0.6),
        ("explain*", 1.0), ("document (the|how|our|what)", 1.0), ("architecture decision record*|adr", 1.0),
    ],
    "data-analysis": [
        ("pandas|dataframe*|numpy|notebook*|jupyter|matplotlib|seaborn|spreadsheet*|excel", 1.0),
        ("plot*|chart*|graph*|csv", 0.6), ("analy[sz]*|statistic*|significan*|a/b test*", 0.8),
        ("rolling average|aggregate*|group* ~ by|churn|p95|percentile*|latency|metrics", 0.6),
    ],
    "ui-prototype": [
        ("prototype*|mock up|mockup*|wireframe*|landing page*|figma|storybook", 1.0), ("react|vue|svelte|html", 0.5),
    ],
    "presentation": [
        ("css|tailwind|dark mode|theme*|animat*|responsive|navigation bar|navbar|sidebar|stylesheet*", 1.0),
        ("re-?style*|restyl*|typo*|wording|font*|colou?r*|spacing|alignment|tooltip*|icon*|logo*|breadcrumb*", 1.0),
        ("z index|aria label*|screen reader*|contrast|spinner*|skeleton*|badge*|illustration*|empty state", 1.0),
        ("button*|link*|label*|menu*|layout*|translat*|reword*|rename ~ label*", 1.0),
        ("component*|header|footer|modal*|dialog*|page*|screen*", 0.5),
    ],
}  # fmt: skip

NEGATORS = frozenset({"no", "not", "without", "never", "don't", "dont", "doesn't", "excluding", "except", "avoid"})
_CLAUSE_END = re.compile(r"[.;,:!?()]|\bbut\b")
_LEAD_IN = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|please|pls|quickly|can you|could you|would you|will you|i need(?: you)? to|"
    r"i want(?: you)? to|i'd like(?: you)? to|help me(?: to)?|let's|lets|we need to|we want to|i need|we need|"
    r"need to|go ahead and|now)[\s,:!]+)+",
    re.IGNORECASE,
)
_FRAMES: list[tuple[str, str, Verdict, re.Pattern[str]]] = [
    ("test-data", "the task is writing tests or test data", Verdict.SAFE, re.compile(
        r"^(?:write|add|create|generate|make|improve|increase|extend|fix|update|set up)?\s*"
        r"(?:(?:some|a few|more|a|an|the|new|missing|proper)\s+)*"
        r"(?:(?:unit|integration|e2e|end-to-end|regression|property-based|snapshot|smoke|pytest|jest)[\s-]+)?"
        r"tests?(?:\s+(?:cases?|suite|coverage))?\s+(?:for|of|covering|that|to|around|against|with|on)\b"
        r"|^(?:write|add|create|make|generate|build)?\s*(?:(?:a|an|some|pytest|jest)\s+)*"
        r"(?:mock(?!\s*-?\s*up)|fake|stub|fixture|factory|factories|seed data|sample data|dummy data|test data)"
        r"|^(?:increase|improve|raise)\s+(?:the\s+)?(?:test\s+)?coverage", re.IGNORECASE)),
    ("docs", "the task is documentation", Verdict.SAFE, re.compile(
        r"^(?:write|add|update|improve|draft|create|generate|fix|expand|rewrite)\s+"
        r"(?:(?!(?:endpoint|route|api|view|handler|feature|form|table|model|field|column|service|job|button|page)s?\b)"
        r"[\w'-]+\s+){0,5}?"
        r"(?:docs|documentation|docstrings?|readme|tutorial|changelog|guide|how-?to|faq|"
        r"comments?(?!\s+(?:endpoint|api|section|feature|form|system|table|model)))\b"
        r"|^(?:document|explain|describe|summari[sz]e|comment)\b", re.IGNORECASE)),
    ("ui-prototype", "the task is a UI mock-up without a backend", Verdict.SAFE, re.compile(
        r"^(?=.*\b(?:mock[\s-]?up|wireframe|prototype|static html|figma|storybook|dummy data|fake (?:data|numbers)"
        r"|no backend)\b)(?=.*\b(?:page|pages|screen|layout|ui|ux|component|dashboard|form|flow|landing|html|css)\b)",
        re.IGNORECASE)),
    ("data-analysis", "the task is analysing data you already hold", Verdict.SAFE, re.compile(
        r"^(?=(?:load|read|plot|chart|graph|compute|calculate|analy[sz]e|aggregate|group|join|merge|pivot|"
        r"summari[sz]e|clean(?: up)?|transform|visuali[sz]e|count|tabulate|compare)\b)"
        r"(?!.*\b(?:customers?|users?|partners?|suppliers?|clients?|untrusted|upload\w*|submitted)\b)"
        r"(?=.*\b(?:csv|pandas|dataframe|spreadsheets?|excel|logs?|notebook|chart|plot|table|report|dump|"
        r"dataset|metrics|results|survey|responses)\b)", re.IGNORECASE)),
]  # fmt: skip
_NEW_TASK = re.compile(
    r"\b(?:and|then|also|plus)\s+(?:also\s+|then\s+)?(?:implement|build|create|add|write|fix|change|refactor|"
    r"rewrite|wire|hook up|deploy|ship)\b(?!\s+(?:[\w'-]+\s+){0,2}?(?:tests?|docs?|comments?|docstrings?|"
    r"fixtures?|mocks?|examples?)\b)",
    re.IGNORECASE,
)
_SEP = r"[\s_/-]+"
_FILLER = r"\W+(?:[\w'’]+\W+){0,3}?"


def _lit(text: str) -> str:
    """``text`` escaped, except character classes ``[..]`` and ``?`` which keep their regex meaning."""
    out = []
    for piece in re.split(r"(\[[^\]]*\]|\?)", text):
        out.append(piece if piece.startswith("[") or piece == "?" else re.escape(piece))
    return "".join(out)


def _alt(alt: str) -> str:
    stem = alt.endswith("*")
    words = (alt[:-1] if stem else alt).split()
    return _SEP.join(_lit(w) for w in words) + (r"\w*" if stem else r"(?:s|es)?")


def _word(token: str) -> str:
    if token.startswith("(") and token.endswith(")"):
        token = token[1:-1]
    return "(?:" + "|".join(_alt(a) for a in token.split("|")) + ")"


def _top_level_split(phrase: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in phrase:
        depth += (ch == "(") - (ch == ")")
        if ch == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _body(phrase: str) -> str:
    pattern, sep = "", ""
    for part in re.findall(r"\([^)]*\)\??|\S+", phrase):
        if part == "~":
            sep = _FILLER
            continue
        optional = part.endswith(")?")
        body = _word(part[:-1] if optional else part)
        pattern += (f"(?:{sep}{body})?" if optional else sep + body) if pattern else body
        sep = _SEP
    return pattern


def compile_phrase(phrase: str) -> re.Pattern[str]:
    """A phrase in the syntax described in the module docstring, as a compiled pattern."""
    if phrase.startswith("re:"):
        return re.compile(phrase[3:], re.IGNORECASE)
    body = "|".join(_body(p.strip()) for p in _top_level_split(phrase))
    return re.compile(r"(?<![\w])(?:" + body + r")(?![\w])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Phrase:
    category: str
    weight: float
    source: str
    pattern: re.Pattern[str]


_COMPILED = [_Phrase(cat, w, p, compile_phrase(p)) for cat, items in PHRASES.items() for p, w in items]


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - 48) : start]
    clause = _CLAUSE_END.split(before)[-1]
    words = re.findall(r"[\w']+", clause.lower().replace("’", "'"))[-3:]
    return any(w in NEGATORS for w in words)


def _frame(text: str) -> tuple[str, str, Verdict] | None:
    head = _LEAD_IN.sub("", text.strip())
    for category, note, cap, pattern in _FRAMES:
        found = pattern.search(head)
        if found and not _NEW_TASK.search(head, found.end()):
            return category, note, cap
    return None


def text_signals(text: str) -> tuple[list[Signal], list[str]]:
    """Every phrase match in ``text`` as a signal, and notes on the matches dropped as negated or set aside
    because they only name the presentation element the task acts on (see :mod:`task_subject`)."""
    subject = read_subject(text)
    found: list[tuple[_Phrase, str, Modifier | None]] = []
    notes: list[str] = []
    for phrase in _COMPILED:
        for match in phrase.pattern.finditer(text):
            said = match.group(0).strip().lower()
            if _negated(text, match.start()):
                notes.append(f"ignored negated {said!r} ({phrase.category})")
                continue
            risky = CATEGORIES[phrase.category].verdict > Verdict.SAFE
            found.append((phrase, said, subject.modifier(match.start(), match.end()) if risky else None))
    weights: dict[str, float] = {}
    for phrase in {p.source: p for p, _, modifier in found if modifier is None}.values():
        weights[phrase.category] = weights.get(phrase.category, 0.0) + phrase.weight
    subjects = {c for c, w in weights.items() if w >= THRESHOLD and CATEGORIES[c].verdict > Verdict.SAFE}
    signals: list[Signal] = []
    done: set[str] = set()
    for phrase, said, modifier in found:
        if phrase.source in done:
            continue
        if modifier is not None and _set_aside(modifier, phrase.category, subject, subjects):
            signals.append(Signal(phrase.category, 0.0, f"{said} (names the {modifier.head})", "context"))
            title = CATEGORIES[phrase.category].title
            note = f"the task acts on the {modifier.head}, not the {title} behind it: that logic is not in scope"
            notes += [] if note in notes else [note]
            continue
        signals.append(Signal(phrase.category, phrase.weight, said, "text"))
        done.add(phrase.source)
    return signals, notes


def _set_aside(modifier: Modifier, category: str, subject: Subject, subjects: set[str]) -> bool:
    """Whether a risky phrase that modifies a presentation noun is context rather than what the task acts on.
    Any logic cue keeps it, unless another risky subject is named (then a page or form only says where)."""
    elsewhere = bool(subjects - {category})
    if subject.logic is not None:
        return not modifier.strong and elsewhere
    return modifier.strong or elsewhere or subject.presentation is not None


def classify_text(text: str) -> Decision:
    """The decision for one task description."""
    signals, notes = text_signals(text)
    frame = _frame(text)
    if frame is None:
        decision = decide(signals)
    else:
        category, note, cap = frame
        signals.append(Signal(category, 1.0, f"framing: {note}", "context"))
        if category == "data-analysis":
            # Analysis only lowers caution-level work: dosing or money maths stays "never".
            risky = [s for s in signals if s.category != category]
            never = decide(risky)
            decision = decide(signals) if never.verdict is Verdict.NEVER else decide(signals, Verdict.SAFE, note)
        else:
            decision = decide(signals, cap, f"{note}: risk signals are context, not the verdict")
    decision.notes += notes
    return decision
