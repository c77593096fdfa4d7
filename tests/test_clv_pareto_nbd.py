"""Pareto/NBD (crmlab.clv.pareto_nbd.ParetoNBD): published CDNOW results, second implementations
by numerical integration, and ground truth from a simulated customer base."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

from crmlab.clv.pareto_nbd import ParetoNBD, _hyp_and_log_derivatives, _hyp_differences, _log_phi
from crmlab.data import DataError

#: Fader, Hardie & Lee (2005, "RFM and CLV: using iso-value curves", JMR): Pareto/NBD on CDNOW.
PUBLISHED = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
#: Parameter sets for the second implementations: α > β, α < β, α = β, and a frequent-buyer world.
PARAMS = [
    np.array([1.4, 6.0, 1.5, 3.0]),
    np.array([1.8, 3.0, 1.3, 9.0]),
    np.array([0.9, 4.0, 0.7, 4.0]),
    np.array([3.0, 1.5, 0.5, 40.0]),
]


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary) -> ParetoNBD:
    return ParetoNBD().fit(cdnow_summary)


def with_params(params) -> ParetoNBD:
    model = ParetoNBD()
    model.params_ = pd.Series(np.asarray(params, dtype=float), index=list(ParetoNBD.param_names))
    return model


def simulate_pareto_nbd(
    n: int, r: float, alpha: float, s: float, beta: float, rng: np.random.Generator, horizon: float = 0.0
):
    """Exact Pareto/NBD customers in summary form (weeks).

    λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β), lifetime ω ~ Exp(μ); T is a whole number of days
    between 30 and 80 weeks. Purchases while alive are a Poisson process, so x ~ Poisson(λ·min(ω, T))
    and, given x, the purchase times are x uniform points on (0, min(ω, T)]: t_x = min(ω, T)·Beta(x, 1).
    The holdout count in (T, T + horizon] is Poisson(λ·(time alive in it)), independent of the
    calibration counts. Returns x, t_x, T, the holdout counts and whether alive at T.
    """
    lam, mu = rng.gamma(r, 1 / alpha, n), rng.gamma(s, 1 / beta, n)
    T = rng.integers(30 * 7, 80 * 7, n, endpoint=True) / 7
    lifetime = rng.exponential(1 / mu)
    active = np.minimum(lifetime, T)
    x = rng.poisson(lam * active)
    t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1), 0.0)
    holdout = rng.poisson(lam * np.clip(lifetime - T, 0, horizon))
    return x.astype(float), t_x, T, holdout, lifetime > T


def individual_likelihood_integral(params, x, t_x, T) -> float:
    """ln ∫∫ [λ^x e^{−(λ+μ)T} + λ^x μ/(λ+μ) (e^{−(λ+μ)t_x} − e^{−(λ+μ)T})] dGamma(λ; r, α) dGamma(μ; s, β)
    by scipy.integrate.dblquad: the individual-level likelihood (alive at T, or died in
    (t_x, T]) mixed over the two Gamma distributions."""
    r, alpha, s, beta = params
    lam_hi = special.gammaincinv(r + x, 1 - 1e-16) / alpha  # beyond: negligible mass of λ^x g(λ)
    mu_hi = special.gammaincinv(s + 1, 1 - 1e-16) / beta
    log_norm = r * math.log(alpha) + s * math.log(beta) - math.lgamma(r) - math.lgamma(s)

    def integrand(mu, lam):
        if lam <= 0 or mu <= 0:
            return 0.0
        k = lam + mu
        individual = math.exp(-k * T) + mu * math.exp(-k * t_x) * -math.expm1(-k * (T - t_x)) / k
        log_mixing = log_norm + (x + r - 1) * math.log(lam) - alpha * lam + (s - 1) * math.log(mu) - beta * mu
        return individual * math.exp(log_mixing)

    value, _ = integrate.dblquad(integrand, 0, lam_hi, 0, mu_hi, epsabs=0, epsrel=1e-9)
    return math.log(value)


# ----- published results ------------------------------------------------------------------------


def test_published_cdnow_estimates(cdnow_model):
    """Published result: Fader, Hardie & Lee (2005, JMR) report r = 0.553, α = 10.58, s = 0.606,
    β = 11.67 and LL = −9595.0 for the CDNOW calibration period; equal to every digit published."""
    for name, value in PUBLISHED.items():
        decimals = len(str(value).split(".")[1])
        assert round(cdnow_model.params_[name], decimals) == pytest.approx(value, abs=1e-12), name
    assert cdnow_model.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)
    assert cdnow_model.convergence_.success
    assert np.all(np.isfinite(cdnow_model.standard_errors_)) and np.all(cdnow_model.standard_errors_ > 0)


def test_standard_errors_match_a_numerical_hessian_of_the_likelihood(cdnow_model, numerical_standard_errors):
    """Second implementation of the SEs: the inverse of statsmodels' approx_hess3 of −ℓ (values
    only, relative steps) gives the same standard errors as the fit (differences of the gradient)."""
    np.testing.assert_allclose(cdnow_model.standard_errors_, numerical_standard_errors(cdnow_model), rtol=1e-3)


def test_fit_is_silent_when_it_converges(cdnow_summary):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ParetoNBD().fit(cdnow_summary)


# ----- second implementations: numerical integration --------------------------------------------


@pytest.mark.slow
def test_likelihood_matches_integration_of_the_individual_likelihood():
    """Second implementation: the closed form (both hypergeometric branches, α > β, α < β and
    α = β) equals the individual-level likelihood integrated over Gamma(r, α) × Gamma(s, β)
    with scipy.integrate.dblquad."""
    rows = np.array([[0, 0.0, 30.0], [2, 10.0, 30.0], [7, 20.0, 39.0]])
    for params, which in zip(PARAMS[:3], ([0, 2], [1, 2], [0, 1]), strict=True):
        data = {"frequency": rows[which, 0], "recency": rows[which, 1], "T": rows[which, 2]}
        ll = ParetoNBD()._log_likelihood_rows(params, data)
        for (x, t_x, T), value in zip(rows[which], ll, strict=True):
            assert value == pytest.approx(individual_likelihood_integral(params, x, t_x, T), abs=1e-7), (params, x)


def test_phi_matches_quadrature_for_extreme_histories():
    """Second implementation and numerical stability: ln Φ(y) = ln ∫_y^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ
    by scipy.integrate.quad, for frequent buyers (x up to 1,500) and rate ratios α/β from 1/100 to
    5,000, where the ₂F₁ of the paper over- or underflows and hyp2f1 itself fails (the last case)."""
    for params in ([0.5, 100.0, 0.6, 1.0], [0.5, 1.0, 0.6, 100.0], [2.0, 10.0, 0.3, 11.0], [0.5, 5000.0, 0.6, 1.0]):
        r, alpha, s, beta = params
        for x, y in ((0.0, 0.0), (0.0, 50.0), (40.0, 3.0), (500.0, 1.0), (500.0, 300.0), (1500.0, 0.0)):
            got = _log_phi(np.array(params), np.array([x]), np.array([y]))[0][0]
            # integrate the ratio to the value at y, in the variable u = ln((α+τ)/(α+y)), to stay in range
            log_g_y = -(r + x) * np.log(alpha + y) - (s + 1) * np.log(beta + y)

            def ratio(u, x=x, y=y):
                tau = (alpha + y) * np.exp(u) - alpha
                return np.exp(-(r + x - 1) * u - (s + 1) * (np.log(beta + tau) - np.log(beta + y)))

            with np.errstate(over="ignore"):  # τ overflows to inf far out, where the integrand is 0
                value, _ = integrate.quad(ratio, 0, np.inf, epsabs=0, epsrel=1e-12, limit=500)
            expected = log_g_y + np.log(alpha + y) + np.log(value)
            assert np.isfinite(got) and got == pytest.approx(expected, abs=1e-9), (params, x, y)


def test_hypergeometric_series_matches_scipy():
    """Second implementation: the series for ₂F₁(1, b; c; z) and its log-derivatives equals
    scipy's hyp2f1 with central differences, over the range where the series is used."""
    rng = np.random.default_rng(0)
    b = rng.uniform(0.01, 60, 3000)
    c = b + rng.uniform(0.02, 6, 3000)
    z = rng.uniform(0, 0.25, 3000)
    series, reference = _hyp_and_log_derivatives(b, c, z), _hyp_differences(b, c, z)
    np.testing.assert_allclose(series[0], reference[0], rtol=1e-14)
    for got, want in zip(series[1:], reference[1:], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


def central_differences(model, params, data):
    def total(p):
        return model._log_likelihood_rows(p, data).sum()

    steps = 1e-6 * params
    return np.array([(total(params + e) - total(params - e)) / (2 * e[j]) for j, e in enumerate(np.diag(steps))])


def test_gradient_matches_finite_differences(cdnow_summary):
    """Second implementation of the gradient: central finite differences of the log-likelihood,
    on the CDNOW histories, for α > β, α < β, α ≈ β and a frequent-buyer world (z > 1/4: the
    hyp2f1 path), and for buyers with x = 1,500 where α ≫ β (the numerical-integration path)."""
    model = ParetoNBD()
    data = model._prepare({k: cdnow_summary[k].to_numpy(float) for k in ("frequency", "recency", "T")})
    for params in [*PARAMS, np.array([0.55, 10.58, 0.61, 10.58 * (1 + 1e-9)])]:
        _, grad = model._log_likelihood_gradient_rows(params, data)
        numeric = central_differences(model, params, data)
        np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-6, atol=1e-4 * np.abs(numeric).max())
    rows = {"frequency": np.array([1500.0, 1500.0, 2.0]), "recency": np.array([0.0, 39.0, 5.0]), "T": np.full(3, 39.0)}
    rows = model._prepare(rows)
    params = np.array([0.5, 5000.0, 0.6, 1.0])
    _, grad = model._log_likelihood_gradient_rows(params, rows)
    np.testing.assert_allclose(grad.sum(axis=1), central_differences(model, params, rows), rtol=1e-5)


