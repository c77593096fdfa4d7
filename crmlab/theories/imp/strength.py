"""Relationship strength, its history, and dependence in each dyad.

In the IMP interaction model (Håkansson 1982) each episode of exchange is set
against the *relationship*, which has a history: how often the parties
interact, how recently, for how long, and whether they have adapted to each
other (adaptations are the investments that make a relationship hard to
replace). :func:`relationship_strength` scores each dyad on four bounded
components, each in [0, 1]:

- **frequency**  f / (f + f₀): episodes per year of the relationship's age
  (first episode to ``as_of``, at least 30 days), f₀ = ``frequency_scale``;
- **recency**    0.5 ^ (days since the last episode / ``half_life_days``);
- **duration**   d / (d + d₀): days from the first to the last episode,
  d₀ = ``duration_scale_days``;
- **adaptation** the share of the two sides that made an adaptation
  (0, ½ or 1 — mutual adaptation scores 1; an adaptation whose initiator is
  unknown counts as one side).

``strength`` is their weighted mean (equal weights by default), following
Granovetter's (1973) view of tie strength as a combination of time,
intensity and reciprocal services, with Håkansson's (1982) adaptations as the
reciprocal investment. :func:`strength_over_time` re-scores every dyad at the
end of each period. :func:`dependence` measures each side's dependence as the
share of its business done with the other (Emerson 1962: the power of B over A
is A's dependence on B), and the power asymmetry as the difference.

Dyads are unordered: ``actor_a`` < ``actor_b`` (as strings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["STRENGTH_COMPONENTS", "asymmetry_distribution", "dependence", "dyad_key", "key_dyads",
           "relationship_strength", "strength_over_time"]

#: The components of relationship strength, in the order of the ``weights`` mapping.
STRENGTH_COMPONENTS = ("frequency", "recency", "duration", "adaptation")
_MIN_AGE_DAYS = 30.0
_DAYS_PER_YEAR = 365.25


def dyad_key(episodes: pd.DataFrame) -> pd.DataFrame:
    """The unordered dyad of each episode: columns ``actor_a`` < ``actor_b`` (as strings).

    >>> dyad_key(pd.DataFrame({"actor_id": ["S1", "C1"], "partner_id": ["C1", "S1"]})).to_numpy().tolist()
    [['C1', 'S1'], ['C1', 'S1']]
    """
    a = episodes["actor_id"].astype(str).to_numpy()
    b = episodes["partner_id"].astype(str).to_numpy()
    swap = a > b
    return pd.DataFrame({"actor_a": np.where(swap, b, a), "actor_b": np.where(swap, a, b)}, index=episodes.index)


def _as_of(episodes: pd.DataFrame, as_of: Any) -> pd.Timestamp:
    return pd.Timestamp(episodes["date"].max()) if as_of is None else pd.Timestamp(as_of)


def relationship_strength(
    episodes: pd.DataFrame,
    *,
    as_of: Any = None,
    adaptation_kinds: Sequence[str] = ("adaptation",),
    half_life_days: float = 180.0,
    frequency_scale: float = 4.0,
    duration_scale_days: float = 365.0,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Strength of each relationship from its episodes up to ``as_of`` (see the module docstring).

    Takes the episodes table of :func:`~crmlab.theories.imp.read_episodes`;
    ``as_of`` defaults to the last episode's date, and later episodes are
    ignored. Returns one row per dyad with the raw history (``n_episodes``,
    ``value``, ``first_episode``, ``last_episode``, ``duration_days``,
    ``recency_days``, ``frequency_per_year``, ``adaptations_a``,
    ``adaptations_b``, ``mutual_adaptation``), the four component scores and
    ``strength``.

    Worked example: four episodes of S1–C1 over 2022 (orders on 1 Jan and 1 Jul,
    adaptations by both sides), scored on 31 Dec 2022: age 364 days, so
    f = 4 / 364 · 365.25 = 4.014 a year and the frequency score 4.014 / 8.014
    = 0.501; recency 0 days → 1; duration 364 / 729 = 0.499; mutual adaptation → 1;
    strength = (0.501 + 1 + 0.499 + 1) / 4 = 0.750.

    >>> ep = pd.DataFrame({"actor_id": ["S1", "C1", "S1", "C1"], "partner_id": ["C1", "S1", "C1", "S1"],
    ...                    "date": pd.to_datetime(["2022-01-01", "2022-03-01", "2022-07-01", "2022-12-31"]),
    ...                    "kind": ["order", "adaptation", "order", "adaptation"], "value": [100.0, 0, 200, 0],
    ...                    "initiator": ["C1", "C1", "C1", "S1"]})
    >>> row = relationship_strength(ep).iloc[0]
    >>> row[["frequency_score", "strength"]].astype(float).round(3).tolist(), bool(row["mutual_adaptation"])
    ([0.501, 0.75], True)
    """
    w = dict.fromkeys(STRENGTH_COMPONENTS, 1.0) if weights is None else dict(weights)
    unknown = set(w) - set(STRENGTH_COMPONENTS)
    if unknown or not w or sum(w.values()) <= 0 or min(w.values()) < 0:
        raise ValueError(f"weights must be ≥ 0 over {STRENGTH_COMPONENTS}, not all zero; got {w}")
    if half_life_days <= 0 or frequency_scale <= 0 or duration_scale_days <= 0:
        raise ValueError("half_life_days, frequency_scale and duration_scale_days must be > 0")
    when = _as_of(episodes, as_of)
    ep = episodes[episodes["date"] <= when]
    columns = ["actor_a", "actor_b", "n_episodes", "value", "first_episode", "last_episode", "duration_days",
               "recency_days", "frequency_per_year", "adaptations_a", "adaptations_b", "mutual_adaptation",
               *(f"{c}_score" for c in STRENGTH_COMPONENTS), "strength"]
    if ep.empty:
        return pd.DataFrame(columns=columns)
    ep = pd.concat([dyad_key(ep), ep[["date", "kind", "value", "initiator"]]], axis=1)
    adapt = ep["kind"].isin([k.lower() for k in adaptation_kinds])
    initiator = ep["initiator"].astype(object)
    ep["adapt_a"] = adapt & (initiator == ep["actor_a"])
    ep["adapt_b"] = adapt & (initiator == ep["actor_b"])
    ep["adapt_unknown"] = adapt & ~(ep["adapt_a"] | ep["adapt_b"])
    g = ep.groupby(["actor_a", "actor_b"], sort=True)
    out = g.agg(n_episodes=("date", "size"), value=("value", "sum"), first_episode=("date", "min"),
                last_episode=("date", "max"), adaptations_a=("adapt_a", "sum"), adaptations_b=("adapt_b", "sum"),
                adaptations_unknown=("adapt_unknown", "sum")).reset_index()
    out["duration_days"] = (out["last_episode"] - out["first_episode"]).dt.total_seconds() / 86400
    out["recency_days"] = (when - out["last_episode"]).dt.total_seconds() / 86400
    age = np.maximum((when - out["first_episode"]).dt.total_seconds() / 86400, _MIN_AGE_DAYS)
    out["frequency_per_year"] = out["n_episodes"] / age * _DAYS_PER_YEAR
    out["mutual_adaptation"] = (out["adaptations_a"] > 0) & (out["adaptations_b"] > 0)
    sides = (out["adaptations_a"] > 0).astype(int) + (out["adaptations_b"] > 0).astype(int)
    sides = np.where((sides == 0) & (out["adaptations_unknown"] > 0), 1, sides)
    out["frequency_score"] = out["frequency_per_year"] / (out["frequency_per_year"] + frequency_scale)
    out["recency_score"] = 0.5 ** (out["recency_days"] / half_life_days)
    out["duration_score"] = out["duration_days"] / (out["duration_days"] + duration_scale_days)
    out["adaptation_score"] = sides / 2
    total = sum(w.get(c, 0.0) for c in STRENGTH_COMPONENTS)
    out["strength"] = sum(w.get(c, 0.0) * out[f"{c}_score"] for c in STRENGTH_COMPONENTS) / total
    return out[columns]


