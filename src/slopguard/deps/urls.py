"""Registry URL helpers: credentials embedded in a URL are sent as Basic auth but never shown."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit


def with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def redact_url(url: str) -> str:
    """``url`` with any password (or a lone token user name) replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, sep, _password = userinfo.partition(":")
    shown = f"{user}:***" if sep else "***"
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """Split ``https://user:secret@host/path`` into the bare URL and ``(user, secret)`` for Basic auth."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), (unquote(user), unquote(password))
