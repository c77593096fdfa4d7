"""Network position: centrality, structural holes, brokerage roles, communities, network horizon.

In the IMP view a firm's *network position* — whom it is tied to, and whom
those are tied to — is both a resource and a constraint (Johanson & Mattsson
1992; Håkansson & Snehota 1995). The measures here are plain functions over a
simple networkx graph (use :func:`~crmlab.theories.imp.layer_graph` to get one
from the ARA multigraph; a multigraph given directly is collapsed to its bond
layer), each returning a tidy frame indexed by actor:

- :func:`centrality_table` — degree, weighted degree, betweenness (Freeman
  1977) and eigenvector centrality (Bonacich 1972), via networkx;
- :func:`structural_holes` — Burt's (1992) constraint, effective size,
  efficiency and hierarchy, via :func:`networkx.constraint`,
  :func:`networkx.effective_size` and :func:`networkx.local_constraint`;
- :func:`brokerage_roles` — Gould & Fernandez's (1989) five brokerage roles by
  actor groups, implemented from the definition (networkx has none);
- :func:`network_communities` — Louvain communities (Blondel et al. 2008),
  seeded;
- :func:`network_horizon`, :func:`horizon_sizes`, :func:`horizon_graph` —
  who is reachable within k steps (the network horizon of Anderson, Håkansson &
  Johanson 1994; Holmen & Pedersen 2003);
- :func:`position_table` — the lot in one frame;
- :func:`brokerage_across_groups`, :func:`broker_positions` — who brokers
  between groups, and how brokers' positions compare with the other firms';
  :func:`broker_recovery`, :func:`community_recovery` — what was found beside
  what a synthetic world planted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "ACROSS_GROUPS",
    "BROKERAGE_ROLES",
    "broker_positions",
    "broker_recovery",
    "brokerage_across_groups",
    "brokerage_roles",
    "centrality_table",
    "community_recovery",
    "horizon_graph",
    "horizon_sizes",
    "network_communities",
    "network_horizon",
    "position_table",
    "structural_holes",
]

#: Gould & Fernandez's roles, for a two-step path a → b → c (b the broker) with no tie a → c.
BROKERAGE_ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")

#: The roles in which the broker links different groups (a and c in different groups).
ACROSS_GROUPS = ("representative", "gatekeeper", "liaison")


def _simple(graph: nx.Graph) -> nx.Graph:
    if graph.is_multigraph():
        from crmlab.theories.imp.network import layer_graph

        return layer_graph(graph, "bond")
    return graph


def centrality_table(graph: nx.Graph, *, weight: str | None = "weight", distance: str | None = None) -> pd.DataFrame:
    """Degree, weighted degree, betweenness and eigenvector centrality of each actor.

    - ``degree``: number of partners; ``degree_centrality`` = degree / (n − 1);
    - ``weighted_degree``: sum of the tie weights (e.g. relationship strengths);
    - ``betweenness``: Freeman's (1977) normalised betweenness, the share of
      shortest paths between other pairs that pass through the actor; paths are
      counted in steps unless ``distance`` names an edge attribute of lengths
      (a strength is a closeness, not a length: use e.g. 1 / strength);
    - ``eigenvector``: Bonacich's (1972) eigenvector centrality on the
      ``weight`` ties — an actor is central when its partners are central
      (``networkx.eigenvector_centrality``, unit Euclidean norm). On a
      disconnected network it is the leading eigenvector of the whole
      adjacency matrix, which is concentrated on the component with the
      largest eigenvalue (actors of small components get ≈ 0).

    >>> star = nx.star_graph(3)  # node 0 tied to 1, 2, 3
    >>> table = centrality_table(star)
    >>> table.loc[0, ["degree", "betweenness"]].tolist()
    [3.0, 1.0]
    """
    graph = _simple(graph)
    n = graph.number_of_nodes()
    nodes = list(graph.nodes)
    degree = dict(graph.degree())
    table = pd.DataFrame(index=pd.Index(nodes, name="actor"))
    table["degree"] = pd.Series(degree, dtype=float)
    table["degree_centrality"] = table["degree"] / max(n - 1, 1)
    table["weighted_degree"] = pd.Series(dict(graph.degree(weight=weight)), dtype=float)
    table["betweenness"] = pd.Series(nx.betweenness_centrality(graph, weight=distance, normalized=True), dtype=float)
    if graph.number_of_edges():
        eig = nx.eigenvector_centrality(graph, weight=weight, max_iter=5000, tol=1e-10)
    else:
        eig = dict.fromkeys(nodes, 0.0)
    table["eigenvector"] = pd.Series(eig, dtype=float)
    return table


def _hierarchy(graph: nx.Graph, node: Any, total: float, weight: str | None) -> float:
    neighbours = list(nx.all_neighbors(graph, node))
    n = len(set(neighbours))
    if n < 2 or not np.isfinite(total) or total <= 0:
        return np.nan
    local = np.array([nx.local_constraint(graph, node, v, weight=weight) for v in set(neighbours)])
    ratio = local / (total / n)
    return float(np.sum(ratio * np.log(ratio)) / (n * np.log(n)))


def structural_holes(graph: nx.Graph, *, weight: str | None = None) -> pd.DataFrame:
    """Burt's (1992) structural-hole measures of each actor.

    With pᵢⱼ the share of i's ties (sum of both directions, weighted by
    ``weight``) invested in j:

    - ``constraint`` Cᵢ = Σⱼ (pᵢⱼ + Σ_q pᵢ_q p_qⱼ)², over i's partners j and
      q ≠ i, j: low when i's partners are not tied to each other (i spans
      structural holes), high when they are (``networkx.constraint``);
    - ``effective_size`` = Σⱼ (1 − Σ_q pᵢ_q m_jq) over i's partners j, with
      m_jq = j's tie to q over j's strongest tie: the partners that are not
      redundant (Burt 1992; ``networkx.effective_size``). Unweighted and
      undirected it is n − 2t / n for n partners with t ties among them
      (Borgatti 1997's simplification);
    - ``efficiency`` = effective size / degree;
    - ``hierarchy`` = Σⱼ (cᵢⱼ / c̄) ln(cᵢⱼ / c̄) / (n ln n), c̄ = Cᵢ / n: how much
      of the constraint comes from one partner (0 when spread evenly).

    On the example network of Borgatti (1997, "Structural holes: unpacking
    Burt's redundancy measures", Connections 20(1), 35–38) the values are the
    published ones (unweighted) and UCINET's (with the tie weights of networkx's
    tests). The effective size is computed node by node: networkx's sparse-matrix
    shortcut for all nodes at once (networkx 3.6) scales m_jq by q's strongest
    tie instead of j's, which is wrong on weighted graphs (5.52 instead of 5.47
    for the centre of Borgatti's example).

    Isolates get NaN. Worked example (ego E tied to A, B, C, D; A–B tied): each
    pᴱⱼ = 1/4; pᴬᴮ = 1/2, so cᴱᴬ = cᴱᴮ = (1/4 + 1/4 · 1/2)² = 9/64 and cᴱᶜ = cᴱᴰ = 1/16;
    Cᴱ = 26/64 = 0.40625; effective size 4 − 2 · 1/4 = 3.5.

    >>> G = nx.Graph([("E", "A"), ("E", "B"), ("E", "C"), ("E", "D"), ("A", "B")])
    >>> structural_holes(G).loc["E", ["constraint", "effective_size", "efficiency"]].tolist()
    [0.40625, 3.5, 0.875]
    """
    graph = _simple(graph)
    constraint = nx.constraint(graph, weight=weight)
    # the nodes passed explicitly: the per-node formula, not the sparse shortcut (wrong when weighted)
    size = nx.effective_size(graph, nodes=list(graph.nodes), weight=weight)
    table = pd.DataFrame(index=pd.Index(list(graph.nodes), name="actor"))
    table["constraint"] = pd.Series(constraint, dtype=float)
    table["effective_size"] = pd.Series(size, dtype=float)
    degree = pd.Series(dict(graph.degree()), dtype=float)
    table["efficiency"] = table["effective_size"] / degree.where(degree > 0)
    table["hierarchy"] = [_hierarchy(graph, v, constraint[v], weight) for v in table.index]
    return table


def brokerage_roles(graph: nx.Graph, groups: Mapping[Any, Any] | str) -> pd.DataFrame:
    """Gould & Fernandez's (1989) brokerage roles: how often each actor brokers, and between whom.

    A brokerage is a two-step path a → b → c with no direct tie a → c (a ≠ c);
    b is the broker. By the groups of a, b and c (``groups`` maps actor → group,
    or names a node attribute such as ``"type"`` or ``"country"``):

    ============== ============================ ==========================================
    role           groups                       b …
    ============== ============================ ==========================================
    coordinator    a = b = c                    mediates within its own group
    itinerant      a = c ≠ b                    mediates within another group
    representative a = b ≠ c                    passes its group's flow out to another
    gatekeeper     a ≠ b = c                    controls what enters its group
    liaison        a, b, c all different        links two other groups
    ============== ============================ ==========================================

    A directed graph is used as given; an undirected one counts each tie in
    both directions, so every open triad a – b – c is counted twice (a → b → c
    and c → b → a; a gatekeeper one way is a representative the other).
    Returns counts per actor (every actor, zeros included) and ``total``.

    Worked example (groups in brackets): x[P] → b[P] → y[Q] with no x → y is one
    representative brokerage of b.

    >>> G = nx.DiGraph([("x", "b"), ("b", "y")])
    >>> brokerage_roles(G, {"x": "P", "b": "P", "y": "Q"}).loc["b"].tolist()
    [0, 0, 1, 0, 0, 1]
    """
    graph = _simple(graph)
    directed = graph if graph.is_directed() else graph.to_directed()
    if isinstance(groups, str):
        attribute = groups
        group = dict(directed.nodes(data=attribute))
        missing = [v for v, g in group.items() if g is None]
        if missing:
            raise ValueError(f"actors without the attribute {attribute!r}: {missing[:10]}")
    else:
        group = dict(groups)
        missing = [v for v in directed.nodes if v not in group]
        if missing:
            raise ValueError(f"actors without a group: {missing[:10]}")
    counts = {v: dict.fromkeys(BROKERAGE_ROLES, 0) for v in directed.nodes}
    for b in directed.nodes:
        gb = group[b]
        for a in directed.predecessors(b):
            if a == b:
                continue
            ga = group[a]
            for c in directed.successors(b):
                if c == a or c == b or directed.has_edge(a, c):
                    continue
                gc = group[c]
                if ga == gb == gc:
                    role = "coordinator"
                elif ga == gc:
                    role = "itinerant"
                elif ga == gb:
                    role = "representative"
                elif gb == gc:
                    role = "gatekeeper"
                else:
                    role = "liaison"
                counts[b][role] += 1
    table = pd.DataFrame.from_dict(counts, orient="index", columns=list(BROKERAGE_ROLES)).astype(int)
    table.index.name = "actor"
    table["total"] = table.sum(axis=1)
    return table


def network_communities(graph: nx.Graph, *, weight: str | None = "weight", resolution: float = 1.0,
                        rng: np.random.Generator | int | None = 0) -> pd.Series:
    """Communities of densely tied actors by Louvain modularity optimisation (Blondel et al. 2008).

    ``networkx.community.louvain_communities`` with a seed drawn from ``rng``,
    so the partition is reproducible. Communities are numbered 1, 2, … from the
    largest (as readers count them, and as :func:`simulate_b2b_network`
    numbers its planted clusters), so a community has the same number on every
    page that shows it; the Series' ``attrs["modularity"]`` holds Newman's
    modularity of the partition.

    >>> G = nx.disjoint_union(nx.complete_graph(4), nx.complete_graph(3))
    >>> network_communities(G, rng=1).tolist()
    [1, 1, 1, 1, 2, 2, 2]
    """
    graph = _simple(graph)
    seed = int(np.random.default_rng(rng).integers(2**31 - 1))
    parts = nx.community.louvain_communities(graph, weight=weight, resolution=resolution, seed=seed)
    parts = sorted(parts, key=lambda p: (-len(p), min(map(str, p))))
    label = {v: k for k, part in enumerate(parts, start=1) for v in part}
    out = pd.Series([label[v] for v in graph.nodes], index=pd.Index(list(graph.nodes), name="actor"), name="community")
    out.attrs["modularity"] = float(nx.community.modularity(graph, parts, weight=weight, resolution=resolution))
    return out


def network_horizon(graph: nx.Graph, actor: Any, k: int = 2) -> pd.DataFrame:
    """The actors within ``k`` steps of ``actor`` (its network horizon) and their distance.

    Anderson, Håkansson & Johanson (1994): an actor sees its network only to a
    horizon — the relationships it knows of and takes into account, usually
    its partners and their partners. Here the horizon is the set reachable in
    at most k steps (``networkx.single_source_shortest_path_length`` with a
    cutoff); the actor itself is excluded.

    >>> network_horizon(nx.path_graph(5), 0, k=2).to_dict("records")
    [{'actor': 1, 'distance': 1}, {'actor': 2, 'distance': 2}]
    """
    graph = _simple(graph)
    if actor not in graph:
        raise KeyError(f"{actor!r} is not an actor of the network")
    dist = nx.single_source_shortest_path_length(graph, actor, cutoff=int(k))
    rows = sorted(((v, d) for v, d in dist.items() if v != actor), key=lambda t: (t[1], str(t[0])))
    return pd.DataFrame(rows, columns=["actor", "distance"])


def horizon_sizes(graph: nx.Graph, k: int = 3) -> pd.DataFrame:
    """How many actors each actor reaches within 1, 2, …, k steps (columns ``within_1`` … ``within_k``).

    The size of each actor's network horizon (Anderson, Håkansson & Johanson
    1994) at each depth, from ``networkx.single_source_shortest_path_length``.

    >>> horizon_sizes(nx.path_graph(4), k=2).loc[0].tolist()
    [1, 2]
    """
    graph = _simple(graph)
    rows = {}
    for v in graph.nodes:
        dist = np.array([d for u, d in nx.single_source_shortest_path_length(graph, v, cutoff=int(k)).items() if u != v])
        rows[v] = [int((dist <= step).sum()) for step in range(1, int(k) + 1)]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=[f"within_{s}" for s in range(1, int(k) + 1)])
    table.index.name = "actor"
    return table


def horizon_graph(graph: nx.Graph, actor: Any, k: int = 2) -> nx.Graph:
    """The part of the network inside ``actor``'s horizon: ``networkx.ego_graph`` of radius ``k``.

    >>> sorted(horizon_graph(nx.path_graph(5), 2, k=1).nodes)
    [1, 2, 3]
    """
    if actor not in graph:
        raise KeyError(f"{actor!r} is not an actor of the network")
    return nx.ego_graph(graph, actor, radius=int(k))


def position_table(graph: nx.Graph, *, groups: Mapping[Any, Any] | str | None = None, weight: str | None = "weight",
                   k: int = 2, rng: np.random.Generator | int | None = 0) -> pd.DataFrame:
    """Every position measure of each actor in one frame.

    :func:`centrality_table` (on ``weight``), :func:`structural_holes`
    (weighted by ``weight``), the horizon size within ``k`` steps, the Louvain
    ``community`` (seeded by ``rng``) and, when ``groups`` is given, the
    brokerage role counts of :func:`brokerage_roles`.

    >>> table = position_table(nx.star_graph(3), weight=None)
    >>> table.loc[0, ["degree", "constraint", "horizon"]].tolist()
    [3.0, 0.3333333333333333, 3.0]
    """
    graph = _simple(graph)
    parts = [centrality_table(graph, weight=weight), structural_holes(graph, weight=weight)]
    parts.append(horizon_sizes(graph, k)[[f"within_{k}"]].rename(columns={f"within_{k}": "horizon"}).astype(float))
    parts.append(network_communities(graph, weight=weight, rng=rng).to_frame())
    if groups is not None:
        parts.append(brokerage_roles(graph, groups).add_prefix("brokerage_"))
    return pd.concat(parts, axis=1)


def brokerage_across_groups(roles: pd.DataFrame) -> pd.DataFrame:
    """Each actor's brokerage between different groups: representative + gatekeeper + liaison paths.

    Of Gould & Fernandez's (1989) roles, these three link groups (the two ends
    a and c of the path a → b → c are in different groups); coordinator and
    itinerant paths stay within one group. Takes :func:`brokerage_roles`;
    returns, indexed by actor, ``across_groups`` (paths), ``total`` (all
    brokered paths) and ``share_across`` (across / total; NaN without any
    brokerage).

    >>> roles = pd.DataFrame({"coordinator": [3, 0], "itinerant": [0, 0], "representative": [1, 0], "gatekeeper": [1, 0],
    ...                       "liaison": [2, 0], "total": [7, 0]}, index=pd.Index(["b", "x"], name="actor"))
    >>> brokerage_across_groups(roles).loc["b"].tolist()
    [4.0, 7.0, 0.5714285714285714]
    """
    across = roles[list(ACROSS_GROUPS)].sum(axis=1)
    total = roles["total"]
    return pd.DataFrame({"across_groups": across.astype(float), "total": total.astype(float),
                         "share_across": across / total.where(total > 0)}, index=roles.index)


def broker_recovery(roles: pd.DataFrame, planted: list, *, n: int | None = None) -> pd.DataFrame:
    """The actors who broker most between groups, beside the brokers a synthetic world planted.

    Actors are ranked by :func:`brokerage_across_groups` (most paths first,
    ties by name); the top ``n`` (default: as many as were planted) are
    ``found``. Returns one row per actor found or planted, in rank order:
    ``actor``, ``rank``, ``across_groups``, ``share_across``, ``planted``, ``found``.

    >>> roles = pd.DataFrame({"representative": [5, 1, 4], "gatekeeper": [5, 1, 0], "liaison": [0, 0, 0],
    ...                       "total": [12, 6, 4]}, index=pd.Index(["b1", "x", "b2"], name="actor"))
    >>> broker_recovery(roles, ["b1", "x"])[["actor", "rank", "planted", "found"]].to_numpy().tolist()
    [['b1', 1, True, True], ['b2', 2, False, True], ['x', 3, True, False]]
    """
    across = brokerage_across_groups(roles).rename_axis("actor").reset_index()
    across["key"] = across["actor"].astype(str)
    across = across.sort_values(["across_groups", "key"], ascending=[False, True], kind="stable").drop(columns="key")
    across["rank"] = np.arange(1, len(across) + 1)
    n = len(planted) if n is None else int(n)
    wanted = set(planted)
    across["planted"] = across["actor"].isin(wanted)
    across["found"] = across["rank"] <= n
    table = across[across["planted"] | across["found"]]
    return table[["actor", "rank", "across_groups", "share_across", "planted", "found"]].reset_index(drop=True)


def community_recovery(found: pd.Series, planted: pd.Series) -> pd.DataFrame:
    """Found communities (rows) against planted clusters (columns): actors in each, and how many were placed right.

    Each found community is matched to the planted cluster most of its actors
    come from; an actor is placed right when its planted cluster is its
    community's match. ``attrs``: ``matched`` (actors placed right),
    ``actors``, ``communities`` and ``clusters`` (their numbers) — a purity
    of matched / actors (Manning, Raghavan & Schütze 2008, §16.3).

    >>> found = pd.Series([0, 0, 0, 1, 1, 1], index=list("abcdef"))
    >>> planted = pd.Series(["P", "P", "Q", "Q", "Q", "Q"], index=list("abcdef"))
    >>> table = community_recovery(found, planted)
    >>> table.to_numpy().tolist(), table.attrs["matched"]
    ([[2, 1], [0, 3]], 5)
    """
    planted = planted.reindex(found.index)
    table = pd.crosstab(found.rename("found_community"), planted.rename("planted_cluster"))
    table.attrs.update(matched=int(table.max(axis=1).sum()), actors=int(table.to_numpy().sum()),
                       communities=int(table.shape[0]), clusters=int(table.shape[1]))
    return table


def broker_positions(position: pd.DataFrame, brokers: list, *, roles: pd.DataFrame | None = None,
                     measures: tuple[str, ...] = ("constraint", "effective_size", "betweenness")) -> pd.DataFrame:
    """The median position of the brokers beside that of the other actors.

    Takes :func:`position_table` (or any frame indexed by actor with the
    ``measures``); rows ``brokers`` and ``others`` with ``actors`` and the
    median of each measure. With ``roles`` (:func:`brokerage_roles`),
    ``share_across`` is the share of the group's brokered paths that run
    between groups (:data:`ACROSS_GROUPS`, pooled over the group's actors).
    Burt (1992) expects brokers across structural holes to have lower
    constraint and a larger effective size.

    >>> position = pd.DataFrame({"constraint": [0.2, 0.4, 0.5], "effective_size": [6.0, 3.0, 2.0], "betweenness": [0.3, 0.1, 0.0]},
    ...                         index=["b", "x", "y"])
    >>> broker_positions(position, ["b"]).loc[:, ["actors", "constraint"]].to_numpy().tolist()
    [[1.0, 0.2], [2.0, 0.45]]
    """
    is_broker = position.index.isin(list(brokers))
    across = None if roles is None else brokerage_across_groups(roles).reindex(position.index)
    rows = {}
    for name, mask in (("brokers", is_broker), ("others", ~is_broker)):
        part = position.loc[mask, list(measures)]
        rows[name] = {"actors": float(mask.sum()), **part.median().to_dict()}
        if across is not None:
            total = across.loc[mask, "total"].sum()
            rows[name]["share_across"] = across.loc[mask, "across_groups"].sum() / total if total > 0 else np.nan
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("group")
