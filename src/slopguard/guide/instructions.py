"""The security instruction template for an AI session, built from the rule pack's metadata.

Every "never / instead" line comes from a rule's ``RuleMeta`` (title and fix), so the template follows the rule pack:
a rule registered for a language appears in that language's section without any change here. The general sections
(secrets, authentication, dependencies, input validation, errors, rate limiting) name the rules that check them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from slopguard import __version__
from slopguard.core.rule import RuleMeta
from slopguard.deps.checks import CHECK_RULES
from slopguard.guide import Inline, Raw, Section, render
from slopguard.guide.compliance import ASVS_LEVELS, ASVS_VERSION, CONTEXTS, resolve_context
from slopguard.pipeline.catalog import code_rules

THREAT_MODEL_LIMIT = 32_000  # characters of a --threat-model file included in the template
FORMATS = ("markdown", "text")

# Themes group a language's rules; a rule's tags pick its theme first, then its first CWE that a theme lists.
THEMES: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("injection", "Injection and code execution",
     frozenset({74, 77, 78, 88, 89, 90, 91, 94, 95, 96, 113, 470, 502, 611, 643, 652, 776, 917, 1336})),
    ("output", "Output encoding and templates", frozenset({79, 80, 83, 116})),
    ("files", "Files and paths", frozenset({22, 23, 36, 59, 73, 377, 378, 379, 434, 732})),
    ("auth", "Authentication, sessions and access control",
     frozenset({204, 208, 285, 287, 288, 290, 294, 306, 307, 347, 352, 384, 521, 522, 565, 613, 614, 620, 639,
                640, 862, 863, 915, 1004, 1275})),
    ("crypto", "Cryptography and randomness",
     frozenset({295, 297, 323, 326, 327, 328, 329, 330, 331, 335, 338, 759, 760, 780, 916})),
    ("secrets", "Secrets", frozenset({256, 259, 260, 312, 321, 798})),
    ("web", "Web and network configuration", frozenset({16, 346, 444, 489, 601, 693, 918, 942, 1021, 1385})),
    ("errors", "Errors and logging", frozenset({117, 200, 209, 210, 211, 215, 223, 390, 497, 532, 778})),
    ("resources", "Resource limits", frozenset({400, 409, 770, 789, 799, 1333})),
    ("supply-chain", "Dependencies", frozenset({494, 829, 1104, 1357, 1395})),
    ("hygiene", "Code hygiene", frozenset({546, 561, 1164})),
)  # fmt: skip
TAG_ALIASES = {"xss": "output", "templates": "output", "authentication": "auth", "session": "auth",
               "access-control": "auth", "cryptography": "crypto", "secret": "secrets", "deps": "supply-chain",
               "dependencies": "supply-chain", "logging": "errors", "dos": "resources", "config": "web"}  # fmt: skip
OTHER_THEME = ("other", "Other rules")


@dataclass(frozen=True, slots=True)
class Idioms:
    """The standard, safe way to do common security tasks in one language (used by the general sections)."""

    name: str
    env: str
    compare: str
    password: str
    random: str
    query: str
    validate: str
    rate: str
    manifest: str


IDIOMS: dict[str, Idioms] = {
    "python": Idioms(
        "Python", env="`os.environ[\"NAME\"]`", compare="`hmac.compare_digest(a, b)`",
        password="argon2-cffi, bcrypt, or the framework's hasher (Django `make_password`)",
        random="the `secrets` module", query="parameters (`cur.execute(sql, (value,))`) or the ORM",
        validate="typed schemas (pydantic models, Django forms, marshmallow)",
        rate="Flask-Limiter, slowapi (FastAPI) or django-ratelimit",
        manifest="pyproject.toml / requirements files",
    ),
    "javascript": Idioms(
        "JavaScript", env="`process.env.NAME`", compare="`crypto.timingSafeEqual(a, b)` on equal-length Buffers",
        password="the `argon2` or `bcrypt` package", random="`crypto.randomBytes()` / `crypto.randomUUID()`",
        query="placeholders (`db.query(\"SELECT ... WHERE id = $1\", [id])`) or the ORM's query builder",
        validate="a schema validator (zod, joi or ajv with JSON Schema)",
        rate="express-rate-limit (or the framework's limiter)", manifest="package.json and its lock file",
    ),
    "java": Idioms(
        "Java", env="`System.getenv(\"NAME\")`", compare="`MessageDigest.isEqual(a, b)`",
        password="Spring Security's `Argon2PasswordEncoder` / `BCryptPasswordEncoder`",
        random="`java.security.SecureRandom`", query="`PreparedStatement` with `?` placeholders (or JPA parameters)",
        validate="Jakarta Bean Validation (`@NotNull`, `@Size`, `@Pattern`, `@Min`/`@Max`)",
        rate="Bucket4j or Resilience4j `RateLimiter`", manifest="pom.xml / build.gradle",
    ),
    "go": Idioms(
        "Go", env="`os.LookupEnv(\"NAME\")`", compare="`subtle.ConstantTimeCompare(a, b)` (crypto/subtle)",
        password="golang.org/x/crypto/argon2 or golang.org/x/crypto/bcrypt", random="`crypto/rand`",
        query="placeholders (`db.QueryContext(ctx, \"... WHERE id = $1\", id)`)",
        validate="explicit checks after decoding into typed structs (or go-playground/validator)",
        rate="golang.org/x/time/rate", manifest="go.mod",
    ),
    "rust": Idioms(
        "Rust", env="`std::env::var(\"NAME\")`", compare="the `subtle` crate's `ConstantTimeEq`",
        password="the `argon2` crate (RustCrypto)", random="`rand::rngs::OsRng` or `getrandom`",
        query="bound parameters (sqlx `query!(\"... WHERE id = $1\", id)` or `.bind()`)",
        validate="typed deserialisation (serde) plus explicit range and length checks (or the `validator` crate)",
        rate="governor / tower_governor", manifest="Cargo.toml",
    ),
    "c": Idioms(
        "C", env="`getenv(\"NAME\")` (check for NULL)", compare="`CRYPTO_memcmp` (OpenSSL) or `sodium_memcmp`",
        password="libsodium `crypto_pwhash_str` (Argon2id)", random="`getrandom()` or libsodium `randombytes_buf`",
        query="prepared statements (`sqlite3_prepare_v2` + `sqlite3_bind_*`)",
        validate="explicit length and range checks before every copy, index and allocation",
        rate="the server or proxy in front of it", manifest="the build files (CMake, Meson, vcpkg/Conan manifests)",
    ),
}  # fmt: skip
IDIOMS["typescript"] = replace(IDIOMS["javascript"], name="TypeScript")
IDIOMS["cpp"] = replace(IDIOMS["c"], name="C++")


def display_name(language: str) -> str:
    info = IDIOMS.get(language)
    return info.name if info else language.capitalize()


@dataclass(frozen=True, slots=True)
class PromptOptions:
    """What the template is for: languages, compliance contexts, ASVS level, an optional threat model."""

    languages: tuple[str, ...]
    contexts: tuple[str, ...] = ()
    asvs: int | None = None
    threat_model: str | None = None
    threat_model_name: str = "threat model"
    threat_model_truncated: bool = False


def _metas(metas: Mapping[str, RuleMeta] | None) -> list[RuleMeta]:
    return list((code_rules() if metas is None else metas).values())


def _dep_rules(dep_rules: Iterable[RuleMeta] | None) -> list[RuleMeta]:
    if dep_rules is not None:
        return list(dep_rules)

    return list(CHECK_RULES.values())


_NOT_CODE = frozenset({"*", "config"})


def known_languages(metas: Mapping[str, RuleMeta] | None = None) -> list[str]:
    """Languages the template knows: those with idioms here plus every language a rule declares (configuration
    files, which rules read too, are not a language code is written in)."""
    found = {lang for m in _metas(metas) for lang in m.languages if lang not in _NOT_CODE}
    return sorted(found | set(IDIOMS))


def _split(values: Iterable[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


LANGUAGE_ALIASES = {"py": "python", "js": "javascript", "ts": "typescript", "c++": "cpp", "golang": "go", "rs": "rust"}


def parse_languages(values: Iterable[str], metas: Mapping[str, RuleMeta] | None = None) -> tuple[str, ...]:
    """Comma-separated language names, validated; raises ValueError naming the valid ones."""
    valid = known_languages(metas)
    out: list[str] = []
    for name in _split(values):
        lang = LANGUAGE_ALIASES.get(name.lower(), name.lower())
        if lang not in valid:
            raise ValueError(f"unknown language {name!r} (valid: {', '.join(valid)})")
        if lang not in out:
            out.append(lang)
    return tuple(out)


def parse_contexts(values: Iterable[str]) -> tuple[str, ...]:
    """Comma-separated compliance contexts, validated; raises ValueError naming the valid ones."""
    out: list[str] = []
    for name in _split(values):
        key = resolve_context(name)
        if key is None:
            raise ValueError(f"unknown compliance context {name!r} (valid: {', '.join(CONTEXTS)})")
        if key not in out:
            out.append(key)
    return tuple(out)


def read_threat_model(path: str) -> tuple[str, bool]:
    """The text of a threat-model file (at most THREAT_MODEL_LIMIT characters) and whether it was cut."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(THREAT_MODEL_LIMIT * 4 + 4)
    except IsADirectoryError:
        raise ValueError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 4:  # a real decoding error, not a character cut at the read limit
            raise ValueError(f"{path}: not UTF-8 text") from None
        text = data[: exc.start].decode("utf-8")
    if "\x00" in text:
        raise ValueError(f"{path}: not a text file")
    truncated = len(text) > THREAT_MODEL_LIMIT or len(data) > THREAT_MODEL_LIMIT * 4
    return text[:THREAT_MODEL_LIMIT].strip(), truncated


