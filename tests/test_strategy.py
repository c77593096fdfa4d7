"""Loyalty strategy (crmlab.strategy): value for / with the customer, loyalty analytics, budget
allocation, retention and win-back — each checked against a hand-worked example, a closed form,
brute force, a second implementation or the ground truth of the synthetic loyalty world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, stats

from crmlab.customers import transaction_summary
from crmlab.data import DataError
from crmlab.strategy import (
    InfeasibleBudgetError,
    WinBackModel,
    allocate_budget,
    co_creation_clv_association,
    co_creation_indicators,
    cross_buying_index,
    disconfirmation,
    disconfirmation_summary,
    expected_retention_outcome,
    incremental_clv_and_roi,
    lapsed_customers,
    loyalty_response_curves,
    loyalty_segments,
    marginal_response,
    most_loyal_customers,
    read_value_survey,
    relationship_depth,
    response,
    response_curve_grid,
    satisfaction_regression,
    segment_profile,
    share_of_wallet,
    simulate_loyalty_world,
    simulate_retention_strategies,
    spending_growth,
    touchpoint_value_gaps,
)
from crmlab.strategy.loyalty_world import ATTRIBUTES


@pytest.fixture(scope="module")
def world():
    return simulate_loyalty_world(3000, rng=11)


# ----- budget allocation ---------------------------------------------------------------------------

CURVES = pd.DataFrame({
    "segment": ["core", "core", "growth"],
    "action": ["retention", "cross_selling", "up_selling"],
    "ceiling": [400.0, 250.0, 300.0],
    "rate": [0.02, 0.03, 0.008],
    "form": ["exponential", "hyperbolic", "exponential"],
    "max_spend": [np.inf, 120.0, np.inf],
})


def _brute_force(curves: pd.DataFrame, budget: float, step: float, objective: str) -> tuple[float, np.ndarray]:
    """Every allocation on a grid of ``step`` with Σ s ≤ budget and s ≤ max_spend, each curve
    evaluated by its written-out formula (c(1 − e^(−ks)) or c·ks/(1 + ks))."""
    grid = np.arange(0, budget + step / 2, step)
    values = []
    for _, curve in curves.iterrows():
        c, k = curve["ceiling"], curve["rate"]
        f = c * (1 - np.exp(-k * grid)) if curve["form"] == "exponential" else c * k * grid / (1 + k * grid)
        values.append(np.where(grid <= curve["max_spend"], f, -np.inf))
    mesh = np.meshgrid(*[grid] * len(curves), indexing="ij")
    total_spend = sum(mesh)
    value = sum(np.meshgrid(*values, indexing="ij")) - (total_spend if objective == "net" else 0.0)
    value = np.where(total_spend <= budget + 1e-9, value, -np.inf)
    best = np.unravel_index(np.argmax(value), value.shape)
    return float(value[best]), np.array([grid[i] for i in best])


@pytest.mark.parametrize("objective", ["net", "gross"])
@pytest.mark.parametrize("budget", [60.0, 200.0])
def test_allocation_matches_brute_force_on_a_grid(objective, budget):
    """Brute force: SLSQP's optimum is at least as good as the best of every allocation on a
    grid of step budget/40 (within 1e-6), and no more than a grid cell's worth better; the spends
    lie within two grid steps of the best grid point."""
    step = budget / 40
    best, best_s = _brute_force(CURVES, budget, step, objective)
    plan = allocate_budget(CURVES, budget, objective=objective)
    value = plan.table["incremental_clv"].sum() - (plan.total_spend if objective == "net" else 0.0)
    assert value >= best - 1e-6
    slope = marginal_response(CURVES, np.zeros(3)).max()
    assert value - best <= slope * step * len(CURVES)
    np.testing.assert_allclose(plan.table["spend"], best_s, atol=2 * step)
    assert plan.total_spend <= budget + 1e-6
    assert (plan.table["spend"] <= CURVES["max_spend"] + 1e-9).all()


def test_allocation_meets_the_closed_form_optimum():
    """Closed form (KKT) for exponential curves: with the budget binding, sᵢ = max(0, ln(cᵢkᵢ/μ)/kᵢ)
    with μ set by Σ sᵢ = B (solved here by brentq); with an ample budget and the net objective,
    sᵢ = ln(cᵢkᵢ)/kᵢ where cᵢkᵢ > 1, else 0 (the next unit must return at least its cost)."""
    curves = pd.DataFrame({"segment": list("abcd"), "action": ["retention"] * 4,
                           "ceiling": [500.0, 300.0, 800.0, 20.0], "rate": [0.01, 0.02, 0.004, 0.02]})
    c, k = curves["ceiling"].to_numpy(), curves["rate"].to_numpy()
    B = 250.0

    def spends(mu):
        return np.maximum(0, np.log(c * k / mu) / k)

    mu = optimize.brentq(lambda m: spends(m).sum() - B, 1e-9, (c * k).max())
    plan = allocate_budget(curves, B, objective="gross")
    np.testing.assert_allclose(plan.table["spend"], spends(mu), atol=1e-3)
    funded = plan.table["spend"] > 1e-6
    np.testing.assert_allclose(plan.table.loc[funded, "marginal_return"], mu, rtol=1e-4)

    ample = allocate_budget(curves, 10_000.0, objective="net")
    expected = np.where(c * k > 1, np.log(np.maximum(c * k, 1)) / k, 0.0)
    np.testing.assert_allclose(ample.table["spend"], expected, atol=1e-3)
    assert ample.total_spend < 10_000.0  # money that would return less than it costs is kept


def test_budget_shadow_price_is_the_common_marginal_return_at_the_optimum():
    """Closed form (KKT): with a binding budget every funded action's marginal return equals 1 + λ,
    so the shadow price is λ = (that common value) − 1 (net) or the value itself (gross), for the
    two-curve example of :func:`allocate_budget` (10·e^(−0.01·s₁) = 5·e^(−0.005·s₂), s₁ + s₂ = 300)."""
    curves = pd.DataFrame({"segment": ["a", "b"], "action": ["retention", "retention"],
                           "ceiling": [1000.0, 1000.0], "rate": [0.01, 0.005]})
    s1 = (300 * 0.005 + np.log(2)) / 0.015  # from 10·e^(−0.01·s₁) = 5·e^(−0.005·(300 − s₁))
    common = 10 * np.exp(-0.01 * s1)
    plan = allocate_budget(curves, 300.0)
    np.testing.assert_allclose(plan.table["marginal_return"], common, rtol=1e-5)
    assert plan.budget_shadow_price == pytest.approx(common - 1, rel=1e-5)
    assert allocate_budget(curves, 300.0, objective="gross").budget_shadow_price == pytest.approx(common, rel=1e-5)


def test_minimum_spends_are_respected_and_infeasible_budgets_rejected():
    """Hand-worked: committed minimum spends are kept even where they do not pay; a budget below
    their sum, a negative, non-finite or non-numeric budget is rejected with a clear message."""
    curves = CURVES.assign(min_spend=[0.0, 0.0, 50.0], ceiling=[400.0, 250.0, 1.0])
    plan = allocate_budget(curves, 100.0)
    assert plan.table.loc[2, "spend"] == pytest.approx(50.0)
    with pytest.raises(InfeasibleBudgetError, match="minimum spends sum to 50.00, more than the budget of 40.00"):
        allocate_budget(curves, 40.0)
    for bad in (-1.0, np.nan, np.inf, "a lot"):
        with pytest.raises(InfeasibleBudgetError, match="budget"):
            allocate_budget(CURVES, bad)
    with pytest.raises(ValueError, match="objective"):
        allocate_budget(CURVES, 10.0, objective="profit")


def test_negative_costs_and_bad_curves_are_named_by_row_and_column(tmp_path):
    """Negative costs (spend caps, minimum spends, spends), ceilings, non-positive rates, unknown
    forms and min above max are each reported with their row and column (1-based under a CSV
    header when the curves come from a file)."""
    bad = CURVES.copy()
    bad.loc[0, "ceiling"] = -5.0
    bad.loc[1, "rate"] = 0.0
    bad.loc[2, "max_spend"] = -10.0
    with pytest.raises(DataError) as err:
        allocate_budget(bad, 100.0)
    text = str(err.value)
    assert "row 0, column 'ceiling': negative value (-5.0)" in text
    assert "row 1, column 'rate': must be positive (0.0)" in text
    assert "row 2, column 'max_spend': negative value (-10.0)" in text
    with pytest.raises(DataError, match="row 0, column 'min_spend': negative value"):
        allocate_budget(CURVES.assign(min_spend=[-1.0, 0, 0]), 100.0)
    with pytest.raises(DataError, match="min_spend .* above max_spend"):
        allocate_budget(CURVES.assign(min_spend=[0, 200.0, 0]), 500.0)
    with pytest.raises(DataError, match="column 'form': unknown value"):
        response(CURVES.assign(form=["exponential", "s-shaped", "exponential"]), [1.0, 1.0, 1.0])
    with pytest.raises(DataError, match="row 1: spend must be a finite number ≥ 0"):
        incremental_clv_and_roi(CURVES, [10.0, -3.0, 0.0])
    with pytest.raises(DataError, match="row 2, column 'max_spend': negative value"):
        path = tmp_path / "curves.csv"
        CURVES.assign(max_spend=[np.inf, -1.0, 50.0]).to_csv(path, index=False)
        allocate_budget(path, 100.0)
    CURVES.to_csv(path, index=False)  # "inf" in a file is no cap
    assert allocate_budget(path, 100.0).total_spend == pytest.approx(allocate_budget(CURVES, 100.0).total_spend)
    with pytest.raises(ValueError, match="proactive_cost must be a cost ≥ 0"):
        expected_retention_outcome([0.5], [10.0], proactive_contacts=1, proactive_cost=-1.0, proactive_success=0.5,
                                   voice_rate=0.5, reactive_cost=1.0, reactive_success=0.5)


def test_response_forms_and_roi_hand_worked():
    """Hand-worked: at s = 1/k the exponential curve gives c(1 − e⁻¹) and the hyperbolic c/2;
    f'(0) = c·k for both; ROI = (f(s) − s)/s; per action sums over segments, NaN ROI unspent."""
    c = CURVES.iloc[:2]
    s = 1 / c["rate"].to_numpy()
    np.testing.assert_allclose(response(c, s), [400 * (1 - np.exp(-1)), 125.0])
    np.testing.assert_allclose(marginal_response(c, [0.0, 0.0]), [8.0, 7.5])
    table = incremental_clv_and_roi(CURVES, [50.0, 0.0, 100.0])
    f = [400 * (1 - np.exp(-1)), 0.0, 300 * (1 - np.exp(-0.8))]
    np.testing.assert_allclose(table["incremental_clv"], f)
    np.testing.assert_allclose(table["roi"].iloc[[0, 2]], [(f[0] - 50) / 50, (f[2] - 100) / 100])
    assert np.isnan(table["roi"].iloc[1])
    by_segment = incremental_clv_and_roi(CURVES, [50.0, 0.0, 100.0], by="segment").set_index("segment")
    assert by_segment.loc["core", "incremental_clv"] == pytest.approx(f[0])
    assert by_segment.loc["core", "roi"] == pytest.approx((f[0] - 50) / 50)


