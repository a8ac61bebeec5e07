"""The block-YAML subset that package managers write (``pnpm-lock.yaml``, Yarn Berry's ``yarn.lock``).

PyYAML is not a runtime dependency, and a lockfile needs only this much: nested block mappings, block sequences of
scalars, plain and quoted scalars, comments. Flow collections (``{integrity: ...}``) are kept as their raw text.
Anything else (anchors, aliases, tags, block scalars, multi-line flow collections, tabs) raises
:class:`ManifestError`: a lockfile read wrongly must be reported unread, never half-understood.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from slopguard.deps.manifests.common import ManifestError

KeyPath = tuple[str, ...]


@dataclass
class YamlDoc:
    """The parsed document, and the 1-based line of every mapping key by its key path."""

    data: dict[str, Any]
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, *path: str) -> int:
        return self.lines.get(path, 0)


@dataclass
class _Frame:
    node: dict[str, Any] | list[Any]
    path: KeyPath
    indent: int | None = None  # the indentation of the lines inside; set by the first of them


def parse_yaml(text: str, display: str) -> YamlDoc:
    doc = YamlDoc({})
    stack = [_Frame(doc.data, ())]
    pending: tuple[dict[str, Any], str, KeyPath, int] | None = None  # a "key:" whose value starts on the next line
    for number, raw in enumerate(text.splitlines(), 1):
        content = raw.strip()
        if not content or content.startswith("#") or (raw.startswith(("---", "...")) and content in ("---", "...")):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if raw[indent] == "\t":
            raise ManifestError(f"{display}: line {number}: tab indentation is not YAML")
        item = content == "-" or content.startswith("- ")
        if pending is not None:
            owner, key, path, key_indent = pending
            pending = None
            if indent > key_indent or (item and indent == key_indent):
                child: dict[str, Any] | list[Any] = [] if item else {}
                owner[key] = child
                stack.append(_Frame(child, path, indent))
        while len(stack) > 1 and stack[-1].indent is not None and indent < stack[-1].indent:
            stack.pop()
        frame = stack[-1]
        if frame.indent is None:
            frame.indent = indent
        if indent != frame.indent:
            raise ManifestError(f"{display}: line {number}: unexpected indentation")
        if isinstance(frame.node, list):
            if not item:
                raise ManifestError(f"{display}: line {number}: expected a '- ' sequence item")
            frame.node.append(_scalar(content[1:].strip(), display, number))
            continue
        if item:
            raise ManifestError(f"{display}: line {number}: a sequence item where a mapping key was expected")
        key, rest = _key(content, display, number)
        if key in frame.node:
            raise ManifestError(f"{display}: line {number}: duplicate key {key!r}")
        path = (*frame.path, key)
        doc.lines[path] = number
        if rest:
            frame.node[key] = _scalar(rest, display, number)
        else:
            frame.node[key] = None
            pending = (frame.node, key, path, indent)
    return doc


def _key(content: str, display: str, number: int) -> tuple[str, str]:
    """A mapping line's key and the text after its colon."""
    if content.startswith(("?", "&", "*", "!", "[", "{")):
        raise ManifestError(f"{display}: line {number}: unsupported YAML key syntax")
    if content[0] in "'\"":
        key, end = _quoted(content, display, number)
        rest = content[end:].lstrip()
        if not rest.startswith(":"):
            raise ManifestError(f"{display}: line {number}: expected ':' after the key")
        return key, rest[1:].strip()
    at = content.find(": ")
    if at < 0:
        if not content.endswith(":"):
            raise ManifestError(f"{display}: line {number}: expected 'key: value'")
        return content[:-1].strip(), ""
    return content[:at].strip(), content[at + 2 :].strip()


def _scalar(text: str, display: str, number: int) -> str | None:
    if not text or text.startswith("#"):
        return None
    if text[0] in "'\"":
        value, end = _quoted(text, display, number)
        tail = text[end:].strip()
        if tail and not tail.startswith("#"):
            raise ManifestError(f"{display}: line {number}: text after a quoted value")
        return value
    if text[0] in "{[":
        closing = "}" if text[0] == "{" else "]"
        if not text.split(" #")[0].rstrip().endswith(closing):
            raise ManifestError(f"{display}: line {number}: a flow collection over several lines is not supported")
        return text
    if text[0] in "&*!|>%@`":
        raise ManifestError(f"{display}: line {number}: unsupported YAML value syntax {text[0]!r}")
    cut = text.find(" #")
    value = (text[:cut] if cut >= 0 else text).strip()
    return None if value in ("~", "null") else value


def _quoted(text: str, display: str, number: int) -> tuple[str, int]:
    """A quoted scalar at the start of ``text``, and the index just past its closing quote."""
    quote = text[0]
    i = 1
    while i < len(text):
        if quote == "'" and text[i] == "'":
            if text[i + 1 : i + 2] == "'":
                i += 2
                continue
            return text[1:i].replace("''", "'"), i + 1
        if quote == '"':
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == '"':
                try:
                    return str(json.loads(text[: i + 1])), i + 1
                except json.JSONDecodeError:
                    raise ManifestError(f"{display}: line {number}: unsupported escape in a string") from None
        i += 1
    raise ManifestError(f"{display}: line {number}: unterminated string")
