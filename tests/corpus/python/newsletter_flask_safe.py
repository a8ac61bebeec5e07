"""Newsletter tool: subscriber greeting pages, campaign previews and an unsubscribe flow (Flask, hardened)."""

import logging
import os
import tempfile

import bleach
from flask import Flask, make_response, redirect, render_template, render_template_string, request, url_for
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

app = Flask(__name__)
logger = logging.getLogger(__name__)
TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "email_templates")
email_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html", "xml"]))  # ok: PY-XSS-002
ALLOWED_TAGS = ["a", "b", "em", "i", "p", "strong", "ul", "ol", "li"]
SAFE_RETURN_PAGES = {"home": "index", "archive": "campaign_archive"}

WELCOME_PAGE = """
<!doctype html>
<h1>Welcome to the newsletter!</h1>
<p>You are subscribed as {{ email }}.</p>
"""


@app.route("/welcome")
def welcome():
    email = request.args.get("email", "")
    return render_template_string(WELCOME_PAGE, email=email)  # ok: PY-XSS-001


@app.route("/campaigns/preview", methods=["POST"])
def preview_campaign():
    subject = request.form.get("subject", "")
    body = request.form.get("body", "")
    logger.info("previewing campaign %s", subject.replace("\r", "\\r").replace("\n", "\\n"))  # ok: PY-LOG-001
    template = email_env.get_template("campaign.html")
    clean = bleach.clean(body, tags=ALLOWED_TAGS, strip=True)
    return template.render(subject=subject, body=Markup(clean))  # ok: PY-XSS-001


@app.route("/unsubscribe")
def unsubscribe():
    page = request.args.get("return_to", "home")
    target = SAFE_RETURN_PAGES.get(page, "index")
    response = make_response(redirect(url_for(target)))  # ok: PY-REDIRECT-001
    response.set_cookie("unsubscribed", "1", secure=True, httponly=True, samesite="Lax")  # ok: PY-COOKIE-001
    return response


@app.route("/search")
def search():
    term = request.args.get("term", "")
    resp = make_response(f"<p>No subscribers matched <b>{escape(term)}</b>.</p>")  # ok: PY-XSS-001
    resp.headers["Content-Type"] = "text/html"
    return resp


@app.route("/about")
def about():
    return render_template("about.html", version=os.environ.get("APP_VERSION", "dev"))


@app.route("/export")
def export():
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:  # ok: PY-TEMP-001
        fh.write("email\n")
    return {"export": os.path.basename(fh.name)}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080)  # ok: PY-DEBUG-001