def test_response_curve_grid_follows_the_closed_forms():
    """Closed form: the grid holds c(1 − e^(−k·s)) for the exponential curves and c·k·s/(1 + k·s) for the
    hyperbolic one at evenly spaced spends from 0 to the maximum, curve by curve in the table's order;
    a maximum spend of 0 or a single point is refused."""
    grid = response_curve_grid(CURVES, 300.0, n_points=4)
    assert grid[["segment", "action"]].drop_duplicates().values.tolist() == CURVES[["segment", "action"]].values.tolist()
    spends = np.array([0.0, 100.0, 200.0, 300.0])
    for (_, curve), (_, part) in zip(CURVES.iterrows(), grid.groupby(["segment", "action"], sort=False), strict=True):
        c, k = curve["ceiling"], curve["rate"]
        hyperbolic = curve.get("form", "exponential") == "hyperbolic"
        expected = c * k * spends / (1 + k * spends) if hyperbolic else c * (1 - np.exp(-k * spends))
        np.testing.assert_allclose(part["spend"], spends)
        np.testing.assert_allclose(part["incremental_clv"], expected)
    for bad in ({"max_spend": 0.0}, {"max_spend": 100.0, "n_points": 1}):
        with pytest.raises(ValueError):
            response_curve_grid(CURVES, **bad)