def strength_over_time(episodes: pd.DataFrame, *, freq: str = "Q", dyads: Sequence[tuple[str, str]] | None = None,
                       **strength_options: Any) -> pd.DataFrame:
    """The history of each relationship: :func:`relationship_strength` at the end of every period.

    One row per dyad and period (``period``, ``as_of`` = the period's last day, or
    the last episode's date in the last period),
    from the period of the dyad's first episode on, so a relationship that goes
    quiet shows its recency — and strength — decaying. ``dyads`` restricts the
    output to some dyads (pairs in any order).

    >>> ep = pd.DataFrame({"actor_id": ["S1", "S1"], "partner_id": ["C1", "C1"], "kind": ["order", "order"],
    ...                    "date": pd.to_datetime(["2022-01-15", "2022-02-15"]), "value": [1.0, 1.0], "initiator": None})
    >>> hist = strength_over_time(ep, freq="Q", as_of=None)
    >>> hist["period"].tolist(), hist["n_episodes"].tolist()
    (['2022Q1'], [2])
    """
    strength_options.pop("as_of", None)
    periods = pd.period_range(episodes["date"].min(), episodes["date"].max(), freq=freq)
    wanted = None if dyads is None else {tuple(sorted(map(str, d))) for d in dyads}
    frames = []
    last = pd.Timestamp(episodes["date"].max())
    for period in periods:
        end = min(period.end_time.normalize(), last)
        table = relationship_strength(episodes, as_of=end, **strength_options)
        if wanted is not None:
            table = table[[(a, b) in wanted for a, b in zip(table["actor_a"], table["actor_b"])]]
        frames.append(table.assign(period=str(period), as_of=end))
    out = pd.concat(frames, ignore_index=True)
    first = ["actor_a", "actor_b", "period", "as_of"]
    return out[first + [c for c in out.columns if c not in first]]


