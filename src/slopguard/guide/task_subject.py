"""What a task acts on: the presentation layer (a button, a page's CSS, the wording) or the logic behind it.

"Add a login button" names authentication, but the object of the verb is a *button*: "login" only says which
one. A risky phrase counts as a *modifier* when the noun phrase it sits in ends in a presentation noun
(:data:`STRONG_HEADS`: button, link, CSS, layout, tooltip...; :data:`SURFACE_HEADS`: page, form, screen, email...,
which also hold behaviour, so they need more evidence), or when it is quoted UI text ("the 'Sign in' label").
:func:`read_subject` also notes whether the task names presentation work (restyle, align, translate, font,
responsive...) and whether it names logic (authenticate, validate, store, call the API, server, endpoint...).
The text classifier then sets modifiers aside as context; any logic cue keeps them counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STRONG_HEADS = frozenset(
    [
        "button",
        "link",
        "navbar",
        "nav",
        "menu",
        "header",
        "footer",
        "sidebar",
        "breadcrumb",
        "tab",
        "icon",
        "logo",
        "badge",
        "tooltip",
        "label",
        "placeholder",
        "spinner",
        "loader",
        "skeleton",
        "banner",
        "css",
        "style",
        "stylesheet",
        "theme",
        "colour",
        "color",
        "font",
        "spacing",
        "padding",
        "margin",
        "alignment",
        "layout",
        "animation",
        "illustration",
        "typo",
        "wording",
        "copy",
        "translation",
        "meter",
        "indicator",
        "component",
        "story",
        "stories",
        "toggle",
        "emoji",
        "image",
    ]
)
SURFACE_HEADS = frozenset(
    [
        "page",
        "screen",
        "form",
        "modal",
        "dialog",
        "panel",
        "section",
        "widget",
        "field",
        "input",
        "box",
        "email",
        "message",
        "view",
        "dashboard",
        "card",
    ]
)
LOGIC_NOUNS = frozenset(
    [
        "processing",
        "logic",
        "handler",
        "service",
        "backend",
        "server",
        "endpoint",
        "callback",
        "webhook",
        "middleware",
        "module",
        "function",
        "flow",
        "hashing",
        "integration",
        "validation",
        "verification",
        "check",
        "library",
        "sdk",
        "worker",
        "job",
        "migration",
        "query",
        "schema",
    ]
)
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "to",
        "in",
        "on",
        "for",
        "of",
        "with",
        "and",
        "or",
        "but",
        "that",
        "which",
        "so",
        "when",
        "where",
        "before",
        "after",
        "from",
        "by",
        "as",
        "into",
        "is",
        "are",
        "be",
        "should",
        "must",
        "it",
        "them",
        "this",
        "these",
        "those",
        "their",
        "our",
        "its",
        "every",
        "all",
        "against",
        "than",
        "then",
        "while",
        "if",
    ]
)
_PRESENTATION = re.compile(
    r"\b(?:re-?style[sd]?|styl(?:e|es|ed|ing)|align\w*|cent(?:er|re)\w*|move[sd]?|reorder\w*|rearrange\w*|"
    r"redesign\w*|recolou?r\w*|reword\w*|translat\w*|animat\w*|polish\w*|swap\w*|responsive|collapsible|"
    r"rounded|bigger|larger|smaller|contrast|accessib\w*|aria|screen readers?|dark mode|z-?index|figma|"
    r"design system|brand\w*|empty[ -]state|typos?|wording|fonts?|spacing|colou?rs?|css|tailwind|layout|"
    r"icons?|tooltips?|spinner|logo|badge|illustration|breadcrumbs?)\b",
    re.IGNORECASE,
)
_LOGIC = re.compile(
    r"\b(?:authenticat\w*|verif(?:y|ies|ied|ication)|validat\w*|checks?|checking|hash\w*|encrypt\w*|"
    r"decrypt\w*|stor(?:e|es|ed|ing)|sav(?:e|es|ed|ing)|persist\w*|process\w*|calculat\w*|comput\w*|"
    r"calls?|query|queries|post(?:s|ed)? (?:it |the \w+ )?to|sends?|emails? us|wire[sd]?|hook(?:s|ed)? up|"
    r"connect\w*|implement\w*|generat\w*|invalidat\w*|eras\w*|reject\w*|redirect\w*|creat(?:e|es|ing) (?:the |an? )?"
    r"(?:account|user|session|charge|payment\w*)|server|server-side|backend|endpoint|api|database|db|callback|"
    r"webhook|route|routes|handler|middleware|logic|returns?|honou?r\w*|enforc\w*|code)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9][\w-]*")
_QUOTED = re.compile(r"(?<![\w])['\"‘“](?P<body>[^'\"‘’“”]{1,60})['\"’”](?![\w])")


def _base(word: str) -> str:
    word = word.lower()
    for suffix in ("es", "s"):
        if word.endswith(suffix) and word[: -len(suffix)] in STRONG_HEADS | SURFACE_HEADS | LOGIC_NOUNS:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True, slots=True)
class Modifier:
    """A risky phrase that only says which presentation element the task acts on."""

    head: str  # the presentation noun (or "quoted UI text")
    strong: bool  # a pure presentation noun, not a page or form that may hold behaviour


@dataclass(frozen=True, slots=True)
class Subject:
    """The cues for one task text: presentation work named, logic named, and the quoted UI text."""

    text: str
    presentation: str | None
    logic: str | None
    quoted: tuple[tuple[int, int], ...]

    def modifier(self, start: int, end: int) -> Modifier | None:
        """The presentation element the phrase at ``start``-``end`` modifies, or None when it is the subject."""
        for q_start, q_end in self.quoted:
            if q_start <= start and end <= q_end:
                after = _head_after(self.text, q_end + 1)
                return after or Modifier("quoted UI text", False)
        return _head_after(self.text, end)


def _head_after(text: str, end: int) -> Modifier | None:
    """The presentation noun that ends the noun phrase continuing at ``end``, if any (up to four words)."""
    found: Modifier | None = None
    pos = end
    for number, match in enumerate(_WORD.finditer(text, end)):
        if number == 4 or text[pos : match.start()].strip(" -/"):
            break
        word = _base(match.group())
        if word in _STOP or word in LOGIC_NOUNS:
            return None if word in LOGIC_NOUNS else found
        if word in STRONG_HEADS:
            return Modifier(match.group().lower(), True)
        if word in SURFACE_HEADS:
            found = Modifier(match.group().lower(), False)
        pos = match.end()
    return found


def _cue(pattern: re.Pattern[str], text: str, quoted: tuple[tuple[int, int], ...]) -> str | None:
    """The first match of ``pattern`` that is neither quoted UI text nor a label on a presentation noun."""
    for match in pattern.finditer(text):
        if any(s <= match.start() < e for s, e in quoted):
            continue
        head = _head_after(text, match.end())
        if pattern is _LOGIC and head is not None:
            continue  # "the Save button", "the API key field": a label, not an action
        return match.group(0).lower()
    return None


def read_subject(text: str) -> Subject:
    """The presentation and logic cues of a task text (see the module docstring)."""
    quoted = tuple((m.start("body"), m.end("body")) for m in _QUOTED.finditer(text))
    return Subject(text, _cue(_PRESENTATION, text, quoted), _cue(_LOGIC, text, quoted), quoted)
