"""Importing crmlab stays cheap: the heavy libraries load when a function first needs them, not at import.

Checked in a fresh interpreter (a subprocess), by which modules are in ``sys.modules`` after an import:
deterministic, unlike a timing (the times are measured by ``benchmarks/imports.py``). The reference is
the list of heavy libraries below, each of which takes from a tenth of a second (networkx, Polars) to
well over a second (statsmodels, scikit-learn, semopy) to import.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import crmlab

ROOT = Path(crmlab.__file__).parent

#: Libraries that no crmlab package may load when it is imported.
HEAVY = (
    "hmmlearn",
    "matplotlib",
    "networkx",
    "numba",
    "pandera",
    "polars",
    "pyspark",
    "scipy.integrate",
    "scipy.optimize",
    "scipy.stats",
    "seaborn",
    "semopy",
    "sklearn",
    "statsmodels",
)

#: What resolving every public name of a package (``from package import *``, what the package loaded
#: at import before its re-exports became lazy) may load, beyond numpy, pandas and scipy.special.
NEEDED_BY_ITS_MODULES = {
    # the metrics compute in Polars; the pandas reader's pandera schema is built on first use
    "crmlab.customers": {"polars"},
    # ... and TRANSACTIONS_SCHEMA, one of the data layer's public names, is that schema (pandera
    # imports pyspark.pandas when PySpark is installed)
    "crmlab.data": {"polars", "pandera", "pyspark"},
    # the loyalty analyses check a transaction log with the data layer's reader
    "crmlab.strategy": {"polars"},
    # the network schools build networkx graphs in most of their functions
    "crmlab.theories.imp": {"networkx"},
    "crmlab.theories.guanxi": {"networkx"},
}


def _schools() -> list[str]:
    """Every school under crmlab/theories (a subpackage or a module), so that a new one is checked too."""
    found = [p.name for p in (ROOT / "theories").iterdir() if (p / "__init__.py").exists()]
    found += [p.stem for p in (ROOT / "theories").glob("*.py") if p.name != "__init__.py"]
    return sorted(f"crmlab.theories.{name}" for name in found)


TARGETS = ["crmlab", "crmlab.clv", "crmlab.customers", "crmlab.data", "crmlab.display", "crmlab.stats", "crmlab.strategy",
           "crmlab.theories", *_schools()]


def _heavy_loaded_by(*steps: str) -> list[list[str]]:
    """The HEAVY libraries (or any of their submodules) in ``sys.modules`` after each step of code, run one
    after the other in one fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT.parent), os.environ.get("PYTHONPATH", "")])}
    probe = "import json, sys\n" + "".join(f"{step}\nprint(json.dumps(sorted(sys.modules)))\n" for step in steps)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    return [sorted({h for h in HEAVY for m in json.loads(line) if m == h or m.startswith(h + ".")}) for line in lines]


def test_the_schools_are_found():
    """The list of targets follows the folders: the eight schools of the package map (satisfaction, the survey
    side of the Anglo-Australian school, beside stakeholders)."""
    assert len(_schools()) == 8 and "crmlab.theories.stakeholders" in _schools()


@pytest.mark.parametrize("target", TARGETS)
def test_importing_a_package_loads_no_heavy_library(target):
    """``import crmlab.<package>`` in a fresh interpreter loads none of the HEAVY libraries; then resolving
    every name of its ``__all__`` (all the package's modules, what the package loaded at import before its
    re-exports became lazy) loads only the heavy libraries that those modules use at their top
    (NEEDED_BY_ITS_MODULES), not the ones used inside functions."""
    resolve_all = "for name in getattr(sys.modules[%r], '__all__', []): getattr(sys.modules[%r], name)" % (target, target)
    after_import, after_all_names = _heavy_loaded_by(f"import {target}", resolve_all)
    assert after_import == []
    assert after_all_names == sorted(NEEDED_BY_ITS_MODULES.get(target, set()))


