"""What an authentication handler's messages say, for the account enumeration rules of every pack: 'user not
found' (the account does not exist), 'incorrect password' (it does), or one generic answer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from tree_sitter import Node

from slopguard.core.finding import Confidence
from slopguard.engine.hit import Hit
from slopguard.engine.treesitter.context import TSContext

# Who has an account, and what names one: the subject of 'no operator with that email', 'unknown player name'.
ACCOUNT_NOUNS = (
    r"(?:user|username|account|member|customer|profile|login|operator|player|organi[sz]er|admin(?:istrator)?"
    r"|employee|staff|patient|student|subscriber|tenant|agent|owner|person|partner|supplier|seller|vendor|guest"
    r"|patron|cardholder|applicant|learner|resident)s?"
)
# What names a person to a login form besides a name: an address, a phone, a card, a badge, an invitation.
IDENTIFIERS = (
    r"(?:e-?mail(?: address)?|address|user ?name|phone(?: number)?|handle|nickname"
    r"|(?:library |membership |loyalty |member |access |key ?|id |student |staff )?card(?: number| no)?"
    r"|badge(?: number| id)?|membership(?: number| id)?|invit(?:ation|e)(?: code)?|account number"
    r"|(?:member|employee|student|customer|patient|staff|patron) (?:id|number|no))"
)
_SUBJECT = rf"(?:{ACCOUNT_NOUNS}|{IDENTIFIERS})"
_FILLER = r"(?:(?!for|with|to|on|in|of|by|or|and|at|from)\w+ )"  # a word before the noun: 'no support account'
UNKNOWN = re.compile(
    rf"\b{_SUBJECT}\b[^.!?]{{0,40}}?(?:not found|do(?:es)? ?n[o']?t exist|not exist|not registered"
    r"|is ?n[o']t registered|never registered|not recogni[sz]ed|not associated with|not on (?:file|record))"
    rf"|\bno (?:such )?{_FILLER}{{0,2}}{ACCOUNT_NOUNS}\b|\bno .{{0,25}}(?:found|registered|associated with)"
    rf"|\bno (?:such )?\w+(?: \w+)? (?:(?:was|were|has been|have been|is|are) )?(?:(?:sent|issued|registered"
    rf"|linked|found|associated|on file|known) )?(?:with|for|to|using|uses|matching|matches|under|on) (?:that|this"
    rf"|the|your|given|such|an?) {IDENTIFIERS}\b"
    rf"|\bno (?:such )?\w+(?: \w+)? (?:(?:was|were|is|are) )?(?:registered|found|on file|on record|known) (?:with|for"
    rf"|under) {IDENTIFIERS}\b"
    rf"|\bunknown {_FILLER}?{_SUBJECT}\b|\b{_SUBJECT}\b[^.!?]{{0,40}}\b(?:is )?unknown\b"
    rf"|(?:could ?n[o']?t|can ?n[o']?t|unable to) find (?:an? |the |that |your |this |any )?{_FILLER}?{_SUBJECT}\b"
    rf"|\b{_SUBJECT} (?:does ?n[o']?t|do ?n[o']?t|is ?n[o']?t) (?:own|have|belong to|match|linked to|tied to)"
    r" (?:any|an?)\b"
)
# 'Invalid email', 'Unrecognised username': says the name is wrong, so only where no password is checked apart.
USER_SPECIFIC = re.compile(
    r"(?:incorrect|invalid|wrong|bad|unrecogni[sz]ed) (?:user ?name|user|e-?mail(?: address)?|account|phone)\b(?! or)"
)
_ACCOUNT = re.compile(rf"{ACCOUNT_NOUNS}|{IDENTIFIERS}|e-?mail|phone")
_SECRET_WORD = (
    r"(?:password|passcode|pass code|pin|pin code|passphrase|secret|credentials? secret|api ?key|access key"
    r"|(?:access|security|login) code)\b"
)
# What says a secret was wrong: 'is incorrect', "isn't right", 'does not match', 'was rejected'.
_WRONG = (
    r"(?:incorrect|invalid|wrong|not (?:correct|valid|right|the right one)|is ?n[o']t (?:correct|valid|right)"
    r"|do(?:es)? ?n[o']?t match|did ?n[o']?t match|mismatch(?:ed)?|rejected)"
)
WRONG_PASSWORD = re.compile(
    rf"(?:incorrect|invalid|wrong|bad) {_SECRET_WORD}"
    rf"|{_SECRET_WORD} (?:you (?:entered|typed|gave|provided|supplied|used) )?(?:is |was )?{_WRONG}"
    rf"|\b{IDENTIFIERS} (?:is|was) (?:right|correct|valid|fine|ok|recogni[sz]ed)\b"  # 'e-mail is right, but ..'
)
GENERIC = re.compile(
    r"(?:user ?name|e-?mail|user|login|account) ?(?:or|and|/|&) ?(?:password|pass)"
    r"|password ?(?:or|and|/) ?(?:user ?name|e-?mail)|credentials|if (?:an|the|your) (?:account|address|e-?mail)"
    r"|(?:card|badge|member(?:ship)?)(?: number| id| no)? ?(?:or|and|/|&) ?(?:pin|passcode|password|code)"
    r"|(?:pin|passcode) ?(?:or|and|/|&) ?(?:card|badge|member(?:ship)?)"
)
_LOGIN = re.compile(r"(?i)log_?in|sign_?in|authenticat|session|token|credential")
_RESET = re.compile(
    r"(?i)reset|forgot|recover|lost_?password|magic_?link|otp|one_?time|verif\w*_?code|passcode|two_?factor|2fa|mfa"
)


def says_unknown_account(text: str) -> bool:
    """'User not found', 'No account registered with this email': the message reveals the account is absent."""
    lowered = text.lower()
    if GENERIC.search(lowered) or not _ACCOUNT.search(lowered):
        return False
    return bool(UNKNOWN.search(lowered))


def says_wrong_password(text: str) -> bool:
    """'Incorrect password': said only when the account exists."""
    lowered = text.lower()
    return bool(WRONG_PASSWORD.search(lowered)) and not GENERIC.search(lowered)


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
