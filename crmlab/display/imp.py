"""What the IMP network report says: sentences generated from its frames, and its reader tables.

Every sentence about the data on the page of the IMP group's networks is made
here from the frames of :mod:`crmlab.theories.imp`, so that it follows the
numbers: dependence is called rarely symmetric only when few dyads are
balanced, brokers are said to be less constrained only when their median
constraint is lower than the other firms', a change is said to reach firms
several steps away only when it does. Each function takes the frame(s) a table
of the page shows and returns Markdown (values escaped) or a reader :class:`Table`.

>>> power = pd.DataFrame({"power_asymmetry": [0.01, -0.3, 0.4, -0.6, 0.25]})
>>> from crmlab.theories.imp import asymmetry_distribution
>>> print(asymmetry_sentence(asymmetry_distribution(power)))
Dependence is rarely symmetric: 1 of 5 relationships (20.0%) is nearly balanced (the two sides' shares of business within 5 percentage points); the median gap is 30.0 percentage points, and 4 relationships (80.0%) have a gap over 20 points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.display.numbers import integer, number, percent
from crmlab.display.tables import Table, table
from crmlab.display.text import Markdown, compare, join_list, markdown

__all__ = [
    "actor_table",
    "affected_actors_table",
    "affected_relationships_table",
    "asymmetric_dyads_table",
    "asymmetry_sentence",
    "asymmetry_table",
    "broker_position_sentence",
    "broker_position_table",
    "broker_sentence",
    "broker_table",
    "community_count_sentence",
    "community_sentence",
    "community_table",
    "data_description",
    "dyad_label",
    "history_sentence",
    "history_table",
    "horizon_sentence",
    "impact_sentence",
    "impact_table",
    "leading_broker",
    "leading_broker_sentence",
    "position_view",
    "strength_summary_table",
    "strongest_table",
    "switch_sentence",
    "switch_table",
    "what_the_network_tells",
]

#: Decimals of a change in a position measure (betweenness, constraint), in every table and sentence.
CHANGE_DIGITS = 4

#: The smallest change that shows at :data:`CHANGE_DIGITS` decimals: a smaller one is counted as none, so that a
#: firm counted as changed never shows a change of 0.0000 (pass it as ``tol`` to
#: :func:`~crmlab.theories.imp.impact_by_distance`).
VISIBLE_CHANGE = 0.5 * 10.0 ** -CHANGE_DIGITS

#: Reader labels of the IMP frames' columns.
LABELS = {
    "actor": "Actor",
    "actor_a": "Actor A",
    "actor_b": "Actor B",
    "n_episodes": "Episodes",
    "value": "Order value",
    "frequency_per_year": "Episodes a year",
    "recency_days": "Days since the last episode",
    "duration_days": "Duration (days)",
    "strength": "Strength (0–1)",
    "mutual_adaptation": "Mutual adaptation",
    "dependence_a": "Dependence of A on B",
    "dependence_b": "Dependence of B on A",
    "power_asymmetry": "Power asymmetry, A − B (percentage points)",
    "more_dependent": "More dependent",
    "degree": "Partners",
    "weighted_degree": "Weighted degree (sum of strengths)",
    "betweenness": "Betweenness",
    "eigenvector": "Eigenvector centrality",
    "constraint": "Constraint (Burt)",
    "effective_size": "Effective size",
    "horizon": "Horizon (actors)",
    "community": "Louvain community",
    "distance": "Steps from the change",
    "degree_change": "Change in partners",
    "betweenness_change": "Change in betweenness",
    "constraint_change": "Change in constraint",
    "horizon_change": "Change in horizon",
    "weighted_degree_change": "Change in weighted degree",
    "status": "Status",
    "connection_degree": "Degree of connection",
    "edge_betweenness_change": "Change in edge betweenness",
}


def dyad_label(a: Any, b: Any) -> str:
    """A relationship as readers write it: "A – B".

    >>> dyad_label("DE-02", "DE-03")
    'DE-02 – DE-03'
    """
    return f"{a} – {b}"


def data_description(source: str, *, actors: int, episodes: int, bonds: int, first: Any, last: Any,
                     clusters: int | None = None, brokers: int | None = None) -> Markdown:
    """What the page ran on, chosen by the data source: a synthetic network with planted structure, or the user's tables.

    >>> print(data_description("synthetic", actors=52, episodes=2926, bonds=172, first="2021-01-18", last="2024-01-01",
    ...                        clusters=4, brokers=4))
    **Data.** A synthetic business network of 52 firms in 4 regional clusters with 4 planted brokers between them, so that the communities and brokers to be found are known: 2,926 episodes from 2021-01-18 to 2024-01-01 on 172 actor bonds.
    >>> print(data_description("my_tables", actors=10, episodes=40, bonds=12, first="2020-01-01", last="2020-12-31"))
    **Data.** The network tables in my_tables: 10 firms, 40 episodes from 2020-01-01 to 2020-12-31 on 12 actor bonds.
    """
    if source == "synthetic":
        return markdown("**Data.** A synthetic business network of {n} firms in {c} regional clusters with {b} planted "
                        "brokers between them, so that the communities and brokers to be found are known: {e} episodes "
                        "from {first} to {last} on {bonds} actor bonds.", n=integer(actors), c=integer(clusters or 0),
                        b=integer(brokers or 0), e=integer(episodes), first=str(first), last=str(last),
                        bonds=integer(bonds))
    return markdown("**Data.** The network tables in {source}: {n} firms, {e} episodes from {first} to {last} on {bonds} "
                    "actor bonds.", source=str(source), n=integer(actors), e=integer(episodes), first=str(first),
                    last=str(last), bonds=integer(bonds))


def actor_table(actors: pd.DataFrame) -> Table:
    """The firms by country (rows) and type (columns), with totals.

    >>> actors = pd.DataFrame({"actor_id": ["a", "b", "c"], "country": ["SE", "SE", "DE"], "type": ["customer", "supplier", "customer"]})
    >>> print(actor_table(actors))
    Firms by country and type
    Country  Customer  Supplier  All
    DE              1         0    1
    SE              1         1    2
    All             2         1    3
    """
    counts = pd.crosstab(actors["country"].astype(str), actors["type"].astype(str), margins=True, margins_name="All")
    counts.columns = [str(c).capitalize() for c in counts.columns]
    frame = counts.rename_axis(index="Country", columns=None).reset_index()
    return table(frame, integer=list(frame.columns[1:]), top=None, caption="Firms by country and type")


def strength_summary_table(strength: pd.DataFrame) -> Table:
    """The distribution of the relationships' history and strength (:func:`~crmlab.theories.imp.relationship_strength`):
    mean, quartiles and maximum (rows) of each measure (columns, each with its own decimals)."""
    columns = ["n_episodes", "frequency_per_year", "recency_days", "duration_days", "strength"]
    stats = strength[columns].astype(float).describe().loc[["mean", "25%", "50%", "75%", "max"]]
    stats.index = ["Mean", "25th percentile", "Median", "75th percentile", "Maximum"]
    frame = stats.rename_axis("statistic").reset_index()
    # episodes are counts: a quantile that is a whole count is written as one ("14", not "14.0"), the mean with a decimal
    episodes = ["number"] + ["integer" if float(v).is_integer() else "number" for v in frame["n_episodes"].iloc[1:]]
    return table(frame, text=["statistic"], number=columns[1:], row_kinds={"n_episodes": episodes},
                 digits={"n_episodes": 1, "frequency_per_year": 1,
                                                                     "recency_days": 0, "duration_days": 0,
                                                                     "strength": 3},
                 labels={**LABELS, "statistic": ""}, top=None,
                 caption=f"History and strength of the {integer(len(strength))} relationships")


def strongest_table(strength: pd.DataFrame, *, top: int = 5, unit: str = "") -> Table:
    """The strongest relationships: their dyad, episodes, order value, adaptation and strength."""
    data = strength.nlargest(int(top), "strength")
    frame = pd.DataFrame({"relationship": [dyad_label(a, b) for a, b in zip(data["actor_a"], data["actor_b"])],
                          "n_episodes": data["n_episodes"].to_numpy(), "value": data["value"].to_numpy(),
                          "mutual_adaptation": data["mutual_adaptation"].to_numpy(dtype=bool),
                          "strength": data["strength"].to_numpy()})
    return table(frame, text=["relationship"], integer=["n_episodes"], money=["value"], number=["strength"], unit=unit,
                 digits={"value": 0, "strength": 3}, labels={**LABELS, "relationship": "Relationship"}, top=None,
                 caption=f"The {integer(len(frame))} strongest relationships")


def asymmetry_table(distribution: pd.DataFrame) -> Table:
    """Dyads by band of power asymmetry (:func:`~crmlab.theories.imp.asymmetry_distribution`), in percentage points.

    >>> from crmlab.theories.imp import asymmetry_distribution
    >>> print(asymmetry_table(asymmetry_distribution(pd.DataFrame({"power_asymmetry": [0.01, 0.3]}))))
    How unequal dependence is: the gap between the two sides' shares of business
    Gap (percentage points)  Relationships  Share
    0 to 5                               1  50.0%
    5 to 20                              0   0.0%
    20 to 50                             1  50.0%
    50 to 100                            0   0.0%
    """
    bands = [f"{number(100 * lo, 0)} to {number(100 * hi, 0)}" for lo, hi in zip(distribution["low"], distribution["high"])]
    frame = pd.DataFrame({"Gap (percentage points)": bands, "relationships": distribution["dyads"].to_numpy(),
                          "share": distribution["share"].to_numpy()})
    return table(frame, text=["Gap (percentage points)"], integer=["relationships"], percent=["share"], top=None,
                 caption="How unequal dependence is: the gap between the two sides' shares of business")


def asymmetry_sentence(distribution: pd.DataFrame) -> Markdown:
    """Whether dependence is mostly balanced or unequal, read from the share of nearly balanced dyads (the first band)."""
    balanced = int(distribution["dyads"].iloc[0])
    total = int(distribution.attrs["dyads"])
    bound = number(100 * float(distribution["high"].iloc[0]), 0)
    if total == 0:
        return markdown("No relationship has business on both sides to compare.")
    verdict = ("Dependence is rarely symmetric" if 4 * balanced < total else
               "Dependence is more often unequal than balanced" if 2 * balanced < total else
               "Dependence is mostly balanced")
    verb = "is" if balanced == 1 else "are"
    return markdown("{verdict}: {k} of {n} relationships ({s}) {verb} nearly balanced (the two sides' shares of business "
                    "within {bound} percentage points); the median gap is {gap} percentage points{wide}.", verdict=verdict,
                    k=integer(balanced), n=integer(total), s=percent(balanced / total), verb=verb, bound=bound,
                    gap=number(100 * distribution.attrs["median_gap"], 1), wide=_wide_clause(distribution))


def _wide_clause(distribution: pd.DataFrame) -> str:
    """", and 23 relationships (13.4%) have a gap over 20" (or "…, and none has …"), or nothing without such a band."""
    wide = _wide_gaps(distribution)
    if wide is None:
        return ""
    count, bound = wide
    if count == 0:
        return f", and no relationship has a gap over {bound} points"
    return (f", and {integer(count)} relationship{'s' if count != 1 else ''} "
            f"({percent(count / distribution.attrs['dyads'])}) {'have' if count != 1 else 'has'} a gap over {bound} points")


def _wide_gaps(distribution: pd.DataFrame) -> tuple[int, str] | None:
    """How many dyads lie beyond the second band's bound, where one side clearly depends more, and that bound in
    percentage points ("20"); None with fewer than three bands."""
    if len(distribution) < 3:
        return None
    bound = float(distribution["high"].iloc[1])
    return int(distribution.loc[distribution["low"] >= bound, "dyads"].sum()), number(100 * bound, 0)


def asymmetric_dyads_table(power: pd.DataFrame, *, top: int = 5) -> Table:
    """The most asymmetric relationships (:func:`~crmlab.theories.imp.dependence`): each side's dependence and who depends more."""
    order = power["power_asymmetry"].abs().sort_values(ascending=False, kind="stable").index
    data = power.loc[order].head(int(top))
    frame = data[["actor_a", "actor_b", "dependence_a", "dependence_b", "power_asymmetry", "more_dependent"]]
    # the gap of two shares, in the percentage points of the shares beside it and of the asymmetry bands
    frame = frame.assign(power_asymmetry=100 * frame["power_asymmetry"]).reset_index(drop=True)
    return table(frame, percent=["dependence_a", "dependence_b"], number=["power_asymmetry"], digits={"power_asymmetry": 1},
                 labels=LABELS, top=None,
                 caption=f"The {integer(len(frame))} most asymmetric relationships (dependence = share of a side's "
                         "business done with the other)")


