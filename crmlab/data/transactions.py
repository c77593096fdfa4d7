"""The canonical transactions table: its schema, reader and validation.

Every customer-base analysis in crmlab starts from one tidy table, one row per
purchase:

========== ============== =====================================================
column     type           meaning
========== ============== =====================================================
customer_id string         who bought (required)
date        datetime64[ns] when (required; day level or finer)
amount      float64 >= 0   what it was worth, in money (required)
channel     string         acquisition channel of the customer (optional)
quantity    float64 >= 0   units bought (optional)
category    string         product category (optional)
========== ============== =====================================================

:func:`read_transactions` reads a CSV/TSV/Parquet file or a DataFrame into that
table. Values are coerced column by column (so an unparseable date or a
non-numeric amount is reported with its value), then checked against
:data:`TRANSACTIONS_SCHEMA` (pandera). All problems are collected, and one
:class:`~crmlab.data.errors.DataError` names the file, rows, columns and values.
"""

from __future__ import annotations

import functools
import glob
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

with warnings.catch_warnings():
    # pandera imports pyspark.pandas when PySpark is installed (the optional Spark engine), and
    # PySpark warns on import that it does not yet fully support pandas 3: not about crmlab's use.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
    import pandera.pandas as pa
from pandas.tseries.api import guess_datetime_format

from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.datalog import record_data_file

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "date", "amount")
OPTIONAL_COLUMNS: tuple[str, ...] = ("channel", "quantity", "category")
CANONICAL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: File suffixes read_transactions understands, and how.
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")
TSV_SUFFIXES = (".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")

_finite = pa.Check(lambda s: np.isfinite(s), error="not finite")

#: The value checks of the canonical table, applied after type coercion.
TRANSACTIONS_SCHEMA = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "date": pa.Column("datetime64[ns]", nullable=False),
        "amount": pa.Column(float, [pa.Check.ge(0), _finite], nullable=False),
        "channel": pa.Column(str, nullable=True, required=False),
        "quantity": pa.Column(float, [pa.Check.ge(0), _finite], nullable=True, required=False),
        "category": pa.Column(str, nullable=True, required=False),
    },
    strict=True,
    name="transactions",
)

# How pandera's check names read to a person.
_CHECK_MESSAGES = {
    "not_nullable": "missing value",
    "str_length(1, None)": "empty value",
    "greater_than_or_equal_to(0)": "negative value",
    "not finite": "not a finite number",
}


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in CSV_SUFFIXES + TSV_SUFFIXES + PARQUET_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _read_file(path: Path) -> pd.DataFrame:
    """Read a file with every value as found (CSV cells as strings), or raise DataError."""
    source = str(path)
    if not path.exists():
        raise DataError(source, [Problem("file not found")])
    if path.is_dir():
        raise DataError(source, [Problem("is a folder, not a file")])
    suffix = _suffix(path)
    known = CSV_SUFFIXES + TSV_SUFFIXES + PARQUET_SUFFIXES
    if suffix not in known:
        raise DataError(
            source,
            [Problem(f"unsupported file type {suffix or '(none)'!r}; expected one of {', '.join(known)}")],
        )
    if path.stat().st_size == 0:
        raise DataError(source, [Problem("file is empty")])
    try:
        if suffix in PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        else:
            sep = "\t" if suffix in TSV_SUFFIXES else ","
            # Strings everywhere: coercion below reports each bad cell with its value.
            # A row with more cells than the header is an error, not silently truncated.
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(path, sep=sep, dtype=str, skipinitialspace=True, index_col=False)
    except UnicodeDecodeError as exc:
        raise DataError(source, [Problem(f"not a UTF-8 text file ({exc.reason})")]) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(source, [Problem("file is empty")]) from exc
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise DataError(source, [Problem(f"cannot parse as {suffix} ({exc})")]) from exc
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) on non-Parquet
        raise DataError(source, [Problem(f"cannot read as {suffix} ({exc})")]) from exc
    return frame


