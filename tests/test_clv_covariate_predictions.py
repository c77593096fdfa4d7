"""Intervals and predictions of BG/NBD, MBG/NBD and Pareto/NBD fitted with covariates: each customer's own parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from crmlab.clv.covariates import simulate_summary_with_covariates
from crmlab.clv.uncertainty import ParameterDraws, parameter_draws

KINDS = {
    "bg_nbd": (BetaGeo, {"r": 0.8, "alpha": 4.0, "a": 0.8, "b": 2.5}, {"purchase: z": 0.5, "dropout a: d": 0.4}),
    "mbg_nbd": (ModifiedBetaGeo, {"r": 0.8, "alpha": 4.0, "a": 0.8, "b": 2.5}, {"purchase: z": 0.5, "dropout b: d": -0.4}),
    "pareto_nbd": (ParetoNBD, {"r": 0.8, "alpha": 4.0, "s": 0.7, "beta": 12.0}, {"purchase: z": 0.5, "dropout: d": 0.4}),
}


def _world(kind: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame({"z": rng.normal(size=n), "d": rng.binomial(1, 0.4, n).astype(float)})
    _, base, effects = KINDS[kind]
    return simulate_summary_with_covariates(kind, customers, base, effects, T=40.0, rng=seed + 1)


def _fitted(kind: str, n: int = 1500, seed: int = 5):
    summary = _world(kind, n, seed)
    model = KINDS[kind][0]().fit(summary, purchase_covariates=["z"], dropout_covariates=["d"])
    return model, summary


def _own_parameters(model, values: np.ndarray, z: float, d: float) -> np.ndarray:
    """By hand: p_i = p·exp(sign·γ·covariate) for the linked parameters (signs of crmlab.clv.covariates)."""
    named = dict(zip(model.param_names, values.T, strict=True))
    own = [named[k] for k in type(model).param_names]
    own[1] = own[1] * np.exp(-named["purchase: z"] * z)
    if isinstance(model, ParetoNBD):
        own[3] = own[3] * np.exp(-named["dropout: d"] * d)
    else:
        own[2] = own[2] * np.exp(named["dropout a: d"] * d)
        own[3] = own[3] * np.exp(named["dropout b: d"] * d)
    return np.array(own).T


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("what", ["expected_transactions", "probability_alive"])
def test_each_customers_interval_is_the_plain_models_at_that_customers_own_parameters(kind, what):
    """Second implementation: for a customer, the plain model (fit-free, parameters set by hand to the customer's
    own α_i, a_i, b_i or β_i, and each draw's likewise) gives the same estimate and interval."""
    model, summary = _fitted(kind)
    draws = parameter_draws(model, n_draws=30, rng=2)
    frame = model.predict(summary, 6.0, what=what, draws=draws)
    for i in (0, 11, 250):
        row = summary.iloc[[i]]
        z, d = float(row["z"].iloc[0]), float(row["d"].iloc[0])
        plain = type(model)()
        plain.params_ = pd.Series(_own_parameters(model, model.params_.to_numpy()[None, :], z, d)[0],
                                  index=list(type(model).param_names))
        own = ParameterDraws(_own_parameters(model, draws.values, z, d), tuple(type(model).param_names), "hessian",
                             plain.params_.to_numpy(), type(model).__name__)
        expected = plain.predict(row[["frequency", "recency", "T"]], 6.0, what=what, draws=own)
        np.testing.assert_allclose(frame.iloc[[i]].to_numpy(), expected.to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("kind", list(KINDS))
def test_hessian_draws_take_the_coefficients_on_their_own_scale(kind):
    """Closed form: the draws' mean and covariance approach (θ̂, Σ) with θ = (log of the positive parameters,
    the coefficients as they are); coefficients may be negative, positive parameters stay positive."""
    model, _ = _fitted(kind)
    draws = parameter_draws(model, n_draws=20000, rng=3)
    est = model.params_.to_numpy()
    theta = np.r_[np.log(draws.values[:, :4].T), draws.values[:, 4:].T].T
    centre = np.r_[np.log(est[:4]), est[4:]]
    unit = np.r_[est[:4], np.ones(len(est) - 4)]
    assert np.all(np.abs(theta.mean(axis=0) - centre) <= 4 * np.sqrt(np.diag(np.cov(theta.T)) / 20000))
    sigma = model.variance_matrix_.to_numpy() / np.outer(unit, unit)
    sd = np.sqrt(np.diag(sigma))
    np.testing.assert_allclose(theta.std(axis=0, ddof=1), sd, rtol=0.03)
    np.testing.assert_allclose(np.corrcoef(theta.T), sigma / np.outer(sd, sd), atol=0.03)  # MC sd of r: 0.007


@pytest.mark.parametrize("kind", list(KINDS))
def test_with_every_coefficient_zero_the_intervals_are_the_plain_models(kind):
    """Nesting: with the coefficients set to 0 and fixed draws, every interval (the simulated counts too, same
    seed) equals the plain model's at the same base parameters; with Hessian draws the estimates coincide."""
    model, summary = _fitted(kind, n=600)
    model.params_[4:] = 0.0
    plain = type(model)()
    plain.params_ = model.params_.iloc[:4].copy()
    rft = summary[["frequency", "recency", "T"]]
    for what in ("expected_transactions", "probability_alive", "count"):
        ours = model.predict(summary.assign(z=0.0, d=0.0), 6.0, what=what, method="fixed", n_draws=40, rng=7)
        theirs = plain.predict(rft, 6.0, what=what, method="fixed", n_draws=40, rng=7)
        np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-10)
    ours = model.predict(summary, 6.0, n_draws=20, rng=1)
    np.testing.assert_allclose(ours["estimate"], plain.conditional_expected_transactions(6.0, rft), rtol=1e-10)


def test_the_count_interval_covers_simulated_futures_at_about_the_nominal_rate():
    """Ground truth: a Pareto/NBD world with covariate effects simulated here path by path (λ_i ~ Gamma(r, α_i),
    μ_i ~ Gamma(s, β_i), purchases on (0, min(τ, T + t)]); the 80% count interval for (T, T + t] fitted on (0, T]
    holds each customer's own future at about the nominal rate (intervals of counts are conservative)."""
    rng = np.random.default_rng(11)
    n, T, t = 3000, 30.0, 20.0
    z, d = rng.normal(size=n), rng.binomial(1, 0.5, n).astype(float)
    lam = rng.gamma(0.8, 1.0 / (4.0 * np.exp(-0.5 * z)))
    mu = rng.gamma(0.7, 1.0 / (12.0 * np.exp(-0.6 * d)))
    end = np.minimum(rng.exponential(1.0 / mu), T + t)
    total = rng.poisson(lam * end)
    times = [np.sort(rng.uniform(0, e, k)) for e, k in zip(end, total, strict=True)]
    x = np.array([np.sum(ts <= T) for ts in times], dtype=float)
    recency = np.array([ts[ts <= T].max() if np.any(ts <= T) else 0.0 for ts in times])
    future = np.array([np.sum(ts > T) for ts in times])
    summary = pd.DataFrame({"frequency": x, "recency": recency, "T": T, "z": z, "d": d})
    model = ParetoNBD().fit(summary, purchase_covariates=["z"], dropout_covariates=["d"])
    frame = model.predict(summary, t, what="count", interval=0.8, n_draws=100, rng=3)
    # each tail holds at most (1 − c)/2 of the futures (at most: a count interval's ends are counts themselves)
    assert np.mean(future < frame["lower"]) <= 0.10 + 0.02
    assert np.mean(future > frame["upper"]) <= 0.10 + 0.02
    assert np.mean(future > frame["upper"]) >= 0.03  # not a vacuous interval
    assert frame["estimate"].sum() == pytest.approx(future.sum(), rel=0.1)


def test_bootstrap_draws_of_a_covariate_fit_are_refused_rather_than_drop_the_coefficients():
    model, summary = _fitted("bg_nbd", n=300)
    with pytest.raises(NotImplementedError, match="fitted with covariates"):
        model.predict(summary, 4.0, method="bootstrap", n_draws=5, rng=1)


CALLS = {
    "future P(alive)": lambda m, s: np.asarray(m.probability_alive_at(4.0, s), dtype=float),
    "by period": lambda m, s: m.expected_transactions_by_period(s, horizon=3, period_length=2.0)
    .drop(columns="customer").to_numpy(dtype=float),
    "CLV by period": lambda m, s: m.customer_lifetime_value_by_period(
        s, monetary_value=s["m"].to_numpy(), discount_rate=0.01, horizon=3).drop(columns="customer").to_numpy(dtype=float),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_each_customers_prediction_is_the_plain_models_at_that_customers_own_parameters(kind, call):
    """Second implementation: customer by customer, the plain model with its parameters set by hand to the
    customer's own α_i, a_i, b_i or β_i gives the same values (and the customers keep their labels)."""
    model, summary = _fitted(kind, n=600)
    few = summary.iloc[[0, 3, 40, 77]].assign(m=[10.0, 20.0, 5.0, 8.0])
    ours = CALLS[call](model, few)
    rows = []
    for i in range(len(few)):
        row = few.iloc[[i]]
        plain = type(model)()
        own = _own_parameters(model, model.params_.to_numpy()[None, :], float(row["z"].iloc[0]), float(row["d"].iloc[0]))
        plain.params_ = pd.Series(own[0], index=list(type(model).param_names))
        rows.append(CALLS[call](plain, row))
    np.testing.assert_allclose(ours, np.concatenate(rows), rtol=1e-9)

