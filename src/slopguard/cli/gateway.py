"""``slopguard gateway``: a local proxy in front of a model server that adds the security instructions to every
request and checks every answer (see ``slopguard.gateway``).

Exit codes: 0 stopped (Ctrl-C or SIGTERM); 2 usage or configuration error, or the address cannot be bound.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from slopguard.core.config import Settings
from slopguard.core.finding import Confidence, Severity
from slopguard.deps.urls import redact_url
from slopguard.gateway.app import create_app
from slopguard.gateway.config import block_level, resolve, security_instructions, user_gateway_table
from slopguard.gateway.server import bind, serve
from slopguard.gateway.verdict import AnswerChecker
from slopguard.guide.instructions import parse_languages

SEVERITIES = [s.label for s in Severity]
CONFIDENCES = [c.label for c in Confidence]
EXIT_ERROR = 2


def _fail(message: str) -> NoReturn:
    click.echo(f"slopguard: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _languages(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return parse_languages(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _log_to_stderr() -> None:
    logger = logging.getLogger("slopguard.gateway")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("slopguard gateway: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


@click.command("gateway")
@click.option("--upstream", metavar="URL",
              help="Base URL of the model server's API, as an SDK's base_url (e.g. http://127.0.0.1:11434/v1); "
              "default: 'upstream' in the [gateway] table of your user configuration.")  # fmt: skip
@click.option("--anthropic-upstream", metavar="URL",
              help="Base URL for /v1/messages, e.g. https://api.anthropic.com/v1 (default: --upstream).")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback lets other machines use the gateway.")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")  # fmt: skip
@click.option("--block-on", type=click.Choice(SEVERITIES),
              help="Replace an answer with a refusal when a finding reaches this severity (or the answer could not "
              "be checked whole); streams are then sent only once complete. Default: annotate only.")  # fmt: skip
@click.option("--lang", "languages", multiple=True, callback=_languages,
              help="Add these languages' rule lists to the instructions, comma-separated (default: the general "
              "sections only, to keep every request small).")  # fmt: skip
@click.option("--no-instructions", is_flag=True, help="Forward requests without the security instructions.")
@click.option("--min-confidence", type=click.Choice(CONFIDENCES),
              help="Only findings at least this sure block an answer (default: medium).")  # fmt: skip
@click.option("--offline", is_flag=True, help="Verify packages from the cache and the shipped index only.")
@click.option("--allow-unknown", is_flag=True, help="Packages that cannot be verified do not block.")
@click.option(
    "--allow-skipped",
    is_flag=True,
    help="Code that could not be analysed (a block that does not parse) neither blocks nor is noted.",
)
@click.option("--new-days", type=click.IntRange(min=0), help="A package younger than this many days is 'new'.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="How long the upstream may stay silent before the call fails (default: 600).")  # fmt: skip
@click.option("--max-request-bytes", type=click.IntRange(min=1), help="Largest request body (default: 4 MiB).")
@click.option("--max-response-bytes", type=click.IntRange(min=1),
              help="Largest upstream answer, streamed bytes included (default: 16 MiB).")  # fmt: skip
def gateway_command(
    host: str,
    port: int,
    languages: tuple[str, ...],
    no_instructions: bool,
    min_confidence: str | None,
    offline: bool,
    allow_unknown: bool,
    allow_skipped: bool,
    new_days: int | None,
    **flags: Any,
) -> None:
    """Run an OpenAI- and Anthropic-compatible proxy in front of the model server you name: every request gets
    slopguard's security instructions in its system prompt, and every answer's code blocks are scanned and its
    packages verified before the client sees it; problems are noted at the end of the answer, or with --block-on
    the answer is replaced by a refusal. Point clients at http://HOST:PORT/v1 (Anthropic SDKs: http://HOST:PORT).
    Keys sent by the client go to the upstream only and are never logged.

    Exit codes: 0 stopped (Ctrl-C or SIGTERM); 2 usage or configuration error, or the address cannot be bound."""
    try:
        table = user_gateway_table()
        config = resolve(flags, table, "" if no_instructions else security_instructions(languages))
        block_on = block_level(flags, table)
    except ValueError as exc:
        _fail(str(exc))
    settings = Settings(root=Path.cwd()).with_overrides(
        offline=offline or None,
        allow_unknown=allow_unknown or None,
        allow_skipped=allow_skipped or None,
        min_confidence=Confidence.parse(min_confidence) if min_confidence else None,
        new_days=new_days,
    )
    checker = AnswerChecker(settings, block_on)
    try:
        sock = bind(host, port)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    mode = f"blocking at {block_on.label}" if block_on else "annotating"
    click.echo(f"slopguard gateway: listening on http://{shown}:{bound}/v1 -> {redact_url(config.upstream)} ({mode})",
               err=True)  # fmt: skip
    if not _is_loopback(host):
        click.echo(
            f"slopguard gateway: warning: {host} is not a loopback address; other machines can reach it", err=True
        )
    _log_to_stderr()
    serve(create_app(config, checker), sock)
