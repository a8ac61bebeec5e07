"""The security controls a TODO/FIXME note can leave unfinished, for the security TODO rules of the Go, Rust and
Java packs. Narrower than ``review_notes``: in systems code 'unsafe', 'overflow', 'free' and 'token' are everyday
words (unsafe blocks, lexer tokens), so only notes about a missing control count."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from slopguard.core.finding import Confidence
from slopguard.engine.hit import Hit
from slopguard.engine.treesitter.context import TSContext

MARKER = re.compile(r"\b(?:TODO|FIXME|XXX|HACK)\b|\b(?i:todo|fixme)\b")
SECURITY_TOPIC = re.compile(
    r"\b(?:auth(?:n|z|entica\w*|ori[sz]\w*)?|o?auth2?|log(?:ged)?[ -]?in|sign[ -]?in|passwords?|passwd"
    r"|passphrase|jwt|csrf|xsrf|permissions?|privileges?|acl|access[ -]control|saniti[sz]\w*|escap(?:e|es|ed|ing)"
    r"|encrypt\w*|decrypt\w*|hash(?:es|ed|ing)? (?:the |this |user )?passw\w*|rate[ -]?limit\w*|throttl\w*"
    r"|brute[ -]?force|lock ?out|lock (?:the |an |their )?(?:user|account)s?|(?:failed|too many) (?:login )?attempts"
    r"|sqli|sql injection|injection|xss|secrets?|credentials?|api[ _-]?keys?|private[ _-]?keys?"
    r"|verify (?:the |a )?(?:signature|token|certificate|cert|hmac|webhook|caller|user|ownership)"
    r"|(?:check|validate) (?:the |a )?(?:signature|certificate|cert|hmac)|(?<=\()security(?=\))|security(?=:)"
    r"|certificates? (?:check|validation|verification)|tls verification|insecure|vulnerab\w*|2fa|mfa"
    r"|(?:check|verify|ensure|make sure) (?:that )?(?:the )?(?:caller|user|requester|current user) (?:owns|is allowed"
    r"|has access|can access)|ownership check|owner check|admin[- ]only|only admins?"
    r"|(?:check|verify|ensure|make sure|confirm)(?: that)? (?:the |this |a )?[\w-]+ (?:belongs to|is owned by)"
    r"|validat(?:e|ion) (?:the |this |user |all )?(?:input|redirect|url|path|file ?name|upload)"
    r"|behind (?:the |an? |our )?(?:admin|auth\w*|login|session|sso)|admin[- ](?:session|guard|middleware|check)s?"
    r"|ssrf|(?:block|reject|deny|refuse|filter|disallow|forbid)\w* (?:the |all )?(?:private|internal|loopback"
    r"|link-local|localhost|metadata|reserved)(?: [\w-]+){0,2} (?:ips?|address(?:es)?|hosts?|networks?|ranges?"
    r"|urls?|endpoints?)"
    r"|revok\w*|revocation|(?:disabled|deactivated|banned|suspended|unregistered|deregistered)"
    r" (?:users?|accounts?|devices?|members?|keys?|tokens?|sessions?|certs?|certificates?|clients?)"
    r"|ownership|idor|rbac|role[- ]based|roles? checks?|tenant (?:isolation|check|scoping|boundar\w+)"
    r"|(?:restrict|limit|scope|filter)\w* (?:\w+ ){0,3}(?:to|by) (?:the |their |its |our )?(?:current |calling )?"
    r"(?:caller|requester|signed[- ]in user|logged[- ]in user|owner|tenant|user)(?:'?s)?(?: own)?"
    r"|only (?:the )?(?:[\w']+ )?(?:owners?|admins?|administrators?|moderators?|staff|members?|author|creator"
    r"|authori[sz]ed users?|(?:logged|signed)[- ]in users?) (?:should|can|may|must|are allowed|be allowed)"
    r"|(?:anyone|(?:any|every)(?: [\w-]+)? user|all users) (?:can|may|could|is able|are able)"
    r"|only (?:the |an? |our )?(?:[\w'-]+ ){0,2}(?:clients?|hosts?|servers?|laptops?|computers?|pcs?"
    r"|ips?|address(?:es)?|devices?|machines?|workstations?|stations?|terminals?|peers?|operators?|engineers?|accounts?|roles?|sysops?|root"
    r"|localhost|subnets?|networks?) (?:should|must|may|can|is allowed|are allowed|is permitted|are permitted)"
    r"|(?:check|verify|ensure|make sure|confirm)\b[^.;:]{0,60}?\bmatch(?:es)? (?:the |this |that )?(?:[\w-]+ )?"
    r"(?:owner|user|caller|requester|tenant|account)s?\b)\b"
)
# 'check that the podcaster owns the show', 'verify the seller is allowed to edit': someone's right to a thing.
_RIGHT_TO = re.compile(
    r"\b(?:check|verify|ensure|make sure|confirm|assert)\b[^.;:]{0,40}?\b(?P<who>[a-z]+)(?:'s)? (?:really |actually "
    r"|still )?(?:owns|is allowed to|has access to|can access|may access|has permission|is authori[sz]ed|is a member of"
    r"|has (?:the )?rights?)\b"
)
_PEOPLE = frozenset({"user", "caller", "requester", "owner", "author", "creator", "tenant", "customer", "member",
                     "admin", "account", "client", "staff", "employee", "patient", "student", "guest", "seller",
                     "buyer", "host", "organiser", "organizer", "participant", "recipient", "uploader",
                     "sender"})  # fmt: skip
_PERSON_ENDING = re.compile(r"\w{3,}(?:er|or|ist|ian|ant|ent)$")
# Program parts named like people ('ensure the allocator owns the block'): memory and object ownership.
_THINGS = frozenset({"buffer", "pointer", "handler", "allocator", "iterator", "container", "parser", "lexer",
                     "reader", "writer", "builder", "wrapper", "holder", "server", "worker", "manager", "scheduler",
                     "executor", "runner", "driver", "listener", "watcher", "layer", "register", "counter", "header",
                     "filter", "cluster", "vector", "tensor", "descriptor", "constructor", "destructor", "decorator",
                     "accessor", "selector", "generator", "processor", "monitor", "sensor", "actor", "component",
                     "element", "segment", "parent", "adapter", "adaptor", "controller", "consumer", "producer",
                     "dispatcher", "loader", "renderer", "formatter", "serializer", "deserializer", "encoder",
                     "decoder", "receiver", "transmitter", "emitter", "publisher", "timer", "tracker", "collector",
                     "cursor", "mutator", "visitor", "provider", "resolver", "checker", "validator"})  # fmt: skip
# Notes where a security word is used in its everyday sense.
_BENIGN = re.compile(r"\b(?:db|database|orm|http|client|test)[ _.]sessions?\b")
_URL = re.compile(r"\b\w+://\S+")


def security_topic(note: str) -> str | None:
    """The security control a TODO note leaves unfinished (``add auth`` -> 'auth'), else None."""
    text = _BENIGN.sub(" ", _URL.sub(" ", note.lower()))
    match = SECURITY_TOPIC.search(text)
    if match:
        return match.group(0)
    right = _RIGHT_TO.search(text)
    who = right.group("who") if right else ""
    if right and (who in _PEOPLE or (_PERSON_ENDING.match(who) and who not in _THINGS)):
        return right.group(0)
    return None


_CHAINED = re.compile(r"\s+//\s.*$")  # a second comment on the line (a linter pragma) is not part of the note


def todo_in_comment(ctx: TSContext, comment: Node) -> Iterator[Hit]:
    """A hit for a ``//`` or ``/* */`` comment that leaves a security control unfinished (doc-comment marks
    ``///`` and ``//!`` are part of the comment syntax)."""
    text = ctx.text(comment)
    note = _CHAINED.sub("", text.lstrip("/!")) if text.startswith("//") else text[2:-2]
    marker = MARKER.search(note)
    if marker is None:
        return
    topic = security_topic(note[marker.end() :])
    if topic is not None:
        message = f"{marker.group(0)} about '{topic}' left unresolved; finish the control before shipping"
        yield ctx.hit(comment, message, confidence=Confidence.HIGH)
