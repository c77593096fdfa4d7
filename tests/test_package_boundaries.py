"""Arrows between the parts of crmlab run one way: schools do not import each other, models do not
import figures, and the shared methods (crmlab.stats) import no area. Imports are read with ``ast``
from the source, so an import inside a function (a lazy import) counts like one at the top."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import crmlab

ROOT = Path(crmlab.__file__).parent
THEORIES = ROOT / "theories"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, source: str | None = None) -> list[str]:
    """Every crmlab module a file imports (absolute names; ``from crmlab.x import y`` gives crmlab.x.y too)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = []
    text = path.read_text() if source is None else source
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append(module)
            found += [f"{module}.{a.name}" for a in node.names]
    return [m for m in found if m == "crmlab" or m.startswith("crmlab.")]


def _files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _school(path: Path) -> str:
    return path.relative_to(THEORIES).parts[0].removesuffix(".py")


def test_the_import_reader_sees_lazy_and_relative_imports():
    """Hand-made source: a top-level, a lazy (inside a function) and a relative import are all read."""
    source = "import crmlab.data\n\ndef f():\n    from crmlab import plots\n    from .scores import INDICATORS\n"
    names = set(_imports(THEORIES / "nordic" / "validity.py", source))
    assert {"crmlab.data", "crmlab.plots", "crmlab.theories.nordic.scores"} <= names


def test_no_school_imports_another_school():
    """Structure: a module under crmlab/theories/<school> imports only its own school (shared methods
    live in crmlab.stats, shared table rules in crmlab.data)."""
    schools = {_school(p) for p in _files(THEORIES) if p.parent != THEORIES or p.name != "__init__.py"}
    offending = []
    for path in _files(THEORIES):
        if path.parent == THEORIES and path.name == "__init__.py":
            continue  # the package map of the theories names every school
        own = _school(path)
        for module in _imports(path):
            parts = module.split(".")
            if parts[:2] == ["crmlab", "theories"] and len(parts) > 2 and parts[2] in schools and parts[2] != own:
                offending.append((str(path.relative_to(ROOT)), module))
    assert offending == []


def test_no_school_imports_a_private_module_or_name_of_another_package():
    """Structure: a school uses other packages through their public modules and names only."""
    offending = []
    for path in _files(THEORIES):
        own = f"crmlab.theories.{_school(path)}"
        for module in _imports(path):
            if module == own or module.startswith(own + "."):
                continue
            if any(part.startswith("_") for part in module.split(".")[1:]):
                offending.append((str(path.relative_to(ROOT)), module))
    assert offending == []


@pytest.mark.parametrize("package", ["clv", "theories", "stats"])
def test_models_never_import_figures(package):
    """Structure (the design's "models never import figures"): crmlab.clv, crmlab.theories and
    crmlab.stats import nothing from crmlab.plots, not even lazily inside a method."""
    offending = [(str(p.relative_to(ROOT)), m) for p in _files(ROOT / package) for m in _imports(p)
                 if m == "crmlab.plots" or m.startswith("crmlab.plots.")]
    assert offending == []


def test_shared_methods_import_no_area():
    """Structure: crmlab.stats sits below every area, so it imports no other part of crmlab."""
    offending = [(str(p.relative_to(ROOT)), m) for p in _files(ROOT / "stats") for m in _imports(p)
                 if not m.startswith("crmlab.stats")]
    assert offending == []


def test_clv_modules_import_each_other_without_cycles():
    """Structure: the import graph of crmlab.clv has no cycle (btyd no longer reaches back into validation)."""
    import networkx as nx

    graph = nx.DiGraph()
    for path in _files(ROOT / "clv"):
        name = _module_name(path)
        graph.add_node(name)
        for module in _imports(path):
            if module.startswith("crmlab.clv.") and module != name:
                target = module if (ROOT.parent / (module.replace(".", "/") + ".py")).exists() else module.rpartition(".")[0]
                if target.startswith("crmlab.clv.") and target != name:
                    graph.add_edge(name, target)
    cycles = [c for c in nx.simple_cycles(graph) if "crmlab.clv" not in c]
    assert cycles == []


def test_the_theories_package_map_names_every_school():
    """Structure: the docstring of crmlab.theories lists each school's module."""
    import crmlab.theories

    schools = sorted({_school(p) for p in _files(THEORIES)} - {"__init__"})
    assert len(schools) == 8  # satisfaction: the survey side of the Anglo-Australian school
    missing = [s for s in schools if f":mod:`crmlab.theories.{s}`" not in crmlab.theories.__doc__]
    assert missing == []


#: The layers of crmlab, lowest first: a module imports only from its own area or a lower layer, so the
#: arrows of the package map run one way (areas on one line never import each other).
LAYERS = [
    {"stats", "datalog"},
    {"data"},
    {"customers"},
    {"clv"},
    {"theories", "strategy"},
    {"datasets"},
    {"audit"},
    {"display"},
    {"plots"},
    {"reports"},
    {"cli"},
]


def test_imports_run_down_the_layers():
    """Structure: every import of a crmlab module goes to its own area or a lower layer (no upward arrow,
    hence no cycle between areas), lazy imports included."""
    layer = {area: k for k, areas in enumerate(LAYERS) for area in areas}
    upward = []
    for path in _files(ROOT):
        area = path.relative_to(ROOT).parts[0].removesuffix(".py")
        if area == "__init__":
            continue
        assert area in layer, f"{area} has no layer: add it to LAYERS"
        for module in _imports(path):
            target = module.split(".")[1] if module.count(".") else None
            if target in layer and target != area and layer[target] >= layer[area]:
                upward.append((str(path.relative_to(ROOT)), module))
    assert upward == []


def test_the_readme_package_map_matches_the_folders():
    """Docs: the README's package map names every package and module of crmlab, and nothing else."""
    readme = (ROOT.parent / "README.md").read_text()
    block = readme.split("## Package map", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"^  ([a-z_]+)(?:/|\.py)", block, flags=re.M))
    present = {p.name.removesuffix(".py") for p in ROOT.iterdir()
               if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.name != "__init__.py")}
    assert named == present
    assert present == set().union(*LAYERS)
