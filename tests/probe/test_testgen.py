"""`slopguard tests generate`: the generated suites pass on the fixed example and fail on each planted flaw.

The suites are generated for examples/probe-target (from the Flask URL map and from openapi.json) and run with
pytest in subprocesses, in parallel; everything goes through Flask's test client (no sockets).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from slopguard.cli.testgen import tests_command as generate_cli
from slopguard.probe.route_vocabulary import request_fields
from slopguard.probe.testgen import (
    MARKER,
    AppLocation,
    flask_endpoints,
    parse_app_spec,
    render_targets,
)
from slopguard.probe.testgen import TestgenError as GenerateError

pytest.importorskip("flask")

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "examples" / "probe-target"
USERS = ["--user", "alice:alice-pass", "--user", "bob:bob-pass"]
PAGES = [
    "GET /", "GET /search", "GET /download", "GET /ping", "GET /preview", "GET /redirect",
    "GET /admin/report", "GET /admin/users", "GET /api/users/{user_id}",
]  # fmt: skip
LEAKY = [("GET /download", "name"), ("GET /ping", "host"), ("GET /preview", "text"), ("GET /search", "q")]
LEAKY.append(("POST /login", "username"))
# (test function, parameter id without its payload number) for every failure the vulnerable app must cause.
EXPECTED_FAILURES = {
    *(("test_security_headers_are_set", page) for page in PAGES),
    *(("test_https_answers_carry_hsts", page) for page in PAGES),
    *(("test_no_version_banners", page) for page in PAGES),
    *(("test_cors_does_not_trust_any_origin", page) for page in PAGES),
    ("test_cookies_are_secure_httponly_and_samesite", ""),
    ("test_sql_errors_are_not_shown", "GET /search q"),
    ("test_sql_errors_are_not_shown", "POST /login username"),
    ("test_true_and_false_sql_conditions_get_the_same_answer", "GET /search q"),
    ("test_true_and_false_sql_conditions_get_the_same_answer", "POST /login username"),
    ("test_markup_is_escaped", "GET /search q"),
    ("test_markup_is_escaped", "GET /preview text"),
    ("test_markup_is_escaped", "GET /download name"),  # the traceback page echoes the file name
    ("test_values_do_not_reach_a_shell", "GET /ping host"),
    ("test_paths_stay_inside_their_folder", "GET /download name"),
    ("test_templates_are_not_built_from_input", "GET /preview text"),
    ("test_redirects_stay_on_site", "GET /redirect next"),
    *(("test_errors_do_not_leak_internals", f"{route} {name}") for route, name in LEAKY),
    ("test_protected_route_needs_credentials", "GET /admin/users"),
    ("test_protected_route_rejects_forged_tokens", "GET /admin/report-alg none"),
    ("test_protected_route_rejects_forged_tokens", "GET /api/users/{user_id}-alg none"),
    *(
        ("test_protected_route_rejects_forged_tokens", f"GET /admin/users-{token}")
        for token in ("alg none", "alg None", "alg NONE", "bad signature", "garbage")
    ),
    ("test_one_account_cannot_read_anothers_data", "GET /api/users/{user_id}"),
    ("test_unknown_and_known_accounts_get_the_same_answer", "POST /login"),
    ("test_unknown_and_known_accounts_get_the_same_answer", "POST /password-reset"),
    ("test_repeated_attempts_are_throttled", "POST /login"),
    ("test_repeated_attempts_are_throttled", "POST /password-reset"),
}


def child_env() -> dict[str, str]:
    """The subprocess sees the same packages as this one (Flask may live outside the venv)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and Path(p).exists())
    return env


def generate(out: Path, app: str, *extra: str) -> None:
    result = CliRunner().invoke(generate_cli, ["generate", "--app", app, "--out", str(out), *extra])
    assert result.exit_code == 0, result.output


def outcomes(report: Path) -> dict[str, Any]:
    failed: set[tuple[str, str]] = set()
    passed = skipped = 0
    for case in ET.parse(report).iter("testcase"):
        match = re.fullmatch(r"(\w+)(?:\[(.*)\])?", case.get("name", ""))
        assert match, case.get("name")
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add((match.group(1), re.sub(r" #\d+$", "", match.group(2) or "")))
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return {"failed": failed, "passed": passed, "skipped": skipped}


