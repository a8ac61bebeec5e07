"""Flaw families: the rows of the rule parity table (which languages have a rule for which kind of flaw).

A rule belongs to the family of its first CWE that is listed here; the table in docs/rules.md is generated from
rule metadata through this map, so a language without a rule for a family shows as a hole.
"""

from __future__ import annotations

from collections.abc import Iterable

FAMILIES: dict[str, tuple[int, ...]] = {
    "SQL injection": (89, 564),
    "NoSQL injection": (943,),
    "Command injection": (78, 77, 88),
    "Code injection (eval)": (94, 95, 96),
    "Cross-site scripting": (79, 80, 116),
    "Path traversal / zip slip": (22, 23, 36, 73),
    "Open redirect": (601,),
    "Server-side request forgery": (918,),
    "Unsafe deserialisation": (502,),
    "XML external entities": (611, 776),
    "LDAP injection": (90,),
    "XPath injection": (643,),
    "Log injection": (117, 93),
    "Format string": (134,),
    "ReDoS": (1333, 400),
    "Prototype pollution": (1321,),
    "Hard-coded secrets": (798, 259, 321, 256),
    "Weak hashing": (328, 916, 759, 760),
    "Weak cryptography": (327, 326, 780, 329),
    "Weak randomness": (330, 338, 336),
    "Timing-unsafe comparison": (208,),
    "Account enumeration": (204, 203),
    "Error details to the client": (209, 497, 248),
    "JWT without verification": (347, 345),
    "TLS verification off": (295, 297),
    "Cookie flags": (614, 1004, 1275),
    "Missing rate limiting": (307, 770),
    "CSRF / CORS": (352, 942, 346),
    "Debug mode": (489, 215),
    "Trust boundary violation": (501,),
    "Memory safety (C/C++/unsafe Rust)": (119, 120, 121, 122, 125, 131, 190, 415, 416, 680, 787, 242, 676, 758, 843),
    "Insecure temporary files": (377, 379),
    "Unsafe file permissions": (732, 276),
    "Directory listing / exposed files": (548, 538, 200),
    "Missing authorisation": (862, 285),
    "Unsafe reflection / JNDI lookup": (470, 74),
    "Secrets left in memory": (14, 226),
    "Missing hardening": (693, 785),
    "Suppression hygiene": (1164,),
    "Supply chain and provenance": (1357, 829, 1104, 1395),
}
_BY_CWE = {cwe: family for family, cwes in FAMILIES.items() for cwe in cwes}


def family_of(cwes: Iterable[int]) -> str:
    """The family of the first listed CWE; ``other (CWE-n)`` for a CWE no family lists."""
    cwes = list(cwes)
    for cwe in cwes:
        if cwe in _BY_CWE:
            return _BY_CWE[cwe]
    return f"other (CWE-{cwes[0]})" if cwes else "other"
