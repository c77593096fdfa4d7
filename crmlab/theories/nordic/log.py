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

from crmlab.data.tables import Column, ProblemLog, check_scale, load_table

__all__ = ["INTERACTION_COLUMNS", "read_interactions"]

REQUIRED = ("act_id", "customer_id", "timestamp", "initiator")
OPTIONAL = ("channel", "kind", "reply_to", "duration", "outcome_value", "satisfaction")
#: The columns of the canonical interaction log (required first).
INTERACTION_COLUMNS = REQUIRED + OPTIONAL
INITIATORS = ("customer", "firm")


def read_interactions(
    source: Any,
    *,
    satisfaction_scale: tuple[float, float] = (1, 5),
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """The canonical interaction log from a CSV/Parquet path or a DataFrame, checked.

    Problems reported (all at once, by row and column, in a
    :class:`~crmlab.data.DataError`): missing required columns, duplicate or
    missing act ids, unparseable timestamps, an initiator other than customer
    or firm, a ``reply_to`` naming an unknown act or an act of another
    customer, a reply timed before the act it answers, negative durations or
    outcome values, satisfaction outside ``satisfaction_scale`` (itself
    refused unless lowest < highest). Act and customer ids are compared by
    value (:mod:`crmlab.data.ids`): a ``reply_to`` column of floats (NaN for
    no reply) names the acts of an integer ``act_id`` column. Missing cells
    follow :mod:`crmlab.data.missing`; timestamps the lab's one date policy
    (:mod:`crmlab.data.dates`): one format for the whole column, a column that
    reads as well day-first as month-first refused unless ``dayfirst=`` or
    ``date_format=`` says which. Rows are returned sorted by customer and
    time; the row numbers in messages are the input's (1-based for files).

    Source: Holmlund, M. (1996), *A Theoretical Framework of Perceived Quality
    in Business Relationships*, Swedish School of Economics (acts, episodes,
    sequences).

    >>> log = read_interactions(pd.DataFrame({"act_id": [1, 2], "customer_id": ["A", "A"],
    ...     "timestamp": ["04/01/2021 09:00", "04/01/2021 13:00"], "initiator": ["customer", "firm"],
    ...     "reply_to": [None, 1.0]}), dayfirst=True)
    >>> log[["act_id", "reply_to"]].values.tolist(), log["timestamp"].dt.strftime("%d %b %Y").tolist()
    ([['1', None], ['2', '1']], ['04 Jan 2021', '04 Jan 2021'])
    """
    low, high = check_scale(satisfaction_scale, name="satisfaction_scale")
    if not isinstance(source, (str, os.PathLike, pd.DataFrame)):
        source = pd.DataFrame(source)
    name, frame = load_table(source, what="interaction log", required=REQUIRED)
    report = ProblemLog(frame, name)

    log = frame.copy()
    log["act_id"] = report.ids("act_id", message="missing act id")
    log["customer_id"] = report.ids("customer_id", message="missing customer id")
    report(log["act_id"].duplicated(keep="first") & log["act_id"].notna(), "act_id", "duplicate act id")
    log["timestamp"] = report.dates("timestamp", date_format=date_format, dayfirst=dayfirst,
                                    message="unparseable or missing timestamp")
    log["initiator"] = report.labels("initiator", required=False, lower=True)
    report(~log["initiator"].isin(INITIATORS), "initiator", "initiator must be 'customer' or 'firm'")
    for column, spec in (("duration", Column("duration", nullable=True, low=0)),
                         ("outcome_value", Column("outcome_value", nullable=True, low=0)),
                         ("satisfaction", Column("satisfaction", nullable=True, low=low, high=high))):
        if column in frame.columns:
            log[column] = report.numbers(spec)
    for column in ("channel", "kind"):
        if column in frame.columns:
            log[column] = report.labels(column, required=False)
    if "reply_to" in frame.columns:
        target = report.ids("reply_to", required=False)
        log["reply_to"] = target
        has = target.notna()
        acts = log[log["act_id"].notna()].drop_duplicates("act_id").set_index("act_id")
        known = target.isin(acts.index)
        report(has & ~known, "reply_to", "reply to an unknown act")
        ok = has & known
        if ok.any():
            answered = acts.loc[target[ok]]
            mask = pd.Series(False, index=log.index)
            mask[ok] = answered["customer_id"].to_numpy() != log.loc[ok, "customer_id"].to_numpy()
            report(mask, "reply_to", "reply to an act of another customer")
            mask = pd.Series(False, index=log.index)
            mask[ok] = answered["timestamp"].to_numpy() > log.loc[ok, "timestamp"].to_numpy()
            report(mask, "timestamp", "timestamps out of order: the reply is earlier than the act it answers")
    else:
        log["reply_to"] = None
    report.raise_if_any()
    for column in OPTIONAL:
        if column not in log.columns:
            log[column] = np.nan if column in ("duration", "outcome_value", "satisfaction") else None
    if log["channel"].isna().all():
        log["channel"] = "unknown"
    return log[list(INTERACTION_COLUMNS)].sort_values(["customer_id", "timestamp", "act_id"], kind="stable")
