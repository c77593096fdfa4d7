"""Fixtures shared by the test modules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special
from statsmodels.tools.numdiff import approx_hess3

from crmlab.customers import transaction_summary
from crmlab.data import CDNOW_CONVENTIONS, load_cdnow


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
