"""The per-customer RFM summary (frequency, recency, T, monetary value) of a transaction log.

The summary is the input of every "Buy Till You Die" model (Pareto/NBD, BG/NBD,
Gamma-Gamma): for each customer, how many *repeat* transactions they made
(``frequency``, x), when the last one was (``recency``, t_x, measured from the
first purchase), how long they have been observed (``T``), and what a repeat
transaction is worth on average (``monetary_value``). The conventions follow
Fader, Hardie & Lee (2005) and the ``lifetimes`` library (Davidson-Pilon):

- purchases are grouped into periods of length ``freq`` (day, week or month),
  and all purchases of a customer in one period are **one transaction** worth
  their sum;
- the first transaction is the customer's acquisition and is not a repeat:
  frequency = number of transaction periods − 1, and monetary_value is the
  mean of the repeat transactions only (0 for a customer without any);
- recency and T are counted from the start of the first transaction period.

The helpers at the bottom (periods, units, the observation end as a day) are
shared by the other modules of :mod:`crmlab.customers`.
"""

from __future__ import annotations

import glob
import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import polars as pl

from crmlab.customers.engines import engine_for, input_kind
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.missing import MISSING_VALUES
from crmlab.data.transactions import (
    PARQUET_SUFFIXES,
    bad_required_row,
    csv_layout_error,
    id_sort_keys,
    scan_transactions,
)

__all__ = ["transaction_summary"]

#: Logs of at least this many rows are summarised by the compiled kernels (:mod:`crmlab.customers.compiled`,
#: imported only then); smaller ones by the Polars group-by. Loading the kernels costs about 0.5 s a
#: process (numba's start, from its cache; compiling them after install, about 10 s, once), which the
#: kernels win back from about 4M rows (measured at 5M rows: 1.1 s against the group-by's 1.3 s).
COMPILED_MIN_ROWS = 4_000_000
#: Memory of the compiled kernels per row, a generous bound: measured 78 bytes at 100M rows (10 rows a
#: customer) and 144 at 10M rows with 5 rows a customer (the per-customer arrays weigh more), ids of
#: 10 characters, interpreter included; ids longer than 12 bytes add their length.
COMPILED_BYTES_PER_ROW = 150
#: A log whose kernels would need more than this share of the available memory is summarised by the
#: streaming group-by.
COMPILED_MEMORY_SHARE = 0.75
#: Bytes per row of a CSV file, to estimate its rows from its size (``C000279563,2021-01-06,17.8``).
CSV_BYTES_PER_ROW = 24
#: Seed of the 64-bit id hash by which the compiled kernels tell customers apart (then checked exactly).
ID_HASH_SEED = 0x5EED

#: Period lengths understood by ``freq``.
FREQS = ("D", "W", "M")
#: Length of a time unit in days: a week is 7 days, a month 365.25 / 12 = 30.4375 days.
UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 30.4375}

Transactions = Any  # pandas / Polars DataFrame, Polars LazyFrame, a CSV/Parquet path or glob, or a PySpark DataFrame


