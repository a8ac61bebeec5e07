"""JAVA-ACTUATOR-001 reads application.yml as well as application.properties (the fixture is the .properties)."""

from __future__ import annotations

from slopguard.engine.text import TextContext
from slopguard.rules.java.actuator import spring_actuator_exposure


def _flagged(path: str, text: str) -> list[int]:
    ctx = TextContext(path=path, language="config", text=text, lines=text.splitlines())
    return [hit.line for hit in spring_actuator_exposure(ctx)]


def test_nested_yaml_wildcard_is_flagged() -> None:
    text = 'server:\n  port: 8080\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: "*"\n'
    assert _flagged("src/main/resources/application.yml", text) == [7]


def test_yaml_list_with_a_sensitive_endpoint_is_flagged() -> None:
    text = (
        "management:\n  endpoints:\n    web:\n      exposure:\n        include:\n          - health\n          - env\n"
    )
    assert _flagged("application.yaml", text) == [7]


def test_yaml_dotted_key_and_relaxed_binding() -> None:
    text = "management.endpoints.web.exposure.include: health,heapdump\n"
    assert _flagged("application-prod.yml", text) == [1]


def test_yaml_health_and_info_only_or_jmx_are_not_flagged() -> None:
    text = (
        "management:\n  endpoints:\n    web:\n      exposure:\n        include: health,info\n"
        "    jmx:\n      exposure:\n        include: '*'\n"
    )
    assert _flagged("application.yml", text) == []


def test_sibling_keys_do_not_leak_into_the_path() -> None:
    text = "management:\n  endpoints:\n    web:\n      base-path: /manage\n  include: '*'\n"
    assert _flagged("application.yml", text) == []


def test_separate_management_port_lowers_the_finding() -> None:
    text = "management.server.port=9090\nmanagement.endpoints.web.exposure.include=*\n"
    ctx = TextContext(path="application.properties", language="config", text=text, lines=text.splitlines())
    (hit,) = list(spring_actuator_exposure(ctx))
    assert hit.line == 2 and hit.severity is not None and hit.severity.name == "LOW"


def test_the_application_port_is_not_a_management_port() -> None:
    text = "server:\n  port: 8081\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: '*'\n"
    ctx = TextContext(path="application.yml", language="config", text=text, lines=text.splitlines())
    (hit,) = list(spring_actuator_exposure(ctx))
    assert hit.line == 7 and hit.severity is None
