"""Read and check any small tidy table against a declared list of columns.

The transactions table has its own reader (:mod:`crmlab.data.transactions`);
the other tables of the lab — accounts, unit terms, ties — are declared as a
tuple of :class:`Column` and read by :func:`read_table`, which reports every bad
cell at once in a :class:`~crmlab.data.DataError` naming the file (or
``"DataFrame"``), the row (1-based under a CSV header) and the column.

Readers with checks of their own (interaction logs, referral logs, favour
ledgers, network tables) and the checks of frames handed to a function
(:func:`check_columns`, :func:`check_numeric`, :func:`check_labels`,
:func:`check_flags`: the strategy inputs, the stakeholder ratings) share the
pieces underneath:
:func:`load_table` (a file or a DataFrame, with the file recorded for report
provenance) and :class:`ProblemLog` (every problem collected, a bounded list
shown, with typed readers of ids, labels, numbers and dates). So every table
of the lab follows the same rules: one missing-cell rule
(:mod:`crmlab.data.missing`), ids compared by value (:mod:`crmlab.data.ids`),
one date policy (:mod:`crmlab.data.dates`) and one wording for numbers out of
bounds (:func:`bounds_message`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from crmlab.data.dates import parse_date_column
from crmlab.data.errors import MAX_PROBLEMS_SHOWN, DataError, Problem
from crmlab.data.ids import clean_ids
from crmlab.data.missing import missing_cells
from crmlab.data.files import _read_file, separator_hint
from crmlab.datalog import record_data_file

__all__ = [
    "Column",
    "ProblemLog",
    "bounds_message",
    "check_columns",
    "check_flags",
    "check_labels",
    "check_numeric",
    "check_scale",
    "load_table",
    "read_table",
]

Kind = Literal["id", "text", "number", "integer", "date"]


def _number(value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not np.isfinite(float(value)):
        raise TypeError
    return float(value)


@dataclass(frozen=True)
class Column:
    """One declared column: its name, kind, and the values it may take.

    ``kind`` is ``"id"`` (an id compared by value, :func:`crmlab.data.ids.clean_ids`),
    ``"text"`` (a label, cleaned the same way), ``"number"`` (finite float),
    ``"integer"`` (whole number) or ``"date"`` (read by the lab's date policy,
    :mod:`crmlab.data.dates`). ``low`` and ``high`` bound numbers (inclusive);
    ``positive`` asks for numbers > 0; ``choices`` lists the allowed strings
    (compared lower-cased and stripped). An optional column absent from the
    data is added as missing values; a ``nullable`` column may hold missing
    values (:mod:`crmlab.data.missing`). Bounds that are not numbers, or a
    ``low`` above ``high``, are a ValueError.

    >>> Column("revenue", "number", low=0)
    Column(name='revenue', kind='number', required=True, nullable=False, low=0, high=None, choices=None, positive=False)
    >>> Column("trust", "number", low=7, high=1)
    Traceback (most recent call last):
    ...
    ValueError: column 'trust': the low bound (7) is above the high bound (1)
    """

    name: str
    kind: Kind = "number"
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    positive: bool = False

    def __post_init__(self) -> None:
        for bound in ("low", "high"):
            value = getattr(self, bound)
            if value is not None:
                try:
                    _number(value)
                except TypeError:
                    raise ValueError(f"column {self.name!r}: the {bound} bound must be a finite number, got {value!r}") from None
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"column {self.name!r}: the low bound ({self.low:g}) is above the high bound ({self.high:g})")


def bounds_message(low: float | None = None, high: float | None = None, *, positive: bool = False) -> str:
    """The one wording of a number outside its bounds, in every reader and check of the lab.

    >>> bounds_message(0), bounds_message(1), bounds_message(positive=True), bounds_message(high=1), bounds_message(1, 7)
    ('negative value', 'must be ≥ 1', 'must be positive', 'must be ≤ 1', 'outside the scale 1–7')
    """
    if positive:
        return "must be positive"
    if low is not None and high is not None:
        return f"outside the scale {low:g}–{high:g}"
    if low is not None:
        return "negative value" if low == 0 else f"must be ≥ {low:g}"
    return f"must be ≤ {high:g}"


def check_scale(scale: Any, *, name: str = "scale", whole: bool = False) -> tuple[float, float]:
    """``(low, high)`` of a rating scale, refused (ValueError) unless two finite numbers with low < high.

    A reversed scale (``(7, 1)``) or a degenerate one (``(4, 4)``) would flag
    every answer instead of checking it; ``whole`` asks for whole-number ends
    (Likert scale points).

    >>> check_scale((1, 7))
    (1, 7)
    >>> check_scale((7, 1))
    Traceback (most recent call last):
    ...
    ValueError: scale must be (lowest, highest) with lowest < highest, got (7, 1)
    """
    try:
        low, high = scale
        numbers = _number(low), _number(high)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be two finite numbers (lowest, highest), got {scale!r}") from None
    if numbers[0] >= numbers[1]:
        raise ValueError(f"{name} must be (lowest, highest) with lowest < highest, got {scale!r}")
    if whole and not all(n.is_integer() for n in numbers):
        raise ValueError(f"{name} must have whole-number ends (scale points), got {scale!r}")
    return low, high


def load_table(
    source: Any, *, what: str = "table", required: Sequence[str] = (), rename: Mapping[str, str] | None = None
) -> tuple[str, pd.DataFrame]:
    """``(name, frame)`` of a CSV/TSV/Parquet path or a DataFrame, with its required columns and at least one row.

    A file is read with every cell as found (CSV cells as strings, so each bad
    value can be reported as written; a missing cell too, ``NA`` or empty, since
    the readers apply :mod:`crmlab.data.missing` themselves), recorded for
    report provenance, and its
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
        frame = _read_file(Path(source), na_values=None)
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
        if hint := separator_hint(frame.columns):
            raise DataError(name, [Problem(hint)])
        raise DataError(name, [Problem(f"missing column of the {what} (the data has: {have})", column=c) for c in missing])
    if frame.empty:
        raise DataError(name, [Problem(f"no rows in the {what}")])
    return name, frame


