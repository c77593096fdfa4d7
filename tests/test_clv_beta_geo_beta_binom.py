"""BG/BB discrete-time model (crmlab.clv.BetaGeoBetaBinom): published donations results,
integration, Monte Carlo ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

from crmlab.clv.beta_geo_beta_binom import BetaGeoBetaBinom
from crmlab.data import DataError, load_donations

PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}  # FHS (2010), table 2


@pytest.fixture(scope="module")
def donations_model():
    d = load_donations()
    return BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["n"], weights=d["n_customers"])


def simulate_bgbb(n_customers, params, opportunities, rng):
    """Customers transact with probability p at each opportunity while alive, and die at the
    start of each opportunity with probability θ; p ~ Beta(α, β), θ ~ Beta(γ, δ).
    Returns the transaction matrix (customers × opportunities) and the first dead opportunity."""
    alpha, beta, gamma, delta = params
    p, theta = rng.beta(alpha, beta, n_customers), rng.beta(gamma, delta, n_customers)
    death = rng.geometric(theta)  # first opportunity at which the customer is dead
    j = np.arange(1, opportunities + 1)[None, :]
    buys = (j < death[:, None]) & (rng.random((n_customers, opportunities)) < p[:, None])
    return buys, death


def summarise(buys):
    x = buys.sum(axis=1)
    last = np.where(x > 0, buys.shape[1] - np.argmax(buys[:, ::-1], axis=1), 0)
    return x.astype(float), last.astype(float)


def test_published_donations_estimates(donations_model):
    """Published result: FHS (2010) report α = 1.204, β = 0.750, γ = 0.657, δ = 2.783, LL = −33,225.6."""
    assert donations_model.params_.round(3).to_dict() == PUBLISHED
    assert donations_model.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    assert donations_model.n_customers_ == 11104


@pytest.mark.slow
def test_likelihood_matches_numerical_integration():
    """Second implementation: the closed form equals the individual likelihood
    p^x (1−p)^{n−x} (1−θ)^n + Σ_i p^x (1−p)^{t_x−x+i} θ (1−θ)^{t_x+i} integrated over the Beta
    distributions of p and θ (scipy.integrate)."""
    params = np.array([1.5, 1.2, 1.3, 2.5])
    alpha, beta, gamma, delta = params
    rows = np.array([[0, 0, 6], [2, 3, 6], [4, 4, 5], [6, 6, 6]], dtype=float)
    ll = BetaGeoBetaBinom()._log_likelihood_rows(params, {"frequency": rows[:, 0], "recency": rows[:, 1], "T": rows[:, 2]})
    log_norm = -special.betaln(alpha, beta) - special.betaln(gamma, delta)
    for (x, t_x, n), value in zip(rows, ll, strict=True):
        def integrand(th, p, x=x, t_x=t_x, n=n):
            individual = p**x * (1 - p) ** (n - x) * (1 - th) ** n
            for i in range(int(n - t_x)):
                individual += p**x * (1 - p) ** (t_x - x + i) * th * (1 - th) ** (t_x + i)
            density = p ** (alpha - 1) * (1 - p) ** (beta - 1) * th ** (gamma - 1) * (1 - th) ** (delta - 1)
            return individual * density * np.exp(log_norm)

        numeric, _ = integrate.dblquad(integrand, 0, 1, 0, 1, epsabs=0, epsrel=1e-9)
        assert value == pytest.approx(np.log(numeric), abs=1e-6)


def test_histogram_of_donations(donations_model):
    """Closed form and data: P(X(6)=x) sums to 1 with mean E[X(6)]; the expected counts of
    supporters by number of repeat years are close to the observed ones (FHS 2010, figure 3)."""
    probs = np.array([donations_model.probability_of_purchases(6, k) for k in range(7)])
    assert probs.sum() == pytest.approx(1.0)
    assert (np.arange(7) * probs).sum() == pytest.approx(donations_model.expected_transactions(6))
    d = load_donations()
    observed = d.groupby("frequency")["n_customers"].sum().to_numpy()
    np.testing.assert_allclose(probs * 11104, observed, rtol=0.08)


@pytest.mark.slow
def test_predictions_match_monte_carlo():
    """Ground truth: simulated supporters over 6 calibration + 5 holdout opportunities; P(alive at
    n+1), E[X(n, n+5) | history] and DERT (d = 0.1, summed over 60 future opportunities)
    agree with the simulated behaviour, by pattern and overall."""
    rng = np.random.default_rng(3)
    truth = np.array(list(PUBLISHED.values()))
    buys, death = simulate_bgbb(300_000, truth, 66, rng)
    x, t_x = summarise(buys[:, :6])
    n = np.full(len(x), 6.0)
    model = BetaGeoBetaBinom()
    model.params_ = pd.Series(PUBLISHED)

    def close(sample, value):
        return abs(np.mean(sample) - np.mean(value)) < 4 * np.std(sample) / np.sqrt(len(sample))

    assert close(death > 7, model.probability_alive(x, t_x, n))
    future5 = buys[:, 6:11].sum(axis=1)
    predicted = model.conditional_expected_transactions(5, x, t_x, n)
    assert close(future5, predicted)
    for pattern in [(0, 0), (3, 6), (3, 3)]:
        sel = (x == pattern[0]) & (t_x == pattern[1])
        assert close(future5[sel], predicted[sel]), pattern
    discounted = (buys[:, 6:] / 1.1 ** np.arange(1, 61)).sum(axis=1)
    assert close(discounted, model.discounted_expected_residual_transactions(0.1, x, t_x, n))


def test_dert_equals_discounted_conditional_expectations(donations_model):
    """Second implementation: DERT = Σ_k (E[X(n, n+k)] − E[X(n, n+k−1)]) / (1+d)^k."""
    d = load_donations()
    args = (d["frequency"], d["recency"], d["n"])
    ce = np.array([donations_model.conditional_expected_transactions(k, *args) for k in range(0, 3000)])
    direct = (np.diff(ce, axis=0) / 1.15 ** np.arange(1, 3000)[:, None]).sum(axis=0)
    np.testing.assert_allclose(donations_model.discounted_expected_residual_transactions(0.15, *args), direct, rtol=1e-8)


def test_recovers_simulated_parameters():
    """Ground truth: 40,000 simulated supporters over 8 opportunities; within 3 SE."""
    rng = np.random.default_rng(11)
    truth = np.array([1.2, 0.75, 0.66, 2.8])
    buys, _ = simulate_bgbb(40_000, truth, 8, rng)
    x, t_x = summarise(buys)
    model = BetaGeoBetaBinom().fit(x, t_x, np.full(len(x), 8.0))
    assert model.n_rows_fitted_ <= 45  # compressed to the distinct patterns
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - truth) < 3 * se), (est, se)


def test_bad_discrete_summaries():
    with pytest.raises(DataError) as info:
        BetaGeoBetaBinom().fit([3, 1, 2], [2, 7, 2.5], [6, 6, 6])
    text = str(info.value)
    assert "row 0, column 'frequency': more transactions than the recency allows" in text
    assert "row 1, column 'recency': recency is after T" in text
    assert "row 2, column 'recency': not a whole number of periods" in text
