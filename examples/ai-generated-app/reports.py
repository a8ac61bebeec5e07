"""Admin endpoints: sales report export, config upload, webhook test, revenue summary."""

import os
import subprocess
from datetime import datetime

import requests
import yaml
from flask import Blueprint, current_app, jsonify, request

from db import get_db

bp = Blueprint("admin", __name__, url_prefix="/admin")

REPORTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reports")

# TODO: add admin authentication


@bp.route("/report")
def sales_report():
    start = request.args.get("start", "2024-01-01")
    end = request.args.get("end", "2024-12-31")
    os.makedirs(REPORTS_DIR, exist_ok=True)
    output = os.path.join(REPORTS_DIR, f"sales_{datetime.now():%Y%m%d_%H%M%S}.csv")

    cmd = f"python scripts/export_sales.py --start {start} --end {end} --output {output}"
    result = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if result.returncode != 0:
        return jsonify(error="Report generation failed"), 500
    return jsonify(message="Report generated", file=output)


@bp.route("/stats")
def stats():
    conn = get_db()
    users = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    orders = conn.execute("SELECT COUNT(*), COALESCE(SUM(total), 0) FROM orders").fetchone()
    return jsonify(users=users, orders=orders[0], revenue=round(orders[1], 2))


@bp.route("/config", methods=["POST"])
def upload_config():
    uploaded = request.files.get("config")
    if uploaded is None:
        return jsonify(error="No config file provided"), 400
    config = yaml.load(uploaded.read(), Loader=yaml.Loader)
    if not isinstance(config, dict):
        return jsonify(error="Config must be a mapping"), 400
    current_app.config.setdefault("SHOP_SETTINGS", {}).update(config)
    return jsonify(message="Config updated", keys=sorted(config))


@bp.route("/webhook/test", methods=["POST"])
def test_webhook():
    url = (request.get_json() or {}).get("url")
    if not url:
        return jsonify(error="url is required"), 400
    resp = requests.get(url, timeout=10, verify=False)
    return jsonify(status=resp.status_code, body=resp.text[:500])


@bp.route("/revenue")
def revenue():
    resp = requests.get(
        "https://api.stripe.com/v1/charges",
        auth=(current_app.config["STRIPE_API_KEY"], ""),
        params={"limit": 100},
        timeout=10,
    )
    resp.raise_for_status()
    charges = resp.json().get("data", [])
    total = sum(c["amount"] for c in charges if c.get("paid")) / 100
    return jsonify(charges=len(charges), revenue=total)
