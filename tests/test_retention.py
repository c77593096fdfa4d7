"""Retention, churn, cohorts and the repeat-purchase rate.

Checked against counts computed by hand on small logs (the definitions of
Kumar & Reinartz 2018: S active at the start, N new, E active at the end,
CRR = (E − N) / S), against a direct pandas computation of cohort retention
on a random log (a second implementation), and for agreement of pandas,
Polars and Parquet inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from crmlab.customers import active_customers, churn_rate, cohort_retention, repeat_purchase_rate, retention_rate
from crmlab.data import DataError

# a: Jan, Feb, Apr; b: Jan, Mar; c: Feb; d: 3 Apr (shop) and 20 Apr (web). Nobody else.
TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "b", "b", "c", "d", "d"],
        "date": pd.to_datetime(
            ["2021-01-05", "2021-02-07", "2021-04-02", "2021-01-20", "2021-03-15", "2021-02-10", "2021-04-03", "2021-04-20"]
        ),
        "amount": 1.0,
        "channel": ["web", "web", "web", "web", "web", "shop", "shop", "web"],
    }
)
MONTHS = [pd.Period(m, "M") for m in ("2021-01", "2021-02", "2021-03", "2021-04")]


def test_retention_rate_window_1_by_hand():
    # Active (bought in the month): Jan {a,b}, Feb {a,c}, Mar {b}, Apr {a,d}; new: Jan {a,b}, Feb {c}, Apr {d}.
    r = retention_rate(TX, freq="M")
    assert r.columns.tolist() == ["period", "S", "N", "E", "retention_rate", "churn_rate"]
    assert r["period"].tolist() == MONTHS
    assert r["S"].tolist() == [0, 2, 2, 1]
    assert r["N"].tolist() == [2, 1, 0, 1]
    assert r["E"].tolist() == [2, 2, 1, 2]
    # CRR = (E - N) / S; first period S = 0: undefined (NaN). April: a came back, so (2 - 1) / 1 = 1.
    np.testing.assert_allclose(r["retention_rate"], [np.nan, 0.5, 0.5, 1.0])
    np.testing.assert_allclose(r["churn_rate"], [np.nan, 0.5, 0.5, 0.0])
    assert r["S"].dtype == np.int64 and isinstance(r["period"].dtype, pd.PeriodDtype)


def test_retention_rate_window_2_by_hand():
    # Active = bought this month or last: Jan {a,b}, Feb {a,b,c}, Mar {a,b,c}, Apr {a,b,d}.
    r = retention_rate(TX, freq="M", window=2)
    assert r["S"].tolist() == [0, 2, 3, 3]
    assert r["N"].tolist() == [2, 1, 0, 1]
    assert r["E"].tolist() == [2, 3, 3, 3]
    np.testing.assert_allclose(r["retention_rate"], [np.nan, 1.0, 1.0, 2 / 3])


def test_churn_rate_is_one_minus_crr_same_frame():
    r = retention_rate(TX, freq="M", window=2)
    c = churn_rate(TX, freq="M", window=2)
    assert c.columns.tolist() == ["period", "S", "N", "E", "churn_rate"]
    pd.testing.assert_frame_equal(c, r.drop(columns="retention_rate"))
    np.testing.assert_allclose(c["churn_rate"], 1 - r["retention_rate"])


def test_empty_periods_are_kept_and_undefined_after_them():
    # a buys in January and March only: February has E = 0, so March has S = 0 (CRR NaN).
    tx = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2021-01-10", "2021-03-10"]), "amount": 1.0})
    r = retention_rate(tx, freq="M")
    assert r["E"].tolist() == [1, 0, 1] and r["S"].tolist() == [0, 1, 0]
    np.testing.assert_allclose(r["retention_rate"], [np.nan, 0.0, np.nan])


def test_weekly_periods_run_monday_to_sunday():
    # Sun 10 Jan and Mon 11 Jan 2021 are in different weeks.
    tx = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2021-01-10", "2021-01-11"]), "amount": 1.0})
    r = retention_rate(tx, freq="W")
    assert [str(p) for p in r["period"]] == ["2021-01-04/2021-01-10", "2021-01-11/2021-01-17"]
    np.testing.assert_allclose(r["retention_rate"], [np.nan, 1.0])


def test_active_customers_by_hand():
    act = active_customers(TX, freq="M", window=2)
    pairs = set(zip(act["period"].astype(str), act["customer_id"]))
    assert pairs == {
        ("2021-01", "a"), ("2021-01", "b"),
        ("2021-02", "a"), ("2021-02", "b"), ("2021-02", "c"),
        ("2021-03", "a"), ("2021-03", "b"), ("2021-03", "c"),
        ("2021-04", "a"), ("2021-04", "b"), ("2021-04", "d"),
    }  # fmt: skip
    row = act[(act["period"] == MONTHS[1]) & (act["customer_id"] == "b")].iloc[0]
    assert not row["purchased"] and not row["new"]
    assert act[act["new"]]["customer_id"].tolist() == ["a", "b", "c", "d"]


def test_cohort_retention_by_hand():
    c = cohort_retention(TX, freq="M")
    assert c.columns.tolist() == ["cohort", "period_number", "cohort_size", "n_active", "retention"]
    jan = c[c["cohort"] == MONTHS[0]]
    # January cohort {a, b}: Feb a, Mar b, Apr a.
    assert jan["period_number"].tolist() == [0, 1, 2, 3]
    assert jan["cohort_size"].tolist() == [2, 2, 2, 2]
    assert jan["n_active"].tolist() == [2, 1, 1, 1]
    np.testing.assert_allclose(jan["retention"], [1.0, 0.5, 0.5, 0.5])
    # February cohort {c}: nothing after; April cohort {d}: only period 0. No March cohort.
    assert c[c["cohort"] == MONTHS[1]]["n_active"].tolist() == [1, 0, 0]
    assert c[c["cohort"] == MONTHS[3]]["period_number"].tolist() == [0]
    assert MONTHS[2] not in set(c["cohort"])


def test_cohort_retention_matches_pandas_on_random_log():
    rng = np.random.default_rng(3)
    n = 3000
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 400, n).astype(str),
            "date": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "amount": 1.0,
        }
    )
    ours = cohort_retention(tx, freq="M")
    # Second implementation: pandas Periods, groupby and a full grid.
    p = tx.assign(period=tx["date"].dt.to_period("M"))[["customer_id", "period"]].drop_duplicates()
    p["cohort"] = p.groupby("customer_id")["period"].transform("min")
    p["k"] = (p["period"] - p["cohort"]).apply(lambda off: off.n)
    counts = p.groupby(["cohort", "k"]).size()
    sizes = p.groupby("cohort")["customer_id"].nunique()
    last = p["period"].max()
    for row in ours.itertuples(index=False):
        assert row.cohort_size == sizes[row.cohort]
        assert row.n_active == counts.get((row.cohort, row.period_number), 0)
    assert len(ours) == sum((last - c).n + 1 for c in sizes.index)


def test_repeat_purchase_rate_by_hand():
    # Days: a 3, b 2, c 1, d 2 -> a, b, d repeat. Months: a 3, b 2, c 1, d 1 -> a, b.
    assert repeat_purchase_rate(TX, freq="D").iloc[0].tolist() == [4, 3, 0.75]
    assert repeat_purchase_rate(TX, freq="M").iloc[0].tolist() == [4, 2, 0.5]
    # By channel of the first purchase: web {a, b}, shop {c, d}.
    by = repeat_purchase_rate(TX, freq="D", by="channel")
    assert by.columns.tolist() == ["channel", "n_customers", "n_repeat", "repeat_purchase_rate"]
    assert by.values.tolist() == [["shop", 2, 1, 0.5], ["web", 2, 2, 1.0]]
    # By monthly cohort: Jan {a, b}, Feb {c}, Apr {d}.
    co = repeat_purchase_rate(TX, freq="D", by="cohort")
    assert co["cohort"].tolist() == [MONTHS[0], MONTHS[1], MONTHS[3]]
    assert co["repeat_purchase_rate"].tolist() == [1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    "func",
    [
        lambda tx: retention_rate(tx, freq="M", window=2),
        lambda tx: cohort_retention(tx, freq="W"),
        lambda tx: repeat_purchase_rate(tx, by="channel"),
        lambda tx: active_customers(tx, freq="M"),
    ],
)
def test_pandas_polars_parquet_agree(func, tmp_path):
    TX.to_parquet(tmp_path / "tx.parquet", index=False)
    expected = func(TX)
    for source in (pl.from_pandas(TX), tmp_path / "tx.parquet"):
        pd.testing.assert_frame_equal(func(source), expected)


def test_errors():
    with pytest.raises(ValueError, match=r"unknown freq 'Y'; expected one of 'D' \(day\), 'W' \(week\), 'M' \(month\)"):
        retention_rate(TX, freq="Y")
    with pytest.raises(ValueError, match=r"window must be a whole number of periods >= 1, got 0"):
        retention_rate(TX, window=0)
    with pytest.raises(ValueError, match=r"unknown by 'region'; expected None, 'channel' or 'cohort'"):
        repeat_purchase_rate(TX, by="region")
    with pytest.raises(DataError, match=r"by='channel' needs a 'channel' column, and the data has none"):
        repeat_purchase_rate(TX.drop(columns="channel"), by="channel")
    with pytest.raises(DataError, match=r"column 'customer_id': missing required column"):
        cohort_retention(TX.drop(columns="customer_id"))
