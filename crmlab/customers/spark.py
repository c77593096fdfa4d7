"""The customer-base aggregations in Spark: the same definitions as the Polars code, in pyspark.sql.functions.

Each function here is the Spark twin of one aggregation step of
:mod:`crmlab.customers` (the RFM summary, cohorts, retention, repeat
purchases, interpurchase times). It takes a Spark DataFrame of raw
transactions, validates it with :func:`crmlab.data.spark.spark_transactions`,
does the heavy work (grouping by customer and period, windows) in Spark, and
collects only the small result (one row per customer, per cohort and period,
or per period) into Polars through Arrow. The public functions of
:mod:`crmlab.customers` call these when given a Spark DataFrame and finish the
result with the same code as for Polars, so both engines return the same
table (the tests check it on the same data).

Periods, as in :func:`crmlab.customers.periods.period_ordinal`: days since
1970-01-01; weeks (Monday to Sunday) since the week of 1969-12-29; months as
12·year + month − 1. PySpark is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import polars as pl

from crmlab.data.spark import spark_source_name, spark_transactions

__all__ = [
    "active_periods",
    "cohort_counts",
    "first_purchase_date",
    "interpurchase_gaps",
    "interpurchase_pooled",
    "interpurchase_per_customer",
    "rate_counts",
    "repeat_purchase_groups",
    "summary_aggregates",
    "to_polars",
]


def to_polars(sdf: Any) -> pl.DataFrame:
    """Collect a (small) Spark result into Polars through Arrow (``toArrow`` from Spark 4, else ``toPandas``)."""
    if hasattr(sdf, "toArrow"):
        return pl.from_arrow(sdf.toArrow())
    return pl.from_pandas(sdf.toPandas())


def _days(column: str = "date") -> Any:
    from pyspark.sql import functions as F

    return F.datediff(F.to_date(F.col(column)), F.lit("1970-01-01").cast("date"))


def period_ordinal(freq: str, column: str = "date") -> Any:
    """Spark expression: the integer index of the ``freq`` period of ``column`` (as the Polars one)."""
    from pyspark.sql import functions as F

    if freq == "D":
        return _days(column)
    if freq == "W":
        return F.floor((_days(column) + 3) / 7).cast("int")
    return (F.year(column) * 12 + F.month(column) - 1).cast("int")


def summary_aggregates(df: Any, read: Mapping[str, Any], freq: str, split: pd.Timestamp, end: pd.Timestamp) -> tuple[pl.DataFrame, str]:
    """Per-customer aggregates of the RFM summary, computed in Spark: (table, source name).

    The Spark twin of :func:`crmlab.customers.aggregation.customer_aggregates`, with the columns of
    :func:`crmlab.customers.aggregation.summary_aggregates`:
    ``n_periods``, ``first_ord``, ``last_ord``, ``repeat_spend``,
    ``total_spend``, ``n_purchases``, ``first_purchase``, ``last_purchase``
    (calibration part), ``frequency_holdout``, ``holdout_spend`` (holdout
    part), ``n_late``, ``first_late`` (purchases after observation_end).
    Stage 1 groups by customer, part and period; stage 2 by customer, with
    each customer's first calibration period found by a window over the
    customer's periods, so repeat spend is the sum of the later periods.
    ``read``: how the data is read (``columns``, ``date_format``, ``dayfirst``, ``na_values``), passed to
    :func:`crmlab.data.spark.spark_transactions`.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    tx = spark_transactions(df, **read)
    next_day = F.lit(str((split + pd.Timedelta(days=1)).date())).cast("timestamp_ntz")
    end_next = F.lit(str((end + pd.Timedelta(days=1)).date())).cast("timestamp_ntz")
    part = F.when(F.col("date") < next_day, 0).when(F.col("date") < end_next, 1).otherwise(2)
    periods = (
        tx.select("customer_id", "date", "amount", part.alias("part"), period_ordinal(freq).alias("ord"))
        .groupBy("customer_id", "part", "ord")
        .agg(
            F.sum("amount").alias("value"),
            F.count(F.lit(1)).alias("n"),
            F.min("date").alias("first_date"),
            F.max("date").alias("last_date"),
        )
    )
    c, h, late = F.col("part") == 0, F.col("part") == 1, F.col("part") == 2

    def where(column: str, mask: Any) -> Any:
        return F.when(mask, F.col(column))

    # Each customer's first calibration period, to sum the repeat transactions themselves
    # (not total − first: two float sums subtracted leave rounding residue).
    periods = periods.withColumn("first_c", F.min(where("ord", c)).over(Window.partitionBy("customer_id")))
    repeat = c & (F.col("ord") != F.col("first_c"))

    zero = F.lit(0)
    per_customer = periods.groupBy("customer_id").agg(
        F.sum(c.cast("long")).alias("n_periods"),
        F.min(where("ord", c)).alias("first_ord"),
        F.max(where("ord", c)).alias("last_ord"),
        F.coalesce(F.sum(where("value", repeat)), zero.cast("double")).alias("repeat_spend"),
        F.coalesce(F.sum(where("value", c)), zero.cast("double")).alias("total_spend"),
        F.coalesce(F.sum(where("n", c)), zero).cast("long").alias("n_purchases"),
        F.min(where("first_date", c)).alias("first_purchase"),
        F.max(where("last_date", c)).alias("last_purchase"),
        F.sum(h.cast("long")).alias("frequency_holdout"),
        F.coalesce(F.sum(where("value", h)), zero.cast("double")).alias("holdout_spend"),
        F.coalesce(F.sum(where("n", late)), zero).cast("long").alias("n_late"),
        F.min(where("first_date", late)).alias("first_late"),
    )
    return to_polars(per_customer), spark_source_name(df)


