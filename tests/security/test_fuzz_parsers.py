"""Fuzz the parsers and manifest readers: no input may crash them or run past the per-file time budget.

The normal suite runs a few examples per target; ``make fuzz`` runs many more (SLOPGUARD_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slopguard.deps.manifests import MANIFEST_NAMES, ManifestError, parse_manifest
from slopguard.engine.analyse import analyse
from slopguard.engine.languages import language, scanned_languages
from slopguard.pipeline.catalog import code_rules

EXAMPLES = int(os.environ.get("SLOPGUARD_FUZZ_EXAMPLES", "25"))
BUDGET = 20.0
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25, suppress_health_check=list(HealthCheck)
)
# Code-shaped noise finds more than uniform text: keywords, brackets, quotes, operators, NUL and control bytes.
PIECES = st.sampled_from(
    ["(", ")", "[", "]", "{", "}", "'", '"', "`", "\\", "\n", " ", "\t", "+", "-", "=", ";", ":", ",", ".", "#",
     "//", "/*", "*/", "\x00", "\x1b", "def ", "class ", "if ", "eval(", "os.system(", "import ", "fn ", "let ",
     "const ", "func ", "#include", "<", ">", "$", "f'", "{x}", "...", "x", "1", "é", "\u202e"]
)  # fmt: skip
CODE = st.one_of(st.text(max_size=400), st.lists(PIECES, max_size=200).map("".join))
SAMPLE_NAME = {
    "python": "a.py", "javascript": "a.js", "typescript": "a.tsx", "java": "A.java", "c": "a.c", "cpp": "a.cpp",
    "rust": "a.rs", "go": "a.go", "notebook": "a.ipynb",
}  # fmt: skip
RULES = frozenset(code_rules())


@pytest.mark.parametrize("name", [n for n in scanned_languages() if language(n).analyser != "text"])
def test_every_parser_survives_any_input(name: str) -> None:
    @FUZZ
    @given(code=CODE)
    def run(code: str) -> None:
        started = time.monotonic()
        data = code.encode("utf-8", "surrogatepass")
        result = analyse(SAMPLE_NAME.get(name, "a.txt"), data, name, RULES, 5_000_000, BUDGET)
        assert result.skipped is None or isinstance(result.skipped, str)
        assert time.monotonic() - started < BUDGET + 10  # the budget holds, give or take one native call

    run()


@pytest.mark.parametrize("manifest", sorted(MANIFEST_NAMES | {"requirements.txt"}))
def test_every_manifest_reader_survives_any_input(manifest: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("manifest")

    @FUZZ
    @given(text=CODE)
    def run(text: str) -> None:
        path: Path = folder / manifest
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with contextlib.suppress(ManifestError):  # "cannot read this manifest" is the expected answer to garbage
            parse_manifest(path, manifest)

    run()