def _apply_mapping(frame: pd.DataFrame, columns: Mapping[str, str] | None, source: str) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).strip())
    if not columns:
        return frame
    problems = []
    for user, canonical in columns.items():
        if canonical not in CANONICAL_COLUMNS:
            problems.append(
                Problem(
                    f"columns= maps {user!r} to {canonical!r}, which is not a canonical column "
                    f"({', '.join(CANONICAL_COLUMNS)})"
                )
            )
        elif user not in frame.columns:
            problems.append(
                Problem(f"columns= names {user!r}, which is not in the data (has: {', '.join(map(str, frame.columns))})")
            )
    if problems:
        raise DataError(source, problems)
    return frame.rename(columns=dict(columns))


def _as_string(values: pd.Series) -> pd.Series:
    """Identifiers and labels as strings; integral floats (1.0 from a NaN-holding int column) as '1'."""
    if pd.api.types.is_float_dtype(values) and np.all(np.mod(values.dropna(), 1) == 0):
        values = values.astype("Int64")
    out = values.astype("str").str.strip()
    out[values.isna()] = None
    return out.astype("str")


def _coerce(frame: pd.DataFrame, labels: pd.Index, date_format: str | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Coerce each canonical column to its type; report every value that does not convert."""
    problems: list[Problem] = []
    out = {}

    def report(column: str, raw: pd.Series, converted: pd.Series, what: str) -> None:
        bad = raw.notna() & converted.isna()
        if isinstance(raw.dtype, pd.StringDtype) or raw.dtype == object:
            bad &= raw.astype("str").str.strip().ne("")
        for pos in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem(what, row=labels[pos], column=column, value=raw.iloc[pos]))

    for column in ("customer_id", "channel", "category"):
        if column in frame:
            out[column] = _as_string(frame[column])
    if "date" in frame:
        raw = frame["date"]
        if pd.api.types.is_datetime64_any_dtype(raw):
            dates = raw.dt.tz_convert(None) if getattr(raw.dt, "tz", None) is not None else raw
        else:
            text = raw.astype("str").str.strip() if not pd.api.types.is_numeric_dtype(raw) else raw.astype("str")
            fmt = date_format
            if fmt is None:
                first = text[raw.notna() & text.ne("")]
                fmt = guess_datetime_format(first.iloc[0]) if len(first) else None
            # Dates with a UTC offset ('Z', '+02:00'): the instant in UTC, without a time zone.
            dates = pd.to_datetime(text, errors="coerce", format=fmt, utc=bool(fmt and "%z" in fmt))
            if getattr(dates.dt, "tz", None) is not None:
                dates = dates.dt.tz_convert(None)
            report("date", raw, dates, "unparseable date")
        # The canonical dates are datetime64[ns], 1677-09-21 00:12 to 2262-04-11 23:47 (pandas reads more).
        outside = (dates.notna() & ((dates < pd.Timestamp.min) | (dates > pd.Timestamp.max))).to_numpy()
        for pos in np.flatnonzero(outside):
            what = "date outside the supported range (1677-09-21 00:12 to 2262-04-11 23:47, datetime64[ns])"
            problems.append(Problem(what, row=labels[pos], column="date", value=raw.iloc[pos]))
        out["date"] = dates.mask(outside).astype("datetime64[ns]")
    for column in ("amount", "quantity"):
        if column in frame:
            raw = frame[column]
            numbers = pd.to_numeric(raw, errors="coerce") if not pd.api.types.is_numeric_dtype(raw) else raw
            report(column, raw, numbers, "not a number")
            out[column] = numbers.astype("float64")
    ordered = {c: out[c] for c in CANONICAL_COLUMNS if c in out}
    return pd.DataFrame(ordered, index=frame.index), problems


def _schema_problems(frame: pd.DataFrame, labels: pd.Index, already: set[tuple[Any, str]]) -> list[Problem]:
    """Run the pandera schema and translate its failure cases into Problems."""
    try:
        with warnings.catch_warnings():  # pandera's first validation imports pyspark.pandas (see the import above)
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
            TRANSACTIONS_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    problems = []
    for case in cases.itertuples(index=False):
        pos = case.index
        row = labels[int(pos)] if pos is not None and not pd.isna(pos) else None
        if (row, case.column) in already:  # already reported as unconvertible
            continue
        message = _CHECK_MESSAGES.get(str(case.check), str(case.check))
        value = None if pd.isna(case.failure_case) else case.failure_case
        problems.append(Problem(message, row=row, column=case.column, value=value))
    return problems


def validate_transactions(
    frame: pd.DataFrame,
    *,
    source: str = "DataFrame",
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    row_labels: pd.Index | None = None,
) -> pd.DataFrame:
    """Coerce and check a raw frame into the canonical transactions table, or raise DataError.

    Parameters
    ----------
    frame : pandas.DataFrame
        Raw data, values as found (strings, numbers or datetimes).
    source : str
        What to call the data in messages (a file path, or "DataFrame").
    columns : mapping, optional
        The user's column names → canonical names, e.g. ``{"cust": "customer_id"}``.
    date_format : str, optional
        A strftime format for the dates (e.g. ``"%Y%m%d"``); default: inferred,
        and every date must then follow the same format.
    row_labels : pandas.Index, optional
        How to name rows in messages; default the frame's index.

    Returns
    -------
    pandas.DataFrame
        The canonical columns present, sorted by customer_id and date, with a
        fresh RangeIndex.

    >>> raw = pd.DataFrame({"cust": ["b", "a"], "day": ["2021-01-02", "2021-01-01"], "amount": ["5", "7.5"]})
    >>> validate_transactions(raw, columns={"cust": "customer_id", "day": "date"})
      customer_id       date  amount
    0           a 2021-01-01     7.5
    1           b 2021-01-02     5.0
    """
    frame = _apply_mapping(frame, columns, source)
    labels = frame.index if row_labels is None else row_labels
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "(none)"
        raise DataError(
            source,
            [Problem(f"missing required column (the data has: {have}; map yours with columns=)", column=c) for c in missing],
        )
    if len(frame) == 0:
        raise DataError(source, [Problem("no rows")])
    frame = frame[[c for c in CANONICAL_COLUMNS if c in frame.columns]]
    coerced, problems = _coerce(frame.reset_index(drop=True), pd.Index(labels), date_format)
    already = {(p.row, p.column) for p in problems}
    problems += _schema_problems(coerced, pd.Index(labels), already)
    if problems:
        problems.sort(key=lambda p: (str(p.row) if not isinstance(p.row, (int, np.integer)) else f"{p.row:020d}"))
        raise DataError(source, problems[: 10 * MAX_PROBLEMS_SHOWN], n_problems=len(problems))
    return coerced.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)


def read_transactions(
    source: str | os.PathLike[str] | pd.DataFrame | pl.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Read transactions from a CSV/TSV/Parquet file or a DataFrame into the canonical table.

    The canonical transactions table (one row per purchase) has ``customer_id``,
    ``date`` and ``amount``, and optionally ``channel``, ``quantity`` and
    ``category``; other columns are dropped. Bad input raises
    :class:`~crmlab.data.DataError` listing every problem found (file, row,
    column, value): missing columns, unparseable dates, non-numeric, negative or
    missing amounts, empty files, unknown file types, files not found.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv``, ``.csv.gz``, ``.txt`` (comma-separated), ``.tsv``, ``.parquet``;
        or a pandas / Polars DataFrame.
    columns : mapping, optional
        Your column names → canonical ones, e.g.
        ``{"CustomerID": "customer_id", "InvoiceDate": "date", "Revenue": "amount"}``.
    date_format : str, optional
        strftime format of the dates when they are text (default: inferred).

    Returns
    -------
    pandas.DataFrame
        Sorted by ``customer_id`` then ``date``. Row numbers in errors are
        1-based data rows of the file (the first row under the header is row 1),
        or index labels for a DataFrame.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tx.csv"
    >>> _ = path.write_text("customer_id,date,amount\\nA,2021-01-05,10\\nA,2021-01-01,-2\\n")
    >>> read_transactions(path)
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: .../tx.csv: 1 problem
      row 2, column 'amount': negative value (-2.0)
    """
    if isinstance(source, pl.LazyFrame):
        source = source.collect()
    if isinstance(source, pl.DataFrame):
        source = source.to_pandas()
    if isinstance(source, pd.DataFrame):
        return validate_transactions(source, columns=columns, date_format=date_format)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"read_transactions takes a file path or a DataFrame, not {type(source).__name__}")
    path = Path(source)
    frame = _read_file(path)
    record_data_file(path)
    rows = pd.RangeIndex(1, len(frame) + 1)
    return validate_transactions(frame, source=str(source), columns=columns, date_format=date_format, row_labels=rows)


