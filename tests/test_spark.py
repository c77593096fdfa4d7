"""The Spark engine: the same calls on a PySpark DataFrame give the same tables as on Polars.

Checked against:
- a second implementation: every customer-base function in scope, computed by
  Polars (the engine tested against published results, hand-worked examples
  and a pandas implementation in test_summary / test_retention /
  test_interpurchase) on the same data, read from the same Parquet or CSV
  file; equal up to the order of floating-point summation (rtol 1e-9);
- hand-worked bad inputs: the DataError names the file, row, column and value,
  at a known position (row 180,000 of 200,000 in a CSV file).

One local SparkSession (the ``spark`` fixture of conftest.py) serves the
whole module; the tests skip if PySpark is not installed (``crmlab[spark]``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from crmlab.customers import (
    active_customers,
    churn_rate,
    cohort_retention,
    interpurchase_distribution,
    interpurchase_summary,
    interpurchase_times,
    repeat_purchase_rate,
    retention_rate,
    transaction_summary,
)
from crmlab.customers.engines import engine_for, input_kind, is_spark_dataframe
from crmlab.data import DataError

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.spark,
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]

END = "2021-12-31"


def _log(rows: int, seed: int) -> pl.DataFrame:
    """A seeded log: customers acquired over 2020, purchases to 2021-12-31, some on the same day, two channels."""
    rng = np.random.default_rng(seed)
    n_customers = rows // 8
    customer = rng.integers(0, n_customers, rows)
    first_day = rng.integers(0, 366, n_customers)
    day = first_day[customer] + np.minimum(rng.exponential(120.0, rows), 730 - first_day[customer]).astype(np.int64)
    seconds = day * 86_400 + rng.integers(8 * 3600, 22 * 3600, rows)
    return pl.DataFrame(
        {
            "customer_id": [f"C{c:05d}" for c in customer],
            "date": pl.Series((seconds + 18_262 * 86_400) * 1_000_000).cast(pl.Datetime("us")),  # from 2020-01-01
            "amount": np.round(rng.lognormal(3.0, 0.8, rows), 2),
            "channel": rng.choice(["web", "shop", "phone"], rows),
        }
    ).with_columns(pl.when(pl.int_range(pl.len()) % 97 == 0).then(None).otherwise(pl.col("channel")).alias("channel"))


@pytest.fixture(scope="module")
def log_files(tmp_path_factory):
    """The same log as Parquet and as CSV (all text), for both engines to read."""
    folder = tmp_path_factory.mktemp("spark")
    log = _log(4_000, seed=11)
    log.write_parquet(folder / "tx.parquet")
    log.with_columns(pl.col("date").dt.strftime("%Y-%m-%d %H:%M:%S")).write_csv(folder / "tx.csv")
    return folder / "tx.parquet", folder / "tx.csv"


@pytest.fixture(scope="module")
def spark_log(spark, log_files):
    return spark.read.parquet(str(log_files[0])).cache()


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, check_dtype=True)


_WITHOUT_PYSPARK = """
import sys
sys.modules["pyspark"] = None  # unimportable: any import of pyspark or pyspark.sql now raises ImportError
import pandas as pd, polars as pl
from crmlab.customers import transaction_summary
from crmlab.customers.engines import engine_for, input_kind
tx = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2021-01-01", "2021-01-08"], "amount": [1.0, 2.0]})
path = sys.argv[1]
tx.to_parquet(path, index=False)
for source in (tx, pl.from_pandas(tx), pl.from_pandas(tx).lazy(), path):
    assert engine_for(source) == "polars", input_kind(source)
    assert transaction_summary(source, observation_end="2021-01-31")["frequency"].tolist() == [1]
