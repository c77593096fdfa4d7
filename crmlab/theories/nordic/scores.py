"""The Nordic School triplet — interaction, dialogue, value — as scores per customer and period.

Grönroos (2004, "The relationship marketing process: communication,
interaction, dialogue, value", Journal of Business & Industrial Marketing 19(2))
describes relationship marketing as a process of **interaction** (customer and
supplier serve each other in repeated contacts), **dialogue** (two-way
communication, essential to the relationship's survival) and **value** (what
the customer perceives as gained against what they sacrifice). Each score here
is a tidy frame of transparent sub-indicators, per customer and period:

- :func:`interaction_scores` — ``intensity`` (acts), ``regularity``
  (1 / (1 + coefficient of variation of the gaps between acts); NaN below 3
  acts), ``breadth`` (share of the log's channels used), ``completion``
  (share of the period's episodes completed, see :mod:`.levels`);
- :func:`dialogue_scores` — ``two_wayness`` (share of customer-initiated
  acts), ``firm_response_rate`` and ``customer_response_rate`` (share of the
  other side's acts answered via ``reply_to``), ``firm_latency_hours`` and
  ``customer_latency_hours`` (median time to answer), ``turn_taking``
  (1 − |customer acts − firm acts| / all acts);
- :func:`value_scores` — benefits against sacrifices: ``benefit`` (outcome
  value), ``satisfaction`` (mean rating), ``price`` (spend, from transactions),
  ``time_hours`` (hours spent per episode), ``effort`` (customer acts per
  completed episode), ``value_ratio`` = benefit / (benefit + price), and the
  customer's ``perceived_value`` survey score when given;
- :func:`triplet_profile` — each dimension's index is the mean of its
  sub-indicators after z-standardisation over all customer-periods, with the
  signs of :data:`INDICATORS` (latency, time, price and effort count
  against); the triplet is their weighted mean (equal weights by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.theories.nordic.levels import assign_episodes, episodes

__all__ = ["INDICATORS", "dialogue_scores", "interaction_scores", "triplet_profile", "value_in_use", "value_scores"]

#: Sub-indicators of each dimension used by the triplet profile, with their sign (+1 more is better).
INDICATORS: dict[str, dict[str, int]] = {
    "interaction": {"intensity": +1, "regularity": +1, "breadth": +1, "completion": +1},
    "dialogue": {"two_wayness": +1, "firm_response_rate": +1, "firm_latency_hours": -1, "turn_taking": +1},
    "value": {"benefit": +1, "satisfaction": +1, "effort": -1, "time_hours": -1},
}


def _periods(log: pd.DataFrame, freq: str) -> pd.Series:
    return log["timestamp"].dt.to_period(freq).astype(str)


def interaction_scores(log: pd.DataFrame, *, freq: str = "Q", episode_gap: Any = "2D") -> pd.DataFrame:
    """Interaction sub-indicators per customer and period (see the module docstring).

    >>> log = pd.DataFrame({"customer_id": ["a"] * 3, "timestamp": pd.to_datetime(["2021-01-01", "2021-01-11", "2021-01-21"]),
    ...                     "initiator": ["customer", "firm", "customer"], "channel": ["mail", "phone", "mail"]})
    >>> interaction_scores(log)[["intensity", "regularity", "breadth"]].to_numpy().tolist()
    [[3.0, 1.0, 1.0]]
    """
    data = assign_episodes(log, episode_gap)
    data["period"] = _periods(data, freq)
    n_channels = max(data["channel"].nunique(), 1)
    gaps = data.groupby(["customer_id", "period"])["timestamp"].diff().dt.total_seconds()
    data["_gap"] = gaps
    grouped = data.groupby(["customer_id", "period"])
    table = grouped.agg(intensity=("timestamp", "size"), breadth=("channel", "nunique"))
    stats = grouped["_gap"].agg(["mean", "std", "count"])
    regularity = 1 / (1 + stats["std"] / stats["mean"].where(stats["mean"] > 0))
    table["regularity"] = regularity.where(stats["count"] >= 2)
    table["breadth"] = table["breadth"] / n_channels
    eps = episodes(log, episode_gap)
    eps["period"] = eps["start"].dt.to_period(freq).astype(str)
    table["completion"] = eps.groupby(["customer_id", "period"])["completed"].mean()
    table["intensity"] = table["intensity"].astype(float)
    return table.reset_index()


def dialogue_scores(log: pd.DataFrame, *, freq: str = "Q") -> pd.DataFrame:
    """Dialogue sub-indicators per customer and period (see the module docstring).

    >>> log = pd.DataFrame({"act_id": ["1", "2", "3"], "customer_id": ["a"] * 3,
    ...                     "timestamp": pd.to_datetime(["2021-01-01 09:00", "2021-01-01 11:00", "2021-01-05 09:00"]),
    ...                     "initiator": ["customer", "firm", "customer"], "reply_to": [None, "1", None]})
    >>> row = dialogue_scores(log).iloc[0]
    >>> [round(float(row[c]), 3) for c in ("two_wayness", "firm_response_rate", "firm_latency_hours", "turn_taking")]
    [0.667, 0.5, 2.0, 0.667]
    """
    data = log.copy()
    data["period"] = _periods(data, freq)
    data["_customer"] = data["initiator"] == "customer"
    replies = data[data["reply_to"].notna()] if "reply_to" in data.columns else data.iloc[0:0]
    by_id = data.set_index("act_id")
    answered = pd.DataFrame({
        "act_id": replies["reply_to"].astype(str).to_numpy(),
        "reply_initiator": replies["initiator"].to_numpy(),
        "latency": (replies["timestamp"].to_numpy() - by_id.loc[replies["reply_to"].astype(str), "timestamp"].to_numpy())
        / np.timedelta64(1, "h") if len(replies) else np.array([], dtype=float),
    })
    # an act counts as answered when the *other* side replied to it (first reply)
    answered = answered.merge(data[["act_id", "initiator"]], on="act_id")
    answered = answered[answered["reply_initiator"] != answered["initiator"]].drop_duplicates("act_id")
    data = data.merge(answered[["act_id", "latency"]], on="act_id", how="left")
    data["_answered"] = data["latency"].notna().astype(float)
    data["_firm"] = ~data["_customer"]
    for side, mask in (("firm", data["_customer"]), ("customer", data["_firm"])):
        # the other side's answers to this side's acts: NaN outside this side's acts
        data[f"_{side}_answered"] = data["_answered"].where(mask)
        data[f"_{side}_latency"] = data["latency"].where(mask)
    g = data.groupby(["customer_id", "period"])
    table = g.agg(acts=("timestamp", "size"), customer_acts=("_customer", "sum"),
                  firm_response_rate=("_firm_answered", "mean"), customer_response_rate=("_customer_answered", "mean"),
                  firm_latency_hours=("_firm_latency", "median"), customer_latency_hours=("_customer_latency", "median"))
    table["two_wayness"] = table["customer_acts"] / table["acts"]
    table["turn_taking"] = 1 - (2 * table["customer_acts"] - table["acts"]).abs() / table["acts"]
    columns = ["acts", "two_wayness", "firm_response_rate", "customer_response_rate", "firm_latency_hours",
               "customer_latency_hours", "turn_taking"]
    return table[columns].reset_index()


def value_scores(
    log: pd.DataFrame,
    *,
    freq: str = "Q",
    episode_gap: Any = "2D",
    transactions: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Value sub-indicators per customer and period: benefits against price, time and effort.

    ``transactions`` (canonical: customer_id, date, amount) give the price
    paid per period; ``survey`` (indexed by customer_id, items ``value_1``…)
    gives a perceived-value score per customer, repeated over their periods.
    """
    data = log.copy()
    data["period"] = _periods(data, freq)
    outcome = data["outcome_value"] if "outcome_value" in data.columns else pd.Series(np.nan, index=data.index)
    duration = data["duration"] if "duration" in data.columns else pd.Series(np.nan, index=data.index)
    sat = data["satisfaction"] if "satisfaction" in data.columns else pd.Series(np.nan, index=data.index)
    data = data.assign(_outcome=outcome.fillna(0.0), _hours=duration.fillna(0.0) / 60, _sat=sat)
    table = data.groupby(["customer_id", "period"]).agg(benefit=("_outcome", "sum"), satisfaction=("_sat", "mean"),
                                                        time_hours=("_hours", "sum"))
    eps = episodes(log, episode_gap)
    eps["period"] = eps["start"].dt.to_period(freq).astype(str)
    per = eps.groupby(["customer_id", "period"]).agg(customer_acts=("customer_acts", "sum"), completed=("completed", "sum"))
    table["effort"] = per["customer_acts"] / per["completed"].where(per["completed"] > 0)
    episodes_per = eps.groupby(["customer_id", "period"]).size().reindex(table.index)
    table["time_hours"] = table["time_hours"] / episodes_per
    if transactions is not None:
        tx = transactions.assign(period=pd.to_datetime(transactions["date"]).dt.to_period(freq).astype(str))
        table["price"] = tx.groupby(["customer_id", "period"])["amount"].sum().reindex(table.index).fillna(0.0)
        table["value_ratio"] = table["benefit"] / (table["benefit"] + table["price"]).where(lambda v: v > 0)
    table = table.reset_index()
    if survey is not None:
        items = [c for c in survey.columns if c.startswith("value_")]
        if not items:
            raise ValueError("value_scores: the survey has no value_<k> items")
        perceived = survey[items].astype(float).mean(axis=1).rename("perceived_value")
        table = table.merge(perceived, left_on="customer_id", right_index=True, how="left")
    return table


