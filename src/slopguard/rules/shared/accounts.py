"""What an authentication handler's messages say, for the account enumeration rules of the tree-sitter packs:
'user not found' (the account does not exist), 'incorrect password' (it does), or one generic answer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from tree_sitter import Node

from slopguard.core.finding import Confidence
from slopguard.engine.hit import Hit
from slopguard.engine.treesitter.context import TSContext

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


def enumeration_hits(
    ctx: TSContext, kind: str, messages: Iterable[tuple[Node, str]], checks_password: bool
) -> Iterator[Hit]:
    """Hits for a login or reset handler (``kind``) whose ``messages`` tell unknown accounts apart from wrong
    passwords; a login handler that never checks a password (``checks_password``) is not judged."""
    answers = list(messages)
    unknown = [(n, t) for n, t in answers if says_unknown_account(t)]
    wrong = [(n, t) for n, t in answers if says_wrong_password(t)]
    if kind == "login" and not wrong and not checks_password:
        return
    for node, text in unknown:
        message = f"{kind} handler says the account does not exist ('{text}'), so anyone can test which are registered"
        yield ctx.hit(node, message, confidence=Confidence.HIGH if wrong or kind == "reset" else None)
    for node, text in wrong if unknown else []:
        message = f"handler says the password is wrong ('{text}') while unknown accounts get another answer"
        yield ctx.hit(node, message, confidence=Confidence.HIGH)
