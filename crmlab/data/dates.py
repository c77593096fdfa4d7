"""One date policy for every reader of the lab: a column's format is chosen once, never guessed per value.

A date column is read in one format for the whole column:

- ``date_format=`` (a strftime format such as ``"%d/%m/%Y"``) when given;
- otherwise the format is inferred from the column's values: the candidate
  formats are the ones pandas' ``guess_datetime_format`` proposes for a sample
  of values (the first :data:`SAMPLE_SIZE` distinct values among the first
  :data:`SAMPLE_ROWS` rows, the same sample in every engine), read month-first
  and day-first, and the candidate that reads the most rows of the *whole
  column* wins (a tie goes to the format proposed by more sample values, then
  to the one proposed first). Values it cannot read are reported, row by row,
  as unparseable dates (a column mixing formats is an error, not a silent
  mixture).
- When a day-first and a month-first format both read every value and give
  different dates (a file of ``01/03/2021``, ``05/04/2021``: 1 March or
  3 January?), the column is **ambiguous**: a :class:`~crmlab.data.DataError`
  says so, with an example, and how to choose (``dayfirst=True``/``False`` or
  ``date_format=``). ``dayfirst`` keeps only the formats of that order (it
  does not concern year-first dates, nor months written as names).
- Year-first dates are read year-month-day (ISO 8601); nobody writes
  year-day-month.
- A format without a day (``2021``, ``2021-03``) is refused: the lab's dates
  are days or finer, and "1 January" is not a date anyone recorded.
- Numbers are read as their digits (``20210131`` as ``%Y%m%d``; a whole
  float such as ``20210131.0``, from a column with gaps, too); dates with a
  UTC offset (``Z``, ``+02:00``) are read as the instant in UTC, without a time
  zone; datetime columns are kept (a time-zone-aware one converted to UTC).

The same decision, :func:`infer_date_format` (the candidates of a sample, and
:func:`choose_date_format` among them), serves the pandas readers
(:func:`parse_date_column`), the lazy Polars reader and the Spark reader; each
engine counts the candidates' reads over the whole column in one pass of its
own, and only when there are several candidates.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from crmlab.data.errors import DataError, Problem

__all__ = [
    "DATE_POLICY",
    "candidate_formats",
    "choose_date_format",
    "date_sample",
    "date_text",
    "infer_date_format",
    "parse_date_column",
]

#: One line for messages and docs: how dates are read.
DATE_POLICY = (
    "one format for the whole column, inferred from its values or given by date_format= / dayfirst=; "
    "a column that reads both day-first and month-first is an error"
)

#: How many distinct values propose candidate formats (every value is then read in each candidate). Each
#: proposal is a guess of about a millisecond or two; a column needs one value of each format it holds
#: (and one date that reads both ways proposes both readings), so 50 is plenty.
SAMPLE_SIZE = 50
#: The sample's distinct values are taken from this many first rows of the column (a lazy reader
#: reads only them); if those rows hold no date at all, from the whole column.
SAMPLE_ROWS = 10_000

_DAY = re.compile(r"%[dj]")


def _order(fmt: str) -> str:
    """The order of year, month and day in a format, e.g. 'dmy' for '%d/%m/%Y'."""
    positions = {k: fmt.find(d) for k, d in (("y", "%Y"), ("m", "%m"), ("d", "%d"))}
    if positions["y"] < 0:
        positions["y"] = fmt.find("%y")
    if positions["m"] < 0:
        positions["m"] = max(fmt.find("%b"), fmt.find("%B"))
    return "".join(k for k, p in sorted(positions.items(), key=lambda kv: kv[1]) if p >= 0)


def is_day_first(fmt: str) -> bool:
    """Whether a format reads the day before a numeric month ('%d/%m/%Y'), as opposed to month-first.

    >>> is_day_first("%d/%m/%Y"), is_day_first("%m/%d/%Y"), is_day_first("%Y-%m-%d"), is_day_first("%d %b %Y")
    (True, False, False, False)
    """
    order = _order(fmt)
    return "%m" in fmt and "d" in order and "m" in order and order.index("d") < order.index("m")


def _order_matters(fmt: str) -> bool:
    """Whether ``dayfirst`` concerns a format: a numeric day and month, not year-first."""
    order = _order(fmt)
    return "%m" in fmt and "d" in order and "m" in order and not order.startswith("y")


def candidate_formats(sample: Iterable[Any], *, dayfirst: bool | None = None) -> list[str]:
    """The formats worth trying for a column, from a sample of its values (strings, stripped).

    Each value proposes its month-first and its day-first reading (pandas'
    ``guess_datetime_format``), one vote per format it proposes; year-day-month
    readings are dropped (ISO order is year-month-day), and ``dayfirst`` keeps
    only formats of that order where the order matters (a numeric day and
    month, not year-first). Most proposed first; among equals, the one
    proposed first.

    >>> candidate_formats(["01/03/2021", "05/04/2021"])
    ['%m/%d/%Y', '%d/%m/%Y']
    >>> candidate_formats(["01/03/2021"], dayfirst=True)
    ['%d/%m/%Y']
    >>> candidate_formats(["2021-03-01"], dayfirst=True)
    ['%Y-%m-%d']
    >>> candidate_formats(["05 Jan 2021"], dayfirst=False)
    ['%d %b %Y']
    """
    votes: dict[str, int] = {}
    with warnings.catch_warnings():  # pandas warns when a guess contradicts the dayfirst flag
        warnings.simplefilter("ignore", UserWarning)
        for value in sample:
            text = str(value).strip()
            if not text:
                continue
            proposed: list[str] = []
            month_first = guess_datetime_format(text, dayfirst=False)
            guesses = [month_first]
            # The day-first reading differs only where the day/month order matters (each guess costs
            # about a millisecond): for a year-first or a month-name date it is the same, or dropped.
            if month_first is None or _order(month_first).startswith("yd") or _order_matters(month_first):
                guesses.append(guess_datetime_format(text, dayfirst=True))
            for fmt in guesses:
                if fmt is None or _order(fmt).startswith("yd") or fmt in proposed:
                    continue
                proposed.append(fmt)
                votes[fmt] = votes.get(fmt, 0) + 1
    formats = sorted(votes, key=lambda f: -votes[f])  # stable: among equals, the first proposed
    if dayfirst is not None:
        formats = [f for f in formats if not _order_matters(f) or is_day_first(f) == dayfirst]
    return formats


def date_sample(text: pd.Series) -> list[str]:
    """The values that propose a column's candidate formats: the first :data:`SAMPLE_SIZE` distinct
    present values among its first :data:`SAMPLE_ROWS` rows, or of the whole column if those hold none.

    ``text`` is the column as stripped strings, missing cells null. The lazy readers take the same
    sample with their own engine.

    >>> date_sample(pd.Series([None, "2021-01-02", "2021-01-02", "2021-01-03"]))
    ['2021-01-02', '2021-01-03']
    """
    for part in (text.iloc[:SAMPLE_ROWS], text):
        present = part[part.notna() & part.ne("")]
        if len(present):
            return [str(v) for v in pd.unique(present.to_numpy(dtype=object))[:SAMPLE_SIZE]]
    return []


def choose_date_format(
    candidates: list[str],
    n_parsed: Mapping[str, int],
    *,
    column: str,
    source: str,
    disagreement: Callable[[str, str], Any] | None = None,
) -> str | None:
    """The format of a column: the candidate reading the most values; an error when the choice is a guess.

    ``n_parsed`` counts, for each candidate, the rows of the whole column it
    reads. Among the candidates that read the most, a day-first and a
    month-first format that disagree (``disagreement(a, b)`` returns an example
    value read differently, or None where they agree on every value) make the
    column ambiguous: a :class:`~crmlab.data.DataError` says how to choose. A
    chosen format without a day is refused. ``None`` when no candidate reads
    anything (every value is then an unparseable date).

    >>> choose_date_format(["%m/%d/%Y", "%d/%m/%Y"], {"%m/%d/%Y": 2, "%d/%m/%Y": 3}, column="date", source="tx.csv")
    '%d/%m/%Y'
    """
    if not candidates:
        return None
    best = max(n_parsed.get(f, 0) for f in candidates)
    if best == 0:
        return None
    tied = [f for f in candidates if n_parsed.get(f, 0) == best]
    chosen = tied[0]
    for other in tied[1:]:
        if is_day_first(other) == is_day_first(chosen):
            continue
        example = disagreement(chosen, other) if disagreement is not None else True
        if example is None:
            continue  # every value has its day equal to its month: both readings agree
        month_first, day_first = (chosen, other) if is_day_first(other) else (other, chosen)
        shown = "" if example is True else f", e.g. {example!r} is {_spell(example, day_first)} day-first or {_spell(example, month_first)} month-first"
        raise DataError(
            source,
            [
                Problem(
                    f"ambiguous dates: the column reads as well day-first ({day_first}) as month-first ({month_first}){shown}; "
                    "say which with dayfirst=True or dayfirst=False, or give date_format=",
                    column=column,
                )
            ],
        )
    if not _DAY.search(chosen):
        raise DataError(
            source,
            [
                Problem(
                    f"dates without a day (format {chosen}): crmlab reads dates to the day or finer, and does not "
                    "put an unrecorded day in; give full dates",
                    column=column,
                )
            ],
        )
    return chosen


def date_text(raw: pd.Series) -> pd.Series:
    """A date column as stripped text: numbers as their digits (a whole float as an integer), value by value.

    >>> date_text(pd.Series([20210131.0, None, 20210201.5])).tolist()
    ['20210131', <NA>, '20210201.5']
    """
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("string")
    if pd.api.types.is_numeric_dtype(raw):
        text = raw.astype("string")
        whole = (raw.notna() & (raw % 1 == 0)).to_numpy(dtype=bool)
        if whole.any():
            text[whole] = raw[whole].astype("Int64").astype("string")
        return text
    return raw.astype("string").str.strip()


def infer_date_format(
    sample: Iterable[Any],
    *,
    dayfirst: bool | None,
    column: str,
    source: str,
    count_reads: Callable[[list[str], list[tuple[str, str]]], tuple[Mapping[str, int], Mapping[tuple[str, str], int]]],
    example: Callable[[str, str], Any],
) -> str | None:
    """The format of a column by the policy above, whatever engine holds it: one pass over the column, at most.

    The candidates are :func:`candidate_formats` of ``sample`` (see :func:`date_sample`). With one
    candidate nothing is counted (it is the format; the rows it does not read are unparseable
    dates). With several, ``count_reads(candidates, pairs)`` returns, in one pass over the whole
    column, the rows each candidate reads and, for each day-first/month-first pair, the rows the two
    read as different dates; ``example(a, b)`` returns the first value read differently by a and b
    (called only for an ambiguous column, on the way to its error). Then
    :func:`choose_date_format`. None when no candidate reads anything.

    >>> def count(candidates, pairs):
    ...     return {"%m/%d/%Y": 2, "%d/%m/%Y": 2}, {pairs[0]: 0}
    >>> infer_date_format(["01/01/2021", "02/02/2021"], dayfirst=None, column="date", source="tx.csv",
    ...                   count_reads=count, example=lambda a, b: None)
    '%m/%d/%Y'
    """
    candidates = candidate_formats(sample, dayfirst=dayfirst)
    if len(candidates) <= 1:
        return choose_date_format(candidates, {f: 1 for f in candidates}, column=column, source=source)
    pairs = [(a, b) for i, a in enumerate(candidates) for b in candidates[i + 1 :] if is_day_first(a) != is_day_first(b)]
    n_parsed, n_differ = count_reads(candidates, pairs)
    differ = {frozenset(pair): n for pair, n in n_differ.items()}

    def disagreement(a: str, b: str) -> Any:
        return example(a, b) if differ.get(frozenset((a, b))) else None

    return choose_date_format(candidates, n_parsed, column=column, source=source, disagreement=disagreement)


def _spell(value: Any, fmt: str) -> str:
    try:
        return pd.to_datetime(str(value).strip(), format=fmt).strftime("%-d %B %Y")
    except (ValueError, TypeError):
        return "another date"


def _to_datetime(text: pd.Series, fmt: str) -> pd.Series:
    """``text`` read in one format: naive datetimes, offsets converted to UTC, NaT where it does not read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        dates = pd.to_datetime(text, errors="coerce", format=fmt, utc="%z" in fmt)
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_convert(None)
    return dates


