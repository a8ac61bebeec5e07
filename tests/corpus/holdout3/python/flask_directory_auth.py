"""Sign-in and directory blueprint for the intranet portal (Flask + ldap3 + lxml)."""

from __future__ import annotations

import hashlib
import os
import secrets

from defusedxml import ElementTree as SafeET
from flask import Blueprint, Flask, current_app, jsonify, make_response, render_template_string, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars
from lxml import etree
from markupsafe import escape
from werkzeug.security import check_password_hash, generate_password_hash

from .models import User, db
from .mail import send_reset_mail

bp = Blueprint("directory", __name__)
limiter = Limiter(key_func=get_remote_address)
LDAP_BASE = "ou=people,dc=corp,dc=example"

GREETING = """<h2>Welcome back, {name}</h2><p>Your last sign-in was {{{{ last_seen }}}}.</p>"""


def ldap_conn() -> Connection:
    server = Server(current_app.config["LDAP_URL"], use_ssl=True)
    return Connection(server, current_app.config["LDAP_BIND_DN"], current_app.config["LDAP_BIND_PASSWORD"], auto_bind=True)


PUBLIC_ENDPOINTS = {"directory.login", "directory.sso_callback", "directory.request_reset"}


@bp.before_request
def require_session():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if User.from_session_cookie(request.cookies.get("portal_session", "")) is None:
        return jsonify(error="sign in first"), 401
    return None


def legacy_digest(password: str, salt: str) -> str:
    return hashlib.sha256((salt + password).encode()).hexdigest()  # expect: PY-HASH-001


@bp.post("/login")
@limiter.limit("5 per minute")
def login():
    data = request.get_json(force=True)
    user = User.query.filter_by(email=data.get("email", "").lower()).first()
    if user is None:
        return jsonify(error="No account is registered with that email"), 404  # expect: PY-ENUM-001
    if user.legacy_salt:
        ok = legacy_digest(data["password"], user.legacy_salt) == user.password_hash  # expect: PY-TIMING-001
        if ok:
            user.password_hash = generate_password_hash(data["password"])  # ok: PY-HASH-001
            user.legacy_salt = None
            db.session.commit()
    else:
        ok = check_password_hash(user.password_hash, data["password"])
    if not ok:
        return jsonify(error="Incorrect password"), 401  # expect: PY-ENUM-001
    token = secrets.token_urlsafe(32)
    user.start_session(token)
    resp = make_response(jsonify(ok=True))
    resp.set_cookie("portal_session", token, httponly=True, samesite="Lax")  # expect: PY-COOKIE-002
    resp.set_cookie("portal_theme", user.theme, max_age=31536000)  # ok: PY-COOKIE-001
    return resp


@bp.post("/sso/callback")
@limiter.limit("10 per minute")
def sso_callback():
    user = User.from_sso_assertion(request.form["SAMLResponse"])
    token = secrets.token_urlsafe(32)
    user.start_session(token)
    resp = make_response(jsonify(ok=True))
    resp.set_cookie("portal_session", token, secure=True, httponly=True, samesite="Strict")  # ok: PY-COOKIE-001
    return resp


@bp.post("/password/reset")
@limiter.limit("3 per minute")
def request_reset():
    email = request.form.get("email", "").lower()
    user = User.query.filter_by(email=email).first()
    if user is not None:
        send_reset_mail(user, secrets.token_urlsafe(32))
    return jsonify(message="If that address is registered, a reset link is on its way.")  # ok: PY-ENUM-001


@bp.get("/welcome")
def welcome():
    name = request.args.get("name", "colleague")
    page = GREETING.format(name=name)
    return render_template_string(page, last_seen="today")  # expect: PY-XSS-001


@bp.get("/welcome/plain")
def welcome_plain():
    name = request.args.get("name", "colleague")
    return f"<h2>Welcome back, {escape(name)}</h2>"  # ok: PY-XSS-001


@bp.get("/people")
def people_search():
    who = request.args.get("q", "")
    with ldap_conn() as conn:
        conn.search(LDAP_BASE, f"(&(objectClass=person)(cn=*{who}*))", attributes=["cn", "mail"])  # expect: PY-LDAP-001
        return jsonify([e.entry_attributes_as_dict for e in conn.entries])


@bp.get("/people/<uid>")
def person(uid: str):
    with ldap_conn() as conn:
        query = f"(&(objectClass=person)(uid={escape_filter_chars(uid)}))"
        conn.search(LDAP_BASE, query, attributes=["cn", "mail", "title"])  # ok: PY-LDAP-001
        return jsonify([e.entry_attributes_as_dict for e in conn.entries])


@bp.post("/org-chart/import")
def import_org_chart():
    # TODO: restrict this to HR admins before launch  # expect: PY-TODO-001
    parser = etree.XMLParser(resolve_entities=True, no_network=False)  # expect: PY-XXE-001
    tree = etree.fromstring(request.get_data(), parser)
    team = request.args.get("team", "")
    members = tree.xpath(f"//team[@name='{team}']/member/@uid")  # expect: PY-XPATH-001
    return jsonify(members=[str(m) for m in members])


@bp.post("/org-chart/preview")
def preview_org_chart():
    root = SafeET.fromstring(request.get_data())  # ok: PY-XXE-001
    team = request.args.get("team", "")
    tree = etree.fromstring(SafeET.tostring(root))
    members = tree.xpath("//team[@name=$team]/member/@uid", team=team)  # ok: PY-XPATH-001
    return jsonify(members=[str(m) for m in members])


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env("PORTAL")
    CORS(app, origins="*", supports_credentials=True)  # expect: PY-CORS-001
    limiter.init_app(app)
    app.register_blueprint(bp)
    return app


if __name__ == "__main__":
    create_app().run(host="0.0.0.0", port=8080, debug=True)  # expect: PY-DEBUG-001
