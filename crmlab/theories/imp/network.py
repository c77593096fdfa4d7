"""The ARA model as a multi-layer networkx graph: actor bonds, resource ties, activity links.

Håkansson & Snehota (1995, *Developing Relationships in Business Networks*)
describe a business relationship by three layers of substance: **actor
bonds** (the parties know, trust and commit to each other), **resource ties**
(their resources are shared or adapted to each other) and **activity links**
(their activities are coordinated in a chain). :func:`build_network` puts the
three on one :class:`networkx.MultiGraph` over the actors:

- a ``"bond"`` edge per dyad with episodes, keyed ``"bond"``, weighted by
  relationship strength (:func:`~crmlab.theories.imp.relationship_strength`,
  whose components and dependence are kept as edge attributes);
- a ``"resource"`` edge per resource tie, keyed ``"resource:<resource>"``;
- an ``"activity"`` edge per activity link, keyed
  ``"activity:<upstream activity>-><downstream activity>"``, with its direction
  in ``upstream``/``downstream``.

Every edge has ``layer`` and ``weight``; actors carry their attributes
(``type``, ``country``, ``size``, …). :func:`layer_view` is a read-only view of
one layer (all actors kept); :func:`layer_graph` collapses layers into a simple
weighted graph for the position measures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import pandas as pd

from crmlab.theories.imp.data import read_activity_links, read_actors, read_episodes, read_resource_ties
from crmlab.theories.imp.strength import dependence, relationship_strength

__all__ = ["LAYERS", "build_network", "layer_graph", "layer_view"]

#: The layers of the ARA model, as edge ``layer`` values.
LAYERS = ("bond", "resource", "activity")


def build_network(
    actors: Any,
    episodes: Any = None,
    resource_ties: Any = None,
    activity_links: Any = None,
    *,
    as_of: Any = None,
    **strength_options: Any,
) -> nx.MultiGraph:
    """The business network of the ARA model (Håkansson & Snehota 1995) as a multi-layer graph.

    Each table is read and checked (``read_actors``, ``read_episodes``, …;
    relational tables against the actors), so a path or a raw DataFrame works
    as well as a canonical table. Bond weights are relationship strengths as of
    ``as_of`` (default: the last episode; later episodes are ignored, so a
    dyad whose first episode comes later has no bond yet); ``strength_options``
    go to :func:`~crmlab.theories.imp.relationship_strength`. Each bond also
    carries the dyad's :func:`~crmlab.theories.imp.dependence` (by value, or by
    episode counts when no episode has a value). The graph's
    ``graph["as_of"]`` records the date.

    >>> actors = pd.DataFrame({"actor_id": ["S1", "C1", "C2"], "type": ["supplier", "customer", "customer"],
    ...                        "country": ["SE", "SE", "DE"], "size": [100, 50, 20]})
    >>> episodes = pd.DataFrame({"actor_id": ["S1", "S1"], "partner_id": ["C1", "C2"], "kind": ["order", "order"],
    ...                          "date": ["2022-01-01", "2022-06-01"], "value": [10.0, 5.0]})
    >>> ties = pd.DataFrame({"actor_id": ["S1"], "partner_id": ["C1"], "resource": ["EDI"], "tie": ["shared"]})
    >>> links = pd.DataFrame({"upstream_id": ["S1"], "upstream_activity": ["machining"], "downstream_id": ["C2"],
    ...                       "downstream_activity": ["assembly"]})
    >>> G = build_network(actors, episodes, ties, links)
    >>> sorted((u, v, k) for u, v, k in G.edges(keys=True))
    [('S1', 'C1', 'bond'), ('S1', 'C1', 'resource:EDI'), ('S1', 'C2', 'activity:machining->assembly'), ('S1', 'C2', 'bond')]
    """
    actor_table = read_actors(actors)
    graph = nx.MultiGraph(name="business network (ARA)")
    for row in actor_table.to_dict("records"):
        graph.add_node(row.pop("actor_id"), **row)
    if episodes is not None:
        ep = read_episodes(episodes, actors=actor_table)
        when = pd.Timestamp(ep["date"].max()) if as_of is None else pd.Timestamp(as_of)
        graph.graph["as_of"] = when
        strength = relationship_strength(ep, as_of=when, **strength_options)
        measure = "value" if (ep.loc[ep["date"] <= when, "value"] > 0).any() else "episodes"
        power = dependence(ep, as_of=when, measure=measure).set_index(["actor_a", "actor_b"])
        for row in strength.to_dict("records"):
            a, b = row.pop("actor_a"), row.pop("actor_b")
            extra = power.loc[(a, b), ["dependence_a", "dependence_b", "power_asymmetry"]].to_dict()
            graph.add_edge(a, b, key="bond", layer="bond", weight=float(row["strength"]), actor_a=a, actor_b=b, **row, **extra)
    if resource_ties is not None:
        for row in read_resource_ties(resource_ties, actors=actor_table).to_dict("records"):
            graph.add_edge(row["actor_id"], row["partner_id"], key=f"resource:{row['resource']}", layer="resource",
                           resource=row["resource"], tie=row["tie"], weight=float(row["weight"]))
    if activity_links is not None:
        for row in read_activity_links(activity_links, actors=actor_table).to_dict("records"):
            key = f"activity:{row['upstream_activity']}->{row['downstream_activity']}"
            graph.add_edge(row["upstream_id"], row["downstream_id"], key=key, layer="activity", weight=float(row["weight"]),
                           upstream=row["upstream_id"], downstream=row["downstream_id"],
                           upstream_activity=row["upstream_activity"], downstream_activity=row["downstream_activity"])
    return graph


def _check_layers(layers: Sequence[str]) -> None:
    unknown = [layer for layer in layers if layer not in LAYERS]
    if unknown:
        raise ValueError(f"unknown layer(s) {unknown}; the layers are {LAYERS}")


def layer_view(graph: nx.MultiGraph, layer: str) -> nx.MultiGraph:
    """A read-only view of one ARA layer of :func:`build_network`'s graph (all actors kept).

    The layers are Håkansson & Snehota's (1995) actor bonds, resource ties and
    activity links; the view is :func:`networkx.subgraph_view` filtered on the
    edges' ``layer``, so it follows later changes to the graph.

    >>> G = nx.MultiGraph()
    >>> G.add_edge("A", "B", key="bond", layer="bond", weight=0.5)
    'bond'
    >>> G.add_edge("A", "B", key="resource:EDI", layer="resource", weight=1.0)
    'resource:EDI'
    >>> list(layer_view(G, "resource").edges(keys=True))
    [('A', 'B', 'resource:EDI')]
    """
    _check_layers([layer])
    return nx.subgraph_view(graph, filter_edge=lambda u, v, k: graph[u][v][k].get("layer") == layer)


def layer_graph(graph: nx.MultiGraph, layers: str | Sequence[str] = "bond", *, directed: bool = False) -> nx.Graph:
    """One or more ARA layers collapsed into a simple weighted graph (weights of parallel edges summed).

    The position measures of :mod:`crmlab.theories.imp.position` run on simple
    graphs; the bond layer (Håkansson & Snehota 1995), weighted by relationship
    strength, is the default.
    Each edge also keeps ``layers`` (the layers it came from). With
    ``directed=True`` the result is a :class:`networkx.DiGraph` in which
    activity links run upstream → downstream and the other layers both ways.

    >>> G = nx.MultiGraph()
    >>> G.add_node("C")
    >>> G.add_edge("A", "B", key="bond", layer="bond", weight=0.5)
    'bond'
    >>> G.add_edge("A", "B", key="resource:EDI", layer="resource", weight=1.0)
    'resource:EDI'
    >>> H = layer_graph(G, ["bond", "resource"])
    >>> H["A"]["B"]["weight"], sorted(H.nodes)
    (1.5, ['A', 'B', 'C'])
    """
    wanted = [layers] if isinstance(layers, str) else list(layers)
    _check_layers(wanted)
    out: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    out.add_nodes_from(graph.nodes(data=True))
    for u, v, data in graph.edges(data=True):
        layer = data.get("layer")
        if layer not in wanted:
            continue
        if directed and layer == "activity":
            pairs = [(data["upstream"], data["downstream"])]
        else:
            pairs = [(u, v), (v, u)] if directed else [(u, v)]
        for a, b in pairs:
            if out.has_edge(a, b):
                out[a][b]["weight"] += float(data.get("weight", 1.0))
                out[a][b]["layers"] = sorted(set(out[a][b]["layers"]) | {layer})
            else:
                out.add_edge(a, b, weight=float(data.get("weight", 1.0)), layers=[layer])
    return out