class ProblemLog:
    """Collects the problems of one table: ``report(mask, column, message)`` names each masked row.

    All problems are counted; the first :data:`~crmlab.data.errors.MAX_PROBLEMS_SHOWN`
    are kept with their row, column and value (from ``values``, default the
    table's own column, so a value is shown as written; a cell holding
    ``None`` shows ``(None)``). The typed readers :meth:`ids`, :meth:`labels`,
    :meth:`numbers` and :meth:`dates` convert a column by the lab's rules and
    report its bad cells. :meth:`raise_if_any` raises them as one DataError.

    >>> log = ProblemLog(pd.DataFrame({"value": [1, -2]}))
    >>> log.report(pd.Series([False, True]), "value", "must be ≥ 0")
    >>> log.raise_if_any("ledger.csv")
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: ledger.csv: 1 problem
      row 1, column 'value': must be ≥ 0 (-2)
    """

    def __init__(self, frame: pd.DataFrame, source: str = "DataFrame"):
        self.frame = frame
        self.source = source
        self.problems: list[Problem] = []
        self.total = 0

    def report(self, mask: Any, column: str, message: str, values: pd.Series | None = None) -> None:
        values = self.frame[column] if values is None else values
        rows = self.frame.index[np.asarray(mask, dtype=bool)]
        self.total += len(rows)
        for r in rows[: max(0, MAX_PROBLEMS_SHOWN - len(self.problems))]:
            value = values.at[r]
            value = value.item() if isinstance(value, np.generic) else value
            # Problem leaves out a value of None; a cell that holds None still shows what it holds.
            self.problems.append(Problem(f"{message} (None)" if value is None else message, row=r, column=column, value=value))

    __call__ = report

    def add(self, problems: Iterable[Problem]) -> None:
        """Problems found elsewhere (e.g. a whole-column problem), counted with the rest."""
        for problem in problems:
            self.total += 1
            if len(self.problems) < MAX_PROBLEMS_SHOWN:
                self.problems.append(problem)

    def missing(self, column: str) -> pd.Series:
        """True where a cell of ``column`` is missing (:func:`crmlab.data.missing.missing_cells`)."""
        return missing_cells(self.frame[column])

    def ids(self, column: str, *, required: bool = True, message: str = "missing id") -> pd.Series:
        """``column`` as ids compared by value (:func:`crmlab.data.ids.clean_ids`); a missing id reported when ``required``."""
        ids, missing = clean_ids(self.frame[column])
        if required:
            self.report(missing, column, message)
        return ids

    def labels(self, column: str, *, required: bool = True, lower: bool = False, message: str = "missing value") -> pd.Series:
        """``column`` as text labels (stripped, whole numbers as digits; lower-cased if ``lower``), None where missing."""
        labels = self.ids(column, required=required, message=message)
        return labels.map(str.lower, na_action="ignore") if lower else labels

    def numbers(self, column: Column) -> pd.Series:
        """``column`` as floats (NaN where missing or bad), every bad cell reported with the value as written.

        Missing cells (unless ``nullable``), non-numbers, infinities, fractions
        in an ``"integer"`` column and numbers outside the bounds, worded by
        :func:`bounds_message`.
        """
        name = column.name
        raw = self.frame[name]
        missing = missing_cells(raw)
        values = pd.to_numeric(raw.mask(missing), errors="coerce").astype(float)
        if not column.nullable:
            self.report(missing, name, "missing value")
        self.report(~missing & values.isna(), name, "not a number")
        infinite = np.isinf(values)
        self.report(infinite, name, "not a finite number")
        finite = values.notna() & ~infinite
        if column.kind == "integer":
            self.report(finite & (values % 1 != 0), name, "not a whole number")
        if column.positive:
            self.report(finite & (values <= 0), name, bounds_message(positive=True))
        if column.low is not None or column.high is not None:
            outside = pd.Series(False, index=values.index)
            if column.low is not None:
                outside |= values < column.low
            if column.high is not None:
                outside |= values > column.high
            self.report(finite & outside, name, bounds_message(column.low, column.high))
        return values.mask(infinite)

    def dates(
        self,
        column: str,
        *,
        date_format: str | None = None,
        dayfirst: bool | None = None,
        required: bool = True,
        message: str = "unparseable or missing date",
    ) -> pd.Series:
        """``column`` read by the lab's one date policy (:func:`crmlab.data.dates.parse_date_column`).

        Each unparseable value is reported with its row (and each missing one
        when ``required``); an ambiguous day-first/month-first column or dates
        without a day are one problem of the column, and its dates are NaT.
        """
        raw = self.frame[column]
        missing = raw.isna() if pd.api.types.is_datetime64_any_dtype(raw) else missing_cells(raw)
        try:
            dates, unparseable = parse_date_column(raw.mask(missing), column=column, source=self.source,
                                                   date_format=date_format, dayfirst=dayfirst)
        except DataError as exc:
            self.add(exc.problems)
            return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
        self.report(unparseable | (missing & required), column, message)
        return dates

    def raise_if_any(self, source: str | None = None) -> None:
        if self.total:
            raise DataError(self.source if source is None else source, self.problems, n_problems=self.total)


