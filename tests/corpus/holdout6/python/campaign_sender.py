"""Email campaign sender: Celery tasks plus a small operator CLI.

The web app of the campaign platform enqueues `send_campaign`, `import_subscribers` and `record_bounce` with the
data its customers (tenants) entered. Attacker data: everything in a task payload (a tenant writes the campaign
HTML, the segment rules YAML, personalisation expressions, attachment names, the sending domain, the CSV of
subscribers), and the bounce notices our e-mail provider relays from remote mail servers (diagnostic text).
"""

import argparse
import ast
import csv
import hashlib
import hmac
import ipaddress
import logging
import os
import random
import smtplib
import socket
import ssl
import subprocess
import tempfile
from email.message import EmailMessage
from urllib.parse import urlparse

import psycopg
import requests
import yaml
from celery import Celery
from jinja2 import Environment, FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from psycopg import sql

app = Celery("campaigns", broker=os.environ["CELERY_BROKER_URL"])
log = logging.getLogger("campaigns.worker")

RELAY_URL = "smtp://campaign-bot:Vq8rT2mLx41ZsPe9@relay.mail.internal.example:587"  # expect: PY-SECRET-001
UNSUBSCRIBE_KEY = os.environ["UNSUBSCRIBE_SIGNING_KEY"].encode()
ASSET_ROOT = "/srv/campaigns/assets"
SEGMENT_FIELDS = {"country", "plan", "language", "signup_source"}

layouts = Environment(loader=FileSystemLoader("/srv/campaigns/layouts"), autoescape=False)  # expect: PY-XSS-002
tenant_templates = SandboxedEnvironment(autoescape=True)  # ok: PY-XSS-002

with open("/etc/campaigns/worker.yml") as fh:
    WORKER_CONFIG = yaml.safe_load(fh)  # ok: PY-DESER-001


def db():
    return psycopg.connect(os.environ["CAMPAIGNS_DSN"])


def unsubscribe_token(email: str, campaign_id: int) -> str:
    return hashlib.md5(f"{email}:{campaign_id}".encode()).hexdigest()  # expect: PY-HASH-002


def signed_unsubscribe_token(email: str, campaign_id: int) -> str:
    mac = hmac.new(UNSUBSCRIBE_KEY, f"{email}:{campaign_id}".encode(), hashlib.sha256)  # ok: PY-HASH-002
    return mac.hexdigest()


def _public_https(url: str) -> bool:
    parts = urlparse(url)
    if parts.scheme != "https" or not parts.hostname:
        return False
    addr = ipaddress.ip_address(socket.gethostbyname(parts.hostname))
    return addr.is_global


def segment_members(conn, list_id: int, rules_yaml: str):
    rules = yaml.load(rules_yaml, Loader=yaml.Loader)  # expect: PY-DESER-001
    field, value = rules["field"], rules["equals"]
    with conn.cursor() as cur:
        if field in SEGMENT_FIELDS:
            query = sql.SQL("SELECT email, first_name FROM subscribers WHERE list_id = %s AND {} = %s").format(
                sql.Identifier(field)
            )
            cur.execute(query, (list_id, value))  # ok: PY-SQLI-001
        else:
            cur.execute(f"SELECT email, first_name FROM subscribers WHERE list_id = %s AND attrs->>'{field}' = %s", (list_id, value))  # expect: PY-SQLI-001
        return cur.fetchall()


def personalise(expression: str, subscriber: dict) -> str:
    if expression.startswith("literal:"):
        return str(ast.literal_eval(expression[len("literal:"):]))  # ok: PY-EVAL-001
    return str(eval(expression, {"__builtins__": {}}, {"sub": subscriber}))  # expect: PY-EVAL-001


def inline_remote_images(image_urls: list[str]) -> dict[str, bytes]:
    inlined = {}
    for src in image_urls:
        inlined[src] = requests.get(src, timeout=5).content  # expect: PY-SSRF-001
    return inlined


@app.task(name="campaigns.send")
def send_campaign(payload: dict) -> int:
    tenant = payload["tenant"]
    body_tpl = tenant_templates.from_string(payload["html"])
    wrapper = layouts.get_template(f"{WORKER_CONFIG['default_layout']}.html")
    images = inline_remote_images(payload.get("image_urls", []))
    sent = 0
    with db() as conn, smtplib.SMTP(tenant["smtp_host"], 587) as smtp:
        smtp.starttls(context=ssl._create_unverified_context())  # expect: PY-TLS-001
        for email, first_name in segment_members(conn, payload["list_id"], payload["segment_yaml"]):
            msg = EmailMessage()
            msg["Subject"] = personalise(payload["subject_expr"], {"email": email, "first_name": first_name})
            msg["From"], msg["To"] = tenant["from_address"], email
            token = unsubscribe_token(email, payload["campaign_id"])
            html = wrapper.render(body=body_tpl.render(first_name=first_name), first_name=first_name, unsubscribe=token)
            msg.add_alternative(html, subtype="html")
            for cid, data in images.items():
                msg.get_payload()[0].add_related(data, "image", "png", cid=cid)
            for att in payload.get("attachments", []):
                with open(os.path.join(ASSET_ROOT, str(tenant["id"]), att["path"]), "rb") as fh:  # expect: PY-PATH-001
                    msg.add_attachment(fh.read(), maintype="application", subtype="octet-stream", filename=att["name"])
            smtp.send_message(msg)
            sent += 1
    if random.random() < 0.05:  # ok: PY-RAND-001
        log.info("campaign %s sample: %d sent", payload["campaign_id"], sent)
    hook = tenant.get("events_webhook")
    if hook and _public_https(hook):
        requests.post(hook, json={"campaign": payload["campaign_id"], "sent": sent}, timeout=5, verify=False)  # expect: PY-TLS-001
    return sent


@app.task(name="campaigns.import_subscribers")
def import_subscribers(list_id: int, csv_text: str) -> int:
    staging = tempfile.mktemp(suffix=".csv", prefix=f"list{list_id}-")  # expect: PY-TEMP-001
    with open(staging, "w") as fh:
        fh.write(csv_text)
    with open(staging) as fh, db() as conn, conn.cursor() as cur:
        rows = [(list_id, r["email"].strip().lower(), r.get("first_name", "")) for r in csv.DictReader(fh)]
        cur.executemany("INSERT INTO subscribers (list_id, email, first_name) VALUES (%s, %s, %s)", rows)  # ok: PY-SQLI-001
    os.unlink(staging)
    return len(rows)


@app.task(name="campaigns.record_bounce")
def record_bounce(notice: dict) -> None:
    log.warning(f"bounce for {notice['recipient']}: {notice['diagnostic']}")  # expect: PY-LOG-001
    log.info("bounce type %r from %r", notice.get("type"), notice.get("reporting_mta"))  # ok: PY-LOG-001


@app.task(name="campaigns.setup_domain")
def setup_sending_domain(domain: str, selector: str = "mail") -> str:
    subprocess.run(["opendkim-genkey", "-D", "/etc/opendkim/keys", "-s", selector, "-d", domain], check=True)  # ok: PY-CMDI-001
    return subprocess.check_output("cat /etc/opendkim/keys/" + selector + ".txt | tr -d '\\n'", shell=True, text=True)  # expect: PY-CMDI-001


def main() -> None:
    parser = argparse.ArgumentParser(description="re-send a campaign (platform operators only)")
    parser.add_argument("--campaign", type=int, required=True)
    args = parser.parse_args()
    send_campaign.delay({"campaign_id": args.campaign, "resend": True})


if __name__ == "__main__":
    main()
