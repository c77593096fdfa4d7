"""sBG contractual retention (crmlab.clv.ShiftedBetaGeometric): published data, closed forms, ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from crmlab.clv import simple_clv
from crmlab.clv.shifted_beta_geo import ShiftedBetaGeometric
from crmlab.plots import plot_survival_curves

# Fader & Hardie (2007), "How to project customer retention", table 1: % of each cohort of
# 1,000 customers still active at the start of years 0–12.
REGULAR = [100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1, 22.3, 20.7, 19.4, 18.3, 17.3]
HIGH_END = [100, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1, 46.8, 44.5, 42.7, 40.9, 39.4]


def counts(percent):
    return np.round(np.asarray(percent) * 10)


@pytest.mark.parametrize(
    ("data", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)], ids=["regular", "high end"]
)
def test_published_estimates_and_projection(data, alpha, beta):
    """Published result: fitted on years 0–7, FH (2007) report these α, β; the projected
    survival of years 8–12 stays within 5% of the actual (their figure 4)."""
    model = ShiftedBetaGeometric().fit(counts(data[:8]))
    assert round(model.params_["alpha"], 3) == alpha and round(model.params_["beta"], 3) == beta
    projected = model.survival(np.arange(8, 13)) * 100
    np.testing.assert_allclose(projected, data[8:], rtol=0.05)
    # retention rates rise with tenure (heterogeneity, not changing individuals)
    assert np.all(np.diff(model.retention_rate(np.arange(1, 13))) > 0)


def test_probabilities_are_consistent():
    """Closed form: S(t) = 1 − Σ_{k≤t} P(T=k); r_t = S(t)/S(t−1); E[T] = Σ_t S(t) (α > 1)."""
    model = ShiftedBetaGeometric()
    model.params_ = pd.Series({"alpha": 2.5, "beta": 4.0})
    t = np.arange(1, 30)
    np.testing.assert_allclose(model.survival(t), 1 - np.cumsum(model.churn_probability(t)))
    np.testing.assert_allclose(model.retention_rate(t), model.survival(t) / model.survival(t - 1))
    assert model.expected_lifetime() == pytest.approx(model.survival(np.arange(0, 20000)).sum(), rel=1e-4)


def test_discounted_lifetimes_equal_their_sums():
    """Second implementation: DEL and DERL from the hypergeometric function equal the truncated
    sums Σ S(t)/(1+d)^t and Σ_{t≥n} S(t)/S(n−1)/(1+d)^(t−n)."""
    model = ShiftedBetaGeometric()
    model.params_ = pd.Series({"alpha": 0.7, "beta": 1.2})
    d = 0.1
    t = np.arange(0, 3000)
    assert model.discounted_expected_lifetime(d) == pytest.approx((model.survival(t) / (1 + d) ** t).sum(), rel=1e-10)
    for renewals in (0, 1, 4):
        n = renewals + 1
        tt = np.arange(n, 3000)
        direct = (model.survival(tt) / model.survival(n - 1) / (1 + d) ** (tt - n)).sum()
        assert model.discounted_expected_residual_lifetime(d, renewals) == pytest.approx(direct, rel=1e-10)


def test_homogeneous_limit_is_the_geometric_model():
    """Closed form: with α + β huge, θ is almost constant = α/(α+β); survival is (1−θ)^t and the
    CLV is the retention formula m(1+d)/(1+d−r) (simple_clv, payments at the start)."""
    theta = 0.2
    model = ShiftedBetaGeometric()
    model.params_ = pd.Series({"alpha": theta * 1e5, "beta": (1 - theta) * 1e5})
    np.testing.assert_allclose(model.survival(np.arange(10)), (1 - theta) ** np.arange(10), rtol=1e-3)
    assert model.customer_lifetime_value(50.0, 0.1) == pytest.approx(simple_clv(50.0, 1 - theta, 0.1, timing="start"), rel=1e-3)


def test_recovers_a_simulated_cohort():
    """Ground truth: 20,000 customers with θ ~ Beta(1.3, 3.0) observed for 8 periods; within 3 SE."""
    rng = np.random.default_rng(31)
    theta = rng.beta(1.3, 3.0, 20_000)
    lifetime = rng.geometric(theta)  # period of cancellation, 1, 2, …
    survivors = [(lifetime > t).sum() for t in range(9)]
    model = ShiftedBetaGeometric().fit(survivors)
    est, se = model.params_.to_numpy(), model.standard_errors_.to_numpy()
    assert np.all(np.abs(est - [1.3, 3.0]) < 3 * se), (est, se)


def test_gradient_matches_finite_differences():
    model = ShiftedBetaGeometric()
    data = {"t": np.array([1.0, 2.0, 3.0, 3.0]), "survived": np.array([0.0, 0.0, 0.0, 1.0])}
    params = np.array([0.8, 2.0])
    _, grad = model._log_likelihood_gradient_rows(params, data)
    numeric = optimize.approx_fprime(params, lambda p: model._log_likelihood_rows(p, data).sum(), 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-5)


def test_survival_table_and_figure():
    model = ShiftedBetaGeometric().fit(counts(REGULAR[:8]))
    table = model.survival_table(12)
    assert table["observed_survival"].iloc[:8].tolist() == pytest.approx(np.array(REGULAR[:8]) / 100)
    assert table["observed_survival"].iloc[8:].isna().all()
    ax = plot_survival_curves(model.survival_table(12)).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), table["survival"])


def test_bad_survivor_counts():
    with pytest.raises(ValueError, match="increase at periods"):
        ShiftedBetaGeometric().fit([100, 80, 90])
    with pytest.raises(ValueError, match="negative"):
        ShiftedBetaGeometric().fit([100, -1])
    with pytest.raises(ValueError, match="at least two values"):
        ShiftedBetaGeometric().fit([100])
    with pytest.raises(ValueError, match="looks like shares"):
        ShiftedBetaGeometric().fit([1.0, 0.631, 0.468])
    with pytest.raises(ValueError, match="discount_rate"):
        ShiftedBetaGeometric().fit([100, 60, 40]).discounted_expected_lifetime(0.0)
