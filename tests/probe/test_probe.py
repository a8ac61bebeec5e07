"""`slopguard probe` against real servers on 127.0.0.1: every planted flaw of the vulnerable example is found,
nothing in its fixed twin, within bounded requests and seconds; plus time-based and timing checks against a
small WSGI app, discovery from source and OpenAPI, and the report formats."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from slopguard.cli.probe import probe_command
from slopguard.probe.model import ProbeOptions
from slopguard.probe.runner import run_probe
from slopguard.probe.source_routes import endpoints_from_source
from slopguard.probe.stats import compare_timings, rank_sum_p
from slopguard.probe.targets import endpoints_from_openapi, parse_endpoint_spec, parse_openapi
from slopguard.probe.tokens import find_jwt, guess_key

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "probe-target"
MAX_REQUESTS, MAX_SECONDS = 900, 40.0
PLANTED = {
    ("PROBE-SQLI-001", "/search"), ("PROBE-SQLI-001", "/login"), ("PROBE-XSS-001", "/search"),
    ("PROBE-XSS-001", "/preview"), ("PROBE-SSTI-001", "/preview"), ("PROBE-PATH-001", "/download"),
    ("PROBE-CMDI-001", "/ping"), ("PROBE-REDIRECT-001", "/redirect"), ("PROBE-AUTH-001", "/admin/users"),
    ("PROBE-AUTH-003", "/admin/report"), ("PROBE-AUTH-004", "/admin/report"),
    ("PROBE-AUTHZ-002", "/api/users/{user_id}"), ("PROBE-ENUM-001", "/login"), ("PROBE-ENUM-001", "/password-reset"),
    ("PROBE-RATE-001", "/login"), ("PROBE-RATE-001", "/password-reset"), ("PROBE-CORS-001", "/"),
    ("PROBE-HDR-001", "/"), ("PROBE-HDR-002", "/"), ("PROBE-HDR-003", "/"), ("PROBE-HDR-005", "/"),
    ("PROBE-HDR-006", "/"), ("PROBE-COOKIE-001", "/login"), ("PROBE-ERR-001", "/search"),
}  # fmt: skip


@pytest.fixture(autouse=True)
def quiet_servers() -> Iterator[None]:
    """The servers' request logs and the example apps' error logs would drown the test output."""
    loggers = [logging.getLogger(name) for name in ("werkzeug", "probe_example_vulnerable", "probe_example_fixed")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@contextmanager
def serve(app: Any, server: Any = None) -> Iterator[str]:
    server = server or make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def load_example(name: str) -> ModuleType:
    pytest.importorskip("flask")
    path = EXAMPLE / f"{name}_app.py"
    if not path.exists():
        pytest.skip(f"{path} not present")
    spec = importlib.util.spec_from_file_location(f"probe_example_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def expired_token(module: ModuleType) -> str:
    """A correctly signed admin token that expired an hour ago (signed with the app's own key)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": "1", "name": "admin", "role": "admin", "exp": int(time.time()) - 3600}
    payload = _b64(json.dumps(claims).encode())
    sig = hmac.new(module.SECRET_KEY.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(sig)}"


@pytest.fixture(params=["vulnerable", "fixed"])
def example(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, ModuleType]]:
    module = load_example(request.param)
    server = module.serve(0) if hasattr(module, "serve") else make_server("127.0.0.1", 0, module.create_app())
    with serve(None, server) as url:
        yield request.param, url, module


def example_args(url: str, module: ModuleType) -> tuple[list[str], list[str]]:
    users = [(1, "admin", "admin"), (2, "alice", "user"), (3, "bob", "user")]
    tokens = [module.issue_token({"id": i, "username": n, "role": r}) for i, n, r in users]
    args = [url, "--allow-unsafe-methods", "--rate", "0", "--known-user", "alice:alice-pass",
            "--expired-token", f"Authorization: Bearer {expired_token(module)}"]  # fmt: skip
    for (uid, name, _), token in zip(users, tokens, strict=True):
        args += ["--identity", f"{name}={uid}:Authorization: Bearer {token}"]
    return args, [*tokens, "alice-pass"]


def run_cli(args: list[str]) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(probe_command, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout), result.output