def parse_date_column(
    raw: pd.Series,
    *,
    column: str = "date",
    source: str = "DataFrame",
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> tuple[pd.Series, pd.Series]:
    """A column of dates read by the lab's one policy: ``(dates, unparseable)``.

    ``dates`` is naive ``datetime64`` (NaT where missing or unreadable), in the
    resolution pandas gives (``us`` for text; a datetime column keeps its own):
    a reader checks the range it keeps. ``unparseable`` is True where a value
    is present but does not read in the column's format, for the reader to
    report with its row. Missing cells are nulls or empty strings (apply
    :mod:`crmlab.data.missing` first). Raises a
    :class:`~crmlab.data.DataError` for an ambiguous column or a format
    without a day (see the module's docstring).

    >>> dates, bad = parse_date_column(pd.Series(["13/02/2021", "01/03/2021", "25/03/2021"]))
    >>> [d.strftime("%d %b") for d in dates], bad.tolist()
    (['13 Feb', '01 Mar', '25 Mar'], [False, False, False])
    >>> parse_date_column(pd.Series(["01/03/2021", "05/04/2021"]), source="ledger.csv")
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: ledger.csv: 1 problem
      column 'date': ambiguous dates: the column reads as well day-first (%d/%m/%Y) as month-first (%m/%d/%Y), e.g. '01/03/2021' is 1 March 2021 day-first or 3 January 2021 month-first; say which with dayfirst=True or dayfirst=False, or give date_format=
    >>> parse_date_column(pd.Series(["01/03/2021"]), dayfirst=True)[0].dt.strftime("%d %b %Y").tolist()
    ['01 Mar 2021']
    """
    if pd.api.types.is_datetime64_any_dtype(raw):
        dates = raw.dt.tz_convert(None) if getattr(raw.dt, "tz", None) is not None else raw
        return dates, pd.Series(False, index=raw.index)
    text = date_text(raw)
    present = text.notna() & text.ne("")
    counts = text[present].value_counts(sort=False)  # each distinct value read once, counted by its rows
    values = pd.Series(counts.index.to_numpy(dtype=object), dtype=object)
    parsed: dict[str, pd.Series] = {}

    def differ(a: str, b: str) -> np.ndarray:
        return ((parsed[a] != parsed[b]) & parsed[a].notna() & parsed[b].notna()).to_numpy()

    def count_reads(candidates: list[str], pairs: list[tuple[str, str]]) -> tuple[dict, dict]:
        parsed.update({f: _to_datetime(values, f) for f in candidates})
        rows = counts.to_numpy()  # each distinct value counts its rows
        return {f: int(rows[p.notna().to_numpy()].sum()) for f, p in parsed.items()}, {(a, b): int(rows[differ(a, b)].sum()) for a, b in pairs}

    def example(a: str, b: str) -> Any:
        return text[text.isin(set(values[differ(a, b)]))].iloc[0]  # the first such row of the column

    fmt = date_format
    if fmt is None:
        fmt = infer_date_format(date_sample(text), dayfirst=dayfirst, column=column, source=source, count_reads=count_reads, example=example)
    if fmt is None:
        dates = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    else:
        dates = _to_datetime(text.where(present), fmt)
        dates.index = raw.index
    return dates, pd.Series(np.asarray(present & dates.isna(), dtype=bool), index=raw.index)
