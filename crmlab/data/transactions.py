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
table (pandas); :func:`scan_transactions` is its lazy Polars twin, and
:func:`crmlab.data.spark.spark_transactions` its Spark twin. Values are coerced
column by column (so an unparseable date or a non-numeric amount is reported
with its value), then checked against :data:`TRANSACTIONS_SCHEMA` (pandera).
All problems are collected, and one :class:`~crmlab.data.errors.DataError`
names the file, rows, columns and values.

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

import codecs
import functools
import glob
import gzip
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq

with warnings.catch_warnings():
    # pandera imports pyspark.pandas when PySpark is installed (the optional Spark engine), and
    # PySpark warns on import that it does not yet fully support pandas 3: not about crmlab's use.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
    import pandera.pandas as pa

from crmlab.data.checked import is_checked, mark_checked
from crmlab.data.dates import SAMPLE_ROWS, SAMPLE_SIZE, infer_date_format, parse_date_column
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.missing import MISSING_VALUES, missing_cells, missing_expr
from crmlab.datalog import record_data_file

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "date", "amount")
OPTIONAL_COLUMNS: tuple[str, ...] = ("channel", "quantity", "category")
CANONICAL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: File suffixes read_transactions understands, and how.
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")
TSV_SUFFIXES = (".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")

#: Bytes read from the start of a CSV/TSV file (decompressed) to tell that it is UTF-8 text.
SNIFF_BYTES = 65_536

_finite = pa.Check(lambda s: np.isfinite(s), error="not finite")

#: The value checks of the canonical table, applied after type coercion (text ids; integer ids
#: are checked by the same schema with ``customer_id`` an integer column).
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
_INTEGER_ID_SCHEMA = TRANSACTIONS_SCHEMA.update_column("customer_id", dtype="Int64", checks=[])

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


def _refuse_duplicates(names: Iterable[Any], source: str, where: str = "the header") -> None:
    """DataError naming each column name (compared stripped) that appears more than once."""
    counts = Counter(str(name).strip() for name in names)
    twice = [name for name, n in counts.items() if n > 1]
    if twice:
        raise DataError(
            source,
            [
                Problem(f"the column name appears {counts[name]} times in {where}: crmlab cannot tell which to read; rename or drop the copies", column=name)
                for name in twice
            ],
        )


