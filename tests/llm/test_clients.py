"""The chat clients through the real SDKs against a scripted local server: answers, tokens, cost, retries,
time-outs, refusals, key handling and the [tool.slopguard.llm] table."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from llm_servers import Reply, scripted

from slopguard.llm.clients import LLMError, Prices, looks_like_refusal, make_client
from slopguard.llm.settings import llm_settings, project_llm_table, user_config_path

SECRET = "sk-test-0123456789abcdef"


def test_openai_answer_tokens_and_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_LLM_KEY", SECRET)
    with scripted([Reply("hello", input_tokens=1000, output_tokens=500)]) as server:
        client = make_client("openai", "m1", server.openai_url, "MY_LLM_KEY", 5.0, prices=Prices(2.0, 8.0))
        c = client.complete([{"role": "user", "content": "hi"}], system="be safe")
    assert (c.text, c.input_tokens, c.output_tokens, c.model, c.refused) == ("hello", 1000, 500, "m1", False)
    assert c.cost == pytest.approx((1000 * 2.0 + 500 * 8.0) / 1_000_000)
    (req,) = server.requests
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {SECRET}"
    assert req.body["messages"] == [{"role": "system", "content": "be safe"}, {"role": "user", "content": "hi"}]
    assert SECRET not in repr(c)


def test_anthropic_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_ANTHROPIC_KEY", SECRET)
    with scripted([Reply("bonjour", input_tokens=7, output_tokens=3)]) as server:
        client = make_client("anthropic", "claude-x", server.anthropic_url, "MY_ANTHROPIC_KEY", 5.0)
        c = client.complete([{"role": "user", "content": "hi"}], system="be safe")
    assert (c.text, c.input_tokens, c.output_tokens, c.cost, c.refused) == ("bonjour", 7, 3, 0.0, False)
    (req,) = server.requests
    assert req.path == "/v1/messages"
    # The SDK sends the key as x-api-key (older releases) or as a bearer token (newer ones).
    assert SECRET in (req.headers.get("x-api-key", ""), req.headers.get("authorization", "").removeprefix("Bearer "))
    assert req.body["system"] == "be safe" and req.body["messages"] == [{"role": "user", "content": "hi"}]
    assert req.body["max_tokens"] > 0


def test_429_with_retry_after_then_success() -> None:
    with scripted([Reply(status=429, text="slow down", headers={"Retry-After": "1"}), Reply("ok")]) as server:
        client = make_client("openai", "m", server.openai_url, None, 5.0, max_retries=2)
        started = time.monotonic()
        c = client.complete([{"role": "user", "content": "x"}], system=None)
        waited = time.monotonic() - started
    assert c.text == "ok" and len(server.requests) == 2
    assert 0.9 <= waited < 4.0  # the server's Retry-After was honoured


def test_500_retried_then_gives_up() -> None:
    with scripted([Reply(status=500, text="boom"), Reply("recovered")]) as server:
        client = make_client("anthropic", "m", server.anthropic_url, None, 5.0, max_retries=1)
        assert client.complete([{"role": "user", "content": "x"}], system=None).text == "recovered"
    with scripted([Reply(status=500, text="boom"), Reply(status=500, text="boom")]) as server:
        client = make_client("openai", "m", server.openai_url, None, 5.0, max_retries=1)
        with pytest.raises(LLMError, match="HTTP 500"):
            client.complete([{"role": "user", "content": "x"}], system=None)
        assert len(server.requests) == 2


def test_timeout_is_bounded() -> None:
    with scripted([Reply("late", delay=1.5)]) as server:
        client = make_client("openai", "m", server.openai_url, None, 0.3, max_retries=0)
        started = time.monotonic()
        with pytest.raises(LLMError, match="did not answer in time"):
            client.complete([{"role": "user", "content": "x"}], system=None)
        assert time.monotonic() - started < 1.4


def test_refusals() -> None:
    with scripted([Reply(refusal="I can't help with that."), Reply("I'm sorry, but I can't help with that.")]) as s:
        client = make_client("openai", "m", s.openai_url, None, 5.0)
        first = client.complete([{"role": "user", "content": "x"}], system=None)
        second = client.complete([{"role": "user", "content": "x"}], system=None)
    assert first.refused and first.text == "I can't help with that."
    assert second.refused
    with scripted([Reply(refusal="No.")]) as s:
        c = make_client("anthropic", "m", s.anthropic_url, None, 5.0).complete([{"role": "user", "content": "x"}],
                                                                             system=None)  # fmt: skip
    assert c.refused
    assert not looks_like_refusal("Sure! ```python\nprint(1)\n```")


def test_key_handling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_KEY", raising=False)
    with pytest.raises(LLMError, match="NOT_SET_KEY"):
        make_client("openai", "m", "http://127.0.0.1:9/v1", "NOT_SET_KEY", 1.0)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMError, match="OPENAI_API_KEY"):
        make_client("openai", "m", None, None, 1.0)  # the hosted API needs its key
    # A local server without a named key variable never receives the hosted key.
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with scripted([Reply("ok")]) as server:
        make_client("openai", "m", server.openai_url, None, 5.0).complete([{"role": "user", "content": "x"}],
                                                                        system=None)  # fmt: skip
    assert SECRET not in server.requests[0].headers.get("authorization", "")
    with pytest.raises(LLMError, match="unknown provider"):
        make_client("gemini", "m", None, None, 1.0)


def test_llm_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.slopguard]\nfail-on = "high"\n[tool.slopguard.llm]\nmodel = "qwen2.5-coder"\nprice-in = 0.5\n'
    )
    table, warnings = project_llm_table(None, tmp_path)
    assert table == {"model": "qwen2.5-coder", "price-in": 0.5} and warnings == []
    (tmp_path / "pyproject.toml").write_text('[tool.slopguard.llm]\napi-key = "sk-live-123"\n')
    with pytest.raises(ValueError, match="must not hold a key"):
        project_llm_table(None, tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.slopguard.llm]\ntemperature = 0.2\n")
    with pytest.raises(ValueError, match="unknown key 'temperature'"):
        project_llm_table(None, tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert project_llm_table(None, tmp_path) == ({}, [])


def test_server_and_key_variable_come_only_from_the_user(tmp_path: Path, isolated_user_config: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.slopguard.llm]\nmodel = "repo-model"\nbase-url = "http://127.0.0.1:9/v1"\n'
        'api-key-env = "GITHUB_TOKEN"\nprovider = "anthropic"\n'
    )
    table, warnings = llm_settings(None, tmp_path)
    assert table == {"model": "repo-model"}
    assert len(warnings) == 3 and all("ignoring" in w for w in warnings)
    user = isolated_user_config / "slopguard" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text('[llm]\nbase-url = "http://localhost:11434/v1"\napi-key-env = "LOCAL_KEY"\nmodel = "mine"\n')
    assert user_config_path() == user
    table, _ = llm_settings(None, tmp_path)
    assert table == {"base-url": "http://localhost:11434/v1", "api-key-env": "LOCAL_KEY", "model": "repo-model"}
