"""accounts/views.py: sign-in, password reset and member search, using Django's own machinery."""

import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import authenticate, login
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_ratelimit.decorators import ratelimit

from .models import ApiClient, Profile

logger = logging.getLogger(__name__)
GENERIC_RESET_MESSAGE = "If an account exists for that address, we have emailed a reset link."


@ratelimit(key="ip", rate="5/m", method="POST", block=True)
def login_view(request):  # ok: PY-RATE-001
    if request.method != "POST":
        return render(request, "accounts/login.html")
    user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
    if user is None:
        return render(request, "accounts/login.html", {"error": "Invalid username or password"})  # ok: PY-ENUM-001
    login(request, user)
    logger.info("user id %s logged in", user.pk)  # ok: PY-LOG-001
    next_url = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=True):
        return HttpResponseRedirect(next_url)  # ok: PY-REDIRECT-001
    response = redirect("dashboard")
    response.set_cookie("ui_theme", "dark", secure=True, httponly=True, samesite="Lax")  # ok: PY-COOKIE-001
    return response


@ratelimit(key="ip", rate="3/h", method="POST", block=True)
def password_reset_request(request):  # ok: PY-RATE-001
    if request.method != "POST":
        return render(request, "accounts/password_reset.html")
    email = request.POST.get("email", "").strip()
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is not None:
        token = default_token_generator.make_token(user)
        link = request.build_absolute_uri(f"/accounts/reset/{user.pk}/{token}/")
        send_mail("Password reset", f"Reset your password: {link}", None, [user.email])
    messages.info(request, GENERIC_RESET_MESSAGE)  # ok: PY-ENUM-001
    return redirect("login")


@ratelimit(key="ip", rate="10/h", block=True)
def password_reset_confirm(request, user_id, token):  # ok: PY-RATE-001
    user = User.objects.filter(pk=user_id).first()
    if user is None or not default_token_generator.check_token(user, token):
        messages.error(request, "This reset link is invalid or has expired.")
        return redirect("password_reset")
    if request.method == "POST":
        user.set_password(request.POST["new_password"])
        user.save()
        return redirect("login")
    return render(request, "accounts/password_reset_confirm.html")


def issue_api_key(request):
    client = ApiClient.objects.get(owner=request.user)
    client.key = secrets.token_urlsafe(32)  # ok: PY-RAND-001
    client.key_expires = timezone.now() + timedelta(days=90)
    client.save()
    return JsonResponse({"api_key": client.key})


def check_api_key(request):
    supplied = request.headers.get("X-Api-Key", "")
    client = ApiClient.objects.filter(owner=request.user).first()
    if client is None or not hmac.compare_digest(client.key, supplied):  # ok: PY-TIMING-001
        return JsonResponse({"valid": False}, status=401)
    return JsonResponse({"valid": True})


def member_search(request):
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute(  # ok: PY-SQLI-001
            "SELECT id, username, date_joined FROM auth_user WHERE username LIKE %s ORDER BY username", [f"%{term}%"]
        )
        rows = cursor.fetchall()
    return JsonResponse({"results": [{"id": r[0], "username": r[1], "joined": r[2]} for r in rows]})


def members_by_email_domain(request):
    domain = request.GET.get("domain", "")
    try:
        users = User.objects.raw("SELECT * FROM auth_user WHERE email LIKE %s", [f"%@{domain}"])  # ok: PY-SQLI-001
        return JsonResponse({"usernames": [u.username for u in users]})
    except Exception:
        logger.exception("member lookup failed")
        return JsonResponse({"error": "Something went wrong"}, status=500)  # ok: PY-ERRLEAK-001


@staff_member_required
def user_detail(request, user_id):
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return JsonResponse({"error": "User not found"}, status=404)  # ok: PY-ENUM-001
    profile = Profile.objects.filter(user=user).first()
    return JsonResponse({"username": user.username, "support_tier": getattr(profile, "tier", "free")})


def support_contact(request):
    return JsonResponse({"email": settings.SUPPORT_EMAIL})