def transaction_summary(
    transactions: Transactions,
    *,
    observation_end: Any,
    freq: str = "D",
    time_unit: str | None = None,
    calibration_end: Any = None,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Iterable[str] = MISSING_VALUES,
) -> pd.DataFrame:
    """One row per customer: frequency, recency, T and monetary value (the RFM summary).

    Definitions (Fader, Hardie & Lee 2005; the ``lifetimes`` library). The
    purchases of each customer are grouped into periods of length ``freq``;
    several purchases in one period are one *transaction* whose value is their
    sum. With the periods of a customer's transactions p_1 < … < p_n:

    - ``frequency`` x = n − 1, the number of repeat transactions;
    - ``recency`` t_x = start(p_n) − start(p_1) (0 when x = 0);
    - ``T`` = start(period of the end day) − start(p_1), the customer's age at
      the end of the calibration period (``calibration_end``) or, without
      one, at ``observation_end``;
    - ``monetary_value`` = mean value of the repeat transactions p_2 … p_n,
      and 0 when x = 0 (the Fader–Hardie / lifetimes convention: the first
      transaction is left out, so the model of spend is fitted to repeat
      transactions only);
    - ``first_purchase``, ``last_purchase`` (timestamps of the first and last
      purchase records), ``n_purchases`` (purchase *records*, before grouping
      into periods), ``total_spend`` (sum of all amounts, first purchase
      included).

    Recency and T are whole numbers of ``freq`` periods (as ``lifetimes``
    counts them) when ``time_unit`` is None; with ``time_unit`` they are the
    exact time elapsed between the period starts, in that unit: days, weeks
    (days / 7) or months (days / 30.4375). ``freq="D", time_unit="W"`` is the
    CDNOW papers' convention (one transaction per day, time in weeks).

    With ``calibration_end``, the summary is the calibration/holdout split of
    forecasting studies: only customers whose first purchase is on or before
    ``calibration_end`` are kept; every column above describes the
    calibration period (purchases up to ``calibration_end``; T runs to
    ``calibration_end``); and three columns describe the holdout period
    (``calibration_end``, ``observation_end``]:

    - ``frequency_holdout``: number of transactions (periods with purchases);
    - ``monetary_value_holdout``: their mean value (0 when there are none);
    - ``duration_holdout``: the length of the holdout, in periods or in
      ``time_unit`` (the same for every customer).

    As in ``lifetimes``, the purchases are split at ``calibration_end`` before
    they are grouped into periods, so a week or month that straddles
    ``calibration_end`` contributes to both parts. Unlike
    ``lifetimes.utils.calibration_and_holdout_data``, which averages the
    holdout value over purchase *records*, ``monetary_value_holdout``
    averages over transactions (a period's purchases summed), like
    ``monetary_value``; and ``calibration_end`` includes its whole day. A
    ``calibration_end`` before every purchase is an error that gives the
    first purchase's date (the summary would have no customer).

    Customers keep the type of the input's ids: an integer id column
    (pandas, Polars, Parquet, Spark) gives integer ids, any other text ids
    (a CSV's ``007`` stays ``007``). They are sorted in natural order:
    integers by value, text ids that are all plain digits by their numeric
    value, other text ids as text
    (:func:`crmlab.data.transactions.id_sort_keys`); so every input kind
    gives the same order.

    Parameters
    ----------
    transactions : pandas/Polars DataFrame, Polars LazyFrame, path or Spark DataFrame
        The canonical transactions (``customer_id``, ``date``, ``amount``), or
        a CSV/Parquet file (or glob) scanned lazily; read with
        :func:`crmlab.data.scan_transactions`, so bad data raises
        :class:`~crmlab.data.DataError`. A PySpark DataFrame is computed in
        Spark (:mod:`crmlab.customers.spark`), validated by
        :func:`crmlab.data.spark.spark_transactions`; only the per-customer
        aggregates are collected. A path or DataFrame of at least
        :data:`COMPILED_MIN_ROWS` rows whose columns fit in memory
        is aggregated by compiled kernels (:mod:`crmlab.customers.compiled`),
        with the same result; other inputs by Polars' streaming group-by.
    observation_end : date-like
        The last day observed, inclusive (a time of day, and a UTC offset,
        are ignored: the calendar day as written). A purchase after it is an
        error (:class:`~crmlab.data.DataError`).
    freq : {"D", "W", "M"}
        Length of a transaction period: day, week (Monday to Sunday) or
        calendar month.
    time_unit : {None, "D", "W", "M"}
        Unit of recency, T and duration_holdout; None = whole ``freq`` periods.
    calibration_end : date-like, optional
        Last day of the calibration period, inclusive; must be before
        ``observation_end``.
    columns : mapping, optional
        Your column names → canonical names, passed to ``scan_transactions``.
    date_format, dayfirst, na_values
        How a file's or a raw frame's cells are read (one date format for the
        column, day-first or month-first where both read, the cell texts that
        are missing): as in :func:`crmlab.data.read_transactions`, and in the
        Spark reader. The default missing markers are
        :data:`~crmlab.data.missing.MISSING_VALUES` (``NA``, ``NULL``,
        ``None``, …): a customer id written ``NA`` is a missing id (an error),
        as in every reader.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted). Columns ``frequency``,
        ``recency``, ``T``, ``monetary_value``, [``frequency_holdout``,
        ``monetary_value_holdout``, ``duration_holdout``], ``first_purchase``,
        ``last_purchase``, ``n_purchases``, ``total_spend``.

    Source: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "Counting Your
    Customers the Easy Way: An Alternative to the Pareto/NBD Model",
    Marketing Science 24(2), 275–284; ``lifetimes.utils.summary_data_from_transaction_data``.

    Examples
    --------
    Customer a buys on 1, 1 (again) and 8 January, b once on 5 January:

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": ["2021-01-01", "2021-01-01", "2021-01-08", "2021-01-05"],
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> s = transaction_summary(tx, observation_end="2021-01-15")
    >>> s[["frequency", "recency", "T", "monetary_value", "total_spend"]]
                 frequency  recency     T  monetary_value  total_spend
    customer_id
    a                    1      7.0  14.0            20.0         35.0
    b                    0      0.0  10.0             0.0          7.0
    >>> transaction_summary(tx, observation_end="2021-01-15", time_unit="W")[["recency", "T"]]
                 recency         T
    customer_id
    a                1.0  2.000000
    b                0.0  1.428571

    With a calibration period to 5 January, a's purchase of the 8th is in the holdout:

    >>> cal = transaction_summary(tx, observation_end="2021-01-15", calibration_end="2021-01-05")
    >>> cal.filter(like="holdout")
                 frequency_holdout  monetary_value_holdout  duration_holdout
    customer_id
    a                            1                    20.0              10.0
    b                            0                     0.0              10.0

    Integer ids stay integers, in numeric order:

    >>> transaction_summary(tx.assign(customer_id=[10, 10, 10, 2]), observation_end="2021-01-15").index.tolist()
    [2, 10]
    """
    freq = check_freq(freq)
    if time_unit is not None:
        time_unit = check_unit(time_unit, "time_unit")
    end = as_day(observation_end, "observation_end")
    cal = None if calibration_end is None else as_day(calibration_end, "calibration_end")
    if cal is not None and cal >= end:
        raise ValueError(
            f"calibration_end ({cal.date()}) must be before observation_end ({end.date()}): "
            "the holdout period is (calibration_end, observation_end]"
        )
    split = end if cal is None else cal
    read = {"columns": columns, "date_format": date_format, "dayfirst": dayfirst, "na_values": tuple(na_values)}
    if engine_for(transactions) == "spark":
        from crmlab.customers import spark

        table, source = spark.summary_aggregates(transactions, columns, freq, split, end, **_spark_read(read))
    else:
        table, source = _polars_aggregates(transactions, read, freq, split, end), source_name(transactions)
    _raise_on_late(table, end, source)
    if cal is not None and table.filter(pl.col("n_periods") > 0).height == 0:
        _raise_calibration_before_purchases(transactions, read, cal, source)

    end_ord, end_start_day = scalar_period(split, freq)
    if time_unit is None:
        recency = (pl.col("last_ord") - pl.col("first_ord")).cast(pl.Float64)
        age = (end_ord - pl.col("first_ord")).cast(pl.Float64)
        holdout_length = float(scalar_period(end, freq)[0] - end_ord)
    else:
        days = UNIT_DAYS[time_unit]
        first_start = ordinal_start(freq, "first_ord").cast(pl.Int32)
        recency = (ordinal_start(freq, "last_ord").cast(pl.Int32) - first_start).cast(pl.Float64) / days
        age = (end_start_day - first_start).cast(pl.Float64) / days
        holdout_length = (scalar_period(end, freq)[1] - end_start_day) / days
    frequency = pl.col("n_periods") - 1
    result = (
        table.lazy()  # lazily: the query engine sorts the ids about 3x faster than the eager sort
        .filter(pl.col("n_periods") > 0)
        .with_columns(frequency.alias("frequency"))
        .select(
            "customer_id",
            "frequency",
            recency.alias("recency"),
            age.alias("T"),
            pl.when(pl.col("frequency") > 0)
            .then(pl.col("repeat_spend") / pl.col("frequency"))
            .otherwise(0.0)
            .alias("monetary_value"),
            *(
                []
                if cal is None
                else [
                    "frequency_holdout",
                    pl.when(pl.col("frequency_holdout") > 0)
                    .then(pl.col("holdout_spend") / pl.col("frequency_holdout"))
                    .otherwise(0.0)
                    .alias("monetary_value_holdout"),
                    pl.lit(holdout_length, dtype=pl.Float64).alias("duration_holdout"),
                ]
            ),
            pl.col("first_purchase").cast(pl.Datetime("ns")),
            pl.col("last_purchase").cast(pl.Datetime("ns")),
            "n_purchases",
            "total_spend",
        )
        .sort(id_sort_keys(table["customer_id"]))
        .collect()
    )
    return result.to_pandas().set_index("customer_id")


