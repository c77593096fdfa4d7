"""Holdout accuracy in numbers (crmlab.clv.holdout_metrics, crmlab.clv.validation.roc_auc).

Checked against hand-computed values on a tiny frame (a stub model with fixed forecasts), against
independent computations on CDNOW (errors by a Python loop, the AUC by counting every pair), and in
a simulated BG/NBD world whose true parameters are known: the true model forecasts the holdout at
least as well as mis-specified ones.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BetaGeo, GammaGamma, holdout_metrics
from crmlab.clv.validation import HOLDOUT_METRIC_DEFINITIONS, ModelBySegment, roc_auc, tracking_data
from crmlab.customers import transaction_summary
from crmlab.data import CDNOW_CONVENTIONS, DataError, load_cdnow


class FixedForecasts:
    """A stand-in model whose forecasts and P(alive) are fixed numbers, one per customer."""

    def __init__(self, forecast, alive):
        self.forecast, self.alive = np.asarray(forecast, float), np.asarray(alive, float)

    def conditional_expected_transactions(self, t, frequency, recency, T):
        return self.forecast

    def probability_alive(self, frequency, recency, T):
        return self.alive


class FixedSpend:
    def __init__(self, spend):
        self.spend = np.asarray(spend, float)

    def conditional_expected_average_spend(self, frame):
        return self.spend


TINY = pd.DataFrame({"frequency": [0, 1, 3, 2], "recency": [0.0, 4.0, 9.0, 2.0], "T": [10.0] * 4,
                     "monetary_value": [0.0, 20.0, 30.0, 10.0],
                     "frequency_holdout": [0, 2, 4, 0], "monetary_value_holdout": [0.0, 25.0, 30.0, 0.0],
                     "duration_holdout": [5.0] * 4})


def test_tiny_frame_by_hand():
    """Hand-computed: forecasts 0.5, 1, 3, 1 against 0, 2, 4, 0 give errors +0.5, −1, −1, +1."""
    model = FixedForecasts([0.5, 1.0, 3.0, 1.0], [0.9, 0.6, 0.8, 0.7])
    row = holdout_metrics({"m": model}, TINY, spend_model=FixedSpend([10.0, 20.0, 30.0, 10.0])).iloc[0]
    assert row["model"] == "m" and row["customers"] == 4
    assert row["actual_total"] == 6 and row["forecast_total"] == 5.5
    assert row["total_error"] == pytest.approx(5.5 / 6 - 1)
    assert row["mae"] == pytest.approx(3.5 / 4)
    assert row["rmse"] == pytest.approx(math.sqrt(3.25 / 4))
    assert row["bias"] == pytest.approx(-0.5 / 4)
    # bought again: customers 2 and 3 (P(alive) 0.6, 0.8); not: 1 and 4 (0.9, 0.7)
    assert row["brier"] == pytest.approx((0.81 + 0.16 + 0.04 + 0.49) / 4)
    # of the pairs (0.6, 0.9), (0.6, 0.7), (0.8, 0.9), (0.8, 0.7) only the last is ranked right
    assert row["auc"] == pytest.approx(1 / 4)
    # revenue: forecast 0.5·10 + 1·20 + 3·30 + 1·10 = 125 against 2·25 + 4·30 = 170
    assert row["actual_revenue"] == 170 and row["forecast_revenue"] == 125
    assert row["revenue_error"] == pytest.approx(125 / 170 - 1)
    assert "tracking_mape_cumulative" not in row  # no tracking given


def test_auc_by_hand_and_by_every_pair():
    """Hanley & McNeil (1982): the AUC is the share of (positive, negative) pairs ranked right, ties one
    half; the rank formula equals that count done pair by pair, on seeded scores with many ties."""
    assert roc_auc([0.9, 0.6, 0.8, 0.7], [0, 1, 1, 0]) == pytest.approx(0.25)  # only 0.8 > 0.7 of 4 pairs
    assert roc_auc([1, 2, 3], [0, 1, 1]) == 1.0 and roc_auc([1, 1, 1], [0, 1, 1]) == 0.5
    assert math.isnan(roc_auc([0.1, 0.2], [1, 1]))
    rng = np.random.default_rng(19)
    score = rng.integers(0, 8, 300) / 8  # many ties
    outcome = rng.random(300) < 0.2 + 0.6 * score
    pairs = [(s1 > s0) + 0.5 * (s1 == s0) for s1, s0 in itertools.product(score[outcome], score[~outcome])]
    assert roc_auc(score, outcome) == pytest.approx(np.mean(pairs), abs=1e-12)
    with pytest.raises(ValueError, match="3 scores but 2 outcomes"):
        roc_auc([1, 2, 3], [0, 1])


def test_tracking_errors_by_hand():
    """The tracking MAPEs over the holdout periods t > holdout_start only, periods with 0 actual left out."""
    tracking = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "actual": [0.0, 10.0, 20.0, 20.0],
                             "m": [1.0, 9.0, 22.0, 25.0]})
    for col in ("actual", "m"):
        tracking[f"incremental_{col}"] = tracking[col].diff().fillna(tracking[col])
    model = FixedForecasts([0.5, 1.0, 3.0, 1.0], [0.9, 0.6, 0.8, 0.7])
    row = holdout_metrics({"m": model}, TINY, tracking=tracking, holdout_start=1.5).iloc[0]
    # cumulative: |9 − 10|/10, |22 − 20|/20, |25 − 20|/20
    assert row["tracking_mape_cumulative"] == pytest.approx((0.1 + 0.1 + 0.25) / 3)
    # incremental: t = 2: |8 − 10|/10, t = 3: |13 − 10|/10; t = 4 has 0 actual and is left out
    assert row["tracking_mape_incremental"] == pytest.approx((0.2 + 0.3) / 2)
    with pytest.raises(ValueError, match="together"):
        holdout_metrics({"m": model}, TINY, tracking=tracking)
    with pytest.raises(ValueError, match=r"a column for none of the models \['other'\]"):
        holdout_metrics({"other": model}, TINY, tracking=tracking, holdout_start=1.5)
    both = holdout_metrics({"m": model, "other": model}, TINY, tracking=tracking, holdout_start=1.5)
    assert both["tracking_mape_cumulative"].isna().tolist() == [False, True]  # no tracking column: NaN
    with pytest.raises(ValueError, match="no period after"):
        holdout_metrics({"m": model}, TINY, tracking=tracking, holdout_start=4.0)


def test_bad_rows_are_named():
    """Bad input stops with a DataError naming the customer (the summary's row label), column and value."""
    model = FixedForecasts([0] * 4, [1] * 4)
    bad = TINY.astype({"frequency_holdout": float})
    bad.index = pd.Index(["C1", "C2", "C3", "C4"], name="customer_id")
    bad.loc["C2", "frequency_holdout"] = -1
    with pytest.raises(DataError, match=r"row C2, column 'frequency_holdout': negative number of holdout transactions \(-1.0\)"):
        holdout_metrics({"m": model}, bad)
    bad.loc["C2", "frequency_holdout"] = 1.5
    with pytest.raises(DataError, match=r"row C2, column 'frequency_holdout': not a whole number"):
        holdout_metrics({"m": model}, bad)
    bad.loc["C2", "frequency_holdout"] = np.nan
    with pytest.raises(DataError, match=r"row C2, column 'frequency_holdout': missing or infinite value"):
        holdout_metrics({"m": model}, bad)
    late = TINY.set_axis(["C1", "C2", "C3", "C4"]).assign(recency=[0.0, 4.0, 11.0, 2.0])
    with pytest.raises(DataError, match=r"row C3, column 'recency': recency is after T \(11.0\)"):
        holdout_metrics({"m": model}, late)


def test_needs_a_holdout_summary():
    with pytest.raises(ValueError, match="calibration/holdout summary"):
        holdout_metrics({"m": FixedForecasts([0] * 4, [1] * 4)}, TINY.drop(columns=["duration_holdout"]))
    with pytest.raises(ValueError, match="monetary_value_holdout"):
        holdout_metrics({"m": FixedForecasts([0] * 4, [1] * 4)}, TINY.drop(columns=["monetary_value_holdout"]),
                        spend_model=FixedSpend([1.0] * 4))


@pytest.fixture(scope="module")
def cdnow():
    c = CDNOW_CONVENTIONS
    tx = load_cdnow()
    summary = transaction_summary(tx, observation_end=c["observation_end"], freq=c["freq"],
                                  time_unit=c["time_unit"], calibration_end=c["calibration_end"])
    return tx, summary, BetaGeo().fit(summary)


def test_cdnow_against_a_loop_and_every_pair(cdnow):
    """Second implementation on CDNOW's 2,357 customers: the errors recomputed customer by customer in a
    Python loop, the AUC by counting all (bought again, not) pairs, the revenue from the spend model's
    own predictions; the tracking columns from tracking_data over weeks 40–77."""
    tx, summary, model = cdnow
    spend = GammaGamma().fit(summary)
    tracking = tracking_data(tx, observation_end=CDNOW_CONVENTIONS["observation_end"], model={"BG/NBD": model})
    row = holdout_metrics({"BG/NBD": model}, summary, tracking=tracking, holdout_start=39.0, spend_model=spend).iloc[0]
    abs_sum = sq_sum = err_sum = 0.0
    alive, bought = [], []
    for _, c in summary.iterrows():
        forecast = np.asarray(model.conditional_expected_transactions(c["duration_holdout"], c["frequency"],
                                                                      c["recency"], c["T"])).item()
        err = forecast - c["frequency_holdout"]
        abs_sum, sq_sum, err_sum = abs_sum + abs(err), sq_sum + err**2, err_sum + err
        alive.append(np.asarray(model.probability_alive(c["frequency"], c["recency"], c["T"])).item())
        bought.append(c["frequency_holdout"] > 0)
    n = len(summary)
    assert row["mae"] == pytest.approx(abs_sum / n) and row["rmse"] == pytest.approx(math.sqrt(sq_sum / n))
    assert row["bias"] == pytest.approx(err_sum / n)
    alive, bought = np.array(alive), np.array(bought)
    assert row["brier"] == pytest.approx(np.mean((alive - bought) ** 2))
    pos, neg = alive[bought], alive[~bought]
    right = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert row["auc"] == pytest.approx(right / (len(pos) * len(neg)))
    # the BG/NBD keeps CDNOW's 1,411 one-time buyers at P(alive) = 1, and most of them do not buy again:
    # as a score of buying again its P(alive) ranks worse than chance, while its forecast ranks well
    assert row["auc"] < 0.5 < 0.7 < row["auc_forecast"]
    forecast = model.conditional_expected_transactions(39.0, summary)
    expected_spend = spend.conditional_expected_average_spend(summary)
    assert row["forecast_revenue"] == pytest.approx((forecast * expected_spend).sum())
    assert row["actual_revenue"] == pytest.approx((summary["frequency_holdout"] * summary["monetary_value_holdout"]).sum())
    weeks = tracking[tracking["t"] > 39]
    assert len(weeks) == 38  # the whole weeks 40–77 to 1998-06-30
    assert row["tracking_mape_cumulative"] == pytest.approx(
        np.mean(np.abs(weeks["BG/NBD"] - weeks["actual"]) / weeks["actual"]))
    # FHL (2005, figure 4): the BG/NBD tracks CDNOW's cumulative holdout sales within a few percent
    assert row["tracking_mape_cumulative"] < 0.05
    assert set(HOLDOUT_METRIC_DEFINITIONS) <= set(row.index)


def test_one_model_is_named_model(cdnow):
    _, summary, model = cdnow
    assert holdout_metrics(model, summary.head(50))["model"].tolist() == ["model"]


def _simulated_bgnbd_world(truth, n, rng):
    """A BG/NBD world drawn from its definition (Fader, Hardie & Lee 2005): calibration and holdout of 39
    weeks each, every customer acquired at 0, dropout after the K-th repeat purchase, K ~ Geometric(p)."""
    lam = rng.gamma(truth["r"], 1 / truth["alpha"], n)
    p = rng.beta(truth["a"], truth["b"], n)
    drop_after = rng.geometric(p)
    n_cal, n_hold = rng.poisson(lam * 39.0), rng.poisson(lam * 39.0)
    x = np.minimum(n_cal, drop_after).astype(float)
    t_x = np.where(x > 0, 39.0 * rng.beta(np.maximum(x, 1), np.maximum(n_cal - x + 1, 1)), 0.0)
    holdout = np.clip(np.minimum(n_cal + n_hold, drop_after) - n_cal, 0, None)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": 39.0, "frequency_holdout": holdout.astype(float),
                         "duration_holdout": 39.0})


