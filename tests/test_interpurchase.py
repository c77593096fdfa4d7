"""Interpurchase times: the gaps between consecutive purchase days.

Checked against gaps computed by hand on a small log (with same-day purchases
and times of day), against numpy statistics of those gaps (mean, median,
sample sd, linear-interpolation percentiles), and against a second
implementation in pandas (groupby + diff) on a random log.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from crmlab.customers import interpurchase_distribution, interpurchase_summary, interpurchase_times
from crmlab.data import DataError

# a: 1 Jan, 8 Jan (twice), 22 Jan, 21 Feb -> gaps 7, 14, 30 days.
# b: one purchase. c: 1 Jan 21:00 and 2 Jan 08:00 -> 1 day (calendar days, though 11 hours apart).
TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "a", "b", "c", "c"],
        "date": pd.to_datetime(
            ["2021-01-01", "2021-01-08", "2021-01-08", "2021-01-22", "2021-02-21", "2021-01-03", "2021-01-01 21:00", "2021-01-02 08:00"],
            format="ISO8601",
        ),
        "amount": 1.0,
    }
)
GAPS = [7.0, 14.0, 30.0, 1.0]


def test_times_by_hand():
    t = interpurchase_times(TX)
    assert t.columns.tolist() == ["customer_id", "date", "ipt"]
    assert t["customer_id"].tolist() == ["a", "a", "a", "c"]
    assert t["date"].tolist() == list(pd.to_datetime(["2021-01-08", "2021-01-22", "2021-02-21", "2021-01-02"]))
    assert t["ipt"].tolist() == GAPS


@pytest.mark.parametrize(("unit", "days"), [("D", 1.0), ("W", 7.0), ("M", 30.4375)])
def test_units(unit, days):
    np.testing.assert_allclose(interpurchase_times(TX, unit=unit)["ipt"], np.array(GAPS) / days)


def test_summary_by_hand():
    s = interpurchase_summary(TX).set_index("customer_id")
    assert s.columns.tolist() == ["n_gaps", "mean", "median", "sd", "cv"]
    # a: gaps 7, 14, 30: mean 17, median 14, sd = sqrt((100 + 9 + 169) / 2) = sqrt(139).
    assert s.loc["a"].tolist() == pytest.approx([3, 17.0, 14.0, np.sqrt(139), np.sqrt(139) / 17])
    assert s.loc["b", "n_gaps"] == 0 and s.loc["b", ["mean", "median", "sd", "cv"]].isna().all()
    assert s.loc["c", ["n_gaps", "mean", "median"]].tolist() == [1, 1.0, 1.0] and np.isnan(s.loc["c", "sd"])


def test_distribution_against_numpy():
    d = interpurchase_distribution(TX)
    assert d.columns.tolist() == ["n_gaps", "n_customers", "mean", "median", "sd", "cv", "p10", "p90"]
    g = np.array(GAPS)
    expected = [4, 2, g.mean(), np.median(g), g.std(ddof=1), g.std(ddof=1) / g.mean(), *np.percentile(g, [10, 90])]
    assert d.iloc[0].tolist() == pytest.approx(expected)
    # By hand: mean 13, median 10.5, sd^2 = (36 + 1 + 289 + 144) / 3.
    assert d.loc[0, ["mean", "median", "sd"]].tolist() == pytest.approx([13.0, 10.5, np.sqrt(470 / 3)])


def test_no_gaps():
    one = TX[TX["customer_id"] == "b"]
    assert interpurchase_times(one).empty
    d = interpurchase_distribution(one)
    assert d.loc[0, "n_gaps"] == 0 and d.loc[0, "n_customers"] == 0 and np.isnan(d.loc[0, "mean"])


def test_matches_pandas_on_random_log():
    rng = np.random.default_rng(11)
    n = 5000
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 500, n).astype(str),
            "date": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 600 * 24, n), unit="h"),
            "amount": 1.0,
        }
    )
    days = tx.assign(day=tx["date"].dt.normalize())[["customer_id", "day"]].drop_duplicates()
    days = days.sort_values(["customer_id", "day"])
    days["gap"] = days.groupby("customer_id")["day"].diff().dt.days / 7
    ref = days.dropna(subset=["gap"])
    ours = interpurchase_times(tx, unit="W")
    np.testing.assert_allclose(ours["ipt"].to_numpy(), ref["gap"].to_numpy())
    assert ours["customer_id"].tolist() == ref["customer_id"].tolist()
    per = interpurchase_summary(tx, unit="W").set_index("customer_id")
    ref_per = ref.groupby("customer_id")["gap"].agg(["count", "mean", "median", "std"])
    np.testing.assert_allclose(per.loc[ref_per.index, ["n_gaps", "mean", "median", "sd"]].to_numpy(), ref_per.to_numpy())


def test_pandas_polars_parquet_agree(tmp_path):
    TX.to_parquet(tmp_path / "tx.parquet", index=False)
    for func in (interpurchase_times, interpurchase_summary, interpurchase_distribution):
        expected = func(TX, unit="W")
        for source in (pl.from_pandas(TX), tmp_path / "tx.parquet"):
            pd.testing.assert_frame_equal(func(source, unit="W"), expected)


def test_errors():
    with pytest.raises(ValueError, match=r"unknown unit 'Y'; expected one of 'D' \(days\), 'W' \(weeks = 7 days\), 'M'"):
        interpurchase_times(TX, unit="Y")
    with pytest.raises(ValueError, match=r"unknown unit 'H'"):
        interpurchase_distribution(TX, unit="H")
    with pytest.raises(DataError, match=r"column 'date': missing required column"):
        interpurchase_summary(TX.drop(columns="date"))
