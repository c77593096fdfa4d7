"""transaction_summary: the per-customer RFM summary, with and without a calibration/holdout split.

Checked against:
- the published CDNOW calibration summary of Fader, Hardie & Lee (2005): the
  (x, t_x, T) file the authors distribute with the data (also redistributed by
  the lifetimes package as cdnow_customers_summary.csv), ten customers by hand
  and totals over all 2,357 customers;
- the mean repeat-transaction value zbar of the same customers, from the
  authors' spend file (lifetimes' cdnow_customers_summary_with_transactions.csv);
- small logs computed by hand for freq D, W, M, time_unit and the holdout;
- a second implementation written directly in pandas (the benchmark's
  reference, benchmarks/summary_benchmark.py::pandas_summary) on a random log;
- identical results from pandas, Polars, Parquet and CSV inputs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from crmlab.customers import transaction_summary
from crmlab.data import CDNOW_CONVENTIONS, DataError, load_cdnow
from crmlab.data.cdnow import cdnow_path

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------
# CDNOW: the published calibration summary (Fader, Hardie & Lee 2005).
# ---------------------------------------------------------------------------------------------

# sample id -> (x, t_x, T) as published (weeks, 2 decimals), and zbar (mean repeat spend, $).
PUBLISHED = {
    "0001": (2, 30.43, 38.86, 22.35),
    "0002": (1, 1.71, 38.86, 11.77),
    "0006": (7, 29.43, 38.86, 73.74),
    "0017": (10, 34.14, 38.86, 24.24),
    "0019": (3, 28.29, 38.71, 25.08),
    "0059": (1, 38.43, 38.43, 6.49),
    "0157": (29, 37.71, 38.00, 26.26),
    "0325": (25, 27.29, 36.86, 37.21),
    "0495": (1, 36.00, 36.00, 11.49),
    "0592": (1, 29.00, 35.43, 15.36),
}
# Totals over all 2,357 rows of the published file (computed from the file, rounded values summed).
PUBLISHED_SUM_X = 2457
PUBLISHED_SUM_T_X = 16135.52
PUBLISHED_SUM_T = 77111.21
PUBLISHED_ZERO_REPEATERS = 1411


@pytest.fixture(scope="module")
def cdnow_summary():
    return transaction_summary(load_cdnow(sample=True), **CDNOW_CONVENTIONS)


@pytest.fixture(scope="module")
def sample_ids():
    """Sample id (2nd column of the raw file) -> master id (what load_cdnow uses as customer_id)."""
    raw = pd.read_csv(cdnow_path(sample=True), sep=r"\s+", header=None, dtype=str, usecols=[0, 1])
    return dict(zip(raw[1], raw[0]))


def test_cdnow_matches_published_customers(cdnow_summary, sample_ids):
    for sample_id, (x, t_x, T, zbar) in PUBLISHED.items():
        row = cdnow_summary.loc[sample_ids[sample_id]]
        assert row["frequency"] == x, sample_id
        assert round(row["recency"], 2) == pytest.approx(t_x, abs=1e-9), sample_id
        assert row["T"] == pytest.approx(T, abs=0.006), sample_id
        assert row["monetary_value"] == pytest.approx(zbar, abs=0.006), sample_id


def test_cdnow_matches_published_totals(cdnow_summary):
    s = cdnow_summary
    assert len(s) == 2357  # everyone bought first in Q1 1997, before calibration_end
    assert (s["frequency"] == 0).sum() == PUBLISHED_ZERO_REPEATERS
    assert s["frequency"].sum() == PUBLISHED_SUM_X
    # Each published t_x and T is ours rounded to 2 decimals, so the sums agree to rounding of the sum.
    assert s["recency"].round(2).sum() == pytest.approx(PUBLISHED_SUM_T_X, abs=1e-6)
    assert s["T"].round(2).sum() == pytest.approx(PUBLISHED_SUM_T, abs=1e-6)
    # The holdout is the 39 weeks 1997-10-01 .. 1998-06-30 for everyone.
    assert (s["duration_holdout"] == 39.0).all()
    assert s["first_purchase"].max() <= pd.Timestamp("1997-03-31")
    assert s["last_purchase"].max() <= pd.Timestamp("1997-09-30")


# ---------------------------------------------------------------------------------------------
# Hand-computed cases.
# ---------------------------------------------------------------------------------------------

# a: Mon 4 Jan (two purchases, 10 + 5), Wed 6 Jan (20), Tue 12 Jan (30), Mon 1 Feb (40).
# b: Sun 10 Jan (8). Observation end: Sun 14 Feb 2021.
HAND = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "a", "b"],
        "date": pd.to_datetime(["2021-01-04 09:00", "2021-01-04 18:30", "2021-01-06", "2021-01-12", "2021-02-01", "2021-01-10"], format="ISO8601"),
        "amount": [10.0, 5.0, 20.0, 30.0, 40.0, 8.0],
    }
)
END = "2021-02-14"


def test_daily_periods_by_hand():
    s = transaction_summary(HAND, observation_end=END, freq="D")
    # a: transactions on 4 (15), 6 (20), 12 Jan (30), 1 Feb (40): x = 3, t_x = 28 days, T = 41 days.
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [3, 28.0, 41.0, 30.0]
    assert s.loc["a", ["n_purchases", "total_spend"]].tolist() == [5, 105.0]
    assert s.loc["a", "first_purchase"] == pd.Timestamp("2021-01-04 09:00")
    assert s.loc["a", "last_purchase"] == pd.Timestamp("2021-02-01")
    # b: one purchase, 35 days before the end.
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0.0, 35.0, 0.0]
    assert s.index.name == "customer_id" and s.index.tolist() == ["a", "b"]
    assert s["frequency"].dtype == np.int64 and s["first_purchase"].dtype == "datetime64[ns]"


def test_weekly_periods_by_hand():
    # Weeks run Monday to Sunday: a's weeks are 4-10 Jan (15 + 20 = 35), 11-17 Jan (30), 1-7 Feb (40);
    # the end (Sun 14 Feb) is in the week of 8 Feb, 5 weeks after 4 Jan. b (Sun 10 Jan) is in week 4-10 Jan.
    s = transaction_summary(HAND, observation_end=END, freq="W")
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [2, 4.0, 5.0, 35.0]
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0.0, 5.0, 0.0]
    # In days, between week starts: 4 Jan -> 1 Feb = 28 days; 4 Jan -> 8 Feb = 35 days.
    d = transaction_summary(HAND, observation_end=END, freq="W", time_unit="D")
    assert d.loc["a", ["recency", "T"]].tolist() == [28.0, 35.0]


def test_monthly_periods_by_hand():
    # a: January (15 + 20 + 30 = 65) and February (40); b: January. End in February.
    s = transaction_summary(HAND, observation_end=END, freq="M")
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [1, 1.0, 1.0, 40.0]
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0.0, 1.0, 0.0]
    # Exact months between month starts: 1 Jan -> 1 Feb = 31 days = 31 / 30.4375 months.
    m = transaction_summary(HAND, observation_end=END, freq="M", time_unit="M")
    assert m.loc["a", "recency"] == pytest.approx(31 / 30.4375)


def test_time_unit_weeks_is_days_over_seven():
    w = transaction_summary(HAND, observation_end=END, freq="D", time_unit="W")
    assert w.loc["a", ["recency", "T"]].tolist() == pytest.approx([28 / 7, 41 / 7])
    assert w.loc["b", "T"] == pytest.approx(35 / 7)


def test_holdout_by_hand():
    # Calibration to Sun 10 Jan, holdout 11 Jan .. 14 Feb (35 days). c buys first in the holdout: left out.
    tx = pd.concat([HAND, pd.DataFrame({"customer_id": ["c"], "date": [pd.Timestamp("2021-01-20")], "amount": [9.0]})])
    s = transaction_summary(tx, observation_end=END, calibration_end="2021-01-10", freq="D")
    assert s.index.tolist() == ["a", "b"]
    # a in calibration: 4 Jan (15), 6 Jan (20): x = 1, t_x = 2, T = 6 days to 10 Jan, repeat value 20.
    assert s.loc["a", ["frequency", "recency", "T", "monetary_value"]].tolist() == [1, 2.0, 6.0, 20.0]
    assert s.loc["a", ["n_purchases", "total_spend", "last_purchase"]].tolist() == [3, 35.0, pd.Timestamp("2021-01-06")]
    # a in the holdout: 12 Jan (30) and 1 Feb (40).
    assert s.loc["a", ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]].tolist() == [2, 35.0, 35.0]
    assert s.loc["b", ["frequency", "T", "frequency_holdout", "monetary_value_holdout"]].tolist() == [0, 0.0, 0, 0.0]
    assert s.columns.tolist() == [
        "frequency", "recency", "T", "monetary_value", "frequency_holdout", "monetary_value_holdout",
        "duration_holdout", "first_purchase", "last_purchase", "n_purchases", "total_spend",
    ]  # fmt: skip
    # In weeks (the CDNOW convention): duration 35 / 7 = 5 weeks.
    w = transaction_summary(tx, observation_end=END, calibration_end="2021-01-10", time_unit="W")
    assert w.loc["a", "duration_holdout"] == pytest.approx(5.0)


def test_holdout_split_before_grouping_into_periods():
    # As in lifetimes, purchases are split at calibration_end first: with weeks and calibration_end on
    # Tue 5 Jan, a's purchases of Mon 4 Jan (calibration) and Wed 6 Jan (holdout) fall in one week but
    # count once in each part. Holdout weeks of a: 4-10 Jan (20), 11-17 Jan (30), 1-7 Feb (40).
    s = transaction_summary(HAND, observation_end=END, calibration_end="2021-01-05", freq="W")
    assert s.index.tolist() == ["a"]  # b's first purchase (10 Jan) is after calibration_end
    assert s.loc["a", ["frequency", "T", "frequency_holdout", "monetary_value_holdout"]].tolist() == [0, 0.0, 3, 30.0]
    assert s.loc["a", "duration_holdout"] == 5.0  # week of 4 Jan -> week of 8 Feb


def test_observation_end_day_is_inclusive():
    tx = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2021-01-01", "2021-01-31 23:59"], format="ISO8601"), "amount": [1.0, 2.0]})
    s = transaction_summary(tx, observation_end="2021-01-31")
    assert s.loc["a", ["frequency", "recency", "T"]].tolist() == [1, 30.0, 30.0]
    # A timestamp with a time of day means that day.
    same = transaction_summary(tx, observation_end=pd.Timestamp("2021-01-31 08:00"))
    pd.testing.assert_frame_equal(s, same)


# ---------------------------------------------------------------------------------------------
# Second implementation and input types.
# ---------------------------------------------------------------------------------------------


def _benchmark_module():
    spec = importlib.util.spec_from_file_location("summary_benchmark", ROOT / "benchmarks" / "summary_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def random_log():
    bench = _benchmark_module()
    return bench, bench.synthetic_log(20_000, seed=7)


@pytest.mark.parametrize(
    "settings",
    [
        {"freq": "D"},
        {"freq": "W"},
        {"freq": "M"},
        {"freq": "D", "time_unit": "W"},
        {"freq": "M", "time_unit": "D"},
        {"freq": "D", "time_unit": "W", "calibration_end": "2020-12-31"},
        {"freq": "W", "calibration_end": "2021-03-03"},
        {"freq": "M", "time_unit": "M", "calibration_end": "2021-02-15"},
    ],
)
def test_matches_pandas_implementation(random_log, settings):
    bench, log = random_log
    ours = transaction_summary(log, observation_end="2021-12-31", **settings)
    reference = bench.pandas_summary(log, observation_end="2021-12-31", **settings)
    pd.testing.assert_frame_equal(ours, reference, check_exact=False, rtol=1e-12)


def test_pandas_polars_parquet_csv_agree(tmp_path):
    expected = transaction_summary(HAND, observation_end=END, calibration_end="2021-01-10", time_unit="W")
    HAND.to_parquet(tmp_path / "tx.parquet", index=False)
    HAND.to_csv(tmp_path / "tx.csv", index=False)
    for source in (pl.from_pandas(HAND), pl.from_pandas(HAND).lazy(), tmp_path / "tx.parquet", str(tmp_path / "tx.csv")):
        got = transaction_summary(source, observation_end=END, calibration_end="2021-01-10", time_unit="W")
        pd.testing.assert_frame_equal(got, expected)


def test_column_mapping():
    raw = HAND.rename(columns={"customer_id": "cust", "amount": "revenue"})
    got = transaction_summary(raw, observation_end=END, columns={"cust": "customer_id", "revenue": "amount"})
    pd.testing.assert_frame_equal(got, transaction_summary(HAND, observation_end=END))


# ---------------------------------------------------------------------------------------------
# Errors: clear messages.
# ---------------------------------------------------------------------------------------------


def test_missing_column_is_a_data_error():
    with pytest.raises(DataError, match=r"column 'amount': missing required column"):
        transaction_summary(HAND.drop(columns="amount"), observation_end=END)


def test_purchase_after_observation_end_names_customers(tmp_path):
    with pytest.raises(DataError) as info:
        transaction_summary(HAND, observation_end="2021-01-31")
    assert str(info.value) == (
        "DataFrame: 1 problem\n"
        "  column 'date': customer 'a' has 1 purchase after observation_end 2021-01-31 (the first on 2021-02-01); "
        "pass a later observation_end or leave these purchases out"
    )
    # Several customers: one line each; from a file, the message names the file.
    HAND.to_parquet(tmp_path / "tx.parquet", index=False)
    with pytest.raises(DataError) as info:
        transaction_summary(tmp_path / "tx.parquet", observation_end="2021-01-05")
    text = str(info.value)
    assert text.startswith(f"{tmp_path / 'tx.parquet'}: 2 problems")
    assert "customer 'a' has 3 purchases after observation_end 2021-01-05 (the first on 2021-01-06)" in text
    assert "customer 'b' has 1 purchase after observation_end 2021-01-05 (the first on 2021-01-10)" in text


def test_bad_scalar_arguments():
    with pytest.raises(ValueError, match=r"unknown freq 'Q'; expected one of 'D' \(day\), 'W' \(week\), 'M' \(month\)"):
        transaction_summary(HAND, observation_end=END, freq="Q")
    with pytest.raises(ValueError, match=r"unknown time_unit 'Y'"):
        transaction_summary(HAND, observation_end=END, time_unit="Y")
    with pytest.raises(ValueError, match=r"calibration_end \(2021-02-14\) must be before observation_end \(2021-02-14\)"):
        transaction_summary(HAND, observation_end=END, calibration_end=END)
    with pytest.raises(ValueError, match=r"calibration_end \(2021-03-01\) must be before observation_end"):
        transaction_summary(HAND, observation_end=END, calibration_end="2021-03-01")
    with pytest.raises(ValueError, match=r"observation_end must be a date, got 'soon'"):
        transaction_summary(HAND, observation_end="soon")
    with pytest.raises(ValueError, match=r"observation_end is required"):
        transaction_summary(HAND, observation_end="")


def _plain_pandas_monetary_value(log: pd.DataFrame) -> pd.Series:
    """The definition, in plain pandas: per customer, the day totals after the first day, averaged (0 if none)."""
    days = log.assign(day=pd.to_datetime(log["date"]).dt.normalize()).groupby(["customer_id", "day"])["amount"].sum()
    return days.groupby(level="customer_id").apply(lambda s: s.iloc[1:].mean() if len(s) > 1 else 0.0)


def test_monetary_value_sums_repeat_purchases_without_cancellation(tmp_path):
    """Checked against the definition computed by plain pandas (the mean of the repeat transactions).

    Many purchases on the first day and one repeat of 0 must give exactly 0 (not total − first, a
    rounding residue such as -3.6e-14); a first purchase of 1e17 then a repeat of 1.0 must give 1.0
    (total − first gave 0.0). For a pandas and a Polars frame and a Parquet file.
    """
    rng = np.random.default_rng(5)
    n, k = 20_000, 200
    first_day = pd.DataFrame(
        {"customer_id": [f"c{c}" for c in rng.integers(0, k, n)], "date": pd.Timestamp("2021-01-01"), "amount": np.round(rng.uniform(0, 1, n), 2)}
    )
    repeat = pd.DataFrame({"customer_id": [f"c{c}" for c in range(k)], "date": pd.Timestamp("2021-01-08"), "amount": 0.0})
    big = pd.DataFrame({"customer_id": ["big", "big"], "date": pd.to_datetime(["2021-01-01", "2021-01-08"]), "amount": [1e17, 1.0]})
    log = pd.concat([first_day, repeat, big]).sample(frac=1.0, random_state=1).reset_index(drop=True)
    expected = _plain_pandas_monetary_value(log).sort_index()
    assert (expected.drop("big") == 0.0).all() and expected["big"] == 1.0
    log.to_parquet(tmp_path / "tx.parquet", index=False)
    for source in (log, pl.from_pandas(log), tmp_path / "tx.parquet"):
        got = transaction_summary(source, observation_end=END)["monetary_value"]
        pd.testing.assert_series_equal(got, expected, check_names=False, check_exact=True)


# ---------------------------------------------------------------------------------------------
# One reading of the input on every path: columns, missing ids, ids' type and order, dates.
# ---------------------------------------------------------------------------------------------


def test_a_column_named_twice_is_refused_not_half_read(tmp_path):
    """Hand-worked: 'customer_id,date,amount,amount' was summarised with the first amount only."""
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount,amount\na,2021-01-01,1,2\na,2021-01-08,3,4\n")
    with pytest.raises(DataError) as info:
        transaction_summary(path, observation_end=END)
    assert str(info.value) == f"{path}: 1 problem\n  column 'amount': the column name appears 2 times in the header: crmlab cannot tell which to read; rename or drop the copies"


def test_an_id_written_na_is_a_missing_id_on_every_path(tmp_path):
    """Hand-worked: an id 'NA' was a customer for the path reader and an error for read_transactions; now a
    missing id, shown as written, for a pandas or Polars frame and a CSV or Parquet file; with
    na_values=() it is a customer everywhere, and every input gives the same summary."""
    log = HAND.assign(customer_id=["a", "a", "NA", "a", "a", "b"])
    log.to_csv(tmp_path / "tx.csv", index=False)
    log.to_parquet(tmp_path / "tx.parquet", index=False)
    sources = (log, pl.from_pandas(log), tmp_path / "tx.csv", tmp_path / "tx.parquet")
    for source in sources:
        with pytest.raises(DataError) as info:
            transaction_summary(source, observation_end=END)
        assert [(p.row, p.column) for p in info.value.problems] == [(3 if isinstance(source, Path) else 2, "customer_id")]
        assert "missing value ('NA')" in str(info.value)
    expected = transaction_summary(log, observation_end=END, na_values=())
    assert expected.index.tolist() == ["NA", "a", "b"]
    for source in sources[1:]:
        pd.testing.assert_frame_equal(transaction_summary(source, observation_end=END, na_values=()), expected)


def test_integer_ids_keep_their_type_and_numeric_order(tmp_path):
    """Hand-worked: integer ids came back as strings sorted as text ('0', '1', '10', '2'); now int64 in
    numeric order from a pandas or Polars frame, a LazyFrame and Parquet, the same summary from each;
    a CSV's ids are text, in the same (natural) order."""
    log = HAND.assign(customer_id=[10, 10, 2, 0, 1, 10])
    expected = transaction_summary(log, observation_end=END)
    assert expected.index.tolist() == [0, 1, 2, 10] and expected.index.dtype == np.int64
    log.to_parquet(tmp_path / "tx.parquet", index=False)
    log.to_csv(tmp_path / "tx.csv", index=False)
    for source in (pl.from_pandas(log), pl.from_pandas(log).lazy(), tmp_path / "tx.parquet"):
        pd.testing.assert_frame_equal(transaction_summary(source, observation_end=END), expected)
    from_csv = transaction_summary(tmp_path / "tx.csv", observation_end=END)
    assert from_csv.index.tolist() == ["0", "1", "2", "10"]
    pd.testing.assert_frame_equal(from_csv.set_axis(from_csv.index.astype(np.int64)), expected)


