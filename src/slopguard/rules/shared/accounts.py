"""What an authentication handler's messages say, for the account enumeration rules of the tree-sitter packs:
'user not found' (the account does not exist), 'incorrect password' (it does), or one generic answer."""

from __future__ import annotations

import re

_UNKNOWN = re.compile(
    r"not found|do(?:es)? ?n[o']?t exist|not exist|not registered|is ?n[o']t registered|never registered"
    r"|no (?:such )?(?:user|account|member|customer|profile)|no .{0,25}(?:found|registered|associated with)"
    r"|unknown (?:user|account|e-?mail|username|login|member|customer)"
    r"|(?:could ?n[o']?t|can ?n[o']?t|unable to) find (?:the |that |your |this )?(?:user|account|e-?mail)"
    r"|not associated with"
)
_ACCOUNT = re.compile(r"user|account|e-?mail|member|customer|profile|login|address|phone")
_SECRET_WORD = r"(?:password|passcode|pin|passphrase|secret|credentials? secret)"
_PASSWORD = re.compile(
    rf"(?:incorrect|invalid|wrong|bad) {_SECRET_WORD}"
    rf"|{_SECRET_WORD} (?:is |was )?(?:incorrect|invalid|wrong|not correct|do(?:es)? ?n[o']?t match|mismatch)"
)
_GENERIC = re.compile(
    r"(?:user ?name|e-?mail|user|login|account) ?(?:or|and|/|&) ?(?:password|pass)"
    r"|password ?(?:or|and|/) ?(?:user ?name|e-?mail)|credentials|if (?:an|the|your) (?:account|address|e-?mail)"
)
_LOGIN = re.compile(r"(?i)log_?in|sign_?in|authenticat|session|token|credential")
_RESET = re.compile(r"(?i)reset|forgot|recover|lost_?password|magic_?link|otp|one_?time")


def says_unknown_account(text: str) -> bool:
    """'User not found', 'No account registered with this email': the message reveals the account is absent."""
    lowered = text.lower()
    if _GENERIC.search(lowered) or not _ACCOUNT.search(lowered):
        return False
    return bool(_UNKNOWN.search(lowered))


def says_wrong_password(text: str) -> bool:
    """'Incorrect password': said only when the account exists."""
    lowered = text.lower()
    return bool(_PASSWORD.search(lowered)) and not _GENERIC.search(lowered)


def handler_kind(name: str) -> str | None:
    """'reset' for password reset and one-time-code handlers, 'login' for sign-in handlers, else None."""
    if _RESET.search(name):
        return "reset"
    if _LOGIN.search(name):
        return "login"
    return None