@pytest.fixture(scope="module")
def suites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Generate the suites (from the URL map for both apps, from openapi.json for the vulnerable one) and run
    them in parallel, bounded in time. (The fixed app's suite takes longest: every login checks a scrypt hash.)"""
    base = tmp_path_factory.mktemp("generated")
    jobs: dict[str, tuple[subprocess.Popen[bytes], Path, Path]] = {}
    openapi = ["--openapi", str(TARGET / "openapi.json")]
    runs = [("fixed", "map", []), ("vulnerable", "map", []), ("vulnerable", "openapi", openapi)]
    for app, source, extra in runs:
        name = f"{app}-{source}"
        out = base / name
        generate(out, f"{TARGET / f'{app}_app.py'}:create_app()", *USERS, *extra)
        report, log = base / f"{name}.xml", base / f"{name}.log"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", str(out)]
        with log.open("wb") as sink:
            process = subprocess.Popen(command, cwd=base, env=child_env(), stdout=sink, stderr=sink)
        jobs[name] = (process, report, log)
    results: dict[str, dict[str, Any]] = {}
    for name, (process, report, log) in jobs.items():
        try:
            code = process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"the generated suite {name} ran past 300 s")
        assert report.is_file(), log.read_text()[-3000:]
        results[name] = {"code": code, "log": log.read_text()[-3000:], **outcomes(report)}
    return results


def test_generated_suite_passes_on_the_fixed_app(suites: dict[str, dict[str, Any]]) -> None:
    result = suites["fixed-map"]
    assert result["failed"] == set(), result["log"]
    assert result["code"] == 0, result["log"]
    assert result["skipped"] == 0 and result["passed"] > 300


@pytest.mark.parametrize("source", ["map", "openapi"])
def test_generated_suite_fails_on_every_planted_flaw(suites: dict[str, dict[str, Any]], source: str) -> None:
    result = suites[f"vulnerable-{source}"]
    assert result["code"] == 1
    assert sorted(EXPECTED_FAILURES - result["failed"]) == [], "planted flaws the generated tests missed"
    assert sorted(result["failed"] - EXPECTED_FAILURES) == [], "failures where the vulnerable app is not vulnerable"


def test_generated_files_are_readable_and_lint_clean(tmp_path: Path) -> None:
    out = tmp_path / "security"
    generate(out, f"{TARGET / 'fixed_app.py'}:create_app()", *USERS)
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "conftest.py", "security_client.py", "security_targets.py", "test_security_auth.py",
        "test_security_headers.py", "test_security_injection.py",
    ]  # fmt: skip
    targets = (out / "security_targets.py").read_text()
    assert '"GET /search": {\n        "q": ("query", "test", "string"),' in targets
    assert 'LOGIN = {"route": "POST /login", "user": "username", "password": "password"}' in targets
    assert '"GET /admin/users",' in targets and 'KNOWN_USER = "alice"' in targets
    for path in out.iterdir():
        text = path.read_text()
        assert MARKER in text
        compile(text, str(path), "exec")
    assert 'FRAMEWORK = "flask"' in targets and "app.test_client()" in (out / "security_client.py").read_text()
    app_file = re.search(r"^APP_FILE = (\(.*?\n\))$", targets, re.M | re.S)
    assert app_file and '"examples",\n    "probe-target",\n    "fixed_app.py",\n)' in app_file.group(1)  # relative
    assert app_file.group(1).startswith('(\n    "..",')
    assert_lint_clean(out)


