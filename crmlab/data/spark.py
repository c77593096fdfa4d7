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
the DataFrame is read straight from exactly one file (its plan is the file
scan under projections and renames only: no filter, sort, limit or join), the
error names that file and rows are numbered as in the Polars and pandas
readers (1 = the first row under the header); otherwise the source is
"DataFrame" and rows count from 0.

String dates are parsed with Spark's cast rules (ISO 8601: ``2021-01-31``,
``2021-01-31 14:05:00``, ``2021-01-31T14:05:00``; with a UTC offset, ``Z`` or
``-05:00``, as the instant in UTC); read other formats with Spark's own
``to_timestamp(col, pattern)`` first. Integer dates are read as yyyymmdd
digits, as the pandas reader infers them. Ids and labels are stripped of
surrounding whitespace of every kind, as Polars' ``strip_chars()``.

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


#: Logical plan nodes that keep a file scan's rows and their order (projections, renames, aliases).
_ROW_PRESERVING_NODES = frozenset({"Project", "SubqueryAlias", "LogicalRelation", "DataSourceV2Relation", "RelationV2"})


def _is_bare_file_scan(df: Any) -> bool:
    """True if the DataFrame's analyzed plan is one file scan under projections/renames only.

    Only then are its rows the file's rows, in the file's order: after a filter, a sort, a limit
    or a join (``inputFiles()`` still lists the file) positions would not be file rows. A plan
    that cannot be inspected (e.g. Spark Connect) counts as not bare.
    """
    try:
        plan = df._jdf.queryExecution().analyzed()
        while True:
            if plan.nodeName() not in _ROW_PRESERVING_NODES:
                return False
            children = plan.children()
            if children.size() == 0:
                return plan.nodeName() != "Project"  # a leaf: the relation itself
            if children.size() != 1:
                return False
            plan = children.apply(0)
    except Exception:
        return False


def spark_source_name(df: Any) -> str:
    """The file a Spark DataFrame was read from, if exactly one and read as is, else "DataFrame" (for error messages).

    "As is": the plan is the file scan under projections and renames only (no filter, sort,
    limit, join...), so that positions in the DataFrame are rows of the file.
    """
    try:
        files = df.inputFiles() if _is_bare_file_scan(df) else []
    except Exception:  # e.g. a DataFrame built from local data, or a source that cannot list files
        files = []
    if len(files) == 1:
        name = str(files[0])
        return name[len("file://"):] if name.startswith("file://") else name
    return "DataFrame"


def spark_transactions(df: Any, *, columns: Mapping[str, str] | None = None, validate: bool = True) -> Any:
    """The canonical transactions as a Spark DataFrame (renamed, cast, validated), or DataError.

    The canonical table is one row per purchase with ``customer_id``
    (string, surrounding whitespace stripped), ``date`` (``TIMESTAMP_NTZ``: for
    text and ``TIMESTAMP_NTZ`` columns the wall-clock time as written; for a
    time-zone-aware ``TIMESTAMP`` column the instant's time in UTC, as the
    Polars and pandas readers; integer dates as yyyymmdd digits; all
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
        kind = types[column]
        if isinstance(kind, T.StringType):
            if sql_type == "TIMESTAMP_NTZ":
                # Text with a UTC offset ('Z', '-05:00'): the instant in UTC, as the other readers;
                # without one, the wall-clock time as written.
                text = _strip(column)
                return F.expr(
                    f"CASE WHEN {text} RLIKE '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$' "
                    f"THEN timestampadd(MICROSECOND, unix_micros(try_cast({text} AS TIMESTAMP)), TIMESTAMP_NTZ'1970-01-01 00:00:00') "
                    f"ELSE try_cast({text} AS TIMESTAMP_NTZ) END"
                )
            return F.expr(f"try_cast({_strip(column)} AS {sql_type})")
        if sql_type == "TIMESTAMP_NTZ":
            if isinstance(kind, T.TimestampNTZType):
                return F.col(column)
            if isinstance(kind, T.TimestampType):
                # An instant: its wall-clock time in UTC, as the Polars and pandas readers read a
                # time-zone-aware column. (A plain cast would use the session time zone.)
                return F.expr(f"timestampadd(MICROSECOND, unix_micros(`{column}`), TIMESTAMP_NTZ'1970-01-01 00:00:00')")
            if isinstance(kind, (T.IntegerType, T.LongType, T.ShortType, T.DecimalType)):
                # Integer dates as the pandas reader reads them: the digits as yyyymmdd (20210131);
                # anything else is an unparseable date (a DataError naming the row).
                digits = f"cast(`{column}` AS STRING)"
                iso = f"concat_ws('-', substr({digits}, 1, 4), substr({digits}, 5, 2), substr({digits}, 7, 2))"
                return F.expr(f"CASE WHEN {digits} RLIKE '^[0-9]{{8}}$' THEN try_cast({iso} AS TIMESTAMP_NTZ) END")
            if not isinstance(kind, T.DateType):
                return F.lit(None).cast("timestamp_ntz")  # not a date (a double, a boolean...): unparseable
        return F.expr(f"try_cast(`{column}` AS {sql_type})")

    def as_string(column: str) -> Any:
        kind = types[column]
        if isinstance(kind, (T.DoubleType, T.FloatType)):
            # As the other readers: a float column whose values are all integral reads as integers ('1', not '1.0').
            integral = renamed.agg(
                F.bool_and(F.coalesce((F.col(f"`{column}`") % 1 == 0) | F.isnan(f"`{column}`"), F.lit(True)))
            ).first()[0]
            if integral is not False:
                return F.expr(f"CAST(CASE WHEN NOT isnan(`{column}`) THEN CAST(`{column}` AS BIGINT) END AS STRING)")
            return F.expr(f"CASE WHEN NOT isnan(`{column}`) THEN {_strip(column)} END")
        return F.expr(_strip(column))

    typed_cols = {
        "customer_id": as_string("customer_id"),
        "date": cast("date", "TIMESTAMP_NTZ"),
        "amount": cast("amount", "DOUBLE"),
    }
    for c in ("channel", "category"):
        if c in types:
            typed_cols[c] = as_string(c)
    if "quantity" in types:
        typed_cols["quantity"] = cast("quantity", "DOUBLE")
    typed = renamed.select(*[typed_cols[c].alias(c) for c in present])
    if validate:
        _check(renamed, typed_cols, present, source)
    return typed


def _strip(column: str) -> str:
    """SQL: the column as a string without surrounding whitespace of any kind (tabs, newlines,
    no-break and other Unicode spaces), as Polars' ``str.strip_chars()``; ``trim`` strips spaces only."""
    return f"regexp_replace(CAST(`{column}` AS STRING), '(?U)^\\\\s+|\\\\s+$', '')"


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
