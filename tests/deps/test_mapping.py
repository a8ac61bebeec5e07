"""Import names -> PyPI distributions: stdlib and local modules are none, known mismatches are mapped."""

from __future__ import annotations

import importlib.util
import json
import re
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

from slopguard.deps import mapping
from slopguard.deps.mapping import ImportMapper, distributions_for, local_modules, modules_in, shipped_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "module", ["os", "os.path", "json", "asyncio", "tomllib", "__future__", "distutils", "urllib2"]
)
def test_standard_library_is_no_dependency(module: str) -> None:
    assert distributions_for(module) is None


@pytest.mark.parametrize(
    ("module", "first"),
    [
        ("yaml", "PyYAML"),
        ("cv2", "opencv-python"),
        ("sklearn", "scikit-learn"),
        ("sklearn.linear_model", "scikit-learn"),
        ("PIL", "Pillow"),
        ("bs4", "beautifulsoup4"),
        ("jwt", "PyJWT"),
        ("Crypto", "pycryptodome"),
        ("dateutil", "python-dateutil"),
        ("dotenv", "python-dotenv"),
        ("attr", "attrs"),
        ("magic", "python-magic"),
        ("serial", "pyserial"),
        ("usb", "pyusb"),
        ("OpenSSL", "pyOpenSSL"),
        ("google.protobuf", "protobuf"),
        ("google.protobuf.json_format", "protobuf"),
        ("rest_framework", "djangorestframework"),
        ("whisper", "openai-whisper"),
    ],
)
def test_known_mismatches(module: str, first: str) -> None:
    found = distributions_for(module, environment=False)
    assert found is not None and found[0] == first


def test_alternatives_are_kept_in_order() -> None:
    assert distributions_for("cv2", environment=False) == (
        "opencv-python",
        "opencv-python-headless",
        "opencv-contrib-python",
        "opencv-contrib-python-headless",
    )


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("google.cloud.storage", ("google-cloud-storage",)),
        ("google.cloud.storage.Client", ("google-cloud-storage",)),
        ("google.cloud.pubsub_v1", ("google-cloud-pubsub",)),
        ("google.cloud.videointelligence_v1", ("google-cloud-videointelligence",)),
        ("azure.identity.DefaultAzureCredential", ("azure-identity",)),
        ("azure.eventgrid.aio", ("azure-eventgrid-aio", "azure-eventgrid")),
        ("opentelemetry", ("opentelemetry-api",)),
        (
            "opentelemetry.instrumentation.flask",
            ("opentelemetry-instrumentation-flask", "opentelemetry-instrumentation"),
        ),
        ("backports.zoneinfo", ("backports-zoneinfo",)),
    ],
)
def test_namespace_packages_use_the_dotted_path(module: str, expected: tuple[str, ...]) -> None:
    assert distributions_for(module, environment=False) == expected


@pytest.mark.parametrize("module", ["requests", "flask.Flask", "fastapi", "totally_made_up_pkg"])
def test_unknown_names_map_to_themselves(module: str) -> None:
    assert distributions_for(module, environment=False) == (module.split(".")[0],)


def test_local_modules_are_no_dependency() -> None:
    assert distributions_for("myapp.models", {"myapp"}) is None
    assert distributions_for("requests", {"myapp"}) == ("requests",)


def test_environment_metadata_is_merged(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"fancy_mod": ("fancy-distribution",), "yaml": ("PyYAML", "yaml-fork"), "google": ("protobuf",)}
    monkeypatch.setattr(mapping, "environment_table", lambda: table)
    assert distributions_for("fancy_mod") == ("fancy-distribution",)
    assert distributions_for("yaml") == ("PyYAML", "yaml-fork")  # the shipped table first
    assert distributions_for("fancy_mod", environment=False) == ("fancy_mod",)
    assert distributions_for("google.cloud.storage") == ("google-cloud-storage",)  # never the namespace's owners


def test_real_environment_table_reads_installed_packages() -> None:
    assert "packaging" in mapping.environment_table()


