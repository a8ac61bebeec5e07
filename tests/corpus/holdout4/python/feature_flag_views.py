"""Feature-flag service (Django): flag lookup for SDKs, targeting-rule previews, imports and the admin sign-in."""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import logging

import jwt
from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars
from lxml import etree

from .models import Flag, Project
from .targeting import evaluate_rule, validate_rule

log = logging.getLogger("flags")
DIRECTORY = Server(settings.FLAGS_LDAP_URL, use_ssl=True)
GROUP_BASE = "ou=groups,dc=corp,dc=example"
PEOPLE_BASE = "ou=people,dc=corp,dc=example"
SDK_TOKEN_KEY = settings.FLAGS_SDK_TOKEN_KEY


def _project_for_key(request: HttpRequest) -> Project | None:
    project = Project.objects.filter(slug=request.headers.get("X-Project", "")).first()
    if project is None:
        return None
    supplied = request.headers.get("X-SDK-Key", "")
    return project if hmac.compare_digest(supplied, project.sdk_key) else None  # ok: PY-TIMING-001


@require_GET
def sdk_flags(request: HttpRequest) -> JsonResponse:
    project = _project_for_key(request)
    if project is None:
        return JsonResponse({"error": "unknown project or key"}, status=401)
    flags = Flag.objects.raw("SELECT * FROM flags_flag WHERE project_id = %s AND archived = false", [project.id])  # ok: PY-SQLI-001
    etag = hashlib.sha1(json.dumps([f.key for f in flags]).encode(), usedforsecurity=False).hexdigest()  # ok: PY-HASH-002, PY-CRYPTO-001
    return JsonResponse({"flags": {f.key: f.state for f in flags}, "etag": etag})


@require_GET
def sdk_flags_by_env(request: HttpRequest, environment: str) -> JsonResponse:
    claims = jwt.decode(request.GET["token"], options={"verify_signature": False})  # expect: PY-JWT-001
    tags = request.GET.get("tags", "")
    flags = Flag.objects.raw(  # expect: PY-SQLI-001
        f"SELECT * FROM flags_flag WHERE project_id = {claims['project']} "
        f"AND environment = '{environment}' AND tags LIKE '%{tags}%'"
    )
    return JsonResponse({"flags": {f.key: f.state for f in flags}})


@require_GET
def sdk_flags_signed(request: HttpRequest) -> JsonResponse:
    claims = jwt.decode(request.GET["token"], SDK_TOKEN_KEY, algorithms=["HS256"], audience="flags-sdk")  # ok: PY-JWT-001
    with connection.cursor() as cur:
        cur.execute("SELECT key, state FROM flags_flag WHERE project_id = %s", [claims["project"]])  # ok: PY-SQLI-001
        return JsonResponse({"flags": dict(cur.fetchall())})


@login_required
@require_POST
def preview_rule(request: HttpRequest) -> JsonResponse:
    context = json.loads(request.POST.get("context", "{}"))
    if request.POST.get("mode") == "python":
        matched = eval(request.POST["expression"], {"__builtins__": {}}, context)  # expect: PY-EVAL-001
    else:
        matched = evaluate_rule(validate_rule(request.POST["expression"]), context)
    default = ast.literal_eval(request.POST.get("default", "False"))  # ok: PY-EVAL-001
    return JsonResponse({"matched": bool(matched), "default": default})


@login_required
@require_GET
def group_members(request: HttpRequest) -> JsonResponse:
    group = request.GET["group"]
    with Connection(DIRECTORY, settings.FLAGS_LDAP_BIND_DN, settings.FLAGS_LDAP_BIND_PASSWORD, auto_bind=True) as conn:
        conn.search(GROUP_BASE, f"(&(objectClass=groupOfNames)(cn={group}))", attributes=["member"])  # expect: PY-LDAP-001
        members = [str(m) for e in conn.entries for m in e.member]
        owner = escape_filter_chars(request.GET.get("owner", ""))
        conn.search(PEOPLE_BASE, f"(&(objectClass=inetOrgPerson)(uid={owner}))", attributes=["cn", "mail"])  # ok: PY-LDAP-001
    return JsonResponse({"members": members, "owner": [e.entry_to_json() for e in conn.entries]})


@login_required
@require_POST
def import_legacy_flags(request: HttpRequest) -> JsonResponse:
    # TODO: only project admins should be able to import, check the role here  # expect: PY-TODO-001
    parser = etree.XMLParser(load_dtd=True, resolve_entities=True, no_network=False)  # expect: PY-XXE-001
    tree = etree.fromstring(request.body, parser)
    key = request.GET.get("only")
    nodes = tree.xpath(f"//flag[@key='{key}']") if key else tree.xpath("//flag")  # expect: PY-XPATH-001
    try:
        created = [Flag.objects.create_from_xml(node) for node in nodes]
    except ValidationError as exc:
        return JsonResponse({"error": "; ".join(exc.messages)}, status=400)  # ok: PY-ERRLEAK-001
    except Exception as exc:
        log.exception("legacy import failed")
        return JsonResponse({"error": f"import failed: {exc!r}"}, status=500)  # expect: PY-ERRLEAK-001
    return JsonResponse({"imported": len(created)})


@permission_required("flags.change_flag")
@require_GET
def flag_history(request: HttpRequest, key: str) -> JsonResponse:
    versions = Flag.history.filter(key=key).order_by("-changed_at")[:50]
    project = request.GET.get("project", "")
    log.info("history viewed: key=%r project=%r", key, project)  # ok: PY-LOG-001
    return JsonResponse({"versions": [v.as_dict() for v in versions]})


@require_POST
def admin_sign_in(request: HttpRequest) -> HttpResponse:  # expect: PY-RATE-001
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
    if user is None:
        return JsonResponse({"error": "Invalid username or password"}, status=401)  # ok: PY-ENUM-001
    login(request, user)
    return JsonResponse({"ok": True})


@ratelimit(key="post:email", rate="3/h", block=True)
@require_POST
def request_sdk_key_reset(request: HttpRequest) -> JsonResponse:
    project = Project.objects.filter(owner_email=request.POST.get("email", "")).first()
    if project is None:
        return JsonResponse({"error": "That address does not own any project"}, status=404)  # expect: PY-ENUM-001
    project.send_key_reset_mail()
    return JsonResponse({"sent": True})


@login_required
@require_POST
def set_preview_cookie(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"ok": True})
    response.set_cookie("flag_preview", request.POST.get("flags", ""), max_age=600, samesite="Lax")  # ok: PY-COOKIE-001
    return response