def _check_text_file(path: Path, source: str, suffix: str, n_bytes: int = SNIFF_BYTES) -> None:
    """DataError unless the start of a CSV/TSV file (decompressed, for .gz) is UTF-8 text.

    A binary file under a .csv name (a spreadsheet, a Parquet or a zip file) would otherwise be
    split into nonsense cells; a damaged gzip file would raise the decompressor's own error.
    """
    try:
        opener = gzip.open if suffix.endswith(".gz") else open
        with opener(path, "rb") as handle:
            head = handle.read(n_bytes)
    except (EOFError, OSError) as exc:  # gzip.BadGzipFile is an OSError; a truncated stream an EOFError
        raise DataError(source, [Problem(f"cannot read as {suffix}: not a complete gzip file ({_first_line(exc)})")]) from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(source, [Problem("not a UTF-8 text file (UTF-16, as some spreadsheets save text): save it as UTF-8 CSV")])
    nul = head.find(b"\x00")
    if nul >= 0:
        raise DataError(
            source,
            [Problem(f"not a text file: binary data (a NUL byte at byte {nul}); a {suffix} file must be UTF-8 text, one purchase a line")],
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise DataError(source, [Problem(f"not a UTF-8 text file ({exc.reason} at byte {exc.start})")]) from None


def separator_hint(columns: Iterable[Any]) -> str:
    """A hint when a file read as comma-separated has one column whose name holds tabs or semicolons.

    >>> separator_hint([chr(9).join(["customer_id", "date", "amount"])])
    'the header is one column holding tabs: the file seems tab-separated (name it .tsv)'
    >>> separator_hint(["customer_id", "date"])
    ''
    """
    names = [str(c) for c in columns]
    if len(names) != 1:
        return ""
    for sep, what, fix in (("\t", "tabs", "tab-separated (name it .tsv)"), (";", "semicolons", "semicolon-separated (save it with commas)")):
        if sep in names[0]:
            return f"the header is one column holding {what}: the file seems {fix}"
    return ""


def _read_file(path: Path, na_values: Iterable[str] | None = MISSING_VALUES) -> pd.DataFrame:
    """Read a file with every value as found (CSV cells as strings), or raise DataError.

    Cells missing by :mod:`crmlab.data.missing` (empty, or one of ``na_values`` once stripped)
    become nulls; ``na_values=None`` keeps every cell as written, for a reader that applies the
    rule itself to show what was written. A header naming a column twice, a file that is not
    UTF-8 text, a damaged gzip file and a row the parser cannot split (more cells than the
    header, an unclosed quote) are DataErrors naming the file, and the row where there is one
    (1 = the first row under the header).
    """
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
            _refuse_duplicates(pq.read_schema(path).names, source, "the Parquet schema")
            frame = pd.read_parquet(path)
        else:
            _check_text_file(path, source, suffix)
            # Strings everywhere, as written: coercion reports each bad cell with its value.
            options = {"sep": "\t" if suffix in TSV_SUFFIXES else ",", "dtype": str, "keep_default_na": False, "skipinitialspace": True}
            header = pd.read_csv(path, header=None, nrows=1, **options)  # the names as written (read_csv renames copies)
            _refuse_duplicates(header.iloc[0].tolist() if len(header) else [], source)
            # A row with more cells than the header is an error, not silently truncated.
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(path, index_col=False, **options)
    except DataError:
        raise
    except UnicodeDecodeError as exc:
        raise DataError(source, [Problem(f"not a UTF-8 text file ({exc.reason})")]) from None
    except pd.errors.EmptyDataError:
        raise DataError(source, [Problem("file is empty")]) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        located = csv_layout_error(path)  # the rows, counted line by line, instead of the parser's "line 3"
        if located is not None:
            raise located from None
        raise DataError(source, [Problem(f"cannot parse as {suffix} ({_first_line(exc)})")]) from None
    except EOFError as exc:  # a gzip stream cut short after the part checked above
        raise DataError(source, [Problem(f"cannot read as {suffix}: not a complete gzip file ({_first_line(exc)})")]) from None
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) on non-Parquet
        raise DataError(source, [Problem(f"cannot read as {suffix} ({_first_line(exc)})")]) from None
    return frame if na_values is None else _null_missing(frame, na_values)


def _null_missing(frame: pd.DataFrame, na_values: Iterable[str]) -> pd.DataFrame:
    """The frame with its missing text cells (:func:`~crmlab.data.missing.missing_cells`) as nulls."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.mask(missing_cells(values, na_values))
    return out


def _apply_mapping(frame: pd.DataFrame, columns: Mapping[str, str] | None, source: str) -> pd.DataFrame:
    """The frame with its column names stripped and renamed by ``columns`` (yours → canonical).

    A name the data holds twice, a mapping to a non-canonical name or from a column the data
    lacks, and two columns that would get the same name are DataErrors.
    """
    frame = frame.rename(columns=lambda c: str(c).strip())
    _refuse_duplicates(frame.columns, source, "the data")
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
    sources: dict[str, list[str]] = {}
    for name in frame.columns:
        sources.setdefault(columns.get(name, name), []).append(name)
    clashes = {target: names for target, names in sources.items() if len(names) > 1}
    if clashes:
        raise DataError(
            source,
            [
                Problem(f"columns {' and '.join(map(repr, names))} would both be {target!r}: map only one of them with columns=", column=target)
                for target, names in clashes.items()
            ],
        )
    return frame.rename(columns=dict(columns))


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


def _shown(message: str, value: Any) -> Problem:
    """A problem showing the value as written; a null (None, NaN, NA) as "missing value (None)"."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return Problem(f"{message} (None)")  # None, NaN, NA or NaT: one word in every engine
    return Problem(message, value=value)


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
            problem = _shown(what, raw.iloc[pos])
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
    schema = _INTEGER_ID_SCHEMA if _is_integer_ids(frame["customer_id"]) else TRANSACTIONS_SCHEMA
    try:
        with warnings.catch_warnings():  # pandera's first validation imports pyspark.pandas (see the import above)
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
            schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    problems = []
    for case in cases.itertuples(index=False):
        pos = case.index
        row = labels[int(pos)] if pos is not None and not pd.isna(pos) else None
        if (row, case.column) in already or case.column in done_columns:  # already reported
            continue
        message = _CHECK_MESSAGES.get(str(case.check), str(case.check))
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
    if not columns and is_checked(frame, na_values):
        return mark_checked(frame.copy(deep=False), na_values)
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
    return mark_checked(_sorted_by_customer(coerced), na_values)


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