def test_probability_of_purchases_matches_integration():
    """Second implementation: P(X(t)=n) = NBD(n; r, α/(α+t))·(β/(β+t))^s (alive at t) plus the
    integral over the death time ω < t of NBD(n; r, α/(α+ω))·s β^s/(β+ω)^(s+1), by scipy.integrate.quad."""
    for params in PARAMS[:3]:
        r, alpha, s, beta = params
        model = with_params(params)

        def nbd(n, t):
            return np.exp(special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
                          + r * np.log(alpha / (alpha + t)) + n * np.log(t / (alpha + t))) if t > 0 else float(n == 0)

        for t in (5.0, 39.0):
            for n in (0, 1, 4, 12):
                dead, _ = integrate.quad(lambda w, n=n: nbd(n, w) * s * beta**s / (beta + w) ** (s + 1), 0, t,
                                         epsabs=0, epsrel=1e-12)
                expected = nbd(n, t) * (beta / (beta + t)) ** s + dead
                got = model.probability_of_purchases(t, n)
                assert got == pytest.approx(expected, rel=1e-8, abs=1e-15), (params, t, n)


# ----- closed forms ------------------------------------------------------------------------------


def test_probability_of_purchases_is_a_distribution_with_mean_expected_transactions(cdnow_model):
    """Closed form: Σ_n P(X(t)=n) = 1 and Σ_n n·P(X(t)=n) = E[X(t)] = rβ/(α(s−1))[1 − (β/(β+t))^(s−1)],
    for the CDNOW estimates and both hypergeometric branches (n up to 300: the rest of the mass is
    below 1e-9 at these t)."""
    cases = [(cdnow_model, np.array([5.0, 39.0, 78.0]))] + [(with_params(p), np.array([5.0, 30.0])) for p in PARAMS[:3]]
    for model, t in cases:
        probs = np.array([model.probability_of_purchases(t, n) for n in range(300)])
        assert np.all(probs >= 0)
        np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-8)
        mean = (np.arange(300)[:, None] * probs).sum(axis=0)
        np.testing.assert_allclose(mean, model.expected_transactions(t), rtol=1e-7)
    assert cdnow_model.probability_of_purchases(0.0, 0) == pytest.approx(1.0)
    assert cdnow_model.probability_of_purchases(0.0, 2) == 0.0


