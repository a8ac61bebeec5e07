"""The layering is a contract: every import of every module in src/ (function-local and ``TYPE_CHECKING`` ones
included) goes down the layers, and no module imports itself back through others.

    core  <-  engine  <-  rules  <-  pipeline  <-  front ends (cli, llm, probe, guide, review, provenance)
    core  <-  deps    <----------'
    core  <-  report  <----------'
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "slopguard"
FRONT_ENDS = frozenset({"cli", "llm", "probe", "guide", "review", "provenance", "mcp", "hooks", "lsp", "gateway"})
# layer -> the layers it may import (besides itself and the package root, which holds only the version)
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "engine": frozenset({"core"}),
    "rules": frozenset({"core", "engine"}),
    "deps": frozenset({"core"}),
    "report": frozenset({"core"}),
    "pipeline": frozenset({"core", "engine", "rules", "deps", "report"}),
    **{
        front: frozenset({"core", "engine", "rules", "deps", "report", "pipeline"}) | (FRONT_ENDS - {"cli"})
        for front in FRONT_ENDS
    },
    "__main__": frozenset({"cli"}),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {_module_name(p): p for p in (SRC / PACKAGE).rglob("*.py")}
    return {name: path for name, path in found.items() if ".templates." not in name}  # generated-test templates


def _targets(node: ast.Import | ast.ImportFrom, importer: str) -> Iterator[str]:
    known = modules()
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative: start from the importer's package and go up
            package = importer if known[importer].name == "__init__.py" else importer.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    for name in names:
        while name and name not in known:  # `import slopguard.engine.x.y` resolves to the longest known module
            name = name.rpartition(".")[0]
        if name.startswith(PACKAGE) and name:
            yield name


@cache
def imports() -> dict[str, frozenset[str]]:
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = {t for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) for t in _targets(n, name)}
        graph[name] = frozenset(found - {name})
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "<root>"


def test_the_package_is_found() -> None:
    assert {"slopguard.core.finding", "slopguard.engine.languages", "slopguard.pipeline.scan"} <= set(modules())


@pytest.mark.parametrize("module", sorted(modules()))
def test_imports_go_down_the_layers(module: str) -> None:
    own = layer(module)
    if own == "<root>":
        assert not imports()[module], "the package root holds only the version"
        return
    allowed = ALLOWED[own] | {own, "<root>"}
    wrong = sorted(t for t in imports()[module] if layer(t) not in allowed)
    assert not wrong, f"{module} ({own}) may import only {sorted(allowed)}, but imports {wrong}"


def test_no_import_cycles() -> None:
    graph = imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph):  # Tarjan's strongly connected components, iteratively
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    assert not cycles, f"import cycles: {cycles}"


def test_own_modules_are_imported_at_module_level_unless_lazy_loading_says_why() -> None:
    unexplained = []
    for name, path in modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom) and any(_targets(node, name)):
                    above = node.lineno - 2  # the comment may head a block of such imports
                    while above > 0 and lines[above].lstrip().startswith(("from ", "import ")):
                        above -= 1
                    said = "#" in lines[node.lineno - 1] or lines[above].strip().startswith("#")
                    if not said:
                        unexplained.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not unexplained, f"function-local imports of our own modules without a reason: {unexplained}"


def test_the_contract_catches_a_violation(tmp_path: Path) -> None:
    """The checks above can fail: an engine module importing a rule pack is reported."""
    tree = ast.parse("from slopguard.rules import load_all\n")
    (node,) = tree.body
    assert isinstance(node, ast.ImportFrom)
    targets = list(_targets(node, "slopguard.engine.scanner"))
    assert targets == ["slopguard.rules"]
    assert layer(targets[0]) not in ALLOWED["engine"]