def test_shipped_table_is_large_and_well_formed() -> None:
    data = json.loads((ROOT / "src/slopguard/deps/data/import_names.json").read_text("utf-8"))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["generated"])
    table = shipped_table()
    assert len(table) >= 150
    for module, names in table.items():
        assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part) for part in module.split(".")), module
        assert names and all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", n) for n in names), module
        assert module.split(".")[0] not in mapping.STDLIB, module


def make_project(root: Path) -> None:
    (root / "pyproject.toml").write_text('[project]\nname = "Acme-Tools"\n')
    (root / "manage.py").write_text("")
    (root / "settings_local.py").write_text("")
    (root / "webapp").mkdir()
    (root / "webapp" / "__init__.py").write_text("")
    (root / "nspkg").mkdir()
    (root / "nspkg" / "mod.py").write_text("")
    (root / "assets").mkdir()
    (root / "assets" / "logo.png").write_bytes(b"")
    (root / ".venv").mkdir()
    (root / ".venv" / "x.py").write_text("")
    (root / "src" / "corelib").mkdir(parents=True)
    (root / "src" / "corelib" / "__init__.py").write_text("")
    (root / "scripts").mkdir()
    (root / "scripts" / "helper_tool.py").write_text("")


def test_local_modules_of_a_project(tmp_path: Path) -> None:
    make_project(tmp_path)
    assert local_modules(tmp_path) == {
        "manage",
        "settings_local",
        "webapp",
        "nspkg",
        "corelib",
        "scripts",
        "Acme_Tools",
        "acme_tools",
    }
    assert modules_in(tmp_path / "missing") == frozenset()


def test_import_mapper_with_sibling_modules(tmp_path: Path) -> None:
    make_project(tmp_path)
    mapper = ImportMapper(tmp_path, environment=False)
    assert mapper("webapp.views") is None
    assert mapper("acme_tools") is None
    assert mapper("helper_tool") == ("helper_tool",)
    assert mapper("helper_tool", tmp_path / "scripts") is None
    assert mapper("yaml") == ("PyYAML",)
    assert ImportMapper(local={"yaml"})("yaml") is None


# -- scripts/build_import_map.py -----------------------------------------------------------------------------------


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_import_map", ROOT / "scripts" / "build_import_map.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_distribution(site: Path) -> metadata.Distribution:
    info = site / "Acme_Widgets-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Acme-Widgets\nVersion: 1.0\n")
    (info / "RECORD").write_text(
        "widgets/__init__.py,,\nwidgets/core.py,,\ngoogle/cloud/widgets/__init__.py,,\n"
        "google/cloud/widgets/api.py,,\nwidgetlib.py,,\n_speedups.cpython-311-x86_64-linux-gnu.so,,\n"
        "acme_widgets/__init__.py,,\ntests/__init__.py,,\n../../bin/widgets,,\nAcme_Widgets-1.0.dist-info/METADATA,,\n"
    )
    return metadata.PathDistribution(info)


def test_build_script_reads_package_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = load_script()
    dist = fake_distribution(tmp_path / "site")
    assert script.provided_modules(dist) == {
        "widgets",
        "google.cloud.widgets",
        "widgetlib",
        "_speedups",
        "acme_widgets",
        "tests",
    }
    monkeypatch.setattr(script.metadata, "distributions", lambda: [dist])
    out = tmp_path / "import_names.json"
    out.write_text(json.dumps({"curated": {"yaml": ["PyYAML"]}, "environment": {"stale": ["old"]}}))
    assert script.main(["--all", "--out", str(out)]) == 0
    written = json.loads(out.read_text())
    assert written["curated"] == {"yaml": ["PyYAML"]}
    assert written["environment"] == {
        "google.cloud.widgets": ["Acme-Widgets"],
        "widgetlib": ["Acme-Widgets"],
        "widgets": ["Acme-Widgets"],
    }
    csv = tmp_path / "top.csv"
    csv.write_text('download_count,project\n10,"other"\n')
    assert script.main(["--csv", str(csv), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["environment"] == {}
