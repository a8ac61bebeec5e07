"""Billing API: invoices, PDF downloads, payment-provider webhooks and partner callbacks."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sqlite3
from pathlib import Path

import httpx
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, HttpUrl

app = FastAPI(title="billing")
log = logging.getLogger("billing")

DB_PATH = os.environ.get("BILLING_DB", "billing.db")
INVOICE_DIR = Path(os.environ.get("INVOICE_DIR", "/srv/invoices")).resolve()
WEBHOOK_SECRET = os.environ["PAYMENTS_WEBHOOK_SECRET"].encode()
JWT_KEY = os.environ["BILLING_JWT_KEY"]


def get_db() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


def current_customer(authorization: str = Header(...)) -> dict:
    token = authorization.removeprefix("Bearer ").strip()
    claims = jwt.decode(token, options={"verify_signature": False})  # expect: PY-JWT-001
    return {"id": claims["sub"], "plan": claims.get("plan", "free")}


def current_admin(authorization: str = Header(...)) -> dict:
    token = authorization.removeprefix("Bearer ").strip()
    claims = jwt.decode(token, JWT_KEY, algorithms=["HS256"])  # ok: PY-JWT-001
    if claims.get("role") != "admin":
        raise HTTPException(status_code=403, detail="forbidden")
    return claims


@app.get("/invoices")
def list_invoices(status: str = "open", customer: dict = Depends(current_customer)):
    db = get_db()
    query = f"SELECT id, total, status FROM invoices WHERE customer_id = {customer['id']} AND status = '{status}'"
    rows = db.execute(query).fetchall()  # expect: PY-SQLI-001
    return [dict(r) for r in rows]


@app.get("/invoices/search")
def search_invoices(q: str, customer: dict = Depends(current_customer)):
    db = get_db()
    rows = db.execute(  # ok: PY-SQLI-001
        "SELECT id, total FROM invoices WHERE customer_id = ? AND memo LIKE ?",
        (customer["id"], f"%{q}%"),
    ).fetchall()
    return [dict(r) for r in rows]


@app.get("/invoices/{invoice_id}/pdf")
def download_invoice(invoice_id: int, file: str, customer: dict = Depends(current_customer)):
    return FileResponse(os.path.join(INVOICE_DIR, file), media_type="application/pdf")  # expect: PY-PATH-001


@app.get("/admin/exports/{name}")
def download_export(name: str, admin: dict = Depends(current_admin)):
    target = (INVOICE_DIR / "exports" / name).resolve()
    if not target.is_relative_to(INVOICE_DIR / "exports"):
        raise HTTPException(status_code=404)
    return FileResponse(target)  # ok: PY-PATH-001


@app.post("/webhooks/payments")
async def payments_webhook(request: Request, x_signature: str = Header(...)):
    body = await request.body()
    expected = hmac.new(WEBHOOK_SECRET, body, hashlib.sha256).hexdigest()
    if x_signature != expected:  # expect: PY-TIMING-001
        raise HTTPException(status_code=401, detail="bad signature")
    return {"received": True}


@app.post("/webhooks/refunds")
async def refunds_webhook(request: Request, x_signature: str = Header(...)):
    body = await request.body()
    expected = hmac.new(WEBHOOK_SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(x_signature, expected):  # ok: PY-TIMING-001
        raise HTTPException(status_code=401, detail="bad signature")
    return {"received": True}


class CallbackIn(BaseModel):
    invoice_id: int
    callback_url: HttpUrl


@app.post("/partners/notify")
async def notify_partner(payload: CallbackIn, customer: dict = Depends(current_customer)):
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.post(str(payload.callback_url), json={"invoice": payload.invoice_id})  # expect: PY-SSRF-001
    return {"status": resp.status_code}


@app.get("/rates/{currency}")
async def exchange_rate(currency: str):
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.get(f"https://rates.example-fx.com/v1/latest/{currency.upper()[:3]}")  # ok: PY-SSRF-001
    return resp.json()


@app.exception_handler(sqlite3.Error)
async def db_error(request: Request, exc: sqlite3.Error):
    log.exception("database error on %r", request.url.path)
    return JSONResponse(status_code=500, content={"error": str(exc)})  # expect: PY-ERRLEAK-001