def test_loyalty_response_curves_hand_worked():
    """Hand-worked: the base of each action from the segment's metrics times max_lift, and the rate
    divided by the customers it works on (the lapsed for win-back)."""
    seg = pd.DataFrame({"n_customers": [200], "mean_clv": [100.0], "probability_alive": [0.6], "share_of_wallet": [0.4],
                        "cross_buying_index": [0.5], "n_lapsed": [50], "win_back_probability": [0.2]}, index=["core"])
    actions = pd.DataFrame({"action": ["retention", "up_selling", "cross_selling", "relationship_deepening", "win_back"],
                            "max_lift": [0.5, 0.1, 0.2, 0.05, 1.0], "rate_per_customer": [0.1] * 5})
    curves = loyalty_response_curves(seg, actions).set_index("action")
    assert curves["ceiling"].to_dict() == pytest.approx({
        "retention": 0.5 * 200 * 100 * 0.4, "up_selling": 0.1 * 200 * 100 * 0.6, "cross_selling": 0.2 * 200 * 100 * 0.5,
        "relationship_deepening": 0.05 * 200 * 100, "win_back": 50 * 0.2 * 100})
    assert curves.loc["retention", "rate"] == pytest.approx(0.1 / 200)
    assert curves.loc["win_back", "rate"] == pytest.approx(0.1 / 50)
    with pytest.raises(DataError, match="column 'probability_alive': outside the scale"):
        loyalty_response_curves(seg.assign(probability_alive=1.5), actions)


def test_lapsed_segments_need_a_flag_and_a_win_back_probability():
    """Bad input and hand-worked: a missing ``lapsed`` flag (in the segment table or the customer
    flags) raises a DataError naming the segment / customer instead of being read as True; a lapsed
    segment without a win-back probability raises instead of silently getting no curve; a base of
    lapsed customers only raises unless the value of a won-back customer is given, and then gets the
    win-back curve max_lift · n_lapsed · P(win back) · won_back_clv."""
    cust = pd.DataFrame({"clv": [100.0, 50.0, 2.0, 3.0], "probability_alive": [0.9, 0.7, 0.1, 0.2],
                         "share_of_wallet": [0.5, 0.3, 0.1, 0.1], "cross_buying_index": [0.4, 0.2, 0.0, 0.0]}, index=list("abcd"))
    seg = pd.Series({"a": "core", "b": "core", "c": "lapsed", "d": "lapsed"})
    p = pd.Series({"c": 0.3, "d": 0.3})
    profile = segment_profile(seg, cust, win_back_probability=p)
    curves = loyalty_response_curves(profile).set_index(["segment", "action"])
    assert curves.loc[("lapsed", "win_back"), "ceiling"] == pytest.approx(0.25 * 2 * 0.3 * 75.0)
    assert len(curves.loc["core"]) == 4
    with pytest.raises(DataError, match="row core, column 'lapsed': missing value"):
        loyalty_response_curves(profile.assign(lapsed=[np.nan, True]))
    with pytest.raises(DataError, match="row lapsed, column 'win_back_probability': segment with lapsed customers"):
        loyalty_response_curves(segment_profile(seg, cust))
    with pytest.raises(DataError, match="row d: lapsed customer without a win-back probability"):
        segment_profile(seg, cust, win_back_probability=p.drop("d"))
    only = seg[seg == "lapsed"]
    with pytest.raises(DataError, match="only lapsed customers.*pass won_back_clv"):
        segment_profile(only, cust, win_back_probability=p)
    alone = loyalty_response_curves(segment_profile(only, cust, win_back_probability=p, won_back_clv=80.0))
    assert alone[["segment", "action"]].values.tolist() == [["lapsed", "win_back"]]
    assert alone["ceiling"].iloc[0] == pytest.approx(0.25 * 2 * 0.3 * 80.0)
    loyal = pd.DataFrame({"rank": [1, 2, 3]}, index=list("abc"))
    with pytest.raises(DataError, match="row a, column 'lapsed': missing value"):
        loyalty_segments(loyal, lapsed=pd.Series({"a": np.nan, "b": False, "c": False}))
    flags = pd.Series({"a": 0, "b": 1})  # 0/1 flags are fine; c, absent, is active
    assert loyalty_segments(loyal, lapsed=flags, shares=(0.5, 0.5), labels=("x", "y")).tolist() == ["x", "lapsed", "y"]


