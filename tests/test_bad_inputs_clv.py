"""The catalogue of impossible CLV inputs, as a user meets them: a prediction asked for a horizon
or discount rate no model can take, and a customer summary no model can be fitted to.

A prediction's argument is refused with a ``ValueError`` (that class: the data are fine, the
question is not) naming the argument, the rule and the value given; a bad summary with a
:class:`crmlab.data.DataError` naming the customer (the summary's index label), the column and
the value. The rules come from the models' definitions: time and horizons are ≥ 0 and finite
(Fader, Hardie & Lee 2005; Fader & Hardie 2007), a number of periods is whole, a discount rate is
≥ 0 in the BTYD CLV (> 0 in the sBG's discounted expected lifetime, Fader & Hardie 2010), recency lies
in [0, T] and is 0 without a repeat purchase, frequency is a whole number ≥ 0, and the mean spend
of a repeat buyer is positive (the Gamma-Gamma model's support). The models are fitted to a
seeded synthetic customer base, so the file runs in about a second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, MarkovCLV, NotFittedError, ShiftedBetaGeometric, simple_clv
from crmlab.customers import transaction_summary
from crmlab.data import DataError, simulate_transactions

#: Survivors of Fader & Hardie's (2007) "regular" cohort, years 0-4.
REGULAR_COHORT = [1000, 631, 468, 382, 326]


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    summary = transaction_summary(simulate_transactions(300, rng=7).transactions, observation_end="2021-12-31", time_unit="W")
    return {
        "summary": summary,
        "bg": BetaGeo().fit(summary),
        "gg": GammaGamma().fit(summary),
        "sbg": ShiftedBetaGeometric().fit(REGULAR_COHORT),
        "markov": MarkovCLV.from_retention(0.8, margin=100, discount_rate=0.1),
    }


def gg_clv(m: dict, **arguments: Any) -> Any:
    options = {"discount_rate": 0.01, "horizon": 12, **arguments}
    return m["gg"].customer_lifetime_value(m["bg"], m["summary"], **options)


def bg_clv(m: dict, **arguments: Any) -> Any:
    s = m["summary"]
    options = {"discount_rate": 0.01, "horizon": 12, **arguments}
    return m["bg"].customer_lifetime_value(s["frequency"], s["recency"], s["T"], monetary_value=s["monetary_value"], **options)


IMPOSSIBLE_ARGUMENTS = [
    pytest.param(lambda m: m["bg"].expected_transactions(-5), "t must be ≥ 0 (got -5.0)", id="negative-horizon"),
    pytest.param(lambda m: m["bg"].expected_transactions(np.nan), "t must be finite (got nan)", id="NaN-horizon"),
    pytest.param(lambda m: m["bg"].conditional_expected_transactions(np.inf, 1, 2.0, 3.0), "t must be finite (got inf)",
                 id="infinite-horizon"),
    pytest.param(lambda m: m["bg"].conditional_expected_transactions([1.0, -2.0], 1, 2.0, 3.0),
                 "t must be ≥ 0 (got -2.0 at position 1)", id="one-negative-horizon-among-several"),
    pytest.param(lambda m: m["bg"].probability_of_purchases(-1, 1), "t must be ≥ 0 (got -1.0)",
                 id="negative-horizon-for-purchase-probabilities"),
    pytest.param(lambda m: gg_clv(m, discount_rate=-0.5), "discount_rate must be ≥ 0 (got -0.5)",
                 id="negative-discount-rate-gamma-gamma-clv"),
    pytest.param(lambda m: bg_clv(m, discount_rate=-0.5), "discount_rate must be ≥ 0 (got -0.5)",
                 id="negative-discount-rate-bg-nbd-clv"),
    pytest.param(lambda m: gg_clv(m, discount_rate=np.nan), "discount_rate must be finite (got nan)", id="NaN-discount-rate"),
    pytest.param(lambda m: gg_clv(m, horizon=-12), "horizon must be a whole number ≥ 0 (got -12.0)", id="negative-clv-horizon"),
    pytest.param(lambda m: gg_clv(m, horizon=np.nan), "horizon must be finite (got nan)", id="NaN-clv-horizon"),
    pytest.param(lambda m: gg_clv(m, horizon=np.inf), "horizon must be finite (got inf)", id="infinite-clv-horizon"),
    pytest.param(lambda m: gg_clv(m, horizon=2.5), "horizon must be a whole number ≥ 0 (got 2.5)", id="fractional-clv-horizon"),
    pytest.param(lambda m: gg_clv(m, period_length=-4), "period_length must be > 0 (got -4.0)", id="negative-period-length"),
    pytest.param(lambda m: m["sbg"].customer_lifetime_value(100, -0.5), "discount_rate must be > 0 (got -0.5)",
                 id="negative-discount-rate-sbg-clv"),
    pytest.param(lambda m: m["sbg"].survival(-1), "t must be a whole number ≥ 0 (got -1.0)", id="negative-sbg-period"),
    pytest.param(lambda m: m["sbg"].survival(np.inf), "t must be finite (got inf)", id="infinite-sbg-period"),
    pytest.param(lambda m: m["markov"].value(horizon=-1), "horizon must be a whole number ≥ 0 (got -1.0)",
                 id="negative-markov-horizon"),
    pytest.param(lambda m: m["markov"].value(horizon=np.nan), "horizon must not be NaN (got nan)", id="NaN-markov-horizon"),
    pytest.param(lambda m: simple_clv(100, 0.8, 0.1, horizon=-3), "horizon must be a whole number ≥ 0 (got -3.0)",
                 id="negative-closed-form-horizon"),
    pytest.param(lambda m: simple_clv(100, 0.8, -1), "discount must be > -1 (got -1.0)", id="discount-of-minus-100-percent"),
    pytest.param(lambda m: simple_clv(100, 1.2, 0.1), "retention must be in [0, 1) (got 1.2)", id="retention-above-one"),
]


@pytest.mark.parametrize(("predict", "says"), IMPOSSIBLE_ARGUMENTS)
def test_an_impossible_prediction_argument_is_refused_by_name_and_value(models, predict: Callable, says: str) -> None:
    with pytest.raises(ValueError) as info:
        predict(models)
    assert type(info.value) is ValueError
    assert str(info.value) == says


def summary(**columns: list) -> pd.DataFrame:
    """Three customers, ann, bob and cy, with a good summary unless a column is given."""
    good = {"frequency": [2, 0, 1], "recency": [30.0, 0.0, 10.0], "T": [38.0, 20.0, 25.0], "monetary_value": [20.0, 0.0, 15.0]}
    return pd.DataFrame({**good, **columns}, index=pd.Index(["ann", "bob", "cy"], name="customer_id"))


BAD_SUMMARIES = [
    pytest.param(BetaGeo, summary(recency=[30.0, 0.0, 40.0]), "row cy, column 'recency': recency is after T (40.0)",
                 id="recency-after-T"),
    pytest.param(BetaGeo, summary(recency=[30.0, 3.0, 10.0]), "row bob, column 'recency': recency must be 0 when frequency is 0 (3.0)",
                 id="recency-without-a-repeat-purchase"),
    pytest.param(BetaGeo, summary(frequency=[2, -1, 1]), "row bob, column 'frequency': negative value (-1.0)",
                 id="negative-frequency"),
    pytest.param(BetaGeo, summary(frequency=[2.5, 0, 1]), "row ann, column 'frequency': frequency is not a whole number (2.5)",
                 id="fractional-frequency"),
    pytest.param(BetaGeo, summary(frequency=["two", 0, 1]), "column 'frequency': not numeric ('two')", id="frequency-in-words"),
    pytest.param(BetaGeo, summary(T=[38.0, np.nan, 25.0]), "row bob, column 'T': missing or infinite value (nan)", id="NaN-T"),
    pytest.param(BetaGeo, summary(T=[38.0, np.inf, 25.0]), "row bob, column 'T': missing or infinite value (inf)", id="infinite-T"),
    pytest.param(BetaGeo, summary(T=[38.0, -1.0, 25.0]), "row bob, column 'T': T must be positive (-1.0)", id="negative-T"),
    pytest.param(BetaGeo, summary().drop(columns="recency"),
                 "column 'recency': missing column (the model needs frequency, recency, T)", id="missing-column"),
    pytest.param(BetaGeo, summary().iloc[:0], "no customers to fit", id="no-customers"),
    pytest.param(GammaGamma, summary(monetary_value=[-3.0, 0.0, 15.0]),
                 "row ann, column 'monetary_value': mean spend must be positive when frequency > 0 (-3.0)",
                 id="negative-mean-spend"),
    pytest.param(GammaGamma, summary(monetary_value=[20.0, 0.0, np.nan]),
                 "row cy, column 'monetary_value': missing or infinite value (nan)", id="NaN-mean-spend"),
]


@pytest.mark.parametrize(("model", "bad", "says"), BAD_SUMMARIES)
def test_a_bad_customer_summary_is_refused_naming_customer_column_and_value(model: type, bad: pd.DataFrame, says: str) -> None:
    with pytest.raises(DataError) as info:
        model().fit(bad)
    assert type(info.value) is DataError
    assert str(info.value).startswith("customer summary: ")
    assert says in str(info.value)


def test_a_discrete_time_summary_with_more_transactions_than_opportunities_is_refused() -> None:
    # BG/BB: 7 repeat transactions cannot happen by opportunity 3 (Fader, Hardie & Shang 2010: x ≤ t_x).
    with pytest.raises(DataError) as info:
        BetaGeoBetaBinom().fit([1, 7], [2, 3], [6, 6])
    assert str(info.value) == "customer summary: 1 problem\n  row 1, column 'frequency': more transactions than the recency allows (7.0)"


def test_a_cohort_that_grows_is_refused() -> None:
    with pytest.raises(ValueError) as info:
        ShiftedBetaGeometric().fit([1000, 631, 700])
    assert str(info.value) == "survivors: survivors increase at periods [2] (a cohort can only shrink)"


def test_a_prediction_before_fitting_says_to_fit_first() -> None:
    with pytest.raises(NotFittedError, match=r"BetaGeo is not fitted yet: call fit\(\) first"):
        BetaGeo().expected_transactions(3)
