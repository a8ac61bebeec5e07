"""Restaurant ordering API (FastAPI + SQLAlchemy): menu search, receipts, gift cards, kitchen display notes,
staff sign-in and the delivery partner's webhook for the table-side ordering app of a small restaurant group.

Attacker data: query strings, JSON bodies, path parameters and cookies of the public ordering app, and the
delivery partner's webhook body (the partner forwards the customer's free-text note verbatim).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import os
import random
import secrets
import subprocess
from pathlib import Path

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from pydantic import BaseModel
from slowapi import Limiter
from slowapi.util import get_remote_address
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .auth import require_staff
from .db import get_db
from .models import GiftCard, StaffUser

log = logging.getLogger("ordering")
app = FastAPI(title="Ordering API")
limiter = Limiter(key_func=get_remote_address)
app.state.limiter = limiter

RECEIPTS_DIR = Path("/srv/ordering/receipts").resolve()
PARTNER_WEBHOOK_SECRET = os.environ["PARTNER_WEBHOOK_SECRET"]
POS_API_TOKEN = os.getenv("POS_API_TOKEN", "c41e9a07b3d2f85e6a1c0b94d7e3f215")  # expect: PY-SECRET-001
AFTER_CHECKOUT = {"menu": "/menu", "orders": "/orders", "done": "/checkout/done"}
SORT_COLUMNS = {"name": "name", "price": "price_cents", "popular": "times_ordered DESC"}


class StaffLogin(BaseModel):
    email: str
    password: str


class PartnerOrder(BaseModel):
    partner_ref: str
    branch: str
    customer_note: str = ""
    items: list[dict]


def _menu_sql(sort_key: str) -> str:
    order_by = SORT_COLUMNS.get(sort_key, "name")
    return (
        "SELECT id, name, price_cents FROM menu_items "
        "WHERE (:category IS NULL OR category = :category) "
        "AND (:max_price IS NULL OR price_cents <= :max_price) "
        f"ORDER BY {order_by}"
    )


@app.get("/menu/search")
def search_menu(sort: str = "name", category: str | None = None, max_price: int | None = None, db: Session = Depends(get_db)):
    rows = db.execute(text(_menu_sql(sort)), {"category": category, "max_price": max_price})  # ok: PY-SQLI-001
    return [dict(r._mapping) for r in rows]


@app.get("/menu/without")
def menu_without_allergens(exclude: str, db: Session = Depends(get_db)):
    clauses = " AND ".join(f"allergens NOT LIKE '%{a.strip()}%'" for a in exclude.split(","))
    try:
        rows = db.execute(text("SELECT id, name FROM menu_items WHERE " + clauses))  # expect: PY-SQLI-001
    except SQLAlchemyError as exc:
        raise HTTPException(status_code=500, detail=f"menu query failed: {exc}")  # expect: PY-ERRLEAK-001
    return [dict(r._mapping) for r in rows]


@app.get("/orders/{order_id}/confirmation", response_class=HTMLResponse)
def order_confirmation(order_id: int, name: str = "guest"):
    safe_name = html.escape(name)
    heading = f"<h1>Thanks, {safe_name}!</h1>"  # ok: PY-XSS-001
    return heading + f"<p>Order #{order_id} is being prepared. Table note: {name}</p>"  # expect: PY-XSS-001


@app.get("/receipts/{receipt_name}")
def download_receipt(receipt_name: str):
    candidate = (RECEIPTS_DIR / receipt_name).resolve()
    if not candidate.is_relative_to(RECEIPTS_DIR) or candidate.suffix != ".pdf":
        raise HTTPException(404)
    return FileResponse(candidate)  # ok: PY-PATH-001


@app.get("/branches/{branch}/printable-menu")
def printable_menu(branch: str, lang: str = "en"):
    menu_file = os.path.join("/srv/ordering/menus", branch, f"menu_{lang}.pdf")
    return FileResponse(menu_file)  # expect: PY-PATH-001


@app.get("/checkout/return")
def checkout_return(dest: str = "done", continue_url: str | None = None):
    if continue_url:
        return RedirectResponse(continue_url, status_code=303)  # expect: PY-REDIRECT-001
    return RedirectResponse(AFTER_CHECKOUT.get(dest, "/menu"), status_code=303)  # ok: PY-REDIRECT-001


@app.post("/gift-cards")
def issue_gift_card(amount_cents: int, db: Session = Depends(get_db), staff: StaffUser = Depends(require_staff)):
    code = "".join(random.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=12))  # expect: PY-RAND-001
    card_colour = random.choice(["teal", "amber", "plum"])  # ok: PY-RAND-001
    db.add(GiftCard(code=code, balance_cents=amount_cents))
    db.commit()
    return {"code": code, "card_colour": card_colour}


@app.post("/admin/menu/import")
async def import_menu_feed(feed_url: str, staff: StaffUser = Depends(require_staff)):
    async with httpx.AsyncClient(timeout=10) as client:
        feed = await client.get(feed_url)  # expect: PY-SSRF-001
    return {"items": len(feed.json().get("items", []))}


def print_kitchen_ticket(printer: str, ticket_text: str) -> None:
    subprocess.run(["lp", "-d", printer, "-o", "cpi=12"], input=ticket_text.encode(), check=True)  # ok: PY-CMDI-001
    os.system(f"/usr/local/bin/kds-push --printer {printer} --note '{ticket_text}'")  # expect: PY-CMDI-001


@app.post("/webhooks/delivery-partner")
async def partner_webhook(request: Request):
    body = await request.body()
    sent = request.headers.get("X-Partner-Signature", "")
    expected = hmac.new(PARTNER_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    if sent != expected:  # expect: PY-TIMING-001
        raise HTTPException(401, "bad signature")
    order = PartnerOrder.model_validate_json(body)
    log.info("partner order %s for %s: %s", order.partner_ref, order.branch, order.customer_note)  # expect: PY-LOG-001
    print_kitchen_ticket(f"kitchen-{order.branch}", order.customer_note)
    return {"accepted": True}


@app.post("/staff/login")
@limiter.limit("5/minute")
def staff_login(request: Request, creds: StaffLogin, response: Response, db: Session = Depends(get_db)):  # ok: PY-RATE-001
    user = db.query(StaffUser).filter(StaffUser.email == creds.email.lower()).first()
    if user is None:
        raise HTTPException(401, "No staff account uses that e-mail address")  # expect: PY-ENUM-001
    digest = hashlib.sha256((user.salt + creds.password).encode()).hexdigest()  # expect: PY-HASH-001
    if not hmac.compare_digest(digest, user.password_hash):  # ok: PY-TIMING-001
        raise HTTPException(401, "That password does not match this staff account")  # expect: PY-ENUM-001
    session_id = secrets.token_urlsafe(32)
    user.session_id = session_id
    db.commit()
    response.set_cookie("staff_session", session_id, httponly=True, samesite="lax")  # expect: PY-COOKIE-002
    return {"ok": True, "name": user.display_name}