# ----- proactive vs reactive retention ---------------------------------------------------------------

def test_retention_simulation_matches_the_closed_form():
    """Closed form: the Monte Carlo means of customers saved, cost and value saved agree with
    E[saved] = Σ_contacted pᵢ·s_p (proactive) and Σ pᵢ·v·s_r (reactive) within 4 standard errors;
    doing nothing saves no one; a hand-worked two-customer expectation."""
    gen = np.random.default_rng(5)
    p = gen.beta(2, 5, 400)
    value = gen.gamma(2.0, 50.0, 400)
    kwargs = dict(proactive_contacts=100, proactive_cost=4.0, proactive_success=0.35, voice_rate=0.4,
                  reactive_cost=15.0, reactive_success=0.5)
    sims = simulate_retention_strategies(p, value, n_simulations=3000, rng=1, **kwargs).set_index("strategy")
    exp = expected_retention_outcome(p, value, **kwargs).set_index("strategy")
    for strategy in ("proactive", "reactive"):
        se = sims.loc[strategy, "saved_sd"] / np.sqrt(3000)
        assert abs(sims.loc[strategy, "saved"] - exp.loc[strategy, "expected_saved"]) < 4 * se
        assert sims.loc[strategy, "value_saved"] == pytest.approx(exp.loc[strategy, "expected_value_saved"], rel=0.03)
        assert sims.loc[strategy, "cost"] == pytest.approx(exp.loc[strategy, "expected_cost"], rel=0.02)
    assert sims.loc["none", "saved"] == 0 and sims.loc["none", "lost"] == pytest.approx(p.sum(), rel=0.01)
    again = simulate_retention_strategies(p, value, n_simulations=3000, rng=1, **kwargs).set_index("strategy")
    pd.testing.assert_frame_equal(sims, again)  # seeded
    hand = expected_retention_outcome([0.5, 0.1], [100.0, 200.0], proactive_contacts=1, proactive_cost=5.0,
                                      proactive_success=0.4, voice_rate=0.5, reactive_cost=10.0, reactive_success=0.6)
    assert hand["expected_value_saved"].tolist() == pytest.approx([0.5 * 0.4 * 100, (0.5 * 100 + 0.1 * 200) * 0.5 * 0.6])
    with pytest.raises(DataError, match="churn probability outside"):
        expected_retention_outcome([1.2], [1.0], **kwargs | {"proactive_contacts": 0})


def test_retention_inputs_are_checked():
    """Bad input: a missing risk score (which would sort last and never be contacted), a missing
    churn probability or an infinite value raise a DataError naming the customer; a fractional
    number of proactive contacts (which would charge 1.5 contacts and contact 1) raises a
    ValueError; a whole float (2.0) is accepted and charged as 2 contacts (hand-worked)."""
    kwargs = dict(proactive_cost=5.0, proactive_success=0.5, voice_rate=0.5, reactive_cost=10.0, reactive_success=0.5)
    with pytest.raises(DataError, match="row 0, column 'risk_score': risk score missing"):
        expected_retention_outcome([0.9, 0.1], [100.0, 100.0], proactive_contacts=1, risk_score=[np.nan, 0.2], **kwargs)
    with pytest.raises(DataError, match="row 1, column 'risk_score'"):
        simulate_retention_strategies([0.9, 0.1], [100.0, 100.0], proactive_contacts=1, risk_score=[0.2, np.inf], **kwargs)
    with pytest.raises(DataError) as err:
        expected_retention_outcome([np.nan, 0.1], [100.0, np.inf], proactive_contacts=1, **kwargs)
    assert "row 0, column 'churn_probability': churn probability missing" in str(err.value)
    assert "row 1, column 'value': customer value missing or not finite" in str(err.value)
    for bad in (1.5, np.nan, True):
        with pytest.raises(ValueError, match="proactive_contacts must be a whole number"):
            expected_retention_outcome([0.9, 0.1], [100.0, 100.0], proactive_contacts=bad, **kwargs)
    with pytest.raises(ValueError, match="proactive_contacts must be a whole number"):
        simulate_retention_strategies([0.9, 0.1], [100.0, 100.0], proactive_contacts=1.5, **kwargs)
    both = expected_retention_outcome([0.9, 0.1], [100.0, 100.0], proactive_contacts=2.0, **kwargs).set_index("strategy")
    assert both.loc["proactive", "expected_cost"] == 10.0
    assert both.loc["proactive", "expected_saved"] == pytest.approx((0.9 + 0.1) * 0.5)


# ----- win-back ---------------------------------------------------------------------------------------

