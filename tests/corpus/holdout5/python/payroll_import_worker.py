"""Payroll import worker (Celery) and its operator CLI.

Client companies drop encrypted payroll exports (CSV, EDI-XML, tar bundles) on our SFTP server; a Celery
task per upload decrypts, validates and loads them into staging tables, then pushes the bank file. Attacker
data: everything inside an uploaded file and its file name (any client, or anyone holding a client's SFTP
login, controls them), and the JSON body of the `payroll.uploaded` queue message.
"""
import argparse
import ast
import base64
import csv
import hashlib
import logging
import os
import pickle
import subprocess
import tarfile
import tempfile
from pathlib import Path

import psycopg2
import requests
import yaml
from celery import Celery
from defusedxml import ElementTree as SafeET
from lxml import etree

log = logging.getLogger("payroll.import")
celery = Celery("payroll", broker=os.environ["BROKER_URL"])

DROP_DIR = Path("/srv/sftp/drop")
WORK_DIR = Path("/var/lib/payroll/work")
BANK_API = "https://bankfiles.internal.example/v2/batches"
BANK_SIGNING_KEY = os.environ["BANK_SIGNING_KEY"].encode()
SFTP_MIRROR_URL = "sftp://payroll-sync:Vq3r9LmZt2xK8pWa@sftp.internal.example:22/drop"  # expect: PY-SECRET-001

with open("/etc/payroll/settings.yaml") as fh:
    SETTINGS = yaml.safe_load(fh)  # ok: PY-DESER-001

EDI_PARSER = etree.XMLParser(resolve_entities=True, load_dtd=True)  # expect: PY-XXE-001


def db():
    return psycopg2.connect(os.environ["PAYROLL_DSN"])


def decrypt(upload: Path) -> Path:
    out = WORK_DIR / (upload.stem + ".plain")
    subprocess.run(["gpg", "--batch", "--yes", "--decrypt", "--output", str(out), str(upload)], check=True)  # ok: PY-CMDI-001
    return out


def decrypt_legacy(upload_name: str) -> str:
    # older clients still send .pgp files whose names contain spaces; let the shell deal with it
    out = f"{WORK_DIR}/{upload_name}.plain"
    subprocess.run(f"gpg --batch --decrypt --output '{out}' '{DROP_DIR}/{upload_name}'", shell=True, check=True)  # expect: PY-CMDI-001
    return out


def load_mapping(bundle_dir: Path) -> dict:
    # column mapping shipped by the client next to the CSV, may use custom tags for date formats
    with open(bundle_dir / "mapping.yml") as fh:
        return yaml.load(fh, Loader=yaml.Loader)  # expect: PY-DESER-001


def unpack_bundle(archive: Path) -> Path:
    dest = WORK_DIR / archive.stem
    with tarfile.open(archive) as tar:
        tar.extractall(dest)  # expect: PY-ZIPSLIP-001
    return dest


def unpack_bundle_v2(archive: Path) -> Path:
    dest = WORK_DIR / (archive.stem + "-v2")
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")  # ok: PY-ZIPSLIP-001
    return dest


def derived_value(rule: dict, row: dict):
    if rule.get("kind") == "constant":
        return ast.literal_eval(rule["value"])  # ok: PY-EVAL-001
    # e.g. "gross * 0.08 if region == 'north' else gross * 0.07"
    return eval(rule["expression"], {"__builtins__": {}}, dict(row))  # expect: PY-EVAL-001


def stage_rows(company_code: str, rows: list[dict]) -> int:
    conn = db()
    with conn, conn.cursor() as cur:
        cur.execute(f"DELETE FROM staging_{company_code} WHERE period = %s", (rows[0]["period"],))  # expect: PY-SQLI-001
        cur.executemany(
            "INSERT INTO staging_lines (company, employee_id, period, gross) VALUES (%s, %s, %s, %s)",  # ok: PY-SQLI-001
            [(company_code, r["employee_id"], r["period"], r["gross"]) for r in rows],
        )
    return len(rows)


def read_edi(path: Path) -> list[dict]:
    tree = etree.parse(str(path), EDI_PARSER)
    return [{"employee_id": e.get("id"), "gross": e.findtext("gross")} for e in tree.iter("employee")]


def read_summary(path: Path) -> dict:
    root = SafeET.parse(str(path)).getroot()  # ok: PY-XXE-001
    return {child.tag: child.text for child in root}


def bank_signature(body: bytes) -> str:
    return hashlib.sha1(BANK_SIGNING_KEY + body).hexdigest()  # expect: PY-CRYPTO-001


def file_fingerprint(path: Path) -> str:
    # only used to skip re-imports of an identical upload
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()  # ok: PY-HASH-002, PY-CRYPTO-001


def push_bank_file(lines: list[dict]) -> None:
    fd, tmp_path = tempfile.mkstemp(suffix=".csv")  # ok: PY-TEMP-001
    with os.fdopen(fd, "w", newline="") as out:
        csv.DictWriter(out, fieldnames=["employee_id", "gross"]).writerows(lines)
    body = Path(tmp_path).read_bytes()
    headers = {"X-Signature": bank_signature(body)}
    requests.post(BANK_API, data=body, headers=headers, timeout=30, verify="/etc/payroll/bank-ca.pem")  # ok: PY-TLS-001
    requests.post(BANK_API + "/notify", json={"size": len(body)}, timeout=30, verify=False)  # expect: PY-TLS-001


@celery.task(name="payroll.uploaded")
def on_upload(message: dict) -> None:
    upload = Path(message["file_name"]).name
    resume = message.get("resume_state")
    state = pickle.loads(base64.b64decode(resume)) if resume else {}  # expect: PY-DESER-001
    plain = decrypt_legacy(upload) if upload.endswith(".pgp") else str(decrypt(DROP_DIR / upload))
    with open(plain, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if not row.get("employee_id"):
            log.warning(f"skipping row without id for {row.get('employee_name')}")  # expect: PY-LOG-001
    staged = stage_rows(message["company_code"], rows[state.get("offset", 0):])
    log.info("staged %d rows for %r", staged, message["company_code"])  # ok: PY-LOG-001


def main() -> None:
    parser = argparse.ArgumentParser(description="Re-run a payroll import by hand")
    parser.add_argument("upload")
    parser.add_argument("--scratch", action="store_true")
    args = parser.parse_args()
    if args.scratch:
        scratch = tempfile.mktemp(prefix="payroll-", suffix=".csv")  # expect: PY-TEMP-001
        log.info("scratch copy at %s", scratch)
    on_upload({"file_name": args.upload, "company_code": "manual"})


if __name__ == "__main__":
    main()
