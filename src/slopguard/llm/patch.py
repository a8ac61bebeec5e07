"""A model's answer as a patch to existing files, and the rule for applying it.

A patch may be applied only when the patched files were fully analysed (none skipped, none failed to parse) and
they hold no finding the originals did not have, no unverified package and no new instruction-like text. Findings
are compared by file, rule and normalised snippet, so moving code up or down changes nothing, but trading one
injection for another is caught.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from slopguard.core.finding import Finding
from slopguard.llm.assess import Assessment
from slopguard.llm.extract import CodeFile

_SPACE = re.compile(r"\s+")


def pair_files(old: Sequence[CodeFile], new: Sequence[CodeFile]) -> list[tuple[CodeFile | None, CodeFile | None]]:
    """Old and new versions matched by name (a single file matches a single file whatever its name)."""
    if len(old) == 1 and len(new) == 1:
        return [(old[0], new[0])]
    by_name = {f.name: f for f in new}
    pairs: list[tuple[CodeFile | None, CodeFile | None]] = [(f, by_name.pop(f.name, None)) for f in old]
    return pairs + [(None, f) for f in by_name.values()]


def overlay(targets: Sequence[CodeFile], answer: Sequence[CodeFile]) -> tuple[list[CodeFile], list[str]]:
    """The targets as the answer would leave them: a target the answer leaves out stays as it is; an answer file
    that matches no target is not part of the patch (its name is returned). Names and languages stay the targets'."""
    if len(targets) == 1 and len(answer) == 1:
        target = targets[0]
        return [replace(answer[0], name=target.name, language=target.language, tag=target.tag)], []
    by_name = {f.name: f for f in answer}
    patched = []
    for target in targets:
        new = by_name.pop(target.name, None)
        patched.append(replace(new, language=target.language, tag=target.tag) if new else target)
    return patched, sorted(by_name)


def diff_files(old: Sequence[CodeFile], new: Sequence[CodeFile], old_label: str, new_label: str) -> str:
    chunks: list[str] = []
    for a, b in pair_files(old, new):
        name_a = a.name if a else "/dev/null"
        name_b = b.name if b else "/dev/null"
        chunks += difflib.unified_diff(
            (a.code if a else "").splitlines(keepends=True), (b.code if b else "").splitlines(keepends=True),
            f"{old_label}/{name_a}", f"{new_label}/{name_b}",
        )  # fmt: skip
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)


@dataclass
class PatchVerdict:
    """Whether the proposed patch may be applied, and every reason it may not."""

    accepted: bool
    reasons: list[str] = field(default_factory=list)


def identity(finding: Finding) -> tuple[str, str, str]:
    """A finding's identity across versions: file, rule and normalised snippet (no line numbers)."""
    return finding.location.path, finding.rule_id, _SPACE.sub(" ", finding.snippet).strip()


def judge_patch(before: Assessment, after: Assessment) -> PatchVerdict:
    reasons = [f"the patched code could not be fully analysed ({why})" for why in after.skipped]
    old = Counter(identity(f) for f in before.findings)
    for finding in after.findings:
        key = identity(finding)
        if old[key]:
            old[key] -= 1
            continue
        loc = finding.location
        reasons.append(f"adds a finding of {finding.rule_id} at {loc.path}:{loc.start_line}")
    known = {(r.ref.ecosystem, r.ref.name.lower()) for r in before.packages}
    for r in after.packages:
        if (r.ref.ecosystem, r.ref.name.lower()) not in known and r.signals:
            reasons.append(f"introduces the unverified package {r.ref.name} ({r.verdict})")
    if after.injections and len(after.injections) > len(before.injections):
        reasons.append("adds text that tries to instruct a model")
    return PatchVerdict(not reasons, reasons)