def test_calibration_end_before_every_purchase_is_an_error():
    """Hand-worked: the first purchase is on 4 January 2021; a calibration ending on 1 January left no
    customer and returned an empty summary without a word."""
    for source in (HAND, pl.from_pandas(HAND)):
        with pytest.raises(DataError) as info:
            transaction_summary(source, observation_end=END, calibration_end="2021-01-01")
        assert str(info.value) == (
            "DataFrame: 1 problem\n  column 'date': no purchase on or before calibration_end 2021-01-01: "
            "the first purchase is on 2021-01-04; pass a calibration_end on or after it"
        )


def test_observation_end_with_an_offset_is_the_day_as_written():
    """Hand-worked: '2021-02-14T23:00:00-05:00' is 14 February as written (it was moved to 15 February, the
    day of the instant in UTC, although the time of day is said to be ignored)."""
    shifted = transaction_summary(HAND, observation_end="2021-02-14T23:00:00-05:00")
    pd.testing.assert_frame_equal(shifted, transaction_summary(HAND, observation_end=END))
    assert shifted.loc["b", "T"] == 35.0


def test_dates_of_a_file_read_as_told(tmp_path):
    """Hand-worked: a file of dd/mm/yyyy dates that read both ways was read month-first by the pandas reader;
    the summary of the path refuses it, and with dayfirst=True (or date_format=) equals the summary of
    the same purchases with their dates typed."""
    path = tmp_path / "tx.csv"
    HAND.assign(date=HAND["date"].dt.strftime("%d/%m/%Y %H:%M")).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"column 'date': ambiguous dates: the column reads as well day-first"):
        transaction_summary(path, observation_end=END)
    expected = transaction_summary(HAND, observation_end=END)
    pd.testing.assert_frame_equal(transaction_summary(path, observation_end=END, dayfirst=True), expected)
    pd.testing.assert_frame_equal(transaction_summary(path, observation_end=END, date_format="%d/%m/%Y %H:%M"), expected)
    pd.testing.assert_frame_equal(transaction_summary(pd.read_csv(path, dtype=str), observation_end=END, dayfirst=True), expected)