def position_view(position: pd.DataFrame, *, brokers: Sequence[Any] = (), top: int = 8, planted: bool = False) -> Table:
    """The actors with the highest betweenness and their other position measures
    (:func:`~crmlab.theories.imp.position_table`), brokers marked."""
    data = position.sort_values("betweenness", ascending=False, kind="stable")
    columns = ["degree", "weighted_degree", "betweenness", "eigenvector", "constraint", "effective_size", "horizon"]
    frame = data[columns].rename_axis("actor").reset_index()
    frame.insert(1, "broker", frame["actor"].isin(list(brokers)))
    return table(frame, integer=["degree", "horizon"], number=["weighted_degree", "betweenness", "eigenvector",
                                                               "constraint", "effective_size"],
                 digits={"weighted_degree": 2, "betweenness": 3, "eigenvector": 3, "constraint": 3, "effective_size": 2},
                 labels={**LABELS, "broker": "Planted broker" if planted else "Top broker between groups"}, top=int(top),
                 caption="Network position of the actors with the highest betweenness")


def community_table(recovery: pd.DataFrame) -> Table:
    """Found communities (rows) against planted clusters (columns) (:func:`~crmlab.theories.imp.community_recovery`).

    >>> from crmlab.theories.imp import community_recovery
    >>> found = pd.Series([1, 1, 2], index=list("abc")); planted = pd.Series([1, 2, 2], index=list("abc"))
    >>> print(community_table(community_recovery(found, planted)))
    Louvain communities (rows) against the planted clusters (columns): firms in each
    Louvain community  Cluster 1  Cluster 2
    1                          1          1
    2                          0          1
    """
    frame = recovery.copy()
    frame.columns = [f"Cluster {c}" for c in frame.columns]
    frame.index = [str(i) for i in frame.index]
    frame = frame.rename_axis("Louvain community").reset_index()
    return table(frame, text=["Louvain community"], integer=list(frame.columns[1:]), top=None,
                 caption="Louvain communities (rows) against the planted clusters (columns): firms in each")


