"""URLs and hosts that arrive inside deserialised messages, for the SSRF rules of the Go and Rust packs: a job,
task, event or webhook subscription record (``ThumbJob.source_host``, ``Subscription.TargetURL``) whose URL a
worker or a delivery loop then fetches. Whoever enqueued the job or registered the subscription chose that URL;
the program's own configuration (``AppConfig.upstream_url``) did not arrive from anyone."""

from __future__ import annotations

import re

# Field names that hold where a request goes (snake_case; Go's CamelCase is converted first).
_URL_FIELD = re.compile(
    r"(?i)^(?:\w+_)?(?:url|uri|link|href|endpoint|callback|webhook|feed|source|target|origin|location|host"
    r"|hostname|domain)$"
)
# Types and variables that name a unit of work sent by someone else, not the program's own configuration.
_MESSAGE = re.compile(
    r"(?i)job|task|message|msg|event|payload|webhook|hook|command|cmd|work|notification|delivery|envelope"
    r"|request|submission|crawl|fetch|scrape|import|download|subscri"
)
_OWN_SETTINGS = re.compile(r"(?i)config|cfg|setting|option|opts|env|args|cli|secret|state|manifest")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def is_url_field(field: str) -> bool:
    """``source_url``, ``TargetURL``, ``source_host``: a field that names where a request goes."""
    return bool(_URL_FIELD.match(_CAMEL.sub("_", field)))


def is_message(struct: str, variable: str) -> bool:
    """Whether a value of type ``struct`` held in ``variable`` is a message someone else sent (a job, event or
    subscription), not the program's own settings."""
    own = _OWN_SETTINGS.search(struct) or _OWN_SETTINGS.search(variable)
    wanted = _MESSAGE.search(struct) or _MESSAGE.search(variable)
    return bool(wanted) and not own
