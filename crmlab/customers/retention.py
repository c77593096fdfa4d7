"""Retention and churn of a customer base, per period and per acquisition cohort.

In a non-contractual business (a retailer) nobody cancels: customers just stop
buying. "Active" must then be defined from purchases. Here a customer is
**active in period t** if they purchased in at least one of the last ``window``
periods up to and including t (t − window + 1, …, t); ``window=1`` means "bought
in t". The first period in which a customer buys is their acquisition
(**new** in that period).

Periods are days, weeks (Monday to Sunday) or calendar months (``freq``). They
run from the first to the last period with a purchase in the data, every
period in between included (with zero counts if nobody bought); the last
period may be incomplete, which lowers its rates. Periods are returned as
pandas ``Period`` values.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl

from crmlab.customers.engines import Transactions, collect, computed_by_engine, scan, source_name
from crmlab.customers.periods import check_freq, ordinal_start, period_ordinal, to_periods
from crmlab.data.errors import DataError, Problem

__all__ = ["active_customers", "churn_rate", "cohort_retention", "repeat_purchase_rate", "retention_rate"]


def _check_window(window: Any) -> int:
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be a whole number of periods >= 1, got {window!r}")
    return window


def _purchase_periods(lf: pl.LazyFrame, freq: str) -> pl.LazyFrame:
    """Distinct (customer_id, ord) pairs: the periods in which each customer bought."""
    return lf.select("customer_id", period_ordinal(freq).alias("ord")).unique()


def _active(lf: pl.LazyFrame, freq: str, window: int) -> pl.LazyFrame:
    """(customer_id, ord, purchased, new) for every period in which a customer is active."""
    bought = _purchase_periods(lf, freq)
    last = pl.col("ord").max()
    spread = bought.with_columns(last.alias("last_ord"), pl.col("ord").min().over("customer_id").alias("first_ord"))
    if window > 1:
        spread = spread.with_columns(pl.int_ranges(0, window).alias("k")).explode("k")
    else:
        spread = spread.with_columns(pl.lit(0).alias("k"))
    spread = spread.with_columns((pl.col("ord") + pl.col("k")).alias("ord")).filter(pl.col("ord") <= pl.col("last_ord"))
    return spread.group_by("customer_id", "ord").agg(
        (pl.col("k") == 0).any().alias("purchased"),
        (pl.col("ord") == pl.col("first_ord")).any().alias("new"),
    )


@computed_by_engine("active_periods")
def _active_periods(transactions: Transactions, freq: str, window: int) -> pl.DataFrame:
    """(customer_id, ord, purchased, new) of :func:`_active`, collected (Spark twin: ``spark.active_periods``)."""
    return collect(_active(scan(transactions), freq, window), transactions)


@computed_by_engine("rate_counts")
def _rate_counts(transactions: Transactions, freq: str, window: int) -> pl.DataFrame:
    """Per period ``ord``: active customers E and new customers N (Spark twin: ``spark.rate_counts``)."""
    return collect(
        _active(scan(transactions), freq, window)
        .group_by("ord")
        .agg(pl.len().cast(pl.Int64).alias("E"), pl.col("new").sum().cast(pl.Int64).alias("N")),
        transactions,
    )


def active_customers(transactions: Transactions, *, freq: str = "M", window: int = 1) -> pd.DataFrame:
    """Long frame of who is active when: one row per customer and period in which they are active.

    A customer is *active* in period t if they purchased in one of the last
    ``window`` periods up to t (periods t − window + 1 … t); with ``window=1``,
    if they purchased in t. A purchase in the last period of the data makes the
    customer active to the end of the data only (periods are not extended past
    the last period with a purchase). This is the purchase-based definition of
    an active customer used for non-contractual settings (Kumar & Reinartz
    2018: a customer counts as retained while they keep buying).

    Parameters
    ----------
    transactions : DataFrame, LazyFrame, path or Spark DataFrame
        The canonical transactions (read with :func:`crmlab.data.scan_transactions`).
    freq : {"D", "W", "M"}
        Period length: day, week (Monday to Sunday) or calendar month.
    window : int
        Number of periods a purchase keeps the customer active (>= 1).

    Returns
    -------
    pandas.DataFrame
        ``period`` (pandas Period), ``customer_id``, ``purchased`` (bought in
        this period), ``new`` (first purchase in this period); sorted by period
        and customer.

    Source: Kumar, V. & Reinartz, W. (2018), *Customer Relationship
    Management: Concept, Strategy, and Tools*, 3rd ed., Springer.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": ["2021-01-10", "2021-03-05", "2021-02-01"], "amount": 1.0})
    >>> active_customers(tx, freq="M", window=2)
        period customer_id  purchased    new
    0  2021-01           a       True   True
    1  2021-02           a      False  False
    2  2021-02           b       True   True
    3  2021-03           a       True  False
    4  2021-03           b      False  False
    """
    freq = check_freq(freq)
    window = _check_window(window)
    active = _active_periods(transactions, freq, window)
    out = (
        active.with_columns(ordinal_start(freq).alias("period"))
        .sort("ord", "customer_id")
        .select("period", "customer_id", "purchased", "new")
        .to_pandas()
    )
    out["period"] = to_periods(out["period"], freq)
    return out


def _rates(transactions: Transactions, freq: str, window: int) -> pl.DataFrame:
    freq = check_freq(freq)
    window = _check_window(window)
    counts = _rate_counts(transactions, freq, window)
    grid = pl.DataFrame({"ord": pl.int_range(counts["ord"].min(), counts["ord"].max() + 1, eager=True).cast(pl.Int32)})
    table = (
        grid.join(counts, on="ord", how="left")
        .with_columns(pl.col("E").fill_null(0), pl.col("N").fill_null(0))
        .with_columns(pl.col("E").shift(1, fill_value=0).alias("S"))
        .with_columns(
            pl.when(pl.col("S") > 0)
            .then((pl.col("E") - pl.col("N")) / pl.col("S"))
            .otherwise(None)
            .cast(pl.Float64)
            .fill_null(float("nan"))
            .alias("retention_rate"),
            ordinal_start(freq).alias("period"),
        )
        .with_columns((1.0 - pl.col("retention_rate")).alias("churn_rate"))
    )
    return table.select("period", "S", "N", "E", "retention_rate", "churn_rate")


def retention_rate(transactions: Transactions, *, freq: str = "M", window: int = 1) -> pd.DataFrame:
    """Customer retention rate per period, CRR = (E − N) / S, and churn rate 1 − CRR.

    For each period t (Kumar & Reinartz 2018; Berger & Nasr 1998):

    - S = customers active at the start of t, i.e. active in t − 1;
    - N = new customers, whose first purchase is in t;
    - E = customers active at the end of t, i.e. active in t;
    - CRR = (E − N) / S, the share of the customers of the start who are still
      there at the end; ``churn_rate`` = 1 − CRR.

    "Active" is purchase-based (see :func:`active_customers`): bought in one of
    the last ``window`` periods. In the first period (and after any period
    with nobody active) S = 0 and CRR is undefined: NaN, as is the churn rate.

    The formula was written for contractual settings, where every customer of
    E − N was also in S. With purchase-based activity a customer who lapses and
    comes back later counts in E − N without being in S, so CRR can exceed the
    true share of S retained (and even 1) when ``window`` is short relative to
    the time between purchases; a longer ``window`` reduces that.

    Parameters
    ----------
    transactions : DataFrame, LazyFrame, path or Spark DataFrame
        The canonical transactions (read with :func:`crmlab.data.scan_transactions`).
    freq : {"D", "W", "M"}
        Period length.
    window : int
        Periods a purchase keeps a customer active (>= 1).

    Returns
    -------
    pandas.DataFrame
        ``period`` (pandas Period), ``S``, ``N``, ``E`` (int), ``retention_rate``
        (CRR) and ``churn_rate`` (float; NaN where S = 0), one row per period
        from the first to the last period with a purchase.

    Sources: Kumar, V. & Reinartz, W. (2018), *Customer Relationship
    Management*, 3rd ed., Springer; Berger, P. D. & Nasr, N. I. (1998),
    "Customer Lifetime Value: Marketing Models and Applications", Journal of
    Interactive Marketing 12(1), 17–30.

    Examples
    --------
    a buys in January and February, b in January and March, c only in February:

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                    "date": ["2021-01-05", "2021-02-05", "2021-01-20", "2021-03-01", "2021-02-10"],
    ...                    "amount": 1.0})
    >>> retention_rate(tx, freq="M")
        period  S  N  E  retention_rate  churn_rate
    0  2021-01  0  2  2             NaN         NaN
    1  2021-02  2  1  2             0.5         0.5
    2  2021-03  2  0  1             0.5         0.5
    """
    out = _rates(transactions, freq, window).to_pandas()
    out["period"] = to_periods(out["period"], freq)
    return out


def churn_rate(transactions: Transactions, *, freq: str = "M", window: int = 1) -> pd.DataFrame:
    """Churn rate per period, 1 − CRR = 1 − (E − N) / S: :func:`retention_rate` without the CRR column.

    The same frame as :func:`retention_rate` (``period``, ``S``, ``N``, ``E``)
    with ``churn_rate``: the share of the customers active at the start of the
    period (S) who are not active at its end. NaN where S = 0 (the first
    period). Same definitions, caveats and sources (Kumar & Reinartz 2018;
    Berger & Nasr 1998).

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": ["2021-01-05", "2021-02-05", "2021-01-20"], "amount": 1.0})
    >>> churn_rate(tx, freq="M")
        period  S  N  E  churn_rate
    0  2021-01  0  2  2         NaN
    1  2021-02  2  0  1         0.5
    """
    out = _rates(transactions, freq, window).drop("retention_rate").to_pandas()
    out["period"] = to_periods(out["period"], freq)
    return out


def cohort_retention(transactions: Transactions, *, freq: str = "M") -> pd.DataFrame:
    """Share of each acquisition cohort purchasing in each period since acquisition (long frame).

    A customer's **cohort** is the period of their first purchase. For cohort c
    and period number k = 0, 1, …, up to the last period with a purchase in the
    data: ``n_active`` = customers of the cohort who purchased in period c + k,
    ``retention`` = n_active / cohort_size. Period 0 is the acquisition period
    (retention 1 by definition). This is "bought in that period" (not
    "survived to it"), so the curve can go up as well as down.

    Parameters
    ----------
    transactions : DataFrame, LazyFrame, path or Spark DataFrame
        The canonical transactions (read with :func:`crmlab.data.scan_transactions`).
    freq : {"D", "W", "M"}
        Period length of cohorts and of period numbers.

    Returns
    -------
    pandas.DataFrame
        ``cohort`` (pandas Period), ``period_number``, ``cohort_size``,
        ``n_active`` (int), ``retention`` (float), sorted by cohort and period
        number; a cohort has rows up to the last period of the data, zeros
        included.

    Source: Kumar, V. & Reinartz, W. (2018), *Customer Relationship
    Management*, 3rd ed., Springer (cohort analysis of retention).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
    ...                    "date": ["2021-01-05", "2021-03-05", "2021-01-20", "2021-02-10", "2021-03-11"],
    ...                    "amount": 1.0})
    >>> cohort_retention(tx, freq="M")
        cohort  period_number  cohort_size  n_active  retention
    0  2021-01              0            2         2        1.0
    1  2021-01              1            2         0        0.0
    2  2021-01              2            2         1        0.5
    3  2021-02              0            1         1        1.0
    4  2021-02              1            1         1        1.0
    """
    freq = check_freq(freq)
    sizes, active, last = _cohort_counts(transactions, freq)
    sizes = sizes.with_columns(pl.col("cohort_ord").cast(pl.Int32), pl.col("cohort_size").cast(pl.Int64))
    active = active.with_columns(pl.col("cohort_ord").cast(pl.Int32), pl.col("n_active").cast(pl.Int64))
    grid = (
        sizes.with_columns(pl.int_ranges(0, last - pl.col("cohort_ord") + 1).alias("period_number"))
        .explode("period_number")
        .with_columns(pl.col("period_number").cast(pl.Int32))
    )
    table = (
        grid.join(active.with_columns(pl.col("period_number").cast(pl.Int32)), on=["cohort_ord", "period_number"], how="left")
        .with_columns(pl.col("n_active").fill_null(0))
        .with_columns(
            (pl.col("n_active") / pl.col("cohort_size")).alias("retention"),
            ordinal_start(freq, "cohort_ord").alias("cohort"),
            pl.col("period_number").cast(pl.Int64),
        )
        .sort("cohort_ord", "period_number")
        .select("cohort", "period_number", "cohort_size", "n_active", "retention")
    )
    out = table.to_pandas()
    out["cohort"] = to_periods(out["cohort"], freq)
    return out


@computed_by_engine("cohort_counts")
def _cohort_counts(transactions: Transactions, freq: str) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(sizes, active, last) of :func:`cohort_retention`, aggregated lazily (Spark twin: ``spark.cohort_counts``)."""
    bought = _purchase_periods(scan(transactions), freq).with_columns(pl.col("ord").min().over("customer_id").alias("cohort_ord"))
    active = collect(
        bought.with_columns((pl.col("ord") - pl.col("cohort_ord")).alias("period_number"))
        .group_by("cohort_ord", "period_number")
        .agg(pl.len().cast(pl.Int64).alias("n_active")),
        transactions,
    )
    sizes = active.filter(pl.col("period_number") == 0).select("cohort_ord", pl.col("n_active").alias("cohort_size"))
    last = int((active["cohort_ord"] + active["period_number"]).max())
    return sizes, active, last


