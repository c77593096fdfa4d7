"""The referral log, read and checked like the transactions.

One row per referral: ``referrer_id`` (the customer who recommended),
``referred_id`` (the customer acquired through the recommendation) and ``date``
(when the referred customer joined), optionally ``reward`` (what the firm paid
for the referral) and ``channel``. Each customer is acquired once, so a
customer is referred at most once; customers who refer but were never referred
are the *seeds* (roots) of the referral trees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

# networkx is imported by the reader that checks the referrals for cycles (import cost).

from crmlab.data.dates import candidate_formats
from crmlab.data.tables import Column, ProblemLog, load_table

__all__ = ["REFERRAL_COLUMNS", "read_adoptions", "read_referrals", "read_service_quality"]

REQUIRED = ("referrer_id", "referred_id", "date")
OPTIONAL = ("reward", "channel")
#: The columns of the canonical referral log (required first).
REFERRAL_COLUMNS = REQUIRED + OPTIONAL


def read_referrals(
    source: Any,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """The canonical referral log from a CSV/Parquet path or a DataFrame, checked.

    A referral is the acquisition of a new customer (``referred_id``) through
    the recommendation of an existing one (``referrer_id``) — the word-of-mouth
    "supply chain" of customers of Gummesson's (2008) relationship marketing.
    Problems reported together, by row and column, in a
    :class:`~crmlab.data.DataError`: missing columns, missing ids, a customer
    referring themselves, a customer referred twice (a customer is acquired
    once), unparseable dates, a referrer who recommended someone before being
    acquired themselves (this also rules out cycles), a negative or
    non-numeric ``reward``. ``columns`` maps your column names to the canonical
    ones. Customer ids are compared by value (:mod:`crmlab.data.ids`: ``7``,
    ``7.0`` and ``"7"`` are one customer), missing cells follow
    :mod:`crmlab.data.missing`, and join dates the lab's one date policy
    (:mod:`crmlab.data.dates`): one format for the whole column, a column that
    reads as well day-first as month-first refused unless ``dayfirst=`` or
    ``date_format=`` says which. Rows come back sorted by date.

    Source: Gummesson, E. (2008), *Total Relationship Marketing*, 3rd ed.,
    Butterworth-Heinemann (the referral relationship).

    >>> log = read_referrals(pd.DataFrame({"referrer_id": ["a", "b"], "referred_id": ["b", "c"],
    ...                                    "date": ["2024-01-05", "2024-02-01"]}))
    >>> log[["referrer_id", "referred_id"]].values.tolist()
    [['a', 'b'], ['b', 'c']]
    >>> read_referrals(pd.DataFrame({"referrer_id": ["a"], "referred_id": ["a"], "date": ["2024-01-05"]}))
    Traceback (most recent call last):
    ...
    crmlab.data.errors.DataError: DataFrame: 1 problem
      row 0, column 'referred_id': a customer cannot refer themselves ('a')
    """
    import networkx as nx

    name, frame = load_table(source, what="referral log", required=REQUIRED, rename=columns)
    report = ProblemLog(frame, name)
    log = pd.DataFrame(index=frame.index)
    for column in ("referrer_id", "referred_id"):
        log[column] = report.ids(column, message="missing customer id")
    both = log["referrer_id"].notna() & log["referred_id"].notna()
    report(both & (log["referrer_id"] == log["referred_id"]), "referred_id", "a customer cannot refer themselves")
    report(log["referred_id"].notna() & log["referred_id"].duplicated(keep="first"), "referred_id",
           "customer referred more than once (a customer is acquired once)")
    log["date"] = report.dates("date", date_format=date_format, dayfirst=dayfirst)
    log["reward"] = report.numbers(Column("reward", nullable=True, low=0)) if "reward" in frame.columns else np.nan
    log["channel"] = report.labels("channel", required=False) if "channel" in frame.columns else None
    ok = both & log["date"].notna() & ~log["referred_id"].duplicated(keep="first") & (log["referrer_id"] != log["referred_id"])
    joined = pd.Series(log.loc[ok, "date"].to_numpy(), index=log.loc[ok, "referred_id"].to_numpy())
    referrer_joined = log["referrer_id"].map(joined) if len(joined) else pd.Series(pd.NaT, index=log.index)
    report(referrer_joined.notna() & (log["date"] < referrer_joined), "date",
           "the referrer recommended someone before being acquired themselves")
    if not report.total:  # same-day cycles pass the date check; a referral tree has none
        graph = nx.DiGraph(zip(log["referrer_id"], log["referred_id"]))
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            cycle = []
        if cycle:
            closing = log.index[(log["referrer_id"] == cycle[-1][0]) & (log["referred_id"] == cycle[-1][1])]
            report(log.index.isin(closing), "referred_id",
                   f"referral cycle ({' → '.join([u for u, _ in cycle] + [cycle[0][0]])})")
    report.raise_if_any()
    return log[list(REFERRAL_COLUMNS)].sort_values(["date", "referred_id"], kind="stable").reset_index(drop=True)


_DAY = re.compile(r"%[dj]")


def _periods(frame: pd.DataFrame, report: ProblemLog, date_format: str | None, dayfirst: bool | None) -> pd.Series:
    """Period labels: whole numbers, months or years (``2024-02``, ``2024``), or dates read by the lab's date policy."""
    missing = report.missing("period")
    report(missing, "period", "missing period")
    raw = frame["period"].mask(missing)
    numbers = pd.to_numeric(raw, errors="coerce")
    if numbers[~missing].notna().all():
        report(numbers % 1 != 0, "period", "not a whole number")
        labels = numbers
    else:
        text = raw.astype("string").str.strip()
        present = text.dropna()
        coarse = [f for f in candidate_formats(present.unique()[:200], dayfirst=dayfirst) if not _DAY.search(f)]
        read = pd.to_datetime(text, format=coarse[0], errors="coerce") if coarse and date_format is None else None
        if read is not None and read[~missing].notna().all():
            labels = read  # months or years: periods, not dates without a day
        else:
            labels = report.dates("period", date_format=date_format, dayfirst=dayfirst, required=False,
                                  message="neither a period number nor a date")
    report(labels.notna() & labels.duplicated(keep="first"), "period", "duplicate period")
    return labels


