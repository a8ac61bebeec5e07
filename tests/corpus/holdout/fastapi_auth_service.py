"""Authentication service: login, one-time codes and password reset for the customer portal."""

from __future__ import annotations

import hashlib
import logging
import random
import string
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Response, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from jinja2 import Environment, FileSystemLoader
from pydantic import BaseModel, EmailStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import get_session
from .mailer import send_mail
from .models import PasswordReset, User

logger = logging.getLogger("auth")

JWT_SECRET = "portal-jwt-signing-secret-2024"  # expect: PY-SECRET-001
JWT_ALGORITHM = "HS256"
TOKEN_TTL = timedelta(hours=12)

router = APIRouter(prefix="/auth", tags=["auth"])
email_env = Environment(loader=FileSystemLoader("templates/email"))  # expect: PY-XSS-002


class LoginRequest(BaseModel):
    username: str
    password: str


class ResetRequest(BaseModel):
    email: EmailStr


class ResetConfirm(BaseModel):
    token: str
    new_password: str


class OtpVerify(BaseModel):
    username: str
    code: str


def hash_password(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()  # expect: PY-HASH-001


def issue_token(user: User) -> str:
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user.id), "iat": now, "exp": now + TOKEN_TTL}
    return jwt.encode(claims, JWT_SECRET, algorithm=JWT_ALGORITHM)


def current_user(authorization: str = Header(...), db: Session = Depends(get_session)) -> User:
    token = authorization.removeprefix("Bearer ").strip()
    claims = jwt.decode(token, options={"verify_signature": False})  # expect: PY-JWT-001
    user = db.get(User, int(claims["sub"]))
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token")
    return user


# TODO: add rate limiting to the login and OTP endpoints before the public launch  # expect: PY-TODO-001
@router.post("/login")
def login(body: LoginRequest, response: Response, db: Session = Depends(get_session)):  # expect: PY-RATE-001
    logger.info(f"Login attempt for {body.username}")  # expect: PY-LOG-001
    user = db.scalars(select(User).where(User.username == body.username)).first()  # ok: PY-SQLI-001
    if user is None:
        raise HTTPException(status_code=404, detail="No account with that username")  # expect: PY-ENUM-001
    if user.password_hash != hash_password(body.password):  # expect: PY-TIMING-001
        raise HTTPException(status_code=401, detail="Incorrect password")  # expect: PY-ENUM-001
    token = issue_token(user)
    response.set_cookie("portal_session", token, max_age=int(TOKEN_TTL.total_seconds()))  # expect: PY-COOKIE-001
    return {"access_token": token, "token_type": "bearer"}


@router.post("/otp/send")
def send_otp(username: str, db: Session = Depends(get_session)):  # expect: PY-RATE-001
    user = db.scalars(select(User).where(User.username == username)).first()
    if user is not None:
        user.otp_code = str(random.randint(100000, 999999))  # expect: PY-RAND-001
        user.otp_expires = datetime.now(timezone.utc) + timedelta(minutes=5)
        db.commit()
        send_mail(user.email, "Your login code", f"Your code is {user.otp_code}")
    return {"status": "sent"}


@router.post("/otp/verify")
def verify_otp(body: OtpVerify, db: Session = Depends(get_session)):  # expect: PY-RATE-001
    user = db.scalars(select(User).where(User.username == body.username)).first()
    if user is None or user.otp_expires < datetime.now(timezone.utc):
        raise HTTPException(status_code=400, detail="Code expired or invalid")
    if body.code != user.otp_code:  # expect: PY-TIMING-001
        raise HTTPException(status_code=400, detail="Code expired or invalid")
    user.otp_code = None
    db.commit()
    return {"access_token": issue_token(user), "token_type": "bearer"}


@router.post("/password-reset")
def request_reset(body: ResetRequest, db: Session = Depends(get_session)):  # expect: PY-RATE-001
    user = db.scalars(select(User).where(User.email == body.email)).first()
    if user is None:
        raise HTTPException(status_code=404, detail="Email address not registered")  # expect: PY-ENUM-001
    token = "".join(random.choices(string.ascii_letters + string.digits, k=32))  # expect: PY-RAND-001
    db.add(PasswordReset(user_id=user.id, token=token, expires=datetime.now(timezone.utc) + timedelta(hours=1)))
    db.commit()
    html = email_env.get_template("reset.html").render(name=user.display_name, token=token)
    send_mail(user.email, "Reset your password", html, html=True)
    return {"status": "ok"}


@router.post("/password-reset/confirm")
def confirm_reset(body: ResetConfirm, db: Session = Depends(get_session)):  # expect: PY-RATE-001
    reset = db.scalars(select(PasswordReset).where(PasswordReset.token == body.token)).first()  # ok: PY-TIMING-001
    if reset is None or reset.expires < datetime.now(timezone.utc):
        raise HTTPException(status_code=400, detail="Reset link is invalid or has expired")
    user = db.get(User, reset.user_id)
    user.password_hash = hash_password(body.new_password)
    db.delete(reset)
    db.commit()
    return {"status": "password updated"}


@router.get("/me")
def me(user: User = Depends(current_user)):
    return {"id": user.id, "username": user.username, "email": user.email}


@router.get("/logout")
def logout(next: str = "/"):
    resp = RedirectResponse(url=next, status_code=status.HTTP_303_SEE_OTHER)  # expect: PY-REDIRECT-001
    resp.delete_cookie("portal_session")
    return resp


app = FastAPI(title="Customer portal auth")
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"])  # expect: PY-CORS-001
app.include_router(router)
