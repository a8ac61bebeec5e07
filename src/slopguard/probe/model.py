"""What the probe works with: endpoints and their parameters, identities, options, and what a check observes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from slopguard.core.finding import Confidence, Severity

Where = Literal["query", "form", "json", "path"]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PATH_PARAM = re.compile(r"\{(\w+)\}")
_LOGIN = re.compile(r"(?i)((?<![a-z])(?:log-?in|sign-?in)|/auth(?:enticate)?(?:/token)?/?$|/token/?$|/sessions?/?$)")
_RESET = re.compile(r"(?i)(?<![a-z])(reset|forgot|recover)")
_PUBLIC = re.compile(r"(?i)(?<![a-z])(log-?in|log-?out|sign-?in|sign-?up|register|static|assets?|health)(?![a-z])")
_ADMIN = re.compile(r"(?i)/(admin|administrator|internal|manage(?:ment)?|staff|superuser)(/|$|\b)")
_USERISH = re.compile(r"(?i)^(user|account|owner|member|customer|profile|u)(_?(id|name|no))?$|^uid$")
_USER_PATH = re.compile(r"(?i)/(users?|accounts?|members?|customers?|profiles?)/\{")


@dataclass(frozen=True, slots=True)
class Param:
    """A request input: where it goes and an ordinary value for it."""

    name: str
    where: Where
    example: str | int | float | bool = "1"
    kind: str = "string"  # the declared type: string, integer, number, boolean

    @property
    def injectable(self) -> bool:
        """Free text worth attacking (typed numbers are rejected by the framework before the handler runs)."""
        return self.kind == "string"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation: a method on a path template ('/users/{id}'), its inputs, and what is known about it."""

    method: str
    path: str
    params: tuple[Param, ...] = ()
    secured: bool = False  # documented as requiring credentials (OpenAPI security, a login decorator)
    admin: bool = False  # documented as administrative (a tag, a role decorator)
    origin: str = "explicit"

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def is_login(self) -> bool:
        return bool(_LOGIN.search(self.path)) and self.method != "GET"

    @property
    def is_reset(self) -> bool:
        return bool(_RESET.search(self.path)) and self.method != "GET"

    @property
    def is_admin(self) -> bool:
        return self.admin or bool(_ADMIN.search(self.path))

    @property
    def looks_public(self) -> bool:
        """A login page, static asset or health check: open by design even under /admin."""
        return bool(_PUBLIC.search(self.path))

    @property
    def user_param(self) -> str | None:
        """The path parameter that names a user (``/users/{id}``, ``/x/{user_id}``), if any."""
        names = self.path_params
        named = next((n for n in names if _USERISH.match(n)), None)
        if named is not None:
            return named
        return names[0] if len(names) == 1 and _USER_PATH.search(self.path) else None

    def merged(self, other: Endpoint) -> Endpoint:
        """This endpoint with the other's extra parameters and flags (the same operation found twice)."""
        names = {p.name for p in self.params}
        extra = tuple(p for p in other.params if p.name not in names)
        return replace(
            self,
            params=self.params + extra,
            secured=self.secured or other.secured,
            admin=self.admin or other.admin,
        )


@dataclass(frozen=True, slots=True)
class Identity:
    """A user the probe may act as: a label, the id that names the user in URLs, and the credential header."""

    label: str
    user_id: str
    header: str
    value: str

    @property
    def is_admin(self) -> bool:
        return self.label.lower().startswith(("admin", "root", "superuser"))

    @property
    def headers(self) -> dict[str, str]:
        return {self.header: self.value}


def parse_header(text: str) -> tuple[str, str]:
    """'Authorization: Bearer x' -> ('Authorization', 'Bearer x'); ValueError when malformed."""
    name, sep, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", name) or not value:
        raise ValueError(f"expected 'Name: value', got {text!r}")
    return name, value


def parse_identity(text: str) -> Identity:
    """'alice=2:Authorization: Bearer x' (or 'alice:Cookie: sid=..'); the id defaults to the label."""
    who, sep, header = text.partition(":")
    if not sep or not who.strip():
        raise ValueError(f"expected NAME[=ID]:HEADER, got {text!r}")
    label, _, user_id = who.strip().partition("=")
    name, value = parse_header(header)
    return Identity(label, user_id or label, name, value)


@dataclass
class ProbeOptions:
    """Everything a probe run is told. Budgets bound the traffic; safety switches gate what may be sent."""

    target: str
    openapi: str | None = None
    sources: list[Path] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)
    login_paths: list[str] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    auth_headers: list[tuple[str, str]] = field(default_factory=list)
    expired_token: tuple[str, str] | None = None
    known_user: str | None = None
    known_password: str | None = None
    allow_hosts: frozenset[str] = frozenset()
    allow_unsafe: bool = False
    max_requests: int = 2000
    rate: float = 50.0
    max_seconds: float = 300.0
    burst: int = 30
    enum_samples: int = 8
    time_delay: float = 1.0
    timeout: float = 10.0
    dry_run: bool = False
    families: frozenset[str] | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in output."""
        values = [v for _, v in self.auth_headers] + [i.value for i in self.identities]
        if self.expired_token:
            values.append(self.expired_token[1])
        if self.known_password:
            values.append(self.known_password)
        for v in list(values):
            values.extend(part for part in re.split(r"[\s=;]+", v) if len(part) >= 8)
        return tuple(dict.fromkeys(values))


@dataclass(frozen=True, slots=True)
class Observation:
    """What a check saw: the rule it breaks, where (method, path, parameter), the request and the evidence."""

    rule_id: str
    method: str
    path: str
    parameter: str | None
    message: str
    request: str
    evidence: str
    severity: Severity | None = None
    confidence: Confidence | None = None