def test_true_model_scores_at_least_as_well_as_misspecified_ones():
    """Synthetic world with known truth: E[Y | x, t_x, T] under the true parameters minimises the expected
    squared error, so its RMSE and its total error are no worse than those of a model without dropout
    (p ≈ 0), with too much dropout (a and b swapped: E[p] 0.75 instead of 0.25) or with too many
    purchases (r three times the truth); its P(alive) separates buyers better than the no-dropout
    model's (AUC). The MAE is not such a criterion: most customers buy nothing in the holdout, the median
    forecast 0 minimises it, and the model with too much dropout, forecasting too low, scores a lower MAE
    than the truth."""
    truth = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    summary = _simulated_bgnbd_world(truth, 20_000, np.random.default_rng(2005))
    models = {}
    for name, params in {"true": truth, "no dropout": {**truth, "a": 1e-3, "b": 1e3},
                         "too much dropout": {**truth, "a": truth["b"], "b": truth["a"]},
                         "too many purchases": {**truth, "r": 3 * truth["r"]}}.items():
        models[name] = BetaGeo()
        models[name].params_ = pd.Series(params)
    table = holdout_metrics(models, summary).set_index("model")
    for wrong in ("no dropout", "too much dropout", "too many purchases"):
        assert table.loc["true", "rmse"] <= table.loc[wrong, "rmse"], wrong
        assert abs(table.loc["true", "total_error"]) <= abs(table.loc[wrong, "total_error"]), wrong
    assert abs(table.loc["true", "total_error"]) < 0.05
    assert table.loc["true", "auc"] > table.loc["no dropout", "auc"]
    assert table.loc["too much dropout", "mae"] < table.loc["true", "mae"]  # why the choice is made by RMSE


