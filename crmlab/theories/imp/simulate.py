"""A synthetic B2B network with planted communities and brokers (ground truth).

The world: ``n_communities`` regional clusters (one country each) of
``actors_per_community`` firms — suppliers, distributors and customers in
proportions 3 : 2 : 5, sizes log-normal around 100 employees. Two firms of the
same cluster have a relationship with probability ``p_within``, of different
clusters with ``p_between``. On top, ``n_brokers`` distributors are planted as
brokers: broker i belongs to cluster i mod n and has ``broker_ties``
relationships into its own cluster and into each of the next
``broker_span − 1`` clusters, so it bridges structural holes between them.

Each relationship has a latent intensity λ (episodes a year, gamma with mean
``mean_episodes_per_year``), starts in the first half of the observation
window and ends early with probability ``p_dissolve``. Its episodes are a
Poisson process of rate λ; their kinds are orders, deliveries, meetings,
adaptations and complaints (adaptations more likely in intense
relationships); orders carry a value growing with the two firms' sizes, and
each episode's initiator is one of the two firms. A quarter of the
relationships share or adapt a resource; relationships between firms of
different types link activities along the chain supplier → distributor →
customer. The tables are canonical for :mod:`crmlab.theories.imp.data`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator

__all__ = ["SimulatedB2BNetwork", "network_tables", "simulate_b2b_network"]

TYPES = ("supplier", "distributor", "customer")
_TYPE_SHARES = (0.3, 0.2, 0.5)
_ACTIVITY = {"supplier": "production", "distributor": "warehousing", "customer": "assembly"}
_COUNTRIES = ("SE", "DE", "UK", "FI", "NL", "FR", "IT", "ES", "PL", "DK", "NO", "BE")
_RESOURCES = ("EDI platform", "logistics hub", "joint tooling", "test laboratory", "product design")
_KINDS = ("order", "delivery", "meeting", "adaptation", "complaint")


@dataclass(frozen=True)
class SimulatedB2BNetwork:
    """The four tables and the ground truth of :func:`simulate_b2b_network`.

    ``actors``, ``episodes``, ``resource_ties``, ``activity_links`` (canonical
    tables); ``communities`` (actor → planted cluster, numbered 1, 2, … like
    :func:`~crmlab.theories.imp.network_communities`), ``brokers`` (the planted
    broker ids) and ``relationships`` (each dyad's latent ``episodes_per_year``,
    ``start``, ``end`` and whether it ``dissolved``).
    """

    actors: pd.DataFrame
    episodes: pd.DataFrame
    resource_ties: pd.DataFrame
    activity_links: pd.DataFrame
    communities: pd.Series
    brokers: list[str]
    relationships: pd.DataFrame


def simulate_b2b_network(
    n_communities: int = 4,
    actors_per_community: int = 12,
    n_brokers: int = 4,
    *,
    years: float = 3.0,
    p_within: float = 0.5,
    p_between: float = 0.002,
    broker_ties: int = 4,
    broker_span: int = 2,
    mean_episodes_per_year: float = 8.0,
    p_dissolve: float = 0.15,
    start: str = "2021-01-01",
    rng: np.random.Generator | int | None = None,
) -> SimulatedB2BNetwork:
    """Simulate a B2B network of known communities and brokers (see the module docstring).

    >>> world = simulate_b2b_network(3, 8, 2, rng=1)
    >>> len(world.actors), world.brokers
    (26, ['BR-1', 'BR-2'])
    """
    if n_communities < 1 or actors_per_community < 2 or n_brokers < 0 or years <= 0:
        raise ValueError("need n_communities ≥ 1, actors_per_community ≥ 2, n_brokers ≥ 0 and years > 0")
    if not (0 <= p_within <= 1 and 0 <= p_between <= 1 and 0 <= p_dissolve <= 1):
        raise ValueError("probabilities must lie in [0, 1]")
    if n_communities > len(_COUNTRIES):
        raise ValueError(f"at most {len(_COUNTRIES)} communities")
    g = as_generator(rng)
    ids, community, types = [], [], []
    for k in range(int(n_communities)):
        for j in range(int(actors_per_community)):
            ids.append(f"{_COUNTRIES[k]}-{j + 1:02d}")
            community.append(k)
            types.append(str(g.choice(TYPES, p=_TYPE_SHARES)))
    brokers = [f"BR-{i + 1}" for i in range(int(n_brokers))]
    for i, broker in enumerate(brokers):
        ids.append(broker)
        community.append(i % int(n_communities))
        types.append("distributor")
    n = len(ids)
    community_arr = np.array(community)
    size = np.maximum(1, np.round(np.exp(np.log(100) + g.standard_normal(n)))).astype(int)
    actors = pd.DataFrame({"actor_id": ids, "type": types, "country": [_COUNTRIES[c] for c in community], "size": size})
    members = {k: [i for i in range(n - len(brokers)) if community[i] == k] for k in range(int(n_communities))}

    pairs: set[tuple[int, int]] = set()
    firms = n - len(brokers)
    for i in range(firms):
        for j in range(i + 1, firms):
            p = p_within if community[i] == community[j] else p_between
            if g.random() < p:
                pairs.add((i, j))
    for b, _broker in enumerate(brokers):
        index = firms + b
        home = community[index]
        for step in range(min(int(broker_span), int(n_communities))):
            pool = members[(home + step) % int(n_communities)]
            for j in g.choice(pool, size=min(int(broker_ties), len(pool)), replace=False):
                pairs.add((min(index, int(j)), max(index, int(j))))

    origin = pd.Timestamp(start)
    total_days = float(years) * 365.25
    episodes, rel_rows, resource_rows, activity_rows = [], [], [], []
    for i, j in sorted(pairs):
        rate = g.gamma(2.0, mean_episodes_per_year / 2.0)
        begin = g.uniform(0, total_days / 2)
        dissolved = bool(g.random() < p_dissolve)
        end = g.uniform(begin + 30, total_days) if dissolved else total_days
        count = max(1, g.poisson(rate * (end - begin) / 365.25))
        times = np.sort(g.uniform(begin, end, count))
        p_adapt = 0.02 + 0.10 * rate / (rate + mean_episodes_per_year)
        probs = np.array([0.45, 0.28, 0.12, p_adapt, 0.05])
        kinds = g.choice(_KINDS, size=count, p=probs / probs.sum())
        scale = np.sqrt(size[i] * size[j]) * 10
        for t, kind in zip(times, kinds):
            value = float(np.round(g.lognormal(np.log(scale), 0.5), 2)) if kind == "order" else 0.0
            who = ids[i] if g.random() < 0.5 else ids[j]
            episodes.append((ids[i], ids[j], origin + pd.Timedelta(days=float(t)), str(kind), value, who))
        rel_rows.append((ids[i], ids[j], rate, origin + pd.Timedelta(days=begin), origin + pd.Timedelta(days=end), dissolved))
        if g.random() < 0.25:
            resource = f"{_RESOURCES[g.integers(len(_RESOURCES))]} {_COUNTRIES[community_arr[i]]}"
            resource_rows.append((ids[i], ids[j], resource, "shared" if g.random() < 0.6 else "adapted", 1.0))
        ti, tj = TYPES.index(types[i]), TYPES.index(types[j])
        if ti != tj and g.random() < 0.6:
            up, down = (i, j) if ti < tj else (j, i)
            activity_rows.append((ids[up], _ACTIVITY[types[up]], ids[down], _ACTIVITY[types[down]], 1.0))
    episode_table = pd.DataFrame(episodes, columns=["actor_id", "partner_id", "date", "kind", "value", "initiator"])
    episode_table = episode_table.sort_values(["date", "actor_id", "partner_id"], kind="stable", ignore_index=True)
    episode_table.insert(0, "episode_id", [f"E{k + 1:06d}" for k in range(len(episode_table))])
    relationships = pd.DataFrame(rel_rows, columns=["actor_a", "actor_b", "episodes_per_year", "start", "end", "dissolved"])
    swap = relationships["actor_a"] > relationships["actor_b"]
    relationships.loc[swap, ["actor_a", "actor_b"]] = relationships.loc[swap, ["actor_b", "actor_a"]].to_numpy()
    return SimulatedB2BNetwork(
        actors=actors,
        episodes=episode_table,
        resource_ties=pd.DataFrame(resource_rows, columns=["actor_id", "partner_id", "resource", "tie", "weight"]),
        activity_links=pd.DataFrame(activity_rows, columns=["upstream_id", "upstream_activity", "downstream_id",
                                                            "downstream_activity", "weight"]),
        communities=pd.Series(community_arr + 1, index=pd.Index(ids, name="actor"), name="community"),
        brokers=brokers,
        relationships=relationships.sort_values(["actor_a", "actor_b"], ignore_index=True),
    )


def network_tables(world: SimulatedB2BNetwork) -> dict[str, pd.DataFrame]:
    """The four tables of a network study from a simulated world, as :func:`~crmlab.theories.imp.read_network_tables` gives them.

    The ARA model's data (Håkansson & Snehota 1995): ``actors``,
    ``episodes``, ``resource_ties`` and ``activity_links``, keyed as the
    folder reader keys a study's files, so a synthetic world and a user's
    folder reach :func:`~crmlab.theories.imp.build_network` the same way.
    The ground truth (planted communities and brokers) stays on ``world``.

    >>> tables = network_tables(simulate_b2b_network(2, 6, 1, rng=1))
    >>> list(tables), len(tables["actors"])
    (['actors', 'episodes', 'resource_ties', 'activity_links'], 13)
    """
    return {"actors": world.actors, "episodes": world.episodes, "resource_ties": world.resource_ties,
            "activity_links": world.activity_links}
