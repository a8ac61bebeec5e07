"""``slopguard mcp`` over stdio, through the SDK's own client: the tools, their schemas, the workspace boundary."""

from __future__ import annotations

import json

from mcp_harness import FLASK_SQL, SQL_LINE, Client, Registry

TOOLS = {"scan_code", "scan_diff", "check_packages", "classify_task", "security_instructions", "explain_rule"}


def test_every_tool_is_listed_with_input_and_output_schemas(client: Client) -> None:
    listed = client.portal.call(client.session.list_tools).tools
    assert {t.name for t in listed} == TOOLS
    for tool in listed:
        assert tool.description and len(tool.description) > 80, tool.name
        assert tool.output_schema is not None and tool.output_schema["type"] == "object", tool.name
    schemas = {t.name: t for t in listed}
    assert "findings" in schemas["scan_code"].output_schema["properties"]  # type: ignore[index]
    assert schemas["check_packages"].input_schema["properties"]["names"]["maxItems"] == 50


def test_scan_code_finds_the_sql_injection_in_a_flask_snippet(client: Client) -> None:
    result = client.data("scan_code", {"code": FLASK_SQL, "language": "python", "verify_packages": False})
    assert result["verdict"] == "findings" and result["complete"] is True
    sql = [f for f in result["findings"] if f["rule_id"] == "PY-SQLI-001"]
    assert [(f["line"], f["severity"], f["fails_gate"]) for f in sql] == [(SQL_LINE, "high", True)]
    assert "parameters" in sql[0]["fix"] and "execute" in sql[0]["snippet"]


def test_scan_code_reads_a_markdown_answer_block_by_block(client: Client) -> None:
    answer = f"Here is the route:\n\n```python\n{FLASK_SQL}```\n\nAnd run `ls`.\n"
    result = client.data("scan_code", {"code": answer, "language": "markdown", "verify_packages": False})
    assert [(f["rule_id"], f["line"]) for f in result["findings"]] == [("PY-SQLI-001", SQL_LINE + 3)]


def test_scan_code_on_a_file_inside_the_workspace(client: Client) -> None:
    result = client.data("scan_code", {"path": "app.py", "verify_packages": False})
    assert [(f["path"], f["rule_id"], f["line"]) for f in result["findings"]] == [("app.py", "PY-SQLI-001", SQL_LINE)]
    assert result["files_scanned"] == 1


def test_paths_outside_the_root_are_refused(client: Client) -> None:
    assert "'..' is not allowed" in client.error("scan_code", {"path": "../outside.py"})
    assert "outside the workspace root" in client.error("scan_code", {"path": "/etc/passwd"})
    assert "outside the workspace root" in client.error("scan_code", {"path": "escape.py"})  # a symlink out
    assert "outside the workspace root" in client.error("classify_task", {"paths": ["/etc"]})
    assert "no such file" in client.error("scan_code", {"path": "missing.py"})


def test_scan_code_takes_code_or_path(client: Client) -> None:
    assert "either code or path" in client.error("scan_code", {})
    assert "either code or path" in client.error("scan_code", {"code": "x = 1", "path": "app.py"})
    assert "unknown language" in client.error("scan_code", {"code": "x = 1", "language": "cobol"})


def test_input_sizes_are_bounded(client: Client) -> None:
    assert client.call("scan_code", {"code": "x" * 256_001}).is_error
    assert client.call("check_packages", {"names": [f"pkg{i}" for i in range(51)]}).is_error
    assert client.call("check_packages", {"names": []}).is_error
    assert client.call("classify_task", {"task": "word " * 2_001}).is_error


def test_a_hallucinated_package_is_missing(client: Client, registry: Registry) -> None:
    result = client.data("check_packages", {"names": ["flask-sqlalchemy-autoschema-zqx"], "ecosystem": "pypi"})
    (package,) = result["packages"]
    assert (package["name"], package["verdict"], package["safe_to_use"]) == (
        "flask-sqlalchemy-autoschema-zqx", "missing", False,
    )  # fmt: skip
    assert result["all_safe"] is False
    assert "/pypi/flask-sqlalchemy-autoschema-zqx/json" in registry.paths


def test_an_unreachable_registry_is_unknown_never_ok(client: Client) -> None:
    result = client.data("check_packages", {"names": ["left-pad-zqx"], "ecosystem": "npm"})
    (package,) = result["packages"]
    assert (package["verdict"], package["safe_to_use"]) == ("unknown", False)


def test_a_package_argument_cannot_be_an_option(client: Client) -> None:
    message = client.error("check_packages", {"names": ["--index-url=http://127.0.0.1:1/"]})
    assert "is not a pypi package name" in message


def test_secrets_are_masked_in_what_is_returned(client: Client) -> None:
    key = "AKIA" + "Z7Q2XK4M9PLR5TWB"
    code = f'import boto3\nclient = boto3.client("s3", aws_access_key_id="{key}")\n'
    result = client.call("scan_code", {"code": code, "language": "python", "verify_packages": False})
    assert not result.is_error
    assert result.structured_content and result.structured_content["findings"]
    dumped = json.dumps(result.structured_content) + json.dumps([b.model_dump() for b in result.content])
    assert key not in dumped and key[:4] in dumped


def test_scan_diff_scans_the_uncommitted_change(client: Client) -> None:
    result = client.data("scan_diff", {"revision": "HEAD", "verify_packages": False})
    assert [(f["path"], f["rule_id"]) for f in result["findings"]] == [("app.py", "PY-SQLI-001")]
    assert result["notes"][0].startswith("1 changed file(s) inside the workspace")


def test_scan_diff_refuses_a_revision_that_is_an_option_or_unknown(client: Client) -> None:
    assert "unknown revision" in client.error("scan_diff", {"revision": "--output=/tmp/x"})
    assert "unknown revision" in client.error("scan_diff", {"revision": "no-such-branch"})


def test_classify_task_gives_a_verdict_with_reasons(client: Client) -> None:
    result = client.data("classify_task", {"task": "implement our own AES encryption for stored card numbers"})
    assert result["verdict"] == "never"
    assert result["reasons"] and result["advice"]
    assert "either a task description or paths" in client.error("classify_task", {})


def test_classify_task_on_workspace_files(client: Client) -> None:
    result = client.data("classify_task", {"paths": ["app.py"]})
    assert set(result["files"]) == {"app.py"}
    assert result["verdict"] in ("caution", "never")


def test_security_instructions_are_the_prompt_text(client: Client) -> None:
    result = client.data("security_instructions", {"languages": ["py"], "contexts": ["pci-dss"]})
    assert (result["languages"], result["contexts"]) == (["python"], ["pci-dss"])
    assert "PY-SQLI-001" in result["text"] or "parameter" in result["text"]
    assert "unknown language" in client.error("security_instructions", {"languages": ["cobol"]})


def test_explain_rule(client: Client) -> None:
    result = client.data("explain_rule", {"rule_id": "py-sqli-001"})
    assert result["rule_id"] == "PY-SQLI-001" and 89 in result["cwe"]
    assert result["why"] and result["fix"] and result["example"]["flagged"]
    assert "did you mean PY-SQLI-001" in client.error("explain_rule", {"rule_id": "PY-SQLI-01"})
