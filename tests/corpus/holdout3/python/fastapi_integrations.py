"""Integrations API: outgoing webhooks, partner tokens and config import (FastAPI + httpx)."""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import secrets
import string
from ipaddress import ip_address
from urllib.parse import urlparse

import httpx
import jwt
import yaml
from fastapi import APIRouter, Depends, Header, HTTPException, Request, UploadFile
from pydantic import BaseModel, HttpUrl

from .db import Integration, get_session
from .settings import settings

router = APIRouter(prefix="/integrations", tags=["integrations"])

PARTNER_SIGNING_KEY = "c9f1d27be04a4e3f8a6b51d7e2c0b98f"  # expect: PY-SECRET-001
WEBHOOK_SECRET = os.environ["INTEGRATIONS_WEBHOOK_SECRET"].encode()  # ok: PY-SECRET-001
ALLOWED_PREVIEW_HOSTS = {"cdn.example.com", "assets.internal.example"}


class WebhookTest(BaseModel):
    callback_url: HttpUrl
    event: str = "ping"


class PreviewRequest(BaseModel):
    image_url: HttpUrl


def _api_key(length: int = 40) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choices(alphabet, k=length))  # expect: PY-RAND-001


def _webhook_id() -> str:
    return secrets.token_urlsafe(16)  # ok: PY-RAND-001


def _jitter_seconds() -> float:
    return random.uniform(0.5, 2.0)  # ok: PY-RAND-001


async def _http_client() -> httpx.AsyncClient:
    # Partners run staging endpoints with self-signed certificates.
    return httpx.AsyncClient(timeout=10, verify=False)  # expect: PY-TLS-001


def current_partner(authorization: str = Header(...)) -> dict:
    token = authorization.removeprefix("Bearer ").strip()
    claims = jwt.decode(token, options={"verify_signature": False})  # expect: PY-JWT-001
    if claims.get("scope") != "integrations":
        raise HTTPException(status_code=403, detail="wrong scope")
    return claims


def current_service(authorization: str = Header(...)) -> dict:
    token = authorization.removeprefix("Bearer ").strip()
    try:
        return jwt.decode(  # ok: PY-JWT-001
            token, settings.service_jwt_public_key, algorithms=["RS256"], audience="integrations"
        )
    except jwt.PyJWTError as exc:
        raise HTTPException(status_code=401, detail="invalid token") from exc


@router.post("/keys")
async def create_key(partner: dict = Depends(current_partner), db=Depends(get_session)):
    key = _api_key()
    key_hash = hashlib.sha256(key.encode()).hexdigest()  # ok: PY-HASH-001
    db.add(Integration(partner_id=partner["sub"], key_hash=key_hash))
    await db.commit()
    return {"api_key": key, "webhook_id": _webhook_id()}


@router.post("/webhooks/test")
async def test_webhook(body: WebhookTest, partner: dict = Depends(current_partner)):
    client = await _http_client()
    async with client:
        resp = await client.post(str(body.callback_url), json={"event": body.event})  # expect: PY-SSRF-001
    return {"status": resp.status_code}


@router.post("/preview")
async def preview_image(body: PreviewRequest, service: dict = Depends(current_service)):
    parsed = urlparse(str(body.image_url))
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_PREVIEW_HOSTS:
        raise HTTPException(status_code=400, detail="unsupported image host")
    async with httpx.AsyncClient(timeout=5, follow_redirects=False) as client:
        resp = await client.get(parsed.geturl())  # ok: PY-SSRF-001
    return {"content_type": resp.headers.get("content-type"), "size": len(resp.content[:1_000_000])}


@router.get("/status")
async def partner_status(host: str, service: dict = Depends(current_service)):
    try:
        if ip_address(host).is_private:
            raise HTTPException(status_code=400, detail="private address")
    except ValueError:
        pass
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.get(f"https://{host}/.well-known/status")  # expect: PY-SSRF-001
    return resp.json()


@router.post("/events")
async def receive_event(request: Request, x_signature: str = Header(...)):
    payload = await request.body()
    expected = hmac.new(WEBHOOK_SECRET, payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, x_signature):  # ok: PY-TIMING-001
        raise HTTPException(status_code=401, detail="bad signature")
    return {"received": True}


@router.post("/legacy-events")
async def receive_legacy_event(request: Request, x_partner_signature: str = Header(...)):
    payload = await request.body()
    digest = hmac.new(PARTNER_SIGNING_KEY.encode(), payload, hashlib.sha256).hexdigest()
    if digest != x_partner_signature:  # expect: PY-TIMING-001
        raise HTTPException(status_code=401, detail="bad signature")
    return {"received": True}


@router.post("/config/import")
async def import_config(file: UploadFile, service: dict = Depends(current_service)):
    raw = await file.read(256_000)
    config = yaml.load(raw, Loader=yaml.Loader)  # expect: PY-DESER-001
    return {"keys": sorted(config)}


@router.post("/config/validate")
async def validate_config(file: UploadFile, service: dict = Depends(current_service)):
    raw = await file.read(256_000)
    config = yaml.safe_load(raw)  # ok: PY-DESER-001
    return {"valid": isinstance(config, dict), "retry_after": _jitter_seconds()}
