"""Export worker: pulls export jobs that the public API enqueues in Redis and produces encrypted files.

Run with:  python -m exports.worker   (systemd unit exports-worker.service)
A nightly cron also calls `python -m exports.worker --cleanup`.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import pickle
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import redis
import requests
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad

log = logging.getLogger("exports.worker")

QUEUE = "exports:pending"
EXPORT_ROOT = Path(os.environ.get("EXPORT_ROOT", "/var/lib/exports"))
RETENTION_DAYS = 7
SLACK_BOT_TOKEN = "xoxb-516822912390-8535569988955-Zoc547wyQr8E96YEN0jxIwD8"  # expect: SEC-TOKEN-001
EXPORT_ENCRYPTION_KEY = b"Exp0rt$-AES-k3y!"  # expect: PY-SECRET-001
FX_RATES_URL = "https://rates.finance.internal/latest.csv"


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


def load_fx_rates() -> dict[str, float]:
    ctx = ssl._create_unverified_context()  # expect: PY-TLS-001
    with urllib.request.urlopen(FX_RATES_URL, context=ctx, timeout=15) as resp:
        reader = csv.reader(line.decode("utf-8") for line in resp)
        return {code: float(rate) for code, rate in reader}


def apply_computed_columns(rows: list[dict], columns: dict[str, str]) -> list[dict]:
    for row in rows:
        for name, expression in columns.items():
            row[name] = eval(expression, {"__builtins__": {}}, {"row": row})  # expect: PY-EVAL-001
    return rows


def encrypt_file(src: Path, dest: Path) -> None:
    cipher = AES.new(EXPORT_ENCRYPTION_KEY, AES.MODE_ECB)  # expect: PY-CRYPTO-001
    dest.write_bytes(cipher.encrypt(pad(src.read_bytes(), AES.block_size)))


def notify_slack(channel: str, text: str) -> None:
    requests.post(
        "https://slack.com/api/chat.postMessage",
        headers={"Authorization": f"Bearer {SLACK_BOT_TOKEN}"},
        json={"channel": channel, "text": text},
        timeout=10,
    )


def run_job(job: dict) -> Path:
    rows = job["rows"]
    rows = apply_computed_columns(rows, job.get("computed", {}))
    if job.get("currency"):
        rates = load_fx_rates()
        for row in rows:
            row["amount"] = float(row["amount"]) * rates.get(job["currency"], 1.0)

    staging = tempfile.mktemp(suffix=".csv", dir="/tmp")  # expect: PY-TEMP-001
    with open(staging, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)

    if job.get("format") == "xlsx":
        out_name = os.path.basename(job.get("filename", "export"))
        subprocess.run(f"soffice --headless --convert-to xlsx --outdir {EXPORT_ROOT} {staging} && mv {EXPORT_ROOT}/*.xlsx {EXPORT_ROOT}/{out_name}.xlsx", shell=True, check=True)  # expect: PY-CMDI-001
        plain = EXPORT_ROOT / f"{out_name}.xlsx"
    else:
        plain = Path(staging)

    encrypted = EXPORT_ROOT / f"{job['id']}.enc"
    encrypt_file(plain, encrypted)
    plain.unlink(missing_ok=True)
    return encrypted


def report_result(job: dict, path: Path | None, error: str | None = None) -> None:
    payload = {"job_id": job["id"], "status": "failed" if error else "done", "file": path.name if path else None}
    if job.get("callback_url"):
        requests.post(job["callback_url"], json=payload, timeout=10)  # expect: PY-SSRF-001
    if error:
        notify_slack("#exports-alerts", f"export {job['id']} failed")


def work_forever(client: redis.Redis) -> None:
    log.info("worker started, queue=%s", QUEUE)
    while True:
        item = client.blpop(QUEUE, timeout=5)
        if item is None:
            continue
        _, raw = item
        job = pickle.loads(raw)  # expect: PY-DESER-001
        try:
            path = run_job(job)
        except Exception:
            log.exception("export job %s failed", job.get("id"))
            report_result(job, None, error="failed")
        else:
            report_result(job, path)


def cleanup() -> int:
    cutoff = time.time() - RETENTION_DAYS * 86400
    removed = 0
    for path in EXPORT_ROOT.glob("*.enc"):
        if path.stat().st_mtime < cutoff:
            path.unlink()
            removed += 1
    log.info("removed %d expired exports", removed)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="export worker")
    parser.add_argument("--cleanup", action="store_true", help="delete expired exports and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.cleanup:
        cleanup()
        return 0
    work_forever(redis_client())
    return 0


if __name__ == "__main__":
    sys.exit(main())
