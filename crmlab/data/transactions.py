"""The canonical transactions table: its schema, reader and validation.

Every customer-base analysis in crmlab starts from one tidy table, one row per
purchase:

========== ============== =====================================================
column     type           meaning
========== ============== =====================================================
customer_id string / int64 who bought (required)
date        datetime64[ns] when (required; day level or finer)
amount      float64 >= 0   what it was worth, in money (required)
channel     string         acquisition channel of the customer (optional)
quantity    float64 >= 0   units bought (optional)
category    string         product category (optional)
========== ============== =====================================================

:func:`read_transactions` reads a CSV/TSV/Parquet file or a DataFrame into that
table (pandas, here); :func:`scan_transactions` is its lazy Polars twin
(:mod:`crmlab.data.polars_reader`), and
:func:`crmlab.data.spark.spark_transactions` its Spark twin. Values are coerced
column by column (so an unparseable date or a non-numeric amount is reported
with its value), then checked by the rules declared once in
:data:`~crmlab.data.schema.TRANSACTIONS_COLUMNS`, from which each engine's
checks are derived (:mod:`crmlab.data.schema`: the pandera schema
:data:`TRANSACTIONS_SCHEMA`, the Polars and Spark row checks). All problems
are collected, and one :class:`~crmlab.data.errors.DataError` names the file,
rows, columns and values. Files are read by :mod:`crmlab.data.files`. A frame
a reader has checked is not checked again downstream (:mod:`crmlab.data.checked`).

This module is the table's front door: the pandas reader, the entry point of
every engine-neutral read (:func:`scan_transactions`), and the readers' names.

The same rules in every reader and engine:

- **Missing cells** (:mod:`crmlab.data.missing`): a null, an empty cell, or one
  of :data:`~crmlab.data.missing.MISSING_VALUES` (``NA``, ``N/A``, ``NULL``,
  ``None``, ``NaN``, …) once stripped; ``na_values=`` replaces the list (an
  empty cell stays missing). A missing id, date or amount is an error showing
  what was written (``missing value ('NA')``); a missing label is a missing
  label.
- **Dates** (:mod:`crmlab.data.dates`): one format for the whole column, given
  by ``date_format=`` or inferred from its values, ``dayfirst=`` to settle a
  column that reads both day-first and month-first (otherwise an error); dates
  without a day (``2021``, ``2021-03``) are refused.
- **Ids**: an integer-typed id column (pandas, Polars, Parquet, Spark) gives
  ``int64`` ids; any other column gives text ids, stripped (a CSV's ``007``
  stays ``007``; a float column whose values are whole numbers reads ``1``,
  not ``1.0``). Ids are ordered naturally: integers by value, text ids that are
  all plain digits by their numeric value (``2``, ``007``, ``7``, ``10``),
  other text ids as text (:func:`id_sort_keys`).
- **Columns**: a column name written twice (in a header, a Parquet schema or a
  DataFrame), or two columns mapped to one canonical name, is an error, never
  a silent choice of one of them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import polars as pl

from crmlab.data.checked import is_checked, mark_checked
from crmlab.data.dates import parse_date_column
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.files import (
    CSV_SUFFIXES,
    PARQUET_SUFFIXES,
    SNIFF_BYTES,
    TSV_SUFFIXES,
    _read_file,
    csv_layout_error,
    separator_hint,
)
from crmlab.data.missing import MISSING_VALUES, missing_cells
from crmlab.data.polars_reader import bad_required_row, id_sort_keys, required_column_checks, scan_polars
from crmlab.data.schema import (
    CANONICAL_COLUMNS,
    CHECK_MESSAGES,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TRANSACTIONS_COLUMNS,
    ColumnRule,
    _apply_mapping,
    _pandera,
    shown,
    transactions_schema,
)
from crmlab.datalog import record_data_file

if TYPE_CHECKING:
    from crmlab.data.schema import TRANSACTIONS_SCHEMA  # built on first access (the module's __getattr__)

__all__ = [
    "CANONICAL_COLUMNS",
    "CSV_SUFFIXES",
    "OPTIONAL_COLUMNS",
    "PARQUET_SUFFIXES",
    "REQUIRED_COLUMNS",
    "SNIFF_BYTES",
    "TRANSACTIONS_COLUMNS",
    "TRANSACTIONS_SCHEMA",
    "TSV_SUFFIXES",
    "ColumnRule",
    "_read_file",
    "bad_required_row",
    "csv_layout_error",
    "id_sort_keys",
    "read_transactions",
    "required_column_checks",
    "scan_transactions",
    "separator_hint",
    "validate_transactions",
]

def __getattr__(name: str) -> Any:
    """:data:`~crmlab.data.schema.TRANSACTIONS_SCHEMA`, re-exported here, built on first access (PEP 562)."""
    if name == "TRANSACTIONS_SCHEMA":
        return transactions_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _as_string(values: pd.Series) -> pd.Series:
    """Identifiers and labels as strings; integral floats (1.0 from a NaN-holding int column) as '1'."""
    if pd.api.types.is_float_dtype(values) and np.all(np.mod(values.dropna(), 1) == 0):
        values = values.astype("Int64")
    out = values.astype("str").str.strip()
    out[values.isna()] = None
    return out.astype("str")


def _is_integer_ids(values: pd.Series) -> bool:
    """Whether an id column is integer-typed (its ids stay integers): numpy or nullable ints, not booleans."""
    return pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _coerce(
    frame: pd.DataFrame,
    labels: pd.Index,
    *,
    date_format: str | None,
    dayfirst: bool | None,
    na_values: Iterable[str],
    source: str,
) -> tuple[pd.DataFrame, list[Problem], set[str]]:
    """Coerce each canonical column to its type; report every value that does not convert.

    Returns the coerced frame, the problems, and the columns whose problems are all reported
    (a whole-column date problem): the schema's checks of those are not repeated.
    """
    problems: list[Problem] = []
    done_columns: set[str] = set()
    out: dict[str, pd.Series] = {}
    missing = {column: missing_cells(frame[column], na_values).to_numpy() for column in frame.columns}

    def report(positions: np.ndarray, column: str, what: str, raw: pd.Series) -> None:
        for pos in positions:
            problem = shown(what, raw.iloc[pos])
            problems.append(Problem(problem.message, row=labels[pos], column=column, value=problem.value))

    # A missing id, date or amount: an error showing what was written ("missing value ('NA')").
    for column in REQUIRED_COLUMNS:
        report(np.flatnonzero(missing[column]), column, "missing value", frame[column])

    ids = frame["customer_id"]
    if _is_integer_ids(ids):
        if pd.api.types.is_unsigned_integer_dtype(ids) and (ids > np.iinfo(np.int64).max).any():
            problems.append(Problem("integer ids above the int64 range (9223372036854775807)", column="customer_id"))
            done_columns.add("customer_id")
            ids = ids.where(ids <= np.iinfo(np.int64).max, 0)
        out["customer_id"] = ids.astype("Int64")
    else:
        out["customer_id"] = _as_string(ids).mask(missing["customer_id"])
    for column in ("channel", "category"):
        if column in frame:
            out[column] = _as_string(frame[column]).mask(missing[column])

    raw = frame["date"]
    try:
        dates, unparseable = parse_date_column(
            raw.mask(missing["date"]) if not pd.api.types.is_datetime64_any_dtype(raw) else raw,
            column="date", source=source, date_format=date_format, dayfirst=dayfirst,
        )
    except DataError as err:  # the whole column (ambiguous day/month order, dates without a day)
        problems += err.problems
        done_columns.add("date")
        dates, unparseable = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"), pd.Series(False, index=raw.index)
    report(np.flatnonzero(unparseable.to_numpy()), "date", "unparseable date", raw)
    # The canonical dates are datetime64[ns], 1677-09-21 00:12 to 2262-04-11 23:47 (pandas reads more).
    outside = (dates.notna() & ((dates < pd.Timestamp.min) | (dates > pd.Timestamp.max))).to_numpy()
    report(np.flatnonzero(outside), "date", "date outside the supported range (1677-09-21 00:12 to 2262-04-11 23:47, datetime64[ns])", raw)
    out["date"] = dates.mask(outside).astype("datetime64[ns]")

    for column in ("amount", "quantity"):
        if column in frame:
            raw = frame[column]
            if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
                numbers = raw
            else:
                numbers = pd.to_numeric(raw.mask(missing[column]).astype(object), errors="coerce")
                report(np.flatnonzero(~missing[column] & numbers.isna().to_numpy()), column, "not a number", raw)
            out[column] = numbers.astype("float64")
    ordered = {c: out[c] for c in CANONICAL_COLUMNS if c in out}
    return pd.DataFrame(ordered, index=frame.index), problems, done_columns


def _schema_problems(frame: pd.DataFrame, labels: pd.Index, already: set[tuple[Any, str]], done_columns: set[str]) -> list[Problem]:
    """Run the pandera schema and translate its failure cases into Problems."""
    schema = transactions_schema(integer_ids=_is_integer_ids(frame["customer_id"]))  # pandera, imported on first use
    try:
        with warnings.catch_warnings():  # pandera's first validation imports pyspark.pandas (see crmlab.data.schema)
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
            schema.validate(frame, lazy=True)
    except _pandera().errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    problems = []
    for case in cases.itertuples(index=False):
        pos = case.index
        row = labels[int(pos)] if pos is not None and not pd.isna(pos) else None
        if (row, case.column) in already or case.column in done_columns:  # already reported
            continue
        message = CHECK_MESSAGES.get(str(case.check), str(case.check))
        value = None if pd.isna(case.failure_case) else case.failure_case
        problems.append(Problem(message, row=row, column=case.column, value=value))
    return problems


def _row_order(p: Problem) -> tuple:
    """Problems in row order, whole-column ones first."""
    if p.row is None:
        return (0, "")
    return (1, f"{p.row:020d}") if isinstance(p.row, (int, np.integer)) else (1, str(p.row))


def validate_transactions(
    frame: pd.DataFrame,
    *,
    source: str = "DataFrame",
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Iterable[str] = MISSING_VALUES,
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
        A strftime format for the dates (e.g. ``"%Y%m%d"``); default: inferred
        from the column (:mod:`crmlab.data.dates`), one format for every date.
    dayfirst : bool, optional
        For inferred dates that read both day-first and month-first
        (``01/03/2021``): True for day-first, False for month-first; unset, such
        a column is an error.
    na_values : iterable of str
        Cell texts read as missing, once stripped (default
        :data:`~crmlab.data.missing.MISSING_VALUES`); empty cells are missing
        whatever the list.
    row_labels : pandas.Index, optional
        How to name rows in messages; default the frame's index.

    Returns
    -------
    pandas.DataFrame
        The canonical columns present, sorted by customer_id (in natural
        order, see the module's note on ids) and date, with a fresh RangeIndex.

    >>> raw = pd.DataFrame({"cust": ["b", "a"], "day": ["2021-01-02", "2021-01-01"], "amount": ["5", "7.5"]})
    >>> validate_transactions(raw, columns={"cust": "customer_id", "day": "date"})
      customer_id       date  amount
    0           a 2021-01-01     7.5
    1           b 2021-01-02     5.0
    >>> validate_transactions(raw.assign(cust=["NA", "a"]), columns={"cust": "customer_id", "day": "date"})
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 0, column 'customer_id': missing value ('NA')

    A frame this function (or :func:`read_transactions`) returned is marked
    as checked (:mod:`crmlab.data.checked`): given again unchanged, without
    ``columns``, and with the same ``na_values``, it is passed on without a
    second check (a shallow copy, sharing its memory).
    """
    na_values = tuple(na_values)
    if not columns and is_checked(frame, na_values):  # a fresh index; the columns' memory shared (copy-on-write)
        return mark_checked(frame.reset_index(drop=True), na_values)
    checked = _checked_rows(
        frame, source=source, columns=columns, date_format=date_format, dayfirst=dayfirst, na_values=na_values, row_labels=row_labels
    )
    return mark_checked(_sorted_by_customer(checked), na_values)


