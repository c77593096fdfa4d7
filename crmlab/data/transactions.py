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

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import polars as pl
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
            dates = pd.to_datetime(text, errors="coerce", format=date_format)
            report("date", raw, dates, "unparseable date")
        out["date"] = dates.astype("datetime64[ns]")
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
) -> pl.LazyFrame:
    """The canonical transactions as a Polars LazyFrame, scanning files lazily.

    For a Parquet or CSV path (globs allowed) nothing is loaded into memory
    up front: the file is scanned lazily, columns renamed and cast, and, with
    ``validate=True``, one streaming pass counts the same problems
    :func:`read_transactions` reports (missing ids, unparseable dates, missing,
    non-numeric, negative or non-finite amounts). If there are any, the first
    offending rows are collected into a :class:`DataError`. In-memory frames go
    through :func:`read_transactions`.

    >>> lf = scan_transactions(pd.DataFrame({"customer_id": ["a"], "date": ["2021-01-01"], "amount": [3.0]}))
    >>> lf.collect().columns
    ['customer_id', 'date', 'amount']
    """
    if isinstance(source, (pd.DataFrame, pl.DataFrame, pl.LazyFrame)):
        return pl.from_pandas(read_transactions(source, columns=columns, date_format=date_format)).lazy()
    path = Path(source)
    text = str(source)
    suffix = _suffix(path)
    is_glob = any(ch in text for ch in "*?[")
    if not is_glob:
        if not path.exists():
            raise DataError(text, [Problem("file not found")])
        if path.stat().st_size == 0:
            raise DataError(text, [Problem("file is empty")])
        record_data_file(path)
    if suffix in PARQUET_SUFFIXES:
        raw = pl.scan_parquet(text)
    elif suffix in CSV_SUFFIXES + TSV_SUFFIXES:
        sep = "\t" if suffix in TSV_SUFFIXES else ","
        raw = pl.scan_csv(text, separator=sep, infer_schema=False)
    else:
        raise DataError(text, [Problem(f"unsupported file type {suffix or '(none)'!r} for a lazy scan (CSV or Parquet)")])
    names = raw.collect_schema().names()
    frame = _apply_mapping(pd.DataFrame(columns=names), columns, text)  # checks the mapping only
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(text, [Problem(f"missing required column (the data has: {', '.join(names)})", column=c) for c in missing])
    renamed = raw.rename(dict(columns or {})).select([c for c in CANONICAL_COLUMNS if c in frame.columns])
    schema = renamed.collect_schema()

    fmt = date_format
    if fmt is None and schema["date"] == pl.String:
        # Infer the format from the first date, as pandas does in read_transactions,
        # so both readers read "01/02/2021" the same way and reject the same mixtures.
        first = renamed.select(pl.col("date").drop_nulls().str.strip_chars().first()).collect().item()
        fmt = guess_datetime_format(first) if first else None

    def as_datetime(col: str) -> pl.Expr:
        if schema[col] in (pl.String,):
            return pl.col(col).str.strip_chars().str.strptime(pl.Datetime("ns"), format=fmt, strict=False, exact=True)
        return pl.col(col).cast(pl.Datetime("ns"), strict=False)

    casts = [
        pl.col("customer_id").cast(pl.String).str.strip_chars(),
        as_datetime("date").alias("date"),
        pl.col("amount").cast(pl.Float64, strict=False),
    ]
    casts += [pl.col(c).cast(pl.String) for c in ("channel", "category") if c in schema]
    casts += [pl.col("quantity").cast(pl.Float64, strict=False)] if "quantity" in schema else []
    typed = renamed.with_columns(casts)
    if validate:
        _check_lazy(renamed, typed, text)
    return typed


def _check_lazy(raw: pl.LazyFrame, typed: pl.LazyFrame, source: str) -> None:
    """One streaming pass for problems; on any, collect the first offending rows into a DataError."""
    checks = {
        ("customer_id", "missing value"): pl.col("customer_id").is_null() | (pl.col("customer_id") == ""),
        ("date", "unparseable or missing date"): pl.col("date").is_null(),
        ("amount", "missing or non-numeric amount"): pl.col("amount").is_null() | pl.col("amount").is_nan(),
        ("amount", "negative value"): pl.col("amount") < 0,
        ("amount", "not a finite number"): pl.col("amount").is_infinite(),
    }
    if "quantity" in typed.collect_schema():
        checks[("quantity", "non-numeric, negative or non-finite quantity")] = (
            pl.col("raw_quantity").is_not_null() & pl.col("quantity").is_null()
        ) | (pl.col("quantity") < 0) | pl.col("quantity").is_nan() | pl.col("quantity").is_infinite()
    joined = pl.concat([typed, raw.select(pl.all().name.prefix("raw_"))], how="horizontal").with_row_index("row", offset=1)
    counts = joined.select([expr.sum().alias(f"{i}") for i, expr in enumerate(checks.values())]).collect(engine="streaming")
    n_rows = joined.select(pl.len()).collect(engine="streaming").item()
    if n_rows == 0:
        raise DataError(source, [Problem("no rows")])
    total = int(sum(counts.row(0)))
    if total == 0:
        return
    problems = []
    for (i, ((column, message), expr)) in enumerate(checks.items()):
        if counts.item(0, i):
            bad = joined.filter(expr).select("row", f"raw_{column}").head(MAX_PROBLEMS_SHOWN).collect()
            problems += [Problem(message, row=r, column=column, value=v) for r, v in bad.iter_rows()]
    problems.sort(key=lambda p: p.row)
    raise DataError(source, problems, n_problems=total)
