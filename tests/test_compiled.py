"""The compiled per-customer kernels of large logs (crmlab.customers.compiled).

Checked against:
- a second implementation: the Polars group-by of the summary
  (``summary_aggregates``, itself checked in test_summary against the
  published CDNOW summary and a pandas implementation) gives the same table,
  column by column, on seeded random logs: days, weeks and months, with and
  without a calibration split, customers with one row and heavy buyers (more
  rows than the insertion sort takes), several purchases in one period,
  holdout-only customers and purchases after the end;
- hand-worked examples: ids that share a hash are found by the exact check and
  summarised by the group-by instead; a hash table in which every key lands in
  one partition and one probe sequence; bad rows and late purchases raise the
  same DataError as on the group-by path; ids with surrounding whitespace are
  one customer.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import polars as pl
import pytest

import crmlab.customers.aggregation as aggregation
from crmlab.customers import compiled, transaction_summary
from crmlab.customers.aggregation import ID_HASH_SEED, summary_aggregates
from crmlab.customers.periods import period_ordinal
from crmlab.data import DataError

END = pd.Timestamp("2021-12-31")
DAY = pd.Timedelta(days=1)


def _log(rows: int, seed: int, heavy: int = 0) -> pl.DataFrame:
    """A random log: most customers buy a few times, ``heavy`` of them hundreds of times."""
    rng = np.random.default_rng(seed)
    customer = rng.integers(0, max(rows // 5, 1), rows)
    if heavy:
        customer[: rows // 4] = rng.integers(0, heavy, rows // 4)
    day = rng.integers(0, 730, rows)
    return pl.DataFrame(
        {
            "customer_id": [f"C{c:05d}" for c in customer],
            "date": (pd.Timestamp("2020-01-01") + pd.to_timedelta(day, unit="D") + pd.to_timedelta(rng.integers(0, 86_400, rows), unit="s")).to_numpy(),
            "amount": np.round(rng.lognormal(3.0, 0.8, rows), 2),
        }
    ).with_columns(pl.col("date").cast(pl.Datetime("ns")))


def _rows(log: pl.DataFrame, freq: str, hashes: np.ndarray | None = None) -> pl.DataFrame:
    rows = log.select("customer_id", "date", "amount", period_ordinal(freq).alias("ord"), pl.col("customer_id").hash(ID_HASH_SEED).alias("_h"))
    return rows if hashes is None else rows.with_columns(pl.Series("_h", hashes, dtype=pl.UInt64))


def _compiled(log: pl.DataFrame, freq: str, split: pd.Timestamp, hashes: np.ndarray | None = None) -> pl.DataFrame | None:
    rows = _rows(log, freq, hashes)
    return compiled.customer_aggregates(rows["customer_id"], compiled.column_chunks(rows), split + DAY, END + DAY)


def _by_group_by(log: pl.DataFrame, freq: str, split: pd.Timestamp, end: pd.Timestamp) -> pl.DataFrame:
    return summary_aggregates(log.lazy(), freq, split, end).collect().sort("customer_id")


def _assert_same(got: pl.DataFrame, expected: pl.DataFrame) -> None:
    got = got.sort("customer_id").select(expected.columns)
    assert got.height == expected.height
    for name in expected.columns:
        a, b = got[name], expected[name]
        assert a.dtype == b.dtype, name
        assert (a.is_null() == b.is_null()).all(), name
        if a.dtype == pl.Float64:
            np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=0, err_msg=name)
        else:
            assert (a.drop_nulls() == b.drop_nulls()).all(), name


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("split", [END, pd.Timestamp("2021-06-30"), pd.Timestamp("2020-03-15")])
def test_same_aggregates_as_the_group_by(freq, split):
    """Second implementation: every aggregate equals the Polars group-by's, on a log with heavy buyers,
    late purchases (after END) and, with an early split, customers seen only in the holdout."""
    log = _log(30_000, seed=11, heavy=40)
    late = log.head(50).with_columns((pl.col("date") + pl.duration(days=800)).cast(pl.Datetime("ns")))
    log = pl.concat([log, late])
    got = _compiled(log, freq, split)
    _assert_same(got, _by_group_by(log, freq, split, END))


@pytest.mark.parametrize("seed", range(4))
def test_small_and_degenerate_logs(seed):
    """Second implementation on tiny logs: one row, one customer, every customer in one period."""
    rng = np.random.default_rng(seed)
    for rows in (1, 2, 7, 65):
        log = _log(rows, seed=seed)
        if rows == 65:  # one heavy buyer with all his purchases on one day
            log = log.with_columns(pl.lit("only").alias("customer_id"), pl.lit(pd.Timestamp("2021-05-05")).cast(pl.Datetime("ns")).alias("date"))
        split = END - pd.Timedelta(days=int(rng.integers(0, 500)))
        got = _compiled(log, "W", split)
        _assert_same(got, _by_group_by(log, "W", split, END))


@pytest.mark.parametrize("freq", ["D", "M"])
def test_heavy_buyers_are_walked_without_sorting(freq):
    """Second implementation: a catch-all id holding most rows (distinct periods marked in a table) and a
    customer with few purchases spread over a century (the span too long for the table: sorted)."""
    rng = np.random.default_rng(21)
    whale = pl.DataFrame(
        {
            "customer_id": ["guest"] * 20_000,
            "date": (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 730 * 86_400, 20_000), unit="s")).to_numpy(),
            "amount": np.round(rng.lognormal(3.0, 0.8, 20_000), 2),
        }
    ).with_columns(pl.col("date").cast(pl.Datetime("ns")))
    days = np.concatenate([[0, 0, 5], rng.integers(0, 44_000, 47)])  # 1900 to 2020, two purchases on the first day
    sparse = pl.DataFrame(
        {
            "customer_id": ["old"] * 50,
            "date": (pd.Timestamp("1900-01-01") + pd.to_timedelta(days, unit="D")).to_numpy(),
            "amount": np.arange(50, dtype=float),
        }
    ).with_columns(pl.col("date").cast(pl.Datetime("ns")))
    log = pl.concat([whale, sparse, _log(2_000, seed=22)])
    for split in (END, pd.Timestamp("2021-01-31")):
        _assert_same(_compiled(log, freq, split), _by_group_by(log, freq, split, END))


def test_ids_sharing_a_hash_are_found():
    """Hand-worked: two ids with the same hash are caught by the exact id check (None: use the group-by)."""
    log = _log(2_000, seed=5)
    ids = log["customer_id"].unique().sort()
    hashes = log["customer_id"].hash(ID_HASH_SEED).to_numpy().copy()
    hashes[(log["customer_id"] == ids[1]).to_numpy()] = hashes[(log["customer_id"] == ids[0]).to_numpy()][0]
    assert _compiled(log, "D", END, hashes) is None


def test_summary_falls_back_to_the_group_by_on_a_shared_hash(monkeypatch):
    """Hand-worked: when the kernels report a shared hash, the summary is the group-by's, unchanged."""
    log = _log(5_000, seed=6)
    expected = transaction_summary(log, observation_end=END, freq="W")
    monkeypatch.setattr(aggregation, "COMPILED_MIN_ROWS", 0)
    calls = []
    monkeypatch.setattr(compiled, "customer_aggregates", lambda *a: calls.append(1))
    pd.testing.assert_frame_equal(transaction_summary(log, observation_end=END, freq="W"), expected)
    assert calls == [1]