def _checked_rows(
    frame: pd.DataFrame,
    *,
    source: str,
    columns: Mapping[str, str] | None,
    date_format: str | None,
    dayfirst: bool | None,
    na_values: tuple[str, ...],
    row_labels: pd.Index | None,
) -> pd.DataFrame:
    """:func:`validate_transactions`'s coercions and checks, the rows left in the input's order (not marked checked).

    For a computation that does not need the rows sorted (:func:`scan_transactions` of a pandas
    frame): sorting 5M rows by customer and date costs several times the check itself.
    """
    frame = _apply_mapping(frame, columns, source)
    labels = frame.index if row_labels is None else row_labels
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        if hint := separator_hint(frame.columns):
            raise DataError(source, [Problem(hint)])
        have = ", ".join(map(str, frame.columns)) or "(none)"
        raise DataError(
            source,
            [Problem(f"missing required column (the data has: {have}; map yours with columns=)", column=c) for c in missing],
        )
    if len(frame) == 0:
        raise DataError(source, [Problem("no rows")])
    frame = frame[[c for c in CANONICAL_COLUMNS if c in frame.columns]]
    coerced, problems, done_columns = _coerce(
        frame.reset_index(drop=True), pd.Index(labels), date_format=date_format, dayfirst=dayfirst, na_values=na_values, source=source
    )
    already = {(p.row, p.column) for p in problems}
    problems += _schema_problems(coerced, pd.Index(labels), already, done_columns)
    if problems:
        problems.sort(key=_row_order)
        raise DataError(source, problems[: 10 * MAX_PROBLEMS_SHOWN], n_problems=len(problems))
    if _is_integer_ids(coerced["customer_id"]):
        coerced["customer_id"] = coerced["customer_id"].astype("int64")
    return coerced


