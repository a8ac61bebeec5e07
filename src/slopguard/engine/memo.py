"""Per-file facts computed once and shared by every rule that asks: ``ctx.memo(key, build)``.

Contexts live for one file, so what a rule derives from the whole file (an index of its declarations, its
imports, whether the app installs a rate limiter) is kept on the context instead of in module-global caches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class Memo:
    """A mixin for analysis contexts."""

    _memo: dict[str, Any]

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """The value stored under ``key`` (name it ``"<pack>.<fact>"``), built on first use."""
        store = self.__dict__.setdefault("_memo", {})
        if key not in store:
            store[key] = build()
        return cast(T, store[key])
