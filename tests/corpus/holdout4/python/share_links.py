"""File sharing with expiring links: upload, share with an optional PIN, download until the link expires."""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import (Flask, abort, g, jsonify, redirect, render_template, request, send_from_directory,
                   session, url_for)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from jinja2 import Environment, FileSystemLoader
from markupsafe import escape
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.utils import secure_filename

from .auth import login_required
from .db import db
from .mail import send_mail
from .models import Share, StoredFile

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SHARE_SECRET_KEY"]
app.config["MAX_CONTENT_LENGTH"] = 512 * 1024 * 1024
limiter = Limiter(get_remote_address, app=app, storage_uri=os.environ.get("LIMITER_STORAGE", "memory://"))

UPLOAD_DIR = Path(os.environ.get("SHARE_UPLOAD_DIR", "/srv/share/blobs"))
LEGACY_DIR = "/srv/share/legacy"
THUMB_DIR = Path("/srv/share/thumbs")
PIN_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
mail_templates = Environment(loader=FileSystemLoader("templates/mail"))  # expect: PY-XSS-002


@app.post("/files")
@login_required
def upload():
    incoming = request.files["file"]
    stored_name = f"{uuid.uuid4().hex}-{secure_filename(incoming.filename or 'upload')}"
    incoming.save(UPLOAD_DIR / stored_name)  # ok: PY-PATH-001
    record = StoredFile(owner_id=g.user.id, name=incoming.filename, stored_name=stored_name)
    db.session.add(record)
    db.session.commit()
    if incoming.mimetype.startswith("image/"):
        thumb = THUMB_DIR / f"{record.id}.png"
        subprocess.run(["convert", str(UPLOAD_DIR / stored_name), "-thumbnail", "256x256", str(thumb)],  # ok: PY-CMDI-001
                       check=True, timeout=30)
    return jsonify(id=record.id), 201


@app.post("/files/import-legacy")
@login_required
def import_legacy():
    incoming = request.files["file"]
    incoming.save(os.path.join(LEGACY_DIR, incoming.filename))  # expect: PY-PATH-001
    return jsonify(imported=incoming.filename), 201


@app.post("/files/<int:file_id>/share")
@login_required
def create_share(file_id: int):
    stored = StoredFile.query.filter_by(id=file_id, owner_id=g.user.id).first_or_404()
    days = min(int(request.form.get("days", 7)), 30)
    share = Share(
        file_id=stored.id,
        token=secrets.token_urlsafe(24),  # ok: PY-RAND-001
        expires_at=datetime.now(timezone.utc) + timedelta(days=days),
    )
    if request.form.get("protect") == "pin":
        share.pin = "".join(random.choice(PIN_ALPHABET) for _ in range(6))  # expect: PY-RAND-001
    elif request.form.get("password"):
        share.password_hash = generate_password_hash(request.form["password"])  # ok: PY-HASH-001
    db.session.add(share)
    db.session.commit()
    body = mail_templates.get_template("shared.html").render(file=stored, sender=g.user, note=request.form.get("note"))
    send_mail(request.form["recipient"], "A file was shared with you", body)
    return jsonify(link=url_for("open_share", token=share.token, _external=True)), 201


@app.get("/s/<token>")
def open_share(token: str):
    share = Share.query.filter_by(token=token).first()
    if share is None:
        return f"No share called {token} exists.", 404  # expect: PY-XSS-003
    if share.expires_at < datetime.now(timezone.utc):
        return render_template("expired.html", token=token), 410  # ok: PY-XSS-001
    if share.pin or share.password_hash:
        return render_template("unlock.html", token=token)
    return _send(share)


@app.post("/s/<token>/unlock")
@limiter.limit("10 per minute")
def unlock_share(token: str):
    share = Share.query.filter_by(token=token).first_or_404()
    if share.pin and request.form.get("pin", "").upper() == share.pin:  # expect: PY-TIMING-001
        session[f"unlocked:{share.id}"] = True
    elif share.password_hash and check_password_hash(share.password_hash, request.form.get("password", "")):  # ok: PY-TIMING-001
        session[f"unlocked:{share.id}"] = True
    else:
        return render_template("unlock.html", token=token, error="Wrong PIN or password"), 401
    resp = redirect(url_for("open_share_unlocked", token=token))
    resp.set_cookie("share_seen", token, max_age=3600, secure=True, httponly=True, samesite="Strict")  # ok: PY-COOKIE-001
    return resp


@app.get("/s/<token>/download")
def open_share_unlocked(token: str):
    share = Share.query.filter_by(token=token).first_or_404()
    if not session.get(f"unlocked:{share.id}"):
        abort(403)
    return _send(share)


def _send(share: Share):
    stored = StoredFile.query.get_or_404(share.file_id)
    return send_from_directory(UPLOAD_DIR, stored.stored_name, download_name=stored.name, as_attachment=True)  # ok: PY-PATH-001


@app.post("/workspace/select")
@login_required
def select_workspace():
    session["workspace_id"] = request.form["workspace_id"]  # expect: PY-TRUST-001
    return redirect(request.args.get("next") or url_for("dashboard"))  # expect: PY-REDIRECT-001


@app.get("/dashboard")
@login_required
def dashboard():
    files = StoredFile.query.filter_by(owner_id=g.user.id).order_by(StoredFile.id.desc()).limit(50).all()
    return render_template("dashboard.html", files=files)


@app.get("/files/search")
@login_required
def search_files():
    term = request.args.get("q", "")
    hits = StoredFile.query.filter(StoredFile.owner_id == g.user.id, StoredFile.name.contains(term)).all()
    if not hits:
        return f"<p>Nothing matches <b>{escape(term)}</b>.</p>"  # ok: PY-XSS-001
    return render_template("search.html", files=hits, term=term)


@app.get("/files/<int:file_id>/rename-preview")
@login_required
def rename_preview(file_id: int):
    new_name = request.args.get("name", "")
    return f"<div class='preview'>Renamed to <em>{new_name}</em></div>"  # expect: PY-XSS-001


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=True)  # expect: PY-DEBUG-001