def test_probability_of_purchases_for_very_frequent_buyers():
    """Numerical stability: where hyp2f1 fails (n in the hundreds, β ≫ α) the probabilities stay
    finite and still sum to 1 with mean E[X(t)] (the mass beyond n = 600 is negligible here)."""
    model = with_params([3.0, 1.5, 0.5, 40.0])  # E[λ] = 2 purchases a week
    probs = np.array([model.probability_of_purchases(39.0, n) for n in range(0, 600)])
    assert np.all(np.isfinite(probs)) and np.all(probs >= 0)
    assert probs.sum() == pytest.approx(1.0, abs=1e-6)
    assert (np.arange(600) * probs).sum() == pytest.approx(model.expected_transactions(39.0), rel=1e-5)


def test_predictions_average_to_the_unconditional_ones_over_histories(over_histories):
    """Closed form (law of total expectation), for both hypergeometric branches: over the histories
    (x, t_x) a new customer can have by T, the likelihood integrates to 1, E[x] = E[X(T)],
    E[P(alive | history)] = P(alive at T) = (β/(β+T))^s and E[E[Y(t) | history]] = E[X(T+t)] − E[X(T)]."""
    T, t = 39.0, 20.0
    for params in (TRUTH, PARAMS[0]):
        model = with_params(params)
        s, beta = params[2], params[3]
        assert over_histories(model, T, lambda x, t_x, T_: np.ones_like(x)) == pytest.approx(1.0, abs=1e-9)
        assert over_histories(model, T, lambda x, t_x, T_: x) == pytest.approx(model.expected_transactions(T), rel=1e-6)
        alive = over_histories(model, T, lambda x, t_x, T_: np.asarray(model.probability_alive(x, t_x, T_)))
        assert alive == pytest.approx((beta / (beta + T)) ** s, rel=1e-6)
        future = over_histories(
            model, T, lambda x, t_x, T_: np.asarray(model.conditional_expected_transactions(t, x, t_x, T_))
        )
        assert future == pytest.approx(model.expected_transactions(T + t) - model.expected_transactions(T), rel=1e-6)


