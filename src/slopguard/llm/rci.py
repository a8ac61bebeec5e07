"""Recursive Criticism and Improvement, grounded: every answer is scanned by our rules and its packages verified, and
the critique prompt carries those concrete findings (with the rules' why/fix texts) next to the seed's checklist.

Model output is data: it is extracted, scanned, diffed and reported, never imported or executed. Text in the code
that tries to instruct the model ("ignore previous instructions", ...) is reported and quoted as data. Secrets are
masked in everything sent to the model and in the transcript and report (see ``slopguard.llm.masking``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from slopguard.core.finding import Severity
from slopguard.deps.options import VerifyOptions
from slopguard.llm.assess import Assessment, Assessor, vars_of
from slopguard.llm.clients import ChatClient, Completion, LLMError
from slopguard.llm.extract import CodeFile, extract_code
from slopguard.llm.masking import Masker
from slopguard.llm.patch import diff_files, overlay
from slopguard.llm.prompts import critique_prompt, fix_task, improve_prompt, system_prompt, task_prompt


@dataclass
class Round:
    """One round: 0 is the first answer (or, for ``fix``, the existing code); k >= 1 follows critique k."""

    index: int
    answer: str
    assessment: Assessment
    critique: str = ""
    diff: str = ""
    no_code: bool = False
    refused: bool = False
    completions: list[Completion] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # fix: answer files that match no target

    def stats(self) -> dict[str, Any]:
        a = self.assessment
        by_sev = Counter(f.severity.label for f in a.findings)
        return {
            "round": self.index,
            "findings": len(a.findings),
            "by_severity": {s.label: by_sev.get(s.label, 0) for s in sorted(Severity, reverse=True)},
            "lines": a.lines,
            "density": a.density,
            "hallucinated": a.hallucinated,
            "hallucinated_count": len(a.hallucinated),
            "packages": len(a.packages),
            "injections": len(a.injections),
            "not_analysed": list(a.skipped),
            "no_code": self.no_code,
            "refused": self.refused,
            "clean": a.clean and not self.no_code,
            "input_tokens": sum(c.input_tokens for c in self.completions),
            "output_tokens": sum(c.output_tokens for c in self.completions),
            "cost": round(sum(c.cost for c in self.completions), 6),
        }


@dataclass
class RciResult:
    task: str
    language: str
    model: str
    mode: str = "rci"
    system: str = ""
    rounds: list[Round] = field(default_factory=list)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = ""
    error: str | None = None
    masker: Masker = field(default_factory=Masker)
    unreachable: bool = False  # the error is a model server that could not be reached

    def fail(self, exc: LLMError) -> None:
        """End the loop on a failed call, keeping the rounds so far."""
        self.stopped, self.error, self.unreachable = "error", str(exc), exc.unreachable

    @property
    def final(self) -> Round | None:
        """The last round that produced code."""
        return next((r for r in reversed(self.rounds) if not r.no_code), None)

    @property
    def clean(self) -> bool:
        final = self.final
        return final is not None and final.assessment.clean

    def totals(self) -> dict[str, Any]:
        calls = [c for r in self.rounds for c in r.completions]
        return {
            "calls": len(calls),
            "input_tokens": sum(c.input_tokens for c in calls),
            "output_tokens": sum(c.output_tokens for c in calls),
            "cost": round(sum(c.cost for c in calls), 6),
        }

    def to_dict(self, transcript: bool = True) -> dict[str, Any]:
        """Everything worth reporting, secrets masked."""
        final = self.final
        data: dict[str, Any] = {
            "mode": self.mode, "task": self.task, "language": self.language, "model": self.model,
            "stopped": self.stopped, "error": self.error, "clean": self.clean,
            "rounds": [r.stats() for r in self.rounds],
            "totals": self.totals(),
            "findings": [f.to_dict() for f in final.assessment.findings] if final else [],
            "injections": [vars_of(i) for r in self.rounds for i in r.assessment.injections],
            "final": {f.name: f.code for f in final.assessment.files} if final else {},
            "diffs": {f"{r.index - 1}->{r.index}": r.diff for r in self.rounds if r.diff},
        }  # fmt: skip
        if transcript:
            data["transcript"] = self.transcript_dict()
        masked: dict[str, Any] = self.masker.data(data)
        return masked

    def transcript_dict(self) -> dict[str, Any]:
        """The calls as sent and received (already masked when recorded), for transcript.json."""
        data = {"mode": self.mode, "model": self.model, "system": self.system, "calls": self.transcript}
        masked: dict[str, Any] = self.masker.data(data)
        return masked


# Told before each model call: the round (0 is the first answer) and the step (generate, critique, improve).
StepListener = Callable[[int, str], None]


class _Loop:
    """Calls the model with masked messages and records them (masked) in the transcript."""

    def __init__(
        self, result: RciResult, client: ChatClient, assess: Assessor, on_step: StepListener | None = None
    ) -> None:
        self.result = result
        self.client = client
        self.assessor = assess
        self.on_step = on_step

    def assess(self, files: list[CodeFile], answer: str = "") -> Assessment:
        """Assess a version of the code and learn its secrets, so nothing after this sends or shows them."""
        found = self.assessor(files, answer)
        self.result.masker.learn(files, found.findings)
        return found

    def call(self, round_index: int, step: str, messages: list[dict[str, str]]) -> Completion:
        masker = self.result.masker
        sent = [{**m, "content": masker.mask(m["content"])} for m in messages]
        entry: dict[str, Any] = {"round": round_index, "step": step, "messages": [dict(m) for m in sent]}
        self.result.transcript.append(entry)
        if self.on_step is not None:
            self.on_step(round_index, step)
        try:
            c = self.client.complete(sent, system=masker.mask(self.result.system) or None)
        except LLMError as exc:
            entry["error"] = masker.mask(str(exc))
            raise LLMError(masker.mask(str(exc)), unreachable=exc.unreachable) from None
        entry.update(answer=masker.mask(c.text), model=c.model, refused=c.refused, input_tokens=c.input_tokens,
                     output_tokens=c.output_tokens, cost=c.cost, seconds=round(c.seconds, 3))  # fmt: skip
        return c


def _answer_files(loop: _Loop, text: str, targets: Sequence[CodeFile] | None) -> tuple[list[CodeFile], list[str]]:
    """The code of an answer; for ``fix``, the targets as the answer leaves them (secrets the model left masked
    restored), and the names of answer files that match no target."""
    files = extract_code(text, loop.result.language).code_files()
    if targets is None or not files:
        return files, []
    restored = [replace(f, code=loop.result.masker.restore(f.code)) for f in files]
    return overlay(targets, restored)


def _improve(loop: _Loop, opening: list[dict[str, str]], rounds: int, targets: Sequence[CodeFile] | None) -> None:
    result = loop.result
    current = result.rounds[-1]
    for k in range(1, rounds + 1):
        if current.assessment.clean:
            result.stopped = "clean"
            return
        messages = [*opening, {"role": "user", "content": critique_prompt(current.assessment, targets is None)}]
        try:
            critique = loop.call(k, "critique", messages)
            if critique.refused:
                result.rounds.append(Round(k, critique.text, Assessment([]), critique.text, no_code=True,
                                           refused=True, completions=[critique]))  # fmt: skip
                result.stopped = "refused"
                return
            messages += [{"role": "assistant", "content": critique.text},
                         {"role": "user", "content": improve_prompt(result.language)}]  # fmt: skip
            improved = loop.call(k, "improve", messages)
        except LLMError as exc:
            result.fail(exc)
            return
        files, ignored = _answer_files(loop, improved.text, targets)
        if not files or improved.refused:
            result.rounds.append(Round(k, improved.text, Assessment([]), critique.text, no_code=not files,
                                       refused=improved.refused, completions=[critique, improved]))  # fmt: skip
            result.stopped = "refused" if improved.refused else "no-code"
            return
        round_ = Round(k, improved.text, loop.assess(files, improved.text), critique.text,
                       completions=[critique, improved], ignored=ignored)  # fmt: skip
        round_.diff = diff_files(current.assessment.files, files, f"round{current.index}", f"round{k}")
        result.rounds.append(round_)
        current = round_
        opening = [opening[0], {"role": "assistant", "content": improved.text}]
    result.stopped = "clean" if current.assessment.clean else "rounds"


def run_rci(
    task: str,
    language: str,
    client: ChatClient,
    rounds: int = 2,
    contexts: Sequence[str] = (),
    *,
    verify_options: VerifyOptions | None = None,
    on_step: StepListener | None = None,
) -> RciResult:
    """Generate with the phase-1 instructions as system prompt, then critique -> improve for ``rounds`` rounds or
    until the code is clean. A failing call ends the loop with ``stopped="error"`` and the rounds so far."""
    result = RciResult(task, language, client.model, system=system_prompt(language, contexts),
                       masker=Masker([client.secret]))  # fmt: skip
    loop = _Loop(result, client, Assessor(verify_options), on_step)
    opening = [{"role": "user", "content": task_prompt(task, language)}]
    try:
        first = loop.call(0, "generate", opening)
    except LLMError as exc:
        result.fail(exc)
        return result
    files = extract_code(first.text, language).code_files()
    round0 = Round(0, first.text, loop.assess(files, first.text) if files else Assessment([]), no_code=not files,
                   refused=first.refused and not files, completions=[first])  # fmt: skip
    result.rounds.append(round0)
    if round0.refused or round0.no_code:
        result.stopped = "refused" if round0.refused else "no-code"
        return result
    _improve(loop, [*opening, {"role": "assistant", "content": first.text}], rounds, None)
    return result


def run_fix(
    files: list[CodeFile],
    language: str,
    client: ChatClient,
    rounds: int = 2,
    contexts: Sequence[str] = (),
    *,
    verify_options: VerifyOptions | None = None,
    root: Path | None = None,
    on_step: StepListener | None = None,
) -> RciResult:
    """The loop on existing code: round 0 is the code as it is; the model criticises and improves it. Code the
    scanner cannot fully analyse is not sent anywhere: the result carries the reason as its error."""
    result = RciResult("fix " + ", ".join(f.name for f in files), language, client.model, mode="fix",
                       system=system_prompt(language, contexts), masker=Masker([client.secret]))  # fmt: skip
    loop = _Loop(result, client, Assessor(verify_options, root), on_step)
    result.rounds.append(Round(0, "", loop.assess(files)))
    before = result.rounds[0].assessment
    if not before.analysed:
        result.stopped = "not-analysed"
        result.error = "cannot analyse " + "; ".join(before.skipped)
        return result
    if before.clean:
        result.stopped = "clean"
        return result
    _improve(loop, [{"role": "user", "content": fix_task(files)}], rounds, files)
    return result
