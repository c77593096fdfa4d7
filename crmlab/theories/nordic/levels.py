"""Holmlund's (1996) levels of interaction: acts → episodes → sequences → the relationship.

- **act**: one interaction (a row of the log);
- **episode**: the acts of a customer that follow each other within
  ``episode_gap`` (a complaint with its replies, an order with its confirmation);
- **sequence**: the episodes that follow each other within ``sequence_gap``
  (a project, a season, a campaign);
- **relationship**: everything between one customer and the firm.

An episode is *completed* when it produced an outcome (``outcome_value`` > 0)
if the log records outcomes at all, else when both parties took part in it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["assign_episodes", "episodes", "relationship_levels", "sequences"]


def _groups(frame: pd.DataFrame, start: str, end: str, gap: Any) -> np.ndarray:
    """Running group number per customer: a new group when the time since the previous row's end exceeds gap."""
    gap = pd.Timedelta(gap)
    previous_end = frame.groupby("customer_id")[end].shift()
    new = previous_end.isna() | ((frame[start] - previous_end) > gap)
    return new.groupby(frame["customer_id"]).cumsum().to_numpy()


def assign_episodes(log: pd.DataFrame, episode_gap: Any = "2D") -> pd.DataFrame:
    """The log with an ``episode`` number per customer (1, 2, …)."""
    data = log.sort_values(["customer_id", "timestamp"], kind="stable").copy()
    data["episode"] = _groups(data.assign(_end=data["timestamp"]), "timestamp", "_end", episode_gap)
    return data


def episodes(log: pd.DataFrame, episode_gap: Any = "2D") -> pd.DataFrame:
    """One row per episode: customer, number, start, end, acts by each party, channels, outcome, completed.

    >>> log = pd.DataFrame({"customer_id": ["a"] * 3, "timestamp": pd.to_datetime(["2021-01-01 00:00", "2021-01-01 05:00", "2021-02-01 00:00"]),
    ...                     "initiator": ["customer", "firm", "customer"], "channel": ["mail"] * 3, "outcome_value": [0.0, 10.0, 0.0]})
    >>> episodes(log)[["episode", "n_acts", "completed"]].to_numpy().tolist()
    [[1, 2, True], [2, 1, False]]
    """
    data = assign_episodes(log, episode_gap)
    outcome = data["outcome_value"] if "outcome_value" in data.columns else pd.Series(np.nan, index=data.index)
    data = data.assign(_customer=data["initiator"] == "customer", _firm=data["initiator"] == "firm", _outcome=outcome.fillna(0.0))
    table = data.groupby(["customer_id", "episode"]).agg(
        start=("timestamp", "min"), end=("timestamp", "max"), n_acts=("timestamp", "size"),
        customer_acts=("_customer", "sum"), firm_acts=("_firm", "sum"),
        channels=("channel", "nunique"), outcome_value=("_outcome", "sum"),
    ).reset_index()
    if outcome.notna().any():
        table["completed"] = table["outcome_value"] > 0
    else:
        table["completed"] = (table["customer_acts"] > 0) & (table["firm_acts"] > 0)
    return table


def sequences(episode_table: pd.DataFrame, sequence_gap: Any = "30D") -> pd.DataFrame:
    """Episodes grouped into sequences: one row per sequence with its span, episodes and completion share."""
    data = episode_table.sort_values(["customer_id", "start"], kind="stable").copy()
    data["sequence"] = _groups(data, "start", "end", sequence_gap)
    return data.groupby(["customer_id", "sequence"]).agg(
        start=("start", "min"), end=("end", "max"), n_episodes=("episode", "size"), n_acts=("n_acts", "sum"),
        completion=("completed", "mean"),
    ).reset_index()


def relationship_levels(log: pd.DataFrame, *, episode_gap: Any = "2D", sequence_gap: Any = "30D") -> pd.DataFrame:
    """The relationship level: per customer, acts, episodes, sequences, first and last act, tenure in days."""
    eps = episodes(log, episode_gap)
    seqs = sequences(eps, sequence_gap)
    table = eps.groupby("customer_id").agg(n_acts=("n_acts", "sum"), n_episodes=("episode", "size"),
                                           first=("start", "min"), last=("end", "max"))
    table["n_sequences"] = seqs.groupby("customer_id").size()
    table["tenure_days"] = (table["last"] - table["first"]).dt.total_seconds() / 86400
    return table.reset_index()