def test_one_partition_one_probe_sequence():
    """Hand-worked: keys that differ only in their lowest bits all land in one partition and collide in
    the hash table's slots, and are still told apart (the summary equals the group-by's)."""
    log = _log(3_000, seed=8)
    ids = log["customer_id"].unique().sort()
    key = dict(zip(ids.to_list(), range(len(ids))))
    hashes = np.array([np.uint64(0xABCD) << np.uint64(48) | np.uint64(key[c]) for c in log["customer_id"]], dtype=np.uint64)
    got = _compiled(log, "D", END, hashes)
    _assert_same(got, _by_group_by(log, "D", END, END))


@pytest.fixture()
def compiled_path(monkeypatch):
    """Every summary through the compiled kernels, whatever the size of the log."""
    monkeypatch.setattr(aggregation, "COMPILED_MIN_ROWS", 0)


@pytest.mark.parametrize("settings", [{"freq": "D", "time_unit": "W"}, {"freq": "M", "calibration_end": "2021-03-31"}])
def test_summary_from_a_file_through_the_kernels(tmp_path, settings, monkeypatch):
    """Second implementation: the whole summary of a Parquet file, compiled vs the group-by."""
    log = _log(20_000, seed=9, heavy=10)
    log.write_parquet(tmp_path / "log.parquet")
    expected = transaction_summary(tmp_path / "log.parquet", observation_end=END, **settings)
    monkeypatch.setattr(aggregation, "COMPILED_MIN_ROWS", 0)
    got = transaction_summary(tmp_path / "log.parquet", observation_end=END, **settings)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)