def test_model_by_segment_predicts_each_customer_by_its_segment():
    """Second implementation: each customer's forecast and P(alive) equal those of their segment's own
    model asked alone; the planted models carry the world's parameters."""
    channels = pd.DataFrame({"channel": ["search", "social"], "r": [0.3, 0.6], "alpha": [5.0, 3.0],
                             "a": [0.8, 1.2], "b": [2.5, 2.0]})
    segment = np.array(["social", "search", "social", "search"])
    truth = ModelBySegment.planted(channels, segment)
    assert truth.models["social"].params_.to_dict() == {"r": 0.6, "alpha": 3.0, "a": 1.2, "b": 2.0}
    table = holdout_metrics({"planted": truth}, TINY).iloc[0]
    x, t_x, T = (TINY[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    forecast = np.array([truth.models[s].conditional_expected_transactions(5.0, x[[k]], t_x[[k]], T[[k]])[0]
                         for k, s in enumerate(segment)])
    assert table["forecast_total"] == pytest.approx(forecast.sum())
    alive = np.array([truth.models[s].probability_alive(x[[k]], t_x[[k]], T[[k]])[0] for k, s in enumerate(segment)])
    assert table["brier"] == pytest.approx(np.mean((alive - (TINY["frequency_holdout"] > 0)) ** 2))
    with pytest.raises(ValueError, match="4 segment labels for 3 customers"):
        truth.probability_alive([0, 1, 2], [0, 1, 2], [5, 5, 5])
    with pytest.raises(ValueError, match=r"no model for the segment\(s\) \['email'\]"):
        ModelBySegment(truth.models, ["email"])