def theme_of(meta: RuleMeta) -> tuple[str, str]:
    """The (key, heading) of the theme a rule is listed under."""
    titles = {key: title for key, title, _ in THEMES}
    for tag in meta.tags:
        key = TAG_ALIASES.get(tag.lower(), tag.lower())
        if key in titles:
            return key, titles[key]
    for cwe in meta.cwe:
        for key, title, cwes in THEMES:
            if cwe in cwes:
                return key, title
    return OTHER_THEME


def rules_for(language: str, metas: Sequence[RuleMeta]) -> list[RuleMeta]:
    """The rules that declare ``language`` (not the language-independent ones)."""
    return [m for m in metas if language in m.languages]


def _rule_item(meta: RuleMeta) -> tuple[str, ...]:
    cwe = ", ".join(f"CWE-{c}" for c in meta.cwe)
    ref = f" ({meta.id}{', ' + cwe if cwe else ''}). "
    return ("**Never:** ", Raw(meta.title), ref, "**Instead:** ", Raw(meta.fix))


def _ordered(metas: Iterable[RuleMeta]) -> list[RuleMeta]:
    return sorted(metas, key=lambda m: (-int(m.severity), m.id))


def language_section(language: str, metas: Sequence[RuleMeta], has_common: bool) -> Section:
    name = display_name(language)
    section = Section(f"{name}: never write these")
    mine = rules_for(language, metas)
    if not mine:
        note = f"slopguard has no {name}-specific rules yet; the general sections below apply to {name} code"
        section.paragraphs.append((note + (", and so do the rules for every language." if has_common else "."),))
        return section
    section.paragraphs.append(
        ("Each line names a pattern `slopguard scan` reports (rule id and CWE) and the idiom to write instead.",)
    )
    order = [key for key, _, _ in THEMES] + [OTHER_THEME[0]]
    groups: dict[str, tuple[str, list[RuleMeta]]] = {}
    for meta in mine:
        key, title = theme_of(meta)
        groups.setdefault(key, (title, []))[1].append(meta)
    for key in sorted(groups, key=order.index):
        title, members = groups[key]
        section.subsections.append(Section(title, items=[_rule_item(m) for m in _ordered(members)]))
    return section