def dependence(episodes: pd.DataFrame, *, measure: str = "value", as_of: Any = None) -> pd.DataFrame:
    """Each side's dependence on the other and the power asymmetry of each dyad.

    Dependence of A on B = the share of A's business (over all its partners)
    done with B: value of A–B episodes / value of all of A's episodes
    (``measure="value"``), or the same with episode counts
    (``measure="episodes"``). Emerson (1962): the power of B over A equals A's
    dependence on B; ``power_asymmetry`` = dependence_a − dependence_b, > 0 when
    B holds power over A. ``more_dependent`` names the more dependent side
    ("balanced" when equal).

    Worked example: S1 sells 300 to C1 and 100 to C2; C1 buys only from S1.
    S1 depends on C1 for 300 / 400 = 0.75; C1 on S1 for 300 / 300 = 1;
    asymmetry for the dyad (C1, S1) is 1 − 0.75 = 0.25, C1 more dependent.

    >>> ep = pd.DataFrame({"actor_id": ["S1", "S1"], "partner_id": ["C1", "C2"], "value": [300.0, 100.0],
    ...                    "date": pd.to_datetime(["2022-01-01", "2022-02-01"]), "kind": "order"})
    >>> dependence(ep).set_index(["actor_a", "actor_b"]).loc[("C1", "S1"), ["dependence_a", "dependence_b", "power_asymmetry"]].tolist()
    [1.0, 0.75, 0.25]
    """
    if measure not in ("value", "episodes"):
        raise ValueError("measure must be 'value' or 'episodes'")
    when = _as_of(episodes, as_of)
    ep = episodes[episodes["date"] <= when]
    amount = ep["value"].astype(float) if measure == "value" else pd.Series(1.0, index=ep.index)
    pairs = dyad_key(ep).assign(amount=amount.to_numpy())
    dyads = pairs.groupby(["actor_a", "actor_b"], sort=True)["amount"].sum().rename("exchanged").reset_index()
    business = pd.concat([pairs[["actor_a", "amount"]].rename(columns={"actor_a": "actor"}),
                          pairs[["actor_b", "amount"]].rename(columns={"actor_b": "actor"})]).groupby("actor")["amount"].sum()
    dyads["business_a"] = dyads["actor_a"].map(business)
    dyads["business_b"] = dyads["actor_b"].map(business)
    with np.errstate(divide="ignore", invalid="ignore"):
        dyads["dependence_a"] = np.where(dyads["business_a"] > 0, dyads["exchanged"] / dyads["business_a"], np.nan)
        dyads["dependence_b"] = np.where(dyads["business_b"] > 0, dyads["exchanged"] / dyads["business_b"], np.nan)
    dyads["power_asymmetry"] = dyads["dependence_a"] - dyads["dependence_b"]
    close = np.isclose(dyads["power_asymmetry"], 0.0)
    dyads["more_dependent"] = np.where(close | dyads["power_asymmetry"].isna(), "balanced",
                                       np.where(dyads["power_asymmetry"] > 0, dyads["actor_a"], dyads["actor_b"]))
    return dyads


