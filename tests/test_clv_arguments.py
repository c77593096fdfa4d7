"""Impossible prediction arguments are refused, one test per model family, with errors that name the
argument and the value; the legitimate ones (a horizon of 0 included) still give the published numbers.

The published numbers: Hardie's BG/NBD and BG/BB spreadsheets (Fader, Hardie & Lee 2005, CDNOW;
Fader, Hardie & Shang 2010, the donations data), the same checks the ``lifetimes`` package runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    MarkovCLV,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
    clv_by_channel,
    customer_value_table,
    frequency_histogram_comparison,
    holdout_comparison,
    probability_alive_matrix,
    recency_states,
    simple_clv,
)
from crmlab.data import load_donations

CONTINUOUS = (BetaGeo, ModifiedBetaGeo, ParetoNBD)

#: Horizons no model can predict for, and what the error says (t is the argument's name everywhere).
IMPOSSIBLE_HORIZONS = [
    pytest.param(-5, r"t must be ≥ 0 \(got -5\.0\)", id="negative"),
    pytest.param(-1e-9, r"t must be ≥ 0 \(got -1e-09\)", id="barely-negative"),
    pytest.param(np.nan, r"t must be finite \(got nan\)", id="nan"),
    pytest.param(np.inf, r"t must be finite \(got inf\)", id="infinite"),
    pytest.param("39", r"t must be a number or an array of numbers \(got '39'\)", id="text"),
    pytest.param(None, r"t must be a number or an array of numbers \(got None\)", id="none"),
    pytest.param(True, r"t must be a number or an array of numbers \(got True\)", id="boolean"),
    pytest.param([10.0, -1.0], r"t must be ≥ 0 \(got -1\.0 at position 1\)", id="negative-in-array"),
    pytest.param([np.nan, np.nan], r"t must be finite \(got nan at position 0, the first of 2\)", id="nans-in-array"),
]

#: Two customers: (x, t_x, T).
TWO = ([2, 0], [30.43, 0.0], [38.86, 38.86])


@pytest.fixture(scope="module")
def continuous_models(cdnow_summary):
    return {cls.__name__: cls().fit(cdnow_summary) for cls in CONTINUOUS}


@pytest.fixture(scope="module")
def donations_model():
    d = load_donations()
    return BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["n"], weights=d["n_customers"])


# ----- the continuous-time BTYD models: BG/NBD, MBG/NBD, Pareto/NBD --------------------------------


@pytest.mark.parametrize("name", [cls.__name__ for cls in CONTINUOUS])
@pytest.mark.parametrize(("bad", "message"), IMPOSSIBLE_HORIZONS)
def test_btyd_predictions_refuse_impossible_horizons(continuous_models, name, bad, message):
    model = continuous_models[name]
    with pytest.raises(ValueError, match=message):
        model.expected_transactions(bad)
    with pytest.raises(ValueError, match=message):
        model.conditional_expected_transactions(bad, *TWO)
    with pytest.raises(ValueError, match=message):
        model.probability_of_purchases(bad, 1)


@pytest.mark.parametrize("name", [cls.__name__ for cls in CONTINUOUS])
@pytest.mark.parametrize(
    ("n", "message"),
    [
        (-1, r"n must be a whole number ≥ 0 \(got -1\.0\)"),
        (2.5, r"n must be a whole number ≥ 0 \(got 2\.5\)"),
        (np.nan, r"n must be finite \(got nan\)"),
        ("2", r"n must be a number or an array of numbers"),
        ([1, 2], r"n must be a single number \(got an array of shape \(2,\)\)"),
    ],
)
def test_btyd_probability_of_purchases_refuses_impossible_counts(continuous_models, name, n, message):
    with pytest.raises(ValueError, match=message):
        continuous_models[name].probability_of_purchases(10.0, n)


@pytest.mark.parametrize("name", [cls.__name__ for cls in CONTINUOUS])
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"discount_rate": -0.5}, r"discount_rate must be ≥ 0 \(got -0\.5\)"),
        ({"discount_rate": np.nan}, r"discount_rate must be finite \(got nan\)"),
        ({"discount_rate": np.inf}, r"discount_rate must be finite \(got inf\)"),
        ({"discount_rate": [0.01, 0.02]}, r"discount_rate must be a single number"),
        ({"horizon": -1}, r"horizon must be a whole number ≥ 0 \(got -1\.0\)"),
        ({"horizon": 2.5}, r"horizon must be a whole number ≥ 0 \(got 2\.5\)"),
        ({"horizon": np.inf}, r"horizon must be finite \(got inf\)"),
        ({"horizon": "12"}, r"horizon must be a number"),
        ({"period_length": 0}, r"period_length must be > 0 \(got 0\.0\)"),
        ({"period_length": -4.0}, r"period_length must be > 0 \(got -4\.0\)"),
        ({"period_length": np.nan}, r"period_length must be finite"),
        ({"monetary_value": [10.0, np.nan]}, r"monetary_value must be finite \(got nan at position 1\)"),
        ({"monetary_value": [10.0, 20.0, 30.0]}, r"monetary_value must be one number or one per customer, 2 values"),
        ({"monetary_value": "ten"}, r"monetary_value must be a number"),
    ],
)
def test_btyd_customer_lifetime_value_refuses_impossible_arguments(continuous_models, name, arguments, message):
    good = {"monetary_value": 10.0, "discount_rate": 0.01, "horizon": 12, "period_length": 52 / 12}
    with pytest.raises(ValueError, match=message):
        continuous_models[name].customer_lifetime_value(*TWO, **{**good, **arguments})


@pytest.mark.parametrize("name", [cls.__name__ for cls in CONTINUOUS])
def test_btyd_per_customer_horizons_name_the_customer_and_need_the_right_shape(continuous_models, name):
    model = continuous_models[name]
    x, t_x, T = (pd.Series(v, index=["C1", "C2"]) for v in TWO)
    with pytest.raises(ValueError, match=r"t must be ≥ 0 \(got -3\.0 at position 1 \('C2'\)\)"):
        model.conditional_expected_transactions(pd.Series([39.0, -3.0], index=["C1", "C2"]), x, t_x, T)
    with pytest.raises(ValueError, match=r"t must be one number or one per customer, 2 values \(got an array of shape \(3,\)\)"):
        model.conditional_expected_transactions([1.0, 2.0, 3.0], *TWO)
    with pytest.raises(ValueError, match=r"t must be one number or one per customer, 2 values \(got an array of shape \(2, 1\)\)"):
        model.conditional_expected_transactions([[1.0], [2.0]], *TWO)
    with pytest.raises(ValueError, match=r"T must be > 0 \(got 0\.0 at position 1\)"):
        model.expected_frequency_histogram([39.0, 0.0])
    with pytest.raises(ValueError, match=r"max_frequency must be a whole number ≥ 0 \(got -1\.0\)"):
        model.expected_frequency_histogram([39.0], max_frequency=-1)
    with pytest.raises(ValueError, match=r"acquisition_times must be finite \(got nan at position 1\)"):
        model.expected_cumulative_transactions([0.0, np.nan], [10.0])
    with pytest.raises(ValueError, match=r"times must be finite \(got inf at position 0\)"):
        model.expected_cumulative_transactions([0.0], [np.inf])


@pytest.mark.parametrize("name", [cls.__name__ for cls in CONTINUOUS])
def test_btyd_horizon_zero_is_zero_transactions(continuous_models, name):
    """Definition: nothing can happen in an interval of length 0 (E = 0, P(X(0) = 0) = 1), and a
    CLV over 0 periods is 0; the legitimate argument types give the same numbers as floats."""
    model = continuous_models[name]
    assert model.expected_transactions(0) == 0.0
    np.testing.assert_array_equal(model.conditional_expected_transactions(0, *TWO), [0.0, 0.0])
    assert model.probability_of_purchases(0, 0) == pytest.approx(1.0)
    clv = model.customer_lifetime_value(*TWO, monetary_value=10.0, discount_rate=0.0, horizon=0)
    np.testing.assert_array_equal(clv, [0.0, 0.0])
    as_floats = model.expected_transactions(np.array([0.0, 10.0, 52.0]))
    for same in ([0, 10, 52], pd.Series([0, 10, 52]), (np.int64(0), 10.0, np.float32(52))):
        np.testing.assert_array_equal(model.expected_transactions(same), as_floats)


def test_bg_nbd_legitimate_arguments_still_give_hardies_published_numbers(continuous_models):
    """Published: Hardie's BG/NBD spreadsheet for CDNOW (FHL 2005) gives E[X(t)] = 0.0078, 0.0532,
    0.1506, 1.0405, 1.0437, 1.8576 at t = 0.1429, 1, 3, 31.8571, 32, 78 weeks and, for the customer
    with x = 2, t_x = 30.43, T = 38.86, E[Y(39) | x, t_x, T] = 1.226 — whatever form t takes."""
    model = continuous_models["BetaGeo"]
    times = [0.1429, 1, 3, 31.8571, 32, 78]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    for t in (times, np.array(times), pd.Series(times)):
        np.testing.assert_allclose(model.expected_transactions(t), published, atol=5e-4)
    for t in (39, 39.0, np.int64(39), [39]):
        assert float(np.asarray(model.conditional_expected_transactions(t, 2, 30.43, 38.86))[0]) == pytest.approx(1.226, abs=5e-4)


# ----- BG/BB: discrete opportunities ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        *IMPOSSIBLE_HORIZONS,
        pytest.param(2.5, r"t must be a whole number ≥ 0 \(got 2\.5\)", id="fraction-of-an-opportunity"),
    ],
)
def test_bg_bb_predictions_refuse_impossible_numbers_of_opportunities(donations_model, bad, message):
    message = message.replace("t must be ≥ 0", "t must be a whole number ≥ 0")
    with pytest.raises(ValueError, match=message):
        donations_model.expected_transactions(bad)
    with pytest.raises(ValueError, match=message):
        donations_model.conditional_expected_transactions(bad, [2, 0], [4, 0], [6, 6])
    with pytest.raises(ValueError, match=message):
        donations_model.probability_of_purchases(bad, 1)


@pytest.mark.parametrize(
    ("discount_rate", "message"),
    [
        (0.0, r"discount_rate must be > 0 \(got 0\.0\)"),
        (-0.5, r"discount_rate must be > 0 \(got -0\.5\)"),
        (np.nan, r"discount_rate must be finite \(got nan\)"),
        (np.inf, r"discount_rate must be finite \(got inf\)"),
        ("0.1", r"discount_rate must be a number"),
    ],
)
def test_bg_bb_discounted_residual_transactions_refuse_impossible_discount_rates(donations_model, discount_rate, message):
    with pytest.raises(ValueError, match=message):
        donations_model.discounted_expected_residual_transactions(discount_rate, [2], [4], [6])


def test_bg_bb_clv_periods_are_whole_opportunities(donations_model):
    with pytest.raises(ValueError, match=r"period_length must be a whole number > 0 \(got 1\.5\)"):
        donations_model.customer_lifetime_value([2], [4], [6], monetary_value=1.0, discount_rate=0.1, horizon=3, period_length=1.5)
    with pytest.raises(ValueError, match=r"n must be a whole number ≥ 0 \(got 1\.5\)"):
        donations_model.probability_of_purchases(6, 1.5)


def test_bg_bb_legitimate_arguments_still_give_hardies_published_numbers(donations_model):
    """Published: Hardie's BG/BB spreadsheet for the donations data (FHS 2010) gives 12,884.2 expected
    donations from the 11,104 donors in the next 5 opportunities, and P(alive) 0.11, 0.59 and 0.93 for
    the histories (x, t_x) = (0, 0), (2, 4) and (6, 6) in n = 6; no opportunity, no donation."""
    d = load_donations()
    for t in (5, 5.0, np.int64(5)):
        expected = donations_model.conditional_expected_transactions(t, d["frequency"], d["recency"], d["n"])
        assert float(expected @ d["n_customers"]) == pytest.approx(12884.2, abs=0.1)
    alive = donations_model.probability_alive([0, 2, 6], [0, 4, 6], [6, 6, 6])
    np.testing.assert_allclose(alive, [0.11, 0.59, 0.93], atol=5e-3)
    assert donations_model.expected_transactions(0) == pytest.approx(0.0, abs=1e-12)  # a difference of Gamma ratios
    np.testing.assert_allclose(donations_model.conditional_expected_transactions(0, [2, 0], [4, 0], [6, 6]), [0.0, 0.0], atol=1e-12)


# ----- Gamma-Gamma spend and its CLV ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"margin": np.nan}, r"margin must be finite \(got nan\)"),
        ({"margin": [0.3, 0.3, 0.3]}, r"margin must be one number or one per customer, 2 values"),
        ({"margin": "30%"}, r"margin must be a number"),
        ({"discount_rate": -0.5}, r"discount_rate must be ≥ 0 \(got -0\.5\)"),
        ({"horizon": -12}, r"horizon must be a whole number ≥ 0 \(got -12\.0\)"),
        ({"period_length": np.inf}, r"period_length must be finite \(got inf\)"),
    ],
)
def test_gamma_gamma_clv_refuses_impossible_arguments(continuous_models, cdnow_summary, arguments, message):
    spend = GammaGamma().fit(cdnow_summary)
    good = {"discount_rate": 0.01, "horizon": 12, "period_length": 52 / 12, "margin": 0.3}
    with pytest.raises(ValueError, match=message):
        spend.customer_lifetime_value(continuous_models["BetaGeo"], *TWO, [20.0, 0.0], **{**good, **arguments})


# ----- sBG: contractual retention --------------------------------------------------------------------


@pytest.fixture(scope="module")
def regular():
    return ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])  # FH 2007, "regular" customers


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.survival(-1), r"t must be a whole number ≥ 0 \(got -1\.0\)"),
        (lambda m: m.survival(1.5), r"t must be a whole number ≥ 0 \(got 1\.5\)"),
        (lambda m: m.survival([1, np.nan]), r"t must be finite \(got nan at position 1\)"),
        (lambda m: m.survival("12"), r"t must be a number"),
        (lambda m: m.churn_probability(0), r"t must be a whole number ≥ 1 \(got 0\.0\)"),
        (lambda m: m.retention_rate(0), r"t must be a whole number ≥ 1 \(got 0\.0\)"),
        (lambda m: m.discounted_expected_lifetime(-0.5), r"discount_rate must be > 0 \(got -0\.5\)"),
        (lambda m: m.discounted_expected_lifetime(np.nan), r"discount_rate must be finite \(got nan\)"),
        (lambda m: m.discounted_expected_lifetime(np.inf), r"discount_rate must be finite \(got inf\)"),
        (lambda m: m.discounted_expected_residual_lifetime(0.1, -1), r"renewals must be a whole number ≥ 0 \(got -1\.0\)"),
        (lambda m: m.discounted_expected_residual_lifetime(0.1, [0, 1.5]), r"renewals must be a whole number ≥ 0 \(got 1\.5 at position 1\)"),
        (lambda m: m.customer_lifetime_value(np.nan, 0.1), r"margin must be finite \(got nan\)"),
        (lambda m: m.customer_lifetime_value(100, -0.5), r"discount_rate must be > 0 \(got -0\.5\)"),
        (lambda m: m.survival_table(-1), r"periods must be a whole number ≥ 0 \(got -1\.0\)"),
        (lambda m: m.survival_table(2.5), r"periods must be a whole number ≥ 0 \(got 2\.5\)"),
    ],
)
def test_sbg_refuses_impossible_periods_and_rates(regular, call, message):
    with pytest.raises(ValueError, match=message):
        call(regular)


def test_sbg_legitimate_arguments_still_give_the_published_projection(regular):
    """Published: FH (2007) fit α = 0.704, β = 1.182 to the regular customers and project 170 of 1,000
    still active after 12 years (173 actual); S(0) = 1 and r_1 = β/(α+β) by definition."""
    for t in (12, 12.0, np.int64(12), [12]):
        assert round(float(np.asarray(regular.survival(t)).reshape(-1)[0]) * 1000) == 170
    assert regular.survival(0) == 1.0
    alpha, beta = regular.params_
    assert regular.retention_rate(1) == pytest.approx(beta / (alpha + beta))


# ----- Markov chains of relationship states ----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: MarkovCLV([[1.0]], [1.0], np.nan), r"discount_rate must be finite \(got nan\)"),
        (lambda: MarkovCLV([[1.0]], [1.0], np.inf), r"discount_rate must be finite \(got inf\)"),
        (lambda: MarkovCLV([[1.0]], [1.0], "10%"), r"discount_rate must be a number"),
        (lambda: MarkovCLV.from_retention(1.5, margin=1, discount_rate=0.1), r"retention must be in \[0, 1\] \(got 1\.5\)"),
        (lambda: MarkovCLV.from_retention(np.nan, margin=1, discount_rate=0.1), r"retention must be finite \(got nan\)"),
        (lambda: MarkovCLV.from_retention(0.5, margin=np.nan, discount_rate=0.1), r"margin must be finite \(got nan\)"),
        (lambda: MarkovCLV.from_recency([0.3, np.nan], margin=1, marketing_cost=0.1, discount_rate=0.1),
         r"purchase_probabilities must be finite \(got nan at position 1\)"),
        (lambda: MarkovCLV.from_recency([0.3], margin=1, marketing_cost=np.inf, discount_rate=0.1),
         r"marketing_cost must be finite \(got inf\)"),
        (lambda: _chain().value(-1), r"horizon must be a whole number ≥ 0 \(got -1\.0\)"),
        (lambda: _chain().value(np.nan), r"horizon must not be NaN \(got nan\)"),
        (lambda: _chain().value("8"), r"horizon must be a number"),
        (lambda: _chain().state_distribution("active", -1), r"periods must be a whole number ≥ 0 \(got -1\.0\)"),
        (lambda: _chain().state_distribution("active", 2.5), r"periods must be a whole number ≥ 0 \(got 2\.5\)"),
        (lambda: _chain().expected_value([np.nan, 1.0]), r"initial must be finite \(got nan at position 0\)"),
        (lambda: _chain().expected_value({"active": -1.0}), r"initial must be ≥ 0 \(got -1\.0 at position 0\)"),
        (lambda: _chain().expected_value({"active": "all"}), r"initial must be a number"),
    ],
)
def test_markov_refuses_impossible_rates_horizons_and_distributions(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _chain() -> MarkovCLV:
    return MarkovCLV.from_retention(0.8, margin=100, discount_rate=0.1)


def test_markov_legitimate_horizons_still_give_the_closed_form():
    """Closed form (Gupta & Lehmann 2003, start of period): m(1+d)/(1+d−r) = 100·1.1/0.3; an infinite
    horizon given as numpy.inf is the same as None; a horizon of 0 is this period's reward only."""
    chain = _chain()
    assert chain.value()["active"] == pytest.approx(110 / 0.3)
    assert chain.value(np.inf)["active"] == pytest.approx(110 / 0.3)
    assert chain.value(0).tolist() == [100.0, 0.0]
    assert chain.value(np.int64(2))["active"] == pytest.approx(100 + 80 / 1.1 + 64 / 1.21)


