"""Maximum-likelihood fitting shared by the parametric models (crmlab.stats.ParametricModel).

Checked against closed forms: the exponential and Poisson maximum-likelihood estimates and their
Fisher-information standard errors. The CLV models' own fits are checked against the papers in
tests/test_clv_*.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.stats import ConvergenceWarning, NotFittedError, ParametricModel


class Exponential(ParametricModel):
    """Exponential waiting times with rate λ (log f = log λ − λt)."""

    param_names = ("rate",)

    def _log_likelihood_rows(self, params, data):
        return np.log(params[0]) - params[0] * data["t"]

    def fit(self, t, weights=None):
        t = np.asarray(t, dtype=float)
        return self._fit({"t": t}, np.ones(len(t)) if weights is None else np.asarray(weights, dtype=float))


class Poisson(ParametricModel):
    """Poisson counts with mean μ, with the analytic gradient (d log f / dμ = k/μ − 1)."""

    param_names = ("mean",)

    def _log_likelihood_rows(self, params, data):
        return self._log_likelihood_gradient_rows(params, data)[0]

    def _log_likelihood_gradient_rows(self, params, data):
        mu, k = params[0], data["k"]
        return k * np.log(mu) - mu - data["log_k_factorial"], (k / mu - 1)[None, :]

    def fit(self, k):
        k = np.asarray(k, dtype=float)
        from scipy.special import gammaln

        return self._fit({"k": k, "log_k_factorial": gammaln(k + 1)}, np.ones(len(k)))


def test_exponential_rate_and_standard_error_match_their_closed_form():
    """Closed form: λ̂ = 1/mean(t), SE = λ̂/√n (Fisher information n/λ²), ℓ = n(log λ̂ − 1);
    weights count identical rows, so the weighted fit equals the fit of the expanded data."""
    rng = np.random.default_rng(11)
    t = rng.exponential(scale=2.0, size=500)
    model = Exponential().fit(t)
    rate = 1 / t.mean()
    assert model.params_["rate"] == pytest.approx(rate, rel=1e-6)
    assert model.standard_errors_["rate"] == pytest.approx(rate / np.sqrt(500), rel=1e-3)
    assert model.log_likelihood_ == pytest.approx(500 * (np.log(rate) - 1), rel=1e-9)
    assert model.AIC_ == pytest.approx(2 - 2 * model.log_likelihood_)
    assert model.BIC_ == pytest.approx(np.log(500) - 2 * model.log_likelihood_)
    weighted = Exponential().fit([1.0, 3.0], weights=[3, 1])
    assert weighted.params_["rate"] == pytest.approx(Exponential().fit([1.0, 1.0, 1.0, 3.0]).params_["rate"], rel=1e-6)


def test_poisson_with_analytic_gradient_matches_its_closed_form():
    """Closed form: μ̂ = mean(k), SE = √(μ̂/n), on the gradient path of the optimiser and the Hessian."""
    k = np.random.default_rng(12).poisson(4.0, size=400)
    model = Poisson().fit(k)
    assert model.params_["mean"] == pytest.approx(k.mean(), rel=1e-6)
    assert model.standard_errors_["mean"] == pytest.approx(np.sqrt(k.mean() / 400), rel=1e-4)


def test_the_face_of_a_fitted_model(capsys):
    """Definition of the lifelines face: params_ a named Series, summary a DataFrame with 95% Wald
    intervals (estimate ± 1.96·SE), print_summary() a text block; before fit, NotFittedError."""
    model = Exponential()
    with pytest.raises(NotFittedError, match=r"Exponential is not fitted yet: call fit\(\) first"):
        model.summary
    assert repr(model) == "<Exponential: not fitted>"
    model.fit([1.0, 2.0, 3.0, 2.0])
    assert isinstance(model.params_, pd.Series) and model.params_.name == "estimate" and list(model.params_.index) == ["rate"]
    row = model.summary.loc["rate"]
    assert row["lower 95%"] == pytest.approx(row["coef"] - 1.959964 * row["se(coef)"], rel=1e-6)
    model.print_summary()
    text = capsys.readouterr().out
    assert text.startswith("Exponential: Exponential waiting times with rate λ")
    assert "customers = 4 (distinct rows fitted: 4)" in text and "log-likelihood = " in text and "se(coef)" in text


def test_initial_parameters_are_checked_and_a_flat_hessian_warns():
    with pytest.raises(ValueError, match=r"unknown initial parameters \['scale'\]"):
        Exponential()._fit({"t": np.ones(3)}, np.ones(3), initial_params={"scale": 1.0})
    with pytest.raises(ValueError, match="must be positive"):
        Exponential()._fit({"t": np.ones(3)}, np.ones(3), initial_params={"rate": -1.0})

    class Flat(Exponential):
        def _log_likelihood_rows(self, params, data):
            return np.zeros_like(data["t"])

    with pytest.warns(ConvergenceWarning, match="singular"):
        Flat().fit([1.0, 2.0])
