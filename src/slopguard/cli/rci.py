"""``slopguard rci`` (generate, criticise, improve: measured by our own scan) and ``slopguard fix`` (the same loop on
existing code: a unified diff, written only with --apply and only when the patched files were fully analysed and add
no finding and no unverified package).

The model server, the provider and the API key's variable come only from flags, the environment or the user's own
configuration, never from the project's. Secrets are masked in everything sent, printed or written.

Exit codes: 0 the final code is clean, 1 findings / hallucinated packages remain (or no code, a refusal, a refused
patch), 2 usage, configuration or model-server errors, and (fix) a file the scanner cannot analyse.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from slopguard.deps.options import VerifyOptions
from slopguard.engine.languages import language_of
from slopguard.guide.instructions import LANGUAGE_ALIASES, parse_contexts
from slopguard.llm.clients import DEFAULT_RETRIES, DEFAULT_TIMEOUT, ChatClient, LLMError, Prices, make_client
from slopguard.llm.extract import CodeFile, safe_name
from slopguard.llm.patch import diff_files, judge_patch, pair_files
from slopguard.llm.rci import RciResult, StepListener, run_fix, run_rci
from slopguard.llm.settings import PROVIDERS, llm_settings, pick

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
LANGUAGES = ("python", "javascript", "typescript", "java", "c", "cpp", "rust", "go")


def _fail(message: str) -> NoReturn:
    click.echo(f"slopguard: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _contexts(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return parse_contexts(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    lang = LANGUAGE_ALIASES.get(value.lower(), value.lower())
    if lang not in LANGUAGES:
        raise click.BadParameter(f"unknown language {value!r} (valid: {', '.join(LANGUAGES)})", param_hint="'--lang'")
    return lang


_OPTIONS = [
    click.option("--model", help="Model name (or model in [tool.slopguard.llm])."),
    click.option(
        "--provider", type=click.Choice(PROVIDERS), help="API flavour (default openai: any compatible server)."
    ),
    click.option("--base-url", help="Server URL, e.g. http://localhost:11434/v1 for Ollama."),
    click.option("--api-key-env", help="NAME of the environment variable holding the API key (never the key)."),
    click.option("--timeout", type=click.FloatRange(min=0.1), help=f"Seconds per call (default {DEFAULT_TIMEOUT:g})."),
    click.option("--max-retries", type=click.IntRange(min=0), help=f"Retries on 429/5xx (default {DEFAULT_RETRIES})."),
    click.option("--price-in", type=click.FloatRange(min=0), help="Price per 1M input tokens (default 0)."),
    click.option("--price-out", type=click.FloatRange(min=0), help="Price per 1M output tokens (default 0)."),
    click.option("--rounds", type=click.IntRange(min=0), help="Critique/improve rounds (default 2)."),
    click.option("--context", "contexts", multiple=True, callback=_contexts, help="Compliance contexts, e.g. hipaa."),
    click.option("--offline", is_flag=True, help="Verify packages without the network (cache and shipped index)."),
    click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write the rounds, diffs, final code, report.json and transcript.json here.",
    ),
    click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
    click.option("--quiet", "-q", is_flag=True, help="No progress line (it shows only on a terminal anyway)."),
    click.option(
        "--config",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Project config file ([tool.slopguard.llm]; it cannot choose the server or the key variable).",
    ),
]


@contextmanager
def _progress(model: str, quiet: bool) -> Iterator[StepListener | None]:
    """A status line on a terminal while the model works: which round and step, and for how long so far."""
    from rich.console import Console  # only a run on a terminal pays for rich

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    started = time.monotonic()
    with console.status(f"{model}: starting") as status:

        def step(round_index: int, name: str) -> None:
            elapsed = time.monotonic() - started
            status.update(f"{model}: round {round_index}, {name} ({elapsed:.0f}s so far)")

        yield step


def _shared(func: Any) -> Any:
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def _client(opts: dict[str, Any], start: Path) -> tuple[ChatClient, int]:
    try:
        table, warnings = llm_settings(opts["config"], start)
    except ValueError as exc:
        _fail(str(exc))
    for warning in warnings:
        click.echo(f"slopguard: warning: {warning}", err=True)

    def get(flag: str, key: str, default: Any) -> Any:
        return pick(opts, table, flag, key, default)

    prices = Prices(float(get("price_in", "price-in", 0.0)), float(get("price_out", "price-out", 0.0)))
    try:
        client = make_client(
            get("provider", "provider", "openai"), get("model", "model", None), get("base_url", "base-url", None),
            get("api_key_env", "api-key-env", None), float(get("timeout", "timeout", DEFAULT_TIMEOUT)),
            max_retries=int(get("max_retries", "max-retries", DEFAULT_RETRIES)), prices=prices,
        )  # fmt: skip
    except LLMError as exc:
        _fail(str(exc))
    return client, int(get("rounds", "rounds", 2))


def _write(base: Path, name: str, text: str) -> None:
    """Write model-chosen names only below ``base``."""
    safe = safe_name(name) or "unnamed"
    target = (base / safe).resolve()
    if not target.is_relative_to(base.resolve()):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _save(result: RciResult, out_dir: Path) -> None:
    """The rounds, diffs, final code, report.json and transcript.json, secrets masked."""
    mask = result.masker.mask
    out_dir.mkdir(parents=True, exist_ok=True)
    for r in result.rounds:
        for f in r.assessment.files:
            _write(out_dir / f"round-{r.index}", f.name, mask(f.code))
        if r.diff:
            (out_dir / f"round-{r.index}.diff").write_text(mask(r.diff), encoding="utf-8")
    final = result.final
    for f in final.assessment.files if final else []:
        _write(out_dir / "final", f.name, mask(f.code))
    (out_dir / "transcript.json").write_text(json.dumps(result.transcript_dict(), indent=2), encoding="utf-8")
    (out_dir / "report.json").write_text(json.dumps(result.to_dict(transcript=False), indent=2), encoding="utf-8")


def _table(result: RciResult) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{result.mode}: {result.model} ({result.language})")
    for col in ("round", "findings", "crit", "high", "med", "low", "lines", "per 100 lines", "hallucinated",
                "tokens in/out", "cost"):  # fmt: skip
        table.add_column(col, justify="left" if col in ("round", "hallucinated") else "right")
    for r in result.rounds:
        s = r.stats()
        sev = s["by_severity"]
        label = f"{s['round']}" + (" (no code)" if s["no_code"] else "") + (" (refused)" if s["refused"] else "")
        table.add_row(
            label, str(s["findings"]), str(sev["critical"]), str(sev["high"]), str(sev["medium"]), str(sev["low"]),
            str(s["lines"]), f"{s['density']:.2f}", ", ".join(s["hallucinated"]) or "-",
            f"{s['input_tokens']}/{s['output_tokens']}", f"{s['cost']:.4f}",
        )  # fmt: skip
    console = Console(width=110, no_color=True, highlight=False, force_terminal=False)
    with console.capture() as cap:
        console.print(table)
    return cap.get()


def _echo(result: RciResult, text: str, *, nl: bool = True, err: bool = False) -> None:
    click.echo(result.masker.mask(text), nl=nl, err=err)


def _text_report(result: RciResult, show_final: bool = True) -> None:
    echo = functools.partial(_echo, result)
    echo(_table(result), nl=False)
    for r in result.rounds:
        for why in r.assessment.skipped:
            echo(f"not analysed (round {r.index}): {why}")
        if r.ignored:
            echo(f"ignored (round {r.index}): the answer's {', '.join(r.ignored)} match(es) no file being fixed")
        for i in r.assessment.injections:
            echo(f"prompt-injection attempt (reported, not obeyed): {i.path}:{i.line}: {json.dumps(i.text)}")
    for r in result.rounds:
        if r.diff:
            echo(f"\n--- diff round {r.index - 1} -> {r.index} ---\n{r.diff}", nl=False)
    final = result.final
    if final is not None:
        for f in final.assessment.findings:
            loc = f.location
            echo(f"remaining: {loc.path}:{loc.start_line}: {f.rule_id} [{f.severity.label}] {f.message}")
        if show_final:
            for code in final.assessment.files:
                echo(f"\n=== final {code.name} (round {final.index}) ===\n{code.code}", nl=False)
    totals = result.totals()
    echo(f"\nstopped: {result.stopped}; {totals['calls']} call(s), {totals['input_tokens']} input / "
               f"{totals['output_tokens']} output tokens, cost {totals['cost']:.4f}")  # fmt: skip
    if result.error:
        echo(f"slopguard: {result.error}", err=True)


@click.command("rci")
@click.argument("task")
@click.option("--lang", "language", default="python", show_default=True, help=f"One of {', '.join(LANGUAGES)}.")
@_shared
def rci_command(task: str, language: str, **opts: Any) -> None:
    """Ask a model for TASK with the security instructions, scan the answer (rules and package verification), then
    criticise and improve it for --rounds rounds or until clean. Model output is never executed."""
    lang = _language(language) or "python"
    if not task.strip():
        _fail("the task is empty")
    client, rounds = _client(opts, opts["config"].parent if opts["config"] else Path.cwd())
    with _progress(client.model, opts["quiet"]) as on_step:
        result = run_rci(
            task, lang, client, rounds, opts["contexts"], verify_options=VerifyOptions(offline=opts["offline"]),
            on_step=on_step,
        )  # fmt: skip
    if opts["out_dir"]:
        _save(result, opts["out_dir"])
    if opts["fmt"] == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _text_report(result)
    if result.error:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_CLEAN if result.clean else EXIT_FINDINGS)


def _read_targets(paths: tuple[Path, ...], language: str | None) -> tuple[list[CodeFile], str, Path]:
    files: list[CodeFile] = []
    langs: set[str] = set()
    root = Path(paths[0]).resolve().parent
    for path in paths:
        lang = language or language_of(path)
        if lang not in LANGUAGES:
            _fail(f"{path}: cannot tell its language (pass --lang)")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"{path}: cannot read: {exc}")
        langs.add(str(lang))
        files.append(CodeFile(path.name if len(paths) == 1 else str(path), lang, text, str(lang)))
    if len(langs) > 1:
        _fail("fix takes files of one language at a time")
    return files, langs.pop(), root


@click.command("fix")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", "language", help="Language of the files (default: from the extension).")
@click.option("--apply", "apply_", is_flag=True, help="Write the patch (only when it is safe: see below).")
@_shared
def fix_command(paths: tuple[Path, ...], language: str | None, apply_: bool, **opts: Any) -> None:
    """Run the criticise/improve loop on existing files and propose a unified diff. Files are written only with
    --apply, and only when the patched files were fully analysed and add no finding, no unverified package and no
    instruction-like text; a file the answer leaves out stays as it is.

    Exit status: 0 the (patched) code is clean, or there is nothing to fix; 1 findings remain, the patch was
    refused (with the reasons), changes nothing, or the model gave no code; 2 usage, configuration or model-server
    errors, or a file the scanner cannot analyse (too large, not parseable, nested too deeply)."""
    files, lang, root = _read_targets(paths, _language(language))
    client, rounds = _client(opts, opts["config"].parent if opts["config"] else root)
    verify_options = VerifyOptions(offline=opts["offline"], project_dir=root)
    with _progress(client.model, opts["quiet"]) as on_step:
        result = run_fix(
            files, lang, client, max(rounds, 1), opts["contexts"], verify_options=verify_options, root=root,
            on_step=on_step,
        )  # fmt: skip
    if opts["out_dir"]:
        _save(result, opts["out_dir"])
    before, final = result.rounds[0], result.final
    patch = ""
    verdict = None
    if final is not None and final is not before:
        verdict = judge_patch(before.assessment, final.assessment)
        patch = diff_files(before.assessment.files, final.assessment.files, "a", "b")
    nothing_to_fix = before.assessment.clean
    if opts["fmt"] == "json":
        data = result.to_dict()
        data["patch"] = result.masker.mask(patch)
        data["patch_accepted"] = verdict.accepted if verdict else None
        data["patch_refused_because"] = result.masker.data(verdict.reasons) if verdict else []
        click.echo(json.dumps(data, indent=2))
    else:
        _text_report(result, show_final=False)
        if nothing_to_fix:
            click.echo("nothing to fix: the scan finds no problem")
        elif patch:
            _echo(result, f"\n=== proposed patch ===\n{patch}", nl=False)
        elif verdict is not None:
            click.echo("the model's answer changes nothing")
    if result.error:
        sys.exit(EXIT_ERROR)
    if nothing_to_fix:
        sys.exit(EXIT_CLEAN)
    if verdict is None or not patch:
        sys.exit(EXIT_FINDINGS)
    if not verdict.accepted:
        _echo(result, "patch refused: " + "; ".join(verdict.reasons), err=True)
        sys.exit(EXIT_FINDINGS)
    assert final is not None
    if apply_:
        targets = {f.name: p for f, p in zip(files, paths, strict=True)}
        for old, new in pair_files(before.assessment.files, final.assessment.files):
            if old is not None and new is not None and new.code != old.code:
                targets[old.name].write_text(new.code, encoding="utf-8")
                click.echo(f"applied: {targets[old.name]}", err=True)
    else:
        click.echo("not applied (pass --apply to write it)", err=True)
    sys.exit(EXIT_CLEAN if final.assessment.clean else EXIT_FINDINGS)
