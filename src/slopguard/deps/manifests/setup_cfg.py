"""setuptools' ``setup.cfg``: ``[options]`` requirement lists, extras, and ``file:`` references."""

from __future__ import annotations

import configparser
from pathlib import Path

from slopguard.deps.manifests.common import LineFinder, ManifestError, ParsedManifest, add_pep508, first_line
from slopguard.deps.manifests.requirements import include

_LISTS = ("install_requires", "setup_requires", "tests_require")


def read_setup_cfg(path: Path, text: str, display: str, out: ParsedManifest) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ManifestError(f"{display}: invalid setup.cfg: {first_line(exc)}") from None
    lines = LineFinder(text)
    fields = [("options", k) for k in _LISTS if parser.has_option("options", k)]
    if parser.has_section("options.extras_require"):
        fields += [("options.extras_require", k) for k in parser.options("options.extras_require")]
    seen: set[Path] = set()
    for section, key in fields:
        cursor = lines.key(key, lines.table(section) or 0)
        value = parser.get(section, key).strip()
        if value.startswith("file:"):  # setuptools: read the requirements from files
            for name in value[5:].split(","):
                if name.strip():
                    include(path, display, name.strip(), cursor + 1, out, seen)
            continue
        for entry in value.splitlines():
            entry = entry.strip()
            if entry and not entry.startswith("#"):
                cursor = lines.containing(entry, cursor)
                add_pep508(entry, display, cursor + 1, out)
