"""The floors of the code, checked on every import (function-local and TYPE_CHECKING ones too).

    dags/                          Airflow: thin callers of the application
    jikimi/                        application: registry (composition root), use cases, CLI, …
    crawlers/ enrichment/ search/  pipeline: each imports only itself and the kernel
    kernel/                        records, ports, settings, errors, small value types

Imports point down only; the pipeline packages never import each other; concrete adapters are
named only by the registry (and by adapters of their own package that build on them); there is
no import cycle between modules, and no project module is loaded by name through importlib.
Pipeline code takes the settings sections it reads (`FaceSettings`, `VideoSettings`, …), never
the root `Settings`: the application picks the sections out, so a library function's signature
says what it depends on.
README.md ("How the code is laid out") describes the same map in words.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL, PIPELINE, APPLICATION, AIRFLOW = "kernel", ("crawlers", "enrichment", "search"), \
    "jikimi", "dags"
PACKAGES = (KERNEL, *PIPELINE, APPLICATION, AIRFLOW)
REGISTRY = "jikimi.registry"
# May import: its own package and these.
ALLOWED: dict[str, tuple[str, ...]] = {
    KERNEL: (),
    **{package: (KERNEL,) for package in PIPELINE},
    APPLICATION: (KERNEL, *PIPELINE),
    AIRFLOW: (KERNEL, APPLICATION),
}
# Concrete backends: chosen by the registry, never imported by the code that uses them.
ADAPTERS = (
    "search.sqlite", "search.elastic", "search.faceindex", "search.blobs.local",
    "search.blobs.memory",
    "search.blobs.s3", "search.blobs.s3_client", "search.evidence.local_locker",
    "search.evidence.s3_locker", "enrichment.faces.yunet_sface",
    "enrichment.faces.insightface_engine", "enrichment.faces.manifest_engine",
    "enrichment.signals.provenance",
    "enrichment.signals.watermark", "enrichment.signals.detector", "enrichment.signals.forensics",
    "jikimi.alerts.outbox", "jikimi.alerts.smtp", "jikimi.alerts.webhook",
    "jikimi.alerts.escalation",
)
# The whole configuration: the application's to hold; pipeline code gets sections of it.
ROOT_SETTINGS_MODULE = "kernel.settings"
ROOT_SETTINGS = ("Settings", "get_settings", "load_settings", "*")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "tests" not in path.relative_to(ROOT).parts:
                found[module_name(path)] = path
    return found


def resolve(name: str) -> str:
    """The project module an import names (`from a.b import c` names a.b.c when that exists)."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name


def imports_of(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in PACKAGES and (resolved := resolve(target)):
                yield Import(module, resolved, node.lineno)


@cache
def all_imports() -> tuple[Import, ...]:
    return tuple(i for module, path in modules().items() for i in imports_of(module, path))


def describe(found: list[Import]) -> str:
    return "\n".join(f"  {i.importer} (line {i.line}) imports {i.imported}" for i in found)


def test_the_floors_are_all_there() -> None:
    names = modules()
    assert {n.split(".")[0] for n in names} == set(PACKAGES)
    assert REGISTRY in names and "kernel.ports" in names and "jikimi.cli" in names
    assert len(all_imports()) > 300  # the parser sees the imports at all


def test_imports_point_down_and_pipeline_packages_stay_apart() -> None:
    wrong = [i for i in all_imports()
             if (top := i.imported.split(".")[0]) != (home := i.importer.split(".")[0])
             and top not in ALLOWED[home]]
    assert not wrong, "imports that run up a floor or across the pipeline:\n" + describe(wrong)


def test_only_the_registry_names_concrete_adapters() -> None:
    def adapter(name: str) -> str | None:
        return next((a for a in ADAPTERS if name == a or name.startswith(a + ".")), None)

    def allowed(i: Import) -> bool:
        if i.importer == REGISTRY:
            return True
        own = adapter(i.importer)  # an adapter may build on another of its own package
        return own is not None and own.split(".")[0] == i.imported.split(".")[0]

    wrong = [i for i in all_imports() if adapter(i.imported) and not allowed(i)]
    assert not wrong, "concrete adapters named outside the registry:\n" + describe(wrong)


def test_no_import_cycles_counting_function_local_imports() -> None:
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for i in all_imports():
        if i.imported != i.importer and not i.importer.startswith(i.imported + "."):
            graph[i.importer].add(i.imported)  # a package's own modules importing it is no cycle
    cycles = [cycle for cycle in _cycles(graph)]
    assert not cycles, "import cycles:\n" + "\n".join("  " + " -> ".join(c) for c in cycles)


def test_no_project_module_is_loaded_by_name() -> None:
    wrong = []
    for module, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _call_name(node.func) in {"import_module",
                                                                         "__import__"}:
                first = node.args[0] if node.args else None
                literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
                if not literal or str(first.value).split(".")[0] in PACKAGES:  # type: ignore[union-attr]
                    wrong.append(f"  {module} (line {node.lineno})")
    assert not wrong, "modules loaded through importlib (list them explicitly):\n" + \
        "\n".join(wrong)


def test_pipeline_code_takes_settings_sections_not_the_root_settings() -> None:
    wrong = [f"  {module} (line {line}) uses {ROOT_SETTINGS_MODULE}.{name}"
             for module, path in modules().items() if module.split(".")[0] in PIPELINE
             for line, name in root_settings_uses(path)]
    assert not wrong, "pipeline code that takes the whole Settings (pass it a section):\n" + \
        "\n".join(wrong)


def root_settings_uses(path: Path) -> Iterator[tuple[int, str]]:
    """Where a file imports the root `Settings` (or what builds one) from `kernel.settings`,
    or reaches it as an attribute of that module (`import kernel.settings as ks; ks.Settings`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_names: set[str] = set()  # names bound to the kernel.settings module itself
    parent, _, leaf = ROOT_SETTINGS_MODULE.rpartition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level:
            for alias in node.names:
                if node.module == ROOT_SETTINGS_MODULE and alias.name in ROOT_SETTINGS:
                    yield node.lineno, alias.name
                elif node.module == parent and alias.name == leaf:
                    module_names.add(alias.asname or leaf)
        elif isinstance(node, ast.Import):
            module_names.update(alias.asname or alias.name for alias in node.names
                                if alias.name == ROOT_SETTINGS_MODULE)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ROOT_SETTINGS and \
                _dotted(node.value) in module_names:
            yield node.lineno, node.attr


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