def repeat_purchase_rate(
    transactions: Transactions, *, freq: str = "D", by: str | None = None, cohort_freq: str = "M"
) -> pd.DataFrame:
    """Share of customers who made at least one repeat purchase (overall, or by channel or cohort).

    Purchases are grouped into periods of ``freq`` as in
    :func:`~crmlab.customers.transaction_summary` (several purchases in one
    period are one transaction); a customer is a *repeat buyer* if they
    purchased in at least two distinct periods (frequency >= 1).
    ``repeat_purchase_rate`` = repeat buyers / customers. It is the simplest
    measure of a base's loyalty, and the first-repeat rate of trial-repeat
    models (Kumar & Reinartz 2018).

    Parameters
    ----------
    transactions : DataFrame, LazyFrame, path or Spark DataFrame
        The canonical transactions (read with :func:`crmlab.data.scan_transactions`).
    freq : {"D", "W", "M"}
        Period within which several purchases count as one.
    by : {None, "channel", "cohort"}
        Group customers by the ``channel`` of their first purchase (needs a
        ``channel`` column; customers with a missing channel form their own
        group) or by acquisition cohort (the ``cohort_freq`` period of their
        first purchase).
    cohort_freq : {"D", "W", "M"}
        Period length of cohorts for ``by="cohort"``.

    Returns
    -------
    pandas.DataFrame
        [``channel`` | ``cohort``], ``n_customers``, ``n_repeat``,
        ``repeat_purchase_rate``; one row, or one per group (sorted).

    Source: Kumar, V. & Reinartz, W. (2018), *Customer Relationship
    Management*, 3rd ed., Springer.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"],
    ...                    "date": ["2021-01-05", "2021-01-05", "2021-01-20", "2021-02-10", "2021-03-11"],
    ...                    "amount": 1.0, "channel": ["web", "web", "web", "shop", "shop"]})
    >>> repeat_purchase_rate(tx)
       n_customers  n_repeat  repeat_purchase_rate
    0            3         1              0.333333
    >>> repeat_purchase_rate(tx, by="channel")
      channel  n_customers  n_repeat  repeat_purchase_rate
    0    shop            1         1                   1.0
    1     web            2         0                   0.0
    """
    freq = check_freq(freq)
    if by not in (None, "channel", "cohort"):
        raise ValueError(f"unknown by {by!r}; expected None, 'channel' or 'cohort'")
    if by == "cohort":
        cohort_freq = check_freq(cohort_freq, "cohort_freq")
    keys = [by] if by else []
    groups, _ = _repeat_purchase_groups(transactions, freq, by, cohort_freq)
    if not keys:
        groups = groups.with_columns(pl.lit(0).alias("_all"))
    summary = (
        groups.with_columns((pl.col("n_repeat") / pl.col("n_customers")).alias("repeat_purchase_rate"))
        .sort(keys or "_all", nulls_last=True)
        .select(*keys, "n_customers", "n_repeat", "repeat_purchase_rate")
    )
    if by == "cohort":
        summary = summary.with_columns(ordinal_start(cohort_freq, "cohort").alias("cohort"))
    out = summary.to_pandas()
    if by == "cohort":
        out["cohort"] = to_periods(out["cohort"], cohort_freq)
    return out


