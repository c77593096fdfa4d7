"""No notebook chooses its own data: the synthetic-or-file switch lives in crmlab.data's loaders.

Checked by reading the notebooks' code (their syntax trees), independently of
running them: a data-source parameter (a string parameter whose default is a
source name such as ``"synthetic"`` or ``"cdnow"``, or whose comment says it
is a path, folder, file, CSV or Parquet) must never be the test of an ``if``,
of a conditional expression or of a comprehension's filter, directly or
through a variable assigned from it.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOURCE_NAMES = {"synthetic", "cdnow", "cdnow_full"}
#: Notebooks that run on a synthetic world only, with no data source to choose.
SYNTHETIC_ONLY = {"07_value_and_loyalty.ipynb", "11_relationship_quality_and_value.ipynb"}
SOURCE_WORDS = re.compile(r"\b(path|folder|file|csv|parquet)\b", re.IGNORECASE)


def _code_cells(notebook: Path) -> list[tuple[list[str], str]]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [(c.get("metadata", {}).get("tags", []), "".join(c["source"])) for c in cells if c["cell_type"] == "code"]


def source_parameters(parameters_cell: str) -> set[str]:
    """The data-source parameters of a notebook's parameters cell (see the module docstring).

    >>> sorted(source_parameters('source = "synthetic"  # or a path\\nseed = 42  # synthetic world\\n'
    ...                          'ties = ""  # with a file source: the ties\\nfreq = "M"  # period'))
    ['source', 'ties']
    """
    comments = {tok.start[0]: tok.string for tok in tokenize.generate_tokens(io.StringIO(parameters_cell).readline)
                if tok.type == tokenize.COMMENT}
    found = set()
    for node in ast.parse(parameters_cell).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            if node.value.value in SOURCE_NAMES or SOURCE_WORDS.search(comments.get(node.lineno, "")):
                found.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return found


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def data_switches(code: str, sources: set[str]) -> list[str]:
    """The conditions in ``code`` that test a data source (or a variable assigned from one without a call).

    >>> data_switches('x = load(source)\\nsynthetic = source == "synthetic"\\nif synthetic:\\n    pass', {"source"})
    ['synthetic']
    >>> data_switches('tx, world = load(source)\\nif world is not None:\\n    pass', {"source"})
    []
    """
    tree = ast.parse(code)
    tainted = set(sources)
    for node in ast.walk(tree):  # a variable computed from a source, not through a call, carries the choice
        if isinstance(node, ast.Assign) and not isinstance(node.value, ast.Call) and _names(node.value) & tainted:
            tainted |= {n for t in node.targets for n in _names(t)}
    tests = [n.test for n in ast.walk(tree) if isinstance(n, (ast.If, ast.IfExp, ast.While))]
    tests += [cond for n in ast.walk(tree) if isinstance(n, ast.comprehension) for cond in n.ifs]
    return [ast.unparse(t) for t in tests if _names(t) & tainted]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_switches_on_its_data_source(notebook):
    cells = _code_cells(notebook)
    parameters = next(code for tags, code in cells if "parameters" in tags)
    sources = source_parameters(parameters)
    assert bool(sources) != (notebook.name in SYNTHETIC_ONLY), f"{notebook.name}: data-source parameters {sources}"
    code = "\n".join(code for tags, code in cells if "parameters" not in tags)
    assert data_switches(code, sources) == [], f"{notebook.name} chooses its data itself; use a crmlab.data load_*"


def test_the_scan_sees_the_switch_it_forbids():
    """Hand-written: the old notebook 05 pattern is caught, the loader call is not."""
    old = ('if source == "synthetic":\n    world = simulate(n)\n    raw = world.log\nelse:\n    raw = source\n'
           'log = read_interactions(raw)\n')
    assert data_switches(old, {"source"}) == ["source == 'synthetic'"]
    assert data_switches("log, world = load_interactions(source, n_customers=n)\n", {"source"}) == []