def build_document(
    options: PromptOptions,
    metas: Mapping[str, RuleMeta] | None = None,
    dep_rules: Iterable[RuleMeta] | None = None,
) -> Section:
    """The whole instruction template as a section tree."""
    all_metas = _metas(metas)
    common = [m for m in all_metas if "*" in m.languages]
    langs = options.languages
    scope = ", ".join(display_name(lang) for lang in langs) or "any language"
    facts = [f"Generated by slopguard {__version__} from its rule pack for: {scope}."]
    if options.contexts:
        facts.append("Compliance: " + ", ".join(CONTEXTS[c].title.split(" (")[0] for c in options.contexts) + ".")
    if options.asvs:
        facts.append(f"OWASP ASVS level {options.asvs}.")
    doc = Section("Security instructions for AI-generated code", paragraphs=[(" ".join(facts),), *INTRO])
    doc.subsections += [language_section(lang, all_metas, bool(common)) for lang in langs]
    if common:
        doc.subsections.append(
            Section("Every language: never write these", items=[_rule_item(m) for m in _ordered(common)])
        )
    relevant = [m for m in all_metas if "*" in m.languages or any(lang in m.languages for lang in langs)]
    deps = [m for m in _dep_rules(dep_rules) if any(lang in m.languages for lang in langs) or not langs]
    doc.subsections += general_sections(langs, relevant, deps)
    for key in options.contexts:
        ctx = CONTEXTS[key]
        doc.subsections.append(Section(f"Compliance: {ctx.title}", paragraphs=[(ctx.scope,)],
                                       items=[(item,) for item in ctx.obligations]))  # fmt: skip
    if options.asvs:
        doc.subsections.append(_asvs_section(options.asvs))
    if options.threat_model is not None:
        intro = f"From {options.threat_model_name}; design every change against these threats."
        if options.threat_model_truncated:
            intro += f" (Truncated to the first {THREAT_MODEL_LIMIT} characters.)"
        doc.subsections.append(Section("Threat model", paragraphs=[(intro,)], body=options.threat_model))
    return doc


