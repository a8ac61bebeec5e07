"""The gateway in front of a scripted upstream, driven by the real ``openai`` and ``anthropic`` SDKs, streaming
and not: the upstream receives the instructions and the client's key; the client receives the annotation for an
answer with ``shell=True`` and an invented package, or the refusal in block mode."""

from __future__ import annotations

import json
import logging

import anthropic
import httpx
import openai
import pytest
from gateway_servers import INVENTED, Gateways, gateway_app, running
from pytest_httpserver import HTTPServer

KEY = "sk-test-gateway-4f1c9e2d7a"
RISKY = f"""Here is a helper that runs a command:

```python
import subprocess

def run(cmd):
    return subprocess.run(cmd, shell=True)
```

Install the JSON speed-up first:

```bash
pip install {INVENTED}
```
"""
CLEAN = "Use `len(items)` to count the items."
INSTRUCTIONS_MARK = "Security instructions for AI-generated code"


def openai_client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base + "/v1", api_key=KEY, max_retries=0)


def chat(base: str, stream: bool) -> str:
    messages: list[dict[str, str]] = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Write a helper that runs a shell command."},
    ]
    client = openai_client(base)
    if not stream:
        answer = client.chat.completions.create(model="coder", messages=messages)  # type: ignore[arg-type]
        return answer.choices[0].message.content or ""
    chunks = client.chat.completions.create(model="coder", messages=messages, stream=True)  # type: ignore[arg-type]
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def assert_annotated(text: str) -> None:
    original, _, note = text.partition("\n\n---\nslopguard: ")
    assert original == RISKY
    assert "PY-CMDI-001" in note
    assert "DEP-MISSING-001" in note and INVENTED in note


def assert_refused(text: str) -> None:
    assert text.startswith("slopguard blocked this answer")
    assert "PY-CMDI-001" in text and "DEP-MISSING-001" in text
    assert "subprocess.run(cmd, shell=True)" not in text  # the code itself is withheld


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_chat_gets_instructions_and_an_annotated_answer(gateways: Gateways, registry: HTTPServer, stream: bool) -> None:
    gateways.upstream.answer = RISKY
    assert_annotated(chat(gateways.annotate, stream))
    (sent,) = gateways.upstream.requests
    system = sent.body["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("You are terse.\n\n") and INSTRUCTIONS_MARK in system["content"]
    assert sent.body["messages"][1]["role"] == "user"
    assert sent.headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_chat_answer_is_blocked_in_block_mode(gateways: Gateways, registry: HTTPServer, stream: bool) -> None:
    gateways.upstream.answer = RISKY
    assert_refused(chat(gateways.block, stream))


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_clean_answer_passes_unchanged(gateways: Gateways, stream: bool) -> None:
    gateways.upstream.answer = CLEAN
    assert chat(gateways.annotate, stream) == CLEAN
    assert chat(gateways.block, stream) == CLEAN


def test_streamed_note_comes_before_the_finish_and_done(gateways: Gateways, registry: HTTPServer) -> None:
    gateways.upstream.answer = RISKY
    chunks = list(openai_client(gateways.annotate).chat.completions.create(
        model="coder", messages=[{"role": "user", "content": "go"}], stream=True
    ))  # fmt: skip
    last = chunks[-1].choices[0]
    assert last.finish_reason == "stop" and (last.delta.content or "").startswith("\n\n---\nslopguard: ")
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])


def test_a_request_for_several_choices_is_refused(gateways: Gateways) -> None:
    with pytest.raises(openai.BadRequestError, match="'n' must be 1"):
        openai_client(gateways.annotate).chat.completions.create(
            model="coder", messages=[{"role": "user", "content": "go"}], n=2
        )
    assert gateways.upstream.requests == []


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_responses_api(gateways: Gateways, registry: HTTPServer, stream: bool) -> None:
    gateways.upstream.answer = RISKY
    client = openai_client(gateways.annotate)
    if stream:
        events = list(client.responses.create(model="coder", input="write it", instructions="Be brief.", stream=True))
        deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        completed = events[-1]
        assert completed.type == "response.completed"
        assert [e.sequence_number for e in events] == list(range(len(events)))
        assert completed.response.output_text == deltas
        text = deltas
    else:
        text = client.responses.create(model="coder", input="write it", instructions="Be brief.").output_text
    assert_annotated(text)
    (sent,) = gateways.upstream.requests
    assert sent.body["instructions"].startswith("Be brief.\n\n") and INSTRUCTIONS_MARK in sent.body["instructions"]


def test_responses_stream_is_blocked(gateways: Gateways, registry: HTTPServer) -> None:
    gateways.upstream.answer = RISKY
    events = list(openai_client(gateways.block).responses.create(model="coder", input="write it", stream=True))
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert_refused(deltas)
    assert events[-1].type == "response.completed" and events[-1].response.output_text == deltas


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_anthropic_messages_round_trip(gateways: Gateways, registry: HTTPServer, stream: bool) -> None:
    gateways.upstream.answer = RISKY
    client = anthropic.Anthropic(base_url=gateways.annotate, api_key=KEY, max_retries=0)
    request = {"model": "claude-test", "max_tokens": 512, "system": "You are terse.",
               "messages": [{"role": "user", "content": "Write a helper that runs a shell command."}]}  # fmt: skip
    if stream:
        with client.messages.stream(**request) as events:  # type: ignore[arg-type]
            message = events.get_final_message()
    else:
        message = client.messages.create(**request)  # type: ignore[arg-type]
    first, note = message.content
    assert first.type == "text" and first.text == RISKY
    assert note.type == "text" and note.text.startswith("---\nslopguard: ")
    assert "PY-CMDI-001" in note.text and INVENTED in note.text
    assert message.stop_reason == "end_turn"
    (sent,) = gateways.upstream.requests
    assert sent.path == "/v1/messages"
    assert sent.body["system"].startswith("You are terse.\n\n") and INSTRUCTIONS_MARK in sent.body["system"]
    assert KEY in (sent.headers.get("x-api-key"), sent.headers.get("authorization", "").removeprefix("Bearer "))