def _spark_read(read: dict) -> dict:
    """The reading options the Spark reader takes (the mapping is passed on its own)."""
    return {k: v for k, v in read.items() if k != "columns"}


def _raise_calibration_before_purchases(transactions: Transactions, read: dict, cal: pd.Timestamp, source: str) -> None:
    """DataError: calibration_end is before every purchase (no customer to summarise); gives the first purchase's date.

    Computed only on this error path (one more pass over the dates), never for a summary that has customers.
    """
    if engine_for(transactions) == "spark":
        from pyspark.sql import functions as F

        from crmlab.data.spark import spark_transactions

        first = spark_transactions(transactions, validate=False, **read).agg(F.min("date")).first()[0]
    else:
        first = collect(scan_transactions(transactions, validate=False, **read).select(pl.col("date").min()), transactions).item()
    raise DataError(
        source,
        [
            Problem(
                f"no purchase on or before calibration_end {cal.date()}: the first purchase is on {pd.Timestamp(first).date()}; "
                "pass a calibration_end on or after it",
                column="date",
            )
        ],
    )


def _polars_aggregates(transactions: Transactions, read: dict, freq: str, split, end) -> pl.DataFrame:
    """The per-customer aggregates in Polars, validating in the same pass over the data.

    Files and Polars frames are scanned without the reader's separate validation pass: the
    aggregation counts bad rows itself (:func:`crmlab.data.transactions.bad_required_row`), and
    only if there are any (or the CSV parser fails) is the input scanned again with validation,
    which raises the DataError naming the rows. Text ids are grouped as found; the id rules
    (stripped, missing markers such as ``NA`` are missing) are applied to the one-row-per-customer
    result. A log with a ``quantity`` column, which the summary does not read, is validated up
    front as before.
    """
    deferred = input_kind(transactions) in ("path", "polars", "lazy")
    lf = scan_transactions(transactions, validate=not deferred, strip_ids=not deferred, **read)
    if deferred and "quantity" in lf.collect_schema().names():
        lf, deferred = scan_transactions(transactions, **read), False
    try:
        table = _aggregate(lf, transactions, read, freq, split, end, check=deferred)
    except pl.exceptions.PolarsError as exc:
        # A parser failure, parts of a glob with different schemas, a column of a type that does not
        # cast: the validating scan names the file and rows; no engine error escapes.
        if deferred:
            scan_transactions(transactions, **read)  # raises the DataError locating the row
        layout = csv_layout_error(transactions)  # a parser failure that the validating pass did not meet again
        if layout is not None:
            raise layout from None
        source = source_name(transactions)
        raise DataError(source, [Problem(f"cannot compute the summary ({str(exc).strip().splitlines()[0]})")]) from exc
    if not deferred:
        return table
    ids = table["customer_id"]
    if ids.dtype == pl.String:
        # Ids were grouped as found; the id rules are applied here, on one row per customer. An id
        # missing once stripped (empty, or a marker such as "NA"): the validating scan names its rows.
        stripped = ids.str.strip_chars()
        if (stripped == "").any() or stripped.is_in(list(read["na_values"])).any():
            scan_transactions(transactions, **read)  # raises the DataError naming the rows
        # If stripping makes two ids equal (" a" and "a": one customer), group again with the rows' ids stripped.
        if (stripped != ids).any():
            if stripped.n_unique() == table.height:
                table = table.with_columns(stripped.alias("customer_id"))
            else:
                lf = scan_transactions(transactions, validate=False, **read)
                table = collect(summary_aggregates(lf, freq, split, end, count_bad=True), transactions)
    if table.height == 0 or ("n_bad" in table.columns and table["n_bad"].sum() > 0):
        scan_transactions(transactions, **read)  # raises the DataError naming the rows
    return table


