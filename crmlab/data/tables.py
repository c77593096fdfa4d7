"""Read and check any small tidy table against a declared list of columns.

The transactions table has its own reader (:mod:`crmlab.data.transactions`);
the other tables of the lab — accounts, unit terms, ties — are declared as a
tuple of :class:`Column` and read by :func:`read_table`, which reports every bad
cell at once in a :class:`~crmlab.data.DataError` naming the file (or
``"DataFrame"``), the row (1-based under a CSV header) and the column.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.transactions import _as_string, _read_file
from crmlab.datalog import record_data_file

__all__ = ["Column", "read_table"]

Kind = Literal["id", "text", "number", "integer", "date"]


@dataclass(frozen=True)
class Column:
    """One declared column: its name, kind, and the values it may take.

    ``kind`` is ``"id"`` (non-empty string), ``"text"`` (string), ``"number"``
    (finite float), ``"integer"`` (whole number) or ``"date"``. ``low`` and
    ``high`` bound numbers (inclusive); ``choices`` lists the allowed strings
    (compared lower-cased and stripped). An optional column absent from the data
    is added as missing values; a ``nullable`` column may hold missing values.

    >>> Column("revenue", "number", low=0)
    Column(name='revenue', kind='number', required=True, nullable=False, low=0, high=None, choices=None)
    """

    name: str
    kind: Kind = "number"
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None


def _bounds_message(column: Column) -> str:
    if column.low is not None and column.high is not None:
        return f"outside {column.low}–{column.high}"
    return f"must be ≥ {column.low}" if column.low is not None else f"must be ≤ {column.high}"


def read_table(
    source: Any,
    columns: Sequence[Column],
    *,
    what: str = "table",
    unique: Sequence[str] | None = None,
    rename: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A checked table from a CSV/TSV/Parquet path or a DataFrame.

    Every problem is collected before one :class:`~crmlab.data.DataError` is
    raised: missing required columns, no rows, missing values in a
    non-nullable column, values that do not convert to the column's kind,
    numbers out of bounds, labels outside ``choices``, and duplicate keys
    (``unique``: the columns that identify a row). Columns not declared are
    kept as they are. ``rename`` maps the user's column names to the declared ones.

    >>> cols = (Column("account_id", "id"), Column("revenue", "number", low=0))
    >>> read_table(pd.DataFrame({"account_id": ["a", "b"], "revenue": ["10", "2.5"]}), cols)
      account_id  revenue
    0          a     10.0
    1          b      2.5
    >>> read_table(pd.DataFrame({"account_id": ["a"], "revenue": [-1]}), cols, what="accounts")
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 0, column 'revenue': must be ≥ 0 (-1.0)
    """
    name = "DataFrame"
    if isinstance(source, (str, os.PathLike)):
        name = str(source)
        frame = _read_file(Path(source))
        record_data_file(source)
        frame.index = pd.RangeIndex(1, len(frame) + 1)
    elif isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        raise DataError(name, [Problem(f"expected a file path or a pandas DataFrame for the {what}, got {type(source).__name__}")])
    frame = frame.rename(columns=lambda c: str(c).strip())
    if rename:
        frame = frame.rename(columns=dict(rename))
    missing = [c.name for c in columns if c.required and c.name not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "(none)"
        raise DataError(name, [Problem(f"missing column of the {what} (the data has: {have})", column=c) for c in missing])
    if frame.empty:
        raise DataError(name, [Problem(f"no rows in the {what}")])
    problems: list[Problem] = []
    total = 0

    def report(mask: Any, column: str, message: str, values: pd.Series) -> None:
        nonlocal total
        rows = frame.index[np.asarray(mask, dtype=bool)]
        total += len(rows)
        for r in rows[:MAX_PROBLEMS_SHOWN]:
            value = values.at[r]
            problems.append(Problem(message, row=r, column=column, value=value.item() if isinstance(value, np.generic) else value))

    out = frame.copy()
    for col in columns:
        if col.name not in frame.columns:
            out[col.name] = np.nan if col.kind in ("number", "integer") else (pd.NaT if col.kind == "date" else None)
            continue
        raw = frame[col.name]
        blank = raw.isna() | (raw.astype(str).str.strip() == "") if raw.dtype == object else raw.isna()
        if not col.nullable:
            report(blank, col.name, "missing value", raw)
        if col.kind in ("id", "text"):
            values = _as_string(raw)
            values[blank] = None
            if col.choices is not None:
                values = values.str.strip().str.lower()
                report(~blank & ~values.isin(col.choices), col.name, f"must be one of {', '.join(col.choices)}", raw)
        elif col.kind == "date":
            values = pd.to_datetime(raw, errors="coerce", format="mixed") if not pd.api.types.is_datetime64_any_dtype(raw) else raw
            report(~blank & values.isna(), col.name, "unparseable date", raw)
        else:
            values = pd.to_numeric(raw, errors="coerce").astype(float)
            bad = ~blank & (values.isna() | ~np.isfinite(values.fillna(0)))
            report(bad, col.name, "not a number", raw)
            ok = ~blank & ~bad
            if col.kind == "integer":
                report(ok & (values % 1 != 0), col.name, "not a whole number", raw)
            if col.low is not None or col.high is not None:
                outside = ((values < col.low) if col.low is not None else False) | ((values > col.high) if col.high is not None else False)
                report(ok & outside, col.name, _bounds_message(col), values)
        out[col.name] = values
    if unique:
        key = list(unique)
        dup = out.duplicated(key, keep="first") & out[key].notna().all(axis=1)
        report(dup, key[-1], f"duplicate {' × '.join(key)}", out[key[-1]])
    if total:
        raise DataError(name, problems, n_problems=total)
    declared = [c.name for c in columns]
    return out[declared + [c for c in out.columns if c not in declared]].reset_index(drop=True)