def test_frames_and_globs_through_the_kernels(tmp_path, monkeypatch):
    """Second implementation: a pandas frame, a Polars frame, a glob over two CSV files and LazyFrames (a
    frame's and a Parquet scan, their rows counted by Polars), compiled vs the group-by."""
    log = _log(8_000, seed=13).to_pandas()
    log.iloc[:5_000].to_csv(tmp_path / "p1.csv", index=False)
    log.iloc[5_000:].to_csv(tmp_path / "p2.csv", index=False)
    pl.from_pandas(log).write_parquet(tmp_path / "log.parquet")
    inputs = [log, pl.from_pandas(log), str(tmp_path / "p*.csv"), pl.from_pandas(log).lazy(), pl.scan_parquet(tmp_path / "log.parquet")]
    expected = [transaction_summary(x, observation_end=END, freq="W") for x in inputs]
    monkeypatch.setattr(aggregation, "COMPILED_MIN_ROWS", 0)
    assert aggregation._row_estimate(pl.scan_parquet(tmp_path / "log.parquet")) == 8_000
    calls = []
    kernels = compiled.customer_aggregates
    monkeypatch.setattr(compiled, "customer_aggregates", lambda *a: calls.append(1) or kernels(*a))
    for x, want in zip(inputs, expected):
        pd.testing.assert_frame_equal(transaction_summary(x, observation_end=END, freq="W"), want, check_exact=False, rtol=1e-12)
    assert len(calls) == 5


def test_a_small_lazyframe_takes_the_group_by(monkeypatch):
    """Hand-worked: a LazyFrame with fewer rows than COMPILED_MIN_ROWS (counted, not read) is summarised by
    the streaming group-by, the kernels never called."""
    log = _log(3_000, seed=16)
    monkeypatch.setattr(aggregation, "COMPILED_MIN_ROWS", 3_001)
    assert not aggregation._use_compiled(log.lazy())
    monkeypatch.setattr(compiled, "customer_aggregates", lambda *a: pytest.fail("the kernels were called"))
    pd.testing.assert_frame_equal(transaction_summary(log.lazy(), observation_end=END), transaction_summary(log, observation_end=END))


def test_concurrent_summaries(compiled_path):
    """Second implementation: summaries computed at once in four threads equal those computed one by one
    (the kernels run on their own thread pool; numba's threading layer, not safe for this, is unused)."""
    from concurrent.futures import ThreadPoolExecutor

    logs = [_log(6_000, seed=30 + k, heavy=5) for k in range(8)]
    one_by_one = [transaction_summary(log, observation_end=END, freq="D") for log in logs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda log: transaction_summary(log, observation_end=END, freq="D"), logs))
    for a, b in zip(together, one_by_one):
        pd.testing.assert_frame_equal(a, b)


def test_bad_row_named_on_the_compiled_path(tmp_path, compiled_path):
    """Hand-worked: a negative amount in row 3 of a CSV is the reader's DataError, as on the group-by path."""
    (tmp_path / "log.csv").write_text("customer_id,date,amount\na,2021-01-01,1\nb,2021-01-02,2\nc,2021-01-03,-5\n")
    with pytest.raises(DataError, match=r"row 3.*amount.*negative value"):
        transaction_summary(tmp_path / "log.csv", observation_end=END)


