"""MBG/NBD (crmlab.clv.modified_beta_geo.ModifiedBetaGeo): a second implementation (lifetimes),
numerical integration of the individual likelihood, and ground truth from simulated customers."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

from crmlab.clv.beta_geo import BetaGeo
from crmlab.clv.modified_beta_geo import ModifiedBetaGeo
from crmlab.customers import transaction_summary
from crmlab.data import DataError, simulate_transactions

#: lifetimes 0.11.3, ModifiedBetaGeoFitter().fit(frequency, recency, T) on the same CDNOW calibration
#: summary (run once in a separate environment with lifetimes installed); LL is lifetimes' own
#: _negative_log_likelihood at these estimates (weights 1, no penalizer) times −2,357.
LIFETIMES_CDNOW = {"r": 0.5248429031496226, "alpha": 6.183081764399429, "a": 0.8913595172711481, "b": 1.6140029311980675}
LIFETIMES_CDNOW_LL = -9582.135715553766
TRUTH = {"r": 0.6, "alpha": 5.0, "a": 0.9, "b": 2.0}


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary) -> ModifiedBetaGeo:
    return ModifiedBetaGeo().fit(cdnow_summary)


def with_params(params) -> ModifiedBetaGeo:
    model = ModifiedBetaGeo()
    model.params_ = pd.Series(dict(params), dtype=float)[list(ModifiedBetaGeo.param_names)]
    return model


def simulate_mbg(n: int, r: float, alpha: float, a: float, b: float, T, rng: np.random.Generator, horizon: float = 0.0):
    """Exact MBG/NBD customers in summary form.

    λ ~ Gamma(r, rate α), p ~ Beta(a, b). Dropout opportunities follow the first purchase and each
    repeat one, so the number of repeat purchases a customer makes before dropping out is
    K = Geometric(p) − 1 (K = 0: dropout right after the first purchase). Purchases while alive
    are a Poisson process: N ~ Poisson(λT) potential repeat purchases in (0, T] and, independently,
    N' ~ Poisson(λ·horizon) in the holdout. x = min(N, K); t_x, the x-th of N uniform times on
    (0, T], is T·Beta(x, N − x + 1); holdout purchases min(N + N', K) − x; alive at T iff K > N.
    """
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,))
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    limit = rng.geometric(p) - 1
    n_cal, n_hold = rng.poisson(lam * T), rng.poisson(lam * horizon)
    x = np.minimum(n_cal, limit)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(n_cal - x + 1, 1)), 0.0)
    holdout = np.minimum(n_cal + n_hold, limit) - x
    return x.astype(float), t_x, np.array(T), holdout, limit > n_cal


def close(sample, value, k: float = 4.0) -> bool:
    """Whether the mean of ``value`` is within k standard errors of the simulated mean."""
    return abs(np.mean(sample) - np.mean(value)) < k * np.std(sample) / np.sqrt(len(sample))


# ----- second implementations ------------------------------------------------------------------


def test_matches_lifetimes_on_cdnow(cdnow_model):
    """Second implementation: lifetimes' ModifiedBetaGeoFitter on the same CDNOW summary; estimates
    equal to 4 significant digits, and crmlab's maximum is at least as high (its log-likelihood at
    lifetimes' estimates is lifetimes' own value, so both code the same likelihood)."""
    for name, value in LIFETIMES_CDNOW.items():
        assert cdnow_model.params_[name] == pytest.approx(value, rel=1e-4), name
    theirs = np.array([LIFETIMES_CDNOW[k] for k in ModifiedBetaGeo.param_names])
    ll_at_theirs = cdnow_model._weights @ cdnow_model._log_likelihood_rows(theirs, cdnow_model._data)
    assert ll_at_theirs == pytest.approx(LIFETIMES_CDNOW_LL, abs=1e-6)
    assert cdnow_model.log_likelihood_ >= LIFETIMES_CDNOW_LL - 1e-8
    assert cdnow_model.convergence_.success
    assert np.all(np.isfinite(cdnow_model.standard_errors_)) and np.all(cdnow_model.standard_errors_ > 0)


def test_standard_errors_match_a_numerical_hessian_of_the_likelihood(cdnow_model, numerical_standard_errors):
    """Second implementation of the SEs: the inverse of statsmodels' approx_hess3 of −ℓ (values
    only, relative steps) gives the same standard errors as the fit (differences of the gradient)."""
    np.testing.assert_allclose(cdnow_model.standard_errors_, numerical_standard_errors(cdnow_model), rtol=1e-3)


def test_likelihood_matches_integration_of_the_individual_likelihood():
    """Second implementation: the closed form equals the individual-level likelihood
    (1−p)^(x+1) λ^x e^{−λT} + p (1−p)^x λ^x e^{−λ t_x} integrated over λ ~ Gamma(r, α) and
    p ~ Beta(a, b) with scipy.integrate.dblquad (x = 0 included: dropout right after the first purchase)."""
    params = np.array([1.5, 3.0, 1.4, 2.5])
    r, alpha, a, b = params
    rows = np.array([[0, 0.0, 20.0], [2, 8.0, 30.0], [6, 25.0, 39.0]])
    ll = ModifiedBetaGeo()._log_likelihood_rows(params, {"frequency": rows[:, 0], "recency": rows[:, 1], "T": rows[:, 2]})
    log_norm = r * math.log(alpha) - math.lgamma(r) - special.betaln(a, b)
    for (x, t_x, T), value in zip(rows, ll, strict=True):
        lam_hi = special.gammaincinv(r + x, 1 - 1e-16) / alpha

        def integrand(p, lam, x=x, t_x=t_x, T=T):
            if lam <= 0 or p <= 0 or p >= 1:
                return 0.0
            individual = (1 - p) ** (x + 1) * math.exp(-lam * T) + p * (1 - p) ** x * math.exp(-lam * t_x)
            mixing = math.exp(log_norm + (x + r - 1) * math.log(lam) - alpha * lam) * p ** (a - 1) * (1 - p) ** (b - 1)
            return individual * mixing

        numeric, _ = integrate.dblquad(integrand, 0, lam_hi, 0, 1, epsabs=0, epsrel=1e-9)
        assert value == pytest.approx(math.log(numeric), abs=1e-7), x


def test_gradient_matches_finite_differences(cdnow_summary):
    """Second implementation of the gradient: central finite differences of the log-likelihood."""
    model = ModifiedBetaGeo()
    data = model._prepare({k: cdnow_summary[k].to_numpy(float) for k in ("frequency", "recency", "T")})
    for params in (np.array([0.4, 5.0, 1.1, 2.0]), np.array([1.5, 0.8, 3.0, 0.7])):
        _, grad = model._log_likelihood_gradient_rows(params, data)
        steps = 1e-6 * params
        total = [model._log_likelihood_rows(params + e, data).sum() - model._log_likelihood_rows(params - e, data).sum()
                 for e in np.diag(steps)]
        np.testing.assert_allclose(grad.sum(axis=1), np.array(total) / (2 * steps), rtol=1e-6)


# ----- closed forms --------------------------------------------------------------------------------


def test_probability_of_purchases_is_a_distribution_with_mean_expected_transactions(cdnow_model):
    """Closed form: Σ_n P(X(t)=n) = 1 and Σ_n n·P(X(t)=n) = E[X(t)] = b/(a−1)[1 − (α/(α+t))^r
    ₂F₁(r, b+1; a+b; t/(α+t))] (two derivations that share only the model; n up to 200, the rest
    of the mass is below 1e-9 at these t); P(X(0)=0) = 1."""
    t = np.array([5.0, 39.0])
    for model in (cdnow_model, with_params(TRUTH), with_params({"r": 2.0, "alpha": 3.0, "a": 3.0, "b": 0.8})):
        probs = np.array([model.probability_of_purchases(t, n) for n in range(200)])
        assert np.all(probs >= 0)
        np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-8)
        np.testing.assert_allclose((np.arange(200)[:, None] * probs).sum(axis=0), model.expected_transactions(t), rtol=1e-6)
    assert cdnow_model.probability_of_purchases(0.0, 0) == pytest.approx(1.0)


def test_conditional_expectation_of_a_new_customer_is_the_unconditional_one(cdnow_model):
    """Closed form: for a customer just acquired (x = 0, t_x = 0, T → 0), who is alive only if he
    survived the first purchase, E[Y(t) | 0, 0, 0] = E[X(t)] and P(alive) = E[1 − p] = b/(a+b)."""
    t = np.array([10.0, 52.0])
    fresh = cdnow_model.conditional_expected_transactions(t, 0, 0.0, 1e-12)
    np.testing.assert_allclose(fresh, cdnow_model.expected_transactions(t), rtol=1e-8)
    _, _, a, b = cdnow_model.params_
    assert cdnow_model.probability_alive(0, 0.0, 1e-12) == pytest.approx(b / (a + b))


def test_predictions_average_to_the_unconditional_ones_over_histories(over_histories):
    """Closed form (law of total expectation): over the histories (x, t_x) a new customer can have
    by T, the likelihood integrates to 1, E[x] = E[X(T)], E[P(alive | history)] = P(alive at T) =
    E_p[(1−p) (α/(α+pT))^r] (by quadrature over Beta(a, b)) and E[E[Y(t) | history]] =
    E[X(T+t)] − E[X(T)]. (The BG/NBD's posterior Beta(a, b+x) in place of Beta(a, b+x+1) would be
    1.5% off here.)"""
    T, t = 39.0, 20.0
    model = with_params(TRUTH)
    r, alpha, a, b = TRUTH.values()
    assert over_histories(model, T, lambda x, t_x, T_: np.ones_like(x)) == pytest.approx(1.0, abs=1e-9)
    assert over_histories(model, T, lambda x, t_x, T_: x) == pytest.approx(model.expected_transactions(T), rel=1e-6)
    alive = over_histories(model, T, lambda x, t_x, T_: np.asarray(model.probability_alive(x, t_x, T_)))
    survive, _ = integrate.quad(lambda p: (1 - p) * (alpha / (alpha + p * T)) ** r * special.beta(a, b) ** -1
                                * p ** (a - 1) * (1 - p) ** (b - 1), 0, 1, epsabs=0, epsrel=1e-12)
    assert alive == pytest.approx(survive, rel=1e-6)
    future = over_histories(model, T, lambda x, t_x, T_: np.asarray(model.conditional_expected_transactions(t, x, t_x, T_)))
    assert future == pytest.approx(model.expected_transactions(T + t) - model.expected_transactions(T), rel=1e-6)


# ----- ground truth: simulated customers -----------------------------------------------------------


def test_predictions_match_simulated_customers():
    """Ground truth: 200,000 simulated MBG/NBD customers; E[X(T)], the distribution P(X(T)=n),
    P(alive) (below 1 also for x = 0, unlike the BG/NBD) and E[Y(t) | history] agree with what
    the customers do, overall and by calibration frequency."""
    n, T = 200_000, 39.0
    x, t_x, T_arr, holdout, alive = simulate_mbg(n, *TRUTH.values(), T, np.random.default_rng(21), horizon=39.0)
    model = with_params(TRUTH)
    assert close(x, model.expected_transactions(T))
    for k in range(5):
        assert close(x == k, model.probability_of_purchases(T, k)), k
    p_alive = model.probability_alive(x, t_x, T_arr)
    assert close(alive, p_alive) and close(alive[x == 0], p_alive[x == 0]) and p_alive[x == 0].max() < 1
    predicted = model.conditional_expected_transactions(39.0, x, t_x, T_arr)
    assert close(holdout, predicted)
    for k in (0, 1, 3):
        assert close(holdout[x == k], predicted[x == k]), k


def test_recovers_parameters_of_a_simulated_base():
    """Ground truth: 60,000 exact MBG/NBD summaries (observed for 26, 52 or 104 weeks); every
    estimate within 3 standard errors and 10% of the truth."""
    truth = np.array(list(TRUTH.values()))
    rng = np.random.default_rng(5)
    parts = [simulate_mbg(20_000, *truth, T, rng)[:3] for T in (26.0, 52.0, 104.0)]
    x, t_x, T = (np.concatenate(c) for c in zip(*parts, strict=True))
    model = ModifiedBetaGeo().fit(x, t_x, T)
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - truth) < 3 * se), (est, se)
    assert np.all(np.abs(est / truth - 1) < 0.10), est


def test_simulated_world_with_dropout_at_first_purchase():
    """Ground truth through the data layer: a base from ``simulate_transactions(...,
    dropout_at_first_purchase=True)`` (the MBG/NBD world), summarised with ``transaction_summary``.
    The MBG/NBD fits it far better than the BG/NBD, and its mean P(alive) matches the share of
    customers actually alive at the end (the BG/NBD, for which every one-time buyer is alive,
    overstates it by about 0.3)."""
    world = simulate_transactions(20_000, start="2020-01-01", acquisition_end="2020-12-31", end="2022-12-31",
                                  params={"r": 0.6, "alpha": 10.0, "a": 0.9, "b": 2.0},
                                  channels={"all": {"share": 1.0}}, rng=1, dropout_at_first_purchase=True)
    summary = transaction_summary(world.transactions, observation_end="2022-12-31", freq="D", time_unit="W")
    mbg, bg = ModifiedBetaGeo().fit(summary), BetaGeo().fit(summary)
    assert mbg.log_likelihood_ > bg.log_likelihood_ + 50
    alive_share = world.customers.set_index("customer_id")["alive_at_end"].reindex(summary.index).mean()
    assert mbg.probability_alive(summary).mean() == pytest.approx(alive_share, abs=0.03)
    assert bg.probability_alive(summary).mean() > alive_share + 0.2
    np.testing.assert_allclose(mbg.params_, [0.6, 10.0, 0.9, 2.0], rtol=0.10)


def test_one_time_buyers_are_less_surely_alive_than_under_bgnbd(cdnow_summary, cdnow_model):
    """The point of the model: under the BG/NBD a customer without repeat purchases is alive with
    probability 1; under the MBG/NBD less, and less the longer since the first purchase."""
    bg = BetaGeo().fit(cdnow_summary)
    zero = cdnow_summary[cdnow_summary["frequency"] == 0]
    assert (bg.probability_alive(zero) == 1).all()
    alive = cdnow_model.probability_alive(zero)
    assert ((alive > 0) & (alive < 1)).all()
    by_T = cdnow_model.probability_alive(np.zeros(3), np.zeros(3), np.array([1.0, 20.0, 39.0]))
    assert np.all(np.diff(by_T) < 0)


# ----- input and convergence -------------------------------------------------------------------------


def test_bad_input_names_rows():
    """Bad input: DataError naming the row and column; prediction inputs are checked the same way."""
    frame = pd.DataFrame({"frequency": [0, 2, 1], "recency": [0.0, 5.0, 2.0], "T": [3.0, 4.0, 6.0]}, index=["A", "B", "C"])
    with pytest.raises(DataError, match="row B, column 'recency': recency is after T"):
        ModifiedBetaGeo().fit(frame)
    with pytest.raises(DataError, match="negative value"):
        with_params(TRUTH).conditional_expected_transactions(10.0, [-1], [0.0], [5.0])


def test_fit_is_silent_when_it_converges(cdnow_summary):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ModifiedBetaGeo().fit(cdnow_summary)
