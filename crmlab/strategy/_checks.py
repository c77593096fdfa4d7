"""Input checks shared by the strategy modules: every bad cell named by source, row and column.

Files are read by :func:`crmlab.data.tables.load_table` and numbers checked by
:class:`crmlab.data.tables.ProblemLog`, so a strategy input reads and words its
problems like every other table of the lab (one wording for a negative value,
:func:`crmlab.data.tables.bounds_message`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem
from crmlab.data.tables import Column, ProblemLog, check_scale


def plain(value: Any) -> Any:
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

    Each column is checked as a :class:`crmlab.data.tables.Column` of kind
    ``"number"`` by :meth:`crmlab.data.tables.ProblemLog.numbers` (missing
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
    """Raise a DataError naming each required column that is absent."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(source, [Problem(f"missing column (columns present: {list(frame.columns)})", column=c) for c in missing])


def check_labels(frame: pd.DataFrame, column: str, allowed: Iterable[str], *, source: str = "DataFrame") -> None:
    """Raise a DataError naming each row whose ``column`` is missing or not one of ``allowed``."""
    allowed = list(allowed)
    bad = frame[column].isna() | ~frame[column].isin(allowed)
    if bad.any():
        raise DataError(source, [Problem(f"unknown value (allowed: {allowed})", row=row, column=column, value=value)
                                 for row, value in frame.loc[bad, column].items()])


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A numpy Generator from a seed or a Generator (seeded randomness only)."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


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
    problems += [Problem("not a True/False flag", row=row, column=column, value=plain(flags[row])) for row in bad]
    if problems:
        raise DataError(source, problems)
    return flags.astype(bool)
