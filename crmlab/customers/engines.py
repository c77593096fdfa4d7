"""Which engine computes a customer-base metric: Polars on this machine, or Apache Spark.

Every function of :mod:`crmlab.customers` that reads a transaction log takes
the log in any of these forms, recognised here and nowhere else:

============================ ========== =====================================================
input                        kind       computed by
============================ ========== =====================================================
``pandas.DataFrame``         "pandas"   Polars (validated by the pandera reader first; the
                                        summary hands typed columns to Polars, see
                                        :mod:`crmlab.customers.aggregation`)
``polars.DataFrame``         "polars"   Polars (validated lazily)
``polars.LazyFrame``         "lazy"     Polars, streaming (validated lazily)
path or glob (CSV, Parquet)  "path"     Polars, streaming scan: never loaded into memory whole
``pyspark.sql.DataFrame``    "spark"    Spark: only the per-customer / per-period result is
                                        collected (through Arrow)
============================ ========== =====================================================

The choice is written once, in :func:`computed_by_engine`: each metric's
aggregation is a Polars function decorated with the name of its Spark twin in
:mod:`crmlab.customers.spark`, which runs instead when the input is a Spark
DataFrame. Every other input reaches Polars through :func:`scan` (the data
layer's :func:`~crmlab.data.scan_transactions`: a frame a reader has
already checked is passed on without a second check, see
:mod:`crmlab.data.checked`).

PySpark is optional (``pip install crmlab[spark]``). crmlab's own code imports
it only when a Spark DataFrame is passed, so recognising one must not import
it: a Spark DataFrame is told by its class's module (``pyspark.sql...``),
which also covers Spark Connect's DataFrame. (When PySpark is installed,
pandera, which validates pandas input, imports it by itself as soon as
:mod:`crmlab.data` is imported; crmlab works for every other input with
PySpark absent or unimportable.)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pandas as pd
import polars as pl

from crmlab.data.errors import DataError, Problem
from crmlab.data.transactions import csv_layout_error, scan_transactions

__all__ = [
    "ENGINES",
    "Transactions",
    "collect",
    "computed_by_engine",
    "engine_for",
    "input_kind",
    "is_spark_dataframe",
    "scan",
    "source_name",
]

Transactions = Any  # pandas / Polars DataFrame, Polars LazyFrame, a CSV/Parquet path or glob, or a PySpark DataFrame

Computation = TypeVar("Computation", bound=Callable[..., Any])

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


def computed_by_engine(spark_twin: str) -> Callable[[Computation], Computation]:
    """Decorator: the function computes in Polars; a Spark input goes to its twin in :mod:`crmlab.customers.spark`.

    The decorated function takes the transactions first; the twin, the
    function named ``spark_twin`` in :mod:`crmlab.customers.spark`, takes the
    same arguments and returns the same result (a small Polars table). Which
    one runs is :func:`engine_for` of the transactions: this is the one place
    where a metric's engine is chosen. PySpark is imported only for a Spark
    input.

    >>> @computed_by_engine("rate_counts")
    ... def n_rows(transactions):
    ...     return len(transactions)
    >>> n_rows(pd.DataFrame({"customer_id": ["a", "b"]}))
    2
    """

    def decorate(polars_computation: Computation) -> Computation:
        @functools.wraps(polars_computation)
        def on_its_engine(transactions: Transactions, *args: Any, **kwargs: Any) -> Any:
            if engine_for(transactions) == "spark":
                from crmlab.customers import spark

                return getattr(spark, spark_twin)(transactions, *args, **kwargs)
            return polars_computation(transactions, *args, **kwargs)

        on_its_engine.spark_twin = spark_twin  # type: ignore[attr-defined]
        return on_its_engine  # type: ignore[return-value]

    return decorate


def scan(transactions: Transactions, columns: Mapping[str, str] | None = None, **read: Any) -> pl.LazyFrame:
    """The canonical transactions as a LazyFrame (the single entry point: validates, raises DataError).

    A pandas frame a reader has checked is passed on unchecked (:mod:`crmlab.data.checked`).

    ``read``: how cells are read (``date_format``, ``dayfirst``, ``na_values``), passed to
    :func:`crmlab.data.scan_transactions`.
    """
    return scan_transactions(transactions, columns=columns, **read)


def source_name(transactions: Transactions) -> str:
    """How a DataError names the input: the path as given, or "DataFrame".

    >>> source_name("exports/orders.csv"), source_name(pd.DataFrame())
    ('exports/orders.csv', 'DataFrame')
    """
    if isinstance(transactions, (str, os.PathLike)):
        return str(transactions)
    return "DataFrame"


def collect(lf: pl.LazyFrame, source: Any = None) -> pl.DataFrame:
    """Collect a query with the streaming engine (bounded memory on large scans).

    ``source`` is the input the query reads: should the CSV parser fail on it here, after the
    reader's validating pass did not (see :func:`crmlab.data.transactions.csv_layout_error`), the
    rows it cannot split are raised as a DataError instead of the engine's error.

    >>> collect(pl.LazyFrame({"amount": [1.0, 2.0]}).select(pl.col("amount").sum())).item()
    3.0
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
