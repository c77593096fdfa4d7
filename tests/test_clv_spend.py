"""Gamma-Gamma spend model (crmlab.clv.GammaGamma): published CDNOW results, integration, ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

from crmlab.clv.beta_geo import BetaGeo
from crmlab.clv.spend import GammaGamma, spend_frequency_correlation
from crmlab.data import DataError




def test_published_cdnow_estimates(cdnow_summary):
    """Published result: FHL (2005b) CDNOW p = 6.25, q = 3.74, γ = 15.44 on the 946 customers
    with repeat purchases; their spend–frequency correlation 0.11."""
    model = GammaGamma().fit(cdnow_summary)
    assert model.params_.round(2).to_dict() == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    assert model.n_customers_ == 946
    assert round(spend_frequency_correlation(cdnow_summary), 2) == 0.11


def test_density_matches_numerical_integration():
    """Second implementation: the mean of x Gamma(p, ν) values is Gamma(px, rate xν); integrating
    its density over ν ~ Gamma(q, γ) numerically gives the closed-form likelihood."""
    p, q, gamma = 3.0, 4.0, 20.0
    x, m = np.array([1.0, 3.0, 10.0]), np.array([12.0, 30.0, 8.0])
    ll = GammaGamma()._log_likelihood_rows(np.array([p, q, gamma]), {"frequency": x, "monetary_value": m})
    for xi, mi, value in zip(x, m, ll, strict=True):
        numeric, _ = integrate.quad(
            lambda nu, xi=xi, mi=mi: stats.gamma.pdf(mi, p * xi, scale=1 / (xi * nu)) * stats.gamma.pdf(nu, q, scale=1 / gamma),
            0, np.inf, epsabs=0, epsrel=1e-11,
        )
        assert value == pytest.approx(np.log(numeric), abs=1e-8)


def test_gradient_matches_finite_differences(cdnow_summary):
    repeat = cdnow_summary[cdnow_summary["frequency"] > 0]
    data = {"frequency": repeat["frequency"].to_numpy(float), "monetary_value": repeat["monetary_value"].to_numpy(float)}
    params = np.array([4.0, 2.5, 20.0])
    _, grad = GammaGamma()._log_likelihood_gradient_rows(params, data)
    numeric = optimize.approx_fprime(params, lambda v: GammaGamma()._log_likelihood_rows(v, data).sum(), 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4)


def test_ground_truth_and_posterior_mean():
    """Ground truth: simulated spends recover (p, q, γ) within 3 SE; the conditional expected
    spend is the posterior mean of each customer's true mean spend p/ν (Monte Carlo)."""
    rng = np.random.default_rng(17)
    p, q, gamma = 6.0, 4.0, 15.0
    n = 40_000
    nu = rng.gamma(q, 1 / gamma, n)
    x = rng.integers(1, 8, n)
    m = rng.gamma(p * x, 1 / (x * nu))
    model = GammaGamma().fit(x, m)
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - [p, q, gamma]) < 3 * se)
    model.params_ = pd.Series([p, q, gamma], index=["p", "q", "gamma"])
    expected = model.conditional_expected_average_spend(x, m)
    true_mean = p / nu
    for k in (1, 3, 7):
        sel = x == k
        assert expected[sel].mean() == pytest.approx(true_mean[sel].mean(), rel=0.02)
    assert model.expected_average_spend() == pytest.approx(p * gamma / (q - 1))


def test_zero_frequency_rows_are_left_out_and_get_the_population_mean(cdnow_summary):
    model = GammaGamma().fit(cdnow_summary)
    spend = model.conditional_expected_average_spend(cdnow_summary)
    zero = cdnow_summary["frequency"] == 0
    np.testing.assert_allclose(spend[zero], model.expected_average_spend())
    assert spend.index.equals(cdnow_summary.index)


def test_clv_delegates_to_the_transaction_model(cdnow_summary):
    """Definition: CLV = the transaction model's CLV with the conditional expected spend × margin."""
    bg = BetaGeo().fit(cdnow_summary)
    gg = GammaGamma().fit(cdnow_summary)
    clv = gg.customer_lifetime_value(bg, cdnow_summary, discount_rate=0.01, horizon=12, period_length=52 / 12, margin=0.3)
    direct = bg.customer_lifetime_value(
        cdnow_summary, monetary_value=0.3 * gg.conditional_expected_average_spend(cdnow_summary).to_numpy(),
        discount_rate=0.01, horizon=12, period_length=52 / 12,
    )
    np.testing.assert_allclose(clv, direct)