def read_table(
    source: Any,
    columns: Sequence[Column],
    *,
    what: str = "table",
    unique: Sequence[str] | None = None,
    rename: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """A checked table from a CSV/TSV/Parquet path or a DataFrame.

    Every problem is collected before one :class:`~crmlab.data.DataError` is
    raised: missing required columns, no rows, missing values in a
    non-nullable column (:mod:`crmlab.data.missing`), values that do not
    convert to the column's kind, numbers out of bounds, labels outside
    ``choices``, and duplicate keys (``unique``: the columns that identify a
    row). Ids and labels are compared by value (:mod:`crmlab.data.ids`); dates
    are read by the lab's one date policy (:mod:`crmlab.data.dates`:
    ``date_format=`` or ``dayfirst=`` choose the format of an ambiguous
    column). Columns not declared are kept as they are. ``rename`` maps the
    user's column names to the declared ones.

    >>> cols = (Column("account_id", "id"), Column("revenue", "number", low=0))
    >>> read_table(pd.DataFrame({"account_id": ["a", "b"], "revenue": ["10", "2.5"]}), cols)
      account_id  revenue
    0          a     10.0
    1          b      2.5
    >>> read_table(pd.DataFrame({"account_id": ["a"], "revenue": [-1]}), cols, what="accounts")
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 0, column 'revenue': negative value (-1)
    """
    name, frame = load_table(source, what=what, required=[c.name for c in columns if c.required], rename=rename)
    log = ProblemLog(frame, name)

    out = frame.copy()
    for col in columns:
        if col.name not in frame.columns:
            out[col.name] = np.nan if col.kind in ("number", "integer") else (pd.NaT if col.kind == "date" else None)
            continue
        if col.kind in ("id", "text"):
            values = log.ids(col.name, required=not col.nullable, message="missing value")
            if col.choices is not None:
                values = values.map(str.lower, na_action="ignore")
                log.report(values.notna() & ~values.isin(col.choices), col.name, f"must be one of {', '.join(col.choices)}")
        elif col.kind == "date":
            if not col.nullable:
                log.report(log.missing(col.name), col.name, "missing value")
            values = log.dates(col.name, date_format=date_format, dayfirst=dayfirst, required=False, message="unparseable date")
        else:
            values = log.numbers(col)
        out[col.name] = values
    if unique:
        key = list(unique)
        # Missing values of a nullable key column compare equal (one "no product" row per account);
        # a row missing a required key is already reported as missing.
        required = [c.name for c in columns if c.name in key and not c.nullable]
        dup = out.duplicated(key, keep="first") & out[required].notna().all(axis=1)
        log.report(dup, key[-1], f"duplicate {' × '.join(key)}", out[key[-1]])
    log.raise_if_any()
    declared = [c.name for c in columns]
    return out[declared + [c for c in out.columns if c not in declared]].reset_index(drop=True)


# ----- checks of a frame handed to a function (no file): the same rules, the same wording -----


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (so messages show ``-2``, not ``np.int64(-2)``)."""
    return value.item() if isinstance(value, np.generic) else value


def check_numeric(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    source: str = "DataFrame",
    nonnegative: Sequence[str] = (),
    positive: Sequence[str] = (),
    bounds: tuple[float, float] | None = None,
    allow_missing: Sequence[str] = (),
) -> pd.DataFrame:
    """The named columns as floats; raise one DataError listing every missing, non-numeric,
    infinite, negative (``nonnegative``), non-positive (``positive``) or out-of-``bounds`` cell.

    Each column is checked as a :class:`Column` of kind
    ``"number"`` by :meth:`ProblemLog.numbers` (missing
    cells by :mod:`crmlab.data.missing`); values are shown as given. A
    ``bounds`` that is not (lowest, highest) with lowest < highest is a ValueError.

    >>> check_numeric(pd.DataFrame({"spend": [1, -2]}), ["spend"], nonnegative=["spend"])
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 1, column 'spend': negative value (-2)
    """
    columns = list(columns)
    check_columns(frame, columns, source=source)
    low, high = check_scale(bounds, name="bounds") if bounds is not None else (None, None)
    log = ProblemLog(frame, source)
    out = frame.copy()
    for column in columns:
        spec = Column(column, "number", nullable=column in allow_missing, positive=column in positive,
                      low=low if bounds is not None else (0 if column in nonnegative else None), high=high)
        out[column] = log.numbers(spec)
    log.raise_if_any()
    return out


def check_columns(frame: pd.DataFrame, columns: Iterable[str], *, source: str = "DataFrame") -> None:
    """Raise a DataError naming each required column that is absent (the columns present are listed).

    >>> check_columns(pd.DataFrame({"spend": [1]}), ["spend", "segment"], source="plan")
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: plan: 1 problem
      column 'segment': missing column (columns present: ['spend'])
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(source, [Problem(f"missing column (columns present: {list(frame.columns)})", column=c) for c in missing])


def check_labels(frame: pd.DataFrame, column: str, allowed: Iterable[str], *, source: str = "DataFrame") -> None:
    """Raise a DataError naming each row whose ``column`` is missing or not one of ``allowed``.

    >>> check_labels(pd.DataFrame({"action": ["retention", "bribe"]}), "action", ["retention", "reward"])
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 1, column 'action': unknown value (allowed: ['retention', 'reward']) ('bribe')
    """
    allowed = list(allowed)
    bad = frame[column].isna() | ~frame[column].isin(allowed)
    if bad.any():
        raise DataError(source, [Problem(f"unknown value (allowed: {allowed})", row=row, column=column, value=value)
                                 for row, value in frame.loc[bad, column].items()])


def check_flags(flags: pd.Series, *, source: str = "DataFrame", column: str | None = None) -> pd.Series:
    """A yes/no column as booleans; raise a DataError naming each missing (NaN/None) or non-boolean
    entry (anything but True/False/1/0) — a missing flag is not silently read as True (``bool(nan)``)
    nor as False.

    >>> check_flags(pd.Series({"a": True, "b": 0})).tolist()
    [True, False]
    >>> check_flags(pd.Series({"a": True, "b": np.nan}), column="lapsed")
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row b, column 'lapsed': missing value (a flag must be True or False)
    """
    column = column if column is not None else (str(flags.name) if flags.name is not None else None)
    problems = [Problem("missing value (a flag must be True or False)", row=row, column=column) for row in flags.index[flags.isna()]]
    valid = flags.dropna()
    bad = [row for row, v in valid.items()
           if not (isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float, np.number)) and v in (0, 1)))]
    problems += [Problem("not a True/False flag", row=row, column=column, value=_plain(flags[row])) for row in bad]
    if problems:
        raise DataError(source, problems)
    return flags.astype(bool)
