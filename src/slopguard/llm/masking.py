"""Secrets never leave the machine in clear: everything sent to a model, printed or written is masked.

The secrets are those ``slopguard.core.secrets`` recognises by shape, the literal values our rules redacted in
their findings' snippets (hard-coded passwords and keys), and the user's own API key. ``restore`` puts the code's
own secrets back where a model kept a masked value unchanged, so an applied patch never writes a mask over a
value the user still holds.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from slopguard.core.finding import Finding
from slopguard.core.secrets import find_tokens, mask, redact
from slopguard.llm.extract import CodeFile

_DELIMITERS = " \t\"'`=:,;()[]{}<>"
_MIN_RESTORABLE = 9  # shorter values mask to stars only: nothing tells them apart


def _enclosing(line: str, start: int, end: int) -> str:
    """The literal around ``line[start:end]``: the run of characters between delimiters."""
    left = max((line.rfind(c, 0, start) for c in _DELIMITERS), default=-1) + 1
    rights = [i for i in (line.find(c, end) for c in _DELIMITERS) if i != -1]
    return line[left : min(rights, default=len(line))]


def hidden_values(raw: str, shown: str) -> set[str]:
    """The values a redacted line (``shown``) hides compared with the source line (``raw``)."""
    values: set[str] = set()
    matcher = difflib.SequenceMatcher(None, raw, shown, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete") and i2 > i1:
            value = _enclosing(raw, i1, i2)
            if len(value) >= 4:
                values.add(value)
    return values


class Masker:
    """Masks every secret it has learnt (and every token of a known shape) in text and data."""

    def __init__(self, keys: Iterable[str | None] = ()) -> None:
        self.keys = {k for k in keys if k}  # the user's credentials: masked, never restored
        self.found: set[str] = set()  # secrets in the code

    def learn(self, files: Sequence[CodeFile], findings: Sequence[Finding]) -> None:
        """Remember the secrets in ``files``: tokens of a known shape, and what findings' snippets redacted."""
        lines_of = {f.name: f.code.splitlines() for f in files}
        for lines in lines_of.values():
            for line in lines:
                self.found.update(line[t.start : t.end] for t in find_tokens(line) if t.redactable)
        for finding in findings:
            lines = lines_of.get(finding.location.path, [])
            first = finding.location.start_line - 1
            for raw, shown in zip(lines[first:], finding.snippet.splitlines(), strict=False):
                if raw.rstrip() != shown.rstrip():
                    self.found |= hidden_values(raw.rstrip(), shown.rstrip())

    def mask(self, text: str) -> str:
        values = sorted(self.keys | self.found, key=len, reverse=True)
        text = redact(text, tuple(values))
        for key in self.keys:  # the user's key, wherever it appears, however short
            text = text.replace(key, mask(key))
        return text

    def data(self, value: Any) -> Any:
        """``value`` (JSON-like data) with every string masked."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def restore(self, code: str) -> str:
        """``code`` with the masks of the code's own secrets (those that mask unambiguously) put back."""
        masks = Counter(mask(v) for v in self.found)
        for value in self.found:
            masked = mask(value)
            if len(value) >= _MIN_RESTORABLE and masks[masked] == 1 and masked in code:
                code = code.replace(masked, value)
        return code