def test_a_typed_pandas_frame_is_checked_in_polars_and_its_bad_rows_named_by_the_pandas_reader(monkeypatch):
    """Second implementation: a pandas frame with typed columns (datetimes, numbers; text or int ids, under
    the user's column names) is summarised without the pandas reader's coercion and checks, the same
    summary as from the Polars frame and from the frame the reader checked; a bad row in it is still the
    pandas reader's DataError, naming the row by its index label (hand-worked)."""
    import crmlab.data.transactions as transactions

    log = HAND.sample(frac=1.0, random_state=3)  # unsorted, index labels shuffled
    expected = transaction_summary(pl.from_pandas(HAND), observation_end=END)
    reader = transactions._checked_rows
    calls = []
    monkeypatch.setattr(transactions, "_checked_rows", lambda *a, **k: calls.append(1) or reader(*a, **k))
    renamed = log.rename(columns={"customer_id": "cust", "amount": "revenue"})
    pd.testing.assert_frame_equal(transaction_summary(renamed, observation_end=END, columns={"cust": "customer_id", "revenue": "amount"}), expected)
    pd.testing.assert_frame_equal(transaction_summary(log, observation_end=END), expected)
    assert calls == []
    ints = log.assign(customer_id=log["customer_id"].map({"a": 7, "b": 3}).astype(np.int32))
    assert transaction_summary(ints, observation_end=END).index.tolist() == [3, 7]
    assert calls == []
    bad = log.assign(amount=log["amount"].where(log.index != 4, -1.0))
    with pytest.raises(DataError, match=r"row 4, column 'amount': negative value \(-1.0\)"):
        transaction_summary(bad, observation_end=END)
    assert calls == [1]  # the pandas reader, to name the row


def test_an_untyped_pandas_frame_is_checked_without_the_readers_sort(monkeypatch):
    """Second implementation: a pandas frame of text dates and amounts goes through the pandas reader's
    coercion and checks, but not its sort by customer and date (a summary does not need it): the same
    summary as from the sorted frame read_transactions returns, which is still sorted."""
    import crmlab.data.transactions as transactions
    from crmlab.data import read_transactions

    raw = HAND.sample(frac=1.0, random_state=4).astype({"date": str, "amount": str})
    checked = read_transactions(raw)
    assert checked["customer_id"].is_monotonic_increasing and checked.groupby("customer_id")["date"].is_monotonic_increasing.all()
    monkeypatch.setattr(transactions, "_sorted_by_customer", lambda frame: pytest.fail("the summary sorted the rows"))
    pd.testing.assert_frame_equal(transaction_summary(raw, observation_end=END), transaction_summary(pl.from_pandas(HAND), observation_end=END))
