"""Fixtures shared by the test modules."""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special
from statsmodels.tools.numdiff import approx_hess3

from crmlab.customers import transaction_summary
from crmlab.data import CDNOW_CONVENTIONS, load_cdnow
from crmlab.reports import RunResult, load_config, run_reports

REPORTS_CONFIG = Path(__file__).resolve().parents[1] / "reports.toml"

#: Small parameters per notebook, so the suite stays quick (each must be a parameter of that notebook).
SMALL = {
    "01_customer_base.ipynb": {"n_customers": 300},
    "02_customer_value.ipynb": {"n_customers": 300},
    "03_relationship_lifecycle.ipynb": {"n_customers": 300},
    "04_imp_networks.ipynb": {"actors_per_community": 8},
    "05_nordic_triplet.ipynb": {"n_customers": 300},
    "06_trust_commitment.ipynb": {"n_respondents": 250, "n_boot": 200},
    "07_value_and_loyalty.ipynb": {"n_customers": 600, "n_units": 150, "n_boot": 200, "n_simulations": 200, "n_stakeholders": 20},
    "08_referrals_and_guanxi.ipynb": {"n_customers": 600, "n_people": 50, "n_ledger_periods": 12},
    "09_portfolio_and_kam.ipynb": {"n_accounts": 80, "n_draws": 100, "n_key": 10},
    "12_satisfaction_and_loyalty.ipynb": {"n_respondents": 200, "n_boot": 100, "n_permutations": 100},
    # the audit's companions on the small settings of the dedicated reports above, so that the pages still agree
    "10_relationship_audit.ipynb": {"n_customers": 300, "n_respondents": 250, "actors_per_community": 8,
                                    "n_accounts": 80, "n_draws": 100, "n_key": 10},
    "11_relationship_quality_and_value.ipynb": {"n_customers": 1000, "n_draws": 30},
}


def _execute_reports(reports: Path) -> list[RunResult]:
    """Every configured run on the small parameters, all into the one folder ``reports``."""
    runs = load_config(REPORTS_CONFIG).runs
    results = []
    for notebook, overrides in SMALL.items():
        names = [run.name for run in runs if run.notebook.name == notebook]
        if names:
            results += run_reports(
                REPORTS_CONFIG, only=names, output_dir=reports, overrides=overrides, jobs=2, progress=False
            )
    return results


@pytest.fixture(scope="session")
def executed(tmp_path_factory) -> tuple[Path, list[RunResult]]:
    """Every configured report executed on the small parameters: ``(folder, results)``, the reports
    (index and one folder per run) in ``folder / "reports"``.

    The notebooks run once per test session: under pytest-xdist, the first worker to need them
    executes them while holding a file lock, and the other workers read its results, so the
    notebook, page and browser tests share one execution."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    try:
        import fcntl
    except ImportError:  # no file locks (Windows): each worker runs its own
        worker = None
    if worker is None:
        base = tmp_path_factory.mktemp("executed")
        return base, _execute_reports(base / "reports")
    base = tmp_path_factory.getbasetemp().parent / "executed"
    with open(base.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / "results.json"
        if not done.is_file():
            base.mkdir(exist_ok=True)
            results = _execute_reports(base / "reports")
            done.write_text(json.dumps([{**vars(r), "output": str(r.output)} for r in results]))
    results = [RunResult(**{**r, "output": Path(r["output"])}) for r in json.loads(done.read_text())]
    return base, results


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    """The CDNOW calibration/holdout summary of the papers (Fader, Hardie & Lee 2005): 2,357
    customers, one transaction per day, weeks, 39-week calibration ending 1997-09-30."""
    return transaction_summary(load_cdnow(), **CDNOW_CONVENTIONS)


def _over_histories(model, T: float, f, x_max: int = 150) -> float:
    """E[f(x, t_x, T)] over the histories of a new customer observed for T, by integration:
    P(x = 0) is the likelihood of (0, 0, T), and for x ≥ 1 the density of (x, t_x) is the
    likelihood (the density of the x purchase times) times t_x^(x−1)/(x−1)!, the volume of
    the earlier purchase times (scipy.integrate.quad_vec over t_x, vectorised over x)."""
    params = model.params_.to_numpy()
    xs = np.arange(1, x_max + 1, dtype=float)

    def at(u):
        data = {"frequency": xs, "recency": np.full_like(xs, u), "T": np.full_like(xs, T)}
        density = np.exp(model._log_likelihood_rows(params, data) + (xs - 1) * np.log(u) - special.gammaln(xs))
        return density * f(xs, np.full_like(xs, u), np.full_like(xs, T))

    repeaters, _ = integrate.quad_vec(at, 0.0, T, epsabs=0, epsrel=1e-11)
    zero = {"frequency": np.zeros(1), "recency": np.zeros(1), "T": np.full(1, T)}
    return float(np.exp(model._log_likelihood_rows(params, zero))[0] * f(*zero.values())[0] + repeaters.sum())


@pytest.fixture(scope="session")
def over_histories():
    """The integral over all histories of a new customer (exact checks of BTYD predictions)."""
    return _over_histories


def _numerical_standard_errors(model) -> np.ndarray:
    """Second implementation of a fitted model's SEs: the inverse of statsmodels' approx_hess3 of
    −ℓ (likelihood values only, relative steps), independent of the fit's gradient differences."""
    params, data, w = model.params_.to_numpy(), model._data, model._weights

    def nll(u):
        return -(w @ model._log_likelihood_rows(params * (1 + u), data))

    hessian = approx_hess3(np.zeros(len(params)), nll, epsilon=1e-4) / np.outer(params, params)
    return np.sqrt(np.diag(np.linalg.inv(hessian)))


@pytest.fixture(scope="session")
def numerical_standard_errors():
    """Standard errors from a numerical Hessian of the log-likelihood values."""
    return _numerical_standard_errors


@pytest.fixture(scope="session")
def large_csv_lines() -> list[str]:
    """A large, well-formed CSV as lines: the header and 200,000 purchases of 20,000 customers, for the
    tests that put one bad row deep in a file (test_engines.py, test_spark.py)."""
    i = np.arange(200_000)
    ids = np.char.add("C", (i % 20_000).astype(str))
    days = np.char.zfill((1 + i % 28).astype(str), 2)
    lines = np.char.add(np.char.add(np.char.add(ids, ",2021-01-"), days), ",12.5")
    return ["customer_id,date,amount", *lines.tolist()]


#: Fixtures that execute notebooks through the report pipeline: every test that uses one is ``slow``.
NOTEBOOK_FIXTURES = {"executed", "pages"}


def pytest_collection_modifyitems(config, items):
    """Mark as ``slow`` the tests that need executed notebooks, so that ``-m "not slow"`` runs none."""
    for item in items:
        if NOTEBOOK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the test session (local[2], 4 shuffle partitions, no UI, UTC).

    Its Python workers (which run pandas UDFs) use this interpreter and import this crmlab: the
    environment the Spark JVM inherits at start-up says so."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    import crmlab

    source = str(Path(crmlab.__file__).resolve().parents[1])
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYSPARK_PYTHON", sys.executable)
        env.setenv("PYTHONPATH", os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            session = (
                SparkSession.builder.master("local[2]")
                .appName("crmlab-tests")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "2")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.memory", "1g")
                .getOrCreate()
            )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
