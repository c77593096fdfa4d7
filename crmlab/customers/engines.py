"""Which engine computes a customer-base metric: Polars on this machine, or Apache Spark.

Every function of :mod:`crmlab.customers` that reads a transaction log takes
the log in any of these forms, recognised here and nowhere else:

============================ ========== =====================================================
input                        kind       computed by
============================ ========== =====================================================
``pandas.DataFrame``         "pandas"   Polars (validated by the pandera reader first)
``polars.DataFrame``         "polars"   Polars (validated lazily)
``polars.LazyFrame``         "lazy"     Polars, streaming (validated lazily)
path or glob (CSV, Parquet)  "path"     Polars, streaming scan: never loaded into memory whole
``pyspark.sql.DataFrame``    "spark"    Spark: only the per-customer / per-period result is
                                        collected (through Arrow)
============================ ========== =====================================================

PySpark is optional (``pip install crmlab[spark]``). crmlab's own code imports
it only when a Spark DataFrame is passed, so recognising one must not import
it: a Spark DataFrame is told by its class's module (``pyspark.sql...``),
which also covers Spark Connect's DataFrame. (When PySpark is installed,
pandera, which validates pandas input, imports it by itself as soon as
:mod:`crmlab.data` is imported; crmlab works for every other input with
PySpark absent or unimportable.)
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import polars as pl

__all__ = ["ENGINES", "engine_for", "input_kind", "is_spark_dataframe"]

#: The engine that computes each input kind.
ENGINES = {"pandas": "polars", "polars": "polars", "lazy": "polars", "path": "polars", "spark": "spark"}


def is_spark_dataframe(obj: Any) -> bool:
    """True for a PySpark (classic or Spark Connect) DataFrame, without importing pyspark.

    >>> is_spark_dataframe(pd.DataFrame())
    False
    """
    cls = type(obj)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pyspark.sql")


def input_kind(transactions: Any) -> str:
    """The kind of a transactions input: "pandas", "polars", "lazy", "path" or "spark".

    A path is a ``str`` or ``os.PathLike`` (a file or a glob such as
    ``"exports/2024-*.parquet"``). Anything else is a TypeError naming the
    kinds accepted.

    >>> input_kind(pd.DataFrame({"customer_id": ["a"]}))
    'pandas'
    >>> input_kind(pl.DataFrame({"customer_id": ["a"]}).lazy())
    'lazy'
    >>> input_kind("exports/orders-*.parquet")
    'path'
    """
    if isinstance(transactions, pd.DataFrame):
        return "pandas"
    if isinstance(transactions, pl.DataFrame):
        return "polars"
    if isinstance(transactions, pl.LazyFrame):
        return "lazy"
    if isinstance(transactions, (str, os.PathLike)):
        return "path"
    if is_spark_dataframe(transactions):
        return "spark"
    raise TypeError(
        "transactions must be a pandas or Polars DataFrame, a Polars LazyFrame, a CSV/Parquet path or glob, "
        f"or a PySpark DataFrame; got {type(transactions).__module__}.{type(transactions).__name__}"
    )


def engine_for(transactions: Any) -> str:
    """The engine that computes a metric on ``transactions``: "polars" or "spark" (see :data:`ENGINES`).

    >>> engine_for("orders.csv")
    'polars'
    """
    return ENGINES[input_kind(transactions)]