def test_lapsed_customers_from_a_calibration_summary():
    """Hand-worked: calibration to 31 March, holdout to 30 June, lapsed after 8 weeks:
    a (last purchase 15 Jan, 10.71 weeks ago, bought in June) and c (one purchase 1 Feb, 8.29
    weeks ago, no holdout purchase) have lapsed; b (1 March) has not."""
    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c"],
                       "date": ["2021-01-01", "2021-01-15", "2021-06-01", "2021-01-01", "2021-03-01", "2021-02-01"],
                       "amount": [10.0, 20, 30, 5, 5, 8]})
    summary = transaction_summary(tx, observation_end="2021-06-30", calibration_end="2021-03-31", freq="D", time_unit="W")
    lapsed = lapsed_customers(summary, lapse_after=8)
    assert lapsed.index.tolist() == ["a", "c"]
    assert lapsed["time_since_last"].tolist() == pytest.approx([75 / 7, 58 / 7])
    assert lapsed["reactivated"].tolist() == [1.0, 0.0]


def test_win_back_model_recovers_the_synthetic_truth(world):
    """Synthetic ground truth: the logit of the world's win-back offers recovers the true
    coefficients within 3 standard errors, and its predictions are the logistic function of the
    fitted index (computed by hand)."""
    model = WinBackModel().fit(world.win_back)
    truth = dict(zip(["Intercept", "np.log1p(frequency)", "time_since_last"], world.truth["win_back_coefficients"], strict=True))
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 3 * model.standard_errors_[name], name
    lapsed = world.win_back.head(5)
    index = model.params_["Intercept"] + model.params_["np.log1p(frequency)"] * np.log1p(lapsed["frequency"]) \
        + model.params_["time_since_last"] * lapsed["time_since_last"]
    np.testing.assert_allclose(model.predict(lapsed), 1 / (1 + np.exp(-index)))
    with pytest.raises(ValueError, match="both won-back"):
        WinBackModel().fit(world.win_back.assign(reactivated=0.0))


def test_win_back_predictions_name_missing_predictors(world):
    """Bad input: predicting for customers without the ``time_since_last`` column, or with a
    missing frequency, raises a DataError naming the column / row (not a patsy error or a silent
    NaN probability); fitting on a missing predictor is refused the same way, not dropped."""
    model = WinBackModel().fit(world.win_back)
    assert model.predictors_ == ["frequency", "time_since_last"]
    lapsed = world.win_back.head(3).reset_index(drop=True)
    with pytest.raises(DataError, match="column 'time_since_last': missing column"):
        model.predict(lapsed.drop(columns="time_since_last"))
    with pytest.raises(DataError, match="row 1, column 'frequency': missing value"):
        model.predict(lapsed.assign(frequency=[1.0, np.nan, 2.0]))
    with pytest.raises(DataError, match="row 0, column 'time_since_last': missing value"):
        WinBackModel().fit(world.win_back.reset_index(drop=True).assign(
            time_since_last=lambda d: d["time_since_last"].mask(d.index == 0)))


# ----- loyalty analytics -------------------------------------------------------------------------------

TX = pd.DataFrame({
    "customer_id": ["a", "a", "a", "a", "b", "b", "c"],
    "date": ["2021-01-10", "2021-04-10", "2021-07-10", "2021-10-10", "2021-01-20", "2021-12-01", "2021-06-01"],
    "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 10.0, 25.0],
    "category": ["music", "music", "books", "film", "music", "music", "games"],
})


def test_loyalty_metrics_hand_worked():
    """Hand-worked on 7 purchases of 3 customers (4 categories offered): a buys 3 → index 2/3,
    b and c 1 → 0; a's quarterly spend 10, 20, 30, 40 has slope 10 and growth 10/25; b's 50, 0,
    0, 10 has slope −14; a's relationship lasts 355 days to 31 Dec, 4 purchases over 3 categories."""
    cross = cross_buying_index(TX)
    assert cross["n_categories"].tolist() == [3.0, 1.0, 1.0]
    assert cross["cross_buying_index"].tolist() == pytest.approx([2 / 3, 0.0, 0.0])
    assert cross.loc["a", "category_share"] == pytest.approx(40 / 100)  # film 40 of 100
    growth = spending_growth(TX, freq="Q", observation_end="2021-12-31")
    assert growth.loc["a", "slope"] == pytest.approx(10.0) and growth.loc["a", "growth_rate"] == pytest.approx(0.4)
    assert growth.loc["b", "slope"] == pytest.approx(np.polyfit(np.arange(4), [50, 0, 0, 10], 1)[0])
    assert growth.loc["c", "periods"] == 3
    depth = relationship_depth(TX, observation_end="2021-12-31")
    assert depth.loc["a", "length_days"] == 355
    assert depth.loc["a", "purchases_per_month"] == pytest.approx(4 / (355 / 30.4375))
    assert depth.loc["a", "purchases_per_category"] == pytest.approx(4 / 3)
    sow = share_of_wallet(pd.Series({"a": 100.0, "b": 60.0}), pd.Series({"a": 400.0, "b": 60.0}))
    assert sow.tolist() == [0.25, 1.0]
    values = pd.DataFrame({"clv": [200.0, 80.0, 500.0], "probability_alive": [0.9, 0.5, 0.2],
                           "share_of_wallet": [0.25, 1.0, 0.5]}, index=["a", "b", "c"])
    loyal = most_loyal_customers(values)
    assert loyal.index.tolist() == ["c", "a", "b"]  # 50, 45, 40
    assert loyal["cumulative_share"].tolist() == pytest.approx([50 / 135, 95 / 135, 1.0])
    assert most_loyal_customers(values, top=1).index.tolist() == ["c"]
    segments = loyalty_segments(loyal, lapsed=pd.Series({"b": True}), shares=(1 / 3, 2 / 3), labels=("core", "other"))
    assert segments.to_dict() == {"c": "core", "a": "other", "b": "lapsed"}