def community_sentence(recovery: pd.DataFrame, *, modularity: float) -> Markdown:
    """How well Louvain recovers the planted clusters: matched firms, and communities against clusters.

    >>> recovery = pd.DataFrame([[12, 1], [0, 13]])
    >>> recovery.attrs.update(matched=25, actors=26, communities=2, clusters=2)
    >>> print(community_sentence(recovery, modularity=0.651))
    Louvain finds 2 communities (modularity 0.651) for the 2 planted clusters; 25 of 26 firms (96.2%) are in the community that matches their cluster.
    """
    a = recovery.attrs
    fit = compare(a["communities"], a["clusters"], "more communities than there are", "fewer communities than there are",
                  "")
    count = (f"Louvain finds {integer(a['communities'])} communities (modularity {number(modularity, 3)}) for the "
             f"{integer(a['clusters'])} planted clusters")
    if fit:
        count += f", {fit} clusters"
    return markdown("{count}; {m} of {n} firms ({s}) are in the community that matches their cluster.", count=count,
                    m=integer(a["matched"]), n=integer(a["actors"]), s=percent(a["matched"] / a["actors"]))


def broker_table(recovery: pd.DataFrame) -> Table:
    """The top brokers between groups beside the planted ones (:func:`~crmlab.theories.imp.broker_recovery`);
    without planted brokers (the user's data), the top brokers alone.

    >>> found = pd.DataFrame({"actor": ["X"], "rank": [1], "across_groups": [32.0], "share_across": [0.8],
    ...                       "planted": [False], "found": [True]})
    >>> print(broker_table(found))
    The top brokers between groups (representative, gatekeeper, liaison)
    Actor  Rank  Brokered paths between groups  Share of its brokerage between groups
    X         1                             32                                  80.0%
    """
    frame = recovery.rename(columns={"across_groups": "paths_across"})
    planted = bool(frame["planted"].any())
    if not planted:
        frame = frame.drop(columns=["planted", "found"])
    return table(frame, integer=["rank", "paths_across"], percent=["share_across"],
                 labels={"actor": "Actor", "rank": "Rank", "paths_across": "Brokered paths between groups",
                         "share_across": "Share of its brokerage between groups", "planted": "Planted broker",
                         "found": "Among the top"}, top=None,
                 caption=("Brokers between groups (representative, gatekeeper, liaison): found and planted" if planted
                          else "The top brokers between groups (representative, gatekeeper, liaison)"))