@computed_by_engine("repeat_purchase_groups")
def _repeat_purchase_groups(transactions: Transactions, freq: str, by: str | None, cohort_freq: str) -> tuple[pl.DataFrame, str]:
    """Customers and repeat buyers (>= 2 distinct ``freq`` periods), overall or per ``by`` group; (table, source).

    Spark twin: ``spark.repeat_purchase_groups``.
    """
    lf = scan(transactions)
    source = source_name(transactions)
    if by == "channel" and "channel" not in lf.collect_schema().names():
        raise DataError(source, [Problem("by='channel' needs a 'channel' column, and the data has none", column="channel")])
    aggs = [period_ordinal(freq).n_unique().alias("n_periods")]
    if by == "channel":
        aggs.append(pl.col("channel").sort_by("date", "channel", nulls_last=True).first().alias("channel"))
    elif by == "cohort":
        aggs.append(period_ordinal(cohort_freq).min().alias("cohort"))
    groups = collect(
        lf.group_by("customer_id")
        .agg(aggs)
        .group_by([by] if by else pl.lit(0).alias("_all"))
        .agg(
            pl.len().cast(pl.Int64).alias("n_customers"),
            (pl.col("n_periods") >= 2).sum().cast(pl.Int64).alias("n_repeat"),
        ),
        transactions,
    )
    return groups, source
