"""BG/NBD (crmlab.clv.BetaGeo): published CDNOW results, a second implementation, ground truth."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, special

from crmlab.clv.beta_geo import BetaGeo
from crmlab.stats import ConvergenceWarning, NotFittedError
from crmlab.data import DataError

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005), table 1




@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary) -> BetaGeo:
    return BetaGeo().fit(cdnow_summary)


def simulate_bgnbd_summary(n: int, r: float, alpha: float, a: float, b: float, rng: np.random.Generator):
    """Exact BG/NBD summaries (x, t_x, T), drawn from the model's generative process.

    λ ~ Gamma(r, rate α), p ~ Beta(a, b); N ~ Poisson(λT) purchase opportunities in
    (0, T]; the customer drops out after the K-th repeat purchase, K ~ Geometric(p);
    x = min(N, K), and t_x, the x-th of N uniform arrival times on (0, T], is
    T · Beta(x, N − x + 1).
    """
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(39, 78, n)
    N = rng.poisson(lam * T)
    K = rng.geometric(p)
    x = np.minimum(N, K)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(N - x + 1, 1)), 0.0)
    return x.astype(float), t_x, T


def test_published_cdnow_estimates(cdnow_model):
    """Published result: FHL (2005) CDNOW estimates to every digit published (3 decimals) and LL = −9582.4."""
    for name, value in PUBLISHED.items():
        assert round(cdnow_model.params_[name], 3) == pytest.approx(value, abs=1e-9), name
    assert cdnow_model.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert cdnow_model.convergence_.success


def test_standard_errors_against_profile_likelihood(cdnow_model):
    """Second implementation of the SEs: the curvature of the profile log-likelihood in r.

    For one parameter, −d²ℓ_profile/dr² at the optimum is 1 / Var(r̂) from the inverse
    Hessian; computed here by refitting with r fixed at r̂ ± h.
    """
    r_hat = cdnow_model.params_["r"]
    data = cdnow_model._data
    w = cdnow_model._weights

    def profile(r: float) -> float:
        def nll(theta):
            p = np.concatenate([[r], np.exp(theta)])
            return -(w @ cdnow_model._log_likelihood_rows(p, data))

        res = optimize.minimize(nll, np.log(cdnow_model.params_.to_numpy()[1:]), method="Nelder-Mead",
                                options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000})
        return -res.fun

    h = 0.004
    curvature = -(profile(r_hat + h) - 2 * profile(r_hat) + profile(r_hat - h)) / h**2
    assert 1 / np.sqrt(curvature) == pytest.approx(cdnow_model.standard_errors_["r"], rel=0.03)


@pytest.mark.slow
def test_likelihood_matches_numerical_integration():
    """Second implementation: the closed-form likelihood equals the individual-level BG/NBD
    likelihood (1−p)^x λ^x e^{−λT} + δ_{x>0} p (1−p)^{x−1} λ^x e^{−λ t_x} integrated over
    λ ~ Gamma(r, α) and p ~ Beta(a, b) with scipy.integrate."""
    params = np.array([1.6, 3.0, 1.3, 2.2])
    r, alpha, a, b = params
    rows = np.array([[0, 0, 30.0], [1, 5.0, 30.0], [4, 20.5, 39.0], [9, 38.0, 39.0]])
    model = BetaGeo()
    ll = model._log_likelihood_rows(params, {"frequency": rows[:, 0], "recency": rows[:, 1], "T": rows[:, 2]})
    log_norm = r * np.log(alpha) - special.gammaln(r) - special.betaln(a, b)
    for (x, t_x, T), value in zip(rows, ll, strict=True):
        def integrand(p, lam, x=x, t_x=t_x, T=T):
            individual = (1 - p) ** x * np.exp(-lam * T)
            if x > 0:
                individual += p * (1 - p) ** (x - 1) * np.exp(-lam * t_x)
            # λ^x times the Gamma(r, α) and Beta(a, b) densities
            return individual * lam ** (x + r - 1) * np.exp(-alpha * lam + log_norm) * p ** (a - 1) * (1 - p) ** (b - 1)

        numeric, _ = integrate.dblquad(integrand, 0, 40, 0, 1, epsabs=0, epsrel=1e-8)
        assert value == pytest.approx(np.log(numeric), abs=1e-6)


def test_gradient_matches_finite_differences(cdnow_summary):
    """Second implementation of the gradient: central finite differences of the log-likelihood."""
    model = BetaGeo()
    data = model._prepare({k: cdnow_summary[k].to_numpy(float) for k in ("frequency", "recency", "T")})
    for params in (np.array([0.3, 5.0, 0.9, 2.0]), np.array([1.5, 0.8, 3.0, 0.7])):
        _, grad = model._log_likelihood_gradient_rows(params, data)
        numeric = optimize.approx_fprime(params, lambda p: model._log_likelihood_rows(p, data).sum(), 1e-7)
        np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4)


def test_recovers_parameters_of_a_simulated_base():
    """Ground truth: 50,000 exact BG/NBD summaries with the CDNOW parameters; each estimate
    within 3 standard errors and 10% of the truth."""
    truth = np.array([PUBLISHED[k] for k in ("r", "alpha", "a", "b")])
    x, t_x, T = simulate_bgnbd_summary(50_000, *truth, np.random.default_rng(20240601))
    model = BetaGeo().fit(x, t_x, T)
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - truth) < 3 * se), (est, se)
    assert np.all(np.abs(est / truth - 1) < 0.10)


def test_predictions_match_monte_carlo():
    """Ground truth: on a simulated base, E[X(t)] and the conditional expectation of holdout
    purchases agree with what the simulated customers do."""
    truth = dict(r=0.5, alpha=6.0, a=0.8, b=2.5)
    rng = np.random.default_rng(11)
    n = 200_000
    lam = rng.gamma(truth["r"], 1 / truth["alpha"], n)
    p = rng.beta(truth["a"], truth["b"], n)
    # purchases while alive are a Poisson process: independent counts in (0, 39] and (39, 78];
    # the customer drops out after the K-th repeat purchase, K ~ Geometric(p)
    drop_after = rng.geometric(p)
    n_cal, n_hold = rng.poisson(lam * 39.0), rng.poisson(lam * 39.0)
    x = np.minimum(n_cal, drop_after).astype(float)
    t_x = np.where(x > 0, 39.0 * rng.beta(np.maximum(x, 1), np.maximum(n_cal - x + 1, 1)), 0.0)
    holdout = np.clip(np.minimum(n_cal + n_hold, drop_after) - n_cal, 0, None)
    model = BetaGeo()
    model.params_ = pd.Series(truth)
    def close(sample, value):  # within 4 standard errors of the simulated mean
        return abs(np.mean(sample) - np.mean(value)) < 4 * np.std(sample) / np.sqrt(len(sample))

    assert close(x, model.expected_transactions(39.0))
    predicted = model.conditional_expected_transactions(39.0, x, t_x, np.full(n, 39.0))
    assert close(holdout, predicted)
    for k in (0, 1, 3):
        assert close(holdout[x == k], predicted[x == k]), k
    alive = drop_after > n_cal  # still alive at 39 (dropout only after a repeat purchase)
    p_alive = model.probability_alive(x, t_x, np.full(n, 39.0))
    assert close(alive, p_alive)


def test_probability_of_purchases_is_a_distribution(cdnow_model):
    """Closed form: Σ_n P(X(t)=n) = 1 and Σ_n n·P(X(t)=n) = E[X(t)]."""
    t = np.array([5.0, 39.0, 78.0])
    probs = np.array([cdnow_model.probability_of_purchases(t, n) for n in range(400)])
    np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-8)
    np.testing.assert_allclose((np.arange(400)[:, None] * probs).sum(axis=0), cdnow_model.expected_transactions(t), rtol=1e-6)


def test_extreme_histories_do_not_overflow(cdnow_model):
    """Numerical stability: a very frequent buyer whose last purchase is long ago has a finite
    likelihood and P(alive) ≈ 0, not NaN (the overflow case of the direct formula)."""
    x, t_x, T = np.array([400.0, 0.0]), np.array([1.0, 0.0]), np.array([300.0, 300.0])
    ll = cdnow_model._log_likelihood_rows(cdnow_model.params_.to_numpy(), {"frequency": x, "recency": t_x, "T": T})
    assert np.all(np.isfinite(ll))
    p_alive = cdnow_model.probability_alive(x, t_x, T)
    assert p_alive[0] == pytest.approx(0.0, abs=1e-12) and p_alive[1] == 1.0


def test_weights_equal_repeated_rows():
    """Closed form: a weighted fit equals the fit on the rows repeated (the likelihood is a sum)."""
    x, t_x, T = simulate_bgnbd_summary(600, 0.5, 4.0, 1.0, 3.0, np.random.default_rng(3))
    counts = np.random.default_rng(4).integers(1, 4, len(x))
    weighted = BetaGeo().fit(x, t_x, T, weights=counts)
    repeated = BetaGeo().fit(np.repeat(x, counts), np.repeat(t_x, counts), np.repeat(T, counts))
    np.testing.assert_allclose(weighted.params_, repeated.params_, rtol=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_)
    assert weighted.n_customers_ == counts.sum()


def test_summary_table_and_information_criteria(cdnow_model):
    """Definitions: AIC = 2k − 2ℓ, BIC = k ln n − 2ℓ; Wald intervals ±1.96 SE."""
    table = cdnow_model.summary
    assert table.columns.tolist() == ["coef", "se(coef)", "lower 95%", "upper 95%"]
    np.testing.assert_allclose(table["upper 95%"] - table["coef"], 1.959964 * table["se(coef)"], rtol=1e-5)
    assert cdnow_model.AIC_ == pytest.approx(8 + 2 * 9582.43, abs=0.1)
    assert cdnow_model.BIC_ == pytest.approx(4 * np.log(2357) + 2 * 9582.43, abs=0.1)


def test_print_summary(cdnow_model, capsys):
    cdnow_model.print_summary()
    out = capsys.readouterr().out
    assert "BetaGeo" in out and "alpha" in out and "2,357" in out


def test_customer_lifetime_value_telescopes(cdnow_model, cdnow_summary):
    """Closed form: without discounting and with spend 1 the CLV sum telescopes to
    E[Y(H·Δ) | x, t_x, T]; discounting lowers it."""
    head = cdnow_summary.head(50)
    undiscounted = cdnow_model.customer_lifetime_value(head, monetary_value=1.0, discount_rate=0.0, horizon=12, period_length=52 / 12)
    expected = cdnow_model.conditional_expected_transactions(52.0, head)
    np.testing.assert_allclose(undiscounted, expected, rtol=1e-10)
    assert isinstance(undiscounted, pd.Series) and undiscounted.index.equals(head.index)
    discounted = cdnow_model.customer_lifetime_value(head, monetary_value=2.0, discount_rate=0.01, horizon=12, period_length=52 / 12)
    assert np.all(discounted <= 2 * undiscounted + 1e-12)


def test_tracking_curve_of_one_customer_is_expected_transactions(cdnow_model):
    """Definition: one customer acquired at 0 has a tracking curve E[X(t)]."""
    curve = cdnow_model.expected_cumulative_transactions([0.0], [10.0, 20.0])
    np.testing.assert_allclose(curve["expected"], cdnow_model.expected_transactions(np.array([10.0, 20.0])))


def test_bad_summaries_name_the_rows():
    """Bad input: every broken row is named, with its column and value."""
    frame = pd.DataFrame(
        {"frequency": [1, 0, -1, 2, 1.5], "recency": [5.0, 2.0, 0.0, 9.0, 1.0], "T": [10.0, 10.0, 10.0, 8.0, 10.0]},
        index=pd.Index(["A", "B", "C", "D", "E"], name="customer_id"),
    )
    with pytest.raises(DataError) as info:
        BetaGeo().fit(frame)
    text = str(info.value)
    assert "row B, column 'recency': recency must be 0 when frequency is 0" in text
    assert "row C, column 'frequency': negative value" in text
    assert "row D, column 'recency': recency is after T" in text
    assert "row E, column 'frequency': frequency is not a whole number" in text
    assert "row A" not in text
    with pytest.raises(DataError, match="missing or infinite"):
        BetaGeo().fit([1.0, np.nan], [1.0, 0.0], [2.0, 2.0])
    with pytest.raises(DataError, match="missing column"):
        BetaGeo().fit(frame.drop(columns="T"))
    with pytest.raises(ValueError, match="unknown initial parameters"):
        BetaGeo().fit(frame.loc[["A"]], initial_params={"s": 1.0})
    with pytest.raises(NotFittedError):
        BetaGeo().expected_transactions(1.0)


@pytest.mark.filterwarnings("ignore:.*Hessian:crmlab.stats.maximum_likelihood.ConvergenceWarning")
def test_non_convergence_warns_and_keeps_finite_estimates(monkeypatch):
    """Honest failure: an optimiser that stops early gives a ConvergenceWarning with its message."""
    real = optimize.minimize

    def stopped(*args, **kwargs):
        result = real(*args, **{**kwargs, "options": {"maxiter": 1}})
        result.success = False
        return result

    monkeypatch.setattr(optimize, "minimize", stopped)  # the scipy.optimize that the fit imports
    x, t_x, T = simulate_bgnbd_summary(500, 0.5, 4.0, 1.0, 3.0, np.random.default_rng(5))
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = BetaGeo().fit(x, t_x, T)
    assert np.all(np.isfinite(model.params_))


def test_fit_is_silent_when_it_converges(cdnow_summary):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BetaGeo().fit(cdnow_summary)
