"""The canonical transactions table as a Spark DataFrame: rename, cast and validate inside Spark.

:func:`spark_transactions` is the Spark twin of
:func:`crmlab.data.scan_transactions`: it maps the user's column names to the
canonical ones (``customer_id``, ``date``, ``amount``, optional ``channel``,
``quantity``, ``category``), casts them (integer ids to ``BIGINT``, other ids
and labels to strings, dates to ``TIMESTAMP_NTZ``, amounts to doubles) with
``try_cast`` / ``try_to_timestamp``, so an unparseable value becomes a null
instead of failing the job (Spark 4 runs in ANSI mode), and counts the same
problems as the Polars reader in one Spark job. Only if there are any does a
second job fetch the first offending rows, with their positions, into a
:class:`~crmlab.data.DataError`.

The rules of :mod:`crmlab.data.transactions` hold here too (the row checks
are derived from the table's one declaration, :mod:`crmlab.data.schema`): missing cells
(:data:`~crmlab.data.missing.MISSING_VALUES` once stripped, or ``na_values=``;
an empty cell is missing), one date format for the column
(:mod:`crmlab.data.dates`), integer ids kept as integers, a column name
written twice refused (Spark renames the copies of a CSV header, ``amount2``,
``amount3``: recognised as such).

Row positions: Spark DataFrames have no index, so a row is named by its place
in the order Spark reads the data (partition by partition, each in order; for
a DataFrame read straight from one CSV file, that is the file's order). When
the DataFrame is read straight from exactly one file (its plan is the file
scan under projections and renames only: no filter, sort, limit or join), the
error names that file and rows are numbered as in the Polars and pandas
readers (1 = the first row under the header); otherwise the source is
"DataFrame" and rows count from 0.

Text dates are read by the lab's one date policy, as by the pandas and Polars
readers: the format is ``date_format=`` (a strftime format such as
``"%d/%m/%Y"``, translated to Spark's datetime pattern by
:func:`spark_pattern`; or a Spark pattern, written without ``%``), or inferred
with :func:`crmlab.data.dates.candidate_formats` from the same sample of
values (a Spark job on the first rows) and, when several formats could read
the column, chosen by :func:`crmlab.data.dates.choose_date_format` from the
rows each reads (one more job): a column reading both day-first and
month-first is an error unless ``dayfirst=`` says which, dates without a day
are refused, and a row that does not read in the column's format is an
unparseable date. Integer dates are read as their digits (yyyymmdd); dates
with a UTC offset as the instant in UTC; without one, the wall-clock time as
written, whatever the session time zone. Ids and labels are stripped of
surrounding whitespace of every kind, as Polars' ``strip_chars()``.

PySpark is imported inside the functions (it is an optional dependency).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from crmlab.data.dates import SAMPLE_ROWS, SAMPLE_SIZE, infer_date_format
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.missing import MISSING_VALUES
from crmlab.data.schema import CANONICAL_COLUMNS, REQUIRED_COLUMNS, _apply_mapping, row_checks, shown

__all__ = ["spark_pattern", "spark_source_name", "spark_transactions"]

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


def spark_transactions(
    df: Any,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Iterable[str] = MISSING_VALUES,
    validate: bool = True,
) -> Any:
    """The canonical transactions as a Spark DataFrame (renamed, cast, validated), or DataError.

    The canonical table is one row per purchase with ``customer_id``
    (``BIGINT`` for an integer column; otherwise a string, surrounding
    whitespace stripped), ``date`` (``TIMESTAMP_NTZ``: for text and
    ``TIMESTAMP_NTZ`` columns the wall-clock time as written; for a
    time-zone-aware ``TIMESTAMP`` column or text with a UTC offset the
    instant's time in UTC, as the Polars and pandas readers; integer dates as
    their digits; all independent of the session time zone) and ``amount``
    (double, >= 0, finite), optionally ``channel``, ``quantity``,
    ``category``. Problems found, as in :func:`crmlab.data.scan_transactions`:
    missing ids (showing what was written), unparseable or missing dates,
    missing or non-numeric amounts, negative or non-finite amounts, bad
    quantities; reported by row (see the module's note on row positions),
    column and value. A column name written twice, an ambiguous day/month
    order and dates without a day are whole-column DataErrors.

    Parameters
    ----------
    df : pyspark.sql.DataFrame
        Raw transactions, e.g. ``spark.read.csv(path, header=True)`` (all
        strings) or a table with typed columns.
    columns : mapping, optional
        Your column names → canonical names.
    date_format : str, optional
        The dates' format: strftime (``"%d/%m/%Y"``, as for the other
        readers) or a Spark datetime pattern (``"dd/MM/yyyy"``); default:
        inferred (see the module's note on dates).
    dayfirst : bool, optional
        Day-first (True) or month-first (False), for inferred dates that read
        both ways.
    na_values : iterable of str
        Cell texts read as missing once stripped (default
        :data:`~crmlab.data.missing.MISSING_VALUES`).
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
    _refuse_renamed_copies(names, source, [*CANONICAL_COLUMNS, *(columns or {})])
    frame = _apply_mapping(pd.DataFrame(columns=names), columns, source)  # checks the mapping only
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(source, [Problem(f"missing required column (the data has: {', '.join(names)})", column=c) for c in missing])
    renamed = df.withColumnsRenamed(dict(columns)) if columns else df
    present = [c for c in CANONICAL_COLUMNS if c in frame.columns]
    renamed = renamed.select(*[F.col(f"`{c}`") for c in present])
    types = {f.name: f.dataType for f in renamed.schema.fields}
    na_values = tuple(na_values)

    def cast(column: str, sql_type: str) -> Any:
        if isinstance(types[column], T.StringType):
            return F.expr(f"try_cast({_strip(column)} AS {sql_type})")
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
        return _not_missing(F.expr(_strip(column)), na_values)

    id_type = types["customer_id"]
    integer_types = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
    typed_cols = {
        "customer_id": F.col("`customer_id`").cast("bigint") if isinstance(id_type, integer_types) else as_string("customer_id"),
        "date": _date(renamed, types["date"], source, date_format, dayfirst, na_values),
        "amount": cast("amount", "DOUBLE"),
    }
    for c in ("channel", "category"):
        if c in types:
            typed_cols[c] = as_string(c)
    if "quantity" in types:
        typed_cols["quantity"] = cast("quantity", "DOUBLE")
    typed = renamed.select(*[typed_cols[c].alias(c) for c in present])
    if validate:
        _check(renamed, typed_cols, present, source, na_values)
    return typed


def _refuse_renamed_copies(names: list[str], source: str, wanted: list[str]) -> None:
    """DataError for the copies of a column the reader wants that Spark's CSV reader renamed.

    Spark reads a header naming a column twice (case-insensitively) as the name followed by the
    column's position for each copy (``amount,amount`` in columns 2 and 3: ``amount2``,
    ``amount3``), and keeps no column of the name itself. Two or more such names whose stem is a
    column the reader wants (a canonical name, or one the mapping names) and is absent are such
    copies; other numbered names (``f1``, ``f2``) are left alone.
    """
    stems: dict[str, list[str]] = {}
    wanted_lower = {w.lower() for w in wanted}
    present = {n.lower() for n in names}
    for position, name in enumerate(names):
        stem = name[: -len(str(position))].lower() if name.endswith(str(position)) else ""
        if stem in wanted_lower and stem not in present:
            stems.setdefault(stem, []).append(name)
    copies = {stem: found for stem, found in stems.items() if len(found) > 1}
    if copies:
        raise DataError(
            source,
            [
                Problem(
                    f"the column name appears {len(found)} times in the header (Spark renamed the copies "
                    f"{', '.join(map(repr, found))}): crmlab cannot tell which to read; rename or drop the copies",
                    column=stem,
                )
                for stem, found in copies.items()
            ],
        )


def _not_missing(text: Any, na_values: tuple[str, ...]) -> Any:
    """Spark: the stripped text, null where the cell is missing (empty, or one of ``na_values``)."""
    from pyspark.sql import functions as F

    missing = text.isNull() | (text == "")
    if na_values:
        missing = missing | text.isin(list(na_values))
    return F.when(~missing, text)


#: strftime directives and their Spark datetime pattern letters (one letter: 1 or 2 digits, as
#: strftime reads them; two letters where a number touches another, as in %Y%m%d).
_SPARK_LETTERS = {
    "Y": "yyyy", "y": "yy", "m": "M", "d": "d", "H": "H", "I": "h", "M": "m", "S": "s", "j": "D",
    "f": "SSSSSSSSS", "p": "a", "b": "MMM", "B": "MMMM", "a": "EEE", "A": "EEEE", "z": "XXX",
}  # fmt: skip
_NUMERIC = set("mdHIMSj")


def spark_pattern(fmt: str) -> str:
    """A strftime date format as a Spark datetime pattern (``to_timestamp``), or ValueError.

    Letters written as text are quoted; a numeric field touching another is given its fixed width.

    >>> spark_pattern("%d/%m/%Y"), spark_pattern("%Y%m%d"), spark_pattern("%Y-%m-%dT%H:%M:%S.%f%z")
    ('d/M/yyyy', 'yyyyMMdd', "yyyy-M-d'T'H:m:s.SSSSSSSSSXXX")
    """
    tokens = re.findall(r"%.|[^%]+|%$", fmt)
    out = []
    for i, token in enumerate(tokens):
        if token.startswith("%") and len(token) == 2:
            code = token[1]
            if code == "%":
                out.append("%")
                continue
            if code not in _SPARK_LETTERS:
                raise ValueError(f"date format {fmt!r}: {token} has no Spark equivalent; give date_format= as a Spark pattern")
            letters = _SPARK_LETTERS[code]
            touching = any(0 <= j < len(tokens) and tokens[j].startswith("%") for j in (i - 1, i + 1))
            if code in _NUMERIC and touching:
                letters = letters * (3 if code == "j" else 2)
            out.append(letters)
        elif token == "%":
            raise ValueError(f"date format {fmt!r} ends with a lone %")
        else:
            out.append(re.sub(r"[A-Za-z]+", lambda m: "'" + m.group(0) + "'", token.replace("'", "''")))
    return "".join(out)


_OFFSET_LETTERS = re.compile(r"[XxZOVz]")
_EPOCH_NTZ = "TIMESTAMP_NTZ'1970-01-01 00:00:00'"


def _parse_with(text_sql: str, fmt: str) -> Any:
    """Spark: text dates read in one format (strftime, or a Spark pattern without %) as TIMESTAMP_NTZ.

    With an offset in the format, the instant in UTC; without one, the wall-clock time as written
    (the text is read as UTC, so the session time zone never shifts it, even in a daylight-saving gap).
    """
    from pyspark.sql import functions as F

    def literal(text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def utc_wall_clock(instant: str) -> str:
        return f"timestampadd(MICROSECOND, unix_micros({instant}), {_EPOCH_NTZ})"

    if "%" in fmt:
        pattern = spark_pattern(fmt)
        offsets = ("XXX", "XX") if "%z" in fmt else ()  # strftime's %z reads +02:00, +0200 and Z
        patterns = [pattern.replace("XXX", o) for o in offsets] or [pattern]
        has_offset = bool(offsets)
    else:
        patterns, has_offset = [fmt], bool(_OFFSET_LETTERS.search(re.sub(r"'[^']*'", "", fmt)))
    if has_offset:
        reads = [utc_wall_clock(f"try_to_timestamp({text_sql}, {literal(p)})") for p in patterns]
    else:
        reads = [utc_wall_clock(f"try_to_timestamp(concat({text_sql}, '+00:00'), {literal(p + 'XXX')})") for p in patterns]
    return F.expr(reads[0] if len(reads) == 1 else f"coalesce({', '.join(reads)})")


def _date(renamed: Any, kind: Any, source: str, date_format: str | None, dayfirst: bool | None, na_values: tuple[str, ...]) -> Any:
    """Spark: the date column as TIMESTAMP_NTZ, by the lab's one date policy (see the module's note)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if isinstance(kind, T.TimestampNTZType):
        return F.col("`date`")
    if isinstance(kind, T.TimestampType):
        # An instant: its wall-clock time in UTC, as the Polars and pandas readers read a
        # time-zone-aware column. (A plain cast would use the session time zone.)
        return F.expr(f"timestampadd(MICROSECOND, unix_micros(`date`), {_EPOCH_NTZ})")
    if isinstance(kind, T.DateType):
        return F.col("`date`").cast("timestamp_ntz")
    if isinstance(kind, (T.DoubleType, T.FloatType)):  # whole numbers as their digits, as the other readers
        text_sql = "CASE WHEN `date` % 1 = 0 THEN CAST(CAST(`date` AS BIGINT) AS STRING) ELSE CAST(`date` AS STRING) END"
    elif isinstance(kind, (T.StringType, T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.DecimalType, T.BooleanType)):
        text_sql = _strip("date")
    else:
        return F.lit(None).cast("timestamp_ntz")  # not a date (a binary, a struct...): unparseable
    def count_reads(candidates: list[str], pairs: list[tuple[str, str]]) -> tuple[dict, dict]:
        reads = {f: _parse_with(text_sql, f) for f in candidates}
        row = renamed.agg(  # one Spark job over the date column
            *[F.sum(reads[f].isNotNull().cast("long")) for f in candidates],
            *[F.sum(F.coalesce(reads[a] != reads[b], F.lit(False)).cast("long")) for a, b in pairs],
        ).first()
        counts = [int(n or 0) for n in row]
        return dict(zip(candidates, counts[: len(candidates)])), dict(zip(pairs, counts[len(candidates) :]))

    def example(a: str, b: str) -> Any:
        return renamed.where(_parse_with(text_sql, a) != _parse_with(text_sql, b)).select(F.expr(text_sql)).limit(1).collect()[0][0]

    fmt = date_format
    if fmt is None:
        text = _not_missing(F.expr(text_sql), na_values)
        sample: list[str] = []
        for part in (renamed.limit(SAMPLE_ROWS), renamed):  # the first rows; the whole column if they hold no date
            values = [r[0] for r in part.select(text.alias("d")).where(F.col("d").isNotNull()).limit(SAMPLE_ROWS).collect()]
            sample = list(dict.fromkeys(values))[:SAMPLE_SIZE]
            if sample:
                break
        fmt = infer_date_format(sample, dayfirst=dayfirst, column="date", source=source, count_reads=count_reads, example=example)
        if fmt is None:
            return F.lit(None).cast("timestamp_ntz")  # nothing reads: every present date is unparseable
    return _parse_with(text_sql, fmt)


def _strip(column: str) -> str:
    """SQL: the column as a string without surrounding whitespace of any kind (tabs, newlines,
    no-break and other Unicode spaces), as Polars' ``str.strip_chars()``; ``trim`` strips spaces only."""
    return f"regexp_replace(CAST(`{column}` AS STRING), '(?U)^\\\\s+|\\\\s+$', '')"


def _check(raw: Any, typed_cols: dict, present: list[str], source: str, na_values: tuple[str, ...] = MISSING_VALUES) -> None:
    """One Spark job counting problems; on any, a second fetching the first offending rows.

    The checks are the table's row checks (:func:`crmlab.data.schema.row_checks`), written in Spark SQL.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    t = {c: F.col(f"_t_{c}") for c in present}
    inf = F.lit(float("inf"))
    raw_types = {f.name: f.dataType for f in raw.schema.fields}

    def condition(name: str, column: str) -> Any:
        """A condition of :func:`crmlab.data.schema.row_checks` in Spark (no ``isinf``: compared with ±infinity)."""
        if name == "unread":  # written (a missing marker is no value) but null after the cast
            written = F.col(f"`{column}`").isNotNull()
            if isinstance(raw_types[column], T.StringType):
                written = _not_missing(F.expr(_strip(column)), na_values).isNotNull()
            return written & t[column].isNull()
        value = t[column]
        return {
            "null": value.isNull(),
            "empty": value == "",
            "nan": F.isnan(value),
            "negative": value < 0,
            "infinite": (value == inf) | (value == -inf),
        }[name]

    text_ids = isinstance(raw_types["customer_id"], T.StringType)
    checks = {
        check: functools.reduce(operator.or_, [condition(name, check[0]) for name in conditions])
        for check, conditions in row_checks(present, text_ids).items()
    }
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
            seen = shown(message, r["raw"])  # a missing id shows what was written: ('NA'), (''), (None)
            problems.append(Problem(seen.message, row=int(position), column=column, value=seen.value))
    problems.sort(key=lambda p: p.row)
    raise DataError(source, problems, n_problems=total)
