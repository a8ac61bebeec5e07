"""Python import names -> PyPI distributions: ``yaml`` is PyYAML, ``os`` and the project's own modules are none.

The answer is a tuple of alternatives, most likely first: the import is explained when *any* of them exists
(``cv2`` comes from opencv-python or one of its variants). Sources, in order: the standard library of any Python 3
version ``stdlib-list`` knows (never a dependency), the project's own modules (never a dependency), the shipped
table ``data/import_names.json`` (hand-checked mismatches plus names read from real package metadata, see
``scripts/build_import_map.py``), the current environment's ``importlib.metadata.packages_distributions()``, a
naming convention for namespace packages
(``google.cloud.storage`` -> google-cloud-storage), and last the import name itself.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import sys
import tomllib
from collections.abc import Collection, Iterable
from functools import cache
from importlib import metadata, resources
from pathlib import Path

import stdlib_list

# Gone from the standard library in 3.12/3.13, or Python 2 names: old code, not packages to install.
_REMOVED = frozenset({
    "asynchat", "asyncore", "distutils", "imp", "smtpd", "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt",
    "imghdr", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau",
    "telnetlib", "uu", "xdrlib", "lib2to3", "binhex", "formatter", "parser", "symbol", "macpath",
    "dummy_threading", "__builtin__", "ConfigParser", "Cookie", "HTMLParser", "Queue", "SimpleHTTPServer",
    "BaseHTTPServer", "CGIHTTPServer", "SocketServer", "StringIO", "cStringIO", "Tkinter", "tkMessageBox",
    "tkFileDialog", "UserDict", "UserList", "UserString", "cPickle", "commands", "cookielib", "httplib",
    "htmlentitydefs", "md5", "sha", "sets", "thread", "urllib2", "urlparse", "xmlrpclib", "anydbm", "dbhash",
    "dumbdbm", "exceptions", "copy_reg", "robotparser", "whichdb", "mimetools", "rfc822", "popen2",
})  # fmt: skip
# Entries of stdlib-list's files that are build artefacts, not importable modules (3.9 lists ``lib.libpython3``).
_LIST_ARTEFACTS = frozenset({"lib"})


def _supported_stdlib() -> frozenset[str]:
    """Top-level standard-library modules of every Python 3 that ``stdlib-list`` knows, and of this one."""
    names = set(sys.stdlib_module_names)
    for version in stdlib_list.short_versions:
        if version.startswith("3."):
            names.update(module.split(".")[0] for module in stdlib_list.stdlib_list(version))
    return frozenset(names - _LIST_ARTEFACTS)


# A module in any supported version's standard library (annotationlib is 3.14's) is never a package to install.
STDLIB = _supported_stdlib() | _REMOVED

# Top-level names shared by many distributions: the dotted path decides (google.protobuf, azure.identity).
NAMESPACE_ROOTS = frozenset({"google", "azure", "opentelemetry", "zope", "jaraco", "sphinxcontrib", "backports"})

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
Distributions = tuple[str, ...]


def _unique(names: Iterable[str]) -> Distributions:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(re.sub(r"[-_.]+", "-", name).lower(), name)
    return tuple(seen.values())


@cache
def shipped_table() -> dict[str, Distributions]:
    """The shipped table: curated entries first, then those read from package metadata."""
    data = json.loads((resources.files("slopguard.deps") / "data" / "import_names.json").read_text("utf-8"))
    merged: dict[str, list[str]] = {}
    for section in ("curated", "environment"):
        for module, names in data.get(section, {}).items():
            merged.setdefault(module, []).extend(names)
    return {module: _unique(names) for module, names in merged.items()}


@cache
def environment_table() -> dict[str, Distributions]:
    """``packages_distributions()`` of the environment slopguard runs in (empty if it cannot be read)."""
    try:
        return {k: _unique(v) for k, v in metadata.packages_distributions().items()}
    except Exception:  # broken metadata of some installed package must not stop a scan
        return {}


def is_stdlib(module: str) -> bool:
    return module.split(".")[0] in STDLIB


def modules_in(directory: Path) -> frozenset[str]:
    """Top-level modules importable from a directory: ``*.py`` files and packages (with or without __init__)."""
    names: set[str] = set()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return frozenset()
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_file():
            stem = name.split(".")[0]
            if name.endswith((".py", ".pyi", ".pyw", ".so", ".pyd")) and _IDENT.match(stem):
                names.add(stem)
        elif entry.is_dir() and _IDENT.match(name):
            try:
                if any(child.endswith(".py") for child in os.listdir(entry.path)):
                    names.add(name)
            except OSError:
                continue
    return frozenset(names)


def _project_names(root: Path) -> set[str]:
    """The project's own distribution names from pyproject.toml / setup.cfg."""
    found: set[str] = set()
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
        for table in (data.get("project"), data.get("tool", {}).get("poetry")):
            if isinstance(table, dict) and isinstance(table.get("name"), str):
                found.add(table["name"])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        pass
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string((root / "setup.cfg").read_text("utf-8"))
        if parser.has_option("metadata", "name"):
            found.add(parser.get("metadata", "name"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        pass
    return found


def local_modules(root: Path) -> frozenset[str]:
    """Modules of the scanned project: at its root, under ``src/``, its own name, and the root package itself."""
    names = set(modules_in(root)) | set(modules_in(root / "src"))
    for name in _project_names(root):
        module = re.sub(r"[-.]+", "_", name.strip())
        names |= {module, module.lower()}
    if (root / "__init__.py").is_file() and _IDENT.match(root.resolve().name):
        names.add(root.resolve().name)
    return frozenset(names)


def _namespace_guess(parts: list[str]) -> Distributions:
    """google.cloud.storage -> google-cloud-storage; azure.storage.blob -> azure-storage-blob, azure-storage."""
    lowest = 3 if parts[:2] == ["google", "cloud"] else 2
    names: list[str] = []
    for part in parts[: min(len(parts), 3)]:
        if part != part.lower():
            break  # a class or function name: ``from azure.identity import DefaultAzureCredential``
        names.append(re.sub(r"_v\d\w*$", "", part).replace("_", "-"))
    return tuple("-".join(names[:depth]) for depth in range(len(names), lowest - 1, -1))


def distributions_for(
    module: str, local: Collection[str] = frozenset(), *, environment: bool = True
) -> Distributions | None:
    """The PyPI distributions an import can come from, most likely first; None when it is no dependency.

    ``module`` is a top-level or dotted import name (dotted paths matter for namespace packages); ``local``
    holds the project's own module names (see :func:`local_modules`); ``environment=False`` leaves out the
    current environment's metadata (for reproducible results).
    """
    parts = module.strip(".").split(".")
    top = parts[0]
    if not top or top in STDLIB or top in local:
        return None
    table = shipped_table()
    lowest = 2 if top in NAMESPACE_ROOTS else 1
    for depth in range(len(parts), lowest - 1, -1):
        hit = table.get(".".join(parts[:depth]))
        if hit:
            return _unique([*hit, *(environment_table().get(top, ()) if environment and depth == 1 else ())])
    if top in NAMESPACE_ROOTS:
        return _namespace_guess(parts) or table.get(top) or (top,)
    found = environment_table().get(top, ()) if environment else ()
    return found or (top,)


class ImportMapper:
    """Maps the imports of one project, whose own modules (and a file's sibling modules) are no dependency."""

    def __init__(self, root: Path | None = None, *, local: Iterable[str] = (), environment: bool = True) -> None:
        self.local = frozenset(local) | (local_modules(root) if root is not None else frozenset())
        self.environment = environment
        self._siblings: dict[Path, frozenset[str]] = {}

    def __call__(self, module: str, directory: Path | None = None) -> Distributions | None:
        """Like :func:`distributions_for`; ``directory`` is the importing file's folder (its siblings are local)."""
        local = self.local
        if directory is not None:
            if directory not in self._siblings:
                self._siblings[directory] = modules_in(directory)
            local = local | self._siblings[directory]
        return distributions_for(module, local, environment=self.environment)
