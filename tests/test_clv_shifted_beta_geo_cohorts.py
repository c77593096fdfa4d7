"""sBG for several cohorts (crmlab.clv.ShiftedBetaGeometric on a DataFrame): one curve, per cohort, covariates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from crmlab.clv.shifted_beta_geo import ShiftedBetaGeometric
from crmlab.data import DataError

# Fader & Hardie (2007), table 1, years 0–7, as counts of the 1,000 customers of each cohort
REGULAR = np.round(np.array([100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1]) * 10)
HIGH_END = np.round(np.array([100, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1]) * 10)
COHORTS = pd.DataFrame([REGULAR, HIGH_END], index=["regular", "high end"])


def _with(period: int, values: list[float]) -> pd.DataFrame:
    frame = COHORTS.copy()
    frame[period] = values
    return frame


def test_one_cohort_gives_the_single_cohort_model():
    """Nesting: a one-row frame fits the published FH (2007) "regular" α = 0.704, β = 1.182 with the same
    log-likelihood as the array form, and its predictions are the single model's, per cohort."""
    single = ShiftedBetaGeometric().fit(REGULAR)
    one = ShiftedBetaGeometric().fit(COHORTS.iloc[:1])
    assert one.params_.round(3).to_dict() == {"alpha": 0.704, "beta": 1.182}
    assert one.log_likelihood_ == pytest.approx(single.log_likelihood_, rel=1e-10)
    assert one.survival(12)["regular"] == pytest.approx(single.survival(12))
    np.testing.assert_allclose(one.retention_rate([1, 2, 3]).loc["regular"], single.retention_rate([1, 2, 3]))
    assert one.discounted_expected_residual_lifetime(0.1, 4)["regular"] == pytest.approx(
        single.discounted_expected_residual_lifetime(0.1, 4))


def test_separate_cohorts_give_the_published_estimates_and_beat_one_curve():
    """Published result: per cohort, FH (2007)'s regular (0.704, 1.182) and high-end (0.668, 3.806);
    the joint log-likelihood is the sum of the two fits, and the LR test rejects one curve for all."""
    separate = ShiftedBetaGeometric().fit(COHORTS, separate=True)
    assert separate.cohort_params_.round(3).to_dict("index") == {
        "regular": {"alpha": 0.704, "beta": 1.182}, "high end": {"alpha": 0.668, "beta": 3.806}}
    parts = [ShiftedBetaGeometric().fit(c).log_likelihood_ for c in (REGULAR, HIGH_END)]
    assert separate.log_likelihood_ == pytest.approx(sum(parts))
    pooled = ShiftedBetaGeometric().fit(COHORTS)
    test = separate.one_curve_test()
    assert test.df == 2 and test.p_value < 1e-20
    assert test.statistic == pytest.approx(2 * (separate.log_likelihood_ - pooled.log_likelihood_))
    assert list(separate.params_.index) == ["alpha[regular]", "beta[regular]", "alpha[high end]", "beta[high end]"]


def test_a_dummy_covariate_is_the_separate_model():
    """Second implementation: with two cohorts a 0/1 covariate on α and β is saturated, so its fit equals
    the two separate fits: same log-likelihood, α_c, β_c; α = regular's, β·exp(b) = high end's β."""
    model = ShiftedBetaGeometric().fit(COHORTS.assign(high_end=[0.0, 1.0]), covariates=["high_end"])
    separate = ShiftedBetaGeometric().fit(COHORTS, separate=True)
    assert model.log_likelihood_ == pytest.approx(separate.log_likelihood_, abs=1e-5)
    np.testing.assert_allclose(model.cohort_params_, separate.cohort_params_, rtol=1e-4)
    assert list(model.params_.index) == ["alpha", "beta", "alpha: high_end", "beta: high_end"]
    # the high-end cohort's β is larger (more loyal): a positive, significant β coefficient
    assert model.params_["beta: high_end"] > 3 * model.standard_errors_["beta: high_end"]


def test_analytic_gradient_with_covariates_matches_finite_differences():
    """Second implementation: the analytic gradient in (α, β, ã, b̃) equals central differences."""
    rng = np.random.default_rng(0)
    data = {"t": rng.integers(1, 9, 15).astype(float), "survived": rng.integers(0, 2, 15).astype(float), "z0": rng.normal(size=15)}
    params = np.array([0.8, 2.5, 0.35, -0.4])
    _, grad = ShiftedBetaGeometric()._log_likelihood_gradient_rows(params, data)
    numeric = optimize.approx_fprime(params, lambda v: ShiftedBetaGeometric()._log_likelihood_rows(v, data).sum(), 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-5)