def id_sort_keys(ids: pl.Series, column: str = "customer_id") -> list[pl.Expr]:
    """Polars sort keys that put customer ids in their natural order.

    Integer ids sort by value; text ids that are all plain digits (ASCII 0-9) by
    their numeric value, of any length (leading zeros stripped; equal values by
    their text, so ``007`` comes before ``7``); any other text ids as text. The
    summary and the readers order customers by this one rule.

    >>> ids = pl.Series("customer_id", ["10", "2", "7", "007"])
    >>> pl.DataFrame(ids).sort(id_sort_keys(ids))["customer_id"].to_list()
    ['2', '007', '7', '10']
    >>> ids = pl.Series("customer_id", ["b10", "b2"])
    >>> pl.DataFrame(ids).sort(id_sort_keys(ids))["customer_id"].to_list()
    ['b10', 'b2']
    """
    col = pl.col(column)
    first = ids[0] if ids.dtype == pl.String and ids.len() > 0 else None
    if first is not None and first.isascii() and first.isdigit() and ids.str.contains(r"^[0-9]+$").all():
        bare = col.str.strip_chars_start("0")
        return [bare.str.len_bytes(), bare, col]
    return [col]


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
    which reads more. pandas frames go through :func:`read_transactions`
    (pandera).

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
        frame = read_transactions(source, columns=columns, date_format=date_format, dayfirst=dayfirst, na_values=na_values)
        return pl.from_pandas(frame).lazy()
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
        files = [path]
        if not is_glob:
            if not path.exists():
                raise DataError(text, [Problem("file not found")])
            if path.is_dir():
                raise DataError(text, [Problem(f"is a folder, not a file; for the files in it, pass a glob such as {str(path / ('*' + (suffix or '.parquet')))!r}")])
            if path.stat().st_size == 0:
                raise DataError(text, [Problem("file is empty")])
            record_data_file(path)
        elif "://" not in text:
            files = [Path(f) for f in sorted(glob.glob(text, recursive=True)) if os.path.isfile(f)]
            if not files:
                raise DataError(text, [Problem("no file matches the pattern")])
        if suffix in PARQUET_SUFFIXES:
            scan_files = functools.partial(pl.scan_parquet, text)
        elif suffix in CSV_SUFFIXES + TSV_SUFFIXES:
            csv_sep = "\t" if suffix in TSV_SUFFIXES else ","
            if "://" not in text:
                for file in files:  # the start of each file: a binary or damaged file named as such
                    _check_text_file(file, str(file) if is_glob else text, suffix, SNIFF_BYTES if len(files) == 1 else 8192)
            # Empty cells as "" (as pandas reads them), so that messages show what was written.
            scan_files = functools.partial(pl.scan_csv, text, separator=csv_sep, infer_schema=False, empty_string_is_null=False)
        else:
            raise DataError(text, [Problem(f"unsupported file type {suffix or '(none)'!r} for a lazy scan (CSV or Parquet)")])
        raw = scan_files()
    try:
        names = raw.collect_schema().names()
    except pl.exceptions.DuplicateError as exc:
        raise _duplicate_error(text, exc) from None
    except pl.exceptions.ComputeError as exc:
        raise _read_error(text, csv_sep, exc) from None
    except pl.exceptions.PolarsError as exc:
        raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    except OSError as exc:
        raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    if csv_sep is not None:
        # Polars renames a header's copies ("amount", "amount_duplicated_0"): a name written twice.
        copies = [m.group(1) for m in map(re.compile(r"^(.*)_duplicated_\d+$").match, names) if m and m.group(1) in names]
        _refuse_duplicates([*names, *copies], text)
    frame = _apply_mapping(pd.DataFrame(columns=names), columns, text)  # checks the mapping only
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        if hint := separator_hint(names):
            raise DataError(text, [Problem(hint)])
        raise DataError(text, [Problem(f"missing required column (the data has: {', '.join(names)})", column=c) for c in missing])
    keep = [c for c in CANONICAL_COLUMNS if c in frame.columns]
    renamed = raw.rename(dict(columns or {})).select(keep)
    try:
        casts = _lazy_casts(renamed, text, date_format=date_format, dayfirst=dayfirst, na_values=na_values, strip_ids=strip_ids)
    except pl.exceptions.ComputeError as exc:
        raise _read_error(text, csv_sep, exc) from None
    except pl.exceptions.PolarsError as exc:
        raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    except OSError as exc:
        raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    typed = renamed.with_columns(casts)
    if validate:
        # A glob's rows are named by file and row within the file: the file paths are scanned
        # only on this error path (when there are problems to locate).
        def with_files() -> tuple[pl.LazyFrame, pl.LazyFrame]:
            scanned = scan_files(include_file_paths="_file").rename(dict(columns or {})).select(*keep, "_file")
            return scanned.drop("_file"), scanned.with_columns(casts)

        try:
            _check_lazy(renamed, typed, text, first_row, with_files if is_glob and scan_files is not None else None, na_values)
        except pl.exceptions.ComputeError as exc:
            raise _read_error(text, csv_sep, exc) from None
        except pl.exceptions.SchemaError as exc:
            what = "the files do not all have the same columns and types" if is_glob else "cannot read"
            raise DataError(text, [Problem(f"{what} ({_first_line(exc)})")]) from None
        except pl.exceptions.PolarsError as exc:
            raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
        except OSError as exc:  # e.g. a gzip file cut short after its start
            raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    return typed