def _sorted_by_customer(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical frame sorted by customer (natural order, :func:`id_sort_keys`) then date, a fresh index."""
    ids = frame["customer_id"]
    first = ids.iloc[0] if len(ids) else None
    if isinstance(first, str) and first.isascii() and first.isdigit() and ids.str.fullmatch("[0-9]+").all():
        bare = ids.str.lstrip("0")
        keys = pd.DataFrame({"_n": bare.str.len(), "_v": bare, "_id": ids, "_d": frame["date"]})
        order = keys.sort_values(["_n", "_v", "_id", "_d"], kind="stable").index
        return frame.loc[order].reset_index(drop=True)
    return frame.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)


def read_transactions(
    source: str | os.PathLike[str] | pd.DataFrame | pl.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Iterable[str] = MISSING_VALUES,
) -> pd.DataFrame:
    """Read transactions from a CSV/TSV/Parquet file or a DataFrame into the canonical table.

    The canonical transactions table (one row per purchase) has ``customer_id``,
    ``date`` and ``amount``, and optionally ``channel``, ``quantity`` and
    ``category``; other columns are dropped. Bad input raises
    :class:`~crmlab.data.DataError` listing every problem found (file, row,
    column, value): missing columns, columns named twice, missing ids, dates or
    amounts (showing what was written), unparseable or ambiguous dates,
    non-numeric or negative amounts, empty, binary or damaged files, rows the
    parser cannot split, unknown file types, files not found. The rules for
    missing cells, dates and ids are the module's (the same in
    :func:`scan_transactions` and the Spark reader).

    Parameters
    ----------
    source : path or DataFrame
        ``.csv``, ``.csv.gz``, ``.txt`` (comma-separated), ``.tsv``, ``.parquet``;
        or a pandas / Polars DataFrame.
    columns : mapping, optional
        Your column names → canonical ones, e.g.
        ``{"CustomerID": "customer_id", "InvoiceDate": "date", "Revenue": "amount"}``.
    date_format : str, optional
        strftime format of the dates when they are text (default: inferred from
        the column, one format for all; see :mod:`crmlab.data.dates`).
    dayfirst : bool, optional
        Settles inferred dates that read both ways (``01/03/2021``): True reads
        them day-first (1 March), False month-first (3 January). Unset, such a
        column is an error.
    na_values : iterable of str
        Cell texts read as missing once stripped (default
        :data:`~crmlab.data.missing.MISSING_VALUES`: ``NA``, ``N/A``, ``NULL``,
        ``None``, ``NaN``, …); empty cells are missing whatever the list. Pass
        ``na_values=()`` to keep a channel called ``NA``.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``customer_id`` (natural order) then ``date``. Row numbers in
        errors are 1-based data rows of the file (the first row under the
        header is row 1), or index labels for a DataFrame.

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
    >>> _ = path.write_text("customer_id,date,amount\\nA,05/01/2021,10\\nA,01/02/2021,2\\n")
    >>> read_transactions(path, dayfirst=True)["date"].dt.strftime("%d %b").tolist()
    ['05 Jan', '01 Feb']
    """
    options = {"columns": columns, "date_format": date_format, "dayfirst": dayfirst, "na_values": na_values}
    if isinstance(source, pl.LazyFrame):
        source = source.collect()
    if isinstance(source, pl.DataFrame):
        source = source.to_pandas()
    if isinstance(source, pd.DataFrame):
        return validate_transactions(source, **options)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"read_transactions takes a file path or a DataFrame, not {type(source).__name__}")
    path = Path(source)
    frame = _read_file(path, na_values=None)  # cells as written: the missing rule is applied in _coerce
    record_data_file(path)
    rows = pd.RangeIndex(1, len(frame) + 1)
    return validate_transactions(frame, source=str(source), row_labels=rows, **options)


def scan_transactions(
    source: str | os.PathLike[str] | pd.DataFrame | pl.DataFrame | pl.LazyFrame,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Iterable[str] = MISSING_VALUES,
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
    matches nothing, Parquet parts with different schemas, a folder, a binary
    or damaged file and a column named twice are DataErrors naming the input.

    Values are read by the module's rules, as :func:`read_transactions` reads
    them: missing cells (``na_values``), one date format for the column
    (``date_format``, ``dayfirst``; integer dates as their digits, e.g.
    yyyymmdd; dates with a UTC offset as the instant in UTC), integer ids kept
    as integers, text ids and labels stripped (integral float ids as
    integers' text). The date format is inferred from the first rows; only
    when they admit both a day-first and a month-first reading (and
    ``dayfirst`` is unset) does a streaming pass over the date column count
    which reads more. pandas frames are checked as :func:`read_transactions`
    checks them (pandera), without its sort by customer (a scan keeps the
    rows' order, whatever the input), unless a reader has checked them already
    (:mod:`crmlab.data.checked`): then they are passed to Polars as they are.
    Polars frames, LazyFrames and files are read by
    :func:`crmlab.data.polars_reader.scan_polars`.

    ``strip_ids=False`` leaves text ids as found (with ``validate=False``
    only): for a computation that groups by customer and applies the id rules
    (stripping, missing markers) to its one-row-per-customer result instead of
    every row.

    >>> lf = scan_transactions(pd.DataFrame({"customer_id": ["a"], "date": ["2021-01-01"], "amount": [3.0]}))
    >>> lf.collect().columns
    ['customer_id', 'date', 'amount']
    """
    na_values = tuple(na_values)
    if isinstance(source, pd.DataFrame):
        if not columns and is_checked(source, na_values):  # checked by a reader: not checked again
            return pl.from_pandas(source).lazy()
        # The reader's checks without its sort by customer: a scan promises no order.
        frame = _checked_rows(
            source, source="DataFrame", columns=columns, date_format=date_format, dayfirst=dayfirst, na_values=na_values, row_labels=None
        )
        return pl.from_pandas(frame).lazy()
    if not isinstance(source, (pl.DataFrame, pl.LazyFrame, str, os.PathLike)):
        raise TypeError(f"scan_transactions takes a file path, a glob or a DataFrame, not {type(source).__name__}")
    return scan_polars(
        source, columns=columns, date_format=date_format, dayfirst=dayfirst, na_values=na_values, validate=validate, strip_ids=strip_ids
    )
