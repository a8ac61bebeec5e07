"""Nightly ETL: pull the partner CSV export, apply the configured transforms, load into Postgres (hardened)."""

import csv
import hashlib
import hmac
import logging
import operator
import os
import random
import tempfile
from datetime import date

import psycopg2
import requests
import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg2 import sql

logger = logging.getLogger("etl")

SOURCE_URL = "https://partner.example.net/exports/daily.csv"
DB_PASSWORD_ENV = "ETL_DB_PASSWORD"
SAMPLE_SIZE = 50
OPERATIONS = {"add": operator.add, "mul": operator.mul, "concat": lambda a, b: f"{a}{b}"}


def connect():
    return psycopg2.connect(
        host=os.environ["ETL_DB_HOST"],
        dbname="analytics",
        user=os.environ.get("ETL_DB_USER", "etl_loader"),
        password=os.environ[DB_PASSWORD_ENV],  # ok: PY-SECRET-001
    )


def load_rules(path="transforms.yml"):
    with open(path) as fh:
        return yaml.safe_load(fh)["transforms"]  # ok: PY-DESER-001


def download(workdir):
    resp = requests.get(SOURCE_URL, timeout=120)  # ok: PY-TLS-001
    resp.raise_for_status()
    fd, staging = tempfile.mkstemp(prefix="partner_", suffix=".csv", dir=workdir)  # ok: PY-TEMP-001
    with os.fdopen(fd, "w") as fh:
        fh.write(resp.text)
    return staging


def encrypt_pii(value: str, key: bytes) -> str:
    nonce = os.urandom(12)
    return (nonce + AESGCM(key).encrypt(nonce, value.encode(), None)).hex()  # ok: PY-CRYPTO-001


def pseudonymise(value: str, key: bytes) -> str:
    return hmac.new(key, value.lower().encode(), hashlib.sha256).hexdigest()  # ok: PY-HASH-001


def transform(row, rules, key):
    out = dict(row)
    for rule in rules:
        op = OPERATIONS[rule["op"]]
        out[rule["target"]] = op(out[rule["left"]], out[rule["right"]])
    if "email" in out:
        out["email_hash"] = pseudonymise(out["email"], key)
        out["email"] = encrypt_pii(out["email"], key)
    return out


def load(conn, table, rows, run_date):
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DELETE FROM {} WHERE load_date = %s").format(sql.Identifier(table)), (run_date,))  # ok: PY-SQLI-001
        for row in rows:
            query = sql.SQL("INSERT INTO {} ({}, load_date) VALUES ({}, %s)").format(
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, row)),
                sql.SQL(", ").join(sql.Placeholder() * len(row)),
            )
            cur.execute(query, [*row.values(), run_date])  # ok: PY-SQLI-001
    conn.commit()
    logger.info("loaded %d rows into %s for %s", len(rows), table, run_date)


def qa_sample(rows):
    return random.sample(rows, min(SAMPLE_SIZE, len(rows)))  # ok: PY-RAND-001


def main():
    key = bytes.fromhex(os.environ["ETL_PII_KEY"])
    run_date = date.today().isoformat()
    rules = load_rules()
    with tempfile.TemporaryDirectory() as workdir:
        path = download(workdir)
        with open(path, newline="") as fh:
            rows = [transform(r, rules, key) for r in csv.DictReader(fh)]
    conn = connect()
    try:
        load(conn, os.environ.get("ETL_TABLE", "partner_daily"), rows, run_date)
        logger.info("qa sample: %s", qa_sample(rows)[:3])
    finally:
        conn.close()


if __name__ == "__main__":
    main()