def read_adoptions(
    source: Any, *, columns: Mapping[str, str] | None = None, date_format: str | None = None, dayfirst: bool | None = None
) -> pd.Series:
    """New adopters per period, checked: a table with ``period`` (numbers or dates) and ``adoptions``.

    The input of the Bass (1969) model: first purchases (or new customers) per
    period from launch. Problems named by row and column in a
    :class:`~crmlab.data.DataError`: missing columns or values, counts that are
    not whole numbers ≥ 0, duplicate periods. Periods are whole numbers,
    months or years (``2024-02``) or dates, read in one format for the whole
    column (:mod:`crmlab.data.dates`; ``date_format=`` or ``dayfirst=`` choose
    the format of an ambiguous column). Returned sorted by period, indexed 1..n.

    Source: Bass, F. M. (1969), Management Science 15(5) (adoptions of new durables per year).

    >>> read_adoptions(pd.DataFrame({"period": [2, 1, 3], "adoptions": [15, 10, 30]})).tolist()
    [10, 15, 30]
    """
    name, frame = load_table(source, what="adoption counts", required=("period", "adoptions"), rename=columns)
    report = ProblemLog(frame, name)
    labels = _periods(frame, report, date_format, dayfirst)
    counts = report.numbers(Column("adoptions", "integer", low=0))
    report.raise_if_any()
    ordered = counts.iloc[np.argsort(labels.to_numpy(), kind="stable")].astype(int)
    return pd.Series(ordered.to_numpy(), index=pd.RangeIndex(1, len(ordered) + 1, name="period"), name="adoptions")


def read_service_quality(
    source: Any, *, columns: Mapping[str, str] | None = None, date_format: str | None = None, dayfirst: bool | None = None
) -> pd.DataFrame:
    """Service interactions per period, checked: ``period``, ``interactions`` (> 0), ``complaints``
    (0..interactions) and optionally ``satisfaction`` (the period's mean rating).

    The input of the control charts of :mod:`crmlab.theories.referral.quality`
    (Montgomery 2009: a p-chart needs the sample size and the nonconforming
    count of each sample). Problems named by row and column in a
    :class:`~crmlab.data.DataError`. Periods are read as by :func:`read_adoptions`.
    Returned sorted by period.

    >>> read_service_quality(pd.DataFrame({"period": [1, 2], "interactions": [100, 120], "complaints": [5, 4]}))
       period  interactions  complaints  satisfaction
    0       1         100.0         5.0           NaN
    1       2         120.0         4.0           NaN
    """
    name, frame = load_table(source, what="service interactions", required=("period", "interactions", "complaints"), rename=columns)
    report = ProblemLog(frame, name)
    out = pd.DataFrame(index=frame.index)
    out["period"] = _periods(frame, report, date_format, dayfirst)
    out["interactions"] = report.numbers(Column("interactions", "integer", low=1))
    out["complaints"] = report.numbers(Column("complaints", "integer", low=0))
    # compared only where both counts are valid: a bad count is already reported by itself
    both = (out["interactions"] >= 1) & (out["complaints"] >= 0)
    report(both & (out["complaints"] > out["interactions"]), "complaints", "more complaints than interactions")
    out["satisfaction"] = (report.numbers(Column("satisfaction", nullable=True)) if "satisfaction" in frame.columns
                           else np.nan)
    report.raise_if_any()
    return out.sort_values("period", kind="stable").reset_index(drop=True)
