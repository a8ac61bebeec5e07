"""The registry service interface: what the verifier asks of a registry, and how patiently it asks.

A service answers ``facts(name, version)`` with :class:`PackageFacts` (``exists=False`` when the registry says
the package is not there) or raises :class:`RegistryError` with the reason it cannot tell: unreachable, too slow,
too large, or an answer that is not the registry API's shape. The verifier turns that error into *unknown*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from slopguard.deps.model import Advisory, Ecosystem, PackageFacts

MIB = 1024 * 1024
# A PyPI project document or an advisory answer: real ones are well under 1 MiB; the largest (thousands of
# releases with many wheels each) a few MiB.
MAX_DOCUMENT_BYTES = 8 * MIB
# An npm packument holds every version's manifest: the registry accepts up to 100 MB, and the largest
# popular ones (next, vite) are past 30 MB.
MAX_PACKUMENT_BYTES = 64 * MIB


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """Time-outs, retries, answer size and concurrency for one registry service.

    ``timeout`` bounds each attempt as a whole, from connecting to the last byte of the answer (so a server that
    stalls or drips bytes cannot stretch it); ``tries`` is the total number of attempts on 5xx, 429, time-outs,
    connection errors and malformed JSON, spaced ``backoff * 2**n`` seconds apart (or by ``Retry-After`` on
    429/503, if not above ``max_retry_after``); an answer over ``max_bytes`` (decoded) is not read further and
    not retried; ``concurrency`` caps requests in flight.
    """

    timeout: float = 10.0
    tries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 30.0
    concurrency: int = 16
    max_bytes: int = MAX_DOCUMENT_BYTES


class RegistryService(Protocol):
    """A registry the verifier can ask about packages (the PyPI JSON API, the npm registry)."""

    async def facts(self, name: str, version: str | None = None) -> PackageFacts:
        """What the registry says about ``name`` (``version``: the pinned one, for its advisories)."""
        ...

    async def aclose(self) -> None:
        """Release the connections."""
        ...


# (ecosystem, name, version): one advisory question.
AdvisoryQuery = tuple[Ecosystem, str, str]


class AdvisorySource(Protocol):
    """Known vulnerabilities by package version from somewhere other than the registry (an OSV API or export).

    ``advisories`` answers each query the source has data for (an empty tuple: none known), leaves out the
    queries of ecosystems it holds nothing about, and raises RegistryError (with the reason) when it cannot tell.
    """

    description: str

    async def advisories(self, queries: Sequence[AdvisoryQuery]) -> dict[AdvisoryQuery, tuple[Advisory, ...]]:
        """The advisories affecting each query's version."""
        ...

    async def aclose(self) -> None:
        """Release what the source holds."""
        ...
