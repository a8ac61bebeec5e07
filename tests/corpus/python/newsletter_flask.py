"""Newsletter tool: subscriber greeting pages, campaign previews and an unsubscribe flow (Flask)."""

import logging
import os
import tempfile

from flask import Flask, Markup, make_response, redirect, render_template_string, request
from jinja2 import Environment, FileSystemLoader

app = Flask(__name__)
logger = logging.getLogger(__name__)
TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "email_templates")
email_env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=False)  # expect: PY-XSS-002

WELCOME_PAGE = """
<!doctype html>
<h1>Welcome to the newsletter!</h1>
<p>You are subscribed as {email}.</p>
"""


@app.route("/welcome")
def welcome():
    email = request.args.get("email", "")
    return render_template_string(WELCOME_PAGE.format(email=email))  # expect: PY-XSS-001


@app.route("/campaigns/preview", methods=["POST"])
def preview_campaign():
    subject = request.form.get("subject", "")
    body = request.form.get("body", "")
    logger.info("Previewing campaign " + subject)  # expect: PY-LOG-001
    template = email_env.get_template("campaign.html")
    return template.render(subject=subject, body=Markup(body))  # expect: PY-XSS-001


@app.route("/unsubscribe")
def unsubscribe():
    email = request.args.get("email", "")
    return_to = request.args.get("return_to", "/")
    response = make_response(redirect(return_to))  # expect: PY-REDIRECT-001
    response.set_cookie("unsubscribed_email", email)  # expect: PY-COOKIE-001
    return response


@app.route("/search")
def search():
    term = request.args.get("term", "")
    resp = make_response(f"<p>No subscribers matched <b>{term}</b>.</p>")  # expect: PY-XSS-001
    resp.headers["Content-Type"] = "text/html"
    return resp


@app.route("/export")
def export():
    path = tempfile.mktemp(suffix=".csv")  # expect: PY-TEMP-001
    with open(path, "w") as fh:
        fh.write("email\n")
    return {"export": path}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=True)  # expect: PY-DEBUG-001
