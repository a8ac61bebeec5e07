"""Clinic appointments: bookings, patient records, visit summaries and the patient portal (FastAPI)."""

from __future__ import annotations

import hashlib
import html
import logging
import os
import secrets
from datetime import datetime
from pathlib import Path

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from pydantic import BaseModel
from slowapi import Limiter
from slowapi.util import get_remote_address
from sqlalchemy import text
from sqlalchemy.orm import Session

from .auth import current_staff
from .db import get_session
from .models import Patient, StaffUser, Visit

log = logging.getLogger("clinic.appointments")
app = FastAPI(title="Clinic appointments")
limiter = Limiter(key_func=get_remote_address)
app.state.limiter = limiter

RECORDS_DIR = Path(os.environ.get("RECORDS_DIR", "/srv/clinic/records")).resolve()
LETTERS_DIR = "/srv/clinic/letters"
SMS_GATEWAY_URL = "https://sms.internal.example/v1/messages"
SMS_GATEWAY_TOKEN = os.environ["SMS_GATEWAY_TOKEN"]
PORTAL_PEPPER = "9d41c7e0b3a85f26e1d09c7b4a3f8e25"  # expect: PY-SECRET-001
SORTABLE = {"starts_at", "patient_name", "room"}


class BookingRequest(BaseModel):
    patient_id: int
    clinician: str
    starts_at: datetime
    reason: str


class PortalLogin(BaseModel):
    email: str
    password: str


def _visit_or_404(db: Session, visit_id: int) -> Visit:
    visit = db.get(Visit, visit_id)
    if visit is None:
        raise HTTPException(status_code=404, detail="visit not found")
    return visit


@app.get("/appointments")
def list_appointments(clinician: str, day: str, sort: str = "starts_at", db: Session = Depends(get_session),
                      staff: StaffUser = Depends(current_staff)):
    order = sort if sort in SORTABLE else "starts_at"
    sql = (
        "SELECT id, patient_name, room, starts_at FROM appointments "
        f"WHERE clinician = :clinician AND date(starts_at) = :day ORDER BY {order}"
    )
    rows = db.execute(text(sql), {"clinician": clinician, "day": day})  # ok: PY-SQLI-001
    return [dict(r._mapping) for r in rows]


@app.get("/appointments/search")
def search_appointments(q: str, db: Session = Depends(get_session), staff: StaffUser = Depends(current_staff)):
    clause = f"patient_name ILIKE '%{q}%' OR notes ILIKE '%{q}%'"
    rows = db.execute(text("SELECT id, patient_name, starts_at FROM appointments WHERE " + clause))  # expect: PY-SQLI-001
    return [dict(r._mapping) for r in rows]


@app.post("/appointments", status_code=201)
def book(body: BookingRequest, db: Session = Depends(get_session), staff: StaffUser = Depends(current_staff)):
    log.info("booking by %s: patient=%s reason=%s", staff.id, body.patient_id, body.reason)  # expect: PY-LOG-001
    appt_id = db.execute(
        text("INSERT INTO appointments (patient_id, clinician, starts_at, reason) VALUES (:p, :c, :s, :r) RETURNING id"),
        {"p": body.patient_id, "c": body.clinician, "s": body.starts_at, "r": body.reason},
    ).scalar_one()
    db.commit()
    log.info("booking %s confirmed for clinician %r", appt_id, body.clinician)  # ok: PY-LOG-001
    patient = db.get(Patient, body.patient_id)
    if patient is not None and patient.phone:
        message = f"Your appointment is booked for {body.starts_at:%d %b %H:%M}."
        httpx.post(  # ok: PY-SSRF-001
            SMS_GATEWAY_URL,
            json={"to": patient.phone, "text": message},
            headers={"Authorization": f"Bearer {SMS_GATEWAY_TOKEN}"},
            timeout=5,
        )
    return {"id": appt_id}


@app.get("/patients/{patient_id}/records/{filename}")
def download_record(patient_id: int, filename: str, staff: StaffUser = Depends(current_staff)):
    folder = RECORDS_DIR / str(patient_id)
    target = (folder / filename).resolve()
    if not target.is_relative_to(folder):
        raise HTTPException(status_code=404, detail="record not found")
    return FileResponse(target)  # ok: PY-PATH-001


@app.get("/letters/template")
def letter_template(name: str, staff: StaffUser = Depends(current_staff)):
    return FileResponse(os.path.join(LETTERS_DIR, name))  # expect: PY-PATH-001


@app.post("/integrations/lab-results/subscribe")
def subscribe_lab_results(callback_url: str, staff: StaffUser = Depends(current_staff)):
    try:
        probe = httpx.post(callback_url, json={"event": "subscription.test"}, timeout=5)  # expect: PY-SSRF-001
        probe.raise_for_status()
    except httpx.HTTPError as exc:
        raise HTTPException(status_code=502, detail=f"callback check failed: {exc}")  # expect: PY-ERRLEAK-001
    return {"subscribed": callback_url}


@app.get("/visits/{visit_id}/summary", response_class=HTMLResponse)
def visit_summary(visit_id: int, highlight: str = "", db: Session = Depends(get_session),
                  staff: StaffUser = Depends(current_staff)):
    visit = _visit_or_404(db, visit_id)
    body = html.escape(visit.summary)
    return f"<h2>Visit {visit.id}</h2><p>{body}</p><p class='hl'>{highlight}</p>"  # expect: PY-XSS-001


@app.get("/visits/{visit_id}/print", response_class=HTMLResponse)
def visit_print(visit_id: int, title: str = "Visit", db: Session = Depends(get_session),
                staff: StaffUser = Depends(current_staff)):
    visit = _visit_or_404(db, visit_id)
    return f"<h1>{html.escape(title)}</h1><pre>{html.escape(visit.summary)}</pre>"  # ok: PY-XSS-001


@app.post("/portal/login")
@limiter.limit("5/minute")
def portal_login(request: Request, body: PortalLogin, response: Response, db: Session = Depends(get_session)):
    patient = db.query(Patient).filter(Patient.email == body.email.lower()).one_or_none()
    if patient is None:
        raise HTTPException(status_code=404, detail="No patient is registered with this e-mail")  # expect: PY-ENUM-001
    digest = hashlib.sha256((PORTAL_PEPPER + body.password).encode()).hexdigest()  # expect: PY-HASH-001
    if digest != patient.password_hash:  # expect: PY-TIMING-001
        raise HTTPException(status_code=401, detail="Incorrect password")  # expect: PY-ENUM-001
    session_id = secrets.token_urlsafe(32)  # ok: PY-RAND-001
    db.execute(text("INSERT INTO portal_sessions (id, patient_id) VALUES (:id, :pid)"),
               {"id": session_id, "pid": patient.id})
    db.commit()
    response.set_cookie("portal_session", session_id, httponly=True, samesite="lax")  # expect: PY-COOKIE-002
    return {"ok": True}


@app.get("/portal/continue")
def portal_continue(next: str = "/portal"):
    target = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/portal"
    return RedirectResponse(target, status_code=303)  # ok: PY-REDIRECT-001
