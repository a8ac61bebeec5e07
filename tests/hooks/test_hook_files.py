"""`slopguard init --hooks` merges the agents' hook files; the Claude Code plugin and the pre-commit definitions
ship what the code defines and cover every file type slopguard scans."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from slopguard import __version__
from slopguard.cli import cli
from slopguard.deps.manifests import MANIFEST_NAMES
from slopguard.engine.languages import LANGUAGES
from slopguard.hooks.config_files import HOOK_FILES, hooks_document, merge_hooks

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugin"
MCP_TOOLS = ("scan_code", "scan_diff", "check_packages", "classify_task", "security_instructions", "explain_rule")


def init(root: Path, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["init", str(root), "--lang", "python", *args], catch_exceptions=False)
    return res.exit_code, res.stdout


# -- init --hooks -----------------------------------------------------------------------------------------------


def test_init_hooks_merges_into_existing_claude_settings(tmp_path: Path) -> None:
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    mine = {"matcher": "Bash", "hooks": [{"type": "command", "command": "./audit.sh"}]}
    settings.write_text(json.dumps({"permissions": {"allow": ["Bash(ls:*)"]}, "hooks": {"PreToolUse": [mine]}}))
    code, out = init(tmp_path, "--hooks", "--assistant", "claude")
    assert code == 0
    assert "updated    .claude/settings.json  (claude hooks)" in out
    doc = json.loads(settings.read_text())
    assert doc["permissions"] == {"allow": ["Bash(ls:*)"]}
    assert doc["hooks"]["PreToolUse"][0] == mine
    commands = [h["command"] for group in doc["hooks"]["PreToolUse"] for h in group["hooks"]]
    assert commands == ["./audit.sh", "slopguard hook claude-pre-bash"]
    assert doc["hooks"]["PostToolUse"][0]["matcher"] == "Edit|Write|MultiEdit|NotebookEdit"
    before = settings.read_text()
    code, out = init(tmp_path, "--hooks", "--assistant", "claude")
    assert code == 0
    assert "unchanged  .claude/settings.json" in out
    assert settings.read_text() == before


def test_init_hooks_writes_each_selected_agents_file(tmp_path: Path) -> None:
    code, _ = init(tmp_path, "--hooks")
    assert code == 0
    assert json.loads((tmp_path / ".cursor" / "hooks.json").read_text()) == hooks_document("cursor")
    assert json.loads((tmp_path / ".codex" / "hooks.json").read_text()) == hooks_document("codex")
    assert (tmp_path / ".pre-commit-config.yaml").exists()  # the git hook init always wrote


def test_init_without_hooks_writes_no_agent_hooks(tmp_path: Path) -> None:
    assert init(tmp_path)[0] == 0
    assert not any((tmp_path / spec.path).exists() for spec in HOOK_FILES.values())


def test_a_settings_file_that_is_not_json_is_skipped_not_clobbered(tmp_path: Path) -> None:
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text("{ not json")
    code, out = init(tmp_path, "--hooks", "--assistant", "claude")
    assert code == 2
    assert "skipped    .claude/settings.json" in out
    assert settings.read_text() == "{ not json"


@pytest.mark.parametrize("text", ['{"hooks": []}', '{"hooks": {"PreToolUse": {}}}', "[]"])
def test_merge_refuses_shapes_it_cannot_extend(text: str) -> None:
    with pytest.raises(ValueError):
        merge_hooks(text, "claude")


# -- the Claude Code plugin -------------------------------------------------------------------------------------


def test_plugin_manifest_matches_the_package() -> None:
    manifest = json.loads((PLUGIN / ".claude-plugin" / "plugin.json").read_text())
    assert manifest["name"] == "slopguard"
    assert manifest["version"] == __version__


def test_plugin_hooks_are_the_ones_init_writes() -> None:
    assert json.loads((PLUGIN / "hooks" / "hooks.json").read_text()) == hooks_document("claude")


def test_plugin_bundles_the_mcp_server() -> None:
    servers = json.loads((PLUGIN / ".mcp.json").read_text())["mcpServers"]
    assert servers["slopguard"] == {"command": "slopguard", "args": ["mcp"]}


def test_plugin_skill_names_every_mcp_tool() -> None:
    text = (PLUGIN / "skills" / "slopguard" / "SKILL.md").read_text()
    front = yaml.safe_load(text.split("---")[1])
    assert front["name"] == "slopguard"
    assert front["description"]
    missing = [tool for tool in MCP_TOOLS if f"`{tool}`" not in text]
    assert not missing


@pytest.mark.parametrize("agent", sorted(HOOK_FILES))
def test_every_configured_hook_command_exists(agent: str) -> None:
    commands = re.findall(r'"command": "slopguard hook ([\w-]+)"', json.dumps(hooks_document(agent)))
    assert commands
    for sub in commands:
        res = CliRunner().invoke(cli, ["hook", sub, "--help"])
        assert res.exit_code == 0, sub


# -- pre-commit -------------------------------------------------------------------------------------------------


def _precommit_pattern() -> re.Pattern[str]:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"].startswith("slopguard scan")
    return re.compile(hook["files"])


def test_precommit_covers_every_scanned_file_type() -> None:
    pattern = _precommit_pattern()
    names = [f"src/module{ext}" for lang in LANGUAGES if lang.scanned for ext in lang.extensions]
    names += [f"sub/{name}" for lang in LANGUAGES if lang.scanned for name in lang.filenames]
    missed = [n for n in names if not pattern.search(n)]
    assert not missed


def test_precommit_covers_manifests_lockfiles_and_env_files() -> None:
    pattern = _precommit_pattern()
    names = [*MANIFEST_NAMES, "requirements.txt", "requirements-dev.txt", "requirements/base.in", "Pipfile",
             "Pipfile.lock", "poetry.lock", "uv.lock", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json",
             ".env", ".env.local", "deploy/.env.production"]  # fmt: skip
    missed = [n for n in names if not pattern.search(n)]
    assert not missed


def test_precommit_leaves_out_what_slopguard_does_not_read() -> None:
    pattern = _precommit_pattern()
    assert not [n for n in ("logo.png", "archive.tar.gz", "module.pyc", "LICENSE") if pattern.search(n)]
