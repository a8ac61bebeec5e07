"""Async client for the Ledgerly billing API, plus a small command-line front end.

    python -m billing.client invoices --customer cus_123
    python -m billing.client fetch-attachment https://files.ledgerly.io/att/abc.pdf -o abc.pdf
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import logging
import os
import random
import secrets
import ssl
import time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel

log = logging.getLogger("billing.client")

API_BASE = "https://api.ledgerly.io/v2"
ATTACHMENT_HOSTS = {"files.ledgerly.io", "cdn.ledgerly.io"}
CA_BUNDLE = os.environ.get("LEDGERLY_CA_BUNDLE")
WEBHOOK_TOLERANCE_S = 300


class Invoice(BaseModel):
    id: str
    customer: str
    amount_due: int
    currency: str
    status: str


class BillingError(Exception):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code


def tls_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=CA_BUNDLE) if CA_BUNDLE else ssl.create_default_context()  # ok: PY-TLS-001
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class BillingClient:
    def __init__(self, api_key: str | None = None, max_retries: int = 3) -> None:
        self._api_key = api_key or os.environ["LEDGERLY_API_KEY"]  # ok: PY-SECRET-001
        self._max_retries = max_retries
        self._http = httpx.AsyncClient(base_url=API_BASE, verify=tls_context(), timeout=httpx.Timeout(15.0, connect=5.0), headers={"Authorization": f"Bearer {self._api_key}"})

    async def __aenter__(self) -> BillingClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict:
        headers = kwargs.pop("headers", {})
        if method in {"POST", "PUT"}:
            headers.setdefault("Idempotency-Key", secrets.token_hex(16))  # ok: PY-RAND-001
        for attempt in range(self._max_retries + 1):
            resp = await self._http.request(method, path, headers=headers, **kwargs)
            if resp.status_code < 500 and resp.status_code != 429:
                break
            delay = min(2**attempt, 30) + random.uniform(0, 0.5)  # ok: PY-RAND-001
            log.info("retrying %s %s after %.1fs (status %d)", method, path, delay, resp.status_code)
            await asyncio.sleep(delay)
        if resp.is_error:
            raise BillingError(resp.status_code, resp.json().get("error", {}).get("message", "request failed"))
        return resp.json()

    async def list_invoices(self, customer_id: str, status: str = "open") -> list[Invoice]:
        data = await self._request("GET", "/invoices", params={"customer": customer_id, "status": status})
        return [Invoice(**item) for item in data["data"]]

    async def get_invoice(self, invoice_id: str) -> Invoice:
        data = await self._request("GET", f"/invoices/{quote(invoice_id, safe='')}")  # ok: PY-SSRF-001
        return Invoice(**data)

    async def fetch_attachment(self, url: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.hostname not in ATTACHMENT_HOSTS:
            raise ValueError("attachment URL is not on a Ledgerly host")
        resp = await self._http.get(url, follow_redirects=False)  # ok: PY-SSRF-001
        resp.raise_for_status()
        return resp.content


def verify_webhook(payload: bytes, header: str, secret: bytes) -> bool:
    """Check a `Ledgerly-Signature: t=<ts>,v1=<hex>` header."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > WEBHOOK_TOLERANCE_S:
        return False
    expected = hmac.new(secret, f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))  # ok: PY-TIMING-001


async def _main(args: argparse.Namespace) -> int:
    async with BillingClient() as client:
        if args.command == "invoices":
            for inv in await client.list_invoices(args.customer, args.status):
                print(f"{inv.id}\t{inv.status}\t{inv.amount_due / 100:.2f} {inv.currency.upper()}")
        elif args.command == "fetch-attachment":
            content = await client.fetch_attachment(args.url)
            with open(args.output, "wb") as fh:  # ok: PY-PATH-001
                fh.write(content)
            print(f"wrote {len(content)} bytes to {args.output}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="billing")
    sub = parser.add_subparsers(dest="command", required=True)
    inv = sub.add_parser("invoices")
    inv.add_argument("--customer", required=True)
    inv.add_argument("--status", default="open", choices=["open", "paid", "void"])
    att = sub.add_parser("fetch-attachment")
    att.add_argument("url")
    att.add_argument("-o", "--output", required=True)
    logging.basicConfig(level=logging.WARNING)
    raise SystemExit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