def assert_lint_clean(out: Path) -> None:
    """The rendered folder passes ruff's checks and its formatter at a line length common in other projects."""
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        ruff = Path(shutil.which("ruff") or ruff)
    if not ruff.exists():
        pytest.skip("ruff not installed")
    rules = "E,F,W,I,B,UP,SIM,RUF"
    check = [str(ruff), "check", "--no-cache", "--isolated", "--select", rules, "--line-length", "110", str(out)]
    lint = subprocess.run(check, text=True, capture_output=True)
    assert lint.returncode == 0, lint.stdout
    form = [str(ruff), "format", "--check", "--diff", "--no-cache", "--isolated", "--line-length", "110", str(out)]
    formatted = subprocess.run(form, text=True, capture_output=True)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_generated_files_name_no_absolute_path_however_deep_the_app(tmp_path: Path) -> None:
    """A long clone path reaches the generated files only as relative path parts, each line kept short, and
    the suite still finds the app."""
    deep = tmp_path.joinpath("clone-" + "a" * 120, "b" * 40, "c" * 40, "d" * 40, "probe-target")
    shutil.copytree(TARGET, deep)
    out = tmp_path / "project" / "tests" / "security"
    generate(out, f"{deep / 'fixed_app.py'}:create_app()", *USERS)
    for path in out.iterdir():
        text = path.read_text()
        assert str(tmp_path) not in text and str(ROOT) not in text, f"{path.name} names an absolute path"
    assert_lint_clean(out)
    report = tmp_path / "headers.xml"
    case = f"{out / 'test_security_headers.py'}::test_security_headers_are_set[GET /search]"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", case]
    ran = subprocess.run(command, cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert outcomes(report)["passed"] == 1


def test_refuses_to_overwrite_files_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "security"
    out.mkdir()
    (out / "conftest.py").write_text("# the team's own conftest\n")
    app = f"{TARGET / 'fixed_app.py'}:create_app()"
    result = CliRunner().invoke(generate_cli, ["generate", "--app", app, "--out", str(out)])
    assert result.exit_code == 2 and "not generated by slopguard" in result.output
    assert (out / "conftest.py").read_text() == "# the team's own conftest\n"
    assert CliRunner().invoke(generate_cli, ["generate", "--app", app, "--out", str(out), "--force"]).exit_code == 0
    again = CliRunner().invoke(generate_cli, ["generate", "--app", app, "--out", str(out)])
    assert again.exit_code == 0, again.output  # its own files are regenerated without --force


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app", "no/such/app.py:create_app()"], "no such file"),
        (["--app", f"{TARGET / 'fixed_app.py'}:missing"], "no attribute 'missing'"),
        (["--app", "json:loads"], "cannot tell the framework"),
        (["--app", "slopguard_no_such_module_x:app"], "importing it failed"),
        (["--app", "a.b:c(1)"], "expected MODULE:NAME"),
        (["--app", f"{TARGET / 'fixed_app.py'}:create_app()", "--user", "alice"], "expected NAME:PASSWORD"),
        (["--app", f"{TARGET / 'fixed_app.py'}:create_app()", "--openapi", "missing.json"], "no such file"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(generate_cli, ["generate", "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_malformed_openapi_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "openapi.json"
    bad.write_text('{"openapi": "3.0.0", "paths": [')
    app = f"{TARGET / 'fixed_app.py'}:create_app()"
    result = CliRunner().invoke(generate_cli, ["generate", "--app", app, "--openapi", str(bad), "--out", "x"])
    assert result.exit_code == 2 and "openapi.json" in result.output


def test_app_specs() -> None:
    spec = parse_app_spec("pkg.web:create_app()")
    assert (spec.module, spec.file, spec.attr, spec.factory) == ("pkg.web", None, "create_app", True)
    spec = parse_app_spec("src/app.py:app")
    assert (spec.module, spec.file, spec.attr, spec.factory) == (None, Path("src/app.py"), "app", False)
    assert parse_app_spec("pkg.web").attr == "app"
    with pytest.raises(GenerateError):
        parse_app_spec("pkg web:app")


def test_request_fields_follow_the_request_object_and_its_aliases() -> None:
    import ast

    tree = ast.parse(
        textwrap.dedent(
            """
            def view():
                data = request.get_json(silent=True) or request.form
                q = request.args.get("q", "lamp")
                page = request.args.get("page", 1, type=int)
                body = request.get_json()
                return data.get("username"), data["password"], body["note"], request.values.get("v")
            """
        )
    )
    assert request_fields(tree) == {
        "username": ("json", None, "string"),  # the first source named decides: get_json() before form
        "password": ("json", None, "string"),
        "q": ("query", "lamp", "string"),
        "page": ("query", 1, "integer"),
        "note": ("json", None, "string"),
        "v": ("query", None, "string"),  # request.values holds the query string whatever the method
    }


def test_flask_discovery_finds_login_reset_and_protected_routes() -> None:
    from flask import Flask, abort, request

    app = Flask("discovery")

    @app.post("/auth/login")
    def sign_in() -> str:
        return str(request.form["email"]) + str(request.form["password"])

    @app.route("/forgot", methods=["POST"])
    def forgot() -> str:
        return str(request.form.get("email"))

    @app.get("/orders/<int:order_id>")
    def order(order_id: int) -> str:
        if not request.headers.get("Authorization"):
            abort(401)
        return str(order_id)

    @app.get("/about")
    def about() -> str:
        return "about"

    endpoints = {ep.label: ep for ep in flask_endpoints(app)}
    assert set(endpoints) == {"POST /auth/login", "POST /forgot", "GET /orders/{order_id}", "GET /about"}
    assert endpoints["GET /orders/{order_id}"].secured and not endpoints["GET /about"].secured
    assert endpoints["GET /orders/{order_id}"].params[0].kind == "integer"
    app = AppLocation("discovery:app", None, "discovery", "app", False)
    targets = render_targets(app, "flask", list(endpoints.values()), [], None, 30)
    assert 'LOGIN = {"route": "POST /auth/login", "user": "email", "password": "password"}' in targets
    assert '{"route": "POST /forgot", "user": "email"}' in targets
    assert 'PROTECTED = [\n    "GET /orders/{order_id}",\n]' in targets


FASTAPI_APP = """
import html

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/search", response_class=HTMLResponse)
def search(q: str = "lamp") -> str:
    return f"<p>Results for {q}</p>"


@app.get("/safe", response_class=HTMLResponse)
def safe(q: str = "lamp") -> str:
    return f"<p>Results for {html.escape(q)}</p>"


@app.get("/items/{item_id}")
def item(item_id: int) -> dict:
    return {"id": item_id}
"""
DJANGO_FILES = {
    "djsite/__init__.py": "",
    "djsite/settings.py": 'SECRET_KEY = "test-only"\nROOT_URLCONF = "djsite.urls"\nALLOWED_HOSTS = ["localhost"]\n'
    "INSTALLED_APPS = []\nMIDDLEWARE = []\nDATABASES = {}\nUSE_TZ = True\n",
    "djsite/views.py": "from django.http import HttpResponse\nfrom django.utils.html import escape\n\n\n"
    'def search(request):\n    return HttpResponse("<p>" + request.GET.get("q", "lamp") + "</p>")\n\n\n'
    'def safe(request):\n    return HttpResponse("<p>" + escape(request.GET.get("q", "lamp")) + "</p>")\n',
    "djsite/urls.py": "from django.urls import path\n\nfrom djsite import views\n\n"
    'urlpatterns = [path("search/", views.search), path("safe/", views.safe)]\n',
    "djsite/wsgi.py": "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\n"
    'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djsite.settings")\napplication = get_wsgi_application()\n',
}


def run_generated(project: Path, app: str, selection: str) -> dict[str, Any]:
    """Generate in a subprocess (the framework's global state stays out of this one), then run one check."""
    generate_code = "import sys; from slopguard.cli.testgen import tests_command; tests_command(sys.argv[1:])"
    args = ["generate", "--app", app, "--out", "sec"]
    made = subprocess.run([sys.executable, "-c", generate_code, *args], cwd=project, env=child_env(),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    report = project / "report.xml"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", "-k", selection]
    ran = subprocess.run([*command, "sec"], cwd=project, env=child_env(), capture_output=True, text=True, timeout=240)
    assert report.is_file(), ran.stdout + ran.stderr
    return {"code": ran.returncode, "log": ran.stdout[-3000:], **outcomes(report)}


def test_fastapi_apps_are_tested_through_testclient(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    (tmp_path / "shop.py").write_text(FASTAPI_APP)
    result = run_generated(tmp_path, "shop:app", "markup_is_escaped or sql_errors")
    assert result["failed"] == {("test_markup_is_escaped", "GET /search q")}, result["log"]
    assert result["passed"] >= 14 and result["skipped"] == 0
    targets = (tmp_path / "sec" / "security_targets.py").read_text()
    assert '"item_id": ("path", 1, "integer")' in targets and 'FRAMEWORK = "fastapi"' in targets


def test_django_projects_are_tested_through_the_test_client(tmp_path: Path) -> None:
    pytest.importorskip("django")
    for name, text in DJANGO_FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = run_generated(tmp_path, "djsite.wsgi:application", "markup_is_escaped or sql_errors")
    assert result["failed"] == {("test_markup_is_escaped", "GET /search/ q")}, result["log"]
    assert result["passed"] >= 14 and result["skipped"] == 0
