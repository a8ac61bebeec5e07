"""Reports blueprint: list, filter, export and preview sales reports."""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import datetime

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template_string,
    request,
    send_file,
)

logger = logging.getLogger(__name__)

reports_bp = Blueprint("reports", __name__, url_prefix="/reports")

EXPORT_DIR = os.path.join(os.path.dirname(__file__), "exports")
REPORTS_API_KEY = os.environ.get("REPORTS_API_KEY", "")

PREVIEW_TEMPLATE = """
<html>
  <head><title>Report preview</title></head>
  <body>
    <h1>{{ title }}</h1>
    <p>Generated {{ generated }}</p>
    <table>
    {% for row in rows %}
      <tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td><td>{{ row[2] }}</td></tr>
    {% endfor %}
    </table>
  </body>
</html>
"""


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config.get("REPORTS_DB", "reports.db"))
        g.db.row_factory = sqlite3.Row
    return g.db


@reports_bp.before_request
def require_api_key():
    supplied = request.headers.get("X-API-Key", "")
    if not REPORTS_API_KEY or supplied != REPORTS_API_KEY:  # expect: PY-TIMING-001
        abort(401)


@reports_bp.route("/")
def list_reports():
    region = request.args.get("region", "")
    sort = request.args.get("sort", "created_at")
    logger.info("Listing reports for region=%s sort=%s", region, sort)  # expect: PY-LOG-001
    db = get_db()
    rows = db.execute(f"SELECT id, title, region, total FROM reports WHERE region = '{region}' ORDER BY {sort}").fetchall()  # expect: PY-SQLI-001
    return jsonify([dict(r) for r in rows])


@reports_bp.route("/<int:report_id>")
def get_report(report_id: int):
    db = get_db()
    row = db.execute("SELECT id, title, region, total FROM reports WHERE id = ?", (report_id,)).fetchone()  # ok: PY-SQLI-001
    if row is None:
        abort(404)
    return jsonify(dict(row))


@reports_bp.route("/search")
def search_reports():
    term = request.args.get("q", "")
    min_total = request.args.get("min_total", "0")
    db = get_db()
    query = "SELECT id, title, total FROM reports WHERE title LIKE '%" + term + "%' AND total >= " + min_total
    try:
        rows = db.execute(query).fetchall()  # expect: PY-SQLI-001
    except sqlite3.Error as exc:
        return jsonify({"error": f"Query failed: {exc}"}), 500  # expect: PY-ERRLEAK-001
    return jsonify([dict(r) for r in rows])


@reports_bp.route("/preview")
def preview_report():
    report_id = request.args.get("id", type=int)
    title = request.args.get("title", "Untitled report")
    db = get_db()
    rows = db.execute("SELECT region, product, total FROM report_lines WHERE report_id = ?", (report_id,)).fetchall()
    header = f"<h2>Preview: {title}</h2>"
    return render_template_string(header + PREVIEW_TEMPLATE, title=title, generated=datetime.utcnow(), rows=rows)  # expect: PY-XSS-001


@reports_bp.route("/preview/safe")
def preview_report_escaped():
    report_id = request.args.get("id", type=int)
    title = request.args.get("title", "Untitled report")
    db = get_db()
    rows = db.execute("SELECT region, product, total FROM report_lines WHERE report_id = ?", (report_id,)).fetchall()
    return render_template_string(PREVIEW_TEMPLATE, title=title, generated=datetime.utcnow(), rows=rows)  # ok: PY-XSS-001


@reports_bp.route("/export")
def export_report():
    filename = request.args.get("file", "")
    if not filename.endswith(".csv"):
        abort(400)
    path = os.path.join(EXPORT_DIR, filename)
    return send_file(path, mimetype="text/csv", as_attachment=True)  # expect: PY-PATH-001


@reports_bp.route("/done")
def export_done():
    next_url = request.args.get("next", "/reports/")
    return redirect(next_url)  # expect: PY-REDIRECT-001


@reports_bp.teardown_app_request
def close_db(exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["REPORTS_DB"] = os.environ.get("REPORTS_DB", "reports.db")
    app.register_blueprint(reports_bp)
    return app


if __name__ == "__main__":
    create_app().run(host="0.0.0.0", port=5000, debug=True)  # expect: PY-DEBUG-001
