"""Lockfiles: every registry package pinned, at its exact version and line, direct told from transitive; a lockfile
beside its manifest gives one reference per package; a broken lockfile is reported, never half-read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from slopguard.deps.collect import from_manifests
from slopguard.deps.manifests import ManifestError, ParsedManifest, manifest_kind, parse_manifest
from slopguard.deps.manifests.npm_locks import read_pnpm_lock
from slopguard.deps.manifests.yaml_subset import parse_yaml
from slopguard.deps.model import Ecosystem

DATA = Path(__file__).parent / "data" / "lockfiles"

# (name, version, line, transitive, alias)
Row = tuple[str, str | None, int, bool, str | None]


def parse(rel: str, base: Path = DATA) -> ParsedManifest:
    return parse_manifest(base / rel, rel)


def rows(result: ParsedManifest) -> list[Row]:
    return [(r.name, r.version, r.line, r.transitive, r.imported_as) for r in result.refs]


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("poetry.lock", "poetry.lock"),
        ("app/uv.lock", "uv.lock"),
        ("pdm.lock", "pdm.lock"),
        ("Pipfile.lock", "pipfile.lock"),
        ("web/yarn.lock", "yarn.lock"),
        ("pnpm-lock.yaml", "pnpm-lock"),
        ("Cargo.lock", None),
        ("composer.lock", None),
    ],
)
def test_lockfile_names(rel: str, kind: str | None) -> None:
    assert manifest_kind(rel) == kind


def test_poetry_lock() -> None:
    result = parse("poetry/poetry.lock")
    assert rows(result) == [
        ("certifi", "2024.2.2", 4, True, None),
        ("charset-normalizer", "3.3.2", 15, True, None),
        ("click", "8.1.7", 25, False, None),
        ("colorama", "0.4.6", 38, True, None),
        ("idna", "3.6", 48, True, None),
        # mylib (line 58) comes from git: not a registry package
        ("Requests", "2.31.0", 72, False, None),  # direct: pyproject names it "requests"
        ("pytest", "8.1.1", 88, False, None),  # a dev group is direct too
        ("urllib3", "2.2.1", 98, True, None),
    ]
    assert all(r.ecosystem is Ecosystem.PYPI and r.origin == "lockfile" for r in result.refs)
    assert result.refs[2].spec == "==8.1.7"
    assert result.problems == [] and result.sources == ["poetry/poetry.lock"]


def test_uv_lock_takes_direct_dependencies_from_its_own_root_entry() -> None:
    result = parse("uv/uv.lock")
    assert rows(result) == [
        ("anyio", "4.3.0", 5, True, None),
        ("httpx", "0.27.0", 34, False, None),
        ("idna", "3.7", 44, True, None),
        ("pytest", "8.2.0", 50, False, None),
        ("sniffio", "1.3.1", 56, True, None),
    ]  # the project itself (editable) and the git source are not registry packages


def test_pdm_lock() -> None:
    assert rows(parse("pdm/pdm.lock")) == [
        ("certifi", "2024.2.2", 11, True, None),
        ("pytest", "8.1.1", 29, False, None),
        ("requests", "2.31.0", 39, False, None),
        ("urllib3", "2.2.1", 53, True, None),
    ]


def test_pipfile_lock() -> None:
    assert rows(parse("pipenv/Pipfile.lock")) == [
        ("blinker", "1.7.0", 19, True, None),
        ("certifi", "2024.2.2", 26, True, None),
        ("flask", "3.0.2", 33, False, None),
        ("requests", "2.31.0", 45, False, None),
        ("werkzeug", "3.0.1", 53, True, None),
        ("pytest", "8.1.1", 62, False, None),
    ]


def test_yarn1_lock() -> None:
    result = parse("yarn1/yarn.lock")
    assert rows(result) == [
        ("@babel/runtime", "7.24.1", 5, False, None),
        ("accepts", "1.3.8", 12, True, None),
        ("express", "4.19.2", 20, False, None),
        ("mime-types", "2.1.35", 30, True, None),
        ("react", "18.2.0", 35, False, "my-react"),  # an alias: the registry package is react
        ("negotiator", "0.6.3", 40, True, None),
        ("regenerator-runtime", "0.14.1", 45, True, None),
        ("typescript", "5.4.5", 50, False, None),
    ]
    assert all(r.ecosystem is Ecosystem.NPM for r in result.refs) and result.problems == []


def test_yarn_berry_lock_takes_direct_dependencies_from_the_workspace_entry() -> None:
    assert rows(parse("berry/yarn.lock")) == [
        ("debug", "4.3.4", 19, False, None),
        ("lodash", "4.17.21", 31, False, None),
        ("ms", "2.1.2", 38, True, None),
        ("vitest", "1.5.0", 51, False, None),
    ]  # the workspace and the portal: entries are not registry packages


def test_pnpm9_lock_reads_every_importer() -> None:
    assert rows(parse("pnpm9/pnpm-lock.yaml")) == [
        ("express", "4.19.2", 11, False, None),
        ("string-width", "4.2.3", 17, False, "string-width-cjs"),
        ("@types/node", "20.12.7", 21, False, None),
        ("debug", "4.3.4", 27, False, None),  # a workspace package's own dependency
        ("ms", "2.1.2", 49, True, None),
    ]  # link: and tarball entries are not registry packages


def test_pnpm6_lock_of_one_project() -> None:
    assert rows(parse("pnpm6/pnpm-lock.yaml")) == [
        ("axios", "1.6.8", 8, False, None),
        ("@playwright/test", "1.43.1", 16, False, None),
        ("follow-redirects", "1.15.6", 34, True, None),
    ]


def test_pnpm5_keys() -> None:
    text = (
        "lockfileVersion: 5.4\n\nspecifiers:\n  chalk: ^4.1.2\n\ndependencies:\n  chalk: 4.1.2\n\npackages:\n\n"
        "  /chalk/4.1.2:\n    resolution: {integrity: sha512-x}\n\n"
        "  /@babel/helper-plugin-utils/7.24.0_@babel+core@7.24.0:\n    resolution: {integrity: sha512-y}\n"
    )
    doc = ParsedManifest()
    read_pnpm_lock(Path("pnpm-lock.yaml"), text, "pnpm-lock.yaml", doc)
    assert rows(doc) == [("chalk", "4.1.2", 7, False, None), ("@babel/helper-plugin-utils", "7.24.0", 14, True, None)]


def test_without_the_manifest_beside_it_every_locked_package_counts_as_direct(tmp_path: Path) -> None:
    for rel in ("poetry/poetry.lock", "yarn1/yarn.lock", "pipenv/Pipfile.lock"):
        shutil.copy(DATA / rel, tmp_path / Path(rel).name)
        result = parse(Path(rel).name, tmp_path)
        assert result.refs and not any(r.transitive for r in result.refs), rel


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("poetry.lock", '[[package]]\nname = "requests"\nversion = \n', "invalid TOML"),
        ("uv.lock", "version = 1\n[[package\n", "invalid TOML"),
        ("Pipfile.lock", '{"default": {"requests": {"version": "==2.31.0"}}', "invalid JSON"),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n\tresolution: x\n", "tab"),
        ("pnpm-lock.yaml", "packages:\n  &anchor a@1.0.0: {}\n", "unsupported"),
        ("yarn.lock", '__metadata:\n  version: 8\n"a@npm:1":\n  resolution: "a@npm:1.0.0\n', "unterminated"),
    ],
)
def test_a_lockfile_that_cannot_be_read_raises(tmp_path: Path, name: str, text: str, words: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ManifestError, match=words):
        parse(name, tmp_path)


def test_broken_entries_are_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "requests"\nversion = "2.31.0"\n\n[[package]]\nname = "bad name!"\nversion = "1"\n\n'
        '[[package]]\nname = "idna"\n'
    )
    result = parse("poetry.lock", tmp_path)
    assert rows(result) == [("requests", "2.31.0", 2, False, None)]
    assert [p.line for p in result.problems] == [6, 10]
    (tmp_path / "yarn.lock").write_text('# yarn lockfile v1\n\nleft-pad@^1.3.0:\n  resolved "x"\n\ngarbage\n')
    result = parse("yarn.lock", tmp_path)
    assert result.refs == [] and sorted(p.line for p in result.problems) == [3, 6]


def test_a_broken_lockfile_is_reported_by_the_source_not_raised(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("version = 1\n[[package\n")
    collected = from_manifests([(tmp_path / "uv.lock", "uv.lock")])
    assert collected.refs == []
    assert [(p.path, p.line) for p in collected.problems] == [("uv.lock", 0)]
    assert "invalid TOML" in collected.problems[0].message


# -- a lockfile beside its manifest -------------------------------------------------------------------------------


def collect(folder: str, transitive: bool = False) -> list[tuple[str, str | None, str, int]]:
    paths = [(p, f"{folder}/{p.name}") for p in sorted((DATA / folder).iterdir())]
    return [(r.name, r.version, r.path, r.line) for r in from_manifests(paths, transitive).refs]


def test_manifest_lines_take_the_locked_versions_once() -> None:
    assert collect("poetry") == [
        ("poetry-core", None, "poetry/pyproject.toml", 17),  # build requirements are not locked
        ("requests", "2.31.0", "poetry/pyproject.toml", 9),
        ("click", "8.1.7", "poetry/pyproject.toml", 10),
        ("pytest", "8.1.1", "poetry/pyproject.toml", 14),
    ]
    assert collect("yarn1") == [
        ("@babel/runtime", "7.24.1", "yarn1/package.json", 6),
        ("express", "4.19.2", "yarn1/package.json", 7),
        ("react", "18.2.0", "yarn1/package.json", 8),
        ("typescript", "5.4.5", "yarn1/package.json", 12),
    ]


def test_transitive_adds_the_rest_of_the_tree_at_the_lockfile_lines() -> None:
    refs = collect("uv", transitive=True)
    assert refs == [
        ("httpx", "0.27.0", "uv/pyproject.toml", 6),
        ("pytest", "8.2.0", "uv/pyproject.toml", 10),
        ("anyio", "4.3.0", "uv/uv.lock", 5),
        ("idna", "3.7", "uv/uv.lock", 44),
        ("sniffio", "1.3.1", "uv/uv.lock", 56),
    ]
    assert len({name for name, *_ in refs}) == len(refs)  # one reference per package


def test_a_lockfile_alone_gives_its_direct_dependencies() -> None:
    refs = from_manifests([(DATA / "pnpm9" / "pnpm-lock.yaml", "pnpm9/pnpm-lock.yaml")]).refs
    assert [(r.name, r.origin) for r in refs] == [
        ("express", "lockfile"),
        ("string-width", "lockfile"),
        ("@types/node", "lockfile"),
        ("debug", "lockfile"),
    ]


def test_package_lock_marks_transitive_packages() -> None:
    lock = Path(__file__).parent / "data" / "manifests" / "package-lock.json"
    result = parse_manifest(lock, "package-lock.json")
    assert [(r.name, r.version, r.transitive) for r in result.refs] == [
        ("express", "4.19.2", False),
        ("debug", "4.3.4", True),
        ("debug", "2.6.9", True),
        ("@babel/core", "7.24.0", True),
        ("react", "18.2.0", True),
    ]


# -- the YAML subset ----------------------------------------------------------------------------------------------


def test_yaml_subset_reads_what_lockfiles_use() -> None:
    doc = parse_yaml(
        "# comment\na:\n  b: 'it''s'\n  c: \"x\\ty\"  # trailing\n  d: {integrity: sha512-x}\n"
        "  list:\n    - one\n    - 'two'\n  empty:\ne: plain text # note\n",
        "x.yaml",
    )
    assert doc.data == {
        "a": {"b": "it's", "c": "x\ty", "d": "{integrity: sha512-x}", "list": ["one", "two"], "empty": None},
        "e": "plain text",
    }
    assert (doc.line("a"), doc.line("a", "c"), doc.line("a", "empty"), doc.line("e")) == (2, 4, 9, 10)


@pytest.mark.parametrize(
    "text",
    ["a: |\n  text\n", "a: *ref\n", "a:\n  b: 1\n c: 2\n", "a: 1\na: 2\n", "a: {x: 1,\n  y: 2}\n", "- a\n"],
)
def test_yaml_subset_refuses_what_it_does_not_read(text: str) -> None:
    with pytest.raises(ManifestError):
        parse_yaml(text, "x.yaml")
