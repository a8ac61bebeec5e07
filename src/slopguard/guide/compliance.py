"""Compliance contexts and OWASP ASVS levels: the obligations that show up in code, stated briefly.

These are summaries for an assistant writing code, not legal advice: each item is something the code itself must do
(or must not do), with the clause it comes from so a reviewer can look it up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ComplianceContext:
    """One regulatory or audit framework and the coding obligations it brings."""

    key: str
    title: str
    scope: str
    obligations: tuple[str, ...]


CONTEXTS: dict[str, ComplianceContext] = {
    "hipaa": ComplianceContext(
        key="hipaa",
        title="HIPAA (protected health information)",
        scope="The HIPAA Security Rule's technical safeguards (45 CFR 164.312) apply to code that creates, stores, "
        "transmits or displays protected health information (PHI): anything that links a person to their health, "
        "care or payment for care.",
        obligations=(
            "Never write PHI to logs, error messages, exception text, URLs or query strings, analytics events or "
            "test fixtures; log record identifiers instead, and use synthetic data in tests and examples.",
            "Access control (164.312(a)): every read or change of PHI checks the user's role and their relationship "
            "to the patient on the server; unique user ids, no shared accounts; sessions time out (automatic "
            "logoff).",
            "Audit controls (164.312(b)): record who viewed, created, changed or deleted which PHI record and when, "
            "in an append-only audit log kept apart from application logs.",
            "Integrity (164.312(c)): PHI cannot be changed or deleted without authorisation and an audit entry.",
            "Authentication (164.312(d)): use the project's identity provider or framework authentication; never "
            "hand-rolled login code.",
            "Transmission security (164.312(e)): TLS for every connection that carries PHI, including internal "
            "services and database connections; encrypt PHI at rest (database, files, backups) with managed keys.",
            "Minimum necessary (164.502(b)): query, return and cache only the PHI fields a feature needs; no extra "
            "copies in temporary files, exports or caches.",
            "Never send PHI to a third-party service (including AI or analytics APIs) unless the organisation has a "
            "business associate agreement with it.",
        ),
    ),
    "pci-dss": ComplianceContext(
        key="pci-dss",
        title="PCI DSS (cardholder data)",
        scope="PCI DSS v4.0 applies to code that stores, processes or transmits cardholder data (the primary "
        "account number, PAN) or sensitive authentication data. The best design keeps card data out of the "
        "application entirely: use the payment provider's hosted fields or tokenisation.",
        obligations=(
            "Never store sensitive authentication data after authorisation, even encrypted: full track data, "
            "the card verification code (CVV2/CVC2) or PINs and PIN blocks (req. 3.3).",
            "Never log the PAN, card verification codes or PINs, and never put them in URLs, error messages or "
            "analytics events (req. 3.3, 3.4, 10).",
            "Mask the PAN whenever it is displayed: at most the BIN and the last four digits (req. 3.4.1).",
            "Where the PAN must be stored, make it unreadable: strong cryptography with managed keys, truncation, "
            "tokenisation or keyed hashes (req. 3.5, 3.6, 3.7); keys never live in the code or next to the data.",
            "Encrypt cardholder data in transit over open networks with strong TLS and valid certificates "
            "(req. 4.2.1).",
            "Protect bespoke code against common attacks: injection, XSS, broken access control, insecure "
            "cryptography (req. 6.2.4); code changes are reviewed before release (req. 6.2.3).",
            "Audit-log access to cardholder data, administrative actions and authentication attempts, with user, "
            "event, time and outcome (req. 10.2); logs must not contain card data.",
            "No hard-coded passwords or keys for application and system accounts (req. 8.6.2); administrative "
            "access to the cardholder data environment uses multi-factor authentication (req. 8.4).",
        ),
    ),
    "gdpr": ComplianceContext(
        key="gdpr",
        title="GDPR (personal data of people in the EU/EEA)",
        scope="The GDPR applies to code that processes personal data: anything that identifies a person directly "
        "or indirectly (names, emails, IP addresses, device and account identifiers, location).",
        obligations=(
            "Data minimisation and purpose limitation (art. 5(1)(b)-(c)): collect and store only the fields the "
            "feature needs, and use them only for that purpose.",
            "Storage limitation (art. 5(1)(e)): every personal-data table or file has a retention period and a "
            "job or query that deletes or anonymises it when it expires.",
            "Data subject rights (art. 15-17, 20): the code must be able to find all of one person's data, export "
            "it in a machine-readable format, correct it and erase it (including derived copies and caches).",
            "Data protection by design and by default (art. 25): privacy-friendly defaults (opt-in, not opt-out), "
            "pseudonymised identifiers where the real identity is not needed.",
            "Security of processing (art. 32): encrypt personal data in transit and at rest, restrict access by "
            "role, and keep personal data out of logs (log pseudonymous ids instead).",
            "Where consent is the legal basis, record who consented to what and when, and make withdrawal as easy "
            "as giving consent (art. 7).",
            "Do not send personal data to new third-party services or other countries (including AI and analytics "
            "APIs) without a processing agreement and a transfer basis (art. 28, chapter V).",
            "Breaches must be reported within 72 hours (art. 33): keep security logs that can show what was "
            "accessed, and by whom.",
        ),
    ),
    "soc2": ComplianceContext(
        key="soc2",
        title="SOC 2 (Trust Services Criteria)",
        scope="SOC 2 audits the controls behind the AICPA Trust Services Criteria (security, and where in scope "
        "availability, confidentiality, processing integrity and privacy); code is evidence for several of them.",
        obligations=(
            "Logical access (CC6.1-CC6.3): authorisation checks on the server for every protected action, least "
            "privilege for users and service accounts, access removed when a role changes.",
            "Encryption (CC6.1, CC6.7): TLS for data in transit, encryption at rest for confidential data, keys "
            "and secrets in a secret manager, never in code or configuration files.",
            "Change management (CC8.1): every change is reviewed, tested and approved before it reaches "
            "production; no direct pushes or unreviewed AI-generated code in the release branch.",
            "Monitoring (CC7.2, CC7.3): log security events (logins, failures, permission changes, administrative "
            "actions) with enough context to investigate, without secrets or personal data.",
            "Vulnerability management (CC7.1): dependencies come from official sources, are pinned and scanned, "
            "and known-vulnerable versions are upgraded.",
            "Confidentiality (C1.1, C1.2): identify confidential data, restrict it, and delete it when its "
            "retention period ends.",
        ),
    ),
}

CONTEXT_ALIASES = {"pci": "pci-dss", "pcidss": "pci-dss", "pci_dss": "pci-dss", "soc-2": "soc2", "soc_2": "soc2"}


@dataclass(frozen=True, slots=True)
class AsvsLevel:
    """One OWASP ASVS verification level and what it adds to the levels below."""

    level: int
    name: str
    audience: str
    adds: tuple[str, ...]


ASVS_VERSION = "4.0.3"

ASVS_LEVELS: dict[int, AsvsLevel] = {
    1: AsvsLevel(
        level=1,
        name="Level 1 (baseline)",
        audience="The minimum for every application; its requirements can be verified by testing from outside.",
        adds=(
            "Validate all input on the server with allow-lists (type, length, format, range), encode output for "
            "its context, and use parameterised queries only (V5).",
            "Passwords of at least 12 characters, at least 64 characters permitted, no composition rules, checked "
            "against known-breached passwords; anti-automation (rate limiting) on authentication (V2.1, V2.2).",
            "A new session token at login, invalidated on logout and expiry; cookies with Secure, HttpOnly and "
            "SameSite (V3).",
            "Access control enforced on the server and failing closed, checked for every object id (no insecure "
            "direct object references), CSRF protection, multi-factor authentication for administrative "
            "interfaces (V4).",
            "Uploads limited in size, stored outside the web root and never executed or served as active content "
            "(V12).",
            "TLS for all client connections, sensitive data never in URLs, generic error messages to clients, "
            "components kept up to date (V7.4, V8.3, V9.1, V14.2).",
        ),
    ),
    2: AsvsLevel(
        level=2,
        name="Level 2 (standard)",
        audience="For applications that handle sensitive data or business transactions; the recommended level for "
        "most applications.",
        adds=(
            "Passwords stored only with an approved slow hash: Argon2id, scrypt, bcrypt or PBKDF2 with a high "
            "work factor (V2.4).",
            "Secrets come from a secret manager or key vault, never from source code or committed configuration; "
            "keys are used through a vault or KMS rather than handed to the application (V2.10, V6.4).",
            "Security logging: authentication decisions and access-control failures are logged with user, time "
            "and outcome; logs never contain credentials or other sensitive data and are protected from "
            "tampering (V7.1-V7.3).",
            "Regulated personal, health and financial data encrypted at rest; sensitive data kept out of caches "
            "(V6.1, V8.1).",
            "Only approved cryptographic algorithms from standard libraries, and cryptographically secure "
            "randomness (V6.2, V6.3).",
            "Connections to back-end services, internal ones included, are encrypted and authenticated (V9.2).",
            "Third-party components only from trusted, maintained repositories; security-relevant designs are "
            "threat-modelled (V1.1, V14.2).",
        ),
    ),
    3: AsvsLevel(
        level=3,
        name="Level 3 (advanced)",
        audience="For critical applications: high-value transactions, medical or other highly sensitive data, or "
        "anything that needs the highest level of trust.",
        adds=(
            "All code, third-party components included, is checked for malicious behaviour: back doors, time "
            "bombs, logic bombs, hidden data collection (V10).",
            "Phishing-resistant, replay-resistant authenticators that require the user's intent (V2.2).",
            "Authenticated encryption for all encrypted data and constant-time cryptographic operations (V6.2).",
            "An inventory of every third-party library, with libraries sandboxed or encapsulated to reduce the "
            "attack surface (V14.2).",
            "Regular, securely stored backups of important data, and integrity checks of all security-relevant "
            "configuration (V8.1, V14.1).",
        ),
    ),
}


def resolve_context(name: str) -> str | None:
    """The canonical key of a compliance context name (case-insensitive, common aliases), or None."""
    key = name.strip().lower()
    key = CONTEXT_ALIASES.get(key, key)
    return key if key in CONTEXTS else None