def broker_sentence(recovery: pd.DataFrame) -> Markdown:
    """How many planted brokers are among the top brokers between groups, and who else is.

    >>> recovery = pd.DataFrame({"actor": ["BR-1", "DE-05", "BR-2"], "rank": [1, 2, 3], "planted": [True, False, True],
    ...                          "found": [True, True, False]})
    >>> print(broker_sentence(recovery))
    1 of the 2 planted brokers (BR-1) is among the 2 actors with the most brokerage between groups; also there: DE-05. Not found: BR-2 (rank 3).
    """
    planted = recovery[recovery["planted"]]
    found = recovery[recovery["found"]]
    hit = planted[planted["found"]]
    missed = planted[~planted["found"]]
    extra = found[~found["planted"]]
    verb = "is" if len(hit) == 1 else "are"
    text = (f"{integer(len(hit))} of the {integer(len(planted))} planted brokers"
            + (f" ({join_list(hit['actor'].astype(str))})" if 0 < len(hit) < len(planted) else "")
            + f" {verb} among the {integer(len(found))} actors with the most brokerage between groups")
    if len(extra):
        text += f"; also there: {join_list(extra['actor'].astype(str))}"
    text += "."
    if len(missed):
        text += " Not found: " + join_list(f"{a} (rank {integer(r)})" for a, r in zip(missed["actor"], missed["rank"])) + "."
    return markdown("{text}", text=text)


def leading_broker(recovery: pd.DataFrame) -> Any:
    """The broker the page follows through its histories, horizon and scenarios: the best-ranked planted broker of
    :func:`~crmlab.theories.imp.broker_recovery` (most brokered paths between groups, ties by name), or without
    planted brokers the best-ranked actor.

    >>> recovery = pd.DataFrame({"actor": ["DE-05", "BR-1", "BR-3"], "rank": [1, 2, 3], "planted": [False, True, True]})
    >>> leading_broker(recovery)
    'BR-1'
    """
    planted = recovery[recovery["planted"]]
    rows = planted if len(planted) else recovery
    return rows.sort_values("rank", kind="stable").iloc[0]["actor"]


def leading_broker_sentence(recovery: pd.DataFrame, across: pd.DataFrame) -> Markdown:
    """Which broker the page follows (:func:`leading_broker`) and why: its brokered paths between groups, the actors
    tied with it (from ``across``, :func:`~crmlab.theories.imp.brokerage_across_groups` of every actor) and, among
    planted brokers, the unplanted actors that broker more.

    >>> recovery = pd.DataFrame({"actor": ["DE-05", "BR-1", "BR-3", "BR-4"], "rank": [1, 2, 3, 4],
    ...                          "planted": [False, True, True, True]})
    >>> across = pd.DataFrame({"across_groups": [56.0, 32.0, 32.0, 32.0, 5.0]}, index=["DE-05", "BR-1", "BR-3", "BR-4", "X"])
    >>> print(leading_broker_sentence(recovery, across))
    The leading broker followed below is BR-1, the planted broker with the most brokered paths between groups (32), tied with BR-3 and BR-4 and ranked first of them by name; DE-05, not a planted broker, brokers more (56).
    """
    leader = leading_broker(recovery)
    paths = across["across_groups"]
    planted = bool(recovery["planted"].any())
    who = "the planted broker" if planted else "the actor"
    text = (f"The leading broker followed below is {leader}, {who} with the most brokered paths between groups "
            f"({integer(paths[leader])})")
    tied = sorted((a for a in paths.index[paths == paths[leader]] if a != leader), key=str)
    if tied:
        first = all(str(leader) < str(a) for a in tied)
        text += f", tied with {join_list(tied)}" + (" and ranked first of them by name" if first else "")
    if planted:
        ahead = recovery[~recovery["planted"] & (recovery["rank"] < recovery.set_index("actor").loc[leader, "rank"])]
        if len(ahead):
            one = len(ahead) == 1
            text += (f"; {join_list(ahead['actor'])}, {'not a planted broker, brokers' if one else 'not planted brokers, broker'}"
                     f" more ({join_list(integer(paths[a]) for a in ahead['actor'])})")
    return markdown("{text}.", text=text)


