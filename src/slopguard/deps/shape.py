"""Reading a registry's JSON, which is untrusted input: every field the verifier relies on is type-checked.

A value of the wrong type (``"releases": "x"``, ``"info": []``, ``"time": 5``, a list where an object belongs,
``null`` for a required object) raises :class:`MalformedAnswer` naming the field, so the package becomes
*unknown* with that reason instead of crashing the run or passing as fine. Absent optional fields read as empty.
"""

from __future__ import annotations

from typing import Any

from slopguard.deps.model import RegistryError

_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number"}


class MalformedAnswer(RegistryError):
    """The registry answered JSON that is not the shape of its API."""


def describe(value: Any) -> str:
    if value is None:
        return "null"
    return next((name for kind, name in _JSON_TYPES.items() if isinstance(value, kind)), "a number")


def _wrong(where: str, field: str, expected: str, value: Any) -> MalformedAnswer:
    return MalformedAnswer(
        f"{where} answered JSON with a malformed {field!r} (expected {expected}, got {describe(value)})"
    )


def required_object(value: Any, where: str, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong(where, field, "an object", value)
    return value


def required_list(value: Any, where: str, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise _wrong(where, field, "a list", value)
    return value


def member_object(container: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """``container[key]`` as an object: absent reads as empty; anything else, ``null`` included, is malformed."""
    return required_object(container[key], where, key) if key in container else {}


def member_list(container: dict[str, Any], key: str, where: str) -> list[Any]:
    """``container[key]`` as a list: absent reads as empty; anything else, ``null`` included, is malformed."""
    return required_list(container[key], where, key) if key in container else []


def optional_str(value: Any, where: str, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _wrong(where, field, "a string", value)


def optional_bool(value: Any, where: str, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _wrong(where, field, "true or false", value)


def strings(value: Any, where: str, field: str) -> tuple[str, ...]:
    """A list of strings; ``null`` or absent (None) reads as empty."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _wrong(where, field, "a list of strings", value)
    return tuple(value)


def text(value: Any) -> str:
    """Display text (a summary, a description): a string as it is, anything else as nothing."""
    return value.strip() if isinstance(value, str) else ""