def first_purchase_date(df: Any, read: Mapping[str, Any]) -> Any:
    """The date of the first purchase, read without the data checks: the Spark twin of
    :func:`crmlab.customers.summary.first_purchase_date`."""
    from pyspark.sql import functions as F

    return spark_transactions(df, validate=False, **read).agg(F.min("date")).first()[0]


def _purchase_periods(tx: Any, freq: str) -> Any:
    return tx.select("customer_id", period_ordinal(freq).alias("ord")).distinct()


def cohort_counts(df: Any, freq: str) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(sizes, active, last): customers per cohort, customers active per cohort and period number, last period.

    ``sizes``: ``cohort_ord``, ``cohort_size``; ``active``: ``cohort_ord``,
    ``period_number``, ``n_active``; ``last``: the last period ordinal with a
    purchase. The cohort of a customer is the period of their first purchase.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    bought = _purchase_periods(spark_transactions(df), freq).withColumn(
        "cohort_ord", F.min("ord").over(Window.partitionBy("customer_id"))
    )
    active = (
        bought.withColumn("period_number", (F.col("ord") - F.col("cohort_ord")).cast("int"))
        .groupBy("cohort_ord", "period_number")
        .agg(F.count(F.lit(1)).alias("n_active"))
    )
    active = to_polars(active)
    sizes = active.filter(pl.col("period_number") == 0).select("cohort_ord", pl.col("n_active").alias("cohort_size"))
    last = int((active["cohort_ord"] + active["period_number"]).max())
    return sizes, active.filter(pl.col("n_active") > 0), last


