"""The model choice on the holdout, in words generated from holdout_metrics (crmlab.display.value).

Each test builds a metrics table whose answer is known by construction and checks that the words follow
the numbers: the winner, the criterion named, and the closeness of the call flip where the numbers do.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.clv.validation import HOLDOUT_METRIC_DEFINITIONS
from crmlab.display.value import HOLDOUT_MEASURES, holdout_accuracy_table, holdout_choice_sentences


def _metrics(rmse, **other):
    return pd.DataFrame({"model": ["BG/NBD", "MBG/NBD", "Pareto/NBD"][: len(rmse)], "rmse": rmse, **other})


def test_tied_close_and_clear_calls():
    """The runner-up's gap to the best decides the words: under 1% tied, under 5% close, else clear."""
    tied = holdout_choice_sentences(_metrics([1.608, 1.607, 1.603])).plain
    assert "practically tied: 1.603, 1.607 and 1.608" in tied and "any of them will do" in tied
    assert "RMSE; the forecasts are means" in tied  # the criterion and why it is the default
    close = holdout_choice_sentences(_metrics([1.70, 1.65, 1.60])).plain
    assert "choose the Pareto/NBD (1.600), but the call is close: the MBG/NBD is 3.1% behind (1.650)" in close
    assert "the BG/NBD 6.2%" in close
    clear = holdout_choice_sentences(_metrics([2.0, 1.5])).plain
    assert "choose the MBG/NBD (1.500), clearly: the BG/NBD is 33.3% behind (2.000)." in clear
    pair = holdout_choice_sentences(_metrics([1.700, 1.601, 1.600])).plain
    assert "choose the Pareto/NBD or the MBG/NBD, practically tied (1.600 and 1.601" in pair
    assert "before the BG/NBD (1.700)" in pair


def test_criterion_flips_the_winner():
    """MAE and RMSE can disagree (MAE rewards forecasting too low); the sentence names its criterion, and
    AUC is higher-is-better."""
    metrics = _metrics([1.60, 1.70], mae=[0.80, 0.70], auc=[0.30, 0.70])
    assert "choose the BG/NBD (1.600)" in holdout_choice_sentences(metrics).plain
    by_mae = holdout_choice_sentences(metrics, criterion="mae").plain
    assert by_mae.startswith("By the mean absolute error of each customer's holdout transactions (MAE), choose the MBG/NBD")
    assert "choose the MBG/NBD (0.700)" in holdout_choice_sentences(metrics, criterion="auc").plain
    with pytest.raises(ValueError, match="unknown criterion"):
        holdout_choice_sentences(metrics, criterion="r2")
    with pytest.raises(ValueError, match="no column 'brier'"):
        holdout_choice_sentences(metrics, criterion="brier")


def test_other_measures_agree_or_split():
    """The second sentence says which model leads each other measure: all the chosen one, or split."""
    agree = holdout_choice_sentences(_metrics([1.7, 1.6], total_error=[-0.2, 0.1], auc=[0.3, 0.7])).plain
    assert "The other measures all favour the MBG/NBD: the error of the total holdout transactions (+10.0%) and the AUC" in agree
    split = holdout_choice_sentences(_metrics([1.7, 1.6], total_error=[-0.05, 0.1], auc=[0.3, 0.7])).plain
    assert ("The other measures are split: the BG/NBD leads by the error of the total holdout transactions (-5.0%); "
            "the MBG/NBD leads by the AUC of P(alive) against buying again (0.700).") in split
    alone = holdout_choice_sentences(_metrics([1.7, 1.6])).plain
    assert "other measures" not in alone
    assert holdout_choice_sentences(_metrics([1.7])).plain == (
        "Only the BG/NBD was checked on the holdout: the root mean squared error of each customer's holdout "
        "transactions (RMSE) 1.700.")


def test_planted_truth_is_a_yardstick_not_a_candidate():
    """A synthetic base's planted truth is left out of the choice and set beside the chosen model."""
    metrics = pd.DataFrame({"model": ["BG/NBD", "Pareto/NBD", "Planted truth"], "rmse": [1.70, 1.60, 1.50]})
    said = holdout_choice_sentences(metrics, reference="Planted truth").plain
    assert "choose the Pareto/NBD (1.600), clearly: the BG/NBD is 6.2% behind" in said
    assert said.endswith("The planted truth, the model the base was drawn from, scores 1.500 on the same criterion; "
                         "the Pareto/NBD comes within 6.7% of it.")
    lucky = holdout_choice_sentences(metrics.assign(rmse=[1.70, 1.60, 1.65]), reference="Planted truth").plain
    assert lucky.endswith("the Pareto/NBD does as well or better on this finite base, as chance allows.")
    with pytest.raises(ValueError, match="no row 'truth'"):
        holdout_choice_sentences(metrics, reference="truth")


def test_accuracy_table_writes_each_measure_by_its_kind():
    """Measures down, models across: counts as integers, errors of totals as %, per-customer errors with three
    decimals (so a tie at 1.603 against 1.608 is visible), revenue as money, and every measure defined."""
    metrics = pd.DataFrame({"model": ["BG/NBD", "Pareto/NBD"], "customers": [2357, 2357],
                            "actual_total": [1882.0, 1882.0], "total_error": [-0.1215, -0.115], "rmse": [1.6080, 1.6028],
                            "tracking_mape_cumulative": [0.026, float("nan")], "actual_revenue": [70976.39, 70976.39]})
    cells = holdout_accuracy_table(metrics).cells.set_index("Measure")
    assert cells.loc["Holdout transactions, actual"].tolist()[:2] == ["1,882", "1,882"]
    assert cells.loc["Error of the total"].tolist()[:2] == ["-12.2%", "-11.5%"]
    assert cells.loc["RMSE per customer"].tolist()[:2] == ["1.608", "1.603"]
    assert cells.loc["Tracking error, cumulative (MAPE)", "Pareto/NBD"] == "–"
    assert cells.loc["Holdout revenue, actual", "BG/NBD"] == "$70,976.39"
    assert "customers" not in cells.index.str.lower()  # the count of customers is said elsewhere on the page
    assert (cells["Definition"] != "–").all()
    assert set(HOLDOUT_MEASURES) <= set(HOLDOUT_METRIC_DEFINITIONS)
