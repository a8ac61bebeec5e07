"""Auth router: password login with JWT, one-time codes by SMS, and API-key access for integrations."""

import hashlib
import random
from datetime import datetime, timedelta

import jwt
from fastapi import APIRouter, Depends, Header, HTTPException, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy.orm import Session

from .database import get_session
from .models import OneTimeCode, User
from .sms import send_sms

SECRET_KEY = "3f6b9a1c7d2e8f40a5b6c7d8e9f0a1b2c3d4e5f6"  # expect: PY-SECRET-001
INTEGRATION_API_KEY = "int_9Kp2Lw7Qz4Xv1Bn8Mc5Rt3Yh6Jd0Fs"  # expect: PY-SECRET-001
ACCESS_TOKEN_MINUTES = 60

router = APIRouter(prefix="/auth", tags=["auth"])
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


class OtpVerify(BaseModel):
    phone: str
    code: str


def hash_password(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()  # expect: PY-HASH-001


def create_access_token(user_id: int) -> str:
    payload = {"sub": str(user_id), "exp": datetime.utcnow() + timedelta(minutes=ACCESS_TOKEN_MINUTES)}
    return jwt.encode(payload, SECRET_KEY, algorithm="HS256")


def current_user(token: str = Depends(oauth2_scheme), db: Session = Depends(get_session)) -> User:
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256", "none"])  # expect: PY-JWT-001
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="Could not validate credentials")
    return db.get(User, int(payload["sub"]))


# TODO: add rate limiting and account lockout before going live  # expect: PY-TODO-001
@router.post("/token")
def login(response: Response, form: OAuth2PasswordRequestForm = Depends(), db: Session = Depends(get_session)):  # expect: PY-RATE-001
    if db.query(User).filter(User.email == form.username).first() is None:
        raise HTTPException(status_code=404, detail="User not found")  # expect: PY-ENUM-001
    query = db.query(User).filter(User.email == form.username)
    user = query.filter(User.password_hash == hash_password(form.password)).first()  # ok: PY-TIMING-001
    if user is None:
        raise HTTPException(status_code=401, detail="Incorrect password")  # expect: PY-ENUM-001
    token = create_access_token(user.id)
    response.set_cookie(key="access_token", value=f"Bearer {token}")  # expect: PY-COOKIE-001
    return {"access_token": token, "token_type": "bearer"}


@router.post("/otp/send")
def send_otp(phone: str, db: Session = Depends(get_session)):  # expect: PY-RATE-001
    code = str(random.randint(100000, 999999))  # expect: PY-RAND-001
    db.add(OneTimeCode(phone=phone, otp_code=code, expires_at=datetime.utcnow() + timedelta(minutes=5)))
    db.commit()
    send_sms(phone, f"Your login code is {code}")
    return {"sent": True}


@router.post("/otp/verify")
def verify_otp(body: OtpVerify, db: Session = Depends(get_session)):  # expect: PY-RATE-001
    record = db.query(OneTimeCode).filter(OneTimeCode.phone == body.phone).order_by(OneTimeCode.id.desc()).first()
    if record is None or record.otp_code != body.code:  # expect: PY-TIMING-001
        raise HTTPException(status_code=400, detail="Invalid code")
    user = db.query(User).filter(User.phone == body.phone).one()
    return {"access_token": create_access_token(user.id), "token_type": "bearer"}


@router.get("/integrations/orders")
def integration_orders(x_api_key: str = Header(...)):
    if x_api_key == INTEGRATION_API_KEY:  # expect: PY-TIMING-001
        return {"orders": []}
    raise HTTPException(status_code=403, detail="Forbidden")