def test_spending_growth_equals_polyfit_per_customer(world):
    """Second implementation: the closed-form slopes equal numpy.polyfit on each customer's
    zero-filled quarterly spend."""
    growth = spending_growth(world.transactions, freq="Q", observation_end=world.end)
    tx = world.transactions.assign(period=world.transactions["date"].dt.to_period("Q"))
    last = world.end.to_period("Q")
    for customer in growth.index[:25]:
        own = tx[tx["customer_id"] == customer]
        periods = pd.period_range(own["period"].min(), last, freq="Q")
        y = own.groupby("period")["amount"].sum().reindex(periods, fill_value=0.0).to_numpy()
        assert growth.loc[customer, "slope"] == pytest.approx(np.polyfit(np.arange(len(y)), y, 1)[0], abs=1e-9)


def test_loyalty_metrics_recover_the_synthetic_truth(world):
    """Synthetic ground truth: observed categories never exceed the true breadth and equal it for
    customers with 20+ purchases in most cases; share of wallet ranks customers as the true SoW
    does (Spearman > 0.95); the most loyal fifth is more engaged than the rest."""
    truth = world.customers.set_index("customer_id")
    cross = cross_buying_index(world.transactions)
    breadth = truth.loc[cross.index, "true_breadth"]
    assert (cross["n_categories"] <= breadth).all()
    heavy = truth.loc[cross.index, "n_purchases"] >= 20
    assert (cross.loc[heavy, "n_categories"] == breadth[heavy]).mean() > 0.8
    spend = world.transactions.groupby("customer_id")["amount"].sum()
    sow = share_of_wallet(spend, world.wallet)
    assert stats.spearmanr(sow, truth.loc[sow.index, "true_share_of_wallet"]).statistic > 0.95
    values = pd.DataFrame({"clv": truth["lam"] * truth["mean_spend"], "probability_alive": truth["alive_at_end"].astype(float),
                           "share_of_wallet": sow.reindex(truth.index)})
    loyal = most_loyal_customers(values)
    top = loyal.index[: len(loyal) // 5]
    assert truth.loc[top, "engagement"].mean() > truth.drop(top)["engagement"].mean() + 0.5


def test_bad_loyalty_inputs_are_named():
    """Bad input: a zero wallet, spend above the wallet, a purchase without a category and a
    category the firm does not offer are each reported by row and column."""
    with pytest.raises(DataError, match="row b, column 'wallet': must be positive"):
        share_of_wallet(pd.Series({"a": 1.0, "b": 1.0}), pd.Series({"a": 2.0, "b": 0.0}))
    with pytest.raises(DataError, match="row a, column 'spend': spend above the wallet"):
        share_of_wallet(pd.Series({"a": 3.0}), pd.Series({"a": 2.0}))
    with pytest.raises(DataError, match="row 2, column 'category': missing category"):
        cross_buying_index(TX.assign(category=["music", "music", None, "film", "music", "music", "games"]))
    with pytest.raises(DataError, match="column 'category': category not offered"):
        cross_buying_index(TX, categories=["music", "books", "film"])


def test_spending_growth_refuses_purchases_after_observation_end():
    """Bad input: purchases after ``observation_end`` are named by row (as relationship_depth does)
    instead of being dropped from the slope; both functions give the same message."""
    with pytest.raises(DataError) as err:
        spending_growth(TX, freq="Q", observation_end="2021-06-30")
    text = str(err.value)
    for row in (2, 3, 5):
        assert f"row {row}, column 'date': purchase after observation_end (2021-06-30)" in text
    assert "row 6" not in text and "row 1," not in text
    with pytest.raises(DataError) as depth_err:
        relationship_depth(TX, observation_end="2021-06-30")
    assert str(depth_err.value) == text


def test_cross_buying_counts_each_offered_category_once():
    """Hand-worked: categories listed twice do not inflate K: ["x", "y", "x", "y"] is K = 2, so a
    customer buying both has index (2 − 1)/(2 − 1) = 1 (not 1/3), one buying x has 0."""
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": ["2021-01-01"] * 3, "amount": [1.0, 2.0, 3.0],
                       "category": ["x", "y", "x"]})
    repeated = cross_buying_index(tx, categories=["x", "y", "x", "y"])
    assert repeated["cross_buying_index"].tolist() == [1.0, 0.0]
    pd.testing.assert_frame_equal(repeated, cross_buying_index(tx, categories=["x", "y"]))


# ----- value for and with the customer -----------------------------------------------------------------

def test_disconfirmation_hand_worked():
    """Hand-worked: gaps P − E of three respondents on two attributes, their means, the share
    disappointed and the t statistic mean/(sd/√n)."""
    survey = pd.DataFrame({"satisfaction": [3, 5, 6], "expectation_speed": [6, 5, 4], "perception_speed": [4, 5, 6],
                           "expectation_price": [5, 5, 5], "perception_price": [4, 3, 5]})
    gaps = disconfirmation(survey)
    assert gaps["gap_speed"].tolist() == [-2.0, 0.0, 2.0] and gaps["gap_price"].tolist() == [-1.0, -2.0, 0.0]
    summary = disconfirmation_summary(survey)
    assert summary.loc["price", "mean_gap"] == pytest.approx(-1.0)
    assert summary.loc["price", "share_disappointed"] == pytest.approx(2 / 3)
    assert summary.loc["price", "t"] == pytest.approx(-1.0 / (1.0 / np.sqrt(3)))


