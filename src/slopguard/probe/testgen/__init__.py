"""``slopguard tests generate``: security regression tests for a Flask, FastAPI or Django app.

The routes and parameters come from the app itself (Flask's URL map plus the request fields each view reads,
FastAPI's OpenAPI schema, Django's URL resolver) or from an OpenAPI document. The output is a folder of readable
pytest files that drive the framework's test client with parametrised payloads: ``security_targets.py`` (the
app, its routes, parameters and test accounts: edit it), ``conftest.py`` and ``security_client.py`` (load the
app, send requests) and ``test_security_{injection,auth,headers}.py`` (the checks: the families of
``slopguard probe``). Loading the app imports the user's module: this command is for the user's own code.

Modules: ``apps`` (where the app is, importing it), ``app_routes`` (its routes), ``render`` (the files' text,
from ``slopguard/probe/templates``), ``suite`` (``generate``: writing the folder).
"""

from slopguard.probe.testgen.app_routes import flask_endpoints
from slopguard.probe.testgen.apps import FRAMEWORKS, AppSpec, TestgenError, parse_app_spec
from slopguard.probe.testgen.render import MARKER, AppLocation, locate, render_suite, render_targets
from slopguard.probe.testgen.suite import Suite, generate

__all__ = [
    "FRAMEWORKS",
    "MARKER",
    "AppLocation",
    "AppSpec",
    "Suite",
    "TestgenError",
    "flask_endpoints",
    "generate",
    "locate",
    "parse_app_spec",
    "render_suite",
    "render_targets",
]