@pytest.mark.parametrize(
    ("max_recency", "message"),
    [(0, r"max_recency must be a whole number ≥ 1 \(got 0\.0\)"), (np.nan, r"max_recency must be finite"), (2.5, r"whole number ≥ 1 \(got 2\.5\)")],
)
def test_recency_states_refuse_impossible_depths(max_recency, message):
    tx = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2020-01-05"])})
    with pytest.raises(ValueError, match=message):
        recency_states(tx, max_recency=max_recency)


# ----- the closed form of Gupta & Lehmann ------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"discount": np.nan}, r"discount must be finite \(got nan\)"),
        ({"discount": np.inf}, r"discount must be finite \(got inf\)"),
        ({"retention": [0.5, np.nan]}, r"retention must be finite \(got nan at position 1\)"),
        ({"horizon": np.nan}, r"horizon must not be NaN \(got nan\)"),
        ({"horizon": -np.inf}, r"horizon must be a whole number ≥ 0 \(got -inf\)"),
        ({"margin": [100, 200], "retention": [0.5, 0.6, 0.7]},
         r"must be numbers or arrays of matching shapes \(got margin \(2,\), retention \(3,\)\)"),
    ],
)
def test_simple_clv_refuses_impossible_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        simple_clv(**{"margin": 100, "retention": 0.8, "discount": 0.1, **arguments})


