"""The per-customer aggregates of the RFM summary: Polars' streaming group-by, or compiled kernels for a large log.

:func:`crmlab.customers.transaction_summary` is finished from one row per
customer (the periods with purchases, the first and last of them, the
spend, the holdout and the purchases after the observation end). This
module computes that table and chooses how:

- the engine (:func:`customer_aggregates`): Polars here, or its Spark twin
  :func:`crmlab.customers.spark.summary_aggregates` for a Spark DataFrame
  (:func:`crmlab.customers.engines.computed_by_engine`);
- in Polars, by size (:func:`_use_compiled`): Polars' streaming group-by
  (:func:`summary_aggregates`), or, for a log of at least
  :data:`COMPILED_MIN_ROWS` rows whose columns fit in memory, the compiled
  kernels of :mod:`crmlab.customers.compiled` (same result);
- when to check the data: a file or a Polars frame is checked in the
  aggregation's own pass (bad rows counted by
  :func:`crmlab.data.transactions.bad_required_row`; only if there are any is
  it scanned again to name them); so is a pandas frame whose columns are
  already typed (handed to Polars through Arrow; on a bad row the pandera
  reader names it); another pandas frame is checked by the pandera reader
  (without its sort), unless a reader has checked it already
  (:mod:`crmlab.data.checked`).
"""

from __future__ import annotations

import glob
import os
import threading

import pandas as pd
import polars as pl

from crmlab.customers.engines import Transactions, collect, computed_by_engine, input_kind, source_name
from crmlab.customers.periods import period_ordinal
from crmlab.data.errors import DataError, Problem
from crmlab.data.transactions import PARQUET_SUFFIXES, bad_required_row, csv_layout_error, scan_transactions
from crmlab.data.checked import is_checked
from crmlab.data.schema import REQUIRED_COLUMNS, _apply_mapping

__all__ = ["available_memory", "customer_aggregates", "summary_aggregates"]

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
#: Seed of the 64-bit hash of text ids by which the compiled kernels tell customers apart (then checked exactly).
ID_HASH_SEED = 0x5EED


def _polars_aggregates(transactions: Transactions, read: dict, freq: str, split: pd.Timestamp, end: pd.Timestamp) -> pl.DataFrame:
    """The per-customer aggregates in Polars, validating in the same pass over the data.

    Files and Polars frames are scanned without the reader's separate validation pass: the
    aggregation counts bad rows itself (:func:`crmlab.data.transactions.bad_required_row`), and
    only if there are any (or the CSV parser fails) is the input scanned again with validation,
    which raises the DataError naming the rows. Text ids are grouped as found; the id rules
    (stripped, missing markers such as ``NA`` are missing) are applied to the one-row-per-customer
    result. A log with a ``quantity`` column, which the summary does not read, is validated up
    front as before.

    A pandas frame whose columns are already typed (integer or text ids, datetimes, numbers) is
    handed to Polars as it is (:func:`_typed_pandas_as_polars`) and checked the same way; on any
    bad row, the pandas reader names it (its row labels, its messages). Another pandas frame is
    checked by the pandas reader first (without sorting it).
    """
    scanned = _typed_pandas_as_polars(transactions, read)
    deferred = input_kind(scanned) in ("path", "polars", "lazy")
    lf = scan_transactions(
        scanned, validate=not deferred, strip_ids=not deferred, **({**read, "columns": None} if scanned is not transactions else read)
    )
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


