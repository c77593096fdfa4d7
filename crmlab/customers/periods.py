"""Periods and time units of the customer-base metrics: what a day, a week and a month are.

Two notions, kept apart:

- a **period** (``freq``: ``"D"``, ``"W"``, ``"M"``) groups purchases: a day,
  a week running Monday to Sunday, or a calendar month. Periods are numbered
  by consecutive integers (:func:`period_ordinal`), so that the difference of
  two ordinals counts periods;
- a **time unit** (``unit`` / ``time_unit``) measures elapsed time in days,
  weeks of 7 days or months of 365.25 / 12 = 30.4375 days (:data:`UNIT_DAYS`,
  the mean Gregorian month, as in the CDNOW papers' weeks and the
  ``lifetimes`` library's ``freq_multiplier``).

Dates given as arguments (an observation or calibration end) are read as a
calendar day by :func:`as_day`. The RFM summary, retention, cohorts,
interpurchase times and the CLV validation share these definitions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl

__all__ = [
    "FREQS",
    "UNIT_DAYS",
    "as_day",
    "check_freq",
    "check_unit",
    "ordinal_start",
    "period_ordinal",
    "scalar_period",
    "to_periods",
]

#: Period lengths understood by ``freq``.
FREQS = ("D", "W", "M")
#: Length of a time unit in days: a week is 7 days, a month 365.25 / 12 = 30.4375 days.
UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 30.4375}


def check_freq(freq: str, name: str = "freq") -> str:
    """Validate a period length: "D" (day), "W" (week, Monday to Sunday) or "M" (calendar month).

    >>> check_freq("W")
    'W'
    >>> check_freq("Y")
    Traceback (most recent call last):
    ...
    ValueError: unknown freq 'Y'; expected one of 'D' (day), 'W' (week), 'M' (month)
    """
    if freq not in FREQS:
        raise ValueError(f"unknown {name} {freq!r}; expected one of 'D' (day), 'W' (week), 'M' (month)")
    return freq


def check_unit(unit: str, name: str = "unit") -> str:
    """Validate a time unit: "D" (days), "W" (7 days) or "M" (30.4375 days), the keys of :data:`UNIT_DAYS`.

    >>> UNIT_DAYS[check_unit("M")]
    30.4375
    """
    if unit not in UNIT_DAYS:
        raise ValueError(f"unknown {name} {unit!r}; expected one of 'D' (days), 'W' (weeks = 7 days), 'M' (months = 30.4375 days)")
    return unit


def as_day(value: Any, name: str) -> pd.Timestamp:
    """A date-like argument as a day (midnight, timezone-naive), or ValueError.

    The calendar day as written: a time of day is dropped, and so is a UTC offset or time zone
    (``"2021-01-31T23:00:00-05:00"`` is 31 January, not the UTC instant's 1 February).

    >>> as_day("2021-01-31T23:00:00-05:00", "observation_end")
    Timestamp('2021-01-31 00:00:00')
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{name} is required (a date such as '2021-12-31')")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date, got {value!r} ({exc})") from None
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    if ts.tz is not None:
        ts = ts.tz_localize(None)  # the wall-clock day as written, not the instant's day in UTC
    return ts.normalize()


def _epoch_days() -> pl.Expr:
    return pl.col("date").dt.date().cast(pl.Int32)


def period_ordinal(freq: str) -> pl.Expr:
    """Consecutive integer index of the ``freq`` period of ``date`` (differences count periods).

    Days since 1970-01-01; weeks (Monday to Sunday) since the week of
    1969-12-29; months as 12·year + month − 1.

    >>> dates = pl.DataFrame({"date": [pd.Timestamp("2021-01-03"), pd.Timestamp("2021-01-04")]})
    >>> dates.select(period_ordinal("W")).to_series().to_list()  # a Sunday, then the next week's Monday
    [2661, 2662]
    """
    if freq == "D":
        return _epoch_days()
    if freq == "W":
        return (_epoch_days() + 3).floordiv(7)  # 1970-01-01 was a Thursday: Monday is day -3
    return pl.col("date").dt.year().cast(pl.Int32) * 12 + pl.col("date").dt.month().cast(pl.Int32) - 1


def scalar_period(day: pd.Timestamp, freq: str) -> tuple[int, int]:
    """(ordinal, start day since epoch) of the period holding ``day``, as :func:`period_ordinal`.

    >>> scalar_period(pd.Timestamp("2021-01-03"), "W"), scalar_period(pd.Timestamp("2021-02-15"), "M")
    ((2661, 18624), (24253, 18659))
    """
    days = int((day.normalize() - pd.Timestamp("1970-01-01")).days)
    if freq == "D":
        return days, days
    if freq == "W":
        week = (days + 3) // 7
        return week, week * 7 - 3
    start = pd.Timestamp(year=day.year, month=day.month, day=1)
    return day.year * 12 + day.month - 1, int((start - pd.Timestamp("1970-01-01")).days)


def ordinal_start(freq: str, column: str = "ord") -> pl.Expr:
    """First day (a Polars Date) of the period with ordinal ``column`` (inverse of :func:`period_ordinal`).

    >>> pl.DataFrame({"ord": [24253]}).select(ordinal_start("M")).item()
    datetime.date(2021, 2, 1)
    """
    o = pl.col(column).cast(pl.Int32)
    if freq == "D":
        return o.cast(pl.Date)
    if freq == "W":
        return (o * 7 - 3).cast(pl.Date)
    return pl.date(o.floordiv(12), o.mod(12) + 1, 1)


def to_periods(starts: pd.Series, freq: str) -> pd.Series:
    """Period start dates as pandas Periods of ``freq`` (weeks run Monday to Sunday, "W-SUN").

    >>> to_periods(pd.Series(pd.to_datetime(["2020-12-28"])), "W").astype(str).tolist()
    ['2020-12-28/2021-01-03']
    """
    return pd.to_datetime(starts).dt.to_period({"D": "D", "W": "W-SUN", "M": "M"}[freq])
