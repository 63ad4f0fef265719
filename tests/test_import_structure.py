"""The import structure of ``src/provgraph``: no cycles, and every import points down the layers.

Every module is parsed with ``ast``; every import counts, wherever it stands: at module level,
inside ``if TYPE_CHECKING:`` and inside functions (an import hidden in a function is still a
dependency, it only moves the failure to run time). The layer table is the one of
``docs/architecture.md``; keep the two in the same commit.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SOURCE / "provgraph"

# Layers from the top: a module may import modules of its own layer (without cycles) and of the
# layers listed for it. Prefixes name a module and everything below it; the longest one wins.
LAYERS: dict[str, tuple[str, ...]] = {
    "facade": (
        "provgraph",
        "provgraph.engine",
        "provgraph.manage",
        "provgraph.plugins",
        "provgraph.tools.pytest_fixtures",
    ),
    "cli": ("provgraph.cli",),
    "web": ("provgraph.web",),
    "tools": ("provgraph.tools",),
    "provenance": ("provgraph.provenance", "provgraph.caching", "provgraph.profiles"),
    "orm": ("provgraph.orm",),
    "manager": ("provgraph.manager", "provgraph.access"),
    "storage registry": ("provgraph.storage",),
    "storage interface": (
        "provgraph.storage.abstract",
        "provgraph.storage.query_schema",
        "provgraph.storage.indexes",
        "provgraph.storage.explain",
    ),
    "backends": (
        "provgraph.storage.sql",
        "provgraph.storage.sqlite_dos",
        "provgraph.storage.psql_dos",
        "provgraph.storage.sqlite_zip",
    ),
    "base": ("provgraph.config", "provgraph.repository", "provgraph.common", "provgraph.exceptions"),
}
_BELOW_ORM = ("manager", "storage registry", "storage interface", "base")
MAY_IMPORT: dict[str, frozenset[str]] = {
    "facade": frozenset(LAYERS) - {"facade"},
    "cli": frozenset({"web", "tools", "provenance", "orm", *_BELOW_ORM}),
    "web": frozenset({"tools", "provenance", "orm", *_BELOW_ORM}),
    "tools": frozenset({"provenance", "orm", *_BELOW_ORM}),
    "provenance": frozenset({"orm", *_BELOW_ORM}),
    "orm": frozenset(_BELOW_ORM),
    "manager": frozenset({"storage registry", "storage interface", "base"}),
    # The registry finds backends by entry-point name (importlib), never by an import.
    "storage registry": frozenset({"storage interface", "base"}),
    "storage interface": frozenset({"base"}),
    "backends": frozenset({"storage interface", "base"}),
    "base": frozenset(),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    #: Inside ``if TYPE_CHECKING:``: read by type checkers only, never executed.
    annotation_only: bool


def _module_names() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _module_names()


def _imports_of(name: str, path: Path) -> Iterator[Import]:
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    annotation_only = {
        id(inner)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and _is_type_checking(block.test)
        for statement in block.body
        for inner in ast.walk(statement)
    }
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            else:
                base = node.module or ""
            # ``from package import module`` depends on the module, ``from module import name`` on it.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names
            ]
        for target in targets:
            if target != "provgraph" and not target.startswith("provgraph."):
                continue
            module = target
            while module not in MODULES:  # ``from module import name``: the module
                module = module.rpartition(".")[0]
            # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless the importer is
            # inside them already: a package's __init__ is a dependency like any module.
            for depended in (module, *_packages_above(module)):
                if depended != name and not _inside(name, depended):
                    yield Import(name, depended, node.lineno, id(node) in annotation_only)


def _packages_above(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(len(parts) - 1, 0, -1)]


def _inside(module: str, package: str) -> bool:
    return module.startswith(package + ".")


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


IMPORTS = [found for name, path in MODULES.items() for found in _imports_of(name, path)]
RUNTIME_IMPORTS = [found for found in IMPORTS if not found.annotation_only]


def layer_of(module: str) -> str:
    """The layer of ``module``: its longest matching prefix's (the root package matches only itself,
    so that a new top-level module fails ``test_every_module_has_a_layer`` until it is placed)."""
    matches = [
        (len(prefix), layer)
        for layer, prefixes in LAYERS.items()
        for prefix in prefixes
        if module == prefix or (prefix != "provgraph" and module.startswith(prefix + "."))
    ]
    return max(matches)[1] if matches else "none"


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for found in RUNTIME_IMPORTS:
        graph[found.importer].add(found.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root, imported in graph.items():
        if root in index:
            continue
        work = [(root, iter(sorted(imported)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
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
                    components.append(sorted(component))
    return components


def test_the_parser_sees_imports_at_every_level() -> None:
    """Guards the guard: function-level, TYPE_CHECKING and relative imports are all found."""
    assert len(MODULES) > 100
    importers = {found.importer for found in IMPORTS}
    assert "provgraph.orm.nodes.node" in importers
    assert any(found.imported == "provgraph.storage.abstract" for found in IMPORTS)


def test_no_import_cycles() -> None:
    cycles = _cycles()
    details = []
    for component in cycles:
        members = set(component)
        edges = [
            f"    {found.importer} -> {found.imported} (line {found.line})"
            for found in RUNTIME_IMPORTS
            if found.importer in members and found.imported in members
        ]
        details.append(f"cycle of {len(component)} modules:\n" + "\n".join(edges))
    assert not cycles, "\n".join(details)


def test_every_module_imports_on_its_own() -> None:
    """Each module imported first, in a fresh interpreter state, works: no partial-init cycle."""
    script = textwrap.dedent(
        """
        import importlib, sys
        failures = []
        for name in sys.argv[1:]:
            for loaded in [key for key in sys.modules if key == "provgraph" or key.startswith("provgraph.")]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except Exception as exc:
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
        print("\\n".join(failures))
        """
    )
    # Alembic runs env.py inside its migration context; it is a script, not an importable module.
    importable = [name for name in MODULES if name != "provgraph.storage.sql.migrations.env"]
    result = subprocess.run(
        [sys.executable, "-c", script, *importable], capture_output=True, text=True, check=True, timeout=300
    )
    assert not result.stdout.strip(), result.stdout


def test_every_module_has_a_layer() -> None:
    unplaced = [name for name in MODULES if layer_of(name) not in MAY_IMPORT]
    assert not unplaced, f"add these modules to LAYERS (and docs/architecture.md): {unplaced}"


@pytest.mark.parametrize("layer", list(LAYERS))
def test_imports_point_down_the_layers(layer: str) -> None:
    wrong = [
        f"{found.importer}:{found.line} imports {found.imported} ({layer_of(found.imported)})"
        for found in IMPORTS
        if layer_of(found.importer) == layer
        and layer_of(found.imported) != layer
        and layer_of(found.imported) not in MAY_IMPORT[layer]
    ]
    assert not wrong, f"the {layer} layer may import only {sorted(MAY_IMPORT[layer])}:\n" + "\n".join(wrong)


def test_layer_rules_are_consistent() -> None:
    """A layer's allowed imports never lead back up to it (the table itself has no cycle)."""
    for layer, allowed in MAY_IMPORT.items():
        for lower in allowed - {layer}:
            assert layer not in MAY_IMPORT[lower], f"{layer} and {lower} may import each other"