def _read_error(source: str, csv_sep: str | None, exc: Exception) -> DataError:
    """A parser failure as a DataError: for a CSV, the rows it cannot split, counted line by line."""
    if csv_sep is not None:
        located = csv_layout_error(source)
        if located is not None:
            return located
    return DataError(source, [Problem(f"cannot read ({_first_line(exc)})")])


def _duplicate_error(source: str, exc: Exception) -> DataError:
    """Polars' DuplicateError (a Parquet schema naming a column twice) as a DataError naming the column."""
    found = re.search(r"name '([^']*)'", str(exc))
    if found:
        return DataError(source, [Problem("the column name appears more than once in the data: crmlab cannot tell which to read", column=found.group(1))])
    return DataError(source, [Problem(f"a column name appears more than once ({_first_line(exc)})")])


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _chrono(fmt: str) -> str:
    """A pandas (strftime) date format as Polars' (chrono's): '%z' also reads 'Z', '.%f' is '%.f'."""
    return fmt.replace("%z", "%#z").replace(".%f", "%.f")


def _strptime(text: pl.Expr, fmt: str) -> pl.Expr:
    """Text dates read in one format: naive datetimes (ns), an offset's instant in UTC; null where it does not read."""
    date = text.str.strptime(pl.Datetime("ns"), format=_chrono(fmt), strict=False, exact=True)
    if "%z" in fmt:  # the instant in UTC, without a time zone (as pandas with utc=True)
        date = date.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return date


