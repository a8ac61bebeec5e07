"""Harbourview hotel bookings API (FastAPI + SQLAlchemy): room search, bookings, invoices, guest sign-in,
rate-feed import. Attacker data: query strings, JSON bodies and cookies from guests and from anyone on the
internet, plus the feed URL a (possibly compromised) hotel-manager account submits."""
import hashlib
import hmac
import logging
import os
import random
import secrets
from datetime import date
from html import escape
from pathlib import Path
from urllib.parse import urlparse

import httpx
from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from pydantic import BaseModel
from slowapi import Limiter
from slowapi.util import get_remote_address
from sqlalchemy import text
from sqlalchemy.orm import Session

from .db import get_session
from .mailer import send_mail
from .models import Booking, Guest

log = logging.getLogger("harbourview.bookings")
app = FastAPI(title="Harbourview bookings")
app.state.limiter = limiter = Limiter(key_func=get_remote_address)

INVOICE_DIR = Path("/srv/harbourview/invoices")
CHANNEL_SECRET = os.environ["CHANNEL_MANAGER_SECRET"]
RATES_API_TOKEN = os.getenv("RATES_API_TOKEN", "rt_5f1c9e07b2d84a6e93c1d0ab7e44f2c8")  # expect: PY-SECRET-001
SORTABLE = {"price": "nightly_rate", "rating": "guest_rating", "name": "room_name"}

class StayQuery(BaseModel):
    city: str
    check_in: date
    check_out: date
    guests: int = 2
    sort: str = "price"

class SignIn(BaseModel):
    email: str
    password: str

class RateImport(BaseModel):
    property_id: int
    feed_url: str

def _order_clause(sort: str) -> str:
    column = SORTABLE.get(sort, "nightly_rate")
    return f" ORDER BY {column} ASC"

def _own_booking(db: Session, booking_id: int, request: Request) -> Booking:
    booking = db.get(Booking, booking_id)
    if booking is None or booking.guest_id != request.state.guest_id:
        raise HTTPException(404, "Booking not found")
    return booking


@app.post("/rooms/search")
def search_rooms(q: StayQuery, db: Session = Depends(get_session)):
    sql = (
        "SELECT id, room_name, nightly_rate FROM rooms WHERE city = :city AND capacity >= :guests "
        "AND id NOT IN (SELECT room_id FROM bookings WHERE check_in < :out AND check_out > :in)"
        + _order_clause(q.sort)
    )
    params = {"city": q.city, "guests": q.guests, "in": q.check_in, "out": q.check_out}
    rows = db.execute(text(sql), params)  # ok: PY-SQLI-001
    return [dict(r._mapping) for r in rows]


@app.get("/rooms/by-amenity")
def rooms_by_amenity(amenity: str, city: str, db: Session = Depends(get_session)):
    where = "city = '%s' AND amenities LIKE '%%%s%%'" % (city, amenity)
    rows = db.execute(text("SELECT id, room_name FROM rooms WHERE " + where))  # expect: PY-SQLI-001
    return [dict(r._mapping) for r in rows]


@app.get("/bookings/{booking_id}/invoice")
def download_invoice(booking_id: int, request: Request, db: Session = Depends(get_session)):
    booking = _own_booking(db, booking_id, request)
    return FileResponse(INVOICE_DIR / f"{booking.id}.pdf", media_type="application/pdf")  # ok: PY-PATH-001


@app.get("/invoices/archive")
def archived_invoice(file: str):
    # finance looks old invoices up by the file name the previous system gave them
    return FileResponse(os.path.join(INVOICE_DIR, "archive", file))  # expect: PY-PATH-001


@app.get("/bookings/{booking_id}/confirmation", response_class=HTMLResponse)
def confirmation_page(booking_id: int, request: Request, note: str = "", db: Session = Depends(get_session)):
    booking = _own_booking(db, booking_id, request)
    greeting = f"<h1>Thank you, {escape(booking.guest.first_name)}!</h1>"  # ok: PY-XSS-001
    return greeting + f"<p>Your request: {note}</p>"  # expect: PY-XSS-001


@app.post("/guests/sign-in")
@limiter.limit("5/minute")
def guest_sign_in(body: SignIn, request: Request, response: Response, db: Session = Depends(get_session)):
    guest = db.query(Guest).filter(Guest.email == body.email.lower()).first()
    if guest is None:
        raise HTTPException(404, "We have no guest profile for that e-mail address")  # expect: PY-ENUM-001
    digest = hashlib.sha256((guest.salt + body.password).encode()).hexdigest()  # expect: PY-HASH-001
    if digest != guest.password_hash:  # expect: PY-TIMING-001
        raise HTTPException(401, "That password is not right for this profile")  # expect: PY-ENUM-001
    guest.session_token = secrets.token_urlsafe(32)
    db.commit()
    response.set_cookie("hv_session", guest.session_token, httponly=True, samesite="lax")  # expect: PY-COOKIE-002
    return {"guest": guest.id}


@app.get("/portal/continue")
def continue_to(next: str = "/portal"):
    parsed = urlparse(next)
    if parsed.scheme or parsed.netloc or not next.startswith("/") or next.startswith("//") or "\\" in next:
        next = "/portal"
    return RedirectResponse(next, status_code=303)  # ok: PY-REDIRECT-001


def _pick_room(candidates: list[int]) -> int:
    # spread stays over equivalent rooms so housekeeping load evens out
    return random.choice(candidates)  # ok: PY-RAND-001


@app.post("/bookings/{booking_id}/door-pin")
def issue_door_pin(booking_id: int, request: Request, db: Session = Depends(get_session)):
    booking = _own_booking(db, booking_id, request)
    booking.door_pin = "".join(random.choice("0123456789") for _ in range(6))  # expect: PY-RAND-001
    db.commit()
    send_mail(booking.guest.email, "Your door code", f"Room {booking.room_id}: {booking.door_pin}")
    return {"sent": True}


@app.post("/webhooks/channel-manager")
async def channel_webhook(request: Request, x_cm_signature: str = Header(...)):
    body = await request.body()
    expected = hmac.new(CHANNEL_SECRET.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, x_cm_signature):  # ok: PY-TIMING-001
        raise HTTPException(401)
    event = await request.json()
    log.info("channel update for property %r: %d rooms", event.get("property"), len(event.get("rooms", [])))  # ok: PY-LOG-001
    return {"accepted": True}


@app.post("/manage/rates/import")
async def import_rates(job: RateImport, request: Request):
    if request.state.role != "manager" or job.property_id not in request.state.properties:
        raise HTTPException(403)
    headers = {"Authorization": f"Bearer {RATES_API_TOKEN}"}
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            feed = await client.get(job.feed_url, headers=headers)  # expect: PY-SSRF-001
            feed.raise_for_status()
    except httpx.HTTPError as exc:
        raise HTTPException(502, detail=f"rate feed failed: {exc}")  # expect: PY-ERRLEAK-001
    return {"property": job.property_id, "rates": len(feed.json().get("rates", []))}