def broker_position_table(positions: pd.DataFrame) -> Table:
    """The brokers' median position beside the other firms' (:func:`~crmlab.theories.imp.broker_positions`)."""
    frame = positions.rename(index={"brokers": "Brokers", "others": "Other firms"}).rename_axis("group").reset_index()
    kinds = {"percent": [c for c in ["share_across"] if c in frame.columns]}
    numbers = [c for c in frame.columns if c not in ("group", "actors", "share_across")]
    return table(frame, text=["group"], integer=["actors"], number=numbers, digits=dict.fromkeys(numbers, 3),
                 labels={"group": "", "actors": "Firms", "constraint": "Median constraint",
                         "effective_size": "Median effective size", "betweenness": "Median betweenness",
                         "share_across": "Brokerage between groups"}, top=None, caption="Brokers and the other firms",
                 **kinds)


def broker_position_sentence(positions: pd.DataFrame) -> Markdown:
    """Whether the brokers are less constrained than the other firms, and broker more between groups, from their medians.

    >>> positions = pd.DataFrame({"actors": [4.0, 48.0], "constraint": [0.21, 0.29], "share_across": [0.6, 0.2]},
    ...                          index=["brokers", "others"])
    >>> print(broker_position_sentence(positions))
    The brokers are less constrained than the other firms (median constraint 0.210 against 0.290), and 60.0% of their brokered paths run between groups, against 20.0% for the other firms.
    """
    b, o = positions.loc["brokers"], positions.loc["others"]
    word = compare(b["constraint"], o["constraint"], "more constrained than", "less constrained than",
                   "as constrained as")
    text = (f"The brokers are {word} the other firms (median constraint {number(b['constraint'], 3)} against "
            f"{number(o['constraint'], 3)})")
    if "share_across" in positions.columns and not np.isnan(b["share_across"]):
        text += (f", and {percent(b['share_across'])} of their brokered paths run between groups, against "
                 f"{percent(o['share_across'])} for the other firms")
    return markdown("{text}.", text=text)


def history_table(history: pd.DataFrame, key: pd.DataFrame, *, last: int = 6) -> Table:
    """The strength of the key dyads (:func:`~crmlab.theories.imp.key_dyads`) in the last periods of their history
    (:func:`~crmlab.theories.imp.strength_over_time`): one column per dyad, labelled with its role."""
    names = {(a, b): f"{dyad_label(a, b)} ({role})" for a, b, role in zip(key["actor_a"], key["actor_b"], key["role"])}
    wide = history.pivot(index="period", columns=["actor_a", "actor_b"], values="strength")
    wide = wide[[d for d in names if d in wide.columns]]
    wide.columns = [names[d] for d in wide.columns]
    frame = wide.tail(int(last)).rename_axis("Period").reset_index()
    return table(frame, text=["Period"], number=list(frame.columns[1:]), digits=dict.fromkeys(frame.columns[1:], 3),
                 top=None, caption=f"Strength (0–1) of the key relationships at the end of the last {integer(len(frame))} "
                                   "periods")


def history_sentence(history: pd.DataFrame, key: pd.DataFrame, strength: pd.DataFrame) -> Markdown:
    """What the quietest rich relationship's history shows: its strength now against its peak, and its silence.

    >>> history = pd.DataFrame({"actor_a": "A", "actor_b": "B", "period": ["2023Q1", "2023Q2", "2023Q3"], "strength": [0.5, 0.62, 0.42]})
    >>> key = pd.DataFrame({"actor_a": ["A"], "actor_b": ["B"], "role": ["quietest of the rich"]})
    >>> strength = pd.DataFrame({"actor_a": ["A"], "actor_b": ["B"], "recency_days": [250.0], "n_episodes": [30]})
    >>> print(history_sentence(history, key, strength))
    A – B, with 30 episodes but none in the last 250 days, fell from a strength of 0.620 at its peak (2023Q2) to 0.420.
    """
    quiet = key[key["role"] == "quietest of the rich"]
    if quiet.empty:
        return markdown("No relationship with a rich history has gone quiet.")
    a, b = quiet.iloc[0]["actor_a"], quiet.iloc[0]["actor_b"]
    line = history[(history["actor_a"] == a) & (history["actor_b"] == b)].sort_values("period")
    row = strength[(strength["actor_a"] == a) & (strength["actor_b"] == b)].iloc[0]
    peak = line.loc[line["strength"].idxmax()]
    now = float(line["strength"].iloc[-1])
    move = compare(now, peak["strength"], "rose", "fell", "stayed", tolerance=5e-4)
    tail = (f"fell from a strength of {number(peak['strength'], 3)} at its peak ({peak['period']}) to {number(now, 3)}"
            if move == "fell" else f"is at its peak strength ({number(now, 3)}) despite the silence")
    return markdown("{d}, with {n} episodes but none in the last {days} days, {tail}.", d=dyad_label(a, b),
                    n=integer(row["n_episodes"]), days=integer(row["recency_days"]), tail=tail)


