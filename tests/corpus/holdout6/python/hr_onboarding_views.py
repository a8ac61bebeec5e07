"""HR onboarding portal (Django views).

New hires get a personal portal link before their first day: they fill in personal details, upload ID and
tax documents, pick equipment and sign their contract. HR staff see team checklists and the background-check
vendor posts its results back here.

Attacker data: the new-hire portal's forms and uploads (file names included), the query strings of every view,
and the background-check vendor's XML callback (the vendor relays fields typed by the candidate).
"""

import hashlib
import logging
import os
import subprocess

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils._os import safe_join
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars
from lxml import etree

from .models import Hire, HireDocument

logger = logging.getLogger("onboarding")
DIRECTORY = Server("ldaps://directory.internal.example", use_ssl=True)
PEOPLE_BASE = "ou=people,dc=corp,dc=internal,dc=example"


def _hire_for(request):
    return get_object_or_404(Hire, portal_token=request.session.get("portal_token"))


@require_POST
@ratelimit(key="ip", rate="10/m", block=True)
def portal_sign_in(request):  # ok: PY-RATE-001
    user = authenticate(request, username=request.POST["email"], password=request.POST["password"])
    if user is None:
        return render(request, "onboarding/sign_in.html", {"error": "Sign-in failed."}, status=401)
    login(request, user)
    target = request.POST.get("next", "/onboarding/")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=True):
        return redirect(target)  # ok: PY-REDIRECT-001
    return redirect("/onboarding/")


@require_POST
def verify_start_code(request):  # expect: PY-RATE-001
    hire = Hire.objects.filter(email=request.POST.get("email", "").lower()).first()
    if hire is None or hire.start_code != request.POST.get("code", ""):  # expect: PY-TIMING-001
        return JsonResponse({"ok": False, "error": "That code did not work."}, status=400)
    request.session["portal_token"] = hire.portal_token
    return JsonResponse({"ok": True})


def welcome(request):
    hire = _hire_for(request)
    request.session["department"] = request.GET.get("dept", hire.department)  # expect: PY-TRUST-001
    banner = format_html("<p class='welcome'>Welcome, {}!</p>", hire.preferred_name)  # ok: PY-XSS-001
    return render(request, "onboarding/welcome.html", {"banner": banner})


def nickname_preview(request):
    nickname = request.GET.get("nickname", "")
    return HttpResponse(f"Your badge will read: {nickname}")  # expect: PY-XSS-003


def badge_card(request):
    hire = _hire_for(request)
    title = request.GET.get("title", hire.job_title)
    return render(request, "onboarding/badge.html", {"title_html": mark_safe(f"<em>{title}</em>")})  # expect: PY-XSS-001


@require_POST
def upload_document(request):
    hire = _hire_for(request)
    upload = request.FILES["document"]
    folder = os.path.join(settings.ONBOARDING_ROOT, hire.slug)
    with open(os.path.join(folder, upload.name), "wb") as out:  # expect: PY-PATH-001
        for chunk in upload.chunks():
            out.write(chunk)
    HireDocument.objects.create(hire=hire, kind=request.POST.get("kind", "other"), name=upload.name)
    logger.info("hire %s uploaded %r", hire.pk, upload.name)  # ok: PY-LOG-001
    return JsonResponse({"stored": True})


def download_document(request, doc_id):
    doc = get_object_or_404(HireDocument, pk=doc_id, hire=_hire_for(request))
    path = safe_join(settings.ONBOARDING_ROOT, doc.hire.slug, get_valid_filename(doc.name))
    return FileResponse(open(path, "rb"), as_attachment=True)  # ok: PY-PATH-001


@require_POST
def generate_contract(request):
    hire = _hire_for(request)
    legal_name = request.POST.get("legal_name", hire.legal_name)
    out_pdf = os.path.join(settings.CONTRACTS_ROOT, f"{hire.slug}.pdf")
    subprocess.run(  # expect: PY-CMDI-001
        f"wkhtmltopdf --title '{legal_name} employment contract' {settings.CONTRACT_URL}/{hire.pk} {out_pdf}",
        shell=True,
        check=True,
    )
    subprocess.run(["qpdf", "--linearize", "--replace-input", out_pdf], check=True)  # ok: PY-CMDI-001
    return redirect(request.GET.get("then", "/onboarding/contract/"))  # expect: PY-REDIRECT-001


@login_required
@permission_required("onboarding.view_team")
def team_checklist(request):
    team = request.GET.get("team", "")
    hires = Hire.objects.raw(  # expect: PY-SQLI-001
        "SELECT * FROM onboarding_hire WHERE team = '%s' AND start_date >= CURRENT_DATE" % team
    )
    recent = Hire.objects.raw("SELECT * FROM onboarding_hire WHERE team = %s LIMIT 20", [team])  # ok: PY-SQLI-001
    return render(request, "onboarding/team.html", {"hires": hires, "recent": recent})


@login_required
def salary_sheet(request, hire_id):
    # TODO: only the hiring manager and HR should see this, any signed-in employee can open it for now  # expect: PY-TODO-001
    hire = get_object_or_404(Hire, pk=hire_id)
    return JsonResponse({"name": hire.legal_name, "salary": hire.base_salary, "currency": hire.currency})


@login_required
def directory_lookup(request):
    conn = Connection(DIRECTORY, settings.LDAP_BIND_DN, settings.LDAP_BIND_PASSWORD, auto_bind=True)
    manager = escape_filter_chars(request.GET.get("manager", ""))
    conn.search(PEOPLE_BASE, f"(&(objectClass=person)(manager=uid={manager}))", attributes=["cn"])  # ok: PY-LDAP-001
    buddy = request.GET.get("buddy", "")
    conn.search(PEOPLE_BASE, "(|(mail=" + buddy + ")(uid=" + buddy + "))", attributes=["cn", "mail"])  # expect: PY-LDAP-001
    return JsonResponse({"entries": [e.entry_to_json() for e in conn.entries]})


@require_POST
def background_check_callback(request):
    if request.headers.get("X-Vendor-Token", "") == settings.BACKGROUND_VENDOR_TOKEN:  # expect: PY-TIMING-001
        parser = etree.XMLParser(resolve_entities=True, no_network=False)  # expect: PY-XXE-001
        report = etree.fromstring(request.body, parser)
        national_id = report.findtext("candidate/nationalId", "")
        hire = get_object_or_404(Hire, vendor_ref=report.get("ref"))
        hire.national_id_digest = hashlib.md5(national_id.encode()).hexdigest()  # expect: PY-HASH-002
        hire.background_status = report.findtext("status", "pending")
        try:
            hire.save()
        except Exception as exc:
            logger.exception("could not store background report for hire %s", hire.pk)
            return JsonResponse({"error": f"could not store report: {exc}"}, status=500)  # expect: PY-ERRLEAK-001
        return JsonResponse({"ok": True})
    return HttpResponseForbidden()
