"""Auth router: password login with JWT, one-time codes by SMS, and API-key access for integrations (hardened)."""

import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel
from slowapi import Limiter
from slowapi.util import get_remote_address
from sqlalchemy.orm import Session

from .database import get_session
from .models import ApiKey, OneTimeCode, User
from .sms import send_sms

SECRET_KEY = os.environ["JWT_SECRET_KEY"]  # ok: PY-SECRET-001
ACCESS_TOKEN_MINUTES = 30
ALGORITHM = "HS256"
TOKEN_TYPE = "bearer"

router = APIRouter(prefix="/auth", tags=["auth"])
limiter = Limiter(key_func=get_remote_address)
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")
password_hasher = PasswordHasher()
# TODO: move these request models into schemas.py  # ok: PY-TODO-001


class OtpVerify(BaseModel):
    phone: str
    code: str


def hash_password(password: str) -> str:
    return password_hasher.hash(password)  # ok: PY-HASH-001


def verify_password(password: str, stored: str) -> bool:
    try:
        return password_hasher.verify(stored, password)
    except VerifyMismatchError:
        return False


def digest_api_key(raw_key: str) -> str:
    # API keys are 256-bit random values, so a fast hash is the right tool for storing them.
    return hashlib.sha256(raw_key.encode()).hexdigest()  # ok: PY-HASH-001


def create_access_token(user_id: int) -> str:
    payload = {"sub": str(user_id), "exp": datetime.now(UTC) + timedelta(minutes=ACCESS_TOKEN_MINUTES)}
    return jwt.encode(payload, SECRET_KEY, algorithm=ALGORITHM)


def current_user(token: str = Depends(oauth2_scheme), db: Session = Depends(get_session)) -> User:
    header = jwt.get_unverified_header(token)  # ok: PY-JWT-001
    if header.get("alg") != ALGORITHM:
        raise HTTPException(status_code=401, detail="Could not validate credentials")
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])  # ok: PY-JWT-001
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="Could not validate credentials")
    return db.get(User, int(payload["sub"]))


@router.post("/token")
@limiter.limit("5/minute")
def login(request: Request, response: Response, form: OAuth2PasswordRequestForm = Depends(), db: Session = Depends(get_session)):  # ok: PY-RATE-001
    user = db.query(User).filter(User.email == form.username).first()
    if user is None or not verify_password(form.password, user.password_hash):
        raise HTTPException(status_code=401, detail="Incorrect email or password")  # ok: PY-ENUM-001
    token = create_access_token(user.id)
    response.set_cookie(key="access_token", value=token, httponly=True, secure=True, samesite="strict")  # ok: PY-COOKIE-001
    return {"access_token": token, "token_type": TOKEN_TYPE}


@router.post("/otp/send")
@limiter.limit("3/minute")
def send_otp(request: Request, phone: str, db: Session = Depends(get_session)):
    code = f"{secrets.randbelow(1_000_000):06d}"  # ok: PY-RAND-001
    db.add(OneTimeCode(phone=phone, otp_code=code, expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    db.commit()
    send_sms(phone, f"Your login code is {code}")
    return {"sent": True}


@router.post("/otp/verify")
@limiter.limit("5/minute")
def verify_otp(request: Request, body: OtpVerify, db: Session = Depends(get_session)):  # ok: PY-RATE-001
    record = db.query(OneTimeCode).filter(OneTimeCode.phone == body.phone).order_by(OneTimeCode.id.desc()).first()
    if record is None or not hmac.compare_digest(record.otp_code, body.code):  # ok: PY-TIMING-001
        raise HTTPException(status_code=400, detail="Invalid code")
    user = db.query(User).filter(User.phone == body.phone).one()
    return {"access_token": create_access_token(user.id), "token_type": TOKEN_TYPE}


@router.get("/integrations/orders")
def integration_orders(x_api_key: str = Header(...), db: Session = Depends(get_session)):
    if len(x_api_key) != 43:  # ok: PY-TIMING-001
        raise HTTPException(status_code=403, detail="Forbidden")
    key = db.query(ApiKey).filter(ApiKey.digest == digest_api_key(x_api_key)).first()  # ok: PY-TIMING-001
    if key is None or key.revoked:
        raise HTTPException(status_code=403, detail="Forbidden")
    return {"orders": []}