def _typed_pandas_as_polars(transactions: Transactions, read: dict) -> Transactions:
    """A pandas frame whose summary columns are already typed, as a Polars frame of the canonical columns; else the input.

    Typed: integer (not boolean, not unsigned 64-bit) or text ids, timezone-naive datetimes,
    numeric (not boolean) amounts, and no ``quantity`` column (which the summary would check up
    front). Such a frame needs no coercion, so the pandas reader's work (coercing, pandera's
    checks, about 5 s at 5M rows with text ids) is left to Polars' own pass over the rows; the
    columns are shared where Arrow can (numbers, datetimes, Arrow-backed text). Columns are
    renamed as the pandas reader renames them (``columns``, names stripped; a mapping error is
    its DataError). A frame a reader has checked is passed on as it is
    (:mod:`crmlab.data.checked`), as is any frame Polars cannot convert column by column (mixed
    objects): the pandas reader coerces and checks those.
    """
    if input_kind(transactions) != "pandas" or (not read.get("columns") and is_checked(transactions, tuple(read["na_values"]))):
        return transactions
    frame = _apply_mapping(transactions, read.get("columns"), source_name(transactions))
    if any(c not in frame.columns for c in REQUIRED_COLUMNS) or "quantity" in frame.columns or len(frame) == 0:
        return transactions  # the pandas reader names what is missing
    ids, dates, amounts = (frame[c] for c in REQUIRED_COLUMNS)
    integer_ids = pd.api.types.is_integer_dtype(ids) and not pd.api.types.is_bool_dtype(ids) and ids.dtype != "uint64"
    text_ids = pd.api.types.is_string_dtype(ids)
    if not (integer_ids or text_ids) or not pd.api.types.is_datetime64_dtype(dates):
        return transactions
    if not pd.api.types.is_numeric_dtype(amounts) or pd.api.types.is_bool_dtype(amounts):
        return transactions
    try:
        converted = pl.from_pandas(frame[list(REQUIRED_COLUMNS)])
    except (pl.exceptions.PolarsError, TypeError, ValueError, ArithmeticError, NotImplementedError):  # Arrow's errors subclass these
        return transactions
    if text_ids and converted.schema["customer_id"] != pl.String:  # an object column of numbers, or of mixed values
        return transactions
    return converted


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
        if check and input_kind(transactions) in ("polars", "pandas"):
            # Rows in memory: one count of the bad rows over the whole frame costs a tenth of
            # counting them per customer in the group-by (3 against 40 ms at 1M rows).
            if collect(lf.select(bad_required_row(_text_ids(lf)).any()), transactions).item():
                scan_transactions(transactions, **read)  # raises the DataError naming the rows
            check = False
        return collect(summary_aggregates(lf, freq, split, end, count_bad=check), transactions)
    kernels = _load_compiled_in_background()
    text_ids = _text_ids(lf)
    rows = collect(
        lf.select(
            "customer_id",
            pl.col("date").cast(pl.Datetime("ns")),
            "amount",
            period_ordinal(freq).alias("ord"),
            # text ids hashed by Polars; integer ids are hashed by the kernels as they are read (no column)
            *([pl.col("customer_id").hash(ID_HASH_SEED).alias("_h")] if text_ids else []),
            *([bad_required_row(text_ids).alias("_bad")] if check else []),
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

    The rows are counted from a Parquet file's metadata and estimated from a CSV file's size; a
    LazyFrame's are counted by Polars (:func:`_row_estimate`).
    """
    rows = _row_estimate(transactions)
    if rows is None or rows < COMPILED_MIN_ROWS:
        return False
    memory = available_memory()
    return memory is None or rows * COMPILED_BYTES_PER_ROW <= COMPILED_MEMORY_SHARE * memory


def _row_estimate(transactions: Transactions) -> int | None:
    """The rows of an input: counted, estimated from its files' size, or None where they cannot be told."""
    kind = input_kind(transactions)
    if kind in ("pandas", "polars"):
        return len(transactions)
    if kind == "lazy":
        # Counted by Polars: from the metadata of a Parquet scan, at once for a frame's, by a pass over the
        # lines of a CSV scan; a query that filters or joins is run for the count (without its other columns).
        try:
            return int(transactions.select(pl.len()).collect(engine="streaming").item())
        except pl.exceptions.PolarsError:  # the scan that follows reports what is wrong
            return None
    if kind != "path":
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

    # Without a calibration period (split == end) there is no holdout: its columns are zeros, not
    # aggregated (its count of distinct periods alone is about a third of the group-by's time).
    holdout = split < end
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
        *(
            [n_distinct(ord_h).alias("frequency_holdout"), pl.when(h).then(pl.col("amount")).sum().alias("holdout_spend")]
            if holdout
            else []
        ),
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
    table = per_customer.join(repeat_value, on="_k", how="left").with_columns(pl.col("repeat_spend").fill_null(0.0))
    if not holdout:
        table = table.with_columns(pl.lit(0, pl.Int64).alias("frequency_holdout"), pl.lit(0.0).alias("holdout_spend"))
    return table.select(*_AGGREGATE_COLUMNS, *(["n_bad"] if count_bad else []), "repeat_spend")


#: The columns of :func:`summary_aggregates`, in order (then ``n_bad`` with ``count_bad``, and ``repeat_spend``).
_AGGREGATE_COLUMNS = ("customer_id", "n_periods", "first_ord", "last_ord", "total_spend", "n_purchases", "first_purchase",
                      "last_purchase", "frequency_holdout", "holdout_spend", "n_late", "first_late")


def _text_ids(lf: pl.LazyFrame) -> bool:
    """Whether a scan's customer ids are text (else integers)."""
    return lf.collect_schema()["customer_id"] == pl.String


@computed_by_engine("summary_aggregates")
def customer_aggregates(transactions: Transactions, read: dict, freq: str, split: pd.Timestamp, end: pd.Timestamp) -> tuple[pl.DataFrame, str]:
    """The per-customer aggregates of :func:`summary_aggregates` and the input's name for messages: (table, source).

    ``read``: how the input is read (``columns``, ``date_format``, ``dayfirst``,
    ``na_values``); ``split``: the calibration end (or the observation end);
    ``end``: the observation end. Computed in Polars, or in Spark for a Spark
    DataFrame (:func:`crmlab.customers.spark.summary_aggregates`).

    >>> tx = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2021-01-01", "2021-01-03"], "amount": [1.0, 2.0]})
    >>> day = pd.Timestamp("2021-01-31")
    >>> read = {"columns": None, "date_format": None, "dayfirst": None, "na_values": ("NA",)}
    >>> table, source = customer_aggregates(tx, read, "D", day, day)
    >>> table.select("n_periods", "repeat_spend", "total_spend").row(0), source
    ((2, 2.0, 3.0), 'DataFrame')
    """
    return _polars_aggregates(transactions, read, freq, split, end), source_name(transactions)