def asymmetry_distribution(power: pd.DataFrame, *, bounds: Sequence[float] = (0.05, 0.2, 0.5)) -> pd.DataFrame:
    """How unequal dependence is across dyads: dyads by band of the absolute power asymmetry.

    Takes :func:`dependence`. The gap |dependence_a − dependence_b| is a
    difference of two shares (0 to 1); ``bounds`` cut it into bands
    [0, 0.05], (0.05, 0.2], (0.2, 0.5], (0.5, 1] by default, the first being
    the nearly symmetric dyads. Returns ``low``, ``high``, ``dyads`` and
    ``share`` per band; ``attrs["median_gap"]`` is the median gap and
    ``attrs["dyads"]`` the number of dyads with a gap.

    >>> power = pd.DataFrame({"power_asymmetry": [0.01, -0.1, 0.3, -0.6, 0.04]})
    >>> table = asymmetry_distribution(power)
    >>> table["dyads"].tolist(), table.attrs["median_gap"]
    ([2, 1, 1, 1], 0.1)
    """
    gap = power["power_asymmetry"].abs().dropna()
    edges = [0.0, *sorted(float(b) for b in bounds), 1.0]
    if edges[1] <= 0 or edges[-2] >= 1:
        raise ValueError(f"bounds must lie strictly between 0 and 1, got {list(bounds)}")
    bands = pd.cut(gap, edges, include_lowest=True)
    counts = bands.value_counts(sort=False)
    table = pd.DataFrame({"low": edges[:-1], "high": edges[1:], "dyads": counts.to_numpy().astype(int)})
    table["share"] = table["dyads"] / len(gap) if len(gap) else np.nan
    table.attrs.update(median_gap=float(gap.median()) if len(gap) else np.nan, dyads=int(len(gap)))
    return table


def key_dyads(strength: pd.DataFrame, actor: Any) -> pd.DataFrame:
    """Three relationships worth following over time: the strongest, ``actor``'s strongest, and the quietest rich one.

    Takes :func:`relationship_strength`. "Quietest rich" is the relationship
    with the longest silence (``recency_days``) among those with at least the
    median number of episodes: a rich history that has gone quiet. Returns
    the rows, labelled in ``role``, without repeats (a dyad that is two of
    these keeps its first role).

    >>> strength = pd.DataFrame({"actor_a": ["A", "A", "B"], "actor_b": ["B", "C", "C"], "strength": [0.9, 0.5, 0.2],
    ...                          "n_episodes": [10, 8, 9], "recency_days": [1.0, 20.0, 90.0]})
    >>> key_dyads(strength, "C")[["actor_a", "actor_b", "role"]].to_numpy().tolist()
    [['A', 'B', 'strongest'], ['A', 'C', 'strongest of C'], ['B', 'C', 'quietest of the rich']]
    """
    rich = strength[strength["n_episodes"] >= strength["n_episodes"].median()]
    own = strength[(strength["actor_a"] == actor) | (strength["actor_b"] == actor)]
    picks = pd.concat([strength.nlargest(1, "strength").assign(role="strongest"),
                       own.nlargest(1, "strength").assign(role=f"strongest of {actor}"),
                       rich.nlargest(1, "recency_days").assign(role="quietest of the rich")])
    return picks.drop_duplicates(["actor_a", "actor_b"]).reset_index(drop=True)
