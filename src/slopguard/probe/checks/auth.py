"""Authentication and authorisation: protected routes without credentials, with a made-up, tampered, expired or
unsigned token; with several identities, a normal user on administrative routes and on another user's records."""

from __future__ import annotations

import re
from collections.abc import Mapping

from slopguard.core.finding import Confidence
from slopguard.probe.checks.common import same
from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext, excerpt
from slopguard.probe.model import Endpoint, Identity
from slopguard.probe.tokens import Jwt, find_jwt, guess_key

Creds = dict[str, str]


def _protected(anon: Exchange) -> bool:
    login_redirect = 300 <= anon.status < 400 and "login" in anon.location.lower()
    return anon.status in (401, 403) or login_redirect


def _candidates(ctx: ProbeContext) -> list[tuple[str, Creds]]:
    out: list[tuple[str, Creds]] = []
    default = dict(ctx.client.default_creds)
    if default:
        same_as = next((i for i in ctx.identities if i.headers == default), None)
        out.append((f"identity '{same_as.label}'" if same_as else "the default credential", default))
    out += [(f"identity '{i.label}'", i.headers) for i in ctx.identities if i.headers != default]
    return out


def _garbage(value: str, marker: str) -> str:
    scheme, sep, _ = value.partition(" ")
    if sep and scheme.lower() in ("bearer", "token", "jwt", "basic"):
        return f"{scheme} sg-invalid-{marker}"
    name, sep, _ = value.partition("=")
    return f"{name}=sg-invalid-{marker}" if sep else f"sg-invalid-{marker}"


def _accepted(ctx: ProbeContext, ep: Endpoint, header: str, value: str) -> Exchange:
    return ctx.request(ep, creds={header: value})


def _tokens(ctx: ProbeContext, ep: Endpoint, who: str, creds: Creds, good: Exchange) -> None:
    header, value = next(iter(creds.items()))
    jwt = find_jwt(value)
    forged = [("a made-up token", _garbage(value, ctx.marker))]
    if jwt is not None:
        forged.append(("the token with its signature altered", jwt.broken_signature()))
    for what, fake in forged:
        answer = _accepted(ctx, ep, header, fake)
        if answer.ok:
            ctx.observe("PROBE-AUTH-002", ep, header,
                        f"{ep.label} rejects anonymous requests (HTTP 401/403) but accepts {what} in {header} "
                        f"(HTTP {answer.status})",
                        answer, excerpt(answer.text))  # fmt: skip
            break
    if jwt is not None:
        _jwt_attacks(ctx, ep, header, jwt, who)
    if ctx.options.expired_token and not ctx.found("PROBE-AUTH-003", ep, None):
        name, expired = ctx.options.expired_token
        answer = _accepted(ctx, ep, name, expired)
        if answer.ok:
            ctx.observe("PROBE-AUTH-003", ep, None,
                        f"{ep.label} accepts the expired token given with --expired-token (HTTP {answer.status})",
                        answer, excerpt(answer.text))  # fmt: skip


def _jwt_attacks(ctx: ProbeContext, ep: Endpoint, header: str, jwt: Jwt, who: str) -> None:
    for variant in ("none", "None", "NONE"):
        answer = _accepted(ctx, ep, header, jwt.alg_none(variant))
        if answer.ok:
            ctx.observe("PROBE-AUTH-004", ep, header,
                        f"{ep.label} accepts an unsigned copy of the token of {who} (header alg: {variant!r}, empty "
                        f"signature; HTTP {answer.status}): anyone can mint tokens with any claims",
                        answer, excerpt(answer.text))  # fmt: skip
            break
    key = guess_key(jwt) if not ctx.dry_run else None
    if key is None:
        return
    if not any(o.rule_id == "PROBE-AUTH-005" for o in ctx.observations):
        ctx.observe("PROBE-AUTH-005", ep, header,
                    f"the {jwt.alg} token of {who} is signed with the well-known key {key[:3]!r}... (found offline "
                    f"from a word list): anyone can sign tokens for any user",
                    None, f"key of {len(key)} characters guessed without sending a request")  # fmt: skip
    if not ctx.found("PROBE-AUTH-003", ep, None):
        answer = _accepted(ctx, ep, header, jwt.expired(key.encode()))
        if answer.ok:
            ctx.observe("PROBE-AUTH-003", ep, None,
                        f"{ep.label} accepts a correctly signed token that expired an hour ago "
                        f"(HTTP {answer.status})",
                        answer, excerpt(answer.text))  # fmt: skip


def _as(ctx: ProbeContext, ep: Endpoint, who: Identity, values: Mapping[str, str] | None = None) -> Exchange:
    return ctx.request(ep, values, creds=who.headers)


def _admin_routes(ctx: ProbeContext, gets: list[Endpoint]) -> None:
    users = [i for i in ctx.identities if not i.is_admin]
    admins = [i for i in ctx.identities if i.is_admin]
    for ep in gets:
        if not ep.is_admin or ctx.found("PROBE-AUTH-001", ep):
            continue
        for user in users:
            answer = _as(ctx, ep, user)
            if not answer.ok:
                continue
            confidence = Confidence.HIGH if admins or ep.admin else Confidence.MEDIUM
            ctx.observe("PROBE-AUTHZ-001", ep, None,
                        f"{ep.label} is administrative but answers the normal user '{user.label}' with HTTP "
                        f"{answer.status}",
                        answer, excerpt(answer.text), confidence=confidence)  # fmt: skip
            break


def _foreign_records(ctx: ProbeContext, gets: list[Endpoint]) -> None:
    users = [i for i in ctx.identities if not i.is_admin]
    for ep in gets:
        param = ep.user_param
        if param is None or not users or len(ctx.identities) < 2:
            continue
        for attacker in users:
            for owner in (i for i in ctx.identities if i is not attacker and i.user_id != attacker.user_id):
                own = _as(ctx, ep, owner, {param: owner.user_id})
                if not own.ok:
                    continue
                theirs = _as(ctx, ep, attacker, {param: owner.user_id})
                anon = ctx.request(ep, {param: owner.user_id}, creds={})
                if theirs.ok and not anon.ok and same(own, theirs, ()):
                    ctx.observe("PROBE-AUTHZ-002", ep, param,
                                f"{ep.label} with {param}={owner.user_id}: '{attacker.label}' gets "
                                f"'{owner.label}''s record (HTTP {theirs.status}, the same answer the owner gets)",
                                theirs, excerpt(theirs.text))  # fmt: skip
                    return
                break


def run(ctx: ProbeContext) -> None:
    gets = [ep for ep in ctx.targets() if ep.method == "GET"]
    for ep in gets:
        anon = ctx.request(ep, creds={})
        login_form = re.search(r"(?i)type=[\"']?password", anon.text)
        if anon.ok and (ep.secured or (ep.is_admin and not ep.looks_public and not login_form)):
            why = "documented as requiring credentials" if ep.secured else "an administrative route"
            confidence = Confidence.HIGH if ep.secured else Confidence.MEDIUM
            ctx.observe("PROBE-AUTH-001", ep, None,
                        f"{ep.label} is {why} but answers HTTP {anon.status} without any credentials",
                        anon, excerpt(anon.text), confidence=confidence)  # fmt: skip
            continue
        if not _protected(anon):
            continue
        for who, creds in _candidates(ctx):
            good = ctx.request(ep, creds=creds)
            if good.ok:
                _tokens(ctx, ep, who, creds, good)
                break
        else:
            if _candidates(ctx):
                ctx.note(f"{ep.label}: no supplied credential is accepted; token checks skipped there")
    _admin_routes(ctx, gets)
    _foreign_records(ctx, gets)