def horizon_sentence(horizon: pd.DataFrame, actor: Any, *, actors: int, k: int, sizes: pd.Series | None = None) -> Markdown:
    """Who ``actor`` sees within its horizon (:func:`~crmlab.theories.imp.network_horizon`), step by step, and
    (with ``sizes``, every firm's horizon: the ``horizon`` of :func:`~crmlab.theories.imp.position_table`) how that
    compares with the other firms.

    >>> horizon = pd.DataFrame({"actor": list("abcde"), "distance": [1, 1, 2, 2, 2]})
    >>> print(horizon_sentence(horizon, "BR-1", actors=10, k=2, sizes=pd.Series([5.0, 3.0, 9.0, 4.0])))
    BR-1 reaches 2 firms in 1 step and 3 more in 2 steps: 5 of the 9 other firms (55.6%) are within its horizon of 2 steps. Across all firms the horizon ranges from 3 to 9 firms (median 4.5).
    """
    counts = horizon.groupby("distance").size()
    steps = [f"{integer(n)} firm{'s' if n != 1 else ''} in {integer(d)} step{'s' if d != 1 else ''}" if i == 0 else
             f"{integer(n)} more in {integer(d)} steps" for i, (d, n) in enumerate(counts.items())]
    others = int(actors) - 1
    seen = int(counts.sum())
    text = (f"{actor} reaches {join_list(steps) if steps else 'no firm'}: {integer(seen)} of the {integer(others)} other "
            f"firms ({percent(seen / others) if others else '–'}) are within its horizon of {integer(k)} steps.")
    if sizes is not None and len(sizes):
        text += (f" Across all firms the horizon ranges from {integer(sizes.min())} to {integer(sizes.max())} firms "
                 f"(median {number(float(sizes.median()))}).")
    return markdown("{text}", text=text)


def community_count_sentence(communities: pd.Series) -> Markdown:
    """How many communities Louvain finds (:func:`~crmlab.theories.imp.network_communities`), their sizes and modularity.

    >>> communities = pd.Series([1, 1, 1, 2, 2], index=list("abcde"))
    >>> communities.attrs["modularity"] = 0.42
    >>> print(community_count_sentence(communities))
    Louvain finds 2 communities of 3 and 2 firms (modularity 0.420).
    """
    sizes = communities.value_counts().sort_values(ascending=False)
    return markdown("Louvain finds {n} communit{y} of {sizes} firms (modularity {m}).", n=integer(len(sizes)),
                    y="y" if len(sizes) == 1 else "ies", sizes=join_list(integer(int(v)) for v in sizes),
                    m=number(float(communities.attrs.get("modularity", np.nan)), 3))


def impact_table(by_distance: pd.DataFrame) -> Table:
    """Affected actors by distance from a changed relationship (:func:`~crmlab.theories.imp.impact_by_distance`)."""
    frame = by_distance.copy()
    frame["distance"] = [integer(d) if not pd.isna(d) else "unreachable" for d in frame["distance"]]
    return table(frame, text=["distance"], integer=["actors", "changed"], number=["mean_abs_change", "max_abs_change"],
                 digits=dict.fromkeys(["mean_abs_change", "max_abs_change"], CHANGE_DIGITS), labels={"distance": "Steps from the change", "actors": "Firms with a changed position measure",
                         "changed": "Firms whose betweenness changed",
                         "mean_abs_change": "Mean change in betweenness (absolute)",
                         "max_abs_change": "Largest change in betweenness (absolute)"}, top=None,
                 caption=f"How far the change ripples (a change in betweenness below {_change(10.0 ** -CHANGE_DIGITS)} "
                         "counts as none)")


def impact_sentence(description: str, by_distance: pd.DataFrame, *, actors: int, disconnected_pairs: int) -> Markdown:
    """How far a change reaches and whether its effect fades with distance, from :func:`~crmlab.theories.imp.impact_by_distance`.

    >>> by_distance = pd.DataFrame({"distance": [0, 1, 2, 3], "actors": [2, 11, 17, 10], "changed": [2, 11, 12, 4],
    ...                             "mean_abs_change": [0.013, 0.0036, 0.00038, 0.00039], "max_abs_change": [0.02, 0.02, 0.001, 0.001]})
    >>> print(impact_sentence("the relationship A–B ends", by_distance, actors=52, disconnected_pairs=0))
    When the relationship A–B ends, a position measure changes for 40 of 52 firms (76.9%), up to 3 steps from the relationship. The betweenness of 29 of them changes; its mean change falls from 0.0130 at the relationship itself to 0.0004 at 3 steps. No pair of firms loses its last path to each other.
    """
    rows = by_distance.dropna(subset=["distance"])
    affected = int(by_distance["actors"].sum())
    far = int(rows["distance"].max()) if len(rows) else 0
    text = (f"When {description}, a position measure changes for {integer(affected)} of {integer(actors)} firms "
            f"({percent(affected / actors)}), up to {integer(far)} step{'s' if far != 1 else ''} from the relationship.")
    moved = rows[rows["changed"] > 0]
    if len(moved):
        first, last = moved.iloc[0], moved.iloc[-1]
        fade = compare(last["mean_abs_change"], first["mean_abs_change"], "rises", "falls", "stays about the same",
                       tolerance=0.05, relative=True)
        start = "the relationship itself" if first["distance"] == 0 else f"{integer(first['distance'])} steps"
        text += (f" The betweenness of {integer(moved['changed'].sum())} of them changes; its mean change {fade} from "
                 f"{_change(first['mean_abs_change'])} at {start} to {_change(last['mean_abs_change'])} at "
                 f"{integer(last['distance'])} steps.")
    else:
        text += " No firm's betweenness changes."
    text += (" No pair of firms loses its last path to each other." if disconnected_pairs == 0 else
             f" {integer(disconnected_pairs)} pair{'s' if disconnected_pairs != 1 else ''} of firms can no longer "
             "reach each other.")
    return markdown("{text}", text=text)