def found(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule_id"], f["location"]["path"]) for f in doc["findings"]}


def test_example_apps_planted_flaws_found_and_fixed_twin_clean(example: tuple[str, str, ModuleType]) -> None:
    name, url, module = example
    args, secrets = example_args(url, module)
    started = time.monotonic()
    code, doc, output = run_cli([*args, "--openapi", str(EXAMPLE / "openapi.json")])
    seconds = time.monotonic() - started
    stats = doc["summary"]["probe"]
    print(f"{name}: {stats['requests']} requests in {stats['seconds']:.2f}s, {len(doc['findings'])} findings")
    assert stats["requests"] <= MAX_REQUESTS and seconds < MAX_SECONDS and stats["stopped"] is None
    if name == "vulnerable":
        assert code == 1
        missing = PLANTED - found(doc)
        assert not missing, f"planted flaws not found: {sorted(missing)}"
        assert ("PROBE-AUTH-005", "/admin/report") in found(doc)  # the key is a well-known default
    else:
        assert code == 0, [f["message"] for f in doc["findings"]]
        assert doc["findings"] == []
    for secret in secrets:
        assert secret not in output, "credentials must be redacted from every message"


def test_example_routes_from_source_find_the_same_flaws() -> None:
    module = load_example("vulnerable")
    with serve(None, module.serve(0)) as url:
        args, _ = example_args(url, module)
        code, doc, _ = run_cli([*args, "--from-source", str(EXAMPLE / "vulnerable_app.py")])
    stats = doc["summary"]["probe"]
    print(f"from source: {stats['requests']} requests in {stats['seconds']:.2f}s")
    assert code == 1 and stats["requests"] <= MAX_REQUESTS
    assert PLANTED - found(doc) == set()


def test_sarif_and_text_output_of_a_probe(tmp_path: Path) -> None:
    module = load_example("vulnerable")
    with serve(None, module.serve(0)) as url:
        common = [url, "--openapi", str(EXAMPLE / "openapi.json"), "--rate", "0", "--checks", "headers,reflection"]
        sarif = CliRunner().invoke(probe_command, [*common, "--format", "sarif", "-o", str(tmp_path / "p.sarif")])
        text = CliRunner().invoke(probe_command, common)
    assert sarif.exit_code == 1 and text.exit_code == 1
    doc = json.loads((tmp_path / "p.sarif").read_text())
    jsonschema.validate(doc, json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()))
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == url + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert {"search", "preview", "download", "redirect"} <= uris
    assert "PROBE-XSS-001" in text.output and "request(s) sent" in text.output


def test_json_report_matches_the_findings_schema() -> None:
    module = load_example("vulnerable")
    with serve(None, module.serve(0)) as url:
        _, doc, _ = run_cli([url, "--endpoint", "GET /search?q=lamp", "--rate", "0", "--checks", "injection"])
    jsonschema.validate(doc, json.loads((ROOT / "docs" / "findings.schema.json").read_text()))
    assert found(doc) == {("PROBE-SQLI-001", "/search")}


# A small WSGI service for what the examples do not exercise: blind (time-based) injection and a login that
# leaks only through timing.
KNOWN_DELAY = 0.03


@Request.application  # type: ignore[misc]
def blind_app(request: Request) -> Response:
    if request.path == "/lookup":  # MySQL-style SLEEP() reaches the database; the page never changes
        m = re.search(r"SLEEP\(([\d.]+)\)", request.args.get("id", ""))
        if m:
            time.sleep(float(m.group(1)))
        return Response("<p>one record</p>", content_type="text/html")
    if request.path == "/notify":  # a shell runs the value, its output is discarded
        m = re.search(r"[;|\n]\s*sleep ([\d.]+)|\$\(sleep ([\d.]+)\)", request.args.get("email", ""))
        if m:
            time.sleep(float(m.group(1) or m.group(2)))
        return Response("queued", content_type="text/plain")
    if request.path in ("/login", "/signin") and request.method == "POST":
        if request.path == "/login" and request.form.get("username") == "carol":
            time.sleep(KNOWN_DELAY)  # only existing accounts get their password hashed
        return Response('{"error": "invalid credentials"}', 401, content_type="application/json")
    return Response("not found", 404)


@pytest.fixture
def blind() -> Iterator[str]:
    with serve(blind_app) as url:
        yield url


def test_blind_sql_and_command_injection_found_by_bounded_time_checks(blind: str) -> None:
    options = ProbeOptions(
        target=blind,
        endpoints=["GET /lookup?id=7", "GET /notify?email=a@b.test"],
        rate=0,
        time_delay=0.5,
        families=frozenset({"injection"}),
    )
    result = run_probe(options)
    print(f"blind: {result.requests} requests in {result.seconds:.2f}s")
    rules = {(o.rule_id, o.path) for o in result.observations}
    assert rules == {("PROBE-SQLI-001", "/lookup"), ("PROBE-CMDI-001", "/notify")}
    assert result.requests < 120 and result.seconds < 10


def test_enumeration_through_timing_alone_uses_a_rank_test(blind: str) -> None:
    options = ProbeOptions(
        target=blind,
        endpoints=["POST /login form:username=x&password=y", "POST /signin form:username=x&password=y"],
        login_paths=["/login", "/signin"],
        known_user="carol",
        rate=0,
        enum_samples=8,
        families=frozenset({"enumeration"}),
    )
    result = run_probe(options)
    print(f"timing: {result.requests} requests in {result.seconds:.2f}s")
    [obs] = result.observations
    assert obs.path == "/login" and "timing" in obs.message and "status" not in obs.message
    assert result.requests <= 1 + 2 * (1 + 5 + 2 * 8)  # reachability, then per route: screening and samples


