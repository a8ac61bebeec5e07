"""``slopguard prompt`` (security instructions for an AI session) and ``slopguard init`` (install them)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from slopguard.guide.compliance import ASVS_LEVELS, CONTEXTS
from slopguard.guide.install import ASSISTANTS, detect_languages, run_init
from slopguard.guide.instructions import (
    FORMATS,
    PromptOptions,
    instructions,
    known_languages,
    parse_contexts,
    parse_languages,
    read_threat_model,
)

ASSISTANT_CHOICES = (*ASSISTANTS, "all")
ACTIONS = ("created", "updated", "unchanged", "skipped")


def _languages(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...] | None:
    if not values:
        return None
    try:
        return parse_languages(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _contexts(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return parse_contexts(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _assistants(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    names = [v.strip().lower() for value in values for v in value.split(",") if v.strip()] or ["all"]
    for name in names:
        if name not in ASSISTANT_CHOICES:
            raise click.BadParameter(f"unknown assistant {name!r} (valid: {', '.join(ASSISTANT_CHOICES)})")
    if "all" in names:
        return tuple(ASSISTANTS)
    return tuple(a for a in ASSISTANTS if a in names)


def _options(
    languages: tuple[str, ...] | None, root: Path, contexts: tuple[str, ...], asvs: str | None, threat_model: str | None
) -> PromptOptions:
    text, truncated = None, False
    if threat_model is not None:
        try:
            text, truncated = read_threat_model(threat_model)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--threat-model'") from None
    return PromptOptions(
        languages=languages if languages is not None else _detected(root),
        contexts=contexts,
        asvs=int(asvs) if asvs else None,
        threat_model=text,
        threat_model_name=Path(threat_model).name if threat_model else "threat model",
        threat_model_truncated=truncated,
    )


def _detected(root: Path) -> tuple[str, ...]:
    found = tuple(detect_languages(root, known_languages()))
    if found:
        click.echo(f"languages: {', '.join(found)} (detected; pass --lang to choose)", err=True)
    else:
        click.echo("no source files found: writing the general sections only (pass --lang to choose)", err=True)
    return found


_LANG_HELP = (
    "Languages, comma-separated, e.g. python,javascript (default: detected from the files; "
    "any language the rule pack covers is valid)."
)
_shared = [
    click.option("--lang", "languages", multiple=True, callback=_languages, help=_LANG_HELP),
    click.option(
        "--context", "contexts", multiple=True, callback=_contexts, help=f"Compliance contexts: {', '.join(CONTEXTS)}."
    ),
    click.option("--asvs", type=click.Choice([str(n) for n in ASVS_LEVELS]), help="OWASP ASVS level to target."),
    click.option("--threat-model", type=click.Path(dir_okay=False), help="Include this file's threat model."),
]


def _apply_shared(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(_shared):
        func = option(func)
    return func


@click.command("prompt")
@_apply_shared
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="markdown", show_default=True)
def prompt_command(
    languages: tuple[str, ...] | None,
    contexts: tuple[str, ...],
    asvs: str | None,
    threat_model: str | None,
    fmt: str,
) -> None:
    """Print security instructions for an AI coding session, generated from the rule pack: what never to write
    and the safe idiom per language, secrets, authentication, dependencies, input validation, error handling,
    rate limiting, and the compliance context asked for."""
    options = _options(languages, Path.cwd(), contexts, asvs, threat_model)
    click.echo(instructions(options, fmt), nl=False)


@click.command("init")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--assistant", "assistants", multiple=True, callback=_assistants,
              help="Which assistants' instruction files to write, comma-separated: "
              f"{', '.join(ASSISTANT_CHOICES)} (default: all).")  # fmt: skip
@click.option("--hooks", is_flag=True,
              help="Also write the agents' hooks that run slopguard after each edit and before each shell "
              "command: .claude/settings.json (claude), .cursor/hooks.json (cursor), .codex/hooks.json (agents), "
              "merged into existing files.")  # fmt: skip
@_apply_shared
def init_command(
    path: Path,
    assistants: tuple[str, ...],
    hooks: bool,
    languages: tuple[str, ...] | None,
    contexts: tuple[str, ...],
    asvs: str | None,
    threat_model: str | None,
) -> None:
    """Write the security instructions where each assistant reads them (AGENTS.md, CLAUDE.md,
    .cursor/rules/slopguard.mdc, .github/copilot-instructions.md) inside a marked block that re-running replaces,
    plus a starter [tool.slopguard] config and a pre-commit hook (and, with --hooks, the agents' hooks). Text
    outside the block is never touched. The instructions are written once, in AGENTS.md (or the first file
    chosen); the other files point to it (CLAUDE.md imports it with @AGENTS.md).

    Exit status: 0 when every file was written or already up to date; 2 when a file could not be updated safely
    (listed as 'skipped') or on a usage error."""
    root = path.resolve()
    options = _options(languages, root, contexts, asvs, threat_model)
    content = instructions(options, "markdown", level=2)
    changes = run_init(root, assistants, content, options.languages, hooks)
    for change in changes:
        detail = f"  ({change.detail})" if change.detail else ""
        click.echo(f"{change.action:<10} {change.path}{detail}")
    counts = {action: sum(c.action == action for c in changes) for action in ACTIONS}
    click.echo(", ".join(f"{n} {action}" for action, n in counts.items() if n))
    if counts["skipped"]:
        click.echo("slopguard: error: some files could not be updated safely (see 'skipped' above)", err=True)
        sys.exit(2)
