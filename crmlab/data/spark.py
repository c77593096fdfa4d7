"""The canonical transactions table as a Spark DataFrame: rename, cast and validate inside Spark.

:func:`spark_transactions` is the Spark twin of
:func:`crmlab.data.scan_transactions`: it maps the user's column names to the
canonical ones (``customer_id``, ``date``, ``amount``, optional ``channel``,
``quantity``, ``category``), casts them (ids and labels to strings, dates to
``TIMESTAMP_NTZ``, amounts to doubles) with ``try_cast``, so an unparseable
value becomes a null instead of failing the job (Spark 4 runs in ANSI mode),
and counts the same problems as the Polars reader in one Spark job. Only if
there are any does a second job fetch the first offending rows, with their
positions, into a :class:`~crmlab.data.DataError`.

Row positions: Spark DataFrames have no index, so a row is named by its place
in the order Spark reads the data (partition by partition, each in order; for
a DataFrame read straight from one CSV file, that is the file's order). When
the DataFrame comes from exactly one file, the error names that file and rows
are numbered as in the Polars and pandas readers (1 = the first row under the
header); otherwise the source is "DataFrame" and rows count from 0.

String dates are parsed with Spark's cast rules (ISO 8601: ``2021-01-31``,
``2021-01-31 14:05:00``, ``2021-01-31T14:05:00``); read other formats with
Spark's own ``to_timestamp(col, pattern)`` first.

PySpark is imported inside the functions (it is an optional dependency).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.transactions import CANONICAL_COLUMNS, REQUIRED_COLUMNS, _apply_mapping

__all__ = ["spark_source_name", "spark_transactions"]

#: Bits of monotonically_increasing_id() that hold the record number within a partition.
_RECORD_BITS = 33


def spark_source_name(df: Any) -> str:
    """The file a Spark DataFrame was read from, if exactly one, else "DataFrame" (for error messages)."""
    try:
        files = df.inputFiles()
    except Exception:  # e.g. a DataFrame built from local data, or a source that cannot list files
        files = []
    if len(files) == 1:
        name = str(files[0])
        return name[len("file://"):] if name.startswith("file://") else name
    return "DataFrame"


def spark_transactions(df: Any, *, columns: Mapping[str, str] | None = None, validate: bool = True) -> Any:
    """The canonical transactions as a Spark DataFrame (renamed, cast, validated), or DataError.

    The canonical table is one row per purchase with ``customer_id``
    (string), ``date`` (``TIMESTAMP_NTZ``: the wall-clock time as written,
    independent of the session time zone) and ``amount`` (double, >= 0,
    finite), optionally ``channel``, ``quantity``, ``category``. Problems
    found, as in :func:`crmlab.data.scan_transactions`: missing or empty ids,
    unparseable or missing dates, missing or non-numeric amounts, negative or
    non-finite amounts, bad quantities; reported by row (see the module's note
    on row positions), column and value.

    Parameters
    ----------
    df : pyspark.sql.DataFrame
        Raw transactions, e.g. ``spark.read.csv(path, header=True)`` (all
        strings) or a table with typed columns.
    columns : mapping, optional
        Your column names → canonical names.
    validate : bool
        Run the validation job (default); False trusts the data.

    Returns
    -------
    pyspark.sql.DataFrame
        The canonical columns present, lazily defined (nothing is computed
        but the validation counts).

    Source: the canonical table of :mod:`crmlab.data.transactions`.

    Examples
    --------
    >>> from pyspark.sql import SparkSession                      # doctest: +SKIP
    >>> spark = SparkSession.builder.master("local[1]").getOrCreate()   # doctest: +SKIP
    >>> raw = spark.createDataFrame([("a", "2021-01-05", "-3")], ["customer_id", "date", "amount"])  # doctest: +SKIP
    >>> spark_transactions(raw)                                   # doctest: +SKIP
    Traceback (most recent call last):
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 0, column 'amount': negative value ('-3')
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    source = spark_source_name(df)
    names = list(df.columns)
    frame = _apply_mapping(pd.DataFrame(columns=names), columns, source)  # checks the mapping only
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(source, [Problem(f"missing required column (the data has: {', '.join(names)})", column=c) for c in missing])
    renamed = df.withColumnsRenamed(dict(columns)) if columns else df
    present = [c for c in CANONICAL_COLUMNS if c in frame.columns]
    renamed = renamed.select(*[F.col(f"`{c}`") for c in present])
    types = {f.name: f.dataType for f in renamed.schema.fields}

    def cast(column: str, sql_type: str) -> Any:
        if isinstance(types[column], T.StringType):
            return F.expr(f"try_cast(trim(`{column}`) AS {sql_type})")
        if sql_type == "TIMESTAMP_NTZ" and isinstance(types[column], T.TimestampNTZType):
            return F.col(column)
        return F.expr(f"try_cast(`{column}` AS {sql_type})")

    typed_cols = {
        "customer_id": F.trim(F.col("customer_id").cast("string")),
        "date": cast("date", "TIMESTAMP_NTZ"),
        "amount": cast("amount", "DOUBLE"),
    }
    for c in ("channel", "category"):
        if c in types:
            typed_cols[c] = F.col(c).cast("string")
    if "quantity" in types:
        typed_cols["quantity"] = cast("quantity", "DOUBLE")
    typed = renamed.select(*[typed_cols[c].alias(c) for c in present])
    if validate:
        _check(renamed, typed_cols, present, source)
    return typed


