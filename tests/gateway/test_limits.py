"""Bounded bodies: a request over the limit is refused, an answer over it is not passed on unchecked, and a stream
over it is cut and noted as not fully checked."""

from __future__ import annotations

import httpx
import openai
from gateway_servers import Gateways, gateway_app, running

from slopguard.core.finding import Severity
from slopguard.engine.scanner import Scanner
from slopguard.gateway.config import Limits

SMALL = Limits(request_bytes=10_000, response_bytes=3_000)


def test_request_over_the_limit_is_refused(gateways: Gateways, scanner: Scanner) -> None:
    with running(gateway_app(gateways.upstream_url, None, scanner, SMALL)) as base:
        big = {"model": "m", "messages": [{"role": "user", "content": "x" * 20_000}]}
        answer = httpx.post(base + "/v1/chat/completions", json=big)
    assert answer.status_code == 413
    assert answer.json()["error"]["message"] == "the request body exceeds 10000 bytes"
    assert gateways.upstream.requests == []


def test_answer_over_the_limit_is_not_passed_on(gateways: Gateways, scanner: Scanner) -> None:
    gateways.upstream.answer = "word " * 2_000
    with running(gateway_app(gateways.upstream_url, None, scanner, SMALL)) as base:
        answer = httpx.post(base + "/v1/chat/completions", json={"model": "m", "messages": []})
    assert answer.status_code == 502
    assert "exceeds 3000 bytes" in answer.json()["error"]["message"]


def test_stream_over_the_limit_is_cut_and_noted(gateways: Gateways, scanner: Scanner) -> None:
    gateways.upstream.answer = "Counting words. "
    gateways.upstream.repeat = 200
    with running(gateway_app(gateways.upstream_url, None, scanner, SMALL)) as base:
        client = openai.OpenAI(base_url=base + "/v1", api_key="k", max_retries=0)
        chunks = client.chat.completions.create(model="m", messages=[], stream=True)  # type: ignore[arg-type]
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    body, _, note = text.partition("\n\n---\n")
    assert body and len(body) < 3_000 and gateways.upstream.answer.startswith(body[:16])
    assert note.startswith("slopguard: this answer was not fully checked")
    assert "the answer exceeded 3000 bytes and was cut off" in note


def test_blocking_a_cut_stream(gateways: Gateways, scanner: Scanner) -> None:
    gateways.upstream.answer = "Counting words. "
    gateways.upstream.repeat = 200
    with running(gateway_app(gateways.upstream_url, Severity.HIGH, scanner, SMALL)) as base:
        client = openai.OpenAI(base_url=base + "/v1", api_key="k", max_retries=0)
        chunks = client.chat.completions.create(model="m", messages=[], stream=True)  # type: ignore[arg-type]
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("slopguard blocked this answer") and "Counting words" not in text
