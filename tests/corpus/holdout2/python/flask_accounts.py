"""Accounts blueprint: sign-in, sign-out, password reset and the post-login redirect."""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import string
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .db import db
from .mail import send_reset_email
from .models import PasswordReset, User

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
limiter = Limiter(key_func=get_remote_address)
log = logging.getLogger(__name__)

SECRET_KEY = "u8Vq2rLx9#mZp4Tk!eW7sYb3nJc6HdFa"  # expect: PY-SECRET-001
RESET_TTL_MINUTES = 30


def hash_password(password: str, salt: str) -> str:
    return hashlib.md5((salt + password).encode()).hexdigest()  # expect: PY-HASH-001


def is_safe_next(target: str) -> bool:
    parsed = urlparse(target)
    return not parsed.netloc and not parsed.scheme and target.startswith("/")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute")
def login():
    if request.method == "GET":
        return render_template("accounts/login.html")
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    user = User.query.filter_by(email=email).first()
    if user is None or not user.check_password(password):
        log.warning("failed login for %r", email)  # ok: PY-LOG-001
        flash("Invalid email or password.")  # ok: PY-ENUM-001
        return render_template("accounts/login.html"), 401
    session.clear()
    session["user_id"] = user.id
    target = request.args.get("next", "")
    if target and is_safe_next(target):
        return redirect(target)  # ok: PY-REDIRECT-001
    return redirect(url_for("dashboard.index"))


@bp.route("/logout")
def logout():
    session.clear()
    return_to = request.args.get("return_to", "/")
    return redirect(return_to)  # expect: PY-REDIRECT-001


@bp.route("/reset", methods=["POST"])
@limiter.limit("3 per minute")
def request_reset():
    email = request.form.get("email", "").strip().lower()
    user = User.query.filter_by(email=email).first()
    if user is None:
        log.info("password reset requested for unknown address %s", email)  # expect: PY-LOG-001
        flash("No account is registered with that email address.")  # expect: PY-ENUM-001
        return redirect(url_for("accounts.login"))
    code = "".join(random.choices(string.ascii_letters + string.digits, k=24))  # expect: PY-RAND-001
    db.session.add(PasswordReset(user_id=user.id, token=code))
    db.session.commit()
    send_reset_email(user.email, url_for("accounts.confirm_reset", token=code, _external=True))
    flash("Check your inbox for a reset link.")
    return redirect(url_for("accounts.login"))


@bp.route("/invite", methods=["POST"])
def invite_member():
    if "user_id" not in session:
        return redirect(url_for("accounts.login"))
    invite_token = secrets.token_urlsafe(32)  # ok: PY-RAND-001
    current_app.logger.info("invite created by user %d", session["user_id"])  # ok: PY-LOG-001
    return {"invite": invite_token}


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour")
def confirm_reset(token: str):
    reset = PasswordReset.query.filter_by(token=token).first_or_404()
    if request.method == "GET":
        return render_template("accounts/reset.html", token=token)
    user = db.session.get(User, reset.user_id)
    user.set_password(request.form["password"])
    db.session.delete(reset)
    db.session.commit()
    return redirect(url_for("accounts.login"))
