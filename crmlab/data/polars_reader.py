"""The Polars reader of the transactions table: scan lazily, cast, and check in one streaming pass.

:func:`scan_transactions` is the lazy twin of
:func:`~crmlab.data.read_transactions`: files (and globs) are scanned, never
loaded whole; columns are renamed and cast by the module rules of
:mod:`crmlab.data.transactions`; the row checks derived from
:data:`~crmlab.data.schema.TRANSACTIONS_COLUMNS` (:func:`required_column_checks`)
are counted in one streaming pass, and only if a row fails one are the first
offending rows collected into a :class:`~crmlab.data.errors.DataError`. A
pandas frame goes through the pandas reader first
(:func:`crmlab.data.transactions.scan_transactions`). :func:`id_sort_keys` is
the natural order of customer ids, for every engine's results.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from crmlab.data.dates import SAMPLE_ROWS, SAMPLE_SIZE, infer_date_format
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.files import (
    CSV_SUFFIXES,
    PARQUET_SUFFIXES,
    SNIFF_BYTES,
    TSV_SUFFIXES,
    _check_text_file,
    _FileRow,
    _first_line,
    _problem_order,
    _refuse_duplicates,
    _suffix,
    csv_layout_error,
    separator_hint,
)
from crmlab.data.missing import MISSING_VALUES, missing_expr
from crmlab.data.schema import CANONICAL_COLUMNS, REQUIRED_COLUMNS, _apply_mapping, row_checks, shown
from crmlab.datalog import record_data_file

__all__ = ["bad_required_row", "id_sort_keys", "required_column_checks", "scan_polars"]


def scan_polars(
    source: str | os.PathLike[str] | pl.DataFrame | pl.LazyFrame,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    na_values: Iterable[str] = MISSING_VALUES,
    validate: bool = True,
    strip_ids: bool = True,
) -> pl.LazyFrame:
    """The canonical transactions of a Polars frame, a LazyFrame or a file (or glob), as a LazyFrame.

    The Polars half of :func:`crmlab.data.scan_transactions` (which takes pandas
    frames too, and documents the arguments): nothing is loaded up front; with
    ``validate``, one streaming pass counts the problems of the table's row
    checks, and the first offending rows are collected into a DataError.

    >>> scan_polars(pl.DataFrame({"customer_id": ["a"], "date": ["2021-01-01"], "amount": [3.0]})).collect().columns
    ['customer_id', 'date', 'amount']
    """
    na_values = tuple(na_values)
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
    with _read_errors(text, csv_sep):
        names = raw.collect_schema().names()
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
    with _read_errors(text, csv_sep):
        casts = _lazy_casts(renamed, text, date_format=date_format, dayfirst=dayfirst, na_values=na_values, strip_ids=strip_ids)
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


@contextlib.contextmanager
def _read_errors(text: str, csv_sep: str | None) -> Iterator[None]:
    """Polars' errors while reading the input's schema or first values, as DataErrors naming the input."""
    try:
        yield
    except pl.exceptions.DuplicateError as exc:
        raise _duplicate_error(text, exc) from None
    except pl.exceptions.ComputeError as exc:
        raise _read_error(text, csv_sep, exc) from None
    except pl.exceptions.PolarsError as exc:
        raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None
    except OSError as exc:
        raise DataError(text, [Problem(f"cannot read ({_first_line(exc)})")]) from None


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
            # as the pandas reader (crmlab.data.transactions): a float column whose values are all integral (1.0 from a
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


def _condition(condition: str, column: str) -> pl.Expr:
    """A condition of :func:`crmlab.data.schema.row_checks` as a Polars expression (``"unread"``: see :func:`_check_lazy`)."""
    col = pl.col(column)
    return {
        "null": col.is_null(),
        "empty": col == "",
        "nan": col.is_nan(),
        "negative": col < 0,
        "infinite": col.is_infinite(),
    }[condition]


def _check_expression(column: str, conditions: tuple[str, ...], written: pl.Expr | None = None) -> pl.Expr:
    """True where a row fails one check: any of its conditions (``"unread"``: written, but null after the cast)."""
    parts = [(written & pl.col(column).is_null()) if c == "unread" else _condition(c, column) for c in conditions]
    return functools.reduce(lambda a, b: a | b, parts)


def required_column_checks(text_ids: bool = True) -> dict[tuple[str, str], pl.Expr]:
    """The lazy reader's checks of the required columns after casting: (column, message) → true where bad.

    Derived from the table's declaration (:func:`crmlab.data.schema.row_checks`).
    ``text_ids=False`` for integer ids (only a null is missing).

    >>> sorted({column for column, _ in required_column_checks()})
    ['amount', 'customer_id', 'date']
    """
    return {
        (column, message): _check_expression(column, conditions)
        for (column, message), conditions in row_checks(REQUIRED_COLUMNS, text_ids).items()
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
        for (column, message), conditions in row_checks(["quantity"]).items():
            checks[(column, message)] = _check_expression(column, conditions, written)
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
                seen = shown(message, v)  # a missing id shows what was written: ('NA'), (''), (None)
                problems.append(Problem(seen.message, row=row, column=column, value=seen.value))
    problems.sort(key=_problem_order)
    raise DataError(source, problems, n_problems=total)