def test_satisfaction_regression_recovers_the_attribute_weights(world):
    """Synthetic ground truth: the OLS on the gaps recovers each SERVQUAL attribute's weight in
    satisfaction within 0.03 (3,000 respondents; clipping to the scale is rare)."""
    results = satisfaction_regression(read_value_survey(world.survey))
    for a in ATTRIBUTES:
        assert results.params[f"gap_{a}"] == pytest.approx(world.truth["satisfaction_weights"][a], abs=0.03)


def test_touchpoint_value_gaps_recover_the_truth(world):
    """Synthetic ground truth: each touchpoint's estimated gap is within 0.05 of the true gap (the
    clipping to 1–7 shifts it slightly) and the call centre is worst; with the importances the
    priority is importance × the shortfall, by hand."""
    gaps = touchpoint_value_gaps(world.touchpoints)
    for t, g in world.truth["touchpoint_gaps"].items():
        assert gaps.loc[t, "value_gap"] == pytest.approx(g, abs=0.05), t
    assert gaps.index[0] == "call_centre"
    importance = {"website": 0.2, "app": 0.1, "store": 0.3, "call_centre": 0.5, "delivery": 1.0}
    ranked = touchpoint_value_gaps(world.touchpoints, importance=importance)
    assert ranked.loc["delivery", "priority"] == pytest.approx(-gaps.loc["delivery", "value_gap"])
    assert ranked.loc["store", "priority"] == 0.0


def test_bad_value_surveys_are_named():
    """Bad answers: a rating off the 1–7 scale, a word, and an expectation without its perception."""
    survey = pd.DataFrame({"satisfaction": [5, 4], "expectation_speed": [4, "fast"], "perception_speed": [8, 5]})
    with pytest.raises(DataError) as err:
        read_value_survey(survey)
    assert "row 1, column 'expectation_speed': not a number ('fast')" in str(err.value)
    assert "row 0, column 'perception_speed': outside the scale 1–7 (8)" in str(err.value)
    with pytest.raises(DataError, match="column 'expectation_price': an expectation without its perception"):
        read_value_survey(pd.DataFrame({"satisfaction": [5], "expectation_speed": [4], "perception_speed": [5],
                                        "expectation_price": [3]}))


def test_co_creation_indicators_hand_worked_and_the_ols_checked():
    """Hand-worked index (log(1 + count) / max, averaged over the four indicators); the log-log OLS
    equals numpy's least squares (a second implementation)."""
    acts = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "activity": ["reviews", "referrals", "reviews", "community"],
                         "count": [3.0, 1.0, 1.0, 2.0]})
    ind = co_creation_indicators(acts, customers=["a", "b", "c", "d"])
    expected_a = (1 + 0 + 1 + 0) / 4  # reviews at the maximum, referrals at the maximum
    expected_b = (np.log(2) / np.log(4)) / 4
    assert ind["co_creation_index"].tolist() == pytest.approx([expected_a, expected_b, 0.25, 0.0])
    assert ind["co_creator"].tolist() == [1.0, 1.0, 1.0, 0.0]
    clv = pd.Series([300.0, 120.0, 80.0, 40.0], index=["a", "b", "c", "d"])
    table, ols = co_creation_clv_association(ind, clv)
    assert table.loc["reviews", "clv_ratio"] == pytest.approx(((300 + 120) / 2) / ((80 + 40) / 2))
    X = np.column_stack([np.ones(4)] + [np.log1p(ind[c]) for c in ("reviews", "referrals", "community")])
    beta = np.linalg.lstsq(X, np.log1p(clv.to_numpy()), rcond=None)[0]
    np.testing.assert_allclose(ols.params.to_numpy(), beta, atol=1e-8)
    with pytest.raises(DataError, match="column 'activity': unknown value"):
        co_creation_indicators(pd.DataFrame({"customer_id": ["a"], "activity": ["likes"]}))


def test_co_creation_association_names_an_absent_indicator_once():
    """Bad input: an indicator column the table lacks is one "missing column" problem, not one
    "missing value" per customer; a missing count is still named by row."""
    ind = pd.DataFrame({"reviews": [0.0, 1.0, 2.0]}, index=list("abc"))
    clv = pd.Series([10.0, 20.0, 30.0], index=list("abc"))
    with pytest.raises(DataError) as err:
        co_creation_clv_association(ind, clv, columns=["reviews", "ideas"])
    assert len(err.value.problems) == 1
    assert "column 'ideas': missing column" in str(err.value) and "missing value" not in str(err.value)
    with pytest.raises(DataError, match="row b, column 'reviews': missing value"):
        co_creation_clv_association(ind.assign(reviews=[0.0, np.nan, 2.0]), clv, columns=["reviews"])