def _aggregate(lf: pl.LazyFrame, transactions: Transactions, read: dict, freq: str, split, end, *, check: bool) -> pl.DataFrame:
    """The per-customer aggregates: compiled (:mod:`crmlab.customers.compiled`) for a large log, else the group-by.

    An input too small to hold :data:`COMPILED_MIN_ROWS` rows, or too large for the kernels'
    memory (:func:`_use_compiled`), is aggregated by the streaming group-by
    (:func:`summary_aggregates`). Otherwise the rows' columns are read in one streaming pass
    (with the bad-row flag if ``check``: on any bad row the validating scan raises the DataError
    naming them) while the kernels load. A log of at least :data:`COMPILED_MIN_ROWS` rows is then
    summarised by the compiled kernels, a smaller one (the estimate was high) by the group-by on
    the rows already read, and one where two ids share a hash by the streaming group-by again.
    """
    if not _use_compiled(transactions):
        return collect(summary_aggregates(lf, freq, split, end, count_bad=check), transactions)
    kernels = _load_compiled_in_background()
    rows = collect(
        lf.select(
            "customer_id",
            pl.col("date").cast(pl.Datetime("ns")),
            "amount",
            period_ordinal(freq).alias("ord"),
            pl.col("customer_id").hash(ID_HASH_SEED).alias("_h"),
            *([bad_required_row(_text_ids(lf)).alias("_bad")] if check else []),
        ),
        transactions,
    )
    if check and rows["_bad"].any():
        scan_transactions(transactions, **read)  # raises the DataError naming the rows
    compiled = None
    if rows.height >= max(COMPILED_MIN_ROWS, 1):  # else the estimate was high: no wait for the kernels
        kernels.join()
        try:
            from crmlab.customers import compiled
        except ImportError:  # numba not importable here: the group-by does it all
            compiled = None
    if compiled is None:
        return summary_aggregates(rows.lazy().select("customer_id", "date", "amount"), freq, split, end).collect()
    ids, chunks = rows["customer_id"], compiled.column_chunks(rows)
    del rows  # the kernels release the rows' columns once partitioned
    table = compiled.customer_aggregates(ids, chunks, split + pd.Timedelta(days=1), end + pd.Timedelta(days=1))
    if table is None:  # two ids share a hash (rare): the streaming group-by, reading the input again
        table = collect(summary_aggregates(lf, freq, split, end, count_bad=check), transactions)
    return table


