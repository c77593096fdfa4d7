"""The interaction log of the Nordic School analyses, read and checked like the transactions.

One row per *act* (Holmlund 1996: the smallest unit of interaction — a call, a
mail, a visit, a chat message): ``act_id``, ``customer_id``, ``timestamp``,
``initiator`` (``customer`` or ``firm``), and optionally ``channel``, ``kind``,
``reply_to`` (the ``act_id`` this act answers), ``duration`` (minutes),
``outcome_value`` (the value the act produced, e.g. an order or a solved
problem) and ``satisfaction`` (a rating of the act, e.g. 1–5).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from crmlab.data.tables import ProblemLog, load_table

__all__ = ["INTERACTION_COLUMNS", "read_interactions"]

REQUIRED = ("act_id", "customer_id", "timestamp", "initiator")
OPTIONAL = ("channel", "kind", "reply_to", "duration", "outcome_value", "satisfaction")
#: The columns of the canonical interaction log (required first).
INTERACTION_COLUMNS = REQUIRED + OPTIONAL
INITIATORS = ("customer", "firm")


def read_interactions(source: Any, *, satisfaction_scale: tuple[float, float] = (1, 5)) -> pd.DataFrame:
    """The canonical interaction log from a CSV/Parquet path or a DataFrame, checked.

    Problems reported (all at once, by row and column, in a
    :class:`~crmlab.data.DataError`): missing required columns, duplicate or
    missing act ids, unparseable timestamps, an initiator other than customer
    or firm, a ``reply_to`` naming an unknown act or an act of another
    customer, a reply timed before the act it answers, negative durations or
    outcome values, satisfaction outside ``satisfaction_scale``. Rows are
    returned sorted by customer and time; the row numbers in messages are the
    input's (1-based for files).
    """
    if not isinstance(source, (str, os.PathLike, pd.DataFrame)):
        source = pd.DataFrame(source)
    name, frame = load_table(source, what="interaction log", required=REQUIRED)
    report = ProblemLog(frame)

    log = frame.copy()
    log["act_id"] = log["act_id"].astype(str)
    log["customer_id"] = log["customer_id"].astype(str)
    report(frame["act_id"].isna(), "act_id", "missing act id")
    report(log["act_id"].duplicated(keep="first") & frame["act_id"].notna(), "act_id", "duplicate act id")
    log["timestamp"] = pd.to_datetime(frame["timestamp"], errors="coerce", format="mixed")
    report(log["timestamp"].isna(), "timestamp", "unparseable or missing timestamp")
    log["initiator"] = frame["initiator"].astype(str).str.strip().str.lower()
    report(~log["initiator"].isin(INITIATORS), "initiator", "initiator must be 'customer' or 'firm'")
    for column in ("duration", "outcome_value", "satisfaction"):
        if column in frame.columns:
            log[column] = pd.to_numeric(frame[column], errors="coerce")
            report(log[column].isna() & frame[column].notna(), column, "not a number")
    for column in ("duration", "outcome_value"):
        if column in log.columns:
            report(log[column] < 0, column, "must be ≥ 0")
    if "satisfaction" in log.columns:
        low, high = satisfaction_scale
        report((log["satisfaction"] < low) | (log["satisfaction"] > high), "satisfaction", f"outside the scale {low}–{high}")
    if "reply_to" in frame.columns:
        has = frame["reply_to"].notna()
        log["reply_to"] = frame["reply_to"].where(~has, frame["reply_to"].astype(str))
        acts = log.set_index("act_id")
        target = log["reply_to"].where(has)
        known = target.isin(acts.index)
        report(has & ~known, "reply_to", "reply to an unknown act")
        ok = has & known
        if ok.any():
            first = ~acts.index.duplicated()
            ref = acts[first]
            same = ref.loc[target[ok], "customer_id"].to_numpy() == log.loc[ok, "customer_id"].to_numpy()
            mask = pd.Series(False, index=log.index)
            mask[ok] = ~same
            report(mask, "reply_to", "reply to an act of another customer")
            before = ref.loc[target[ok], "timestamp"].to_numpy() > log.loc[ok, "timestamp"].to_numpy()
            mask = pd.Series(False, index=log.index)
            mask[ok] = before
            report(mask, "timestamp", "timestamps out of order: the reply is earlier than the act it answers")
    else:
        log["reply_to"] = None
    report.raise_if_any(name)
    for column in OPTIONAL:
        if column not in log.columns:
            log[column] = np.nan if column in ("duration", "outcome_value", "satisfaction") else None
    if log["channel"].isna().all():
        log["channel"] = "unknown"
    return log[list(INTERACTION_COLUMNS)].sort_values(["customer_id", "timestamp", "act_id"], kind="stable")
