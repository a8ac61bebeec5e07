"""Nightly ETL: pull the partner CSV export, apply the configured transforms, load into Postgres."""

import csv
import io
import logging
import os
import tempfile
from datetime import date

import psycopg2
import requests
import yaml
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad

logger = logging.getLogger("etl")

SOURCE_URL = "https://partner.example.net/exports/daily.csv"
DB_HOST = "warehouse.internal"
DB_USER = "etl_loader"
DB_PASSWORD = "W4rehouse!Load-2024"  # expect: PY-SECRET-001
PII_KEY = b"k3Jz9QwP2xLm7VbN4tRy8HsD1fGa6CeU"  # expect: PY-SECRET-001


def connect():
    return psycopg2.connect(host=DB_HOST, dbname="analytics", user=DB_USER, password=DB_PASSWORD)


def load_rules(path="transforms.yml"):
    with open(path) as fh:
        return yaml.safe_load(fh)["transforms"]


def download():
    resp = requests.get(SOURCE_URL, timeout=120, verify=False)  # expect: PY-TLS-001
    resp.raise_for_status()
    staging = tempfile.mktemp(prefix="partner_", suffix=".csv")  # expect: PY-TEMP-001
    with open(staging, "w") as fh:
        fh.write(resp.text)
    return staging


def encrypt_pii(value):
    cipher = AES.new(PII_KEY, AES.MODE_ECB)  # expect: PY-CRYPTO-001
    return cipher.encrypt(pad(value.encode(), AES.block_size)).hex()


def transform(row, rules):
    out = dict(row)
    for rule in rules:
        out[rule["target"]] = eval(rule["expression"], {"row": out})  # expect: PY-EVAL-001
    if "email" in out:
        out["email"] = encrypt_pii(out["email"])
    return out


def load(conn, table, rows, run_date):
    with conn.cursor() as cur:
        cur.execute(f"DELETE FROM {table} WHERE load_date = '{run_date}'")  # expect: PY-SQLI-001
        for row in rows:
            columns = ", ".join(row)
            values = ", ".join(f"'{v}'" for v in row.values())
            cur.execute(f"INSERT INTO {table} ({columns}, load_date) VALUES ({values}, '{run_date}')")  # expect: PY-SQLI-001
    conn.commit()
    logger.info(f"Loaded {len(rows)} rows into {table} for {run_date}")


def main():
    run_date = date.today().isoformat()
    rules = load_rules()
    path = download()
    with open(path, newline="") as fh:
        rows = [transform(r, rules) for r in csv.DictReader(io.StringIO(fh.read()))]
    conn = connect()
    try:
        load(conn, os.environ.get("ETL_TABLE", "partner_daily"), rows, run_date)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
