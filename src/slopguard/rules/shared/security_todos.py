"""The security controls a TODO/FIXME note can leave unfinished, for the security TODO rules of the Go and Rust
packs. Narrower than ``review_notes``: in systems code 'unsafe', 'overflow', 'free' and 'token' are everyday
words (unsafe blocks, lexer tokens), so only notes about a missing control count."""

from __future__ import annotations

import re

MARKER = re.compile(r"\b(?:TODO|FIXME|XXX|HACK)\b|\b(?i:todo|fixme)\b")
SECURITY_TOPIC = re.compile(
    r"\b(?:auth(?:n|z|entica\w*|ori[sz]\w*)?|o?auth2?|log(?:ged)?[ -]?in|sign[ -]?in|passwords?|passwd"
    r"|passphrase|jwt|csrf|xsrf|permissions?|privileges?|acl|access[ -]control|saniti[sz]\w*|escap(?:e|es|ed|ing)"
    r"|encrypt\w*|decrypt\w*|hash(?:es|ed|ing)? (?:the |this |user )?passw\w*|rate[ -]?limit\w*|throttl\w*"
    r"|brute[ -]?force|lock ?out|lock (?:the |an |their )?(?:user|account)s?|(?:failed|too many) (?:login )?attempts"
    r"|sqli|sql injection|injection|xss|secrets?|credentials?|api[ _-]?keys?|private[ _-]?keys?"
    r"|verify (?:the |a )?(?:signature|token|certificate|cert|hmac|webhook|caller|user|ownership)"
    r"|certificates? (?:check|validation|verification)|tls verification|insecure|vulnerab\w*|2fa|mfa"
    r"|(?:check|verify|ensure|make sure) (?:that )?(?:the )?(?:caller|user|requester|current user) (?:owns|is allowed"
    r"|has access|can access)|ownership check|owner check|admin[- ]only|only admins?"
    r"|validat(?:e|ion) (?:the |this |user |all )?(?:input|redirect|url|path|file ?name|upload))\b"
)
# Notes where a security word is used in its everyday sense.
_BENIGN = re.compile(r"\b(?:db|database|orm|http|client|test)[ _.]sessions?\b")
_URL = re.compile(r"\b\w+://\S+")


def security_topic(note: str) -> str | None:
    """The security control a TODO note leaves unfinished (``add auth`` -> 'auth'), else None."""
    match = SECURITY_TOPIC.search(_BENIGN.sub(" ", _URL.sub(" ", note.lower())))
    return match.group(0) if match else None