def _use_compiled(transactions: Transactions) -> bool:
    """Whether to read the rows for the compiled kernels: the input may hold :data:`COMPILED_MIN_ROWS`
    rows, and the kernels' memory (:data:`COMPILED_BYTES_PER_ROW` a row) fits in
    :data:`COMPILED_MEMORY_SHARE` of the memory available (when that is known); otherwise the
    streaming group-by, whose memory grows with the customers only.

    The rows are counted from a Parquet file's metadata and estimated from a CSV file's size. A
    LazyFrame's rows are not known before it is read, so it takes the streaming group-by (pass
    the path, or a DataFrame, for the kernels).
    """
    rows = _row_estimate(transactions)
    if rows is None or rows < COMPILED_MIN_ROWS:
        return False
    memory = available_memory()
    return memory is None or rows * COMPILED_BYTES_PER_ROW <= COMPILED_MEMORY_SHARE * memory


def _row_estimate(transactions: Transactions) -> int | None:
    """The rows of an input: counted, estimated from its files' size, or None (a LazyFrame: unknown)."""
    kind = input_kind(transactions)
    if kind in ("pandas", "polars"):
        return len(transactions)
    if kind != "path":  # a LazyFrame: its rows are unknown until read, so it streams (bounded memory)
        return None
    text = str(transactions)
    if text.lower().endswith(PARQUET_SUFFIXES):
        try:
            return int(pl.scan_parquet(text).select(pl.len()).collect().item())
        except (pl.exceptions.PolarsError, OSError):  # the scan that follows reports what is wrong
            return None
    files = glob.glob(text, recursive=True) if any(ch in text for ch in "*?[") else [text]
    try:
        size = sum(os.path.getsize(f) for f in files if os.path.isfile(f))
    except OSError:  # a file gone since the glob: the scan that follows reports it
        return None
    return size * (3 if text.lower().endswith(".gz") else 1) // CSV_BYTES_PER_ROW  # gzip: about 3x


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation, or None where it is not known.

    Linux: MemAvailable, or less where the process's control group (v2) has a memory limit (a
    container's); elsewhere the physical memory where ``os.sysconf`` knows it (macOS), else None
    (Windows).
    """
    try:
        with open("/proc/meminfo") as info:
            free = next(int(line.split()[1]) * 1024 for line in info if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (AttributeError, ValueError, OSError):
            return None
    try:
        with open("/sys/fs/cgroup/memory.max") as limit, open("/sys/fs/cgroup/memory.current") as used:
            cap = limit.read().strip()
            if cap != "max":
                free = min(free, int(cap) - int(used.read().strip()))
    except (OSError, ValueError):
        pass
    return free


_kernels_loading: threading.Thread | None = None
_kernels_lock = threading.Lock()


def _load_compiled_in_background() -> threading.Thread:
    """Start loading the compiled kernels (about 0.4 s: numba's start), once per process, while Polars
    reads a large log: Polars releases the GIL while it reads, so the two overlap. Join the thread
    returned before calling the kernels (a finished one joins at once).
    """
    global _kernels_loading

    def load() -> None:
        try:
            from crmlab.customers import compiled

            compiled.warm_up()
        except Exception:  # noqa: BLE001 - the caller loads (and raises) again in the main thread if it needs the kernels
            pass

    with _kernels_lock:
        if _kernels_loading is None:
            _kernels_loading = threading.Thread(target=load, name="crmlab-load-kernels", daemon=True)
            _kernels_loading.start()
        return _kernels_loading


def summary_aggregates(
    lf: pl.LazyFrame, freq: str, split: pd.Timestamp, end: pd.Timestamp, *, count_bad: bool = False
) -> pl.LazyFrame:
    """Per-customer aggregates from which :func:`transaction_summary` is finished (the Polars engine).

    One row per customer: ``n_periods``, ``first_ord``, ``last_ord``,
    ``repeat_spend`` (the sum of the purchases after the first period),
    ``total_spend``, ``n_purchases``, ``first_purchase``,
    ``last_purchase`` over the purchases up to ``split`` (the calibration end,
    or the observation end); ``frequency_holdout`` and ``holdout_spend`` over
    (split, end]; ``n_late`` and ``first_late`` after ``end``; with
    ``count_bad``, ``n_bad``: rows failing the reader's checks. The Spark
    twin is :func:`crmlab.customers.spark.summary_aggregates`.

    >>> lf = pl.DataFrame({"customer_id": ["a", "a"], "date": [pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-03")],
    ...                    "amount": [1.0, 2.0]}).lazy()
    >>> day = pd.Timestamp("2021-01-31")
    >>> summary_aggregates(lf, "D", day, day).collect().select("n_periods", "repeat_spend", "total_spend").row(0)
    (2, 2.0, 3.0)
    """
    next_day = pl.lit(split + pd.Timedelta(days=1)).cast(pl.Datetime("ns"))
    end_next = pl.lit(end + pd.Timedelta(days=1)).cast(pl.Datetime("ns"))
    date = pl.col("date")
    # calibration (or the whole observation), holdout, and after observation_end (an error).
    c, h, late = date < next_day, (date >= next_day) & (date < end_next), date >= end_next
    text_ids = _text_ids(lf)
    rows = lf.select("customer_id", "date", "amount", period_ordinal(freq).alias("ord"))
    ord_c, ord_h = pl.when(c).then(pl.col("ord")), pl.when(h).then(pl.col("ord"))

    def n_distinct(expr: pl.Expr) -> pl.Expr:  # distinct non-null values (n_unique counts null as one)
        return (expr.n_unique() - (expr.null_count() > 0).cast(pl.UInt32)).cast(pl.Int64)

    # One group-by of the rows by customer, plain streaming aggregations of conditional columns
    # (null outside their part). Grouping by customer and period first, as the definition reads,
    # builds a hash table of nearly one entry per row on real logs (most periods hold one purchase)
    # and was 1.4x slower at 10M rows, with several times the memory.
    per_customer = rows.group_by("customer_id").agg(
        n_distinct(ord_c).alias("n_periods"),
        ord_c.min().alias("first_ord"),
        ord_c.max().alias("last_ord"),
        pl.when(c).then(pl.col("amount")).sum().alias("total_spend"),
        c.sum().cast(pl.Int64).alias("n_purchases"),
        pl.when(c).then(date).min().alias("first_purchase"),
        pl.when(c).then(date).max().alias("last_purchase"),
        n_distinct(ord_h).alias("frequency_holdout"),
        pl.when(h).then(pl.col("amount")).sum().alias("holdout_spend"),
        late.sum().cast(pl.Int64).alias("n_late"),
        pl.when(late).then(date).min().alias("first_late"),
        *([bad_required_row(text_ids).sum().cast(pl.Int64).alias("n_bad")] if count_bad else []),
    )
    # The value of the repeat transactions (the purchases after the first period, in calibration):
    # a second pass over the rows, joined to each customer's first period, summing the repeat
    # purchases themselves. (Not total − first: two float sums subtracted leave rounding residue,
    # e.g. -3.6e-14 for a repeat of 0, and lose a small repeat after a huge first purchase.)
    # Most rows are repeats, so this group-by sees nearly every row: it groups by the customer's
    # row number in per_customer (an integer) rather than by the id string: about 5% faster at 10M
    # rows. Still, summing the repeats (most rows) costs about 0.3 s more at 10M rows than summing
    # the first period (few rows) and subtracting did.
    per_customer = per_customer.with_row_index("_k")
    repeat_value = (
        rows.join(per_customer.select("customer_id", "first_ord", "_k"), on="customer_id")
        .filter(pl.col("ord") != pl.col("first_ord"), c)
        .group_by("_k")
        .agg(pl.col("amount").sum().alias("repeat_spend"))
    )
    return (
        per_customer.join(repeat_value, on="_k", how="left")
        .with_columns(pl.col("repeat_spend").fill_null(0.0))
        .drop("_k")
    )


def _text_ids(lf: pl.LazyFrame) -> bool:
    """Whether a scan's customer ids are text (else integers)."""
    return lf.collect_schema()["customer_id"] == pl.String


def _raise_on_late(table: pl.DataFrame, end: pd.Timestamp, source: str) -> None:
    """DataError naming the customers with purchases after observation_end (one problem per customer)."""
    late = table.filter(pl.col("n_late") > 0)
    late = late.sort(id_sort_keys(late["customer_id"]))
    if late.height == 0:
        return
    problems = []
    for i, (cid, n, first) in enumerate(late.select("customer_id", "n_late", "first_late").head(MAX_PROBLEMS_SHOWN).iter_rows()):
        hint = "; pass a later observation_end or leave these purchases out" if i == 0 else ""
        problems.append(
            Problem(
                f"customer {cid!r} has {n} purchase{'s' if n != 1 else ''} after observation_end {end.date()} "
                f"(the first on {pd.Timestamp(first).date()}){hint}",
                column="date",
            )
        )
    raise DataError(source, problems, n_problems=late.height)


# --------------------------------------------------------------------------------------
# Helpers shared by the customers modules.
# --------------------------------------------------------------------------------------


def check_freq(freq: str, name: str = "freq") -> str:
    """Validate a period length: "D", "W" or "M"."""
    if freq not in FREQS:
        raise ValueError(f"unknown {name} {freq!r}; expected one of 'D' (day), 'W' (week), 'M' (month)")
    return freq


def check_unit(unit: str, name: str = "unit") -> str:
    """Validate a time unit: "D" (days), "W" (7 days) or "M" (30.4375 days)."""
    if unit not in UNIT_DAYS:
        raise ValueError(f"unknown {name} {unit!r}; expected one of 'D' (days), 'W' (weeks = 7 days), 'M' (months = 30.4375 days)")
    return unit


def as_day(value: Any, name: str) -> pd.Timestamp:
    """A date-like argument as a day (midnight, timezone-naive), or ValueError.

    The calendar day as written: a time of day is dropped, and so is a UTC offset or time zone
    (``"2021-01-31T23:00:00-05:00"`` is 31 January, not the UTC instant's 1 February).

    >>> as_day("2021-01-31T23:00:00-05:00", "observation_end")
    Timestamp('2021-01-31 00:00:00')
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{name} is required (a date such as '2021-12-31')")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date, got {value!r} ({exc})") from None
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    if ts.tz is not None:
        ts = ts.tz_localize(None)  # the wall-clock day as written, not the instant's day in UTC
    return ts.normalize()


def scan(transactions: Transactions, columns: Mapping[str, str] | None = None, **read: Any) -> pl.LazyFrame:
    """The canonical transactions as a LazyFrame (the single entry point: validates, raises DataError).

    ``read``: how cells are read (``date_format``, ``dayfirst``, ``na_values``), passed to
    :func:`crmlab.data.scan_transactions`.
    """
    return scan_transactions(transactions, columns=columns, **read)


def source_name(transactions: Transactions) -> str:
    """How a DataError names the input: the path as given, or "DataFrame"."""
    if isinstance(transactions, (str, os.PathLike)):
        return str(transactions)
    return "DataFrame"


def collect(lf: pl.LazyFrame, source: Any = None) -> pl.DataFrame:
    """Collect a query with the streaming engine (bounded memory on large scans).

    ``source`` is the input the query reads: should the CSV parser fail on it here, after the
    reader's validating pass did not (see :func:`crmlab.data.transactions.csv_layout_error`), the
    rows it cannot split are raised as a DataError instead of the engine's error.
    """
    try:
        return lf.collect(engine="streaming")
    except pl.exceptions.ComputeError:
        layout = csv_layout_error(source)
        if layout is not None:
            raise layout from None
        raise
    except OSError as exc:  # e.g. a gzip file cut short after the part the reader checked
        if isinstance(source, (str, os.PathLike)):
            raise DataError(str(source), [Problem(f"cannot read ({str(exc).strip() or type(exc).__name__})")]) from None
        raise


def _epoch_days() -> pl.Expr:
    return pl.col("date").dt.date().cast(pl.Int32)


def period_ordinal(freq: str) -> pl.Expr:
    """Consecutive integer index of the ``freq`` period of ``date`` (differences count periods).

    Days since 1970-01-01; weeks (Monday to Sunday) since the week of
    1969-12-29; months as 12·year + month − 1.
    """
    if freq == "D":
        return _epoch_days()
    if freq == "W":
        return (_epoch_days() + 3).floordiv(7)  # 1970-01-01 was a Thursday: Monday is day -3
    return pl.col("date").dt.year().cast(pl.Int32) * 12 + pl.col("date").dt.month().cast(pl.Int32) - 1


def scalar_period(day: pd.Timestamp, freq: str) -> tuple[int, int]:
    """(ordinal, start day since epoch) of the period holding ``day``, as :func:`period_ordinal`."""
    days = int((day.normalize() - pd.Timestamp("1970-01-01")).days)
    if freq == "D":
        return days, days
    if freq == "W":
        week = (days + 3) // 7
        return week, week * 7 - 3
    start = pd.Timestamp(year=day.year, month=day.month, day=1)
    return day.year * 12 + day.month - 1, int((start - pd.Timestamp("1970-01-01")).days)


def ordinal_start(freq: str, column: str = "ord") -> pl.Expr:
    """First day (a Polars Date) of the period with ordinal ``column`` (inverse of :func:`period_ordinal`)."""
    o = pl.col(column).cast(pl.Int32)
    if freq == "D":
        return o.cast(pl.Date)
    if freq == "W":
        return (o * 7 - 3).cast(pl.Date)
    return pl.date(o.floordiv(12), o.mod(12) + 1, 1)


def to_periods(starts: pd.Series, freq: str) -> pd.Series:
    """Period start dates as pandas Periods of ``freq`` (weeks run Monday to Sunday, "W-SUN")."""
    return pd.to_datetime(starts).dt.to_period({"D": "D", "W": "W-SUN", "M": "M"}[freq])