def test_recovers_planted_cohort_effects():
    """Ground truth: 12 simulated cohorts of 3,000 customers, θ ~ Beta(α_c, β_c) with α_c = 0.8·exp(0.3 z_c),
    β_c = 2·exp(−0.5 z_c), observed for 3 to 8 periods (younger cohorts shorter): every estimate within 3 SE."""
    rng = np.random.default_rng(7)
    z = np.linspace(-1.5, 1.5, 12)
    rows = []
    for c, zc in enumerate(z):
        theta = rng.beta(0.8 * np.exp(0.3 * zc), 2.0 * np.exp(-0.5 * zc), 3000)
        lifetime = rng.geometric(theta)  # the period in which each customer cancels
        age = 3 + c % 6
        rows.append([(lifetime > t).sum() for t in range(age + 1)] + [np.nan] * (8 - age))
    frame = pd.DataFrame(rows, index=[f"cohort {c}" for c in range(12)]).assign(quality=z)
    model = ShiftedBetaGeometric().fit(frame, covariates=["quality"])
    truth = pd.Series({"alpha": 0.8, "beta": 2.0, "alpha: quality": 0.3, "beta: quality": -0.5})
    assert np.all(np.abs(model.params_ - truth) < 3 * model.standard_errors_)
    table = model.residual_value_table(0.1, margin=50.0)
    assert table["periods_observed"].tolist() == [3 + c % 6 for c in range(12)]
    # higher quality z: lower β, higher α, so a lower next renewal rate
    assert table["next_retention_rate"].iloc[0] > table["next_retention_rate"].iloc[-1]


def test_residual_value_is_derl_of_each_cohorts_survivors():
    """Closed form (FH 2010, eq. 6): residual value = margin × active × DERL(d | τ); DERL equals the direct
    discounted sum Σ_{t≥τ+1} S(t)/S(τ)/(1+d)^(t−τ−1), with younger cohorts valued at their own age."""
    frame = COHORTS.astype(float)
    frame.iloc[0, 5:] = np.nan  # the regular cohort observed for 4 periods only
    model = ShiftedBetaGeometric().fit(frame, separate=True)
    table = model.residual_value_table(0.1, margin=100.0)
    assert table["periods_observed"].tolist() == [4, 7] and table["active"].tolist() == [326.0, 491.0]
    for cohort, row in table.iterrows():
        t = np.arange(row["periods_observed"] + 1, 3000)
        s = model.survival(t).loc[cohort].to_numpy() / model.survival(row["periods_observed"])[cohort]
        direct = np.sum(s / 1.1 ** (t - t[0]))
        assert row["DERL"] == pytest.approx(direct, rel=1e-6)
        assert row["residual_value"] == pytest.approx(100.0 * row["active"] * row["DERL"])


def test_survival_table_per_cohort_has_the_observed_shares():
    """The per-cohort table carries each cohort's fitted and observed survival (observed = n_t / n_0)."""
    table = ShiftedBetaGeometric().fit(COHORTS, separate=True).survival_table(9)
    high = table[table["cohort"] == "high end"].set_index("period")
    assert high.loc[7, "observed_survival"] == pytest.approx(0.491)
    assert np.isnan(high.loc[9, "observed_survival"]) and high.loc[9, "survival"] < high.loc[7, "survival"]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (COHORTS.assign(channel=["web", "shop"]), "neither a period number"),
        (COHORTS.drop(columns=3), "without gaps"),
        (_with(2, [468.0, np.nan]), "row high end, column '2': missing value before an observed period"),
        (_with(2, [468.0, 900.0]), "row high end, column '2': survivors increase"),
        (_with(0, [1000.0, 0.0]), "row high end, column '0': cohort size"),
        (_with(1, [-1.0, 869.0]), "row regular, column '1': negative count"),
    ],
    ids=["stray column", "gap", "hole", "increase", "empty cohort", "negative"],
)
def test_bad_cohort_tables_are_refused_naming_row_and_column(frame, message):
    """Bad input: a DataError naming the cohort (row), the period (column) and the value."""
    with pytest.raises(DataError, match=message):
        ShiftedBetaGeometric().fit(frame)


def test_bad_cohort_covariate_is_refused_naming_it():
    """Bad input: a covariate constant over the cohorts, or missing for one, is refused naming the column (and row)."""
    with pytest.raises(DataError, match="column 'tier'.*constant"):
        ShiftedBetaGeometric().fit(COHORTS.assign(tier=1.0), covariates=["tier"])
    with pytest.raises(DataError, match="row regular, column 'tier'"):
        ShiftedBetaGeometric().fit(COHORTS.assign(tier=[np.nan, 1.0]), covariates=["tier"])
    with pytest.raises(TypeError, match="DataFrame"):
        ShiftedBetaGeometric().fit(REGULAR, separate=True)