def scan_transactions(
    source: str | os.PathLike[str] | pd.DataFrame | pl.DataFrame | pl.LazyFrame,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    validate: bool = True,
    strip_ids: bool = True,
) -> pl.LazyFrame:
    """The canonical transactions as a Polars LazyFrame, scanning files lazily.

    For a Parquet or CSV path (globs allowed), a Polars DataFrame or a
    LazyFrame, nothing is loaded into memory up front: the data is scanned
    lazily, columns renamed and cast, and, with ``validate=True``, one
    streaming pass counts the same problems :func:`read_transactions` reports
    (missing ids, unparseable dates, missing, non-numeric, negative or
    non-finite amounts). If there are any, the first offending rows are
    collected into a :class:`DataError` (rows of a file count from 1, the
    first row under the header; rows of a Polars frame from 0). A CSV row the
    parser cannot read (more cells than the header, an unclosed quote) is
    located by a second pass over the lines and reported with its row number,
    instead of the parser's own error. Over a glob, a problem names its file
    and its row within that file (``row 2 of exports/p2.csv``); a glob that
    matches nothing, or Parquet parts with different schemas, is a DataError
    naming the pattern. Values are coerced as :func:`read_transactions` does:
    ids and labels stripped, integral float ids as integers, integer dates
    read as their digits (yyyymmdd), dates with a UTC offset as the instant
    in UTC. pandas frames go through :func:`read_transactions` (pandera).

    ``strip_ids=False`` leaves the surrounding whitespace of customer ids
    (with ``validate=False`` only): for a computation that groups by
    customer and strips the ids of its one-row-per-customer result instead
    of every row.

    >>> lf = scan_transactions(pd.DataFrame({"customer_id": ["a"], "date": ["2021-01-01"], "amount": [3.0]}))
    >>> lf.collect().columns
    ['customer_id', 'date', 'amount']
    """
    if isinstance(source, pd.DataFrame):
        return pl.from_pandas(read_transactions(source, columns=columns, date_format=date_format)).lazy()
    csv_sep, is_glob, scan_files = None, False, None
    if isinstance(source, (pl.DataFrame, pl.LazyFrame)):
        raw, text, first_row = source.lazy(), "DataFrame", 0
    elif not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"scan_transactions takes a file path, a glob or a DataFrame, not {type(source).__name__}")
    else:
        path = Path(source)
        text, first_row = str(source), 1
        suffix = _suffix(path)
        is_glob = any(ch in text for ch in "*?[")
        if not is_glob:
            if not path.exists():
                raise DataError(text, [Problem("file not found")])
            if path.stat().st_size == 0:
                raise DataError(text, [Problem("file is empty")])
            record_data_file(path)
        elif "://" not in text and not glob.glob(text, recursive=True):
            raise DataError(text, [Problem("no file matches the pattern")])
        if suffix in PARQUET_SUFFIXES:
            scan_files = functools.partial(pl.scan_parquet, text)
        elif suffix in CSV_SUFFIXES + TSV_SUFFIXES:
            csv_sep = "\t" if suffix in TSV_SUFFIXES else ","
            scan_files = functools.partial(pl.scan_csv, text, separator=csv_sep, infer_schema=False)
        else:
            raise DataError(text, [Problem(f"unsupported file type {suffix or '(none)'!r} for a lazy scan (CSV or Parquet)")])
        raw = scan_files()
    try:
        names = raw.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    frame = _apply_mapping(pd.DataFrame(columns=names), columns, text)  # checks the mapping only
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(text, [Problem(f"missing required column (the data has: {', '.join(names)})", column=c) for c in missing])
    keep = [c for c in CANONICAL_COLUMNS if c in frame.columns]
    renamed = raw.rename(dict(columns or {})).select(keep)
    try:
        casts = _lazy_casts(renamed, date_format, strip_ids)
    except pl.exceptions.PolarsError as exc:
        raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    typed = renamed.with_columns(casts)
    if validate:
        # A glob's rows are named by file and row within the file: the file paths are scanned
        # only on this error path (when there are problems to locate).
        def with_files() -> tuple[pl.LazyFrame, pl.LazyFrame]:
            scanned = scan_files(include_file_paths="_file").rename(dict(columns or {})).select(*keep, "_file")
            return scanned.drop("_file"), scanned.with_columns(casts)

        try:
            _check_lazy(renamed, typed, text, first_row, with_files if is_glob and scan_files is not None else None)
        except pl.exceptions.ComputeError as exc:
            if csv_sep is None:
                raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
            raise _csv_layout_error(text, csv_sep, len(names), exc) from None
        except pl.exceptions.SchemaError as exc:
            what = "the files do not all have the same columns and types" if is_glob else "cannot read"
            raise DataError(text, [Problem(f"{what} ({_first_line(exc)})")]) from None
        except pl.exceptions.PolarsError as exc:
            raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    return typed


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _lazy_casts(renamed: pl.LazyFrame, date_format: str | None, strip_ids: bool) -> list[pl.Expr]:
    """The lazy reader's casts to the canonical types, matching :func:`read_transactions`'s coercions.

    As the pandas reader (``_coerce``): ids and labels as stripped strings, integral floats as
    integer strings ('1', not '1.0'); numeric dates read as their digits (20210131 with the
    format inferred from the first, e.g. ``%Y%m%d``); dates with a UTC offset (text or a
    time-zone-aware column) as the instant in UTC without a time zone.
    """
    schema = renamed.collect_schema()
    date_type = schema["date"]
    date_text = pl.col("date").cast(pl.String) if date_type.is_numeric() else pl.col("date")

    fmt = date_format
    if fmt is None and (date_type == pl.String or date_type.is_numeric()):
        # Infer the format from the first date, as pandas does in read_transactions,
        # so both readers read "01/02/2021" the same way and reject the same mixtures.
        first = renamed.select(date_text.drop_nulls().str.strip_chars().first()).collect().item()
        fmt = guess_datetime_format(first) if first else None

    if date_type == pl.String or date_type.is_numeric():
        offset = fmt is not None and "%z" in fmt
        # Polars' %z does not read "Z" (UTC), pandas' does; %#z reads both "Z" and "+02:00".
        pl_fmt = fmt.replace("%z", "%#z") if offset else fmt
        if pl_fmt is not None:  # pandas' ".%f" (a fraction of up to 9 digits) is chrono's "%.f"
            pl_fmt = pl_fmt.replace(".%f", "%.f")
        date = date_text.str.strip_chars().str.strptime(pl.Datetime("ns"), format=pl_fmt, strict=False, exact=True)
        if offset:  # the instant in UTC, without a time zone (as pandas with utc=True)
            date = date.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    elif isinstance(date_type, pl.Datetime) and date_type.time_zone is not None:
        # as read_transactions does with pandas: the instant in UTC, without a time zone
        date = pl.col("date").dt.convert_time_zone("UTC").dt.replace_time_zone(None).cast(pl.Datetime("ns"))
    else:
        date = pl.col("date").cast(pl.Datetime("ns"), strict=False)

    def as_string(column: str, strip: bool = True) -> pl.Expr:
        col = pl.col(column)
        if schema[column].is_float():
            # pandas' _as_string: a float column whose values are all integral (1.0 from a
            # NaN-holding int column) reads as integers; NaN is missing.
            integral = renamed.select(((col % 1 == 0) | col.is_nan() | col.is_null()).all()).collect(engine="streaming").item()
            col = col.fill_nan(None)
            out = col.cast(pl.Int64).cast(pl.String) if integral else col.cast(pl.String)
        else:
            out = col.cast(pl.String)
        return out.str.strip_chars() if strip else out

    casts = [
        as_string("customer_id", strip_ids).alias("customer_id"),
        date.alias("date"),
        pl.col("amount").cast(pl.Float64, strict=False),
    ]
    casts += [as_string(c).alias(c) for c in ("channel", "category") if c in schema]
    casts += [pl.col("quantity").cast(pl.Float64, strict=False)] if "quantity" in schema else []
    return casts