def test_rank_sum_test() -> None:
    slow, fast = [0.031, 0.032, 0.030, 0.033, 0.031, 0.034], [0.001, 0.002, 0.001, 0.0015, 0.002, 0.001]
    assert rank_sum_p(slow, fast) < 0.01
    assert rank_sum_p([1, 2, 3, 4, 5], [1.5, 2.5, 3.5, 4.5, 5.5]) > 0.5
    assert compare_timings(slow, fast).differs
    assert not compare_timings(
        [0.0010, 0.0011, 0.0012, 0.0010, 0.0013], [0.0011, 0.0012, 0.0013, 0.0011, 0.0014]
    ).differs


def test_routes_from_fastapi_django_and_express_source(tmp_path: Path) -> None:
    (tmp_path / "api.py").write_text(
        "from fastapi import APIRouter, Depends, FastAPI\n"
        "from pydantic import BaseModel\n"
        "app = FastAPI()\nrouter = APIRouter(prefix='/v1')\n"
        "class Login(BaseModel):\n    email: str\n    password: str\n"
        "@router.get('/items/{item_id}')\ndef item(item_id: int, q: str = ''): ...\n"
        "@app.post('/token')\ndef token(body: Login): ...\n"
        "@app.get('/me')\ndef me(user=Depends(get_current_user)): ...\n"
    )
    (tmp_path / "views.py").write_text("def detail(request, pk):\n    return request.GET.get('fmt')\n")
    (tmp_path / "urls.py").write_text(
        "from django.urls import path\nurlpatterns = [path('notes/<int:pk>/', views.detail)]\n"
    )
    (tmp_path / "server.js").write_text(
        "app.get('/search', (req, res) => { const { term, page } = req.query; res.send(term) })\n"
        "router.post('/admin/users/:id', requireAdmin, (req, res) => { db.update(req.body.role) })\n"
    )
    eps = {ep.label: ep for ep in endpoints_from_source([tmp_path])}
    assert set(eps) == {"GET /v1/items/{item_id}", "POST /token", "GET /me", "GET /notes/{pk}/", "GET /search",
                        "POST /admin/users/{id}"}  # fmt: skip
    assert [(p.name, p.where, p.kind) for p in eps["GET /v1/items/{item_id}"].params] == [
        ("item_id", "path", "integer"), ("q", "query", "string")]  # fmt: skip
    assert {p.name for p in eps["POST /token"].params} == {"email", "password"} and eps["POST /token"].is_login
    assert eps["GET /me"].secured and not eps["GET /v1/items/{item_id}"].secured
    assert {p.name for p in eps["GET /notes/{pk}/"].params} == {"pk", "fmt"}
    assert {p.name for p in eps["GET /search"].params} == {"term", "page"}
    assert eps["POST /admin/users/{id}"].secured and eps["POST /admin/users/{id}"].is_admin


def test_openapi_refs_security_and_explicit_specs() -> None:
    doc = parse_openapi(json.dumps({
        "openapi": "3.0.0", "security": [{"bearer": []}], "servers": [{"url": "http://127.0.0.1:8000/api/"}],
        "components": {"schemas": {"Cred": {"type": "object", "properties": {"user": {"type": "string"}}}}},
        "paths": {"/login": {"post": {"security": [], "requestBody": {"content": {
            "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Cred"}}}}}},
            "/orders/{id}": {"parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
                             "get": {"parameters": [{"name": "sort", "in": "query", "example": "date"}]}}},
    }), "spec")  # fmt: skip
    eps = {ep.label: ep for ep in endpoints_from_openapi(doc)}
    assert not eps["POST /api/login"].secured and eps["POST /api/login"].params[0].where == "form"
    assert eps["GET /api/orders/{id}"].secured
    assert [(p.name, p.example) for p in eps["GET /api/orders/{id}"].params] == [("id", 1), ("sort", "date")]
    spec = parse_endpoint_spec("POST /login json:username=a&password=b")
    assert [(p.name, p.where) for p in spec.params] == [("username", "json"), ("password", "json")]


def test_jwt_helpers_forge_and_guess_offline() -> None:
    header = _b64(b'{"alg":"HS256","typ":"JWT"}')
    claims = _b64(json.dumps({"sub": "2", "exp": 9999999999}).encode())
    sig = _b64(hmac.new(b"change-me", f"{header}.{claims}".encode(), hashlib.sha256).digest())
    jwt = find_jwt(f"Bearer {header}.{claims}.{sig}")
    assert jwt is not None and guess_key(jwt) == "change-me"
    none = find_jwt(jwt.alg_none())
    assert none is not None and none.alg == "none" and none.signature == "" and none.claims["sub"] == "2"
    expired = find_jwt(jwt.expired(b"change-me"))
    assert expired is not None and expired.claims["exp"] < time.time() and guess_key(expired) == "change-me"
    strong = _b64(hmac.new(b"k" * 8 + b"9f8e7d6c5b4a", f"{header}.{claims}".encode(), hashlib.sha256).digest())
    assert guess_key(find_jwt(f"{header}.{claims}.{strong}")) is None  # type: ignore[arg-type]