def _lazy_date_text(dtype: pl.DataType) -> pl.Expr:
    """The date column as stripped text, numbers as their digits (a whole float as an integer), as pandas'."""
    col = pl.col("date")
    if dtype.is_float():
        return pl.when(col % 1 == 0).then(col.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(col.cast(pl.String))
    if dtype.is_numeric():
        return col.cast(pl.String)
    if dtype == pl.Boolean:
        return col.cast(pl.String)
    return col.str.strip_chars()


def _lazy_date(renamed: pl.LazyFrame, dtype: pl.DataType, source: str, date_format: str | None, dayfirst: bool | None, na_values: tuple[str, ...]) -> pl.Expr:
    """The lazy reader's date column, by the lab's one date policy (:mod:`crmlab.data.dates`).

    The candidate formats come from the sample :func:`crmlab.data.dates.date_sample` takes (the
    first rows); only when there are several does a streaming pass over the column count the rows
    each reads (and where a day-first and a month-first reading differ), for
    :func:`~crmlab.data.dates.choose_date_format`.
    """
    col = pl.col("date")
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        # as read_transactions does with pandas: the instant in UTC, without a time zone
        return col.dt.convert_time_zone("UTC").dt.replace_time_zone(None).cast(pl.Datetime("ns"))
    if isinstance(dtype, (pl.Datetime, pl.Date)):
        return col.cast(pl.Datetime("ns"), strict=False)
    if not (dtype == pl.String or dtype.is_numeric() or dtype == pl.Boolean):
        return col.cast(pl.Datetime("ns"), strict=False)  # any other type: Polars' cast, or its error
    text = _lazy_date_text(dtype)
    def count_reads(candidates: list[str], pairs: list[tuple[str, str]]) -> tuple[dict, dict]:
        row = renamed.select(  # one streaming pass over the date column
            *[_strptime(text, f).is_not_null().sum().alias(f"n{i}") for i, f in enumerate(candidates)],
            *[(_strptime(text, a) != _strptime(text, b)).fill_null(False).sum().alias(f"d{k}") for k, (a, b) in enumerate(pairs)],
        ).collect(engine="streaming").row(0)
        return dict(zip(candidates, row[: len(candidates)])), dict(zip(pairs, row[len(candidates) :]))

    def example(a: str, b: str) -> Any:
        return renamed.select(text.filter(_strptime(text, a) != _strptime(text, b)).first()).collect().item()

    fmt = date_format
    if fmt is None:
        present = text.filter(~missing_expr(text, na_values))
        sample: list[str] = []
        for part in (renamed.head(SAMPLE_ROWS), renamed):  # the first rows; the whole column if they hold no date
            sample = part.select(present.unique(maintain_order=True).head(SAMPLE_SIZE)).collect(engine="streaming").to_series().to_list()
            if sample:
                break
        fmt = infer_date_format(sample, dayfirst=dayfirst, column="date", source=source, count_reads=count_reads, example=example)
    if fmt is None:
        return pl.lit(None, dtype=pl.Datetime("ns"))  # nothing reads: every present date is unparseable
    return _strptime(text, fmt)


def _lazy_casts(
    renamed: pl.LazyFrame,
    source: str,
    *,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: tuple[str, ...] = MISSING_VALUES,
    strip_ids: bool = True,
) -> list[pl.Expr]:
    """The lazy reader's casts to the canonical types, matching :func:`read_transactions`'s coercions.

    As the pandas reader (``_coerce``): integer ids as Int64; other ids and labels as stripped
    strings, integral floats as integer strings ('1', not '1.0'), missing cells (``na_values``) as
    nulls; the dates by :func:`_lazy_date`; amounts and quantities as floats.
    """
    schema = renamed.collect_schema()

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
        if not strip:
            return out
        return pl.when(missing_expr(out, na_values)).then(None).otherwise(out.str.strip_chars())

    def as_number(column: str) -> pl.Expr:
        col = pl.col(column)  # text stripped, as pandas reads ' 5' and '5 '
        return (col.str.strip_chars() if schema[column] == pl.String else col).cast(pl.Float64, strict=False).alias(column)

    id_type = schema["customer_id"]
    ids = pl.col("customer_id").cast(pl.Int64, strict=False) if id_type.is_integer() else as_string("customer_id", strip_ids)
    casts = [
        ids.alias("customer_id"),
        _lazy_date(renamed, schema["date"], source, date_format, dayfirst, na_values).alias("date"),
        as_number("amount"),
    ]
    casts += [as_string(c).alias(c) for c in ("channel", "category") if c in schema]
    casts += [as_number("quantity")] if "quantity" in schema else []
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




def required_column_checks(text_ids: bool = True) -> dict[tuple[str, str], pl.Expr]:
    """The lazy reader's checks of the required columns after casting: (column, message) → true where bad.

    ``text_ids=False`` for integer ids (only a null is missing).

    >>> sorted({column for column, _ in required_column_checks()})
    ['amount', 'customer_id', 'date']
    """
    missing_id = pl.col("customer_id").is_null()
    if text_ids:
        missing_id = missing_id | (pl.col("customer_id") == "")
    return {
        ("customer_id", "missing value"): missing_id,
        ("date", "unparseable or missing date"): pl.col("date").is_null(),
        ("amount", "missing or non-numeric amount"): pl.col("amount").is_null() | pl.col("amount").is_nan(),
        ("amount", "negative value"): pl.col("amount") < 0,
        ("amount", "not a finite number"): pl.col("amount").is_infinite(),
    }


def bad_required_row(text_ids: bool = True) -> pl.Expr:
    """True for a row failing any of :func:`required_column_checks` (null-safe), to count bad rows in a query.

    Lets a computation over the canonical columns count problems in its own pass over the data
    (``bad_required_row().sum()`` in its aggregation) instead of a separate validation pass, and
    call :func:`scan_transactions` with ``validate=True`` for the detailed error only if there are any.

    >>> pl.DataFrame({"customer_id": ["a", ""], "date": [None, None], "amount": [1.0, -1.0]}).select(
    ...     bad_required_row().fill_null(True)).to_series().to_list()
    [True, True]
    """
    return pl.any_horizontal(*[expr.fill_null(True) for expr in required_column_checks(text_ids).values()])


def _check_lazy(
    raw: pl.LazyFrame,
    typed: pl.LazyFrame,
    source: str,
    first_row: int = 1,
    file_scan: Callable[[], tuple[pl.LazyFrame, pl.LazyFrame]] | None = None,
    na_values: Iterable[str] = MISSING_VALUES,
) -> None:
    """One streaming pass for problems; on any, collect the first offending rows into a DataError.

    ``file_scan`` (for a glob): a function returning the raw and typed scans with a ``_file``
    column, so that each problem names its file and its row within that file.
    """
    checks = required_column_checks(typed.collect_schema()["customer_id"] == pl.String)
    if "quantity" in typed.collect_schema():
        raw_quantity = pl.col("raw_quantity")
        # a quantity written but not read (a missing marker is a missing quantity, not a bad one)
        written = raw_quantity.is_not_null()
        if raw.collect_schema()["quantity"] == pl.String:
            written = ~missing_expr(raw_quantity, na_values)
        checks[("quantity", "non-numeric, negative or non-finite quantity")] = (
            written & pl.col("quantity").is_null()
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
                bad = joined.filter(expr).select("row", pl.lit(None).alias("_file"), f"raw_{column}").head(MAX_PROBLEMS_SHOWN).collect()
            else:
                bad = joined.filter(expr).select("row", "_file", f"raw_{column}").head(MAX_PROBLEMS_SHOWN).collect()
            for r, f, v in bad.iter_rows():
                row = r if offsets is None else _FileRow(r - offsets[f] + first_row, f)
                shown = _shown(message, v)  # a missing id shows what was written: ('NA'), (''), (None)
                problems.append(Problem(shown.message, row=row, column=column, value=shown.value))
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
