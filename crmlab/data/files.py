"""Reading transaction files: file types, text sniffing, the CSV parser's failures located by row.

The file layer under the transactions readers (:mod:`crmlab.data.transactions`)
and the other tables' readers (:mod:`crmlab.data.tables`): which suffixes are
read and how (CSV, TSV, Parquet, gzip), a binary, UTF-16 or damaged file told
apart before it is parsed into nonsense, a column name written twice refused,
and a row the parser cannot split (more cells than the header, an unclosed
quote) located by counting separators and quotes line by line, so that a
:class:`~crmlab.data.errors.DataError` names the file and the row (1 = the
first row under the header; over a glob, the row within its file).
"""

from __future__ import annotations

import codecs
import gzip
import os
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

# Polars and pyarrow.parquet are imported in the functions that read with them: the pandas readers
# and the CLV models' input checks use this module without them, and importing them costs time.
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.missing import MISSING_VALUES, missing_cells

__all__ = ["CSV_SUFFIXES", "PARQUET_SUFFIXES", "SNIFF_BYTES", "TSV_SUFFIXES", "csv_layout_error", "separator_hint"]

#: File suffixes read_transactions understands, and how.
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt")
TSV_SUFFIXES = (".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")

#: Bytes read from the start of a CSV/TSV file (decompressed) to tell that it is UTF-8 text.
SNIFF_BYTES = 65_536


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
            import pyarrow.parquet as pq

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


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


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
    import polars as pl

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
    import polars as pl

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


class _FileRow(str):
    """A row of one file of a glob, shown as "2 of data/p2.csv"; sorts by file, then row."""

    def __new__(cls, row: int, file: str) -> "_FileRow":
        obj = super().__new__(cls, f"{row} of {file}")
        obj.file, obj.number = file, int(row)
        return obj


def _problem_order(p: Problem) -> tuple:
    return (p.row.file, p.row.number) if isinstance(p.row, _FileRow) else ("", p.row)