def _asvs_section(level: int) -> Section:
    section = Section(
        f"OWASP ASVS level {level}",
        paragraphs=[
            (
                f"Write code that meets OWASP Application Security Verification Standard {ASVS_VERSION} level "
                f"{level}. Each level includes everything below it; chapter numbers refer to ASVS {ASVS_VERSION}.",
            )
        ],
    )
    for n in range(1, level + 1):
        info = ASVS_LEVELS[n]
        lead = "It requires:" if n == 1 else "It adds:"
        section.subsections.append(
            Section(info.name, paragraphs=[(f"{info.audience} {lead}",)], items=[(a,) for a in info.adds])
        )
    return section


def instructions(
    options: PromptOptions,
    fmt: str = "markdown",
    *,
    level: int = 1,
    metas: Mapping[str, RuleMeta] | None = None,
    dep_rules: Iterable[RuleMeta] | None = None,
) -> str:
    """The instruction template as Markdown or plain text; ``level`` is the heading level of its title."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (valid: {', '.join(FORMATS)})")
    return render(build_document(options, metas, dep_rules), fmt, level)


INTRO: list[Inline] = [
    ("Treat every piece of code you write as untrusted input to a security review. Follow these rules in every "
     "change; when a task cannot be done without breaking one, stop and say which rule and why instead of working "
     "around it. Before you finish, run `slopguard scan` on the files you changed and fix what it reports.",),
    ("Do not write cryptographic algorithms, authentication or authorisation logic, payment processing or "
     "production database migrations on your own: use the project's existing, vetted libraries, keep the change "
     "small, and flag it for review by a person.",),
]  # fmt: skip

# A general section's items: plain text, or (text, idiom) where the listed languages' idiom follows the text.
Item = str | tuple[str, str]

# title, the key naming the CWEs whose rules check the section, and its items.
GENERAL: tuple[tuple[str, str, tuple[Item, ...]], ...] = (
    ("Secrets", "secrets", (
        ("Read API keys, passwords, tokens, private keys and connection strings at run time from environment "
         "variables or a secret manager", "env"),
        "Fail at start-up when a required secret is missing; never fall back to a literal default value.",
        "Never write a real secret into code, tests, fixtures, comments, docs, example config or commit messages; "
        "use placeholders and keep `.env` files out of version control.",
        "Never log, print or return a secret, and never put one in an exception, URL or analytics event.",
        "Never store secrets in plaintext: hash passwords, keep other secrets in the secret manager or encrypted.",
        "If a secret was ever committed or shown, say it must be revoked and rotated; deleting it is not enough.",
    )),
    ("Authentication and access control", "auth", (
        "Use the framework's or a standard library's authentication, session and token handling; never "
        "hand-rolled login, session or token code.",
        ("Hash passwords with a slow, salted hash (Argon2id, scrypt or bcrypt)", "password"),
        "Check authorisation on the server for every protected route and every object: require the role or "
        "permission explicitly (deny by default) and check that the object belongs to the user; hiding a button "
        "is not access control.",
        ("Compare secrets, tokens, MACs and signatures in constant time, never with ==", "compare"),
        ("Generate tokens, session ids, reset codes and keys with a cryptographic random generator", "random"),
        "Verify every JWT's signature with an explicit algorithm allow-list and check its expiry; give the same "
        "answer for an unknown account and a wrong password.",
    )),
    ("Dependencies", "deps", (
        ("Use only the standard library and packages the project already depends on", "manifest"),
        "When a new package is really needed, say so explicitly: name it, say why, and let a person approve it; "
        "never add one silently, and never name a package you are not certain exists.",
        "Before installing, verify it: `slopguard check NAME` (add `--ecosystem npm` for npm), or install through "
        "`slopguard pip install` / `slopguard npm install`; `slopguard deps` checks the whole project.",
        "Pin current, maintained releases from the official registry, not versions remembered from training data; "
        "no installs from URLs, forks or unofficial indexes.",
    )),
    ("Input validation", "input", (
        "Validate every value from outside (request parameters, bodies, headers, cookies, files, environment, "
        "command-line arguments, messages, model output) on the server before use: type, length, format and range; "
        "allow-list, and reject what does not match instead of trying to clean it.",
        ("Validate with a schema at the boundary", "validate"),
        "Convert to typed values early (integers, UUIDs, dates, enums), bound numbers and collection sizes, and "
        "limit request bodies and uploads.",
        ("Keep data out of code: parameterised queries", "query"),
        "Likewise: argument lists for commands (no shell), autoescaping templates, allow-listed paths, hosts and "
        "redirect targets.",
    )),
    ("Error handling", "errors", (
        "Return generic error messages (with an error id) to clients and log the details on the server; never send "
        "stack traces, exception text, SQL, file paths or versions to a client.",
        "Debug modes stay off in production: read them from the environment, defaulting to off.",
        "Fail closed: an error in an authentication or permission check denies access.",
        "Catch specific exceptions; never swallow errors silently.",
        "Keep secrets and personal data out of logs, and neutralise line breaks in logged user input.",
    )),
    ("Rate limiting", "rate", (
        ("Rate-limit every public endpoint per client and per account, strictest on login, registration, password "
         "reset, code verification and anything that sends email or SMS", "rate"),
        "Answer over-limit requests with 429 and Retry-After; do not reveal whether an account exists.",
        "Bound the cost of every request: timeouts on outgoing calls, page-size limits, upload limits.",
    )),
)  # fmt: skip

# CWEs whose rules check each general section (its "checked by" line lists the matching rules).
CHECKED_BY: dict[str, frozenset[int]] = {
    "secrets": frozenset({256, 259, 260, 312, 321, 522, 532, 798}),
    "auth": frozenset({204, 208, 287, 306, 307, 330, 338, 347, 352, 384, 521, 613, 614, 620, 639, 640, 862, 863,
                       916, 1004}),
    "input": frozenset({20, 22, 78, 79, 89, 94, 95, 117, 434, 502, 601, 611, 776, 918, 1284, 1333}),
    "errors": frozenset({209, 210, 211, 215, 390, 396, 489, 497, 532, 703, 754, 755}),
    "rate": frozenset({307, 400, 770, 799}),
}  # fmt: skip


def _per_language(langs: Sequence[str], attr: str) -> str:
    seen: dict[str, list[str]] = {}
    for info in (IDIOMS[lang] for lang in langs if lang in IDIOMS):
        seen.setdefault(getattr(info, attr), []).append(info.name)
    return "; ".join(f"{'/'.join(names)}: {value}" for value, names in seen.items())


def _item(item: Item, langs: Sequence[str]) -> Inline:
    if isinstance(item, str):
        return (item,)
    text, attr = item
    idiom = _per_language(langs, attr)
    return (f"{text}. {idiom}." if idiom else f"{text}.",)


def _checked_by(key: str, metas: Sequence[RuleMeta], deps: Sequence[RuleMeta]) -> str:
    if key == "deps":
        ids = sorted(m.id for m in deps)
        if not ids:
            return "slopguard's package checks do not cover these languages yet: verify packages by hand."
        return f"Checked by `slopguard scan` and `slopguard deps`: {', '.join(ids)}."
    ids = sorted(m.id for m in metas if CHECKED_BY[key].intersection(m.cwe))
    return f"Checked by `slopguard scan`: {', '.join(ids)}." if ids else "No slopguard rule checks this yet: review it."


def general_sections(langs: Sequence[str], metas: Sequence[RuleMeta], deps: Sequence[RuleMeta]) -> list[Section]:
    """Secrets, authentication, dependencies, input validation, errors and rate limiting, naming the rules that
    check each and the listed languages' standard idioms."""
    return [
        Section(title, items=[*(_item(i, langs) for i in items), (_checked_by(key, metas, deps),)])
        for title, key, items in GENERAL
    ]
