"""JSP: scriptlet expressions and EL written into the page unescaped (TPL-XSS-007)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import replace

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext
from slopguard.rules.templates.output import Positions, grade, short, unescaped_hits

_EXPRESSION = re.compile(r"<%=(?P<expr>.*?)%>", re.DOTALL)
# EL in template text, outside the attributes of a tag library's tag (c:out, c:if, fmt:message... evaluate or escape).
_EL = re.compile(r"(?<![\\$#])\$\{(?P<expr>[^{}]*)\}")
_TAGLIB_TAG = re.compile(r"<[A-Za-z][\w-]*:[\w-]+\b[^<>]*>", re.DOTALL)
_ESCAPE_OFF = re.compile(r"""<c:out\b[^<>]*\bescapeXml\s*=\s*["']false["'][^<>]*>""", re.DOTALL)
_VALUE = re.compile(r"""\bvalue\s*=\s*["'](?P<expr>[^"']*)["']""")


@text_rule(
    id="TPL-XSS-007",
    title="JSP writes a value into the page unescaped",
    cwe=79,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    languages=("jsp",),
    why="""JSP escapes nothing by default: <%= request.getParameter("q") %>, ${param.q} in the page text and
    <c:out escapeXml="false"> all write the raw value. Assistants echo a search term or an error message this way,
    which is reflected XSS.""",
    fix="""Output with <c:out value="${...}"/> (escapes by default) or ${fn:escapeXml(...)}; in scriptlets use an
    encoder (OWASP Encoder's Encode.forHtml). Better, move logic out of scriptlets into the controller.""",
)
def jsp_unescaped(ctx: TextContext) -> Iterator[Hit]:
    yield from unescaped_hits(ctx, _EXPRESSION, "a <%= %> expression", "encode it (Encode.forHtml) or use <c:out>")
    tags = [(m.start(), m.end()) for m in _TAGLIB_TAG.finditer(ctx.text)]

    def in_page_text(match: re.Match[str]) -> bool:
        """EL inside a tag library tag (<c:out value=...>, <c:if test=...>) is escaped or not output at all."""
        index = bisect.bisect_right(tags, (match.start(), len(ctx.text))) - 1
        return index < 0 or tags[index][1] <= match.start()

    fix = "wrap it in <c:out value=...> or fn:escapeXml"
    for found in unescaped_hits(ctx, _EL, "EL in the page text", fix, output=in_page_text):
        # EL in page text is how most JSP pages print model values; only request data there is sure to be XSS.
        yield found if found.confidence == Confidence.HIGH else replace(found, confidence=Confidence.LOW)
    yield from _escape_off(ctx)


def _escape_off(ctx: TextContext) -> Iterator[Hit]:
    positions = Positions(ctx.text)
    for match in _ESCAPE_OFF.finditer(ctx.text):
        value = _VALUE.search(match.group(0))
        expression = value.group("expr") if value else ""
        graded = grade(expression) if expression else None
        if graded is None:
            continue
        severity, confidence, what = graded
        span = positions.at(match.start(), match.end())
        yield Hit(
            span.line, span.col, span.end_line, span.end_col,
            f'<c:out escapeXml="false"> writes {what} ({short(expression)}) unescaped: drop escapeXml="false"',
            severity, confidence,
        )  # fmt: skip
