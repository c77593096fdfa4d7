"""Read and check any small tidy table against a declared list of columns.

The transactions table has its own reader (:mod:`crmlab.data.transactions`);
the other tables of the lab — accounts, unit terms, ties — are declared as a
tuple of :class:`Column` and read by :func:`read_table`, which reports every bad
cell at once in a :class:`~crmlab.data.DataError` naming the file (or
``"DataFrame"``), the row (1-based under a CSV header) and the column.

Readers with checks of their own (interaction logs, referral logs, favour
ledgers, network tables) share the two pieces underneath: :func:`load_table`
(a file or a DataFrame, with the file recorded for report provenance) and
:class:`ProblemLog` (every problem collected, a bounded list shown).
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

__all__ = ["Column", "ProblemLog", "load_table", "read_table"]

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


def load_table(
    source: Any, *, what: str = "table", required: Sequence[str] = (), rename: Mapping[str, str] | None = None
) -> tuple[str, pd.DataFrame]:
    """``(name, frame)`` of a CSV/TSV/Parquet path or a DataFrame, with its required columns and at least one row.

    A file is read with every cell as found (CSV cells as strings, so each bad
    value can be reported as written), recorded for report provenance, and its
    rows numbered from 1 under the header; a DataFrame keeps its index labels.
    Column names are stripped, then renamed by ``rename`` (yours → canonical).
    Missing required columns, an empty table, a missing or unreadable file and
    any other kind of source raise a :class:`~crmlab.data.DataError`.

    >>> name, frame = load_table(pd.DataFrame({" giver ": ["a"]}), what="ledger", required=["giver"])
    >>> name, list(frame.columns)
    ('DataFrame', ['giver'])
    >>> load_table(pd.DataFrame({"giver": []}), what="ledger")
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      no rows in the ledger
    """
    if isinstance(source, (str, os.PathLike)):
        name = str(source)
        frame = _read_file(Path(source))
        record_data_file(source)
        frame.index = pd.RangeIndex(1, len(frame) + 1)
    elif isinstance(source, pd.DataFrame):
        name, frame = "DataFrame", source.copy()
    else:
        raise DataError("DataFrame", [Problem(f"expected a file path or a pandas DataFrame for the {what}, got {type(source).__name__}")])
    frame = frame.rename(columns=lambda c: str(c).strip())
    if rename:
        frame = frame.rename(columns=dict(rename))
    missing = [c for c in required if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "(none)"
        raise DataError(name, [Problem(f"missing column of the {what} (the data has: {have})", column=c) for c in missing])
    if frame.empty:
        raise DataError(name, [Problem(f"no rows in the {what}")])
    return name, frame


class ProblemLog:
    """Collects the problems of one table: ``report(mask, column, message)`` names each masked row.

    All problems are counted; the first :data:`~crmlab.data.errors.MAX_PROBLEMS_SHOWN`
    are kept with their row, column and value (from ``values``, default the
    table's own column). :meth:`raise_if_any` raises them as one DataError.

    >>> log = ProblemLog(pd.DataFrame({"value": [1, -2]}))
    >>> log.report(pd.Series([False, True]), "value", "must be ≥ 0")
    >>> log.raise_if_any("ledger.csv")
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: ledger.csv: 1 problem
      row 1, column 'value': must be ≥ 0 (-2)
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.problems: list[Problem] = []
        self.total = 0

    def report(self, mask: Any, column: str, message: str, values: pd.Series | None = None) -> None:
        values = self.frame[column] if values is None else values
        rows = self.frame.index[np.asarray(mask, dtype=bool)]
        self.total += len(rows)
        for r in rows[: max(0, MAX_PROBLEMS_SHOWN - len(self.problems))]:
            value = values.at[r]
            self.problems.append(Problem(message, row=r, column=column, value=value.item() if isinstance(value, np.generic) else value))

    __call__ = report

    def raise_if_any(self, source: str) -> None:
        if self.total:
            raise DataError(source, self.problems, n_problems=self.total)


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
    name, frame = load_table(source, what=what, required=[c.name for c in columns if c.required], rename=rename)
    log = ProblemLog(frame)
    report = log.report

    out = frame.copy()
    for col in columns:
        if col.name not in frame.columns:
            out[col.name] = np.nan if col.kind in ("number", "integer") else (pd.NaT if col.kind == "date" else None)
            continue
        raw = frame[col.name]
        textual = raw.dtype == object or pd.api.types.is_string_dtype(raw)
        blank = raw.isna() | (raw.astype(str).str.strip() == "") if textual else raw.isna()
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
        # Missing values of a nullable key column compare equal (one "no product" row per account);
        # a row missing a required key is already reported as missing.
        required = [c.name for c in columns if c.name in key and not c.nullable]
        dup = out.duplicated(key, keep="first") & out[required].notna().all(axis=1)
        report(dup, key[-1], f"duplicate {' × '.join(key)}", out[key[-1]])
    log.raise_if_any(name)
    declared = [c.name for c in columns]
    return out[declared + [c for c in out.columns if c not in declared]].reset_index(drop=True)