def test_bad_input():
    with pytest.raises(DataError, match="row 1, column 'monetary_value': mean spend must be positive"):
        GammaGamma().fit([1, 2], [10.0, 0.0])
    with pytest.raises(DataError, match="nothing to fit"):
        GammaGamma().fit([0, 0], [0.0, 0.0])
    with pytest.raises(DataError, match="missing or infinite"):
        GammaGamma().fit([1, 2], [10.0, np.nan])


def test_conditional_expectation_is_the_posterior_mean_by_quadrature():
    """Second implementation: E[p/ν | x, m_x] = ∫ (p/ν) f(m_x | ν) g(ν) dν / ∫ f(m_x | ν) g(ν) dν,
    with f the Gamma(px, xν) density of the mean and g the Gamma(q, γ) prior, by quadrature."""
    p, q, gamma = 6.25, 3.74, 15.44
    model = GammaGamma()
    model.params_ = pd.Series([p, q, gamma], index=["p", "q", "gamma"])
    x, m = np.array([1.0, 3.0, 10.0]), np.array([10.0, 50.0, 20.0])
    closed = model.conditional_expected_average_spend(x, m)
    for xi, mi, value in zip(x, m, closed, strict=True):
        def joint(nu, xi=xi, mi=mi):
            return stats.gamma.pdf(mi, p * xi, scale=1 / (xi * nu)) * stats.gamma.pdf(nu, q, scale=1 / gamma)

        numerator, _ = integrate.quad(lambda nu: p / nu * joint(nu), 0, np.inf, epsabs=0, epsrel=1e-11)
        denominator, _ = integrate.quad(joint, 0, np.inf, epsabs=0, epsrel=1e-11)
        assert value == pytest.approx(numerator / denominator, rel=1e-8)
    # the weights of the population mean and of m_x (module docstring)
    w = (q - 1) / (p * x + q - 1)
    np.testing.assert_allclose(closed, w * p * gamma / (q - 1) + (1 - w) * m)


def test_weights_equal_repeated_rows():
    """Definition: a row with weight k fits like k identical rows."""
    rng = np.random.default_rng(5)
    x = rng.integers(1, 4, 300)
    m = np.round(rng.gamma(5.0, 5.0, 300)) + 1
    full = GammaGamma().fit(x, m)
    rows, counts = np.unique(np.column_stack([x, m]), axis=0, return_counts=True)
    weighted = GammaGamma().fit(rows[:, 0], rows[:, 1], weights=counts)
    np.testing.assert_allclose(weighted.params_, full.params_, rtol=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(full.log_likelihood_)


def test_clv_accepts_arrays_as_well_as_a_summary(cdnow_summary):
    """Definition: the array path gives the same CLV as the DataFrame path."""
    bg = BetaGeo().fit(cdnow_summary)
    gg = GammaGamma().fit(cdnow_summary)
    head = cdnow_summary.head(50)
    kwargs = {"discount_rate": 0.01, "horizon": 6, "period_length": 4.0}
    from_frame = gg.customer_lifetime_value(bg, head, **kwargs)
    cols = [head[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value")]
    np.testing.assert_allclose(gg.customer_lifetime_value(bg, *cols, **kwargs), from_frame.to_numpy())
    with pytest.raises(TypeError, match="needs frequency, recency, T and monetary_value"):
        gg.customer_lifetime_value(bg, cols[0], cols[1], **kwargs)


def test_heavy_tailed_spend_gives_infinite_means_not_negative_ones():
    """Closed form: with q ≤ 1 the population mean pγ/(q−1) is infinite (x = 0 customers get it), and
    with px + q ≤ 1 so is the posterior mean; the formula would return negative numbers."""
    model = GammaGamma()
    model.params_ = pd.Series([0.1, 0.8, 10.0], index=["p", "q", "gamma"])
    spend = model.conditional_expected_average_spend([0, 1, 3], [0.0, 5.0, 5.0])
    assert np.isinf(spend[0]) and np.isinf(spend[1]) and spend[2] == pytest.approx(0.1 * (10 + 15) / (0.3 + 0.8 - 1))


def test_correlation_helper_names_missing_columns():
    with pytest.raises(DataError, match="column 'monetary_value': missing column"):
        spend_frequency_correlation(pd.DataFrame({"frequency": [1, 2]}))
