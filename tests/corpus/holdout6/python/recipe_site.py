"""Recipe site (Flask): search, recipe pages, comments, photo uploads, recipe import, member sign-in.

Attacker data: every query string, form field, uploaded photo (name and bytes), imported recipe XML and the
session cookie of the public site. This module was reviewed for the launch; it is meant to be safe throughout.
"""

import hashlib
import hmac
import logging
import os
import random
import secrets
import sqlite3
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import bcrypt
import jwt
import requests
from defusedxml import ElementTree as SafeET
from flask import Flask, abort, g, jsonify, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from markupsafe import escape
from werkzeug.utils import secure_filename

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["RECIPES_SECRET_KEY"],
    SESSION_COOKIE_SECURE=True,
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
)
limiter = Limiter(get_remote_address, app=app)
log = logging.getLogger("recipes")

PHOTO_DIR = Path("/srv/recipes/photos")
NUTRITION_API_KEY = os.getenv("NUTRITION_API_KEY", "")  # ok: PY-SECRET-001
PARTNER_JWT_KEY = os.environ["PARTNER_JWT_PUBLIC_KEY"]
SORTS = {"newest": "created_at DESC", "quickest": "total_minutes ASC", "rating": "avg_rating DESC"}
AFTER_LOGIN = {"home": "/", "saved": "/me/saved", "planner": "/me/planner"}


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect("/srv/recipes/recipes.db")
        g.db.row_factory = sqlite3.Row
    return g.db


@app.get("/search")
def search():
    term = request.args.get("q", "")
    order_by = SORTS.get(request.args.get("sort", "newest"), SORTS["newest"])
    sql = "SELECT id, title, total_minutes FROM recipes WHERE title LIKE ? OR tags LIKE ? ORDER BY " + order_by
    rows = get_db().execute(sql, (f"%{term}%", f"%{term}%")).fetchall()  # ok: PY-SQLI-001
    return render_template("search.html", rows=rows, term=term)


@app.get("/recipes/<int:recipe_id>")
def recipe_page(recipe_id: int):
    recipe = get_db().execute("SELECT * FROM recipes WHERE id = ?", (recipe_id,)).fetchone()
    if recipe is None:
        abort(404)
    return render_template("recipe.html", recipe=recipe)


@app.post("/recipes/<int:recipe_id>/comments")
def add_comment(recipe_id: int):
    text = request.form.get("text", "")[:2000]
    get_db().execute("INSERT INTO comments (recipe_id, author_id, body) VALUES (?, ?, ?)", (recipe_id, session.get("uid"), text))
    get_db().commit()
    return f"<li class='comment'>{escape(text)}</li>"  # ok: PY-XSS-001


@app.get("/unit-convert")
def convert_units():
    amount = request.args.get("amount", "")
    return f"Could not convert {amount!r}", 400, {"Content-Type": "text/plain; charset=utf-8"}  # ok: PY-XSS-003


@app.post("/recipes/<int:recipe_id>/photo")
def upload_photo(recipe_id: int):
    photo = request.files["photo"]
    ext = Path(secure_filename(photo.filename or "")).suffix.lower()
    if ext not in {".jpg", ".jpeg", ".png", ".webp"}:
        abort(400)
    stored = PHOTO_DIR / f"{uuid.uuid4().hex}{ext}"
    photo.save(stored)  # ok: PY-PATH-001
    subprocess.run(["convert", str(stored), "-resize", "1200x1200>", str(stored)], check=True, timeout=30)  # ok: PY-CMDI-001
    etag = hashlib.sha1(stored.read_bytes(), usedforsecurity=False).hexdigest()  # ok: PY-HASH-002, PY-CRYPTO-001
    return jsonify(photo=stored.name, etag=etag)


@app.post("/import/xml")
def import_recipe_xml():
    root = SafeET.fromstring(request.get_data())  # ok: PY-XXE-001
    title = root.findtext("title", "").strip()
    steps = [s.text or "" for s in root.iter("step")]
    log.info("imported recipe %r with %d steps", title, len(steps))  # ok: PY-LOG-001
    return jsonify(title=title, steps=steps)


@app.get("/nutrition/<ingredient>")
def nutrition(ingredient: str):
    url = "https://nutrition.example.com/v2/foods/" + quote(ingredient, safe="")
    resp = requests.get(url, headers={"X-Api-Key": NUTRITION_API_KEY}, timeout=5)  # ok: PY-SSRF-001
    return jsonify(resp.json()), resp.status_code


@app.get("/surprise")
def surprise_me():
    ids = [r["id"] for r in get_db().execute("SELECT id FROM recipes WHERE published = 1")]
    return redirect(url_for("recipe_page", recipe_id=random.choice(ids)))  # ok: PY-RAND-001


@app.post("/me/share-links")
def create_share_link():
    token = secrets.token_urlsafe(24)  # ok: PY-RAND-001
    get_db().execute("INSERT INTO share_links (token, owner_id) VALUES (?, ?)", (token, session["uid"]))
    get_db().commit()
    return jsonify(url=url_for("shared_list", token=token, _external=True))


@app.get("/shared/<token>")
def shared_list(token: str):
    row = get_db().execute("SELECT owner_id FROM share_links WHERE token = ?", (token,)).fetchone()
    return render_template("shared.html", owner=row["owner_id"]) if row else abort(404)


@app.post("/partner/recipes")
def partner_push():
    claims = jwt.decode(request.headers.get("X-Partner-Token", ""), PARTNER_JWT_KEY, algorithms=["RS256"], audience="recipes")  # ok: PY-JWT-001
    sig = request.headers.get("X-Body-Digest", "")
    if not hmac.compare_digest(sig, hashlib.sha256(request.get_data()).hexdigest()):  # ok: PY-TIMING-001
        abort(400)
    return jsonify(accepted=True, partner=claims["sub"])


@app.post("/login")
@limiter.limit("5 per minute")
def login():  # ok: PY-RATE-001
    email = request.form.get("email", "").lower()
    row = get_db().execute("SELECT id, password_hash FROM members WHERE email = ?", (email,)).fetchone()
    stored = row["password_hash"].encode() if row else bcrypt.hashpw(b"dummy", bcrypt.gensalt())
    if not bcrypt.checkpw(request.form.get("password", "").encode(), stored) or row is None:  # ok: PY-HASH-001
        return render_template("login.html", error="Email or password is incorrect."), 401  # ok: PY-ENUM-001
    session.clear()
    session["uid"] = row["id"]
    return redirect(AFTER_LOGIN.get(request.args.get("next", "home"), "/"))  # ok: PY-REDIRECT-001


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000, debug=os.getenv("FLASK_DEBUG") == "1")  # ok: PY-DEBUG-001
