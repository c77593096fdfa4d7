"""Interpurchase times: the gaps between a customer's consecutive purchase days.

The interpurchase time (IPT) is the time between two consecutive purchases of
a customer. Purchases are taken at the day level: several purchases on one
calendar day are one purchase occasion, so every gap is at least one day.
Gaps are measured in days and expressed in ``unit``:

- ``"D"``: days;
- ``"W"``: weeks, days / 7;
- ``"M"``: months, days / 30.4375 (the mean month, 365.25 / 12 days).

How long silence is normal, and how regular customers are (CV = sd / mean; an
exponential, Poisson-process gap has CV 1), tell when a customer is overdue.
Sources: Allenby, G. M., Leone, R. P. & Jen, L. (1999), "A Dynamic Model of
Purchase Timing with Application to Direct Marketing", Journal of the American
Statistical Association 94(446), 365–374; Kumar, V. & Reinartz, W. (2018),
*Customer Relationship Management*, 3rd ed., Springer.
"""

from __future__ import annotations

import pandas as pd
import polars as pl

from crmlab.customers.engines import Transactions, collect, computed_by_engine, scan
from crmlab.customers.periods import UNIT_DAYS, check_unit

__all__ = ["interpurchase_distribution", "interpurchase_summary", "interpurchase_times"]


def _gaps(lf: pl.LazyFrame, days: float) -> pl.LazyFrame:
    """(customer_id, date, ipt): each purchase day after a customer's first, with the gap before it in ``days``-day units."""
    return (
        lf.select("customer_id", pl.col("date").dt.date().alias("day"))
        .unique()
        .sort("customer_id", "day")
        .with_columns((pl.col("day").cast(pl.Int32).diff().over("customer_id") / days).alias("ipt"))
        .filter(pl.col("ipt").is_not_null())
        .select("customer_id", pl.col("day").cast(pl.Datetime("ns")).alias("date"), "ipt")
    )


def interpurchase_times(transactions: Transactions, *, unit: str = "D") -> pd.DataFrame:
    """Every interpurchase time: one row per purchase day after a customer's first.

    For a customer with distinct purchase days d_1 < d_2 < … < d_n, the gaps
    are ipt_i = (d_i − d_{i−1}) for i = 2 … n, in days, divided by the length
    of ``unit`` (1, 7 or 30.4375 days). Several purchases on one day are one
    purchase occasion; customers with a single purchase day have no rows.

    Parameters
    ----------
    transactions : DataFrame, LazyFrame, path or Spark DataFrame
        The canonical transactions (read with :func:`crmlab.data.scan_transactions`).
    unit : {"D", "W", "M"}
        Days, weeks (7 days) or months (30.4375 days).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``date`` (the later purchase day of the gap),
        ``ipt`` (float); sorted by customer and date.

    Source: Allenby, Leone & Jen (1999), JASA 94(446); Kumar & Reinartz (2018).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "a", "b"],
    ...                    "date": ["2021-01-01", "2021-01-08", "2021-01-08", "2021-01-22", "2021-01-03"],
    ...                    "amount": 1.0})
    >>> interpurchase_times(tx)
      customer_id       date   ipt
    0           a 2021-01-08   7.0
    1           a 2021-01-22  14.0
    >>> interpurchase_times(tx, unit="W")["ipt"].tolist()
    [1.0, 2.0]
    """
    return _interpurchase_gaps(transactions, UNIT_DAYS[check_unit(unit)]).to_pandas()


def _stats(col: str = "ipt") -> list[pl.Expr]:
    ipt = pl.col(col)
    return [
        ipt.count().cast(pl.Int64).alias("n_gaps"),
        ipt.mean().alias("mean"),
        ipt.median().alias("median"),
        ipt.std(ddof=1).alias("sd"),
    ]


def interpurchase_summary(transactions: Transactions, *, unit: str = "D") -> pd.DataFrame:
    """Per customer: number of gaps and the mean, median, sd and CV of their interpurchase times.

    With a customer's gaps ipt_2 … ipt_n (see :func:`interpurchase_times`):
    ``n_gaps`` = n − 1, ``mean``, ``median``, ``sd`` (sample standard
    deviation, ddof = 1) and ``cv`` = sd / mean, the regularity of the customer
    (0: clockwork; about 1: as irregular as a Poisson process). Every customer
    has a row: a customer with one purchase day has n_gaps 0 and NaN
    statistics, one with a single gap has NaN sd and cv.

    Parameters
    ----------
    transactions : DataFrame, LazyFrame, path or Spark DataFrame
        The canonical transactions (read with :func:`crmlab.data.scan_transactions`).
    unit : {"D", "W", "M"}
        Days, weeks (7 days) or months (30.4375 days).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``n_gaps`` (int), ``mean``, ``median``, ``sd``,
        ``cv`` (float); sorted by customer.

    Source: Allenby, Leone & Jen (1999), JASA 94(446); Kumar & Reinartz (2018).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": ["2021-01-01", "2021-01-08", "2021-01-22", "2021-01-03"],
    ...                    "amount": 1.0})
    >>> interpurchase_summary(tx)
      customer_id  n_gaps  mean  median        sd        cv
    0           a       2  10.5    10.5  4.949747  0.471405
    1           b       0   NaN     NaN       NaN       NaN
    """
    per = _interpurchase_per_customer(transactions, UNIT_DAYS[check_unit(unit)])
    table = (
        per.with_columns(pl.col("n_gaps").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("sd") / pl.col("mean")).alias("cv"))
        .sort("customer_id")
        .select("customer_id", "n_gaps", "mean", "median", "sd", "cv")
    )
    out = table.to_pandas()
    for col in ("mean", "median", "sd", "cv"):
        out[col] = out[col].astype("float64")  # None -> NaN for customers without gaps
    return out