def _change(value: float) -> str:
    """A change in a position measure as its tables show it (:data:`CHANGE_DIGITS` decimals), and "less than 0.0001"
    for a change too small to show there, rather than a 0.0000 that reads as none.

    >>> _change(0.013373), _change(0.00000903), _change(0.0)
    ('0.0134', 'less than 0.0001', '0.0000')
    """
    shown = number(float(value), CHANGE_DIGITS)
    if float(value) != 0 and not any(c in "123456789" for c in shown):
        return f"less than {number(10.0 ** -CHANGE_DIGITS, CHANGE_DIGITS)}"
    return shown


def affected_actors_table(affected: pd.DataFrame, *, top: int = 8) -> Table:
    """The most affected actors of a scenario: distance and the change in each position measure."""
    columns = ["distance", "degree_change", "betweenness_change", "constraint_change", "horizon_change"]
    frame = affected[columns].rename_axis("actor").reset_index()
    return table(frame, integer=["distance", "degree_change", "horizon_change"],
                 number=["betweenness_change", "constraint_change"],
                 digits=dict.fromkeys(["betweenness_change", "constraint_change"], CHANGE_DIGITS), labels=LABELS, top=int(top),
                 caption="Firms whose position changes, nearest first")


def affected_relationships_table(relationships: pd.DataFrame, *, top: int = 8) -> Table:
    """The relationships nearest the change, and how much more (or less) of the network's flow they carry."""
    frame = relationships[["actor_a", "actor_b", "status", "connection_degree", "edge_betweenness_change"]]
    return table(frame.reset_index(drop=True), integer=["connection_degree"], number=["edge_betweenness_change"],
                 digits={"edge_betweenness_change": CHANGE_DIGITS}, labels=LABELS, top=int(top), caption="Relationships near the change: flow re-routed through them")


def switch_table(change: pd.DataFrame, parties: Sequence[Any]) -> Table:
    """How the three parties of a supplier switch change position (``position_change`` of :func:`~crmlab.theories.imp.supplier_switch`)."""
    customer, old, new = parties
    frame = change.loc[[customer, old, new], ["degree", "weighted_degree", "betweenness", "constraint", "horizon"]]
    frame = frame.rename_axis("actor").reset_index()
    frame.insert(1, "role", ["customer", "old supplier", "new supplier"])
    return table(frame, integer=["degree", "horizon"], number=["weighted_degree", "betweenness", "constraint"],
                 digits={"weighted_degree": 3, "betweenness": CHANGE_DIGITS, "constraint": CHANGE_DIGITS},
                 labels={**{k: f"Change in {v[0].lower()}{v[1:]}" for k, v in LABELS.items()}, "actor": "Actor",
                         "role": "Role"}, top=None, caption="Change in the position of the three parties")


def switch_sentence(description: str, by_distance: pd.DataFrame, *, actors: int) -> Markdown:
    """How many firms a supplier switch moves, and how far from the parties (:func:`~crmlab.theories.imp.impact_by_distance`).

    >>> by_distance = pd.DataFrame({"distance": [0, 1, 3], "actors": [3, 5, 2], "changed": [3, 4, 1]})
    >>> print(switch_sentence("C1 switches from S1 to S2", by_distance, actors=20))
    When C1 switches from S1 to S2, a position measure changes for 10 of 20 firms (50.0%), the betweenness of 8, up to 3 steps from the parties.
    """
    moved = by_distance[(by_distance["changed"] > 0) & by_distance["distance"].notna()]
    far = int(moved["distance"].max()) if len(moved) else 0
    affected = int(by_distance["actors"].sum())
    return markdown("When {d}, a position measure changes for {n} of {a} firms ({s}), the betweenness of {b}, up to "
                    "{far} step{pl} from the parties.", d=description, n=integer(affected), a=integer(actors),
                    s=percent(affected / actors), b=integer(moved["changed"].sum()), far=integer(far),
                    pl="s" if far != 1 else "")


