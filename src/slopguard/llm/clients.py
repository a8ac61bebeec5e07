"""Chat clients: OpenAI-compatible chat completions (hosted APIs, vLLM, Ollama, llama.cpp, LM Studio) through the
``openai`` SDK, and Anthropic's Messages API through the ``anthropic`` SDK (optional extra).

The API key is read only from the environment variable the user names (``--api-key-env``, or ``api-key-env`` in the
user's own configuration: see ``slopguard.llm.settings``); it is never read from a file, never logged, and masked in
every transcript and report (clients expose it as ``secret`` for that masking only).
Retries with backoff on 408/409/429/5xx and connection errors (honouring ``Retry-After``) are the SDKs' own.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

from slopguard.llm.settings import PROVIDERS

DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 3
MAX_TOKENS = 4096  # Anthropic requires a limit on the answer's length
_REFUSAL = re.compile(
    r"^\s*(?:I'm sorry|I am sorry|Sorry|I apologi[sz]e)?[,.!]?\s*(?:but\s+)?"
    r"(?:I\s+(?:can(?:'|no)t|can\s+not|won't|will\s+not|am\s+unable\s+to|'m\s+unable\s+to|must\s+decline))\b",
    re.IGNORECASE,
)


class LLMError(Exception):
    """A call failed for good (after the SDK's retries), or the client is misconfigured; the message is safe to
    show (it never contains the key). ``unreachable`` marks a server that could not be reached or did not answer
    in time (as opposed to one that answered with an error), so a long run can stop instead of retrying blindly."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class Completion:
    """One answer: its text, token counts, cost (from the configured prices), the model that answered, and whether
    the model refused (API refusal signal, or a short answer without code that declines)."""

    text: str
    input_tokens: int
    output_tokens: int
    cost: float
    model: str
    refused: bool
    seconds: float = 0.0


class ChatClient(Protocol):
    model: str
    secret: str | None  # the API key, for masking wherever it could appear

    def complete(self, messages: list[dict[str, str]], *, system: str | None) -> Completion: ...


@dataclass(frozen=True, slots=True)
class Prices:
    """Price per one million input / output tokens (any currency; 0 for local models)."""

    input_per_m: float = 0.0
    output_per_m: float = 0.0

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_m + output_tokens * self.output_per_m) / 1_000_000


def looks_like_refusal(text: str) -> bool:
    """A short answer without code that declines the task."""
    return "```" not in text and len(text) < 2000 and bool(_REFUSAL.match(text))


def resolve_key(provider: str, base_url: str | None, key_env: str | None) -> str | None:
    """The key from the named environment variable. Without ``key_env`` the provider's usual variable is used only
    for its hosted API (no base URL), so a hosted key is never sent to a local server by accident."""
    name = key_env or (DEFAULT_KEY_ENV[provider] if base_url is None else None)
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        if base_url is None or key_env:
            raise LLMError(f"the environment variable {name} (holding the API key) is not set")
        return None
    return value


def _redact(text: str, key: str | None) -> str:
    return text.replace(key, "***") if key else text


