"""The referral log, read and checked like the transactions.

One row per referral: ``referrer_id`` (the customer who recommended),
``referred_id`` (the customer acquired through the recommendation) and ``date``
(when the referred customer joined), optionally ``reward`` (what the firm paid
for the referral) and ``channel``. Each customer is acquired once, so a
customer is referred at most once; customers who refer but were never referred
are the *seeds* (roots) of the referral trees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crmlab.data.tables import ProblemLog, load_table
from crmlab.data.transactions import _as_string

__all__ = ["REFERRAL_COLUMNS", "read_adoptions", "read_referrals", "read_service_quality"]

REQUIRED = ("referrer_id", "referred_id", "date")
OPTIONAL = ("reward", "channel")
#: The columns of the canonical referral log (required first).
REFERRAL_COLUMNS = REQUIRED + OPTIONAL


def read_referrals(source: Any, *, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
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
    ones. Rows come back sorted by date.

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
    name, frame = load_table(source, what="referral log", required=REQUIRED, rename=columns)
    report = ProblemLog(frame)
    log = pd.DataFrame(index=frame.index)
    for column in ("referrer_id", "referred_id"):
        log[column] = _as_string(frame[column])
        blank = frame[column].isna() | (log[column].str.len() == 0)
        log.loc[blank, column] = None
        report(blank, column, "missing customer id")
    both = log["referrer_id"].notna() & log["referred_id"].notna()
    report(both & (log["referrer_id"] == log["referred_id"]), "referred_id", "a customer cannot refer themselves")
    report(log["referred_id"].notna() & log["referred_id"].duplicated(keep="first"), "referred_id",
           "customer referred more than once (a customer is acquired once)")
    raw = frame["date"]
    log["date"] = raw if pd.api.types.is_datetime64_any_dtype(raw) else pd.to_datetime(raw, errors="coerce", format="mixed")
    report(log["date"].isna(), "date", "unparseable or missing date")
    if "reward" in frame.columns:
        log["reward"] = pd.to_numeric(frame["reward"], errors="coerce").astype(float)
        report(log["reward"].isna() & frame["reward"].notna(), "reward", "not a number")
        report(log["reward"] < 0, "reward", "must be ≥ 0")
    else:
        log["reward"] = np.nan
    log["channel"] = frame["channel"].astype("string").astype(object) if "channel" in frame.columns else None
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
    report.raise_if_any(name)
    return log[list(REFERRAL_COLUMNS)].sort_values(["date", "referred_id"], kind="stable").reset_index(drop=True)


def _numbers(frame: pd.DataFrame, report: ProblemLog, column: str, *, low: float | None = None, whole: bool = False,
             required: bool = True) -> pd.Series:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    report(raw.isna() if required else pd.Series(False, index=frame.index), column, "missing value")
    bad = raw.notna() & (values.isna() | ~np.isfinite(values.fillna(0)))
    report(bad, column, "not a number")
    ok = values.notna() & ~bad
    if whole:
        report(ok & (values % 1 != 0), column, "not a whole number")
    if low is not None:
        report(ok & (values < low), column, f"must be ≥ {low:g}")
    return values


def _periods(frame: pd.DataFrame, report: ProblemLog) -> pd.Series:
    """Period labels (whole numbers or dates), unique and without gaps if whole numbers."""
    raw = frame["period"]
    report(raw.isna(), "period", "missing period")
    numbers = pd.to_numeric(raw, errors="coerce")
    if numbers.notna().all():
        report(numbers % 1 != 0, "period", "not a whole number")
        labels = numbers
    else:
        labels = raw if pd.api.types.is_datetime64_any_dtype(raw) else pd.to_datetime(raw, errors="coerce", format="mixed")
        report(raw.notna() & labels.isna(), "period", "neither a period number nor a date")
    report(labels.notna() & labels.duplicated(keep="first"), "period", "duplicate period")
    return labels


def read_adoptions(source: Any, *, columns: Mapping[str, str] | None = None) -> pd.Series:
    """New adopters per period, checked: a table with ``period`` (numbers or dates) and ``adoptions``.

    The input of the Bass (1969) model: first purchases (or new customers) per
    period from launch. Problems named by row and column in a
    :class:`~crmlab.data.DataError`: missing columns or values, counts that are
    not whole numbers ≥ 0, duplicate periods. Returned sorted by period, indexed 1..n.

    Source: Bass, F. M. (1969), Management Science 15(5) (adoptions of new durables per year).

    >>> read_adoptions(pd.DataFrame({"period": [2, 1, 3], "adoptions": [15, 10, 30]})).tolist()
    [10, 15, 30]
    """
    name, frame = load_table(source, what="adoption counts", required=("period", "adoptions"), rename=columns)
    report = ProblemLog(frame)
    labels = _periods(frame, report)
    counts = _numbers(frame, report, "adoptions", low=0, whole=True)
    report.raise_if_any(name)
    ordered = counts.iloc[np.argsort(labels.to_numpy(), kind="stable")].astype(int)
    return pd.Series(ordered.to_numpy(), index=pd.RangeIndex(1, len(ordered) + 1, name="period"), name="adoptions")


def read_service_quality(source: Any, *, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Service interactions per period, checked: ``period``, ``interactions`` (> 0), ``complaints``
    (0..interactions) and optionally ``satisfaction`` (the period's mean rating).

    The input of the control charts of :mod:`crmlab.theories.referral.quality`
    (Montgomery 2009: a p-chart needs the sample size and the nonconforming
    count of each sample). Problems named by row and column in a
    :class:`~crmlab.data.DataError`. Returned sorted by period.

    >>> read_service_quality(pd.DataFrame({"period": [1, 2], "interactions": [100, 120], "complaints": [5, 4]}))
       period  interactions  complaints  satisfaction
    0       1         100.0         5.0           NaN
    1       2         120.0         4.0           NaN
    """
    name, frame = load_table(source, what="service interactions", required=("period", "interactions", "complaints"), rename=columns)
    report = ProblemLog(frame)
    out = pd.DataFrame(index=frame.index)
    out["period"] = _periods(frame, report)
    out["interactions"] = _numbers(frame, report, "interactions", low=1, whole=True)
    out["complaints"] = _numbers(frame, report, "complaints", low=0, whole=True)
    report(out["complaints"] > out["interactions"], "complaints", "more complaints than interactions")
    out["satisfaction"] = (_numbers(frame, report, "satisfaction", required=False) if "satisfaction" in frame.columns
                           else np.nan)
    report.raise_if_any(name)
    return out.sort_values("period", kind="stable").reset_index(drop=True)
