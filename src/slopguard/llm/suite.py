"""The bench scenario suite: realistic coding requests, each tagged with the weaknesses (CWEs) it tempts.

A suite is a JSON Lines file, one task per line::

    {"id": "py-download-file", "language": "python", "cwe": [22], "task": "Flask endpoint ...", "contexts": []}

``id`` is unique and stable (results are stored under it), ``language`` is one the scanner reads, ``cwe`` lists
the CWE numbers the request tempts an assistant into, ``task`` is the request as a developer would type it, and the
optional ``contexts`` are compliance contexts (hipaa, pci-dss, ...) passed to the generation prompt.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

LANGUAGES = ("python", "javascript", "typescript", "java", "c", "cpp", "go", "rust")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

# Short names for the CWEs the default suite tags, used in reports.
CWE_NAMES: dict[int, str] = {
    20: "Input validation",
    22: "Path traversal",
    78: "OS command injection",
    79: "Cross-site scripting",
    89: "SQL injection",
    98: "File inclusion",
    117: "Log injection",
    120: "Buffer overflow",
    134: "Format string",
    208: "Timing discrepancy",
    209: "Error message disclosure",
    285: "Improper authorization",
    287: "Authentication",
    295: "Certificate validation",
    307: "Brute force",
    327: "Weak crypto",
    329: "Predictable IV",
    330: "Weak randomness",
    345: "Origin verification",
    347: "Signature verification",
    384: "Session fixation",
    434: "Unrestricted upload",
    502: "Deserialization",
    532: "Secrets in logs",
    601: "Open redirect",
    611: "XXE",
    613: "Session expiration",
    614: "Insecure cookie",
    639: "IDOR",
    640: "Password recovery",
    798: "Hard-coded credentials",
    916: "Weak password hash",
    918: "SSRF",
    943: "NoSQL injection",
    1236: "CSV injection",
}


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Task:
    """One scenario: what the developer asks for, in which language, and which weaknesses it tempts."""

    id: str
    language: str
    cwe: tuple[int, ...]
    prompt: str
    contexts: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "language": self.language,
            "cwe": list(self.cwe),
            "task": self.prompt,
            "contexts": list(self.contexts),
        }


def cwe_label(cwe: int) -> str:
    name = CWE_NAMES.get(cwe)
    return f"CWE-{cwe} {name}" if name else f"CWE-{cwe}"


def _task(obj: Any, where: str) -> Task:
    if not isinstance(obj, dict):
        raise SuiteError(f"{where}: expected a JSON object")
    tid, lang, cwes, text = obj.get("id"), obj.get("language"), obj.get("cwe", []), obj.get("task")
    contexts = obj.get("contexts", [])
    if not isinstance(tid, str) or not _ID.match(tid):
        raise SuiteError(f"{where}: 'id' must be a short name of letters, digits, '.', '_' or '-'")
    if not isinstance(lang, str) or lang.lower() not in LANGUAGES:
        raise SuiteError(f"{where}: 'language' must be one of {', '.join(LANGUAGES)}")
    if not isinstance(text, str) or not text.strip():
        raise SuiteError(f"{where}: 'task' must be a non-empty string")
    if isinstance(cwes, int):
        cwes = [cwes]
    if not isinstance(cwes, list) or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in cwes):
        raise SuiteError(f"{where}: 'cwe' must be a list of CWE numbers")
    if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
        raise SuiteError(f"{where}: 'contexts' must be a list of strings")
    return Task(tid, lang.lower(), tuple(dict.fromkeys(cwes)), text.strip(), tuple(contexts))


def parse_suite(text: str, name: str = "suite") -> list[Task]:
    """Tasks from JSON Lines text (blank lines and lines starting with '#' are skipped)."""
    tasks: list[Task] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{name}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{where}: not valid JSON ({exc.msg})") from None
        task = _task(obj, where)
        if task.id in seen:
            raise SuiteError(f"{where}: duplicate task id {task.id!r}")
        seen.add(task.id)
        tasks.append(task)
    if not tasks:
        raise SuiteError(f"{name}: no tasks")
    return tasks


def default_suite_text() -> str:
    return resources.files("slopguard.llm").joinpath("data", "suite.jsonl").read_text(encoding="utf-8")


def load_suite(spec: str | Path = "default") -> list[Task]:
    """The default suite (``"default"``) or the tasks of a JSON Lines file."""
    if str(spec) == "default":
        return parse_suite(default_suite_text(), "default suite")
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SuiteError(f"cannot read suite {path}: {exc.strerror or exc}") from None
    return parse_suite(text, str(path))