class OpenAIChat:
    """Chat completions through the ``openai`` SDK; ``base_url`` points it at any compatible server."""

    def __init__(
        self, model: str, base_url: str | None, key: str | None, timeout: float, max_retries: int,
        prices: Prices, max_tokens: int | None = None,
    ) -> None:  # fmt: skip
        import openai

        self.model = model
        self.prices = prices
        self.max_tokens = max_tokens
        self.secret = key
        # Local servers take any key; the SDK insists on one.
        self._client = openai.OpenAI(
            api_key=key or "unused", base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def complete(self, messages: list[dict[str, str]], *, system: str | None) -> Completion:
        import openai

        sent: list[Any] = ([{"role": "system", "content": system}] if system else []) + list(messages)
        started = time.perf_counter()
        extra: dict[str, Any] = {"max_tokens": self.max_tokens} if self.max_tokens else {}
        try:
            response = self._client.chat.completions.create(model=self.model, messages=sent, **extra)
        except openai.APITimeoutError:
            raise LLMError(f"the model server did not answer in time (model {self.model})", unreachable=True) from None
        except openai.APIStatusError as exc:
            raise LLMError(
                _redact(f"the model server answered HTTP {exc.status_code}: {exc.message}", self.secret)
            ) from None
        except openai.APIError as exc:
            raise LLMError(
                _redact(f"cannot reach the model server: {exc}", self.secret),
                unreachable=isinstance(exc, openai.APIConnectionError),
            ) from None
        if not response.choices:
            raise LLMError("the model server answered without a choice")
        choice = response.choices[0]
        text = choice.message.content or ""
        refusal = choice.message.refusal
        usage = response.usage
        tokens_in = usage.prompt_tokens if usage else 0
        tokens_out = usage.completion_tokens if usage else 0
        refused = bool(refusal) or choice.finish_reason == "content_filter" or looks_like_refusal(text)
        return Completion(
            text or (refusal or ""), tokens_in, tokens_out, self.prices.cost(tokens_in, tokens_out),
            response.model or self.model, refused, time.perf_counter() - started,
        )  # fmt: skip


class AnthropicChat:
    """Anthropic's Messages API through the ``anthropic`` SDK (``pip install slopguard[anthropic]``)."""

    def __init__(
        self, model: str, base_url: str | None, key: str | None, timeout: float, max_retries: int,
        prices: Prices, max_tokens: int = MAX_TOKENS,
    ) -> None:  # fmt: skip
        try:
            import anthropic
        except ImportError:
            raise LLMError(
                "the anthropic provider needs the anthropic SDK: pip install 'slopguard[anthropic]'"
            ) from None
        self.model = model
        self.prices = prices
        self.max_tokens = max_tokens
        self.secret = key
        self._client = anthropic.Anthropic(
            api_key=key or "unused", base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def complete(self, messages: list[dict[str, str]], *, system: str | None) -> Completion:
        import anthropic

        started = time.perf_counter()
        extra: dict[str, Any] = {"system": system} if system else {}
        sent: list[Any] = list(messages)
        try:
            response = self._client.messages.create(
                model=self.model, max_tokens=self.max_tokens, messages=sent, **extra
            )
        except anthropic.APITimeoutError:
            raise LLMError(f"the model server did not answer in time (model {self.model})", unreachable=True) from None
        except anthropic.APIStatusError as exc:
            raise LLMError(
                _redact(f"the model server answered HTTP {exc.status_code}: {exc.message}", self.secret)
            ) from None
        except anthropic.APIError as exc:
            raise LLMError(
                _redact(f"cannot reach the model server: {exc}", self.secret),
                unreachable=isinstance(exc, anthropic.APIConnectionError),
            ) from None
        text = "".join(getattr(block, "text", "") for block in response.content if block.type == "text")
        tokens_in, tokens_out = response.usage.input_tokens, response.usage.output_tokens
        refused = response.stop_reason == "refusal" or looks_like_refusal(text)
        return Completion(
            text, tokens_in, tokens_out, self.prices.cost(tokens_in, tokens_out), response.model or self.model,
            refused, time.perf_counter() - started,
        )  # fmt: skip


def make_client(
    provider: str,
    model: str,
    base_url: str | None,
    key_env: str | None,
    timeout: float,
    *,
    max_retries: int = DEFAULT_RETRIES,
    prices: Prices | None = None,
    max_tokens: int | None = None,
) -> ChatClient:
    """A client for ``provider`` ("openai": any OpenAI-compatible server; "anthropic"). Raises LLMError when the
    provider is unknown or the named key variable is not set."""
    if provider not in PROVIDERS:
        raise LLMError(f"unknown provider {provider!r} (valid: {', '.join(PROVIDERS)})")
    if not model:
        raise LLMError("no model given (--model, or model in the configuration)")
    key = resolve_key(provider, base_url, key_env)
    prices = prices or Prices()
    if provider == "anthropic":
        return AnthropicChat(model, base_url, key, timeout, max_retries, prices, max_tokens or MAX_TOKENS)
    return OpenAIChat(model, base_url, key, timeout, max_retries, prices, max_tokens)
