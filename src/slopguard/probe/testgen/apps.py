"""Where the app under test lives (``--app``), importing it, and telling its framework."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRAMEWORKS = ("flask", "fastapi", "django")


class TestgenError(Exception):
    """The app cannot be loaded or described (bad --app, unknown framework, no routes)."""


@dataclass(frozen=True)
class AppSpec:
    """Where the app lives: a dotted module or a .py file, the attribute, and whether to call it."""

    module: str | None
    file: Path | None
    attr: str
    factory: bool

    @property
    def label(self) -> str:
        where = str(self.file) if self.file else str(self.module)
        return f"{where}:{self.attr}{'()' if self.factory else ''}"


def parse_app_spec(text: str) -> AppSpec:
    """'pkg.module:app', 'pkg.module:create_app()', 'path/to/app.py:create_app()' or 'pkg.module' (:app)."""
    target, _, attr = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "")
    if re.fullmatch(r"[A-Za-z]", target):  # a Windows drive letter, not a module
        target, attr = text.strip(), ""
    attr = attr.strip() or "app"
    factory = attr.endswith("()")
    attr = attr.removesuffix("()")
    if not attr.isidentifier():
        raise TestgenError(f"--app {text!r}: expected MODULE:NAME or MODULE:FACTORY() (a factory takes no arguments)")
    if target.endswith(".py") or os.sep in target or "/" in target:
        return AppSpec(None, Path(target), attr, factory)
    if not all(part.isidentifier() for part in target.split(".")):
        raise TestgenError(f"--app {text!r}: {target!r} is neither a module name nor a .py file")
    return AppSpec(target, None, attr, factory)


def load_module(spec: AppSpec) -> Any:
    """Import the module named by ``spec`` (a file is loaded under its stem, with its folder on sys.path)."""
    try:
        if spec.file is not None:
            path = spec.file.resolve()
            if not path.is_file():
                raise TestgenError(f"--app: no such file: {spec.file}")
            sys.path.insert(0, str(path.parent))
            loader_spec = importlib.util.spec_from_file_location(path.stem, path)
            if loader_spec is None or loader_spec.loader is None:
                raise TestgenError(f"--app: cannot load {spec.file}")
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[path.stem] = module
            loader_spec.loader.exec_module(module)
            return module
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        return importlib.import_module(str(spec.module))
    except TestgenError:
        raise
    except Exception as exc:
        raise TestgenError(f"--app {spec.label}: importing it failed: {type(exc).__name__}: {exc}") from exc


def load_app(spec: AppSpec) -> Any:
    module = load_module(spec)
    if not hasattr(module, spec.attr):
        raise TestgenError(f"--app {spec.label}: the module has no attribute {spec.attr!r}")
    target = getattr(module, spec.attr)
    if not spec.factory:
        return target
    try:
        return target()
    except Exception as exc:
        raise TestgenError(f"--app {spec.label}: calling the factory failed: {type(exc).__name__}: {exc}") from exc


def detect_framework(app: Any) -> str:
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(app).__mro__}
    if "flask.app.Flask" in names or "flask.sansio.app.App" in names:
        return "flask"
    if any(n.startswith(("fastapi.", "starlette.")) for n in names):
        return "fastapi"
    if any(n.startswith("django.") for n in names):
        return "django"
    raise TestgenError(f"cannot tell the framework of {type(app).__name__}; pass --framework flask|fastapi|django")
