"""Connected relationships: what happens to the network when one relationship changes.

Anderson, Håkansson & Johanson (1994, "Dyadic business relationships within a
business network context", *Journal of Marketing* 58(4)) argue that a
business relationship is *connected* to others: a change in one — a
relationship ending, weakening, or a customer switching supplier — changes the
positions of actors and the role of relationships well beyond the dyad.
The scenarios here edit the bond layer (a simple weighted graph, or the ARA
multigraph, collapsed to its bonds) and report:

- the position measures of every actor before and after (degree, weighted
  degree, betweenness, eigenvector centrality, Burt's constraint, effective
  size, horizon size within ``k`` steps) and their change;
- the **affected actors**: those whose measures changed, with their distance
  (in steps) to the changed relationship;
- the **affected relationships**: each relationship's degree of connection to
  the changed one (0 the changed relationship itself, 1 sharing an actor with
  it, 2 one step further, …) and the change in its edge betweenness — how
  much of the network's flow is re-routed through it;
- ``disconnected_pairs``: pairs of actors who could reach each other before and
  cannot after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crmlab.theories.imp.position import _simple, centrality_table, horizon_sizes, structural_holes

__all__ = ["ConnectedRelationshipsImpact", "impact_by_distance", "relationship_change_impact", "supplier_switch",
           "switch_parties"]

_MEASURES = ("degree", "weighted_degree", "betweenness", "eigenvector", "constraint", "effective_size", "horizon")


@dataclass(frozen=True)
class ConnectedRelationshipsImpact:
    """The result of a connected-relationship scenario (see the module docstring).

    ``graph_before`` / ``graph_after`` (simple graphs), ``position_before`` /
    ``position_after`` / ``position_change`` (per actor), ``affected_actors``,
    ``affected_relationships``, ``disconnected_pairs`` and a ``description``.
    """

    description: str
    graph_before: nx.Graph
    graph_after: nx.Graph
    position_before: pd.DataFrame
    position_after: pd.DataFrame
    position_change: pd.DataFrame
    affected_actors: pd.DataFrame
    affected_relationships: pd.DataFrame
    disconnected_pairs: int


def _positions(graph: nx.Graph, weight: str | None, k: int) -> pd.DataFrame:
    central = centrality_table(graph, weight=weight)[["degree", "weighted_degree", "betweenness", "eigenvector"]]
    holes = structural_holes(graph, weight=weight)[["constraint", "effective_size"]]
    horizon = horizon_sizes(graph, k)[[f"within_{k}"]].rename(columns={f"within_{k}": "horizon"}).astype(float)
    return pd.concat([central, holes, horizon], axis=1)[list(_MEASURES)]


def _connected_pairs(graph: nx.Graph) -> int:
    return sum(len(c) * (len(c) - 1) // 2 for c in nx.connected_components(graph))


def _edge_key(u: Any, v: Any) -> tuple[Any, Any]:
    return (u, v) if str(u) <= str(v) else (v, u)


def _impact(before: nx.Graph, after: nx.Graph, focal: list[tuple[Any, Any]], description: str, *, weight: str | None,
            k: int, tol: float) -> ConnectedRelationshipsImpact:
    pos_before, pos_after = _positions(before, weight, k), _positions(after, weight, k)
    change = (pos_after - pos_before).where(~(pos_after.isna() & pos_before.isna()), 0.0)
    focal_actors = sorted({x for pair in focal for x in pair}, key=str)
    union = nx.compose(before, after)
    distance = nx.multi_source_dijkstra_path_length(union, focal_actors, weight=None)
    changed = (change.abs() > tol).any(axis=1) | (change.isna() & ~(pos_after.isna() & pos_before.isna())).any(axis=1)
    actors = change[changed].add_suffix("_change")
    actors.insert(0, "distance", [distance.get(v, np.nan) for v in actors.index])
    actors = actors.sort_values(["distance", "betweenness_change"], key=lambda s: s.abs() if s.name != "distance" else s,
                                ascending=[True, False])
    flow_before = {_edge_key(*e): x for e, x in nx.edge_betweenness_centrality(before, normalized=True).items()}
    flow_after = {_edge_key(*e): x for e, x in nx.edge_betweenness_centrality(after, normalized=True).items()}
    focal_keys = {_edge_key(*pair) for pair in focal}
    rows = []
    for u, v in sorted({_edge_key(*e) for e in union.edges}, key=lambda e: (str(e[0]), str(e[1]))):
        w_before = before[u][v].get(weight or "weight", 1.0) if before.has_edge(u, v) else 0.0
        w_after = after[u][v].get(weight or "weight", 1.0) if after.has_edge(u, v) else 0.0
        if not before.has_edge(u, v):
            status = "added"
        elif not after.has_edge(u, v):
            status = "removed"
        elif w_after < w_before - tol:
            status = "weakened"
        elif w_after > w_before + tol:
            status = "strengthened"
        else:
            status = "unchanged"
        degree = 0 if (u, v) in focal_keys else 1 + min(distance.get(u, np.inf), distance.get(v, np.inf))
        b0, b1 = flow_before.get((u, v), 0.0), flow_after.get((u, v), 0.0)
        rows.append((u, v, status, degree, w_before, w_after, b0, b1, b1 - b0))
    rel = pd.DataFrame(rows, columns=["actor_a", "actor_b", "status", "connection_degree", "weight_before", "weight_after",
                                      "edge_betweenness_before", "edge_betweenness_after", "edge_betweenness_change"])
    keep = (rel["connection_degree"] <= k) | (rel["edge_betweenness_change"].abs() > tol)
    rel = rel[keep].sort_values(["connection_degree", "edge_betweenness_change"], key=lambda s: s.abs()
                                if s.name == "edge_betweenness_change" else s, ascending=[True, False]).reset_index(drop=True)
    lost = _connected_pairs(before) - _connected_pairs(after)
    return ConnectedRelationshipsImpact(description, before, after, pos_before, pos_after, change, actors, rel, max(int(lost), 0))


def relationship_change_impact(graph: nx.Graph, actor: Any, partner: Any, *, factor: float = 0.0,
                               weight: str | None = "weight", k: int = 2, tol: float = 1e-6) -> ConnectedRelationshipsImpact:
    """Weaken (0 < factor < 1) or end (factor = 0) one relationship and trace the effect through the network.

    The tie's ``weight`` is multiplied by ``factor``; with ``factor=0`` the tie
    is removed. Position measures use ``weight`` (strength) for weighted
    degree, eigenvector centrality and constraint, and steps for betweenness
    and the horizon. See the module docstring for what is reported.

    Worked example: on the path A – B – C – D, ending B – C cuts the network in
    two: the pairs (A, C), (A, D), (B, C), (B, D) can no longer reach each other,
    B and C lose their betweenness, and A – B and C – D are the connected
    relationships (degree 1).

    >>> impact = relationship_change_impact(nx.path_graph(["A", "B", "C", "D"]), "B", "C")
    >>> impact.disconnected_pairs, impact.affected_relationships["connection_degree"].tolist()
    (4, [0, 1, 1])
    """
    before = nx.Graph(_simple(graph))
    if not before.has_edge(actor, partner):
        raise KeyError(f"no relationship between {actor!r} and {partner!r}")
    if factor < 0:
        raise ValueError("factor must be ≥ 0 (0 ends the relationship)")
    after = before.copy()
    if factor == 0:
        after.remove_edge(actor, partner)
        what = f"the relationship {actor}–{partner} ends"
    else:
        after[actor][partner][weight or "weight"] = after[actor][partner].get(weight or "weight", 1.0) * factor
        what = f"the relationship {actor}–{partner} is weakened to {factor:g} of its strength"
    return _impact(before, after, [(actor, partner)], what, weight=weight, k=k, tol=tol)


def supplier_switch(graph: nx.Graph, customer: Any, old_supplier: Any, new_supplier: Any, *, strength: float | None = None,
                    weight: str | None = "weight", k: int = 2, tol: float = 1e-6) -> ConnectedRelationshipsImpact:
    """A customer ends its relationship with one supplier and moves the business to another.

    The bond customer–``old_supplier`` is removed and a bond
    customer–``new_supplier`` of ``strength`` (default: the old bond's) is
    added — or, if the two already have a relationship, strengthened by that
    amount. Both are the focal relationships of the report (degree 0). In the
    IMP view the switch is not a market transaction: it re-routes the flows
    through the suppliers' other relationships and changes everyone's position
    (Anderson, Håkansson & Johanson 1994).

    >>> G = nx.Graph([("C", "S1", {"weight": 0.8}), ("S1", "X", {"weight": 0.5}), ("S2", "Y", {"weight": 0.5})])
    >>> impact = supplier_switch(G, "C", "S1", "S2")
    >>> impact.graph_after["C"]["S2"]["weight"], float(impact.position_change.loc["S2", "degree"])
    (0.8, 1.0)
    """
    before = nx.Graph(_simple(graph))
    if not before.has_edge(customer, old_supplier):
        raise KeyError(f"no relationship between {customer!r} and {old_supplier!r}")
    if new_supplier not in before:
        raise KeyError(f"{new_supplier!r} is not an actor of the network")
    if new_supplier in (customer, old_supplier):
        raise ValueError("the new supplier must differ from the customer and the old supplier")
    key = weight or "weight"
    amount = float(before[customer][old_supplier].get(key, 1.0) if strength is None else strength)
    after = before.copy()
    after.remove_edge(customer, old_supplier)
    if after.has_edge(customer, new_supplier):
        after[customer][new_supplier][key] = after[customer][new_supplier].get(key, 1.0) + amount
    else:
        after.add_edge(customer, new_supplier, **{key: amount})
    what = f"{customer} switches from {old_supplier} to {new_supplier}"
    return _impact(before, after, [(customer, old_supplier), (customer, new_supplier)], what, weight=weight, k=k, tol=tol)


def impact_by_distance(affected: pd.DataFrame, *, measure: str = "betweenness", tol: float = 1e-6) -> pd.DataFrame:
    """How far a change ripples: the affected actors at each distance from it, and how much they changed.

    Takes ``affected_actors`` of a scenario (:func:`relationship_change_impact`,
    :func:`supplier_switch`); one row per ``distance`` (steps to the changed
    relationship; unreachable actors, NaN, last) with ``actors`` (any
    position measure changed), ``changed`` (``measure`` changed by more than
    ``tol``), and ``mean_abs_change`` and ``max_abs_change`` of ``measure``.

    >>> affected = pd.DataFrame({"distance": [0, 1, 1, 2], "betweenness_change": [-0.5, 0.2, -0.1, 0.0]})
    >>> impact_by_distance(affected).to_numpy().round(3).tolist()
    [[0.0, 1.0, 1.0, 0.5, 0.5], [1.0, 2.0, 2.0, 0.15, 0.2], [2.0, 1.0, 0.0, 0.0, 0.0]]
    """
    change = affected[f"{measure}_change"].abs()
    groups = change.groupby(affected["distance"], dropna=False)
    table = pd.DataFrame({"actors": groups.size(), "changed": groups.agg(lambda s: int((s > tol).sum())),
                          "mean_abs_change": groups.mean(), "max_abs_change": groups.max()})
    return table.rename_axis("distance").reset_index()


def switch_parties(bonds: nx.Graph, strength: pd.DataFrame, actors: pd.DataFrame, position: pd.DataFrame) -> tuple:
    """The parties of an illustrative supplier switch: a customer, its strongest supplier, and the best-connected other.

    The customer–supplier relationship is the strongest of :func:`~crmlab.theories.imp.relationship_strength`
    between a ``customer`` and a ``supplier`` (``actors``' ``type``); the new
    supplier is the supplier with the highest eigenvector centrality in
    ``position`` that is not already tied to the customer, from the
    customer's ``country`` when there is one there. Returns (customer, old
    supplier, new supplier).

    >>> G = nx.Graph([("C1", "S1"), ("S1", "S2"), ("S2", "C2"), ("S3", "C2")])
    >>> strength = pd.DataFrame({"actor_a": ["C1", "S1"], "actor_b": ["S1", "S2"], "strength": [0.9, 0.5]})
    >>> actors = pd.DataFrame({"actor_id": ["C1", "C2", "S1", "S2", "S3"], "type": ["customer", "customer", "supplier", "supplier", "supplier"],
    ...                        "country": ["SE", "SE", "SE", "DE", "SE"]})
    >>> position = pd.DataFrame({"eigenvector": [0.1, 0.2, 0.5, 0.9, 0.3]}, index=["C1", "C2", "S1", "S2", "S3"])
    >>> switch_parties(G, strength, actors, position)
    ('C1', 'S1', 'S3')
    """
    kind = actors.set_index("actor_id")["type"]
    country = actors.set_index("actor_id")["country"] if "country" in actors.columns else None
    a, b = strength["actor_a"].map(kind), strength["actor_b"].map(kind)
    supply = strength[((a == "customer") & (b == "supplier")) | ((a == "supplier") & (b == "customer"))]
    if supply.empty:
        raise ValueError("switch_parties: no relationship between a customer and a supplier")
    tie = supply.nlargest(1, "strength").iloc[0]
    customer, old = (tie["actor_a"], tie["actor_b"]) if kind[tie["actor_a"]] == "customer" else (tie["actor_b"], tie["actor_a"])
    suppliers = position[(kind.reindex(position.index) == "supplier") & (position.index != old)
                         & ~position.index.isin(list(bonds[customer]))]
    if suppliers.empty:
        raise ValueError(f"switch_parties: no other supplier that {customer} is not already tied to")
    if country is not None:
        local = suppliers[country.reindex(suppliers.index) == country[customer]]
        suppliers = local if len(local) else suppliers
    return customer, old, suppliers["eigenvector"].idxmax()