def test_predictions_for_a_customer_without_history(cdnow_model):
    """Closed forms: a customer just acquired (x = 0, t_x = 0, T → 0) is alive and expected to buy
    E[X(t)]; without purchases P(alive) and the conditional expectation fall as T grows; s = 1 is
    the continuous limit of E[X(t)]."""
    t = np.array([10.0, 52.0])
    fresh = cdnow_model.conditional_expected_transactions(t, 0, 0.0, 1e-9)
    np.testing.assert_allclose(fresh, cdnow_model.expected_transactions(t), rtol=1e-7)
    assert cdnow_model.probability_alive(0, 0.0, 1e-9) == pytest.approx(1.0)
    T = np.array([1.0, 10.0, 39.0, 100.0])
    zeros = np.zeros(4)
    alive = cdnow_model.probability_alive(zeros, zeros, T)
    expected = cdnow_model.conditional_expected_transactions(52.0, zeros, zeros, T)
    assert np.all((alive > 0) & (alive <= 1)) and np.all(np.diff(alive) < 0) and np.all(np.diff(expected) < 0)
    r, alpha, _, beta = cdnow_model.params_
    near = [with_params([r, alpha, s, beta]).expected_transactions(30.0) for s in (1 - 1e-7, 1.0, 1 + 1e-7)]
    assert near[1] == pytest.approx(r * beta / alpha * np.log1p(30 / beta))
    assert near[0] == pytest.approx(near[2], rel=1e-6)


def test_frequent_customers_keep_a_finite_likelihood(cdnow_model):
    """Numerical stability: x = 500 with an old last purchase (P(alive) ≈ 0), the last purchase at T
    (P(alive) = 1) and no purchases, in 300 weeks."""
    x, t_x, T = np.array([500.0, 3.0, 0.0]), np.array([2.0, 39.0, 0.0]), np.array([300.0, 39.0, 300.0])
    ll = cdnow_model._log_likelihood_rows(cdnow_model.params_.to_numpy(), {"frequency": x, "recency": t_x, "T": T})
    assert np.all(np.isfinite(ll))
    alive = cdnow_model.probability_alive(x, t_x, T)
    assert alive[0] < 1e-10 and alive[1] == 1.0 and 0 < alive[2] < 1
    assert np.all(np.isfinite(cdnow_model.conditional_expected_transactions(10.0, x, t_x, T)))


