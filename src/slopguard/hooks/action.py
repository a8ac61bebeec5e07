"""The GitHub Action's work, in one call a test can run: scan the workspace (packages verified in the same pass),
write SARIF, append a job summary (the gate's line and the review checklist), and record the outputs.

Everything it reads comes from the workflow (inputs) and the runner (``GITHUB_*``); nothing in the scanned tree
chooses where files are written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from slopguard.core.config import ConfigError, Settings, load_settings
from slopguard.core.finding import Severity
from slopguard.core.report import Report
from slopguard.core.verdict import failing
from slopguard.pipeline.catalog import code_rules, make_scanner
from slopguard.pipeline.gate import EXIT_CLEAN, EXIT_FINDINGS, nothing_selected, scan_exit_code
from slopguard.pipeline.scan import ScanOutcome, scan_paths
from slopguard.report import RenderOptions, reporter
from slopguard.review.checklist import Change, build_checklist
from slopguard.review.render import render_markdown

NEVER = "none"  # fail-on value that reports without failing the job


class ActionError(Exception):
    """The action cannot run (bad input or configuration); the message says why."""


@dataclass(frozen=True, slots=True)
class ActionInputs:
    paths: Sequence[str]
    fail_on: str  # a severity label, or NEVER
    sarif_file: str
    workspace: Path


@dataclass(frozen=True, slots=True)
class ActionResult:
    exit_code: int
    findings: int
    failing: int
    sarif: Path
    summary: str


def _settings(inputs: ActionInputs) -> Settings:
    try:
        settings = load_settings(None, inputs.workspace)
    except ConfigError as exc:
        raise ActionError(str(exc)) from None
    if settings.source is None:
        settings = settings.with_overrides(root=inputs.workspace)
    if inputs.fail_on != NEVER:
        try:
            settings = settings.with_overrides(fail_on=Severity.parse(inputs.fail_on))
        except ValueError as exc:
            raise ActionError(f"fail-on: {exc}") from None
    return settings


def _inside(workspace: Path, relative: str, what: str) -> Path:
    path = (workspace / relative).resolve()
    if path != workspace and workspace not in path.parents:
        raise ActionError(f"{what} {relative!r} is outside the workspace")
    return path


def run_action(inputs: ActionInputs, env: Mapping[str, str]) -> ActionResult:
    """Scan, write the SARIF file, and return the exit code per fail-on with the job summary's Markdown."""
    workspace = inputs.workspace.resolve()
    targets = [_inside(workspace, p, "path") for p in inputs.paths or ["."]]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        raise ActionError(f"no such file or directory: {', '.join(missing)}")
    sarif = _inside(workspace, inputs.sarif_file, "sarif-file")
    settings = _settings(inputs)
    try:
        scanner = make_scanner(settings)
    except ValueError as exc:
        raise ActionError(str(exc)) from None
    outcome = scan_paths(settings, targets, scanner=scanner)
    empty = nothing_selected(outcome.report, settings)
    if empty:
        raise ActionError(empty)
    options = RenderOptions(settings.fail_on, settings.allow_unknown, settings.min_confidence, outcome.texts)
    try:
        sarif.parent.mkdir(parents=True, exist_ok=True)
        with sarif.open("w", encoding="utf-8") as stream:
            reporter("sarif")(outcome.report, stream, options)
    except OSError as exc:
        raise ActionError(f"cannot write {sarif}: {exc.strerror or exc}") from None
    code = scan_exit_code(outcome.report, settings)
    if inputs.fail_on == NEVER and code == EXIT_FINDINGS:
        code = EXIT_CLEAN
    failed = failing(outcome.report.findings, settings.fail_on, settings.allow_unknown, settings.min_confidence)
    deps_ran = settings.deps and any(r.startswith("DEP-") for r in scanner.rule_ids)
    summary = _summary(outcome, scanner.rule_ids, deps_ran, inputs, settings, code, len(failed), _link_base(env))
    return ActionResult(code, len(outcome.report.findings), len(failed), sarif, summary)


def _link_base(env: Mapping[str, str]) -> str:
    """The blob URL of the commit under review, from the runner's variables (empty outside a runner)."""
    parts = [env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")]
    if not all(parts):
        return ""
    server, repository, sha = parts
    return f"{server}/{repository}/blob/{sha}/"


def _summary(outcome: ScanOutcome, enabled: frozenset[str], deps_ran: bool, inputs: ActionInputs,
             settings: Settings, code: int, failed: int, link_base: str) -> str:  # fmt: skip
    report: Report = outcome.report
    change = Change(
        "paths",
        None,
        tuple(inputs.paths),
        files={s.display: s.language for s in report.sources},
        not_analysed=[(s.display, s.reason) for s in report.skipped],
    )
    code_findings = [f for f in report.findings if not f.rule_id.startswith("DEP-")]
    reports = outcome.packages.reports if deps_ran else None
    checklist = build_checklist(change, code_findings, code_rules(), enabled, reports, outcome.packages.problems,
                                settings.fail_on)  # fmt: skip
    gate = "never fails the job" if inputs.fail_on == NEVER else f"fails at {settings.fail_on.label} and above"
    head = (
        f"**slopguard scan**: {len(report.findings)} finding(s), {failed} at or above the gate "
        f"({gate}), in {report.files_scanned} file(s); {len(report.skipped)} not analysed. Exit code {code}. "
        f"SARIF: `{inputs.sarif_file}`.\n\n"
    )
    return head + render_markdown(checklist, link_base)


def append(path: Path, text: str) -> None:
    """Append to a runner file (``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT``)."""
    with path.open("a", encoding="utf-8") as stream:
        stream.write(text)


def outputs(result: ActionResult, workspace: Path) -> str:
    """``GITHUB_OUTPUT`` lines: findings, failing, sarif-file (relative to the workspace). The action's step
    records the exit code itself, also when slopguard cannot run."""
    sarif = result.sarif.relative_to(workspace.resolve()).as_posix()
    return f"findings={result.findings}\nfailing={result.failing}\nsarif-file={sarif}\n"