def test_late_purchases_named_on_the_compiled_path(compiled_path):
    """Hand-worked: purchases after observation_end name their customer, as on the group-by path."""
    log = pl.DataFrame({"customer_id": ["a", "b", "b"], "date": ["2021-01-01", "2021-01-02", "2022-02-01"], "amount": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"customer 'b' has 1 purchase after observation_end 2021-12-31 \(the first on 2022-02-01\)"):
        transaction_summary(log, observation_end=END)


def test_whitespace_ids_are_one_customer_on_the_compiled_path(tmp_path, compiled_path):
    """Hand-worked: ' a' and 'a' are one customer (ids are stripped), 'b ' keeps its purchases."""
    (tmp_path / "log.csv").write_text("customer_id,date,amount\n a,2021-01-01,1\na,2021-01-05,2\nb ,2021-01-03,4\n")
    got = transaction_summary(tmp_path / "log.csv", observation_end=END)
    assert got.index.tolist() == ["a", "b"]
    assert got["frequency"].tolist() == [1, 0]
    assert got["monetary_value"].tolist() == [2.0, 0.0]


def test_a_log_too_large_for_memory_takes_the_streaming_group_by(tmp_path, monkeypatch):
    """Hand-worked: with the kernels' memory above half the memory available, the rows are not read
    into memory: the streaming group-by gives the summary (the same one)."""
    log = _log(4_000, seed=12)
    log.write_parquet(tmp_path / "log.parquet")
    expected = transaction_summary(tmp_path / "log.parquet", observation_end=END)
    monkeypatch.setattr(aggregation, "COMPILED_MIN_ROWS", 1_000)
    assert aggregation._row_estimate(str(tmp_path / "log.parquet")) == 4_000  # from the Parquet metadata
    assert aggregation._use_compiled(str(tmp_path / "log.parquet"))
    monkeypatch.setattr(aggregation, "available_memory", lambda: None)  # not known (Windows): the kernels
    assert aggregation._use_compiled(str(tmp_path / "log.parquet"))
    monkeypatch.setattr(aggregation, "available_memory", lambda: 3_999 * aggregation.COMPILED_BYTES_PER_ROW / aggregation.COMPILED_MEMORY_SHARE)
    assert not aggregation._use_compiled(str(tmp_path / "log.parquet"))
    monkeypatch.setattr(compiled, "customer_aggregates", lambda *a: pytest.fail("the rows were read for the kernels"))
    pd.testing.assert_frame_equal(transaction_summary(tmp_path / "log.parquet", observation_end=END), expected)


def test_available_memory_is_known_here_or_none():
    """Hand-worked: on Linux a positive number of bytes, not above the machine's memory."""
    memory = aggregation.available_memory()
    assert memory is None or 0 < memory <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def test_a_high_row_estimate_does_not_wait_for_the_kernels(tmp_path, monkeypatch):
    """Hand-worked: a CSV whose size suggests more rows than it has is summarised by the group-by on
    the rows read, without joining the kernels' loader."""
    log = _log(3_000, seed=14)
    log.write_csv(tmp_path / "log.csv")
    expected = transaction_summary(tmp_path / "log.csv", observation_end=END)
    monkeypatch.setattr(aggregation, "COMPILED_MIN_ROWS", 3_001)
    assert aggregation._row_estimate(str(tmp_path / "log.csv")) > 3_001  # about 40 bytes a line, estimated at 24

    class Loader:
        def join(self):
            pytest.fail("waited for the kernels")

    monkeypatch.setattr(aggregation, "_load_compiled_in_background", Loader)
    pd.testing.assert_frame_equal(transaction_summary(tmp_path / "log.csv", observation_end=END), expected)


def test_integer_ids_through_the_kernels(tmp_path, monkeypatch):
    """Second implementation: a log with integer ids (Parquet), summarised by the kernels and by the group-by,
    gives the same int64 ids in numeric order and the same summary; hand-worked: an id written 'NA' deep in
    a CSV is the reader's DataError on the compiled path too."""
    log = _log(6_000, seed=15).with_columns(pl.col("customer_id").str.slice(1).cast(pl.Int64))
    log.write_parquet(tmp_path / "log.parquet")
    expected = transaction_summary(tmp_path / "log.parquet", observation_end=END, freq="W")
    assert expected.index.dtype == np.int64 and expected.index.is_monotonic_increasing
    monkeypatch.setattr(aggregation, "COMPILED_MIN_ROWS", 0)
    calls = []
    kernels = compiled.customer_aggregates
    monkeypatch.setattr(compiled, "customer_aggregates", lambda *a: calls.append(1) or kernels(*a))
    got = transaction_summary(tmp_path / "log.parquet", observation_end=END, freq="W")
    assert calls == [1]
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    (tmp_path / "log.csv").write_text("customer_id,date,amount\na,2021-01-01,1\nb,2021-01-02,2\n NA ,2021-01-03,5\n")
    with pytest.raises(DataError, match=r"row 3, column 'customer_id': missing value \(' NA '\)"):
        transaction_summary(tmp_path / "log.csv", observation_end=END)


def _int_log(rows: int, seed: int, heavy: int = 0) -> pl.DataFrame:
    """The random log of :func:`_log` with int64 ids: negative, huge and consecutive ones among them."""
    log = _log(rows, seed, heavy).with_columns(pl.col("customer_id").str.slice(1).cast(pl.Int64))
    shift = pl.when(pl.col("customer_id") % 3 == 0).then(-pl.col("customer_id") - 1).when(pl.col("customer_id") % 3 == 1)
    return log.with_columns(shift.then(pl.col("customer_id") + 2**62).otherwise(pl.col("customer_id")).alias("customer_id"))


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("split", [END, pd.Timestamp("2021-06-30")])
def test_integer_ids_hashed_by_the_kernels_give_the_group_by_aggregates(freq, split):
    """Second implementation: with int64 ids (no Polars hash column: the kernels hash the ids), every
    aggregate equals the Polars group-by's, heavy buyers and late purchases included; ids come back int64."""
    log = _int_log(30_000, seed=17, heavy=40)
    log = pl.concat([log, log.head(50).with_columns((pl.col("date") + pl.duration(days=800)).cast(pl.Datetime("ns")))])
    rows = log.select("customer_id", "date", "amount", period_ordinal(freq).alias("ord"))
    got = compiled.customer_aggregates(rows["customer_id"], compiled.column_chunks(rows), split + DAY, END + DAY)
    assert got is not None and got["customer_id"].dtype == pl.Int64
    _assert_same(got, _by_group_by(log, freq, split, END))


def _unmix64(z: np.ndarray) -> np.ndarray:
    """The inverse of splitmix64's finalizer, step by step (an independent implementation, in numpy)."""
    def unshift(z, k):  # inverse of z ^ (z >> k)
        x = z.copy()
        for _ in range(64 // k + 1):
            x = z ^ (x >> np.uint64(k))
        return x

    with np.errstate(over="ignore"):
        z = unshift(z, 31)
        z = z * np.uint64(pow(0x94D049BB133111EB, -1, 2**64))
        z = unshift(z, 27)
        z = z * np.uint64(pow(0xBF58476D1CE4E5B9, -1, 2**64))
        z = unshift(z, 30)
        return z - np.uint64(0x9E3779B97F4A7C15)


def test_the_integer_id_hash_is_a_bijection():
    """Closed form: mix64 is inverted exactly (so two integer ids never share a hash, and the kernels skip
    the exact id check for them), on random 64-bit values, the extremes and consecutive ids; consecutive ids
    spread over the partitions (the top bits)."""
    rng = np.random.default_rng(23)
    x = np.concatenate([rng.integers(0, 2**64, 100_000, dtype=np.uint64), np.arange(100_000, dtype=np.uint64),
                        np.array([2**64 - 1, 2**63, 2**63 - 1], dtype=np.uint64)])
    mixed = np.array([compiled.mix64(v) for v in x], dtype=np.uint64)
    np.testing.assert_array_equal(_unmix64(mixed), x)
    assert np.unique(mixed).size == np.unique(x).size
    top = mixed[100_000:200_000] >> np.uint64(64 - 9)  # 512 partitions for 100,000 consecutive ids
    assert np.bincount(top.astype(np.int64), minlength=512).min() > 100


def test_integer_ids_take_no_exact_check(monkeypatch):
    """Hand-worked: the kernels compare no ids for int64 ids (the hash is a bijection), and do for text ids."""
    checks = []
    monkeypatch.setattr(compiled, "_ids_match", lambda *a: checks.append(1) or True)
    for log in (_int_log(2_000, seed=18), _log(2_000, seed=18)):
        rows = _rows(log, "D") if log["customer_id"].dtype == pl.String else log.select("customer_id", "date", "amount", period_ordinal("D").alias("ord"))
        compiled.customer_aggregates(rows["customer_id"], compiled.column_chunks(rows), END + DAY, END + DAY)
    assert checks == [1]


def test_integer_id_summaries_equal_the_text_id_ones_through_the_kernels(tmp_path, compiled_path):
    """Second implementation: the summary of a log with int64 ids, from a Parquet file, a pandas frame (int32
    ids too), a Polars frame and a LazyFrame through the kernels, equals the summary of the same log with
    the ids written as text (numeric order, the natural order of digit ids), ids int64 sorted by value."""
    log = _int_log(8_000, seed=19, heavy=5)
    log.write_parquet(tmp_path / "log.parquet")
    text = transaction_summary(log.with_columns(pl.col("customer_id").cast(pl.String)), observation_end=END, freq="W")
    frame = log.to_pandas()
    small = frame[frame["customer_id"].abs() < 2**31].assign(customer_id=lambda f: f["customer_id"].astype(np.int32))
    for source, compare in [(tmp_path / "log.parquet", text), (frame, text), (log, text), (log.lazy(), text),
                            (pl.scan_parquet(tmp_path / "log.parquet"), text),
                            (small, transaction_summary(pl.from_pandas(small).with_columns(pl.col("customer_id").cast(pl.String)), observation_end=END, freq="W"))]:
        got = transaction_summary(source, observation_end=END, freq="W")
        assert got.index.dtype == np.int64 and got.index.is_monotonic_increasing
        pd.testing.assert_frame_equal(got.set_axis(got.index.astype(str)).sort_index(), compare.sort_index(), check_exact=False, rtol=1e-12)