def csv_layout_error(source: Any) -> DataError | None:
    """The rows of a CSV/TSV path or glob that the parser cannot split, as a DataError; None if there are none.

    For a parser failure seen while computing (not while validating): Polars splits a CSV file into
    chunks read in parallel, and where a quote is left open the split, and so whether a given pass
    fails, can differ from pass to pass. Counting separators and quotes line by line does not.
    Anything but a CSV/TSV path gives None.
    """
    if not isinstance(source, (str, os.PathLike)):
        return None
    text = str(source)
    suffix = _suffix(Path(text))
    if suffix not in CSV_SUFFIXES + TSV_SUFFIXES:
        return None
    sep = "\t" if suffix in TSV_SUFFIXES else ","
    try:
        n_fields = len(pl.scan_csv(text, separator=sep, infer_schema=False, n_rows=0).collect_schema())
    except pl.exceptions.PolarsError:
        return None
    error = _csv_layout_error(text, sep, n_fields, None)
    return error if error.problems and error.problems[0].row is not None else None


def _csv_layout_error(source: str, sep: str, n_fields: int, exc: Exception | None) -> DataError:
    """The rows of a CSV file (or glob) the parser could not split, found by counting separators per line.

    Run only after the parser failed. A line is reported if it has more cells
    than the header (counted as separators + 1 outside double quotes) or an
    odd number of double quotes (an unclosed quoted cell). Data rows count
    from 1 under the header, as everywhere; a quoted cell holding a line break
    would shift the count (files of one purchase per line do not have them).
    """
    lines = pl.scan_csv(
        source, has_header=False, separator="\x1f", quote_char=None, new_columns=["line"], infer_schema=False,
        include_file_paths="file",
    ).with_row_index("line_no")
    unquoted = pl.col("line").str.replace_all(r'"[^"]*"', "")
    n_quotes = pl.col("line").str.count_matches('"', literal=True)
    bad = (
        lines.with_columns(
            (unquoted.str.count_matches(sep, literal=True) + 1).alias("cells"), (n_quotes % 2 == 1).alias("open_quote")
        )
        .with_columns(pl.col("line_no").rank("ordinal").over("file").alias("row"))
        .with_columns(pl.col("row") - 1)  # the first line of each file is its header
        .filter((pl.col("row") >= 1) & ((pl.col("cells") > n_fields) | pl.col("open_quote")))
    )
    n_bad = bad.select(pl.len()).collect(engine="streaming").item()
    first = bad.head(MAX_PROBLEMS_SHOWN).collect(engine="streaming")
    problems = []
    is_glob = any(ch in source for ch in "*?[")
    for row, cells, open_quote, line, file in first.select("row", "cells", "open_quote", "line", "file").iter_rows():
        shown = line if len(line) <= 80 else line[:77] + "..."
        row = _FileRow(row, file) if is_glob else int(row)  # a glob's rows: the file, and the row within it
        if open_quote:
            problems.append(Problem("unclosed quote: the row cannot be split into cells", row=row, value=shown))
        else:
            problems.append(Problem(f"{cells} cells where the header has {n_fields}", row=row, value=shown))
    if not problems:
        problems = [Problem(f"cannot parse as CSV ({str(exc).splitlines()[0] if exc else 'unknown reason'})")]
    return DataError(source, problems, n_problems=max(n_bad, len(problems)))


