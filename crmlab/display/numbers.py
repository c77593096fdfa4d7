"""Numbers as readers read them: counts, shares, money, p-values and measurements.

Each formatter takes one value and returns a string, or takes a Series (or a
list, array, Index) and returns one string per value (a Series keeps its
index). None of them ever writes scientific notation, and all of them write
a missing value (None, NaN, NA, NaT) as :data:`MISSING`.

The conventions are those of a results table in a paper (APA 2020, *Publication
Manual*, 7th ed., §6.36 and §6.40): thousands separators, percentages with a
fixed number of decimals, p-values to three decimals with "< 0.001" below that,
and a number of decimals chosen once per column so that the column lines up.

>>> integer(2357.0), percent(0.1), money(1234.5), p_value(0.00002), number(0.2431)
('2,357', '10.0%', '$1,234.50', '< 0.001', '0.243')
>>> number(pd.Series([0.243, 4.414, 0.793, 2.426])).tolist()
['0.243', '4.414', '0.793', '2.426']
"""

from __future__ import annotations

import math
import numbers as _numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.errors import DataError, Problem

__all__ = ["MISSING", "decimals_for", "integer", "is_missing", "money", "number", "p_value", "percent"]

#: How a missing value is written in a reader table or sentence.
MISSING = "–"

#: Significant digits :func:`number` keeps when no ``digits`` are given.
SIGNIFICANT_DIGITS = 3


def is_missing(value: Any) -> bool:
    """Whether a value is missing (None, NaN, NA, NaT) and is written as :data:`MISSING`.

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NaT), is_missing(0.0), is_missing([1, 2])
    (True, True, True, False, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # pd.isna of an array-like: not a scalar, so not missing
        return False


def _as_float(value: Any, what: str, row: Any = None, column: Any = None) -> float:
    """The value as a float, or a DataError naming where the value came from."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (_numbers.Real, np.number)):
        raise DataError("DataFrame" if column is not None else "value",
                        [Problem(f"{what} needs a number", row=row, column=None if column is None else str(column),
                                 value=value)])
    return float(value)


def _fixed(x: float, digits: int) -> str:
    """``x`` with ``digits`` decimals and thousands separators; no "-0" for a value that rounds to zero."""
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    text = f"{x:,.{max(int(digits), 0)}f}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]
    return text


def _each(values: Any, format_one: Callable[[Any, Any, Any], str]) -> Any:
    """Apply ``format_one(value, row, column)`` to a scalar, a Series or another array-like."""
    if isinstance(values, pd.Series):
        return pd.Series([format_one(v, row, values.name) for row, v in values.items()],
                         index=values.index, name=values.name, dtype=object)
    if isinstance(values, (pd.Index, np.ndarray, list, tuple)):
        return [format_one(v, k + 1, "values") for k, v in enumerate(values)]
    return format_one(values, None, None)


def integer(x: Any) -> Any:
    """A count: a whole number with thousands separators ("2,357", not "2357.000").

    A float is rounded to the nearest whole number (half to even, as Python
    rounds).

    >>> integer(2357), integer(2357.0), integer(-1234567), integer(float("nan"))
    ('2,357', '2,357', '-1,234,567', '–')
    >>> integer(pd.Series([1.0, 20.0, 300.0])).tolist()
    ['1', '20', '300']
    """

    def one(v: Any, row: Any, column: Any) -> str:
        return MISSING if is_missing(v) else _fixed(_as_float(v, "a count", row, column), 0)

    return _each(x, one)


def percent(x: Any, digits: int = 1) -> Any:
    """A share written as a percentage: 0.1 → "10.0%" (``digits`` decimals).

    Shares outside [0, 1] are written as they are (a retention rate of 1.3 is
    "130.0%", a change of -0.05 is "-5.0%").

    >>> percent(0.1), percent(0.12345, digits=2), percent(1.3), percent(-0.05)
    ('10.0%', '12.35%', '130.0%', '-5.0%')
    >>> percent([0.5, None])
    ['50.0%', '–']
    """

    def one(v: Any, row: Any, column: Any) -> str:
        return MISSING if is_missing(v) else _fixed(100 * _as_float(v, "a share", row, column), digits) + "%"

    return _each(x, one)