def test_simple_clv_horizon_zero_counts_no_margin():
    """Definition: H = 0 margins are worth 0 under both timings."""
    assert simple_clv(100, 0.8, 0.1, horizon=0) == 0.0
    assert simple_clv(100, 0.8, 0.1, horizon=0, timing="start") == 0.0


# ----- value tables and model checks ------------------------------------------------------------------


def test_value_tables_and_model_checks_refuse_impossible_arguments(continuous_models, cdnow_summary):
    model, spend = continuous_models["BetaGeo"], GammaGamma().fit(cdnow_summary)
    head = cdnow_summary.head(20)
    with pytest.raises(ValueError, match=r"margin must be finite \(got nan\)"):
        customer_value_table(head, model, spend, discount_rate=0.01, horizon=12, margin=np.nan)
    with pytest.raises(ValueError, match=r"discount_rate must be ≥ 0 \(got -0\.5\)"):
        customer_value_table(head, model, spend, discount_rate=-0.5, horizon=12)
    with pytest.raises(ValueError, match=r"horizon must be finite \(got nan\)"):
        customer_value_table(head, model, spend, discount_rate=0.01, horizon=np.nan)
    values = pd.DataFrame({"channel": ["a"] * 5, "clv": [1.0, 2.0, 3.0, 4.0, 5.0]})
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\) \(got 1\.0\)"):
        clv_by_channel(values, confidence=1.0)
    with pytest.raises(ValueError, match=r"confidence must be finite \(got nan\)"):
        clv_by_channel(values, confidence=np.nan)
    with pytest.raises(ValueError, match=r"n_boot must be a whole number ≥ 100 \(got 150\.5\)"):
        clv_by_channel(values, n_boot=150.5)
    with pytest.raises(ValueError, match=r"T must be > 0 \(got 0\.0\)"):
        probability_alive_matrix(model, T=0.0)
    with pytest.raises(ValueError, match=r"T must be finite \(got nan\)"):
        probability_alive_matrix(model, T=np.nan)
    with pytest.raises(ValueError, match=r"max_frequency must be a whole number ≥ 0 \(got 2\.5\)"):
        probability_alive_matrix(model, T=39.0, max_frequency=2.5)
    with pytest.raises(ValueError, match=r"n_recency must be a whole number ≥ 2 \(got 1\.0\)"):
        probability_alive_matrix(model, T=39.0, n_recency=1)
    with pytest.raises(ValueError, match=r"max_frequency must be a whole number ≥ 0 \(got -1\.0\)"):
        frequency_histogram_comparison(model, cdnow_summary, max_frequency=-1)
    with pytest.raises(ValueError, match=r"max_frequency must be finite \(got nan\)"):
        holdout_comparison(model, cdnow_summary, max_frequency=np.nan)
