"""Input checks shared by the strategy modules: every bad cell named by source, row and column."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data import tables
from crmlab.data.errors import DataError, Problem


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (so messages show ``-2``, not ``np.int64(-2)``)."""
    return value.item() if isinstance(value, np.generic) else value


def read_table(source: Any) -> tuple[pd.DataFrame, str]:
    """A DataFrame as given, or a CSV/TSV/Parquet file read by :func:`crmlab.data.tables.load_table`
    (which records the file for report provenance); returns the frame and its source name.

    Rows of a file are numbered from 1 (the first row under the header), those of a DataFrame by
    their index label, as :class:`~crmlab.data.DataError` does.
    """
    if not isinstance(source, (str, os.PathLike, pd.DataFrame)):
        raise TypeError(f"expected a DataFrame or a CSV/Parquet path, got {type(source).__name__}")
    name, frame = tables.load_table(source)
    return frame, name


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

    >>> check_numeric(pd.DataFrame({"spend": [1, -2]}), ["spend"], nonnegative=["spend"])
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 1, column 'spend': negative value (-2)
    """
    columns = list(columns)
    problems: list[Problem] = []
    missing_columns = [c for c in columns if c not in frame.columns]
    if missing_columns:
        raise DataError(source, [Problem(f"missing column (columns present: {list(frame.columns)})", column=c) for c in missing_columns])
    out = frame.copy()
    for column in columns:
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce").astype(float)
        for row, value in raw[values.isna() & raw.notna()].items():
            problems.append(Problem("not a number", row=row, column=column, value=plain(value)))
        if column not in allow_missing:
            for row in raw.index[raw.isna()]:
                problems.append(Problem("missing value", row=row, column=column))
        finite = values.dropna()
        for row, value in finite[~np.isfinite(finite)].items():
            problems.append(Problem("not a finite number", row=row, column=column, value=value))
        if column in nonnegative:
            for row, value in finite[finite < 0].items():
                problems.append(Problem("negative value", row=row, column=column, value=plain(raw[row])))
        if column in positive:
            for row, value in finite[finite <= 0].items():
                problems.append(Problem("must be positive", row=row, column=column, value=plain(raw[row])))
        if bounds is not None:
            low, high = bounds
            for row, value in finite[(finite < low) | (finite > high)].items():
                problems.append(Problem(f"outside the scale [{low:g}, {high:g}]", row=row, column=column, value=plain(raw[row])))
        out[column] = values
    if problems:
        raise DataError(source, problems)
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
