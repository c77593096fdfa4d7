"""The guanxi network: people as nodes, their ties weighted by closeness, closure and clustering.

Fei Xiaotong's (1947) *chaxu geju* — the "differential mode of association" —
pictures each person at the centre of concentric circles, family closest,
then kin and community, friends, and business acquaintances furthest out;
Hwang (1987) calls them expressive, mixed and instrumental ties. The guanxi
graph weights each tie by its base (:data:`TIE_WEIGHTS`, a parameter) and
measures how closed the network is: dense, clustered guanxi networks enforce
obligations (Coleman 1988), while brokers bridge structural holes (Burt 1992).
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import pandas as pd

from crmlab.theories.guanxi.ledger import TIE_TYPES
from crmlab.theories.guanxi.reciprocity import dyad_balances

__all__ = [
    "TIE_WEIGHTS",
    "community_modularity",
    "community_summary",
    "community_ties",
    "favour_digraph",
    "guanxi_closure",
    "guanxi_communities",
    "guanxi_graph",
    "guanxi_positions",
]

#: Default closeness of each base of guanxi, family 1 down to business 0.25 (Fei 1947; Hwang 1987).
TIE_WEIGHTS = {"family": 1.0, "clan": 0.75, "friendship": 0.5, "business": 0.25}


def guanxi_graph(ledger: pd.DataFrame, *, tie_weights: Mapping[str, float] | None = None) -> nx.Graph:
    """The undirected guanxi graph: an edge per pair who exchanged favours, ``weight`` = the closeness of
    their tie type (``tie_weights``, default :data:`TIE_WEIGHTS`), with ``tie_type``, ``n_favours``,
    ``value`` (both ways), ``balance`` and ``reciprocity`` of :func:`dyad_balances` as attributes.

    Source: the differential mode of association (Fei 1947) and expressive, mixed and
    instrumental ties (Hwang 1987) as tie weights; a pair with several bases takes the closest.

    >>> ledger = pd.DataFrame({"giver": ["Li", "Wang"], "receiver": ["Wang", "Zhao"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01"]), "value": [100.0, 60.0], "tie_type": ["family", "business"]})
    >>> g = guanxi_graph(ledger)
    >>> g["Li"]["Wang"]["weight"], g["Wang"]["Zhao"]["weight"]
    (1.0, 0.25)
    """
    weights = dict(TIE_WEIGHTS if tie_weights is None else tie_weights)
    unknown = set(TIE_TYPES) - set(weights)
    if unknown:
        raise ValueError(f"tie_weights needs a weight for {', '.join(sorted(unknown))}")
    if any(not 0 < w <= 1 for w in weights.values()):
        raise ValueError("tie weights must be in (0, 1]")
    graph = nx.Graph()
    for row in dyad_balances(ledger).itertuples(index=False):
        graph.add_edge(row.person_a, row.person_b, weight=float(weights[row.tie_type]), tie_type=row.tie_type,
                       n_favours=int(row.n_a_to_b + row.n_b_to_a), value=float(row.value_a_to_b + row.value_b_to_a),
                       balance=float(row.balance), reciprocity=float(row.reciprocity))
    return graph


def favour_digraph(ledger: pd.DataFrame) -> nx.DiGraph:
    """The directed favour graph: an edge giver → receiver with the number (``n_favours``) and ``value`` of favours.

    The flows of renqing (Hwang 1987) as a network; its edge reciprocity is in
    :func:`~crmlab.theories.guanxi.reciprocity_index`.

    >>> ledger = pd.DataFrame({"giver": ["Li", "Li"], "receiver": ["Wang", "Wang"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01"]), "value": [100.0, 60.0], "tie_type": ["family"] * 2})
    >>> favour_digraph(ledger)["Li"]["Wang"]
    {'n_favours': 2, 'value': 160.0}
    """
    graph = nx.DiGraph()
    for (giver, receiver), part in ledger.groupby(["giver", "receiver"])["value"]:
        graph.add_edge(giver, receiver, n_favours=int(part.size), value=float(part.sum()))
    return graph


def guanxi_closure(graph: nx.Graph) -> pd.Series:
    """Closure of the guanxi network: ``density``, ``transitivity`` (3 × triangles / connected triples),
    ``average_clustering`` (Watts & Strogatz 1998), ``weighted_clustering`` (Onnela et al. 2005, on the tie
    weights), ``triangles``, ``components`` and the ``largest_component`` share of people.

    Closed networks — friends of friends are friends — sustain the trust and
    sanctions that make favours safe to give (Coleman 1988).

    >>> g = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])
    >>> guanxi_closure(g)[["transitivity", "average_clustering", "triangles"]].round(4).to_dict()
    {'transitivity': 0.6, 'average_clustering': 0.5833, 'triangles': 1.0}
    """
    components = list(nx.connected_components(graph))
    return pd.Series({
        "people": float(graph.number_of_nodes()),
        "ties": float(graph.number_of_edges()),
        "density": nx.density(graph),
        "transitivity": nx.transitivity(graph),
        "average_clustering": nx.average_clustering(graph),
        "weighted_clustering": nx.average_clustering(graph, weight="weight"),
        "triangles": float(sum(nx.triangles(graph).values()) / 3),
        "components": float(len(components)),
        "largest_component": max(map(len, components)) / graph.number_of_nodes() if components else float("nan"),
    })


def guanxi_positions(graph: nx.Graph) -> pd.DataFrame:
    """Per person: ``degree``, ``strength`` (sum of tie weights), ``clustering``, ``weighted_clustering``,
    Burt's (1992) ``constraint`` (high: all contacts tied to each other, no structural holes) and
    ``effective_size`` (non-redundant contacts), ``betweenness`` (brokerage between circles).

    >>> g = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])
    >>> guanxi_positions(g).loc["c", ["degree", "clustering"]].tolist()
    [3.0, 0.333...]
    """
    nodes = list(graph.nodes)
    out = pd.DataFrame(index=pd.Index(nodes, name="person"))
    out["degree"] = pd.Series(dict(graph.degree())).astype(float)
    out["strength"] = pd.Series(dict(graph.degree(weight="weight"))).astype(float)
    out["clustering"] = pd.Series(nx.clustering(graph))
    out["weighted_clustering"] = pd.Series(nx.clustering(graph, weight="weight"))
    out["constraint"] = pd.Series(nx.constraint(graph, weight="weight"))
    # nodes= makes networkx use Burt's per-node formula: its sparse shortcut (taken without nodes)
    # divides each tie by the other person's strongest tie and overstates weighted effective size.
    out["effective_size"] = pd.Series(nx.effective_size(graph, nodes=nodes, weight="weight"))
    out["betweenness"] = pd.Series(nx.betweenness_centrality(graph))
    return out.sort_index()


def guanxi_communities(graph: nx.Graph, *, resolution: float = 1.0, seed: int = 0) -> pd.Series:
    """The circles of the guanxi network: groups of people tied more to each other than to the rest.

    Found by the Louvain method (Blondel, Guillaume, Lambiotte & Lefebvre 2008, "Fast unfolding of
    communities in large networks", J. Stat. Mech. P10008) on the tie weights, with networkx's
    ``louvain_communities`` (seeded, so the same graph gives the same circles). Returns, per person,
    the number of their community, 1 for the largest (ties by the first person's name).

    >>> g = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"), ("d", "f"), ("c", "d")])
    >>> guanxi_communities(g).to_dict()
    {'a': 1, 'b': 1, 'c': 1, 'd': 2, 'e': 2, 'f': 2}
    """
    found = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=seed)
    ordered = sorted((sorted(map(str, c)), c) for c in found)
    ordered = sorted(ordered, key=lambda item: -len(item[1]))
    membership = {person: number for number, (_, members) in enumerate(ordered, start=1) for person in members}
    out = pd.Series(membership, name="community", dtype=int)
    out.index.name = "person"
    return out.sort_index()


def _community_of(graph: nx.Graph, communities: pd.Series) -> pd.DataFrame:
    """The graph's ties with the communities of both ends (the smaller number first), tie type and weight."""
    rows = [(communities[u], communities[v], d.get("tie_type"), float(d.get("weight", 1.0)))
            for u, v, d in graph.edges(data=True)]
    ties = pd.DataFrame(rows, columns=["a", "b", "tie_type", "weight"])
    low, high = ties[["a", "b"]].min(axis=1), ties[["a", "b"]].max(axis=1)
    return ties.assign(community_a=low, community_b=high)


def community_summary(graph: nx.Graph, communities: pd.Series) -> pd.DataFrame:
    """Per community (of :func:`guanxi_communities`, or any person → group mapping such as planted clans):
    ``people``, ``internal_ties``, ``external_ties`` (ties to other communities), ``internal_density``
    (internal ties / possible pairs) and ``main_tie_type`` (the most common base of its internal ties).

    Closed circles — most ties inside, dense — are where obligations can be enforced (Coleman 1988).

    >>> g = nx.Graph()
    >>> g.add_edges_from([("a", "b"), ("b", "c"), ("a", "c")], tie_type="family")
    >>> g.add_edge("c", "d", tie_type="business")
    >>> community_summary(g, pd.Series({"a": 1, "b": 1, "c": 1, "d": 2})).to_dict("index")[1]
    {'people': 3, 'internal_ties': 3, 'external_ties': 1, 'internal_density': 1.0, 'main_tie_type': 'family'}
    """
    ties = _community_of(graph, communities)
    inside = ties[ties["community_a"] == ties["community_b"]]
    across = ties[ties["community_a"] != ties["community_b"]]
    out = pd.DataFrame({"people": communities.value_counts()}).sort_index()
    out.index.name = "community"
    out["internal_ties"] = inside.groupby("community_a").size().reindex(out.index, fill_value=0)
    out["external_ties"] = (pd.concat([across["community_a"], across["community_b"]]).value_counts()
                            .reindex(out.index, fill_value=0))
    pairs = out["people"] * (out["people"] - 1) / 2
    out["internal_density"] = (out["internal_ties"] / pairs.where(pairs > 0)).astype(float)
    main = inside.groupby("community_a")["tie_type"].agg(lambda t: t.value_counts().index[0] if len(t) else None)
    out["main_tie_type"] = main.reindex(out.index)
    return out.astype({"people": int, "internal_ties": int, "external_ties": int})


def community_ties(graph: nx.Graph, communities: pd.Series) -> pd.DataFrame:
    """The ties between communities: one row per pair of communities that share a tie (``community_a`` <
    ``community_b``), with the number of ``ties`` and their total ``weight`` (closeness).

    >>> g = nx.Graph()
    >>> g.add_edges_from([("a", "b"), ("b", "c"), ("c", "d")], weight=0.5)
    >>> community_ties(g, pd.Series({"a": 1, "b": 1, "c": 2, "d": 2})).to_dict("records")
    [{'community_a': 1, 'community_b': 2, 'ties': 1, 'weight': 0.5}]
    """
    ties = _community_of(graph, communities)
    across = ties[ties["community_a"] != ties["community_b"]]
    return (across.groupby(["community_a", "community_b"]).agg(ties=("weight", "size"), weight=("weight", "sum"))
            .reset_index().astype({"ties": int}))


def community_modularity(graph: nx.Graph, communities: pd.Series) -> float:
    """Newman's (2006) weighted modularity of a split of the people into groups: the share of tie weight
    inside the groups minus the share expected if ties fell at random (0 or below: no circles; about
    0.3 and above: marked circles). networkx's ``modularity``; it compares found communities with planted clans.

    >>> g = nx.Graph([("a", "b"), ("c", "d")])
    >>> community_modularity(g, pd.Series({"a": 1, "b": 1, "c": 2, "d": 2}))
    0.5
    """
    groups = [set(members) for _, members in communities.groupby(communities).groups.items()]
    return float(nx.community.modularity(graph, groups, weight="weight"))
