"""MBG/NBD (crmlab.clv.ModifiedBetaGeo): a second implementation, integration and ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, special

from crmlab.clv.beta_geo import BetaGeo
from crmlab.clv.modified_beta_geo import ModifiedBetaGeo

#: lifetimes 0.11.3 ModifiedBetaGeoFitter on the same CDNOW calibration summary (run once in its own
#: environment: ModifiedBetaGeoFitter().fit(frequency, recency, T).params_).
LIFETIMES_CDNOW = {"r": 0.524843, "alpha": 6.183082, "a": 0.891360, "b": 1.614003}




def simulate_mbg(n, r, alpha, a, b, T, rng, horizon=0.0):
    """MBG/NBD customers: dropout possible after the first purchase and after each repeat one.

    Purchases while alive form a Poisson process, so the counts in (0, T] and (T, T + horizon]
    are independent Poisson(λT), Poisson(λ·horizon); the customer makes K − 1 repeat purchases
    at most (K ~ Geometric(p): dropout after purchase number K − 1, 0 being the first), and the
    last calibration purchase is the x-th of N uniform arrival times, T · Beta(x, N − x + 1).
    Returns calibration (x, t_x), repeat purchases in the holdout, and alive-at-T."""
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    limit = rng.geometric(p) - 1
    n_cal, n_hold = rng.poisson(lam * T), rng.poisson(lam * horizon)
    x = np.minimum(n_cal, limit)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(n_cal - x + 1, 1)), 0.0)
    holdout = np.clip(np.minimum(n_cal + n_hold, limit) - n_cal, 0, None)
    return x.astype(float), t_x, holdout, limit > n_cal


def test_matches_lifetimes_on_cdnow(cdnow_summary):
    """Second implementation: lifetimes' ModifiedBetaGeoFitter estimates to 4 significant digits;
    crmlab's log-likelihood at its own estimate is at least that at lifetimes' estimate."""
    model = ModifiedBetaGeo().fit(cdnow_summary)
    for name, value in LIFETIMES_CDNOW.items():
        assert model.params_[name] == pytest.approx(value, rel=5e-4), name
    theirs = np.array(list(LIFETIMES_CDNOW.values()))
    ll_theirs = model._weights @ model._log_likelihood_rows(theirs, model._data)
    assert model.log_likelihood_ >= ll_theirs - 1e-6
    # the extra dropout opportunity barely changes the fit on CDNOW (BG/NBD: −9582.43)
    assert model.log_likelihood_ == pytest.approx(-9582.14, abs=0.01)


def test_likelihood_matches_numerical_integration():
    """Second implementation: the closed form equals ∫∫ [(1−p)^{x+1} λ^x e^{−λT} + p(1−p)^x λ^x e^{−λ t_x}]
    dGamma(λ; r, α) dBeta(p; a, b), by scipy.integrate."""
    params = np.array([1.5, 3.0, 1.4, 2.5])
    r, alpha, a, b = params
    rows = np.array([[0, 0.0, 20.0], [2, 8.0, 30.0], [6, 25.0, 39.0]])
    ll = ModifiedBetaGeo()._log_likelihood_rows(params, {"frequency": rows[:, 0], "recency": rows[:, 1], "T": rows[:, 2]})
    log_norm = r * np.log(alpha) - special.gammaln(r) - special.betaln(a, b)
    for (x, t_x, T), value in zip(rows, ll, strict=True):
        def integrand(p, lam, x=x, t_x=t_x, T=T):
            individual = (1 - p) ** (x + 1) * np.exp(-lam * T) + p * (1 - p) ** x * np.exp(-lam * t_x)
            return individual * lam ** (x + r - 1) * np.exp(-alpha * lam + log_norm) * p ** (a - 1) * (1 - p) ** (b - 1)

        numeric, _ = integrate.dblquad(integrand, 0, 40, 0, 1, epsabs=0, epsrel=1e-8)
        assert value == pytest.approx(np.log(numeric), abs=1e-6)


def test_gradient_matches_finite_differences(cdnow_summary):
    model = ModifiedBetaGeo()
    data = model._prepare({k: cdnow_summary[k].to_numpy(float) for k in ("frequency", "recency", "T")})
    params = np.array([0.4, 5.0, 1.1, 2.0])
    _, grad = model._log_likelihood_gradient_rows(params, data)
    numeric = optimize.approx_fprime(params, lambda p: model._log_likelihood_rows(p, data).sum(), 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4)


def test_predictions_match_monte_carlo():
    """Ground truth: simulated MBG/NBD customers; E[X(T)], P(alive) (also below 1 for x = 0,
    unlike the BG/NBD) and E[Y(t) | history] agree with what they do."""
    truth = dict(r=0.6, alpha=5.0, a=0.9, b=2.0)
    rng = np.random.default_rng(21)
    n, T = 200_000, 39.0
    x, t_x, holdout, alive = simulate_mbg(n, *truth.values(), T, rng, horizon=39.0)
    model = ModifiedBetaGeo()
    model.params_ = pd.Series(truth)
    assert x.mean() == pytest.approx(model.expected_transactions(T), rel=0.01)
    T_arr = np.full(n, T)
    p_alive = model.probability_alive(x, t_x, T_arr)
    assert p_alive.mean() == pytest.approx(alive.mean(), rel=0.01)
    assert p_alive[x == 0].mean() == pytest.approx(alive[x == 0].mean(), rel=0.01) and p_alive[x == 0].max() < 1
    predicted = model.conditional_expected_transactions(39.0, x, t_x, T_arr)
    assert predicted.mean() == pytest.approx(holdout.mean(), rel=0.02)
    assert predicted[x == 1].mean() == pytest.approx(holdout[x == 1].mean(), rel=0.05)


def test_recovers_parameters_of_a_simulated_base():
    """Ground truth: 60,000 simulated customers observed 26, 52 or 104 weeks; within 3 SE and 10%."""
    truth = np.array([0.6, 5.0, 0.9, 2.0])
    rng = np.random.default_rng(5)
    parts = [simulate_mbg(20_000, *truth, T, rng)[:2] + (np.full(20_000, T),) for T in (26.0, 52.0, 104.0)]
    x, t_x, T = (np.concatenate(c) for c in zip(*parts, strict=True))
    model = ModifiedBetaGeo().fit(x, t_x, T)
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - truth) < 3 * se), (est, se)
    assert np.all(np.abs(est / truth - 1) < 0.10), est


def test_probability_of_purchases_is_a_distribution():
    """Closed form: Σ_n P(X(t)=n) = 1 and Σ_n n·P(X(t)=n) = E[X(t)]."""
    model = ModifiedBetaGeo()
    model.params_ = pd.Series(LIFETIMES_CDNOW)
    t = np.array([10.0, 39.0])
    probs = np.array([model.probability_of_purchases(t, k) for k in range(400)])
    np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-8)
    np.testing.assert_allclose((np.arange(400)[:, None] * probs).sum(axis=0), model.expected_transactions(t), rtol=1e-6)


def test_one_time_buyers_are_less_surely_alive_than_under_bgnbd(cdnow_summary):
    """The point of the model: under the BG/NBD a customer without repeat purchases is alive
    with probability 1; under the MBG/NBD less."""
    bg, mbg = BetaGeo().fit(cdnow_summary), ModifiedBetaGeo().fit(cdnow_summary)
    zero = cdnow_summary[cdnow_summary["frequency"] == 0]
    assert (bg.probability_alive(zero) == 1).all()
    assert (mbg.probability_alive(zero) < 1).all()