# ----- ground truth: a simulated customer base ---------------------------------------------------


TRUTH = np.array([0.8, 8.0, 0.9, 10.0])


@pytest.fixture(scope="module")
def simulated():
    """30,000 simulated customers with a 39-week holdout, and the model fitted to their calibration data."""
    x, t_x, T, holdout, alive = simulate_pareto_nbd(30_000, *TRUTH, np.random.default_rng(2024), horizon=39.0)
    return x, t_x, T, holdout, alive, ParetoNBD().fit(x, t_x, T)


def test_recovers_parameters_of_a_simulated_base(simulated):
    """Ground truth: every estimate within 3 standard errors of the truth; relative errors within
    10% for r, α, s, whose SEs are 2-3%, and 15% for β, whose SE is about 6% at this size."""
    model = simulated[-1]
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - TRUTH) < 3 * se), (est, se)
    assert np.all(np.abs(est / TRUTH - 1) < [0.10, 0.10, 0.10, 0.15]), est


def test_predictions_match_the_simulated_customers():
    """Ground truth: 200,000 simulated customers with the true parameters; E[X(30)] (their purchases
    in the first 30 weeks), P(alive at T) and E[Y(39) | x, t_x, T] (the holdout purchases) agree
    with what they do, overall and by calibration frequency (within 4 simulation SEs, about 1-2%)."""
    x, t_x, T, holdout, alive = simulate_pareto_nbd(200_000, *TRUTH, np.random.default_rng(7), horizon=39.0)
    model = with_params(TRUTH)
    r, alpha, s, beta = TRUTH
    rng = np.random.default_rng(8)
    lam, lifetime = rng.gamma(r, 1 / alpha, 200_000), rng.exponential(1 / rng.gamma(s, 1 / beta, 200_000))
    first_30 = rng.poisson(lam * np.minimum(lifetime, 30.0))

    def close(sample, value):  # within 4 standard errors of the simulated mean
        return abs(np.mean(sample) - np.mean(value)) < 4 * np.std(sample) / np.sqrt(len(sample))

    assert close(first_30, model.expected_transactions(30.0))
    p_alive = model.probability_alive(x, t_x, T)
    assert np.all((p_alive > 0) & (p_alive <= 1))
    assert close(alive, p_alive)
    predicted = model.conditional_expected_transactions(39.0, x, t_x, T)
    assert close(holdout, predicted)
    for k in (0, 1, 3, 10):
        assert close(holdout[x == k], predicted[x == k]), k


def test_fitted_model_predicts_the_holdout(simulated):
    """Ground truth: fitted on the calibration summaries alone, the model's expected holdout
    purchases are within 3% of the simulated customers' actual total."""
    x, t_x, T, holdout, _, model = simulated
    predicted = model.conditional_expected_transactions(39.0, x, t_x, T)
    assert predicted.sum() == pytest.approx(holdout.sum(), rel=0.03)


# ----- bad input -----------------------------------------------------------------------------------


def test_bad_input_names_rows():
    """Bad input: DataError naming the row and column; prediction inputs are checked the same way."""
    frame = pd.DataFrame(
        {"frequency": [0, 2, 1], "recency": [0.0, 5.0, 2.0], "T": [3.0, 4.0, 6.0]}, index=["A", "B", "C"]
    )
    with pytest.raises(DataError, match="row B, column 'recency': recency is after T"):
        ParetoNBD().fit(frame)
    with pytest.raises(DataError, match="missing or infinite"):
        ParetoNBD().fit([1.0, np.nan], [1.0, 0.0], [2.0, 2.0])
    with pytest.raises(DataError, match="recency must be 0 when frequency is 0"):
        with_params(list(PUBLISHED.values())).probability_alive([0], [1.0], [5.0])
