"""Pareto/NBD (crmlab.clv.ParetoNBD): published CDNOW results, a second implementation, ground truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from crmlab.clv.pareto import ParetoNBD
from crmlab.data import DataError




@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary):
    return ParetoNBD().fit(cdnow_summary)


def simulate_pareto_summary(n, r, alpha, s, beta, rng):
    """Exact Pareto/NBD summaries: λ ~ Gamma(r, α), μ ~ Gamma(s, β), lifetime τ ~ Exp(μ);
    x ~ Poisson(λ·min(τ, T)) and t_x the last of x uniform times on (0, min(τ, T)]."""
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    T = rng.uniform(39, 78, n)
    active = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * active)
    t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1), 0.0)
    return x.astype(float), t_x, T


def test_published_cdnow_estimates(cdnow_model):
    """Published result: Fader, Hardie & Lee (2005, "RFM and CLV") report for CDNOW
    r = 0.553, α = 10.58, s = 0.606, β = 11.67 and LL = −9595.0."""
    est = cdnow_model.params_
    assert round(est["r"], 3) == 0.553 and round(est["s"], 3) == 0.606
    assert round(est["alpha"], 2) == 10.58 and round(est["beta"], 2) == 11.67
    assert cdnow_model.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


def test_likelihood_matches_numerical_integration():
    """Second implementation: the hypergeometric likelihood (both the α ≥ β and α < β branches)
    equals the individual-level likelihood λ^x e^{−(λ+μ)T} + λ^x μ ∫_{t_x}^{T} e^{−(λ+μ)τ} dτ
    integrated over the Gamma mixing distributions with scipy.integrate."""
    rows = np.array([[0, 0.0, 30.0], [2, 10.0, 30.0], [7, 20.0, 39.0]])
    for params in (np.array([1.4, 6.0, 1.5, 3.0]), np.array([1.8, 3.0, 1.3, 9.0])):
        r, alpha, s, beta = params
        ll = ParetoNBD()._log_likelihood_rows(params, {"frequency": rows[:, 0], "recency": rows[:, 1], "T": rows[:, 2]})
        log_norm = r * np.log(alpha) + s * np.log(beta) - special.gammaln(r) - special.gammaln(s)
        for (x, t_x, T), value in zip(rows, ll, strict=True):
            def integrand(mu, lam, x=x, t_x=t_x, T=T):
                k = lam + mu
                individual = lam**x * (np.exp(-k * T) + mu / k * (np.exp(-k * t_x) - np.exp(-k * T)))
                return individual * np.exp(log_norm + (r - 1) * np.log(lam) - alpha * lam + (s - 1) * np.log(mu) - beta * mu)

            numeric, _ = integrate.dblquad(integrand, 0, 40, 0, 40, epsabs=0, epsrel=1e-9)
            assert value == pytest.approx(np.log(numeric), abs=1e-6)


def test_recovers_parameters_of_a_simulated_base():
    """Ground truth: 30,000 exact Pareto/NBD summaries; estimates within 3 SE and 15% of the truth."""
    truth = np.array([0.55, 10.58, 0.61, 11.67])
    x, t_x, T = simulate_pareto_summary(30_000, *truth, np.random.default_rng(42))
    model = ParetoNBD().fit(x, t_x, T)
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - truth) < 3 * se), (est, se)
    assert np.all(np.abs(est / truth - 1) < 0.15), est


def test_predictions_match_monte_carlo():
    """Ground truth: E[X(t)], P(alive) and E[Y(t) | history] agree with simulated customers."""
    truth = np.array([0.8, 8.0, 0.7, 12.0])
    r, alpha, s, beta = truth
    rng = np.random.default_rng(9)
    n = 300_000
    lam, mu = rng.gamma(r, 1 / alpha, n), rng.gamma(s, 1 / beta, n)
    death = rng.exponential(1 / mu)
    T = 39.0
    cal_active = np.minimum(death, T)
    x = rng.poisson(lam * cal_active)
    t_x = np.where(x > 0, cal_active * rng.beta(np.maximum(x, 1), 1), 0.0)
    holdout = rng.poisson(lam * np.clip(death - T, 0, 39.0))
    model = ParetoNBD()
    model.params_ = __import__("pandas").Series(truth, index=list(model.param_names))
    assert x.mean() == pytest.approx(model.expected_transactions(T), rel=0.01)
    T_arr = np.full(n, T)
    assert model.probability_alive(x, t_x, T_arr).mean() == pytest.approx((death > T).mean(), rel=0.01)
    predicted = model.conditional_expected_transactions(39.0, x, t_x, T_arr)
    assert predicted.mean() == pytest.approx(holdout.mean(), rel=0.02)
    for k in (0, 2):
        assert predicted[x == k].mean() == pytest.approx(holdout[x == k].mean(), rel=0.06)


def test_probability_of_purchases_is_a_distribution(cdnow_model):
    """Closed form: Σ_n P(X(t)=n) = 1 and its mean is E[X(t)] (SMC 1987), for both parameter branches."""
    t = np.array([5.0, 39.0, 78.0])
    for params in (cdnow_model.params_, cdnow_model.params_.rename(None) * [1, 1, 1, 0.5]):
        model = ParetoNBD()
        model.params_ = params
        probs = np.array([model.probability_of_purchases(t, k) for k in range(300)])
        np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-7)
        np.testing.assert_allclose((np.arange(300)[:, None] * probs).sum(axis=0), model.expected_transactions(t), rtol=1e-5)


def test_frequent_customers_keep_a_finite_likelihood(cdnow_model):
    """Numerical stability: x = 500 with an old last purchase, and t_x = T."""
    x, t_x, T = np.array([500.0, 3.0, 0.0]), np.array([2.0, 39.0, 0.0]), np.array([300.0, 39.0, 39.0])
    ll = cdnow_model._log_likelihood_rows(cdnow_model.params_.to_numpy(), {"frequency": x, "recency": t_x, "T": T})
    assert np.all(np.isfinite(ll))
    alive = cdnow_model.probability_alive(x, t_x, T)
    assert alive[0] < 1e-10 and alive[1] == pytest.approx(1.0) and 0 < alive[2] < 1


def test_bad_input_names_rows():
    with pytest.raises(DataError, match="row 1, column 'recency': recency is after T"):
        ParetoNBD().fit([0, 2], [0.0, 5.0], [3.0, 4.0])
