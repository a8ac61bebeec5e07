"""Accounts blueprint: login, logout and password reset for the staff dashboard."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlparse

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.security import check_password_hash, generate_password_hash

from .db import get_db
from .mail import send_reset_email

logger = logging.getLogger(__name__)

limiter = Limiter(key_func=get_remote_address, default_limits=["200 per hour"])
accounts_bp = Blueprint("accounts", __name__, url_prefix="/accounts")

RESET_TTL = timedelta(minutes=30)
DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
GENERIC_LOGIN_ERROR = "Invalid username or password."


def is_safe_redirect(target: str) -> bool:
    host = urlparse(request.host_url)
    dest = urlparse(urljoin(request.host_url, target))
    return dest.scheme in ("http", "https") and dest.netloc == host.netloc


@accounts_bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5 per minute")
def login():  # ok: PY-RATE-001
    if request.method == "GET":
        return render_template("accounts/login.html")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    logger.info("login attempt for %r", username)  # ok: PY-LOG-001
    row = get_db().execute("SELECT id, password_hash, is_active FROM staff WHERE username = ?", (username,)).fetchone()  # ok: PY-SQLI-001
    stored = row["password_hash"] if row else DUMMY_HASH
    if not check_password_hash(stored, password) or row is None or not row["is_active"]:
        flash(GENERIC_LOGIN_ERROR, "error")  # ok: PY-ENUM-001
        return render_template("accounts/login.html"), 401
    session.clear()
    session["staff_id"] = row["id"]
    target = request.args.get("next", "")
    if target and is_safe_redirect(target):
        return redirect(target)  # ok: PY-REDIRECT-001
    return redirect(url_for("dashboard.index"))


@accounts_bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    resp = redirect(url_for("accounts.login"))
    resp.delete_cookie("remember_staff")
    return resp


@accounts_bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("3 per 15 minutes")
def request_reset():  # ok: PY-RATE-001
    if request.method == "GET":
        return render_template("accounts/reset_request.html")
    email = request.form.get("email", "").strip().lower()
    db = get_db()
    row = db.execute("SELECT id FROM staff WHERE email = ?", (email,)).fetchone()
    if row is not None:
        token = secrets.token_urlsafe(32)  # ok: PY-RAND-001
        token_digest = hashlib.sha256(token.encode()).hexdigest()  # ok: PY-HASH-001
        expires = datetime.now(timezone.utc) + RESET_TTL
        db.execute("INSERT INTO password_resets (staff_id, token_digest, expires_at) VALUES (?, ?, ?)", (row["id"], token_digest, expires.isoformat()))
        db.commit()
        send_reset_email(email, url_for("accounts.confirm_reset", token=token, _external=True))
    flash("If that address belongs to an account, a reset link is on its way.", "info")
    return redirect(url_for("accounts.login"))


@accounts_bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour")
def confirm_reset(token: str):  # ok: PY-RATE-001
    db = get_db()
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = db.execute("SELECT staff_id, token_digest, expires_at FROM password_resets WHERE token_digest = ?", (digest,)).fetchone()
    if row is None or not hmac.compare_digest(row["token_digest"], digest) or datetime.fromisoformat(row["expires_at"]) < datetime.now(timezone.utc):  # ok: PY-TIMING-001
        abort(404)
    if request.method == "GET":
        return render_template("accounts/reset_confirm.html", token=token)
    new_password = request.form.get("password", "")
    if len(new_password) < 12:
        flash("Use at least 12 characters.", "error")
        return render_template("accounts/reset_confirm.html", token=token), 400
    db.execute("UPDATE staff SET password_hash = ? WHERE id = ?", (generate_password_hash(new_password), row["staff_id"]))
    db.execute("DELETE FROM password_resets WHERE staff_id = ?", (row["staff_id"],))
    db.commit()
    flash("Password updated, please sign in.", "info")
    return redirect(url_for("accounts.login"))


@accounts_bp.route("/remember", methods=["POST"])
def remember_device():
    if "staff_id" not in session:
        abort(401)
    resp = redirect(url_for("dashboard.index"))
    resp.set_cookie("remember_staff", secrets.token_urlsafe(24), max_age=30 * 86400, secure=True, httponly=True, samesite="Strict")  # ok: PY-COOKIE-001
    return resp


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ["FLASK_SECRET_KEY"],  # ok: PY-SECRET-001
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    limiter.init_app(app)
    app.register_blueprint(accounts_bp)
    return app


if __name__ == "__main__":
    create_app().run(debug=os.environ.get("FLASK_DEBUG") == "1")  # ok: PY-DEBUG-001
