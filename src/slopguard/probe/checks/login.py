"""Login and password-reset routes: which they are, which fields they take, and one attempt at a time."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext
from slopguard.probe.model import Endpoint, Param

_USER_FIELD = re.compile(r"(?i)^(user(_?name)?|login|e-?mail(_?address)?|account|name|uid|identifier)$")
_PASS_FIELD = re.compile(r"(?i)^(pass(word|wd)?|pwd|secret|credential)$")
_TOKEN_KEYS = ("access_token", "token", "jwt", "id_token")


@dataclass(frozen=True, slots=True)
class LoginTarget:
    """A route that takes a user name (and a password, for logins)."""

    ep: Endpoint
    user_field: str
    pass_field: str | None

    @property
    def kind(self) -> str:
        return "login" if self.pass_field else "password reset"


def _target(ep: Endpoint) -> LoginTarget | None:
    body = [p for p in ep.params if p.where in ("form", "json", "query")]
    user = next((p.name for p in body if _USER_FIELD.match(p.name)), None)
    password = next((p.name for p in body if _PASS_FIELD.match(p.name)), None)
    if user is None:
        return None
    return LoginTarget(ep, user, password)


def login_targets(ctx: ProbeContext) -> list[LoginTarget]:
    """Routes named with --login plus discovered login/reset routes, when the probe may send to them."""
    named = set(ctx.options.login_paths)
    out: list[LoginTarget] = []
    for path in named:
        if not any(ep.path == path and ep.method != "GET" for ep in ctx.endpoints):
            guess: tuple[Param, ...] = (Param("username", "form", "test"), Param("password", "form", "test"))
            if not re.search(r"(?i)log-?in|sign-?in|token|session|auth", path):
                guess = guess[:1]
            ctx.endpoints.append(Endpoint("POST", path, guess, origin="--login"))
    for ep in ctx.endpoints:
        if not (ep.is_login or ep.is_reset or ep.path in named) or ep.method == "GET":
            continue
        if not ctx.allowed(ep):
            ctx.note(f"{ep.label}: login/reset checks skipped (pass --login {ep.path} or --allow-unsafe-methods)")
            continue
        target = _target(ep)
        if target is None:
            ctx.note(f"{ep.label}: no user-name field found; login/reset checks skipped")
            continue
        out.append(target)
    return out


def attempt(ctx: ProbeContext, target: LoginTarget, user: str, password: str) -> Exchange:
    values = {target.user_field: user}
    if target.pass_field:
        values[target.pass_field] = password
    return ctx.request(target.ep, values, creds={})


def usernames(ctx: ProbeContext) -> list[str]:
    """Accounts that probably exist: --known-user, the identities' names, then the usual demo accounts."""
    names = [ctx.options.known_user] if ctx.options.known_user else []
    names += [i.label for i in ctx.identities] + ["admin", "alice", "test", "user"]
    return list(dict.fromkeys(n for n in names if n))


def sign_in(ctx: ProbeContext) -> None:
    """With --known-user NAME:PASSWORD, log in once: the answer's cookies are checked later, and its token
    becomes the default credential when none was given."""
    if not (ctx.options.known_user and ctx.options.known_password):
        return
    for target in login_targets(ctx):
        if target.pass_field is None:
            continue
        answer = attempt(ctx, target, ctx.options.known_user, ctx.options.known_password)
        if not answer.ok:
            ctx.note(f"{target.ep.label}: logging in as --known-user failed (HTTP {answer.status})")
            continue
        token = _token(answer.text)
        if token and not ctx.client.default_creds:
            ctx.client.default_creds = {"Authorization": f"Bearer {token}"}
            ctx.client.secrets = (*ctx.client.secrets, token)
            ctx.note(f"using the token from {target.ep.label} as the default credential")
        return


def _token(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return next((data[k] for k in _TOKEN_KEYS if isinstance(data.get(k), str) and data[k]), None)