def test_co_creation_goes_with_customer_value_in_the_synthetic_world(world):
    """Synthetic ground truth: engagement drives both co-creation and the purchase rate, so every
    indicator correlates positively with the customers' true value (λ × mean spend, Spearman ρ > 0,
    p < 0.001) and co-creators are worth more than the others."""
    truth = world.customers.set_index("customer_id")
    ind = co_creation_indicators(world.co_creation, customers=truth.index)
    table, ols = co_creation_clv_association(ind, truth["lam"] * truth["mean_spend"])
    assert (table["spearman_rho"] > 0).all() and (table["p"] < 1e-3).all()
    assert (table["clv_ratio"] > 1).all()
    assert isinstance(ols, sm.regression.linear_model.RegressionResultsWrapper)


# ----- figures -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_figures_draw_the_result_frames(world):
    """The figures draw what the frames hold: bar widths are the touchpoint gaps, stacked spends sum
    to each segment's spend, the dots sit at the optimal spends, bars are the customers saved."""
    from crmlab import plots

    gaps = touchpoint_value_gaps(world.touchpoints)
    ax = plots.plot_value_gaps(gaps).axes[0]
    np.testing.assert_allclose(sorted(p.get_width() for p in ax.patches), sorted(gaps["value_gap"]))
    plan = allocate_budget(CURVES, 200.0)
    ax = plots.plot_budget_allocation(plan.table, plan.by_action()).axes[0]
    # the right panel draws the totals per action it is given, the frame by_action() computes
    right = sorted(round(p.get_width(), 9) for p in plots.plot_budget_allocation(plan.table, plan.by_action()).axes[1].patches)
    totals = plan.by_action()
    assert right == sorted(round(v, 9) for v in pd.concat([totals["spend"], totals["incremental_clv"]]))
    heights = {}
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2, 6)
        heights[x] = heights.get(x, 0.0) + patch.get_height()
    np.testing.assert_allclose(sorted(heights.values()), sorted(plan.by_segment()["spend"]))
    fig = plots.plot_response_curves(response_curve_grid(CURVES, 400.0), plan.table)
    dots = [line for ax in fig.axes for line in ax.lines if line.get_marker() == "o"]
    np.testing.assert_allclose(sorted(float(d.get_xdata()[0]) for d in dots), sorted(plan.table["spend"]))
    sims = simulate_retention_strategies([0.3] * 50, 10.0, proactive_contacts=10, proactive_cost=1.0, proactive_success=0.5,
                                         voice_rate=0.5, reactive_cost=2.0, reactive_success=0.5, n_simulations=50, rng=1)
    ax = plots.plot_retention_strategies(sims).axes[0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], sims["saved"])


def test_loyalty_world_follows_its_documented_process(world):
    """Synthetic ground truth of the world itself: engagement correlates with log λ at ρ = 0.7;
    co-creation counts average exp(β₀ + β₁·e) (Poisson means, within 4 standard errors); the
    win-back outcomes average their true probabilities; the reported wallet is never below the spend."""
    truth = world.customers.set_index("customer_id")
    rho = np.corrcoef(truth["engagement"], np.log(truth["lam"]))[0, 1]
    assert rho == pytest.approx(world.truth["engagement_correlation"], abs=0.04)
    counts = co_creation_indicators(world.co_creation, customers=truth.index)
    for name, (b0, b1) in world.truth["co_creation_effects"].items():
        mean = np.exp(b0 + b1 * truth.loc[counts.index, "engagement"])
        assert abs(counts[name].mean() - mean.mean()) < 4 * np.sqrt(mean.sum()) / len(mean), name
    wb = world.win_back
    assert abs(wb["reactivated"].mean() - wb["true_probability"].mean()) < 4 * np.sqrt(
        (wb["true_probability"] * (1 - wb["true_probability"])).sum()) / len(wb)
    spend = world.transactions.groupby("customer_id")["amount"].sum()
    assert (world.wallet.reindex(spend.index) >= spend).all()


def test_loyalty_targets_are_the_loyalty_steps_in_turn():
    """Second route: share of wallet, ranking, lapsed flags, segments and the joined metrics computed one by one."""
    from crmlab.clv import BetaGeo, GammaGamma, customer_value_table
    from crmlab.strategy import (
        cross_buying_index, lapsed_customers, loyalty_segments, loyalty_targets, most_loyal_customers,
        relationship_depth, share_of_wallet, simulate_loyalty_world, spending_growth,
    )

    small = simulate_loyalty_world(400, rng=11)
    summary = transaction_summary(small.transactions, observation_end=small.end, freq="D", time_unit="W")
    values = customer_value_table(summary, BetaGeo().fit(summary), GammaGamma().fit(summary), discount_rate=0.01, horizon=24)
    targets = loyalty_targets(small.transactions, summary, values, small.wallet, lapse_after=20, observation_end=small.end)
    sow = share_of_wallet(summary["total_spend"], small.wallet)
    loyal = most_loyal_customers(values, share_of_wallet=sow)
    lapsed = lapsed_customers(summary, lapse_after=20)
    flags = summary.index.isin(lapsed.index)
    pd.testing.assert_frame_equal(targets.loyal, loyal)
    pd.testing.assert_frame_equal(targets.lapsed, lapsed)
    assert targets.is_lapsed.tolist() == flags.tolist()
    pd.testing.assert_series_equal(targets.segments, loyalty_segments(loyal, lapsed=pd.Series(flags, index=summary.index)))
    expected = values.join([sow, cross_buying_index(small.transactions)[["cross_buying_index"]],
                            relationship_depth(small.transactions, observation_end=small.end)[["purchases_per_month"]],
                            spending_growth(small.transactions, freq="Q", observation_end=small.end)[["growth_rate"]]])
    pd.testing.assert_frame_equal(targets.customers, expected)