def required_column_checks() -> dict[tuple[str, str], pl.Expr]:
    """The lazy reader's checks of the required columns after casting: (column, message) → true where bad.

    >>> sorted({column for column, _ in required_column_checks()})
    ['amount', 'customer_id', 'date']
    """
    return {
        ("customer_id", "missing value"): pl.col("customer_id").is_null() | (pl.col("customer_id") == ""),
        ("date", "unparseable or missing date"): pl.col("date").is_null(),
        ("amount", "missing or non-numeric amount"): pl.col("amount").is_null() | pl.col("amount").is_nan(),
        ("amount", "negative value"): pl.col("amount") < 0,
        ("amount", "not a finite number"): pl.col("amount").is_infinite(),
    }


def bad_required_row() -> pl.Expr:
    """True for a row failing any of :func:`required_column_checks` (null-safe), to count bad rows in a query.

    Lets a computation over the canonical columns count problems in its own pass over the data
    (``bad_required_row().sum()`` in its aggregation) instead of a separate validation pass, and
    call :func:`scan_transactions` with ``validate=True`` for the detailed error only if there are any.

    >>> pl.DataFrame({"customer_id": ["a", ""], "date": [None, None], "amount": [1.0, -1.0]}).select(
    ...     bad_required_row().fill_null(True)).to_series().to_list()
    [True, True]
    """
    return pl.any_horizontal(*[expr.fill_null(True) for expr in required_column_checks().values()])