def _check(raw: Any, typed_cols: dict, present: list[str], source: str) -> None:
    """One Spark job counting problems; on any, a second fetching the first offending rows."""
    from pyspark.sql import functions as F

    t = {c: F.col(f"_t_{c}") for c in present}
    inf = F.lit(float("inf"))
    checks = {
        ("customer_id", "missing value"): t["customer_id"].isNull() | (t["customer_id"] == ""),
        ("date", "unparseable or missing date"): t["date"].isNull(),
        ("amount", "missing or non-numeric amount"): t["amount"].isNull() | F.isnan(t["amount"]),
        ("amount", "negative value"): t["amount"] < 0,
        ("amount", "not a finite number"): (t["amount"] == inf) | (t["amount"] == -inf),
    }
    if "quantity" in t:
        q = t["quantity"]
        checks[("quantity", "non-numeric, negative or non-finite quantity")] = (
            (F.col("quantity").isNotNull() & q.isNull()) | (q < 0) | F.isnan(q) | (q == inf) | (q == -inf)
        )
    both = raw.select(*[F.col(f"`{c}`") for c in present], *[typed_cols[c].alias(f"_t_{c}") for c in present])
    aggs = [F.sum(F.coalesce(expr, F.lit(False)).cast("long")).alias(f"c{i}") for i, expr in enumerate(checks.values())]
    row = both.agg(F.count(F.lit(1)).alias("n"), *aggs).first()
    if row["n"] == 0:
        raise DataError(source, [Problem("no rows")])
    counts = [row[f"c{i}"] or 0 for i in range(len(checks))]
    total = int(sum(counts))
    if total == 0:
        return
    # Positions: partition p's k-th record has monotonically_increasing_id (p << 33) + k.
    indexed = both.withColumn("_pid", F.spark_partition_id()).withColumn("_mid", F.monotonically_increasing_id())
    sizes = dict(indexed.groupBy("_pid").count().collect())
    offsets, running = {}, 0
    for pid in sorted(sizes):
        offsets[pid] = running
        running += sizes[pid]
    first_row = 1 if source != "DataFrame" else 0
    problems = []
    for i, ((column, message), expr) in enumerate(checks.items()):
        if not counts[i]:
            continue
        bad = (
            indexed.filter(F.coalesce(expr, F.lit(False)))
            .select("_pid", "_mid", F.col(f"`{column}`").alias("raw"))
            .orderBy("_mid")
            .limit(MAX_PROBLEMS_SHOWN)
            .collect()
        )
        for r in bad:
            position = offsets[r["_pid"]] + (r["_mid"] & ((1 << _RECORD_BITS) - 1)) + first_row
            problems.append(Problem(message, row=int(position), column=column, value=r["raw"]))
    problems.sort(key=lambda p: p.row)
    raise DataError(source, problems, n_problems=total)