def what_the_network_tells(history: pd.DataFrame, key: pd.DataFrame, distribution: pd.DataFrame,
                           positions: pd.DataFrame, by_distance: pd.DataFrame, switch_by_distance: pd.DataFrame) -> Markdown:
    """The closing bullets of the IMP report, each stating only what its frame shows.

    - relationship strength is a history: the quietest rich relationship's
      strength against its peak (:func:`history_sentence`'s frames);
    - dependence: how many dyads are nearly balanced (:func:`asymmetry_sentence`);
    - position: the brokers' constraint and brokerage between groups against
      the other firms' (:func:`broker_position_sentence`);
    - connected relationships: how far the ended relationship and the switch
      reach, by the firms whose betweenness changed
      (:func:`~crmlab.theories.imp.impact_by_distance`).
    """
    bullets = [_history_bullet(history, key), _dependence_bullet(distribution),
               _position_bullet(positions), _connected_bullet(by_distance, switch_by_distance)]
    return Markdown("\n".join(f"* {b.text}" for b in bullets), "\n".join(f"* {b.plain}" for b in bullets))


def _history_bullet(history: pd.DataFrame, key: pd.DataFrame) -> Markdown:
    quiet = key[key["role"] == "quietest of the rich"]
    if quiet.empty:
        return markdown("A relationship's strength is a history of episodes and mutual adaptations; here no rich "
                        "relationship has gone quiet to show how it decays.")
    a, b = quiet.iloc[0]["actor_a"], quiet.iloc[0]["actor_b"]
    line = history[(history["actor_a"] == a) & (history["actor_b"] == b)]["strength"]
    fell = float(line.iloc[-1]) < float(line.max()) - 5e-4
    if fell:
        return markdown("A relationship is worth more than its sales: its strength is a history of episodes and mutual "
                        "adaptations, and it decays when the interaction stops ({d} fell from {p} to {n}).",
                        d=dyad_label(a, b), p=number(float(line.max()), 3), n=number(float(line.iloc[-1]), 3))
    return markdown("A relationship's strength is a history of episodes and mutual adaptations; the quietest rich "
                    "relationship here ({d}) has not yet lost strength.", d=dyad_label(a, b))


def _dependence_bullet(distribution: pd.DataFrame) -> Markdown:
    balanced, total = int(distribution["dyads"].iloc[0]), int(distribution.attrs["dyads"])
    if total and 4 * balanced < total:
        return markdown("Dependence is rarely symmetric ({s} of relationships nearly balanced); the share of each "
                        "side's business says who has power in the dyad.", s=percent(balanced / total))
    if total and 2 * balanced < total:
        return markdown("Dependence is more often unequal than balanced ({s} of relationships nearly balanced); the "
                        "share of each side's business says who has power in the dyad.", s=percent(balanced / total))
    if not total:
        return markdown("No relationship has business on both sides to compare, so dependence says nothing about power "
                        "here.")
    unequal = total - balanced
    wide = _wide_gaps(distribution)
    if wide is None:
        wide = ""
    else:
        count, bound = wide
        wide = (f", {integer(count)} ({percent(count / total)}) over {bound} points" if count else
                f", though none over {bound} points")
    if unequal == 0:
        return markdown("Dependence is balanced in every relationship here (all within {b} percentage points), so "
                        "unequal shares of business give no side power.", b=number(100 * float(distribution["high"].iloc[0]), 0))
    return markdown("Dependence is mostly balanced here ({s} of relationships nearly balanced), but not everywhere: "
                    "{k} relationship{pl} ({u}) {verb} a gap over {b} percentage points{wide}; there the share of each "
                    "side's business says who has power in the dyad.", s=percent(balanced / total), k=integer(unequal),
                    pl="s" if unequal != 1 else "", verb="have" if unequal != 1 else "has",
                    u=percent(unequal / total), b=number(100 * float(distribution["high"].iloc[0]), 0), wide=wide)


def _position_bullet(positions: pd.DataFrame) -> Markdown:
    b, o = positions.loc["brokers"], positions.loc["others"]
    less = b["constraint"] < o["constraint"]
    across = "share_across" in positions.columns and b["share_across"] > o["share_across"]
    if less and across:
        return markdown("Position is a resource: the brokers between clusters are less constrained (median {bc} "
                        "against {oc}) and broker more between groups ({bs} of their paths against {os}), so they see and "
                        "steer flows that firms inside a dense cluster cannot.", bc=number(b["constraint"], 3),
                        oc=number(o["constraint"], 3), bs=percent(b["share_across"]), os=percent(o["share_across"]))
    return markdown("Burt's brokers span structural holes with low constraint; here the brokers' median constraint "
                    "is {bc} against {oc} for the other firms, so their position is not the open one the theory "
                    "expects.", bc=number(b["constraint"], 3), oc=number(o["constraint"], 3))


def _connected_bullet(by_distance: pd.DataFrame, switch_by_distance: pd.DataFrame) -> Markdown:
    def reach(rows: pd.DataFrame) -> int:
        moved = rows[(rows["changed"] > 0) & rows["distance"].notna()]
        return int(moved["distance"].max()) if len(moved) else 0

    far, switch_far = reach(by_distance), reach(switch_by_distance)
    if max(far, switch_far) >= 2:
        return markdown("No relationship stands alone: ending one changed the betweenness of firms up to {a} steps away, "
                        "switching supplier up to {b} steps away; both re-route the network's flows through other "
                        "relationships.", a=integer(far), b=integer(switch_far))
    return markdown("Here the changes stay close: ending a relationship changed the betweenness of firms up to {a} "
                    "step(s) away, switching supplier up to {b}.", a=integer(far), b=integer(switch_far))