def _check_lazy(raw: pl.LazyFrame, typed: pl.LazyFrame, source: str, first_row: int = 1, file_scan=None) -> None:
    """One streaming pass for problems; on any, collect the first offending rows into a DataError.

    ``file_scan`` (for a glob): a function returning the raw and typed scans with a ``_file``
    column, so that each problem names its file and its row within that file.
    """
    checks = required_column_checks()
    if "quantity" in typed.collect_schema():
        checks[("quantity", "non-numeric, negative or non-finite quantity")] = (
            pl.col("raw_quantity").is_not_null() & pl.col("quantity").is_null()
        ) | (pl.col("quantity") < 0) | pl.col("quantity").is_nan() | pl.col("quantity").is_infinite()
    joined = pl.concat([typed, raw.select(pl.all().name.prefix("raw_"))], how="horizontal").with_row_index("row", offset=first_row)
    # One pass: the problem counts and the number of rows together.
    counted = joined if "quantity" in typed.collect_schema() else typed  # the quantity check needs the raw value
    counts = counted.select(pl.len().alias("n"), *[expr.sum().alias(f"{i}") for i, expr in enumerate(checks.values())])
    counts = counts.collect(engine="streaming")
    n_rows = counts.item(0, "n")
    counts = counts.drop("n")
    if n_rows == 0:
        raise DataError(source, [Problem("no rows")])
    total = int(sum(counts.row(0)))
    if total == 0:
        return
    offsets = None
    if file_scan is not None:
        raw_f, typed_f = file_scan()
        joined = pl.concat([typed_f, raw_f.select(pl.all().name.prefix("raw_"))], how="horizontal").with_row_index("row")
        # The first global row of each file (files are read in order): row within the file = row − offset.
        offsets = dict(joined.group_by("_file").agg(pl.col("row").min()).collect(engine="streaming").iter_rows())
    problems = []
    for (i, ((column, message), expr)) in enumerate(checks.items()):
        if counts.item(0, i):
            if offsets is None:
                bad = joined.filter(expr).select("row", f"raw_{column}").head(MAX_PROBLEMS_SHOWN).collect()
                problems += [Problem(message, row=r, column=column, value=v) for r, v in bad.iter_rows()]
            else:
                bad = joined.filter(expr).select("row", "_file", f"raw_{column}").head(MAX_PROBLEMS_SHOWN).collect()
                problems += [
                    Problem(message, row=_FileRow(r - offsets[f] + first_row, f), column=column, value=v)
                    for r, f, v in bad.iter_rows()
                ]
    problems.sort(key=_problem_order)
    raise DataError(source, problems, n_problems=total)


class _FileRow(str):
    """A row of one file of a glob, shown as "2 of data/p2.csv"; sorts by file, then row."""

    def __new__(cls, row: int, file: str) -> "_FileRow":
        obj = super().__new__(cls, f"{row} of {file}")
        obj.file, obj.number = file, int(row)
        return obj


def _problem_order(p: Problem) -> tuple:
    return (p.row.file, p.row.number) if isinstance(p.row, _FileRow) else ("", p.row)
