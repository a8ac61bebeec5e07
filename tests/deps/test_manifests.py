"""Manifests: every registry package named, with its file and line; direct references skipped; bad input reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from slopguard.deps.manifests import (
    ManifestError,
    ManifestProblem,
    ParsedManifest,
    is_manifest,
    manifest_kind,
    parse_manifest,
)
from slopguard.deps.model import Ecosystem

DATA = Path(__file__).parent / "data" / "manifests"

Row = tuple[str, str | None, str, str, int]


def parse(rel: str) -> ParsedManifest:
    return parse_manifest(DATA / rel, rel)


def rows(result: ParsedManifest) -> list[Row]:
    return [(r.name, r.version, r.spec, r.path, r.line) for r in result.refs]


def problem_lines(result: ParsedManifest) -> list[tuple[str, int]]:
    return [(p.path, p.line) for p in result.problems]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("requirements.txt", "requirements"),
        ("requirements-dev.txt", "requirements"),
        ("dev-requirements.in", "requirements"),
        ("requirements/base.txt", "requirements"),
        ("sub/dir/requirements_test.txt", "requirements"),
        ("pyproject.toml", "pyproject"),
        ("setup.cfg", "setup.cfg"),
        ("Pipfile", "pipfile"),
        ("web/package.json", "package.json"),
        ("package-lock.json", "package-lock"),
        ("MANIFEST.in", None),
        ("constraints.txt", None),
        ("notes.txt", None),
        ("Pipfile.lock", "pipfile.lock"),
        ("Gemfile.lock", None),
        ("tsconfig.json", None),
    ],
)
def test_manifest_kind(name: str, kind: str | None) -> None:
    assert manifest_kind(name) == kind
    assert is_manifest(name) is (kind is not None)


def test_requirements_with_includes_options_and_direct_references() -> None:
    result = parse("reqs/requirements.txt")
    assert rows(result) == [
        ("click", None, ">=8", "reqs/requirements-base.txt", 2),
        ("rich", "13.7.1", "==13.7.1", "reqs/sub/requirements-sub.in", 3),
        ("Django", "4.2.11", "==4.2.11", "reqs/requirements.txt", 9),
        ("requests", None, "<3,>=2.31", "reqs/requirements.txt", 10),
        ("flask-sqlalchemy", None, "~=3.1", "reqs/requirements.txt", 11),
        ("numpy", "1.26.4", "===1.26.4", "reqs/requirements.txt", 12),
        ("pandas", None, "==2.2.*", "reqs/requirements.txt", 13),
        ("cryptography", "42.0.5", "==42.0.5", "reqs/requirements.txt", 14),  # first line of a continued entry
        ("huggingface-cli", None, ">=0.1", "reqs/requirements.txt", 17),
        ("pyyaml", None, "", "reqs/requirements.txt", 25),
    ]
    assert all(r.ecosystem is Ecosystem.PYPI and r.origin == "manifest" for r in result.refs)
    # constraints (-c) are not read; the include chain is, each file once
    assert result.sources == ["reqs/requirements.txt", "reqs/requirements-base.txt", "reqs/sub/requirements-sub.in"]
    assert problem_lines(result) == [
        ("reqs/requirements.txt", 26),
        ("reqs/requirements.txt", 27),
        ("reqs/requirements.txt", 28),
    ]
    bad_line, unknown_option, missing_include = (p.message for p in result.problems)
    assert "not a valid requirement" in bad_line
    assert "--frobnicate" in unknown_option
    assert "missing-file.txt" in missing_include


def test_requirements_include_cycle_reads_each_file_once() -> None:
    result = parse("cycle/requirements-a.txt")
    assert rows(result) == [
        ("alpha", "1.0", "==1.0", "cycle/requirements-a.txt", 1),
        ("beta", None, "", "cycle/requirements-b.txt", 2),
    ]
    assert result.problems == []


def test_requirements_self_include_bom_crlf_and_options_with_values(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    text = "\ufeff-r requirements.txt\r\nflask==3.0.2 --hash=sha256:00\r\n--find-links ./wheels\r\n-rother.txt\r\n"
    path.write_bytes(text.encode())
    (tmp_path / "other.txt").write_text("Werkzeug\\\n>=3\n")
    result = parse_manifest(path, "requirements.txt")
    assert rows(result) == [
        ("flask", "3.0.2", "==3.0.2", "requirements.txt", 2),
        ("Werkzeug", None, ">=3", "other.txt", 1),
    ]
    assert result.problems == []


def test_pyproject_pep621_pep735_build_system_and_uv() -> None:
    result = parse("pyproject.toml")
    assert rows(result) == [
        ("hatchling", None, ">=1.21", "pyproject.toml", 2),
        ("hatch-vcs", None, "", "pyproject.toml", 2),
        ("fastapi", None, ">=0.110", "pyproject.toml", 9),
        ("uvicorn", "0.29.0", "==0.29.0", "pyproject.toml", 10),
        ("pydantic-settings", None, "", "pyproject.toml", 11),
        ("pywin32", None, "", "pyproject.toml", 12),  # escaped quotes in the marker: found by name
        ("pytest", None, ">=8", "pyproject.toml", 18),
        ("fastapi", None, ">=0.110", "pyproject.toml", 18),
        ("mkdocs-material", None, "", "pyproject.toml", 20),
        ("pytest-cov", None, "", "pyproject.toml", 24),
        ("ruff", "0.4.1", "==0.4.1", "pyproject.toml", 25),
        ("ipython", None, "", "pyproject.toml", 29),
    ]
    assert [(p.line, p.message.split(" ")[0]) for p in result.problems] == [(14, "not"), (26, "group")]
    assert "'nope'" in result.problems[1].message


def test_pyproject_poetry() -> None:
    result = parse("poetry/pyproject.toml")
    assert rows(result) == [
        ("requests", None, "^2.31", "poetry/pyproject.toml", 7),
        ("boto3", "1.34.0", "1.34.0", "poetry/pyproject.toml", 8),  # a bare version is an exact pin in Poetry
        ("pandas", None, ">=2.0", "poetry/pyproject.toml", 9),
        ("multi", None, "<2 || >=2", "poetry/pyproject.toml", 12),
        ("sqlalchemy", "2.0.29", "==2.0.29", "poetry/pyproject.toml", 18),
        ("black", None, "*", "poetry/pyproject.toml", 22),
        ("pytest", None, "^8.0", "poetry/pyproject.toml", 25),
    ]
    assert problem_lines(result) == [("poetry/pyproject.toml", 16)]
    assert "bad name!" in result.problems[0].message


def test_setup_cfg() -> None:
    result = parse("setup.cfg")
    assert rows(result) == [
        ("requests", None, ">=2", "setup.cfg", 7),
        ("attrs", "23.2.0", "==23.2.0", "setup.cfg", 8),
        ("importlib-metadata", None, "", "setup.cfg", 10),
        ("setuptools_scm", None, "", "setup.cfg", 11),
        ("pytest", None, "", "setup.cfg", 15),
        ("mypy", "1.9.0", "==1.9.0", "setup.cfg", 16),
    ]
    assert result.problems == []


def test_setup_cfg_reads_requirements_from_files(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[options]\ninstall_requires = file: requirements.in\n")
    (tmp_path / "requirements.in").write_text("# pinned\nhttpx==0.27.0\n")
    result = parse_manifest(tmp_path / "setup.cfg", "pkg/setup.cfg")
    assert rows(result) == [("httpx", "0.27.0", "==0.27.0", "pkg/requirements.in", 2)]


def test_pipfile() -> None:
    result = parse("Pipfile")
    assert rows(result) == [
        ("requests", None, "", "Pipfile", 7),
        ("django", "4.2.11", "==4.2.11", "Pipfile", 8),
        ("flask", None, ">=3.0", "Pipfile", 9),
        ("pytest", None, ">=8", "Pipfile", 15),
    ]
    assert problem_lines(result) == [("Pipfile", 12)]


def test_package_json_all_kinds_aliases_and_skipped_specs() -> None:
    result = parse("package.json")
    assert [(*row, r.imported_as) for row, r in zip(rows(result), result.refs, strict=True)] == [
        ("express", None, "^4.19.2", "package.json", 8, None),
        ("lodash", "4.17.21", "4.17.21", "package.json", 9, None),
        ("react", None, "^18.2.0", "package.json", 11, "my-react"),
        ("next-tag", None, "latest", "package.json", 18, None),
        ("typescript", "5.4.5", "5.4.5", "package.json", 21, None),
        ("lodash", None, "^4.17.0", "package.json", 22, None),
        ("react", None, ">=17", "package.json", 25, None),
        ("fsevents", "2.3.3", "2.3.3", "package.json", 28, None),
        ("bundled-only", None, "", "package.json", 30, None),
    ]
    assert all(r.ecosystem is Ecosystem.NPM and r.origin == "manifest" for r in result.refs)
    assert result.problems == []


def test_package_lock_v3_packages_map() -> None:
    result = parse("package-lock.json")
    assert [(*row, r.origin, r.imported_as) for row, r in zip(rows(result), result.refs, strict=True)] == [
        ("express", "4.19.2", "4.19.2", "package-lock.json", 14, "lockfile", None),
        ("debug", "4.3.4", "4.3.4", "package-lock.json", 22, "lockfile", None),
        ("debug", "2.6.9", "2.6.9", "package-lock.json", 26, "lockfile", None),
        ("@babel/core", "7.24.0", "7.24.0", "package-lock.json", 30, "lockfile", None),
        ("react", "18.2.0", "18.2.0", "package-lock.json", 34, "lockfile", "my-react"),
    ]


def test_package_lock_v1_nested_tree() -> None:
    result = parse("lock1/package-lock.json")
    assert [(*row, r.imported_as) for row, r in zip(rows(result), result.refs, strict=True)] == [
        ("accepts", "1.3.8", "1.3.8", "lock1/package-lock.json", 7, None),
        # the nested entry, not the `requires` line above it
        ("mime-types", "2.1.35", "2.1.35", "lock1/package-lock.json", 14, None),
        ("lodash", "4.17.21", "4.17.21", "lock1/package-lock.json", 20, "aliased"),
        ("mime-types", "2.1.34", "2.1.34", "lock1/package-lock.json", 27, None),
    ]


@pytest.mark.parametrize(
    ("rel", "words"),
    [
        ("bad/pyproject.toml", "invalid TOML"),
        ("bad/package.json", "invalid JSON at line 4"),
        ("bad/setup.cfg", "invalid setup.cfg"),
        ("nowhere/requirements.txt", "cannot read"),
        ("README.md", "not a manifest"),
    ],
)
def test_unreadable_manifests_raise(rel: str, words: str) -> None:
    with pytest.raises(ManifestError, match=words) as caught:
        parse(rel)
    assert str(caught.value).startswith(rel)


def test_binary_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ManifestError, match="not UTF-8"):
        parse_manifest(path, "requirements.txt")


def test_wrong_shapes_are_problems_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = "requests"\n')
    (tmp_path / "package.json").write_text('{"dependencies": ["express"], "devDependencies": {"x": 1}}')
    pyproject = parse_manifest(tmp_path / "pyproject.toml", "pyproject.toml")
    assert pyproject.refs == [] and [p.line for p in pyproject.problems] == [2]
    package = parse_manifest(tmp_path / "package.json", "package.json")
    assert package.refs == []
    assert package.problems == [
        ManifestProblem("package.json", 1, "dependencies should be an object"),
        ManifestProblem("package.json", 1, "'x': version should be a string, not 1"),
    ]