def interpurchase_distribution(transactions: Transactions, *, unit: str = "D") -> pd.DataFrame:
    """The distribution of all interpurchase times pooled: one row of summary statistics.

    Over every gap of every customer (see :func:`interpurchase_times`):
    ``n_gaps``, ``n_customers`` (customers with at least one gap, i.e. with
    two or more purchase days), ``mean``, ``median``, ``sd`` (ddof = 1),
    ``cv`` = sd / mean, and the 10th and 90th percentiles ``p10`` and ``p90``
    (linear interpolation between order statistics, numpy's default). Pooled
    gaps weight frequent buyers more, since they contribute more gaps. With no
    gaps at all, n_gaps is 0 and the statistics are NaN.

    Parameters
    ----------
    transactions : DataFrame, LazyFrame, path or Spark DataFrame
        The canonical transactions (read with :func:`crmlab.data.scan_transactions`).
    unit : {"D", "W", "M"}
        Days, weeks (7 days) or months (30.4375 days).

    Returns
    -------
    pandas.DataFrame
        One row: ``n_gaps``, ``n_customers`` (int), ``mean``, ``median``,
        ``sd``, ``cv``, ``p10``, ``p90`` (float).

    Source: Allenby, Leone & Jen (1999), JASA 94(446); Kumar & Reinartz (2018).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
    ...                    "date": ["2021-01-01", "2021-01-08", "2021-01-22", "2021-01-03", "2021-01-06"],
    ...                    "amount": 1.0})
    >>> interpurchase_distribution(tx)
       n_gaps  n_customers  mean  median        sd        cv  p10   p90
    0       3            2   8.0     7.0  5.567764  0.695971  3.8  12.6
    """
    pooled = _interpurchase_pooled(transactions, UNIT_DAYS[check_unit(unit)])
    out = pooled.with_columns(
        pl.col("n_gaps").cast(pl.Int64), pl.col("n_customers").cast(pl.Int64), (pl.col("sd") / pl.col("mean")).alias("cv")
    )
    out = out.select("n_gaps", "n_customers", "mean", "median", "sd", "cv", "p10", "p90").to_pandas()
    for col in ("mean", "median", "sd", "cv", "p10", "p90"):
        out[col] = out[col].astype("float64")
    return out


@computed_by_engine("interpurchase_gaps")
def _interpurchase_gaps(transactions: Transactions, days: float) -> pl.DataFrame:
    """Every gap, sorted by customer and date (Spark twin: ``spark.interpurchase_gaps``)."""
    return collect(_gaps(scan(transactions), days), transactions)


@computed_by_engine("interpurchase_per_customer")
def _interpurchase_per_customer(transactions: Transactions, days: float) -> pl.DataFrame:
    """Per customer, gaps or not: n_gaps, mean, median, sd (Spark twin: ``spark.interpurchase_per_customer``).

    The transactions are read once (:func:`~crmlab.customers.engines.scan`): the customers and their gaps come from
    the same scan.
    """
    lf = scan(transactions)
    customers = lf.select("customer_id").unique()
    return collect(customers.join(_gaps(lf, days).group_by("customer_id").agg(_stats()), on="customer_id", how="left"), transactions)


@computed_by_engine("interpurchase_pooled")
def _interpurchase_pooled(transactions: Transactions, days: float) -> pl.DataFrame:
    """One row over all gaps pooled: n_gaps, n_customers, mean, median, sd, p10, p90 (Spark twin: ``spark.interpurchase_pooled``)."""
    ipt = pl.col("ipt")
    return collect(
        _gaps(scan(transactions), days).select(
            *_stats(),
            pl.col("customer_id").n_unique().cast(pl.Int64).alias("n_customers"),
            ipt.quantile(0.1, interpolation="linear").alias("p10"),
            ipt.quantile(0.9, interpolation="linear").alias("p90"),
        ),
        transactions,
    )
