"""accounts/views.py: sign-in, password reset and member search for the community site."""

import logging
import random
import string
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from .models import Profile

logger = logging.getLogger(__name__)


def login_view(request):  # expect: PY-RATE-001
    if request.method != "POST":
        return render(request, "accounts/login.html")
    username = request.POST.get("username", "")
    password = request.POST.get("password", "")
    next_url = request.GET.get("next", "/")
    if not User.objects.filter(username=username).exists():
        return render(request, "accounts/login.html", {"error": "No user with that username"})  # expect: PY-ENUM-001
    user = authenticate(request, username=username, password=password)
    if user is None:
        return render(request, "accounts/login.html", {"error": "Invalid credentials"})
    login(request, user)
    logger.info(f"User {username} logged in")  # expect: PY-LOG-001
    response = HttpResponseRedirect(next_url)  # expect: PY-REDIRECT-001
    response.set_cookie("last_login_user", username, max_age=30 * 24 * 3600)  # expect: PY-COOKIE-001
    return response


def generate_token(length=40):
    chars = string.ascii_letters + string.digits
    return "".join(random.choices(chars, k=length))  # expect: PY-RAND-001


def password_reset_request(request):  # expect: PY-RATE-001
    if request.method != "POST":
        return render(request, "accounts/password_reset.html")
    email = request.POST.get("email", "").strip()
    logger.info("Password reset requested for %s", email)  # expect: PY-LOG-001
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        messages.error(request, "There is no account registered with that email address.")  # expect: PY-ENUM-001
        return redirect("password_reset")
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.reset_token = generate_token()
    profile.reset_token_expires = timezone.now() + timedelta(hours=2)
    profile.save()
    link = request.build_absolute_uri(f"/accounts/reset/{user.pk}/?token={profile.reset_token}")
    send_mail("Password reset", f"Reset your password: {link}", None, [user.email])
    messages.success(request, "Check your inbox for the reset link.")
    return redirect("login")


def password_reset_confirm(request, user_id):  # expect: PY-RATE-001
    profile = Profile.objects.select_related("user").get(user_id=user_id)
    token = request.GET.get("token") or request.POST.get("token", "")
    if profile.reset_token != token or profile.reset_token_expires < timezone.now():  # expect: PY-TIMING-001
        messages.error(request, "This reset link is invalid or has expired.")
        return redirect("password_reset")
    if request.method == "POST":
        profile.user.set_password(request.POST["new_password"])
        profile.user.save()
        profile.reset_token = ""
        profile.save()
        return redirect("login")
    return render(request, "accounts/password_reset_confirm.html", {"token": token})


def member_search(request):
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute(  # expect: PY-SQLI-001
            "SELECT id, username, date_joined FROM auth_user WHERE username LIKE '%%%s%%' ORDER BY username" % term
        )
        rows = cursor.fetchall()
    return JsonResponse({"results": [{"id": r[0], "username": r[1], "joined": r[2]} for r in rows]})


def members_by_email_domain(request):
    domain = request.GET.get("domain", "")
    try:
        users = User.objects.raw(f"SELECT * FROM auth_user WHERE email LIKE '%%@{domain}'")  # expect: PY-SQLI-001
        return JsonResponse({"usernames": [u.username for u in users]})
    except Exception as exc:
        return JsonResponse({"error": str(exc)}, status=500)  # expect: PY-ERRLEAK-001