def test_anthropic_token_count_is_passed_through_with_the_instructions(gateways: Gateways) -> None:
    client = anthropic.Anthropic(base_url=gateways.annotate, api_key=KEY, max_retries=0)
    counted = client.messages.count_tokens(model="claude-test", messages=[{"role": "user", "content": "hi"}])
    sent = gateways.upstream.requests[-1]
    assert sent.path == "/v1/messages/count_tokens"
    assert KEY in (sent.headers.get("x-api-key", ""), sent.headers.get("authorization", "").removeprefix("Bearer "))
    assert "slopguard" in json.dumps(sent.body["system"]).lower()
    assert counted.input_tokens == len(json.dumps(sent.body)) // 4


def test_anthropic_stream_is_blocked(gateways: Gateways, registry: HTTPServer) -> None:
    gateways.upstream.answer = RISKY
    client = anthropic.Anthropic(base_url=gateways.block, api_key=KEY, max_retries=0)
    with client.messages.stream(
        model="claude-test", max_tokens=512, messages=[{"role": "user", "content": "go"}]
    ) as events:
        message = events.get_final_message()
    text = "".join(block.text for block in message.content if block.type == "text")
    assert_refused(text)


def test_the_key_is_never_logged(gateways: Gateways, registry: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gateways.upstream.answer = RISKY
    chat(gateways.annotate, stream=False)
    chat(gateways.block, stream=True)
    ours = [r for r in caplog.records if r.name.startswith(("slopguard", "uvicorn", "httpx", "httpcore", "starlette"))]
    assert any(r.name == "slopguard.gateway" and "chat -> 200: annotated" in r.getMessage() for r in ours)
    assert any(r.name == "slopguard.gateway" and "chat (stream) -> 200: blocked" in r.getMessage() for r in ours)
    assert not [r for r in ours if KEY in r.getMessage()]


def test_only_the_key_and_api_headers_are_forwarded(gateways: Gateways) -> None:
    headers = {"Authorization": f"Bearer {KEY}", "x-api-key": KEY, "Cookie": "session=abc",
               "X-Forwarded-Host": "elsewhere.test", "anthropic-version": "2023-06-01"}  # fmt: skip
    answer = httpx.post(gateways.annotate + "/v1/chat/completions", headers=headers,
                        json={"model": "coder", "messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
    assert answer.status_code == 200
    (sent,) = gateways.upstream.requests
    assert sent.headers["authorization"] == f"Bearer {KEY}" and sent.headers["x-api-key"] == KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert "cookie" not in sent.headers and "x-forwarded-host" not in sent.headers
    assert sent.headers["host"] == gateways.upstream_url.removeprefix("http://")


def test_models_are_passed_through(gateways: Gateways) -> None:
    models = openai_client(gateways.annotate).models.list()
    assert [m.id for m in models] == ["coder"]
    assert gateways.upstream.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_upstream_errors_come_back_with_their_status(gateways: Gateways) -> None:
    gateways.upstream.status = 429
    gateways.upstream.error = {"error": {"message": "slow down", "type": "rate_limit_error", "code": None}}
    with pytest.raises(openai.RateLimitError, match="slow down") as caught:
        chat(gateways.annotate, stream=False)
    assert caught.value.status_code == 429 and caught.value.response.headers["retry-after"] == "7"
    gateways.upstream.error = {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
    gateways.upstream.status = 529
    client = anthropic.Anthropic(base_url=gateways.annotate, api_key=KEY, max_retries=0)
    with pytest.raises(anthropic.APIStatusError, match="busy") as refused:
        client.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert refused.value.status_code == 529


def test_an_unreachable_upstream_is_a_502(scanner: object) -> None:
    app = gateway_app("http://127.0.0.1:9", None, scanner)  # type: ignore[arg-type]
    with running(app) as base, pytest.raises(openai.APIStatusError) as caught:
        chat(base, stream=False)
    assert caught.value.status_code == 502
    assert KEY not in caught.value.response.text


def test_invalid_requests_are_refused_before_the_upstream(gateways: Gateways) -> None:
    url = gateways.annotate + "/v1/chat/completions"
    assert httpx.post(url, content=b"not json").status_code == 400
    assert httpx.post(url, json=["a list"]).status_code == 400
    assert httpx.post(url, json={"model": "m", "messages": "hi"}).status_code == 400
    assert httpx.post(gateways.annotate + "/v1/messages", json={"model": "m", "system": 3, "messages": []}).json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "'system' must be a string or a list of text blocks"},
    }
    assert httpx.get(gateways.annotate + "/v1/elsewhere").status_code == 404
    assert gateways.upstream.requests == []


def test_an_answer_that_cannot_be_analysed_is_not_clean(gateways: Gateways) -> None:
    gateways.upstream.answer = "```python\ndef broken(:\n```\n"
    noted = chat(gateways.annotate, stream=False)
    assert noted.startswith(gateways.upstream.answer + "\n\n---\nslopguard: this answer was not fully checked")
    blocked = chat(gateways.block, stream=True)
    assert blocked.startswith("slopguard blocked this answer") and "not checked: syntax error" in blocked
