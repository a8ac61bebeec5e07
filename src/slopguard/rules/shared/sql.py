"""Whether text reads as SQL, for the SQL injection rules of every language: the literal text of a query's pieces
(Go, Rust), or the source of the query expression (Java, JavaScript)."""

from __future__ import annotations

import re

# A statement's shape; SELECT ... FROM may span lines (text blocks, template literals, raw strings).
_STATEMENT = re.compile(
    r"(?i)\b(?:select\s(?s:.+?)\sfrom|(?:insert|replace)\s+into|update\s+\w+\s+set|delete\s+from|truncate\s|"
    r"(?:create|drop|alter)\s+(?:table|index|view)|where\s|order\s+by|group\s+by|values\s*\(|join\s+\w+\s+on)"
)
_CONDITION = re.compile(r"(?i)[=<>]|\blike\b|\bin\s*\(|\bis\s+(?:not\s+)?null\b|\bbetween\b")


def looks_sql(text: str, condition: bool = False) -> bool:
    """Whether ``text`` reads as SQL (with ``condition``: or as a WHERE condition, for query builders' Where)."""
    return bool(_STATEMENT.search(text) or (condition and _CONDITION.search(text)))
