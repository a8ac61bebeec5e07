"""The checklist as Markdown (a PR comment: failing items first, checkboxes for the rest) and as JSON."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from slopguard.review.checklist import Checklist, Evidence, Item, Status

JSON_VERSION = 1
# Evidence lines shown per item in Markdown; the JSON has all of them.
MAX_EVIDENCE = 20
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def md(text: str) -> str:
    """Text safe to place in Markdown: no markup, no HTML, one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _where(ev: Evidence, link_base: str) -> str:
    if not ev.path:
        return ""
    label = md(f"{ev.path}:{ev.line}" if ev.line else ev.path)
    if ev.path.startswith(("/", "<")) or ":" in ev.path.split("/")[0]:
        return f"`{label}`"
    anchor = f"#L{ev.line}" if ev.line else ""
    return f"[{label}]({link_base}{quote(ev.path)}{anchor})"


def _evidence_lines(item: Item, link_base: str) -> list[str]:
    lines = []
    for ev in item.evidence[:MAX_EVIDENCE]:
        where = _where(ev, link_base)
        rule = f" `{ev.rule_id}`" if ev.rule_id and len(item.rule_ids) != 1 else ""
        lines.append(f"  - {where}{' — ' if where else ''}{md(ev.text)}{rule}")
    if len(item.evidence) > MAX_EVIDENCE:
        lines.append(f"  - … and {len(item.evidence) - MAX_EVIDENCE} more (see `--format json`)")
    return lines


def _label(item: Item) -> str:
    tag = f" · `{item.language}`" if item.language != "*" else ""
    return f"**{md(item.question)}**{tag}"


def _change_line(checklist: Checklist) -> str:
    change = checklist.change
    count = len(change.all_files)
    what = f"{count} file(s) changed since `{md(change.rev or '')}`" if change.source == "diff" else f"{count} file(s)"
    langs = ", ".join(checklist.change.languages)
    return f"{what} ({langs})" if langs else what


def render_markdown(checklist: Checklist, link_base: str = "", sign_off: dict[str, Any] | None = None) -> str:
    """A PR comment: headline counts, failing items with file:line links, open questions, passed items folded."""
    s = checklist.summary
    out = [
        "## slopguard review",
        "",
        f"**❌ {s['fail']} failing · 👤 {s['needs_human']} for a person · ✅ {s['pass']} passed** — "
        + _change_line(checklist),
        "",
    ]
    if sign_off:
        out += [f"Signed off by **{md(sign_off['reviewer'])}** on {md(sign_off['date'])}.", ""]
    by_status = {status: [i for i in checklist.items if i.status is status] for status in Status}
    if by_status[Status.FAIL]:
        out += ["### ❌ Failing", ""]
        for item in by_status[Status.FAIL]:
            out.append(f"- ❌ {_label(item)}")
            out += _evidence_lines(item, link_base)
            if item.fix:
                out.append(f"  - Fix: {md(item.fix)}")
        out.append("")
    if by_status[Status.HUMAN]:
        out += ["### 👤 For a person", ""]
        for item in by_status[Status.HUMAN]:
            out.append(f"- [ ] {_label(item)}")
            out += _evidence_lines(item, link_base)
        out.append("")
    if by_status[Status.PASS]:
        out += [f"<details><summary>✅ {s['pass']} passed</summary>", ""]
        for item in by_status[Status.PASS]:
            note = "; ".join(md(e.text) for e in item.evidence[:3])
            out.append(f"- [x] {_label(item)}{' — ' + note if note else ''}")
        out += ["", "</details>", ""]
    if checklist.change.not_analysed:
        out += [f"<details><summary>Not analysed ({len(checklist.change.not_analysed)})</summary>", ""]
        out += [f"- `{md(display)}`: {md(reason)}" for display, reason in checklist.change.not_analysed]
        out += ["", "</details>", ""]
    return "\n".join(out)


def _evidence_dict(ev: Evidence) -> dict[str, Any]:
    return {"text": ev.text, "path": ev.path, "line": ev.line, "rule_id": ev.rule_id}


def _item_dict(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "question": item.question,
        "status": item.status.value,
        "language": item.language,
        "evidence": [_evidence_dict(e) for e in item.evidence],
        "rule_ids": list(item.rule_ids),
        "fix": item.fix,
    }


def to_dict(checklist: Checklist, sign_off: dict[str, Any] | None = None) -> dict[str, Any]:
    change = checklist.change
    return {
        "version": JSON_VERSION,
        "change": {
            "source": change.source,
            "rev": change.rev,
            "paths": list(change.paths),
            "files": [{"path": d, "language": lang} for d, lang in sorted(change.files.items())],
            "not_analysed": [{"path": d, "reason": r} for d, r in change.not_analysed],
            "deleted": list(change.deleted),
        },
        "languages": change.languages,
        "items": [_item_dict(i) for i in checklist.items],
        "summary": checklist.summary,
        "sign_off": sign_off,
    }


def render_json(checklist: Checklist, sign_off: dict[str, Any] | None = None) -> str:
    return json.dumps(to_dict(checklist, sign_off), indent=2, ensure_ascii=False) + "\n"