@pytest.mark.parametrize(
    "code",
    [
        "from crmlab.data import DataError, Problem",  # every error path raises these
        "from crmlab.data.errors import DataError",
        "from crmlab.clv import BetaGeo, ParetoNBD, ModifiedBetaGeo, GammaGamma",
        "from crmlab.stats import ParametricModel, PathModel, cronbach_alpha",
    ],
)
def test_the_errors_and_the_models_load_without_the_data_layer_or_the_optimisers(code):
    """The data errors and the CLV models load without pandera, Polars, statsmodels or scipy.stats
    (Pareto/NBD's scipy.integrate, and the scipy.optimize it imports, aside)."""
    [loaded] = _heavy_loaded_by(code)
    assert set(loaded) <= {"scipy.integrate", "scipy.optimize"}


def _lazy_packages() -> list[str]:
    return sorted(
        ".".join(p.parent.relative_to(ROOT.parent).parts)
        for p in ROOT.rglob("__init__.py")
        if re.search(r"^\S.* = lazy_exports\(__name__, __file__\)$", p.read_text(encoding="utf-8"), flags=re.M)
    )


def test_the_lazy_packages_are_found():
    assert {"crmlab.clv", "crmlab.customers", "crmlab.data", "crmlab.theories.imp"} <= set(_lazy_packages())


@pytest.mark.parametrize("package", _lazy_packages())
def test_a_lazy_package_gives_the_objects_its_imports_name(package):
    """Second implementation: running the package's ``if TYPE_CHECKING:`` imports eagerly binds the
    very objects that the lazy package gives for the same names; ``__all__`` and ``dir()`` list them,
    and ``from package import *`` binds every name of ``__all__``."""
    import ast
    import importlib

    module = importlib.import_module(package)
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    [block] = [n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"]
    eager: dict = {}
    exec(compile(ast.Module(body=block.body, type_ignores=[]), module.__file__, "exec"), eager)
    names = [n for n in eager if n != "__builtins__"]
    assert names and all(getattr(module, n) is eager[n] for n in names)
    assert set(module.__all__) <= set(dir(module))
    star: dict = {}
    exec(f"from {package} import *", star)
    assert set(module.__all__) <= set(star)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018


def test_pandera_loads_with_the_first_pandas_check_not_with_a_metric(tmp_path):
    """The first customer metric on a Parquet file, a Polars frame or a typed pandas frame loads neither
    pandera nor PySpark (its checks run in Polars); the pandas reader loads pandera when it first checks a
    frame, and the schema it builds is the data layer's public ``TRANSACTIONS_SCHEMA``, built once."""
    path = tmp_path / "tx.parquet"
    frame = "pd.DataFrame({'customer_id': [1, 1, 2], 'date': pd.to_datetime(['2021-01-01', '2021-01-09', '2021-01-05']), 'amount': [1.0, 2.0, 3.0]})"
    summary = "transaction_summary({}, observation_end='2021-01-31')"
    steps = [
        f"import pandas as pd, polars as pl\nfrom crmlab.customers import transaction_summary\n{frame}.to_parquet({str(path)!r})",
        summary.format(repr(str(path))),
        summary.format(f"pl.from_pandas({frame})"),
        summary.format(frame),
        f"from crmlab.data import validate_transactions\nvalidate_transactions({frame}.astype({{'amount': str}}))",
        "import crmlab.data, crmlab.data.schema as s\nassert crmlab.data.TRANSACTIONS_SCHEMA is s.TRANSACTIONS_SCHEMA is s.transactions_schema()",
    ]
    loaded = _heavy_loaded_by(*steps)
    assert all(set(step) == {"polars"} for step in loaded[:4]), loaded
    assert {"pandera", "polars"} <= set(loaded[4])


def test_pareto_nbd_loads_scipy_integrate_at_its_first_integral():
    """Importing the Pareto/NBD model loads no scipy.integrate (nor the scipy.optimize it imports); its
    module's ``integrate`` is SciPy's, loaded when first read."""
    loaded = _heavy_loaded_by(
        "from crmlab.clv.pareto_nbd import ParetoNBD, integrate",
        "import scipy.integrate\nassert integrate.quad is scipy.integrate.quad",
    )
    assert loaded[0] == [] and {"scipy.integrate", "scipy.optimize"} <= set(loaded[1])