print("ok")
"""


def test_input_kinds_recognised_without_importing_pyspark(spark_log, tmp_path):
    """Hand-worked: each input kind and its engine; and, in a subprocess where pyspark cannot be
    imported, dispatching and summarising every non-Spark input works: crmlab's own code does not
    import pyspark.sql for them. (pandera imports pyspark by itself when it is installed, so
    checking sys.modules after the call could not tell crmlab's imports from pandera's.)"""
    import subprocess
    import sys

    assert input_kind(spark_log) == "spark" and engine_for(spark_log) == "spark" and is_spark_dataframe(spark_log)
    assert [input_kind(x) for x in (pd.DataFrame(), pl.DataFrame(), pl.LazyFrame(), "a.csv")] == ["pandas", "polars", "lazy", "path"]
    with pytest.raises(TypeError, match="PySpark DataFrame; got builtins.list"):
        input_kind([1, 2])
    run = subprocess.run([sys.executable, "-c", _WITHOUT_PYSPARK, str(tmp_path / "tx.parquet")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


@pytest.mark.parametrize(
    "settings",
    [
        {"freq": "D", "time_unit": "W"},
        {"freq": "W", "calibration_end": "2021-03-03"},
        {"freq": "M", "time_unit": "M", "calibration_end": "2020-12-31"},
    ],
)
def test_transaction_summary_spark_equals_polars(spark_log, log_files, settings):
    """Second implementation: the Polars summary of the same Parquet file."""
    expected = transaction_summary(log_files[0], observation_end=END, **settings)
    got = transaction_summary(spark_log, observation_end=END, **settings)
    _same(got, expected)
    assert got.index.is_unique and got.index.is_monotonic_increasing


def test_transaction_summary_on_spark_csv_with_mapping(spark, log_files):
    """Second implementation: a CSV read by Spark (every column text), renamed with columns=, vs Polars on the file."""
    raw = spark.read.csv(str(log_files[1]), header=True).withColumnRenamed("customer_id", "Cust").withColumnRenamed("amount", "Revenue")
    got = transaction_summary(raw, observation_end=END, columns={"Cust": "customer_id", "Revenue": "amount"}, freq="W")
    _same(got, transaction_summary(log_files[1], observation_end=END, freq="W"))


@pytest.mark.parametrize(
    "function",
    [
        lambda tx: cohort_retention(tx, freq="M"),
        lambda tx: cohort_retention(tx, freq="W"),
        lambda tx: retention_rate(tx, freq="M", window=1),
        lambda tx: retention_rate(tx, freq="W", window=3),
        lambda tx: churn_rate(tx, freq="M", window=2),
        lambda tx: active_customers(tx, freq="M", window=2),
        lambda tx: repeat_purchase_rate(tx, freq="D"),
        lambda tx: repeat_purchase_rate(tx, freq="W", by="channel"),
        lambda tx: repeat_purchase_rate(tx, by="cohort", cohort_freq="M"),
        lambda tx: interpurchase_times(tx, unit="W"),
        lambda tx: interpurchase_summary(tx, unit="D"),
        lambda tx: interpurchase_distribution(tx, unit="M"),
    ],
    ids=[
        "cohort_retention_M", "cohort_retention_W", "retention_rate_M", "retention_rate_W_window3", "churn_rate",
        "active_customers", "repeat_purchase_rate", "repeat_by_channel", "repeat_by_cohort", "interpurchase_times",
        "interpurchase_summary", "interpurchase_distribution",
    ],
)
def test_metric_spark_equals_polars(spark_log, log_files, function):
    """Second implementation: the Polars engine on the same Parquet file."""
    _same(function(spark_log), function(log_files[0]))


def test_spark_reader_reports_bad_values_by_row_and_column(spark):
    """Hand-worked: a negative amount and an unparseable date, rows counted from 0 in a DataFrame without a file."""
    raw = spark.createDataFrame(
        [("a", "2021-01-05", "10"), ("b", "2021-13-45", "3"), ("c", "2021-01-07", "-2.5"), ("", "2021-01-07", "1")],
        ["customer_id", "date", "amount"],
    )
    with pytest.raises(DataError) as info:
        transaction_summary(raw, observation_end=END)
    err = info.value
    assert err.source == "DataFrame" and err.n_problems == 3
    assert [(p.row, p.column, p.value) for p in err.problems] == [(1, "date", "2021-13-45"), (2, "amount", "-2.5"), (3, "customer_id", "")]


def test_spark_missing_column_late_purchase_and_channel(spark_log, spark):
    """Hand-worked: the same DataErrors as the Polars engine."""
    with pytest.raises(DataError, match=r"column 'amount': missing required column"):
        transaction_summary(spark_log.drop("amount"), observation_end=END)
    with pytest.raises(DataError, match=r"purchases? after observation_end 2021-06-30"):
        transaction_summary(spark_log, observation_end="2021-06-30")
    with pytest.raises(DataError, match=r"by='channel' needs a 'channel' column"):
        repeat_purchase_rate(spark_log.drop("channel"), by="channel")


# ---------------------------------------------------------------------------------------------
# A malformed row deep in a large file: its position, not an engine stack trace (the Polars
# side of this is in test_engines.py, which runs without PySpark).
# ---------------------------------------------------------------------------------------------

BAD_ROW = 180_000  # of the 200,000 data rows of the large_csv_lines fixture (conftest.py)


def _write_with(tmp_path, lines, bad_line: str, name: str):
    rows = list(lines)
    rows[BAD_ROW] = bad_line  # lines[0] is the header: data row BAD_ROW
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


def test_spark_names_the_row_deep_in_a_large_csv(spark, tmp_path, large_csv_lines):
    """Hand-worked: Spark reads the same file; the DataError names the file, row 180,000, 'amount' and the value."""
    path = _write_with(tmp_path, large_csv_lines, "C7,2021-01-03,twelve", "large.csv")
    raw = spark.read.csv(str(path), header=True)
    with pytest.raises(DataError) as info:
        cohort_retention(raw, freq="M")
    err = info.value
    assert err.source == str(path)
    assert [(p.row, p.column, p.value) for p in err.problems] == [(BAD_ROW, "amount", "twelve")]


# ---------------------------------------------------------------------------------------------
# Review fixes: repeat spend, time zones, coercions, whitespace, row positions.
# ---------------------------------------------------------------------------------------------


def test_spark_monetary_value_sums_repeat_purchases_without_cancellation(spark):
    """Checked against the definition computed by plain pandas (the mean of the repeat day totals):
    purchases on the first day and one repeat of 0 give exactly 0; a first purchase of 1e17 then
    a repeat of 1.0 gives 1.0 (total − first gave rounding residue and 0.0)."""
    rng = np.random.default_rng(5)
    n, k = 5_000, 50
    log = pd.concat(
        [
            pd.DataFrame({"customer_id": [f"c{c}" for c in rng.integers(0, k, n)], "date": "2021-01-01", "amount": np.round(rng.uniform(0, 1, n), 2)}),
            pd.DataFrame({"customer_id": [f"c{c}" for c in range(k)], "date": "2021-01-08", "amount": 0.0}),
            pd.DataFrame({"customer_id": ["big", "big"], "date": ["2021-01-01", "2021-01-08"], "amount": [1e17, 1.0]}),
        ],
        ignore_index=True,
    )
    days = log.groupby(["customer_id", "date"])["amount"].sum()
    expected = days.groupby(level="customer_id").apply(lambda s: s.iloc[1:].mean() if len(s) > 1 else 0.0).sort_index()
    got = transaction_summary(spark.createDataFrame(log), observation_end=END)["monetary_value"]
    pd.testing.assert_series_equal(got, expected, check_names=False, check_exact=True)


def test_spark_time_zone_aware_dates_read_in_utc_whatever_the_session_time_zone(spark, tmp_path):
    """Second implementation: the Polars engine on the same Parquet file (the instant in UTC), with the
    Spark session in New York: 2021-01-01 02:00 UTC stays 2021-01-01 02:00 (a plain cast to
    TIMESTAMP_NTZ gave 2020-12-31 21:00). Offset strings likewise (2021-01-01T23:30-05:00 is 04:30 UTC)."""
    dates = pd.to_datetime(["2021-01-01 02:00", "2021-01-08 03:00", "2021-02-01 23:59"]).tz_localize("UTC")
    pd.DataFrame({"customer_id": ["a", "a", "b"], "date": dates, "amount": [1.0, 2.0, 3.0]}).to_parquet(tmp_path / "tz.parquet")
    text = [("a", "2021-01-01T23:30:00-05:00", "1"), ("a", "2021-01-05T10:00:00Z", "2"), ("b", "2021-01-03T08:00:00+02:00", "3")]
    previous = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        expected = transaction_summary(tmp_path / "tz.parquet", observation_end=END, freq="D")
        _same(transaction_summary(spark.read.parquet(str(tmp_path / "tz.parquet")), observation_end=END, freq="D"), expected)
        assert expected.loc["a", "first_purchase"] == pd.Timestamp("2021-01-01 02:00")
        frame = pl.DataFrame(text, schema=["customer_id", "date", "amount"], orient="row")
        got = transaction_summary(spark.createDataFrame(text, ["customer_id", "date", "amount"]), observation_end=END)
        _same(got, transaction_summary(frame, observation_end=END))
        assert got.loc["a", "first_purchase"] == pd.Timestamp("2021-01-02 04:30")
    finally:
        spark.conf.set("spark.sql.session.timeZone", previous)


def test_spark_coerces_and_strips_like_polars(spark):
    """Second implementation: the Polars engine on the same rows. Ids padded with tabs, newlines and
    no-break spaces are one customer (Spark's trim strips spaces only); integral float ids read '1'
    (not '1.0'); integer yyyymmdd dates are dates (an AnalysisException before), and an integer
    that is not one is a DataError naming the row."""
    rows = [("a", "2021-01-01", "1"), ("a\t", "2021-01-05", "2"), ("\u00a0a \n", "2021-01-09", "3"), ("b", "2021-01-02", "4")]
    got = transaction_summary(spark.createDataFrame(rows, ["customer_id", "date", "amount"]), observation_end=END)
    _same(got, transaction_summary(pl.DataFrame(rows, schema=["customer_id", "date", "amount"], orient="row"), observation_end=END))
    assert got.index.tolist() == ["a", "b"] and got.loc["a", "frequency"] == 2
    typed = pd.DataFrame({"customer_id": [1.0, 1.0, 2.0], "date": [20210101, 20210105, 20210103], "amount": [1.0, 2.0, 3.0]})
    got = transaction_summary(spark.createDataFrame(typed), observation_end=END)
    _same(got, transaction_summary(pl.from_pandas(typed), observation_end=END))
    assert got.index.tolist() == ["1", "2"] and got.loc["1", "first_purchase"] == pd.Timestamp("2021-01-01")
    with pytest.raises(DataError) as info:
        transaction_summary(spark.createDataFrame(typed.assign(date=[20210101, 2021015, 20210103])), observation_end=END)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(1, "date", 2021015)]


def test_spark_rows_of_a_transformed_dataframe_are_positions(spark, tmp_path):
    """Hand-worked: the bad line is data row 51 of the file; after a filter (inputFiles() still lists
    the file) the DataFrame's rows are not the file's, so the source is "DataFrame" and the row is
    its position from 0 (20: the 21st row kept), not a wrong "row 21" of the file."""
    lines = ["customer_id,date,amount"] + [f"c{i % 5},2021-01-{1 + i % 28:02d},{'-1' if i == 50 else '5'}" for i in range(100)]
    path = tmp_path / "f.csv"
    path.write_text("\n".join(lines) + "\n")
    raw = spark.read.csv(str(path), header=True)
    from pyspark.sql import functions as F

    for df, source, row in (
        (raw, str(path), 51),
        (raw.withColumnRenamed("amount", "value").select("customer_id", "date", "value"), str(path), 51),
        (raw.filter(F.col("customer_id").isin("c0", "c3")), "DataFrame", 20),
    ):
        with pytest.raises(DataError) as info:
            transaction_summary(df, observation_end=END, columns={"value": "amount"} if "value" in df.columns else None)
        assert (info.value.source, [p.row for p in info.value.problems]) == (source, [row])


# ---------------------------------------------------------------------------------------------
# One reading of the same file in every engine: dates, missing cells, ids, columns.
# ---------------------------------------------------------------------------------------------


def test_spark_reads_a_file_as_the_other_readers_do(spark, tmp_path):
    """Second implementation: the pandas and Polars readers on the same CSV file. Day-first dates that read
    both ways are the same DataError in Spark (which read only ISO dates, so a guess was never made, but
    neither was the file read); with dayfirst= or date_format= the three canonical tables and the
    summaries agree; 'NA' and 'None' channels are missing in all three."""
    from crmlab.customers.spark import to_polars
    from crmlab.data import read_transactions
    from crmlab.data.spark import spark_transactions

    path = tmp_path / "tx.csv"
    path.write_text(
        "customer_id,date,amount,channel\n"
        "a,01/03/2021 10:30,1,web\na,05/04/2021 08:00,2,NA\nb,02/03/2021 23:59,3,None\nc,12/01/2021 00:00,4,shop\n"
    )
    raw = spark.read.csv(str(path), header=True)
    messages = []
    for source in (raw, path):
        with pytest.raises(DataError) as info:
            transaction_summary(source, observation_end=END)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "column 'date': ambiguous dates" in messages[0] and messages[0].startswith(str(path))
    expected = read_transactions(path, dayfirst=True)
    assert expected["date"].iloc[0] == pd.Timestamp("2021-03-01 10:30") and expected["channel"].isna().tolist() == [False, True, True, False]
    for options in ({"dayfirst": True}, {"date_format": "%d/%m/%Y %H:%M"}, {"date_format": "dd/MM/yyyy HH:mm"}):
        got = to_polars(spark_transactions(raw, **options)).to_pandas().sort_values(["customer_id", "date"], ignore_index=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    _same(transaction_summary(raw, observation_end=END, dayfirst=True), transaction_summary(path, observation_end=END, dayfirst=True))


def test_spark_refuses_what_the_other_readers_refuse(spark, tmp_path):
    """Hand-worked, as the pandas and Polars readers: dates without a day (Spark cast '2021' to 1 January),
    a header naming a column twice (Spark renamed the copies amount2, amount3, so 'amount' was missing),
    an id written 'NA' (shown as written), a calibration_end before every purchase."""
    (tmp_path / "years.csv").write_text("customer_id,date,amount\na,2021,1\nb,2022,2\n")
    with pytest.raises(DataError, match=r"column 'date': dates without a day \(format %Y\)"):
        transaction_summary(spark.read.csv(str(tmp_path / "years.csv"), header=True), observation_end=END)
    (tmp_path / "twice.csv").write_text("customer_id,date,amount,amount\na,2021-01-01,1,2\n")
    with pytest.raises(DataError) as info:
        transaction_summary(spark.read.csv(str(tmp_path / "twice.csv"), header=True), observation_end=END)
    assert str(info.value).endswith(
        "column 'amount': the column name appears 2 times in the header (Spark renamed the copies 'amount2', 'amount3'): "
        "crmlab cannot tell which to read; rename or drop the copies"
    )
    (tmp_path / "ids.csv").write_text("customer_id,date,amount\nNA,2021-01-01,1\nb,2021-01-02,2\n")
    with pytest.raises(DataError) as info:
        transaction_summary(spark.read.csv(str(tmp_path / "ids.csv"), header=True), observation_end=END)
    assert str(info.value) == f"{tmp_path / 'ids.csv'}: 1 problem\n  row 1, column 'customer_id': missing value ('NA')"
    with pytest.raises(DataError, match=r"no purchase on or before calibration_end 2020-06-30: the first purchase is on 2021-01-01"):
        transaction_summary(spark.read.csv(str(tmp_path / "ids.csv"), header=True), observation_end=END, calibration_end="2020-06-30", na_values=())


def test_spark_integer_ids_keep_their_type_and_order(spark, log_files, tmp_path):
    """Second implementation: the Polars summary of the same Parquet file, whose ids are integers: int64
    ids in numeric order from both engines (Spark gave strings sorted as text)."""
    log = pl.read_parquet(log_files[0]).with_columns(pl.col("customer_id").str.slice(1).cast(pl.Int64))
    log.write_parquet(tmp_path / "ints.parquet")
    expected = transaction_summary(tmp_path / "ints.parquet", observation_end=END, freq="W")
    assert expected.index.dtype == np.int64 and expected.index.is_monotonic_increasing
    _same(transaction_summary(spark.read.parquet(str(tmp_path / "ints.parquet")), observation_end=END, freq="W"), expected)


def test_spark_renamed_copies_told_from_numbered_names():
    """Hand-worked: Spark's names for the copies of a header's column ('amount2', 'amount3'; 'date1' and
    'Date3' for 'date' and 'Date') are refused; numbered columns of the user's own ('f1', 'f2') are not."""
    from crmlab.data.spark import _refuse_renamed_copies
    from crmlab.data.transactions import CANONICAL_COLUMNS

    wanted = list(CANONICAL_COLUMNS)
    with pytest.raises(DataError, match=r"column 'date': .*Spark renamed the copies 'date1', 'Date3'"):
        _refuse_renamed_copies(["customer_id", "date1", "amount", "Date3"], "tx.csv", wanted)
    _refuse_renamed_copies(["customer_id", "f1", "f2", "date", "amount"], "tx.csv", wanted)
    _refuse_renamed_copies(["customer_id", "date", "amount2", "amount3", "amount"], "tx.csv", wanted)  # 'amount' is there