def _active(tx: Any, freq: str, window: int) -> Any:
    """(customer_id, ord, purchased, new) for every period a customer is active (as the Polars ``_active``)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    bought = _purchase_periods(tx, freq)
    last = bought.agg(F.max("ord")).first()[0]
    spread = bought.withColumn("first_ord", F.min("ord").over(Window.partitionBy("customer_id")))
    spread = spread.withColumn("k", F.explode(F.sequence(F.lit(0), F.lit(window - 1))))
    spread = spread.withColumn("ord", (F.col("ord") + F.col("k")).cast("int")).filter(F.col("ord") <= F.lit(last))
    return spread.groupBy("customer_id", "ord").agg(
        F.max((F.col("k") == 0).cast("int")).cast("boolean").alias("purchased"),
        F.max((F.col("ord") == F.col("first_ord")).cast("int")).cast("boolean").alias("new"),
    )


def active_periods(df: Any, freq: str, window: int) -> pl.DataFrame:
    """Every (customer_id, ord, purchased, new) in which a customer is active, collected."""
    return to_polars(_active(spark_transactions(df), freq, window))


def rate_counts(df: Any, freq: str, window: int) -> pl.DataFrame:
    """Per period ``ord``: E (customers active) and N (new customers), the inputs of CRR = (E − N) / S."""
    from pyspark.sql import functions as F

    counts = _active(spark_transactions(df), freq, window).groupBy("ord").agg(
        F.count(F.lit(1)).alias("E"), F.sum(F.col("new").cast("long")).alias("N")
    )
    return to_polars(counts).with_columns(pl.col("ord").cast(pl.Int32), pl.col("E").cast(pl.Int64), pl.col("N").cast(pl.Int64))


def repeat_purchase_groups(df: Any, freq: str, by: str | None, cohort_freq: str) -> tuple[pl.DataFrame, str]:
    """Customers and repeat buyers (>= 2 distinct ``freq`` periods), overall or per ``by`` group; (table, source)."""
    from pyspark.sql import functions as F

    from crmlab.data.errors import DataError, Problem

    source = spark_source_name(df)
    tx = spark_transactions(df)
    if by == "channel" and "channel" not in tx.columns:
        raise DataError(source, [Problem("by='channel' needs a 'channel' column, and the data has none", column="channel")])
    aggs = [F.countDistinct(period_ordinal(freq)).alias("n_periods")]
    if by == "channel":
        # The channel of the first purchase; among purchases at the same time, the smallest non-missing one.
        first = F.min(F.struct(F.col("date"), F.col("channel").isNull(), F.col("channel")))
        aggs.append(first["channel"].alias("channel"))
    elif by == "cohort":
        aggs.append(F.min(period_ordinal(cohort_freq)).alias("cohort"))
    per_customer = tx.groupBy("customer_id").agg(*aggs)
    keys = [by] if by else []
    grouped = per_customer.groupBy(*keys).agg(
        F.count(F.lit(1)).alias("n_customers"), F.sum((F.col("n_periods") >= 2).cast("long")).alias("n_repeat")
    )
    return to_polars(grouped).with_columns(pl.col("n_customers").cast(pl.Int64), pl.col("n_repeat").cast(pl.Int64)), source


def _gaps(tx: Any, days: float) -> Any:
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    by_customer = Window.partitionBy("customer_id").orderBy("day")
    purchase_days = tx.select("customer_id", F.to_date("date").alias("day")).distinct()
    gaps = purchase_days.withColumn("ipt", F.datediff("day", F.lag("day").over(by_customer)) / F.lit(days))
    return gaps.filter(F.col("ipt").isNotNull())


def interpurchase_gaps(df: Any, days: float) -> pl.DataFrame:
    """Every gap: (customer_id, date, ipt), the purchase day after each gap and its length in ``days``-day units,
    sorted by customer and date (as its Polars twin, ``crmlab.customers.interpurchase._interpurchase_gaps``)."""
    from pyspark.sql import functions as F

    gaps = _gaps(spark_transactions(df), days).select("customer_id", F.col("day").cast("timestamp_ntz").alias("date"), "ipt")
    return to_polars(gaps).sort("customer_id", "date").with_columns(pl.col("date").cast(pl.Datetime("ns")))


def _stats(column: str = "ipt") -> list:
    from pyspark.sql import functions as F

    return [
        F.count(column).alias("n_gaps"),
        F.avg(column).alias("mean"),
        F.percentile(column, 0.5).alias("median"),
        F.stddev_samp(column).alias("sd"),
    ]


def interpurchase_per_customer(df: Any, days: float) -> pl.DataFrame:
    """Per customer (every customer, gaps or not): n_gaps, mean, median, sd of the interpurchase times."""
    from pyspark.sql import functions as F

    tx = spark_transactions(df)
    per = _gaps(tx, days).groupBy("customer_id").agg(*_stats())
    customers = tx.select("customer_id").distinct()
    table = customers.join(per, on="customer_id", how="left").withColumn("n_gaps", F.coalesce("n_gaps", F.lit(0)).cast("long"))
    return to_polars(table)


def interpurchase_pooled(df: Any, days: float) -> pl.DataFrame:
    """One row over all gaps pooled: n_gaps, n_customers, mean, median, sd, p10, p90 (linear interpolation)."""
    from pyspark.sql import functions as F

    row = _gaps(spark_transactions(df), days).agg(
        *_stats(),
        F.countDistinct("customer_id").alias("n_customers"),
        F.percentile("ipt", 0.1).alias("p10"),
        F.percentile("ipt", 0.9).alias("p90"),
    )
    return to_polars(row)
