"""The value-and-loyalty and referrals-and-guanxi report pages: their generated sentences, tables and safety.

Each sentence is checked against the frame it states, built small here so that
the answer flips (the strategy that wins, the direction of an effect, the
largest generation): the sentence must follow the numbers, so it cannot
contradict them. What each test checks against is said in it: hand-made frames
whose answer is known, frames computed independently with pandas and NumPy,
the lab's own models on seeded synthetic worlds with planted truth, the term
names statsmodels itself gives, and an HTML parser (BeautifulSoup) reading the
pages the report pipeline writes.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from bs4 import BeautifulSoup

from crmlab.display import markdown
from crmlab.display import referral as ref
from crmlab.display import strategy as say
from crmlab.display.labels import term_label
from crmlab.display.models import estimates_by_row, interval, odds_direction, odds_ratio_table, odds_ratio_text
from crmlab.display.text import bullet_list
from crmlab.strategy import allocate_budget
from crmlab.theories.referral import cusum_chart, ewma_chart, simulate_service_quality

HOSTILE = "<img src=x onerror=alert(4)>"


# ----- term labels and odds ratios ---------------------------------------------------------------


def test_term_labels_read_the_names_statsmodels_gives():
    # The term names come from statsmodels itself (patsy), not from a hand-written list.
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"tie_type": rng.choice(["business", "clan", "family"], 400), "frequency": rng.poisson(3, 400),
                         "time_since_last": rng.uniform(26, 52, 400)})
    data["y"] = (rng.random(400) < 0.4).astype(float)
    fit = smf.logit("y ~ C(tie_type) + np.log1p(frequency) + time_since_last + time_since_last:C(tie_type)", data).fit(disp=0)
    labels = [term_label(t, {"time_since_last": "weeks since the last purchase"}, {"tie_type": "business"})
              for t in fit.params.index]
    assert labels == ["Intercept", "Tie type: clan (vs business)", "Tie type: family (vs business)",
                      "log(1 + frequency)", "weeks since the last purchase",
                      "weeks since the last purchase × Tie type: clan (vs business)",
                      "weeks since the last purchase × Tie type: family (vs business)"]
    assert not any(re.search(r"C\(|\[T\.|np\.", label) for label in labels)


def test_odds_ratio_table_writes_the_fitted_odds_ratios_and_intervals():
    # Independent: exp of statsmodels' coefficients and confidence bounds, read back from the cells.
    rng = np.random.default_rng(11)
    x = rng.normal(size=800)
    data = pd.DataFrame({"x": x, "y": (rng.random(800) < 1 / (1 + np.exp(-(0.3 + 0.8 * x)))).astype(float)})
    fit = smf.logit("y ~ x", data).fit(disp=0)
    ci = fit.conf_int()
    results = pd.DataFrame({"coef": fit.params, "se": fit.bse, "odds_ratio": np.exp(fit.params), "ci_low": np.exp(ci[0]),
                            "ci_high": np.exp(ci[1]), "p_value": fit.pvalues})
    shown = odds_ratio_table(results, truth={"x": 0.8}).cells
    assert list(shown.columns) == ["Term", "Coefficient", "True coefficient", "Standard error", "Odds ratio (95% CI)", "p"]
    cell = shown.loc[1, "Odds ratio (95% CI)"]
    numbers = [float(v) for v in re.findall(r"\d+\.\d+", cell)]
    np.testing.assert_allclose(numbers, [np.exp(fit.params["x"]), np.exp(ci.loc["x", 0]), np.exp(ci.loc["x", 1])], rtol=5e-3)
    assert shown.loc[1, "p"] == "< 0.001" and shown.loc[0, "True coefficient"] == "–"


def test_odds_direction_is_read_from_the_interval_not_the_point():
    assert odds_direction(1.01, 3.0) == "up" and odds_direction(0.2, 0.99) == "down"
    assert odds_direction(0.5, 2.0) == "unclear" and odds_direction(float("nan"), 2.0) == "unclear"
    assert odds_ratio_text(2.0, 1.5, 2.5) == "2.00 (95% CI 1.50 to 2.50)" and interval(0.9452, 0.9621) == "0.945 to 0.962"


def test_bullet_list_keeps_markdown_and_escapes_values():
    items = bullet_list([markdown("**Budget.** {s}", s=HOSTILE), HOSTILE])
    assert items.text.count("\n* ") == 1 and "<img" not in items.text and "<img" not in items._repr_html_()
    assert "<strong>Budget.</strong>" in items._repr_html_()


# ----- value and loyalty: one count of the lapsed, tables of estimates ---------------------------


def test_a_customer_whose_last_purchase_is_exactly_the_lapse_window_ago_has_lapsed():
    # Day arithmetic as the second implementation: 2021-07-02 is 182 days (26 weeks) before 2021-12-31, and a
    # first purchase on 2020-12-22 makes T and recency non-whole weeks whose difference misses 26 by round-off.
    from crmlab.customers import transaction_summary
    from crmlab.strategy import lapsed_customers

    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
                       "date": pd.to_datetime(["2020-12-22", "2021-03-01", "2021-07-02", "2021-01-05", "2021-07-03"]),
                       "amount": [10.0, 12.0, 9.0, 20.0, 15.0]})
    summary = transaction_summary(tx, observation_end="2021-12-31", freq="D", time_unit="W")
    lapsed = lapsed_customers(summary, lapse_after=26)
    assert list(lapsed.index) == ["a"] and lapsed.loc["a", "time_since_last"] == 26.0  # b: 181 days, not lapsed


def test_the_data_line_and_the_win_back_count_the_same_lapsed_customers():
    # The configured page's world (3,000 customers, seed 42), where the two counts once differed by two: the world
    # flags the lapsed by days since the last purchase, the page by T − recency of the RFM summary.
    from crmlab.customers import transaction_summary
    from crmlab.strategy import lapsed_customers, simulate_loyalty_world

    world = simulate_loyalty_world(3000, rng=42)
    summary = transaction_summary(world.transactions, observation_end=world.end, freq="D", time_unit="W")
    lapsed = lapsed_customers(summary, lapse_after=world.truth["lapse_after"])
    assert set(lapsed.index) == set(world.win_back["customer_id"])


def test_estimates_sit_beside_planted_values_with_the_decimals_of_their_row():
    # The chain's effects on the configured page: 47.5 beside a planted 50, 1.26 beside 1 (then "50", "1").
    effects = pd.DataFrame({"estimate": [0.0497, 47.5, 1.26, 2.36, 0.652], "planted": [0.05, 50.0, 1.0, 2.5, 0.714]},
                           index=pd.Index(["a", "b", "direct", "indirect", "proportion"], name="effect"))
    cells = estimates_by_row(effects, ["number"] * 4 + ["percent"]).cells
    assert cells["Planted"].tolist() == ["0.0500", "50.0", "1.00", "2.50", "71.4%"]
    assert cells["Estimate"].tolist() == ["0.0497", "47.5", "1.26", "2.36", "65.2%"]
    for estimate, planted in zip(cells["Estimate"], cells["Planted"], strict=True):
        assert len(estimate.rstrip("%").split(".")[-1]) == len(planted.rstrip("%").split(".")[-1])


def test_emphasis_is_written_alike_now_and_wanted():
    markets = pd.DataFrame({"current_emphasis": [7.0, 3.5], "desired_emphasis": [7.0, 7.0], "emphasis_gap": [0.0, 3.5]},
                           index=["customer", "influence"])
    assert say.emphasis_now_and_wanted(markets).tolist() == ["7.0 → 7.0", "3.5 → 7.0"]
    whole = markets.assign(current_emphasis=[7.0, 4.0], emphasis_gap=[0.0, 3.0])
    assert say.emphasis_now_and_wanted(whole).tolist() == ["7 → 7", "4 → 7"] and say.emphasis_decimals(whole) == 0


# ----- value and loyalty sentences ---------------------------------------------------------------


def _gaps(reliability: float, tangibles: float, p: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame({"mean_gap": [reliability, tangibles], "share_disappointed": [0.7, 0.3], "p": [p, p]},
                        index=["reliability", "tangibles"])


def test_attribute_sentence_names_the_attribute_the_numbers_pick():
    weights = pd.Series({"reliability": 0.45, "tangibles": 0.05})
    assert say.attribute_gap_sentence(_gaps(-0.6, 0.3), weights).plain.startswith("Reliability falls furthest short")
    flipped = say.attribute_gap_sentence(_gaps(0.3, -0.6), weights).plain
    assert flipped.startswith("Tangibles falls furthest short") and "reliability weighs most" in flipped
    assert "also weighs most" not in flipped
    both = say.attribute_gap_sentence(_gaps(-0.6, -0.2), weights).plain
    assert "Tangibles (-0.200) also falls short" in both
    # A shortfall that is not significant is not stated as one.
    none = say.attribute_gap_sentence(_gaps(-0.6, 0.3, p=0.2), weights).plain
    assert none.startswith("No attribute falls significantly short")


def test_touchpoint_sentence_follows_the_intervals():
    gaps = pd.DataFrame({"value_gap": [-0.9, 0.37, -0.02], "ci_low": [-0.95, 0.3, -0.05], "ci_high": [-0.85, 0.4, 0.01]},
                        index=["call_centre", "store", "app"])
    text = say.touchpoint_gap_sentence(gaps).plain
    assert text.startswith("1 of the 3 touchpoints falls short") and "call centre" in text and "app" not in text
    assert "The store exceeds them most (+0.370)" in text
    flipped = say.touchpoint_gap_sentence(gaps.assign(value_gap=-gaps["value_gap"], ci_low=-gaps["ci_high"],
                                                      ci_high=-gaps["ci_low"])).plain
    assert "the store (-0.370 points)" in flipped and "The call centre exceeds them most (+0.900)" in flipped


def test_customer_value_sentence_compares_mean_and_median():
    skewed = say.customer_value_sentence(pd.Series([10.0, 20.0, 30.0, 300.0]), pd.Series([0.5, 0.7]), unit="€").plain
    assert "is 3.6 times the median (€25.00)" in skewed and "mean P(alive) of 60.0%" in skewed
    even = say.customer_value_sentence(pd.Series([10.0, 11.0, 12.0]), pd.Series([0.5]), unit="€").plain
    assert "close to the median" in even


#: The co-creation table of the configured page: ratios of means above 1, rank correlations negligible but
#: significant with 3,000 customers, and no slope of the joint regression significant.
_ASSOCIATION = pd.DataFrame({"clv_ratio": [1.34, 1.26, 1.59, 1.44], "spearman_rho": [0.046, 0.037, 0.059, 0.048],
                             "p": [0.011, 0.043, 0.001, 0.009]}, index=["reviews", "ideas", "referrals", "community"])
_SLOPES = pd.DataFrame({"slope": [3.925, 0.061, 0.103, 0.105, 0.065], "p": [0.0, 0.263, 0.285, 0.119, 0.281]},
                       index=["Intercept", "np.log1p(reviews)", "np.log1p(ideas)", "np.log1p(referrals)", "np.log1p(community)"])


def test_co_creation_sentence_claims_worth_only_where_a_test_shows_it():
    # Hand-made frames whose answer flips: the verdict follows the regression's p-values, never the ratio of means.
    skewed = pd.Series([10.0, 20.0, 30.0, 300.0])  # mean 3.6 × median
    text = say.co_creation_sentence(_ASSOCIATION, _SLOPES, clv=skewed).plain
    assert "worth more" not in text and "no sign of a more valuable customer" in text
    assert "1.26 (ideas) to 1.59 times (referrals)" in text and "a few customers of high value move these means" in text
    assert "only negligibly (Spearman ρ from 0.037 to 0.059)" in text and "no slope is significant (p from 0.119 to 0.285)" in text
    even = say.co_creation_sentence(_ASSOCIATION, _SLOPES, clv=pd.Series([10.0, 11.0, 12.0])).plain
    assert "move these means" not in even
    # One slope significant: that activity, and only it, goes with a higher CLV.
    one = say.co_creation_sentence(_ASSOCIATION, _SLOPES.assign(p=[0.0, 0.263, 0.285, 0.003, 0.281])).plain
    assert "referrals goes with a higher CLV (slope 0.105, p = 0.003)" in one
    assert one.endswith("customers who co-create through referrals are worth more.") and "ideas are worth" not in one
    negative = say.co_creation_sentence(_ASSOCIATION, _SLOPES.assign(slope=[3.9, -0.2, 0.1, 0.1, 0.1],
                                                                     p=[0.0, 0.01, 0.3, 0.3, 0.3])).plain
    assert "reviews goes with a lower CLV" in negative and negative.endswith("through reviews are worth less.")
    # Moderate, significant rank correlations but no slope of its own: no single activity is credited.
    moderate = say.co_creation_sentence(_ASSOCIATION.assign(spearman_rho=[0.3, 0.35, 0.4, 0.32]), _SLOPES).plain
    assert "rank with CLV moderately" in moderate and "no one activity stands out" in moderate
    # Without the regression, a significant, non-negligible rank correlation is the test.
    alone = say.co_creation_sentence(_ASSOCIATION.assign(spearman_rho=[0.04, 0.04, 0.35, 0.04])).plain
    assert alone.endswith("customers who co-create through referrals are worth more.")
    assert "no sign" in say.co_creation_sentence(_ASSOCIATION).plain


@pytest.mark.parametrize("effect, worth", [(0.0, False), (0.6, True)])
def test_co_creation_sentence_recovers_a_planted_effect(effect, worth):
    # A synthetic world with known truth: referral counts drive log CLV by ``effect`` (none, or strong);
    # the lab's association and regression feed the sentence, which must find exactly what was planted.
    rng = np.random.default_rng(5)
    n = 2000
    counts = pd.DataFrame({k: rng.poisson(1.0, n) for k in ("reviews", "ideas", "referrals", "community")},
                          index=[f"c{k}" for k in range(n)])
    clv = pd.Series(np.exp(3.5 + effect * np.log1p(counts["referrals"]) + rng.normal(0, 1.2, n)), index=counts.index)
    from crmlab.strategy import co_creation_clv_association

    association, ols = co_creation_clv_association(counts, clv)
    slopes = pd.DataFrame({"slope": ols.params, "p": ols.pvalues})
    text = say.co_creation_sentence(association, slopes, clv=clv).plain
    assert ("through referrals are worth more" in text) is worth, text
    assert not re.search(r"through (reviews|ideas|community)", text), text


def test_loyal_customers_sentence_follows_the_ranking_and_the_truth():
    loyal = pd.DataFrame({"cumulative_share": np.linspace(0.1, 1.0, 10)}, index=[f"c{k}" for k in range(10)])
    same = pd.Series(np.arange(10, 0, -1.0), index=loyal.index)  # the CLV order is the loyalty order
    text = say.loyal_customers_sentence(loyal, clv=same, engagement=(-0.2, 0.1)).plain
    assert "(2 of 10) holds 20.0%" in text and "exactly the 2 customers with the highest CLV" in text
    assert "not higher than the rest's" in text and "misses" in text
    other = say.loyal_customers_sentence(loyal, clv=same[::-1].set_axis(loyal.index), engagement=(0.6, -0.1)).plain
    assert "0 of them are also among the 2 with the highest CLV" in other and "finds the engaged customers" in other
    assert "is not mostly by CLV" in other


@pytest.mark.parametrize("overlap, verdict", [(87, "mostly follows CLV"), (60, "follows CLV in part"),
                                              (30, "is not mostly by CLV")])
def test_loyal_customers_sentence_grades_the_overlap_with_the_top_by_clv(overlap, verdict):
    # 1,000 customers, the top 100 by loyalty value; ``overlap`` of them are also the top 100 by CLV (set by hand).
    ids = [f"c{k:04d}" for k in range(1000)]
    loyal = pd.DataFrame({"cumulative_share": np.linspace(0.001, 1.0, 1000)}, index=ids)
    clv = pd.Series(1.0, index=ids)
    clv[ids[:overlap]] = 100.0
    clv[ids[500:500 + 100 - overlap]] = 90.0
    text = say.loyal_customers_sentence(loyal, top_share=0.1, clv=clv).plain
    assert f"{overlap} of them are also among the 100 with the highest CLV ({overlap:.1f}%)" in text
    assert verdict in text and f"bring in the other {100 - overlap}" in text
    assert "not by value alone" not in text


def test_win_back_sentence_reads_each_direction_from_its_interval():
    summary = pd.DataFrame({"coef": [0.4, 0.5, -0.05, 0.01], "se": 0.1, "p": 0.01, "odds_ratio": [1.5, 1.6, 0.95, 1.01],
                            "or_ci_low": [0.8, 1.3, 0.94, 0.9], "or_ci_high": [2.6, 2.0, 0.96, 1.1]},
                           index=["Intercept", "np.log1p(frequency)", "time_since_last", "offer"])
    text = say.win_back_sentence(summary, pd.Series([0.1, 0.3]), true_probability=0.25).plain
    assert "rise with log(1 + frequency)" in text and "fall with Time since last" in text
    assert "show no clear change with Offer" in text and "expects 20.0% of the 2 lapsed" in text and "25.0%" in text


CURVES = pd.DataFrame({"segment": ["core", "core", "lapsed"], "action": ["retention", "cross_selling", "win_back"],
                       "ceiling": [5000.0, 2000.0, 100.0], "rate": [0.01, 0.01, 0.005]})


@pytest.mark.parametrize("ceilings", [(5000.0, 2000.0, 100.0), (100.0, 2000.0, 5000.0), (150.0, 40.0, 60.0), (30.0, 40.0, 60.0)])
def test_budget_sentence_states_what_the_plan_holds(ceilings):
    # Checked against the plan's own frames, summed independently with pandas.
    plan = allocate_budget(CURVES.assign(ceiling=list(ceilings)), 300.0)
    text = say.budget_sentence(plan).plain
    spend = plan.table.groupby("action")["spend"].sum()
    funded = spend[spend > 0]
    if funded.empty:
        assert "spends nothing" in text
        return
    top = say.name(funded.idxmax())
    assert re.search(rf"\. {top[0].upper()}{top[1:]} gets ", text), text
    for action in spend[spend == 0].index:
        assert say.name(action) in text.split("incremental CLV")[-1].lower(), text
    left = 300.0 - spend.sum()
    if left > 1e-3:
        assert "stays unspent" in text and say.amount(left) in text
    else:
        assert "stays unspent" not in text


#: Two segments share cross-selling, so the leading action's split over segments differs from the segments' split
#: of the whole budget (the class of error "the core segment 74.2% of it" made).
SHARED = pd.DataFrame({"segment": ["core", "growth", "core", "lapsed"],
                       "action": ["cross_selling", "cross_selling", "retention", "win_back"],
                       "ceiling": [2000.0, 1800.0, 1500.0, 300.0], "rate": [0.01, 0.01, 0.01, 0.01]})


def _kkt_level(curves: pd.DataFrame, budget: float) -> float:
    """The closed-form optimum of exponential curves: the common marginal return μ of the funded pairs.

    f′ᵢ(s) = cᵢkᵢe^(−kᵢs) = μ gives sᵢ = ln(cᵢkᵢ/μ)/kᵢ where cᵢkᵢ > μ; μ = max(1, the μ that spends the
    budget), found by bisection (the net objective keeps money whose next unit returns less than 1)."""
    slope = (curves["ceiling"] * curves["rate"]).to_numpy()
    rate = curves["rate"].to_numpy()

    def spend(mu: float) -> float:
        return float(np.sum(np.where(slope > mu, np.log(slope / mu) / rate, 0.0)))

    if spend(1.0) <= budget:
        return 1.0
    low, high = 1.0, float(slope.max())
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if spend(mid) > budget else (low, mid)
    return (low + high) / 2


def test_budget_sentence_says_which_share_is_of_what():
    # Shares recomputed from the plan's table with pandas: the leading action's money in its largest segment,
    # and the leading segment's share of all the money, two different numbers each stated as what it is.
    plan = allocate_budget(SHARED, 400.0)
    text = say.budget_sentence(plan).plain
    table = plan.table
    cross = table[table["action"] == "cross_selling"]
    inside = cross["spend"].max() / cross["spend"].sum()
    by_segment = table.groupby("segment")["spend"].sum()
    overall = by_segment.max() / table["spend"].sum()
    assert abs(inside - overall) > 0.05  # the frame tells the two apart
    assert f"{say.percent(inside)} of it in the core segment" in text, text
    assert f"By segment, the core segment gets the most: {say.amount(by_segment.max())}, {say.percent(overall)} of the spend" in text


@pytest.mark.parametrize("budget, exhausted", [(400.0, True), (5000.0, False)])
def test_budget_sentence_states_the_optimum_from_the_numbers(budget, exhausted):
    # Against the closed form (KKT for exponential curves): the common marginal return μ of the funded pairs,
    # whether the budget is spent, and whether the unfunded first unit returns more than it costs.
    plan = allocate_budget(SHARED, budget)
    text = say.budget_sentence(plan).plain
    mu = _kkt_level(SHARED, budget)
    funded = int((plan.table["spend"] > 0).sum())
    assert f"Each of the {funded} funded segment × action pairs returns the same {say.number(mu)}" in text, (mu, text)
    if exhausted:
        assert mu > 1 and "more than the unit costs, so the whole budget is spent" in text and "unspent" not in text
        # win back's first unit returns 3.00: more than it costs, yet less than μ.
        assert "Win back gets nothing: its first unit of money would return 3.00, more than it costs but less than" in text
    else:
        assert mu == 1.0 and "no more than the unit costs" in text and "stays unspent" in text
        assert "whole budget" not in text


def _retention(proactive: float, reactive: float, expected: tuple[float, float] | None = None,
               saved: tuple[float, float] = (14.7, 24.7)) -> pd.DataFrame:
    expected = expected or (proactive, reactive)
    return pd.DataFrame({"strategy": ["none", "proactive", "reactive"], "saved": [0.0, *saved],
                         "net_value": [0.0, proactive, reactive], "expected_net_value": [0.0, *expected]})


def test_retention_sentence_names_the_strategy_the_numbers_pick():
    assert say.retention_sentence(_retention(2316.0, 4282.0)).plain.startswith("Reactive retention gives the higher")
    flipped = say.retention_sentence(_retention(4282.0, 2316.0)).plain
    assert flipped.startswith("Proactive retention gives the higher") and "but saves fewer customers" in flipped
    losing = say.retention_sentence(_retention(-50.0, -20.0)).plain
    assert losing.startswith("Neither strategy pays: reactive retention loses the least")
    disagree = say.retention_sentence(_retention(2316.0, 2320.0, expected=(2330.0, 2310.0))).plain
    assert "rank them the other way" in disagree


def test_retention_sentence_compares_costs_in_all_and_per_customer_saved():
    # The page's case: reactive costs more in all but less per customer saved; then both ways flipped by hand.
    frame = _retention(2316.0, 4282.0).assign(cost=[0.0, 264.0, 396.14])
    text = say.retention_sentence(frame).plain
    assert "It costs more per period ($396.14 against $264.00 for proactive retention) but less per customer saved " \
           "($16.04 against $17.96)" in text
    dearer = say.retention_sentence(frame.assign(cost=[0.0, 264.0, 600.0])).plain
    assert "costs more per period ($600.00 against $264.00 for proactive retention) and more per customer saved" in dearer
    cheaper = say.retention_sentence(frame.assign(cost=[0.0, 264.0, 200.0])).plain
    assert "costs less per period" in cheaper and "and less per customer saved" in cheaper
    assert "wastes less" not in text and "costs" not in say.retention_sentence(_retention(2316.0, 4282.0)).plain


def test_retention_winner_matches_the_frame_over_many_seeded_cases():
    # A sentence that cannot contradict its frame: 200 seeded random simulations, winner read back from the sentence.
    rng = np.random.default_rng(2024)
    for _ in range(200):
        net = rng.normal(0, 1000, 2)
        frame = _retention(*net, saved=tuple(rng.uniform(0, 30, 2)))
        text = say.retention_sentence(frame).plain
        winner = "proactive" if net[0] > net[1] else "reactive"
        assert re.match(rf"(Neither strategy pays: )?{winner}", text, flags=re.IGNORECASE), (net, text)


def _chain(a: float, b: float, proportion: float, ci: tuple[float, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    effects = pd.DataFrame({"coef": [a, b, 1.0, a * b, 1.0 + a * b, proportion]})
    return effects, pd.DataFrame({"indirect": [a * b], "ci_low": [ci[0]], "ci_high": [ci[1]]}, index=["raw"])


def test_chain_sentence_says_mostly_only_when_the_numbers_do():
    assert "mostly through retention" in say.satisfaction_chain_sentence(*_chain(0.05, 50, 0.71, (2.0, 3.0))).plain
    partly = say.satisfaction_chain_sentence(*_chain(0.05, 10, 0.33, (0.2, 0.8))).plain
    assert "partly through retention, mostly directly" in partly
    unclear = say.satisfaction_chain_sentence(*_chain(0.05, 10, 0.33, (-0.2, 0.8))).plain
    assert "no clear part" in unclear and "mostly" not in unclear
    negative = say.satisfaction_chain_sentence(*_chain(-0.05, 50, 1.7, (-3.0, -2.0))).plain
    assert negative.startswith("Satisfaction lowers retention") and "opposite directions" in negative


def test_six_markets_sentence_follows_scores_and_gaps():
    markets = pd.DataFrame({"relationship_score": [69.4, 36.2, 50.0], "current_emphasis": [7.0, 3.5, 5.0],
                            "desired_emphasis": [7.0, 7.0, 9.0], "emphasis_gap": [0.0, 3.5, 4.0]},
                           index=["customer", "influence", "internal"])
    text = say.six_markets_sentence(markets).plain
    assert "weakest in the influence market" in text and "most on the internal market" in text
    assert "the market whose relationships are weakest" not in text
    settled = say.six_markets_sentence(markets.assign(emphasis_gap=[0.0, -1.0, 0.0])).plain
    assert "nowhere above its current one" in settled


# ----- referral and guanxi sentences -------------------------------------------------------------


def test_data_sources_sentence_is_chosen_by_the_source_and_names_files_only():
    text = ref.data_sources_sentence({"referral log": "/home/someone/data/refs.csv", "favour ledger": "synthetic"})
    assert "read from refs.csv" in text.plain and "/home" not in text.plain and "is a synthetic world" in text.plain
    hostile = ref.data_sources_sentence({"referral log": f"{HOSTILE}.csv"})
    assert "<img" not in hostile._repr_html_()


def test_referral_feed_sentence_names_the_largest_generation():
    feed = pd.DataFrame({"generation": [1, 2, 3], "customers": [100, 300, 50]})
    feed["cumulative_share"] = feed["customers"].cumsum() / feed["customers"].sum()
    text = ref.referral_feed_sentence(feed, 1000).plain
    assert "450 of the 1,000 customers (45.0%)" in text and "generation 2 brought the most (300 customers)" in text
    assert "within 3 generations" in text  # 88.9% by generation 2


def test_referral_value_sentence_compares_the_totals_and_the_correlation():
    values = pd.DataFrame({"clv": [100.0, 200.0, 300.0, 400.0], "crv": [150.0, 300.0, 450.0, 620.0],
                           "segment": ["advocate", "champion", "champion", "champion"]})
    text = ref.referral_value_sentence(values).plain
    assert "worth more than their own purchases" in text and "positively correlated" in text and "strong" in text
    assert "worth keeping for their referrals" in text
    uncorrelated = ref.referral_value_sentence(values.assign(crv=[150.0, 160.0, 151.0, 150.5])).plain
    r = float(np.corrcoef(values["clv"], [150.0, 160.0, 151.0, 150.5])[0, 1])
    assert f"(r = {r:.3f}, " in uncorrelated  # three decimals, not three significant digits of a tiny r
    fixed = ref.referral_value_sentence(values.assign(clv=150.0), own_value_varies=False).plain
    assert "correlated" not in fixed


def test_bass_sentence_follows_the_split_and_the_truth():
    summary = pd.DataFrame({"coef": [0.05, 0.03, 1000.0], "lower 95%": [0.04, 0.02, 990.0], "upper 95%": [0.06, 0.04, 1010.0]},
                           index=["p", "q", "m"])
    text = ref.bass_sentence(summary, pd.Series({"external": 0.7, "word_of_mouth": 0.3}), 12,
                             truth={"p": 0.05, "q": 0.045, "m": 1000}).plain
    assert text.startswith("External influence drove most adoptions over the 12 periods: 70.0%")
    assert "innovation (p = 0.0500) is at least as strong" in text and "The true q lies outside its 95% interval" in text


def test_campaign_roi_sentence_flips_with_the_returns():
    roi = pd.DataFrame({"incremental_value": [39000.0, 22000.0], "cost": [10000.0, 9000.0], "roi": [2.9, 1.4]},
                       index=["advertising", "referral"])
    assert "advertising campaign returns more" in ref.campaign_roi_sentence(roi, horizon=6).plain
    flipped = ref.campaign_roi_sentence(roi.assign(roi=[1.4, 2.9]), horizon=6).plain
    assert "referral programme returns more" in flipped and "claim that word of mouth returns more" in flipped
    assert flipped.endswith("holds.")
    losing = ref.campaign_roi_sentence(roi.assign(roi=[-0.3, -0.1]), horizon=1).plain
    assert "neither pays back its cost" in losing and "Over 1 month " in losing


def test_complaint_sentence_follows_the_test():
    change = pd.DataFrame({"p": [0.034, 0.058], "z": [np.nan, 8.19], "p_value": [np.nan, 1e-12]}, index=["before", "after"])
    assert "rose from 3.4%" in ref.complaint_rate_sentence(change, change_at=27).plain
    flat = ref.complaint_rate_sentence(change.assign(p_value=[np.nan, 0.3]), change_at=27).plain
    assert "did not change significantly" in flat and "p = 0.300" in flat


def test_a_change_in_rate_is_read_in_percentage_points_and_relative_terms():
    # The page's case, 5.8% → 3.4%: a change of 2.4 percentage points, a relative fall of 41%, not "-2.4%".
    change = pd.DataFrame({"p": [0.0583, 0.0344], "change": [np.nan, 0.0344 - 0.0583], "z": [np.nan, -8.19],
                           "p_value": [np.nan, 1e-16]}, index=["before", "after"])
    frame = ref.phase_change_frame(change)
    assert "change" not in frame.columns
    assert frame.loc["after", "change_points"] == pytest.approx(-2.39)
    assert frame.loc["after", "relative_change"] == pytest.approx(-0.0239 / 0.0583)
    text = ref.complaint_rate_sentence(change, change_at=27).plain
    assert "fell from 5.8% before the improvement in week 27 to 3.4% after it, 2.4 percentage points or 41.0% less" in text
    rose = ref.complaint_rate_sentence(change.assign(p=[0.0344, 0.0583]), change_at=27).plain
    assert "rose from 3.4%" in rose and "2.4 percentage points or 69.5% more" in rose


def test_western_electric_flags_are_stated_for_the_limits_they_were_computed_on():
    # Hand-made p-chart counts with a known step at sample 11: one set of limits sees the step as a run (rule 4),
    # limits per phase see two flat phases; a spike planted after the step is what per-phase limits still flag.
    from crmlab.theories.referral import before_after_p_chart, p_chart, western_electric_rules

    complaints = np.array([10] * 10 + [5] * 10)
    def rules(counts: np.ndarray) -> dict[str, pd.DataFrame]:
        chart, _ = before_after_p_chart(counts, 100, change_at=11)
        return {"one set": western_electric_rules(p_chart(counts, 100)["z"]), "per phase": western_electric_rules(chart["z"])}

    step = rules(complaints)
    assert step["one set"]["any"].any() and not step["per phase"]["any"].any()
    text = ref.rule_flags_sentence(*step.values(), change_at=11).plain
    assert "they flag none: each phase is in statistical control" in text
    flagged = [int(k) for k in step["one set"].index[step["one set"]["any"]]]
    assert f"flag {len(flagged)} weeks ({', '.join(map(str, flagged[:-1]))} and {flagged[-1]})" in text
    spike = rules(np.where(np.arange(1, 21) == 15, 20, complaints))
    spiked = ref.rule_flags_sentence(*spike.values(), change_at=11).plain
    assert "they still flag 1 week (15)" in spiked and "statistical control" not in spiked
    shown = ref.rule_flags_by_limits(step)
    assert list(shown["limits"].unique()) == ["one set", "per phase"]
    assert (shown.loc[shown["limits"] == "per phase", "samples"] == "none").all()


def test_satisfaction_signal_sentence_reports_the_charts_first_signals():
    # Against the charts themselves: a simulated drop with a known start, first signals found with pandas.
    weeks, truth = simulate_service_quality(52, improvement_at=27, shift_at=40, rng=42)
    base = weeks["satisfaction"].iloc[:26]
    ewma = ewma_chart(weeks["satisfaction"], target=base.mean(), sigma=base.std(ddof=1))
    cusum = cusum_chart(weeks["satisfaction"], target=base.mean(), sigma=base.std(ddof=1))
    text = ref.satisfaction_signal_sentence(ewma, cusum, true_shift_at=truth["shift_at"]).plain
    first_ewma = int(ewma.loc[ewma["signal"], "sample"].iloc[0])
    first_cusum = cusum.loc[cusum["signal"]].iloc[0]
    start = int(first_cusum["sample"] - first_cusum["n_minus"] + 1)
    assert f"signals a drop in satisfaction in week {first_ewma}" in text
    assert f"CUSUM in week {int(first_cusum['sample'])}, which dates its start to week {start}" in text
    quiet = ref.satisfaction_signal_sentence(ewma.assign(signal=False), cusum.assign(signal=False)).plain
    assert quiet.startswith("Neither the EWMA nor the CUSUM chart signals")


def test_reciprocity_and_renqing_sentences_follow_the_frames():
    by_tie = pd.DataFrame({"mean_reciprocity": [0.6, 0.9]}, index=["family", "business"])
    text = ref.reciprocity_sentence(by_tie, pd.Series({"value_reciprocity": 0.8, "edge_reciprocity": 0.95})).plain
    assert text.startswith("Business pairs keep their favours the most balanced") and "family pairs the least" in text
    positions = pd.DataFrame({"net": [-10.0, 25.0, -40.0]}, index=["Li", "Wang", "Zhao"])
    assert ref.renqing_sentence(positions).plain.startswith("Wang holds the most renqing") and "Zhao owes the most (40" in \
        ref.renqing_sentence(positions).plain
    assert "settled" in ref.renqing_sentence(positions.assign(net=0.0)).plain


def test_closure_sentence_compares_transitivity_with_density():
    closed = ref.closure_sentence(pd.Series({"transitivity": 0.3, "density": 0.1}), 4, 0.5).plain
    assert closed.startswith("Friends of friends are friends more often than chance") and "3.0 times" in closed
    random = ref.closure_sentence(pd.Series({"transitivity": 0.1, "density": 0.1}), 4, 0.1).plain
    assert random.startswith("The network is no more closed than chance")
    # Above chance but mostly open (the page: 15.9% closed, 84.1% open) against mostly closed.
    page = ref.closure_sentence(pd.Series({"transitivity": 0.159, "density": 0.088}), 9, 0.586).plain
    assert "though most are not" in page and "(84.1% stay open)" in page and "1.8 times" in page
    dense = ref.closure_sentence(pd.Series({"transitivity": 0.7, "density": 0.2}), 3, 0.4).plain
    assert dense.startswith("Most friends of friends are friends") and "(30.0% stay open)" in dense


def _odds(low: float, high: float, family: float = 4.46) -> pd.DataFrame:
    return pd.DataFrame({"coef": [-3.0, np.log(family), np.log(np.sqrt(low * high))], "se": 0.05,
                         "odds_ratio": [0.05, family, np.sqrt(low * high)], "ci_low": [0.04, family * 0.9, low],
                         "ci_high": [0.06, family * 1.1, high], "p_value": [0.0, 0.0, 0.01]},
                        index=["Intercept", "C(tie_type)[T.family]", "indebted"])


def test_obligation_sentence_reads_the_verdict_from_the_interval():
    reference = {"tie_type": "business"}
    assert "debtors give back" in ref.obligation_sentence(_odds(4.3, 4.8), reference=reference).plain
    assert "debtors give less" in ref.obligation_sentence(_odds(0.5, 0.8), reference=reference).plain
    assert "no evidence that debtors give back" in ref.obligation_sentence(_odds(0.8, 1.3), reference=reference).plain
    top = ref.obligation_sentence(_odds(4.3, 4.8, family=0.5), reference=reference).plain
    assert top.endswith("Business pairs exchange favours most often.")


# ----- the pages, executed with hostile parameters -----------------------------------------------

ROOT = Path(__file__).resolve().parents[1]

#: Small runs of the two notebooks, with a hostile value in every parameter they display as text.
PAGES = {
    "value_and_loyalty_synthetic": {"n_customers": 500, "n_units": 150, "n_boot": 100, "n_simulations": 100,
                                    "n_stakeholders": 20, "currency": HOSTILE},
    "referrals_and_guanxi_synthetic": {"n_customers": 500, "n_people": 40, "n_ledger_periods": 12, "currency": HOSTILE,
                                       "adoption_period": HOSTILE},
}


#: The closing section of each page.
CLOSING = {"value_and_loyalty_synthetic": "What the plan tells a loyalty manager",
           "referrals_and_guanxi_synthetic": "What referrals and guanxi tell a relationship manager"}

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_SCIENTIFIC = re.compile(r"\d[eE][-+]?\d")


def _inert(soup: BeautifulSoup) -> None:
    """The hostile value is shown as text and nowhere became a live tag or event handler."""
    live = [tag for tag in soup.find_all(True) if any(attr.lower().startswith("on") for attr in tag.attrs)]
    assert not live, live[:3]
    assert not soup.find_all("img", src="x")
    assert HOSTILE in soup.get_text()  # shown as text, where the page names its currency


def _reader_tables(soup: BeautifulSoup) -> None:
    """No object reprs; every table with reader labels, no scientific notation, no "12.000" counts, no index column."""
    assert not re.search(r"\b[A-Z]\w*World\(|object at 0x|\bnan\b|\bNaN\b", soup.get_text(" "))
    tables = soup.find_all("table")
    assert len(tables) >= 8
    for table in tables:
        headers = [th.get_text(strip=True) for th in table.select("thead th")]
        assert not [h for h in headers if _SNAKE.match(h)], headers
        rows = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")]
        assert not [c for row in rows for c in row if _SCIENTIFIC.search(c)], rows
        for column in zip(*rows):  # a column of counts written "12.000"
            numeric = [c for c in column if re.fullmatch(r"-?[\d,]+(\.\d+)?", c)]
            assert not numeric or not all(re.fullmatch(r"-?[\d,]+\.0+", c) for c in numeric), column
        assert not table.select("tbody th")  # no 0, 1, 2 … index column


def _closing_from_the_page(soup: BeautifulSoup, heading: str) -> None:
    """Every number of the closing section's sentences appears in the sections above it: none is typed in."""
    title = next(h for h in soup.find_all(["h1", "h2"]) if heading in h.get_text())
    closing = " ".join(el.get_text(" ") for el in title.find_all_next(["li"]))
    above = " ".join(el.get_text(" ") for el in title.find_all_previous(["p", "td", "li"]))
    numbers = set(re.findall(r"\d[\d,]*\.\d+%?|\d[\d,]{3,}", closing))
    assert numbers and not [n for n in numbers if n not in above], sorted(n for n in numbers if n not in above)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PAGES))
def test_page_executed_with_hostile_parameters_is_inert_readable_and_concludes_from_its_numbers(name, tmp_path):
    # One execution per page (the notebook run is the slow part); the page read by an HTML parser.
    from crmlab.reports import run_reports

    [result] = run_reports(ROOT / "reports.toml", only=[name], output_dir=tmp_path, overrides=PAGES[name], jobs=1,
                           progress=False)
    assert result.status == "succeeded", result.error
    soup = BeautifulSoup(next(tmp_path.glob(f"**/{name}.html")).read_text(encoding="utf-8"), "html.parser")
    _inert(soup)
    _reader_tables(soup)
    _closing_from_the_page(soup, CLOSING[name])
