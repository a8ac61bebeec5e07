"""``slopguard init``: instructions in a marked block, starter config, pre-commit hook; the user's text is kept."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from slopguard.cli.prompt import init_command
from slopguard.core.config import load_settings
from slopguard.guide.install import ASSISTANTS, BEGIN, END, HOOK, add_hook, merge_block
from slopguard.pipeline.catalog import code_rules

INSTRUCTION_FILES = list(ASSISTANTS.values())


def init(root: Path, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(init_command, [str(root), *args], catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def actions(out: str) -> dict[str, str]:
    """{path: action} from init's report lines."""
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("created", "updated", "unchanged", "skipped"):
            found[parts[1]] = parts[0]
    return found


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def load_yaml(text: str) -> Any:
    """The parsed YAML when PyYAML is installed (it is not a slopguard dependency), else None."""
    try:
        yaml = importlib.import_module("yaml")
    except ImportError:
        return None
    return yaml.safe_load(text)


def slopguard_hooks(doc: Any) -> list[dict[str, Any]]:
    return [h for repo in doc["repos"] for h in repo.get("hooks", []) if h.get("id") == "slopguard"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("import os\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0"\n', encoding="utf-8")
    return tmp_path


def test_first_run_creates_everything(project: Path) -> None:
    code, out, err = init(project)
    assert code == 0, err
    assert "languages: python (detected" in err
    assert actions(out) == {
        **dict.fromkeys(INSTRUCTION_FILES, "created"),
        "pyproject.toml": "updated",
        ".pre-commit-config.yaml": "created",
    }
    fix = code_rules()["PY-SQLI-001"].fix
    texts = {rel: (project / rel).read_text(encoding="utf-8") for rel in INSTRUCTION_FILES}
    for text in texts.values():
        assert text.count(BEGIN) == 1 and text.count(END) == 1
    # The instructions are written once, in AGENTS.md; the other assistants' files point to it.
    assert [rel for rel, text in texts.items() if fix in text] == ["AGENTS.md"]
    assert "## Security instructions for AI-generated code" in texts["AGENTS.md"]
    assert "\n@AGENTS.md\n" in texts["CLAUDE.md"]  # Claude Code's import syntax, on a line of its own
    assert "\n@AGENTS.md\n" in texts[".cursor/rules/slopguard.mdc"]
    assert "[AGENTS.md](../AGENTS.md)" in texts[".github/copilot-instructions.md"]
    mdc = (project / ".cursor/rules/slopguard.mdc").read_text(encoding="utf-8")
    front = mdc.split("---\n")[1]
    assert mdc.startswith("---\n")
    assert "description: " in front and "globs: **/*.py" in front and "alwaysApply: true" in front
    settings = load_settings(None, project)
    assert settings.source == project / "pyproject.toml" and settings.fail_on.label == "high"
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"] == "demo"
    hook = (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "repo: local" in hook and "entry: slopguard scan" in hook and "id: slopguard" in hook
    doc = load_yaml(hook)
    if doc is not None:
        assert slopguard_hooks(doc) == [
            {"id": "slopguard", "name": "slopguard scan", "entry": "slopguard scan", "language": "system",
             "types": ["text"]}
        ]  # fmt: skip


def test_rerun_keeps_user_text_and_updates_block_then_is_idempotent(project: Path) -> None:
    init(project)
    agents = project / "AGENTS.md"
    first = agents.read_text(encoding="utf-8")
    before = "# My project\n\nBuild with `make`. Never touch vendor/.\n\n"
    after = "\n## Release notes\n\nOur own text after the block.\n"
    edited = before + first.replace(END, "a stale line someone added inside the block\n" + END) + after
    agents.write_text(edited, encoding="utf-8")

    code, out, _ = init(project, "--context", "hipaa")
    assert code == 0
    assert actions(out)["AGENTS.md"] == "updated"
    text = agents.read_text(encoding="utf-8")
    assert text.startswith(before) and text.endswith(after)
    assert "a stale line" not in text
    assert "HIPAA" in text and text.count(BEGIN) == 1
    assert actions(out)["pyproject.toml"] == "unchanged"
    assert actions(out)[".pre-commit-config.yaml"] == "unchanged"

    files = snapshot(project)
    code, out, _ = init(project, "--context", "hipaa")
    assert code == 0
    assert set(actions(out).values()) == {"unchanged"}
    assert len(actions(out)) == len(INSTRUCTION_FILES) + 2
    assert "6 unchanged" in out
    assert snapshot(project) == files


def test_existing_tool_slopguard_table_untouched(project: Path) -> None:
    original = '[project]\nname = "demo"\n\n[tool.slopguard]\nfail-on = "critical"  # ours\nexclude = ["gen/**"]\n'
    (project / "pyproject.toml").write_text(original, encoding="utf-8")
    code, out, _ = init(project)
    assert code == 0
    assert actions(out)["pyproject.toml"] == "unchanged"
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == original
    assert not (project / "slopguard.toml").exists()


def test_sub_table_counts_as_existing_config(project: Path) -> None:
    original = '[project]\nname = "demo"\n\n[tool.slopguard.deps]\nallow = ["x"]\n'
    (project / "pyproject.toml").write_text(original, encoding="utf-8")
    init(project)
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == original


def test_slopguard_toml_when_no_pyproject(tmp_path: Path) -> None:
    (tmp_path / "index.js").write_text("console.log(1)\n", encoding="utf-8")
    code, out, err = init(tmp_path)
    assert code == 0
    assert actions(out)["slopguard.toml"] == "created"
    assert not (tmp_path / "pyproject.toml").exists()
    settings = load_settings(None, tmp_path)
    assert settings.source == tmp_path / "slopguard.toml"
    assert "languages: javascript" in err
    assert "globs: **/*.js" in (tmp_path / ".cursor/rules/slopguard.mdc").read_text(encoding="utf-8")
    (tmp_path / "slopguard.toml").write_text('fail-on = "low"\n', encoding="utf-8")
    _, out, _ = init(tmp_path)
    assert actions(out)["slopguard.toml"] == "unchanged"
    assert (tmp_path / "slopguard.toml").read_text(encoding="utf-8") == 'fail-on = "low"\n'


def test_invalid_pyproject_is_skipped_and_others_still_written(project: Path) -> None:
    (project / "pyproject.toml").write_text("[project\nname=", encoding="utf-8")
    code, out, err = init(project)
    assert code == 2
    assert actions(out)["pyproject.toml"] == "skipped" and "not valid TOML" in out
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == "[project\nname="
    assert (project / "AGENTS.md").exists()
    assert "could not be updated" in err


PRECOMMIT = """\
# our hooks
default_language_version:
  python: python3.11
repos:
  - repo: https://example.invalid/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
      - id: trailing-whitespace   # keep
      - id: end-of-file-fixer

  # formatting
  - repo: https://example.invalid/astral-sh/ruff-pre-commit
    rev: v0.6.0
    hooks: [{id: ruff}]

ci:
  autofix_prs: false
"""


def test_precommit_hook_appended_to_repos_keeping_content(project: Path) -> None:
    (project / ".pre-commit-config.yaml").write_text(PRECOMMIT, encoding="utf-8")
    code, out, _ = init(project)
    assert code == 0
    assert actions(out)[".pre-commit-config.yaml"] == "updated"
    text = (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert text.startswith(PRECOMMIT.split("\nci:")[0].rstrip("\n") + "\n")
    assert text.endswith("\nci:\n  autofix_prs: false\n")
    assert text.index("entry: slopguard scan") < text.index("ci:")
    assert "  - repo: local\n    hooks:\n      - id: slopguard\n" in text
    assert text.replace(HOOK.format(i="  "), "") == PRECOMMIT  # only the hook was added, nothing reformatted
    doc = load_yaml(text)
    if doc is not None:
        assert len(doc["repos"]) == 3 and doc["ci"] == {"autofix_prs": False}
        assert len(slopguard_hooks(doc)) == 1
    _, out, _ = init(project)
    assert actions(out)[".pre-commit-config.yaml"] == "unchanged"


@pytest.mark.parametrize(
    ("original", "expected_start"),
    [
        ("repos:\n- repo: https://example.invalid/x\n  rev: v1\n  hooks:\n  - id: x\n", "repos:\n- repo: https://"),
        ("repos: []\n", "repos:\n  - repo: local\n"),
        ("minimum_pre_commit_version: '3.0'\n", "minimum_pre_commit_version: '3.0'\nrepos:\n  - repo: local\n"),
        ("repos:\n  - repo: https://example.invalid/x\n    rev: v1\n    hooks:\n      - id: x", "repos:\n  - repo"),
    ],
)
def test_add_hook_styles(original: str, expected_start: str) -> None:
    text = add_hook(original)
    assert text.startswith(expected_start)
    assert "id: slopguard" in text
    doc = load_yaml(text)
    if doc is not None:
        assert len(slopguard_hooks(doc)) == 1
        assert doc["repos"][-1]["repo"] == "local"
    if original.startswith("repos:\n- "):
        assert "\n- repo: local\n  hooks:\n" in text  # follows the file's indentless style


def test_flow_style_repos_and_existing_hook(project: Path) -> None:
    flow = "repos: [{repo: local, hooks: []}]\n"
    (project / ".pre-commit-config.yaml").write_text(flow, encoding="utf-8")
    code, out, _ = init(project)
    assert code == 2 and actions(out)[".pre-commit-config.yaml"] == "skipped" and "by hand" in out
    assert (project / ".pre-commit-config.yaml").read_text(encoding="utf-8") == flow
    mine = "repos:\n  - repo: https://example.invalid/slopguard\n    rev: v0.1.0\n    hooks:\n      - id: slopguard\n"
    (project / ".pre-commit-config.yaml").write_text(mine, encoding="utf-8")
    code, out, _ = init(project)
    assert code == 0 and actions(out)[".pre-commit-config.yaml"] == "unchanged"
    assert (project / ".pre-commit-config.yaml").read_text(encoding="utf-8") == mine


def test_assistant_selection_and_bad_values(project: Path) -> None:
    code, _, _ = init(project, "--assistant", "claude,cursor")
    assert code == 0
    assert (project / "CLAUDE.md").exists() and (project / ".cursor/rules/slopguard.mdc").exists()
    assert not (project / "AGENTS.md").exists() and not (project / ".github").exists()
    code, _, err = init(project, "--assistant", "emacs")
    assert code == 2 and "unknown assistant 'emacs'" in err and "copilot" in err
    code, _, err = init(project, "--context", "hippa")
    assert code == 2 and "hipaa" in err
    code, _, err = init(project, "--lang", "cobol")
    assert code == 2 and "python" in err
    code, _, err = init(project / "missing")
    assert code == 2 and "does not exist" in err


def test_broken_marker_is_not_touched(project: Path) -> None:
    broken = f"My notes\n{BEGIN}\nhalf a block, no end marker\n"
    (project / "CLAUDE.md").write_text(broken, encoding="utf-8")
    code, out, _ = init(project)
    assert code == 2
    assert actions(out)["CLAUDE.md"] == "skipped" and "slopguard:end" in out
    assert (project / "CLAUDE.md").read_text(encoding="utf-8") == broken
    assert actions(out)["AGENTS.md"] == "created"


def test_user_front_matter_and_crlf_kept(project: Path) -> None:
    mdc = project / ".cursor/rules/slopguard.mdc"
    mdc.parent.mkdir(parents=True)
    own = "---\ndescription: mine\nglobs: src/**\nalwaysApply: false\n---\n\nMy rule text.\n"
    mdc.write_text(own, encoding="utf-8")
    crlf = "Line one\r\nLine two\r\n"
    (project / "AGENTS.md").write_bytes(crlf.encode())
    init(project)
    assert mdc.read_text(encoding="utf-8").startswith(own)
    data = (project / "AGENTS.md").read_bytes().decode()
    assert data.startswith(crlf) and "\n" not in data.replace("\r\n", "")


def test_languages_from_flag_and_detection(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "b.ts").write_text("let x = 1\n", encoding="utf-8")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "dep.go").write_text("package dep\n", encoding="utf-8")
    init(tmp_path, "--assistant", "agents")
    text = (tmp_path / "AGENTS.md").read_text(encoding="utf-8")
    assert "### Python: never write these" in text and "### TypeScript: never write these" in text
    assert "### Go:" not in text  # vendored folders are not the project's languages
    init(tmp_path, "--assistant", "agents", "--lang", "rust")
    text = (tmp_path / "AGENTS.md").read_text(encoding="utf-8")
    assert "### Rust: never write these" in text and "### Python" not in text


def test_merge_block_helpers() -> None:
    assert merge_block(None, "X") == f"{BEGIN}\n\nX\n\n{END}\n"
    once = merge_block("intro\n", "X")
    assert once == f"intro\n\n{BEGIN}\n\nX\n\n{END}\n"
    assert merge_block(once, "X") == once
    assert merge_block(once + "outro\n", "Y") == f"intro\n\n{BEGIN}\n\nY\n\n{END}\noutro\n"


def test_only_a_real_slopguard_hook_counts(tmp_path: Path) -> None:
    original = "exclude: ^slopguard_data/\n# id: slopguard (commented out)\nrepos: []\n"
    (tmp_path / ".pre-commit-config.yaml").write_text(original, encoding="utf-8")
    code, out, err = init(tmp_path, "--assistant", "cursor")
    assert code == 0
    assert actions(out)[".pre-commit-config.yaml"] == "updated"
    assert "no source files found" in err
    assert "\nglobs:\n" in (tmp_path / ".cursor/rules/slopguard.mdc").read_text(encoding="utf-8")


def test_without_agents_md_the_first_chosen_file_holds_the_instructions(project: Path) -> None:
    code, _, err = init(project, "--assistant", "cursor,claude")
    assert code == 0, err
    claude = (project / "CLAUDE.md").read_text(encoding="utf-8")
    cursor = (project / ".cursor/rules/slopguard.mdc").read_text(encoding="utf-8")
    assert "## Security instructions for AI-generated code" in claude and "@" not in claude.split(BEGIN)[1][:200]
    assert "\n@CLAUDE.md\n" in cursor and "## Security instructions" not in cursor
