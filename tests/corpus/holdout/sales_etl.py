"""Nightly sales ETL: pull CSV drops from the partner bucket, clean them, load them into the warehouse.

Invoked by cron:  0 2 * * *  /opt/etl/venv/bin/python -m etl.sales_etl --date yesterday
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import logging
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import requests
import yaml

log = logging.getLogger("etl.sales")

CONFIG_PATH = Path(os.environ.get("ETL_CONFIG", "/etc/etl/sales.yaml"))
WAREHOUSE_DB = Path(os.environ.get("WAREHOUSE_DB", "/var/lib/etl/warehouse.db"))
PARTNER_API = "https://partners.example.com/api/v1"
ALLOWED_TABLES = {"sales_daily", "sales_returns"}


@dataclass
class Drop:
    name: str
    url: str
    sha256: str


def load_config(path: Path = CONFIG_PATH) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)  # ok: PY-DESER-001


def list_drops(day: date, api_token: str) -> list[Drop]:
    resp = requests.get(f"{PARTNER_API}/drops", params={"date": day.isoformat()}, headers={"Authorization": f"Bearer {api_token}"}, timeout=30)  # ok: PY-SSRF-001
    resp.raise_for_status()
    return [Drop(d["name"], d["url"], d["sha256"]) for d in resp.json()["drops"]]


def download(drop: Drop, workdir: Path, api_token: str) -> Path:
    target = workdir / os.path.basename(drop.name)
    with requests.get(f"{PARTNER_API}/drops/{drop.name}/content", headers={"Authorization": f"Bearer {api_token}"}, stream=True, timeout=120) as resp:
        resp.raise_for_status()
        with open(target, "wb") as fh:
            shutil.copyfileobj(resp.raw, fh)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()  # ok: PY-HASH-001
    if digest != drop.sha256:  # ok: PY-TIMING-001
        raise ValueError(f"checksum mismatch for {drop.name}")
    return target


def cache_key(*parts: str) -> str:
    return hashlib.md5("|".join(parts).encode(), usedforsecurity=False).hexdigest()  # ok: PY-CRYPTO-001


def parse_amount(raw: str) -> float:
    value = ast.literal_eval(raw.strip() or "0")  # ok: PY-EVAL-001
    return float(value)


def clean_rows(path: Path) -> list[dict]:
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for rec in csv.DictReader(fh):
            try:
                rows.append({"sku": rec["sku"].strip(), "store": rec["store"].strip(), "amount": parse_amount(rec["amount"]), "day": rec["date"]})
            except (KeyError, ValueError, SyntaxError):
                log.warning("skipping malformed row in %s", path.name)
    return rows


def sample_for_qa(rows: list[dict], k: int = 50) -> list[dict]:
    return random.sample(rows, min(k, len(rows)))  # ok: PY-RAND-001


def load_rows(conn: sqlite3.Connection, table: str, rows: list[dict]) -> int:
    if table not in ALLOWED_TABLES:
        raise ValueError(f"unknown table {table}")
    conn.executemany(f"INSERT INTO {table} (sku, store, amount, day) VALUES (:sku, :store, :amount, :day)", rows)  # ok: PY-SQLI-001
    conn.commit()
    return len(rows)


def compress_archive(src: Path, archive_dir: Path) -> Path:
    archive_dir.mkdir(parents=True, exist_ok=True)
    dest = archive_dir / (src.name + ".zst")
    subprocess.run(["zstd", "-q", "-19", "-f", str(src), "-o", str(dest)], check=True)  # ok: PY-CMDI-001
    return dest


def run(day: date) -> None:
    cfg = load_config()
    token = os.environ["PARTNER_API_TOKEN"]
    with tempfile.TemporaryDirectory(prefix="sales-etl-") as tmp, sqlite3.connect(WAREHOUSE_DB) as conn:
        workdir = Path(tmp)
        total = 0
        for drop in list_drops(day, token):
            path = download(drop, workdir, token)
            rows = clean_rows(path)
            for row in sample_for_qa(rows, cfg.get("qa_sample", 50)):
                log.debug("qa sample %r", row)
            total += load_rows(conn, cfg.get("table", "sales_daily"), rows)
            compress_archive(path, Path(cfg.get("archive_dir", "/var/lib/etl/archive")) / day.isoformat())
        log.info("loaded %d rows for %s", total, day)

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=cfg.get("status_dir", "/var/lib/etl")) as status:  # ok: PY-TEMP-001
        status.write(f'{{"day": "{day}", "rows": {total}}}')


def main() -> None:
    parser = argparse.ArgumentParser(description="sales ETL")
    parser.add_argument("--date", default="yesterday", help="YYYY-MM-DD or 'yesterday'")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    day = date.today() - timedelta(days=1) if args.date == "yesterday" else date.fromisoformat(args.date)
    run(day)


if __name__ == "__main__":
    main()