def value_in_use(values: pd.DataFrame, column: str = "benefit") -> pd.DataFrame:
    """Value in use over time: per customer, the least-squares slope of ``column`` over their periods
    (Grönroos: value emerges in use, across the relationship, not at one exchange)."""
    rows = []
    for customer, g in values.sort_values(["customer_id", "period"]).groupby("customer_id"):
        y = g[column].to_numpy(dtype=float)
        ok = ~np.isnan(y)
        slope = float(np.polyfit(np.arange(len(y))[ok], y[ok], 1)[0]) if ok.sum() >= 2 else np.nan
        rows.append({"customer_id": customer, "periods": len(y), "mean": float(np.nanmean(y)) if ok.any() else np.nan, "trend": slope})
    return pd.DataFrame(rows)


def triplet_profile(
    interaction: pd.DataFrame,
    dialogue: pd.DataFrame,
    value: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    indicators: Mapping[str, Mapping[str, int]] | None = None,
) -> pd.DataFrame:
    """Interaction, dialogue and value indices and their weighted triplet, per customer and period.

    Each sub-indicator is z-standardised over all customer-periods and signed
    (:data:`INDICATORS`); a dimension's index is the mean of its available
    standardised sub-indicators; ``triplet`` = Σ w_d · index_d / Σ w_d with
    equal weights unless ``weights`` are given. The standardised
    sub-indicators are kept (``z_<name>``) for the reliability check.
    """
    spec = {d: dict(v) for d, v in (indicators or INDICATORS).items()}
    w = {"interaction": 1.0, "dialogue": 1.0, "value": 1.0, **dict(weights or {})}
    unknown = set(w) - set(spec)
    if unknown or any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError(f"weights must be ≥ 0 for {sorted(spec)}, not all 0; got {dict(weights or {})}")
    keys = ["customer_id", "period"]
    merged = interaction.merge(dialogue, on=keys, how="outer", suffixes=("", "_dialogue")).merge(value, on=keys, how="outer")
    out = merged[keys].copy()
    for dimension, subs in spec.items():
        zs = []
        for name, sign in subs.items():
            if name not in merged.columns or merged[name].notna().sum() < 2:
                continue
            x = merged[name].astype(float)
            sd = x.std(ddof=1)
            z = sign * (x - x.mean()) / sd if sd > 0 else x * 0.0
            out[f"z_{name}"] = z
            zs.append(z)
        out[dimension] = pd.concat(zs, axis=1).mean(axis=1) if zs else np.nan
    total = sum(w[d] * out[d].fillna(0.0) for d in spec) / sum(w[d] for d in spec)
    out["triplet"] = total.where(out[list(spec)].notna().all(axis=1))
    return out