def _unit_in_front(unit: str) -> bool:
    """A one-character currency symbol goes in front ("$12.50"); a code or word after ("12.50 EUR")."""
    return len(unit) == 1 and not unit.isalnum()


def money(x: Any, unit: str = "$", digits: int = 2) -> Any:
    """An amount of money with its currency: a symbol in front ("$1,234.50"), a code or unit after ("1,234.50 EUR").

    ``unit`` is the report's currency (a parameter of the notebook); ``""``
    writes the amount alone.

    >>> money(1234.5), money(-12.5), money(1234.5, unit="€"), money(1234.5, unit="EUR"), money(99.5, digits=0)
    ('$1,234.50', '-$12.50', '€1,234.50', '1,234.50 EUR', '$100')
    >>> money(pd.Series([1.0, 2.5]), unit="£").tolist()
    ['£1.00', '£2.50']
    """

    def one(v: Any, row: Any, column: Any) -> str:
        if is_missing(v):
            return MISSING
        amount = _fixed(_as_float(v, "an amount of money", row, column), digits)
        if not unit:
            return amount
        if _unit_in_front(unit):
            return f"-{unit}{amount[1:]}" if amount.startswith("-") else f"{unit}{amount}"
        return f"{amount} {unit}"

    return _each(x, one)


def p_value(p: Any) -> Any:
    """A p-value to three decimals, and "< 0.001" below 0.001 (APA 2020, §6.36).

    A value outside [0, 1] is no probability and raises a :class:`~crmlab.data.DataError`.

    >>> p_value(0.0234), p_value(0.0004), p_value(1.0), p_value(0.0005)
    ('0.023', '< 0.001', '1.000', '< 0.001')
    """

    def one(v: Any, row: Any, column: Any) -> str:
        if is_missing(v):
            return MISSING
        value = _as_float(v, "a p-value", row, column)
        if not 0.0 <= value <= 1.0:
            raise DataError("DataFrame" if column is not None else "value",
                            [Problem("p-value outside [0, 1]", row=row, column=None if column is None else str(column),
                                     value=v)])
        return "< 0.001" if value < 0.001 else f"{value:.3f}"

    return _each(p, one)


def decimals_for(values: Iterable[float], significant: int = SIGNIFICANT_DIGITS) -> int:
    """How many decimals show numbers of this size with ``significant`` significant digits.

    Whole numbers get none. Otherwise the size is the 10th percentile of the
    non-zero absolute values, so the small values of a column keep their
    significant digits and one tiny outlier does not give every value ten
    decimals.

    >>> decimals_for([2357.0, 120.0]), decimals_for([0.243, 4.414]), decimals_for([15.44, 6.25]), decimals_for([0.00123])
    (0, 3, 2, 5)
    """
    finite = np.asarray([v for v in values if not is_missing(v)], dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0 or np.all(finite == np.round(finite)):
        return 0
    size = float(np.quantile(np.abs(finite[finite != 0]), 0.1))
    return int(min(max(significant - 1 - math.floor(math.log10(size)), 0), 12))


def number(x: Any, digits: int | None = None) -> Any:
    """A measurement (an estimate, a mean, a time) without scientific notation.

    ``digits`` decimals when given; otherwise chosen by magnitude with
    :func:`decimals_for` (three significant digits), once for a whole Series
    so that the column lines up. Integers are written as counts.

    >>> number(0.000123), number(1234567.891), number(4.414), number(12, digits=2), number(1e-9)
    ('0.000123', '1,234,568', '4.41', '12', '0.00000000100')
    >>> number(pd.Series([15.44, 6.25, 3.74])).tolist()
    ['15.44', '6.25', '3.74']
    >>> number(pd.Series([1.0, 2.0])).tolist()
    ['1', '2']
    """
    if isinstance(x, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        column = pd.Series(x) if not isinstance(x, pd.Series) else x
        floats = [_as_float(v, "a number", row, column.name) for row, v in column.items() if not is_missing(v)]
        digits = decimals_for(floats) if digits is None else digits
    elif digits is None and not is_missing(x):
        digits = decimals_for([_as_float(x, "a number")])

    def one(v: Any, row: Any, column: Any) -> str:
        if is_missing(v):
            return MISSING
        if isinstance(v, (_numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_)):
            return _fixed(float(v), 0)
        return _fixed(_as_float(v, "a number", row, column), digits)

    return _each(x, one)
