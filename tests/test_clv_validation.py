"""Calibration/holdout checks of a fitted BTYD model (crmlab.clv.validation), on CDNOW."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv.beta_geo import BetaGeo
from crmlab.clv.validation import (
    compare_models,
    frequency_histogram_comparison,
    holdout_comparison,
    probability_alive_matrix,
    tracking_data,
)
from crmlab.customers import transaction_summary
from crmlab.data import CDNOW_CONVENTIONS, load_cdnow
from crmlab.plots import plot_frequency_histogram, plot_holdout_comparison, plot_probability_alive_matrix


@pytest.fixture(scope="module")
def cdnow():
    c = CDNOW_CONVENTIONS
    tx = load_cdnow()
    summary = transaction_summary(
        tx, observation_end=c["observation_end"], freq=c["freq"], time_unit=c["time_unit"], calibration_end=c["calibration_end"]
    )
    return tx, summary, BetaGeo().fit(summary)


def test_frequency_histogram(cdnow):
    """Definitions: observed counts are the customers per calibration frequency; expected counts
    add up to the number of customers. Published: FHL (2005, figure 2) show 1,411 customers
    without a repeat purchase in CDNOW's calibration period."""
    _, summary, model = cdnow
    table = frequency_histogram_comparison(model, summary, max_frequency=7)
    assert table["frequency"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["observed"].sum() == len(summary) == 2357
    assert table["observed"].iloc[0] == 1411
    assert table["expected"].sum() == pytest.approx(2357)
    # a fitted model reproduces the histogram it was fitted to closely (chi-square-sized gaps)
    chi2 = ((table["observed"] - table["expected"]) ** 2 / table["expected"]).sum()
    assert chi2 < 15


def test_holdout_comparison(cdnow):
    """Definitions: the actual column is the mean holdout frequency per calibration frequency,
    the predicted column the mean of E[Y(t) | x, t_x, T] over the same customers."""
    _, summary, model = cdnow
    table = holdout_comparison(model, summary)
    assert table["frequency"].iloc[-1] == "all"
    assert table["n_customers"].iloc[:-1].sum() == len(summary)
    zero = summary["frequency"] == 0
    assert table.loc[0, "actual"] == pytest.approx(summary.loc[zero, "frequency_holdout"].mean())
    pred = model.conditional_expected_transactions(39.0, summary.loc[zero])
    assert table.loc[0, "predicted"] == pytest.approx(pred.mean())
    # predictions rise with calibration frequency, as the actuals do
    assert table["predicted"].iloc[:-1].is_monotonic_increasing
    with pytest.raises(ValueError, match="calibration/holdout summary"):
        holdout_comparison(model, summary.drop(columns=["frequency_holdout"]))


def test_tracking_curve(cdnow):
    """Second implementation: the actual curve recounted with pandas from the log (repeat =
    a purchase day other than the customer's first), and the calibration total equal to the
    summary's Σ x; the expected curve equals Σ_i E[X(t − s_i)] computed directly."""
    tx, summary, model = cdnow
    table = tracking_data(tx, observation_end=CDNOW_CONVENTIONS["observation_end"], model=model)
    assert table["t"].iloc[0] == 1 and np.all(np.diff(table["actual"]) >= 0)
    # repeat transactions dated up to 1997-09-30 = the calibration frequencies' sum
    by_sep30 = tracking_data(tx, observation_end="1997-09-30")
    first = tx.groupby("customer_id")["date"].min()
    s = ((first - pd.Timestamp("1997-01-01")).dt.days / 7).to_numpy()
    t = 20.0
    direct = sum(model.expected_transactions(t - si) for si in s if si < t)
    assert table.loc[table["t"] == t, "expected"].item() == pytest.approx(direct)
    days = tx.assign(day=tx["date"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    repeat = days[days["day"] != days["customer_id"].map(first)]
    assert by_sep30["actual"].iloc[-1] == (repeat["day"] <= pd.Timestamp("1997-01-01") + pd.Timedelta(days=7 * 38)).sum()
    assert summary["frequency"].sum() == (repeat["day"] <= pd.Timestamp("1997-09-30")).sum()
    np.testing.assert_allclose(table["incremental_actual"].cumsum(), table["actual"])


def test_probability_alive_matrix(cdnow):
    """Definitions: P(alive) = 1 without repeat purchases; it rises with recency for a given
    frequency; impossible cells are NaN."""
    _, _, model = cdnow
    matrix = probability_alive_matrix(model, T=39.0, max_frequency=10)
    assert matrix.loc[0, 0.0] == 1.0
    assert np.isnan(matrix.loc[3, 0.0]) and np.isnan(matrix.loc[0, 5.0])
    assert np.all(np.diff(matrix.loc[5].dropna().to_numpy()) > 0)
    assert matrix.index.tolist()[0] == 10


def test_model_figures_draw_the_tables(cdnow):
    """The crmlab.plots figures of a fitted model draw the numbers of its validation tables (checked against the tables)."""
    _, summary, model = cdnow
    table = holdout_comparison(model, summary)
    ax = plot_holdout_comparison(holdout_comparison(model, summary)).axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), table["actual"].iloc[:-1])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), table["predicted"].iloc[:-1])
    hist = frequency_histogram_comparison(model, summary)
    bars = plot_frequency_histogram(frequency_histogram_comparison(model, summary)).axes[0].patches
    heights = sorted(round(b.get_height(), 6) for b in bars if b.get_height() > 0)
    assert heights == sorted(round(v, 6) for v in [*hist["observed"], *hist["expected"]])
    fig = plot_probability_alive_matrix(probability_alive_matrix(model, T=39.0, max_frequency=5))
    assert fig.axes[0].get_ylabel().startswith("frequency")


def test_several_models_side_by_side(cdnow):
    """Definitions: with a mapping of models, each gets its own column, equal to its single-model
    table; compare_models ranks by AIC (the same model twice ties at delta_AIC 0)."""
    tx, summary, model = cdnow
    other = BetaGeo().fit(summary.assign(frequency=summary["frequency"]))  # same fit, another object
    models = {"BG/NBD": model, "BG/NBD again": other}
    hold = holdout_comparison(models, summary)
    np.testing.assert_allclose(hold["BG/NBD"], holdout_comparison(model, summary)["predicted"])
    hist = frequency_histogram_comparison(models, summary)
    np.testing.assert_allclose(hist["BG/NBD again"], frequency_histogram_comparison(model, summary)["expected"])
    track = tracking_data(tx, observation_end="1997-12-31", model=models)
    assert {"BG/NBD", "incremental_BG/NBD again"} <= set(track.columns)
    table = compare_models(models)
    assert table["delta_AIC"].abs().max() < 1e-6
    assert table.loc[0, "log_likelihood"] == pytest.approx(model.log_likelihood_)
