"""User registration, login, logout and password reset."""

import hashlib
import hmac
import logging
import random
import smtplib
import string
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import Blueprint, jsonify, redirect, request, session

from db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")
logger = logging.getLogger(__name__)

RESET_TOKEN_TTL = timedelta(hours=1)


def hash_password(password):
    """Hash a password for storage."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def verify_password(password, password_hash):
    return hmac.compare_digest(hash_password(password), password_hash)


def generate_reset_token(length=32):
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choice(alphabet) for _ in range(length))


def send_reset_email(to_address, link):
    msg = EmailMessage()
    msg["Subject"] = "Reset your password"
    msg["From"] = "no-reply@example.com"
    msg["To"] = to_address
    msg.set_content(f"Use this link to reset your password (valid for one hour):\n{link}\n")
    with smtplib.SMTP("localhost") as smtp:
        smtp.send_message(msg)


@bp.route("/register", methods=["POST"])
def register():
    data = request.get_json() or {}
    username = data.get("username", "").strip()
    email = data.get("email", "").strip().lower()
    password = data.get("password", "")

    if not username or not email or not password:
        return jsonify(error="username, email and password are required"), 400
    if len(password) < 8:
        return jsonify(error="Password must be at least 8 characters"), 400

    try:
        db = get_db()
        cursor = db.execute(
            "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
            (username, email, hash_password(password)),
        )
        db.commit()
    except Exception as e:
        return jsonify(error=str(e)), 500

    return jsonify(message="User registered successfully", user_id=cursor.lastrowid), 201


@bp.route("/login", methods=["POST"])
def login():
    data = request.get_json() or {}
    username = data.get("username", "")
    password = data.get("password", "")
    logger.info(f"Login attempt for user: {username}")

    db = get_db()
    user = db.execute(f"SELECT * FROM users WHERE username = '{username}'").fetchone()
    if user is None:
        return jsonify(error="User not found"), 404
    if not verify_password(password, user["password_hash"]):
        return jsonify(error="Invalid username or password"), 401

    session.clear()
    session["user_id"] = user["id"]
    session["is_admin"] = bool(user["is_admin"])

    resp = jsonify(message="Login successful", user_id=user["id"])
    resp.set_cookie("username", user["username"], max_age=60 * 60 * 24 * 30)
    return resp


@bp.route("/logout")
def logout():
    session.clear()
    return redirect(request.args.get("next", "/"))


@bp.route("/forgot-password", methods=["POST"])
def forgot_password():
    email = (request.get_json() or {}).get("email", "").strip().lower()
    db = get_db()
    user = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
    if user is None:
        return jsonify(error="No account found with that email address"), 404

    token = generate_reset_token()
    expires_at = datetime.utcnow() + RESET_TOKEN_TTL
    db.execute(
        "INSERT OR REPLACE INTO reset_tokens (user_id, token, expires_at) VALUES (?, ?, ?)",
        (user["id"], token, expires_at),
    )
    db.commit()

    reset_link = f"{request.host_url}reset-password?email={email}&token={token}"
    send_reset_email(email, reset_link)
    return jsonify(message="Password reset link sent")


@bp.route("/reset-password", methods=["POST"])
def reset_password():
    data = request.get_json() or {}
    email = data.get("email", "").strip().lower()
    token = data.get("token", "")
    new_password = data.get("new_password", "")

    db = get_db()
    row = db.execute(
        "SELECT u.id, t.token, t.expires_at FROM users u JOIN reset_tokens t ON t.user_id = u.id "
        "WHERE u.email = ?",
        (email,),
    ).fetchone()
    if row is None or row["token"] != token:
        return jsonify(error="Invalid or expired reset token"), 400
    if row["expires_at"] < datetime.utcnow():
        return jsonify(error="Invalid or expired reset token"), 400
    if len(new_password) < 8:
        return jsonify(error="Password must be at least 8 characters"), 400

    db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(new_password), row["id"]))
    db.execute("DELETE FROM reset_tokens WHERE user_id = ?", (row["id"],))
    db.commit()
    return jsonify(message="Password has been reset")
