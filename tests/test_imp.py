"""IMP networks (crmlab.theories.imp): hand-solved small graphs, a brute-force second implementation
of brokerage, numpy re-implementations of the networkx measures, closed forms of relationship
strength, bad tables named by row and column, and a synthetic B2B world with planted brokers and
communities."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab.data import DataError
from crmlab.theories.imp import (
    BROKERAGE_ROLES,
    brokerage_roles,
    build_network,
    centrality_table,
    dependence,
    horizon_graph,
    horizon_sizes,
    layer_graph,
    layer_view,
    network_communities,
    network_horizon,
    position_table,
    read_activity_links,
    read_actors,
    read_episodes,
    read_network_tables,
    read_resource_ties,
    relationship_change_impact,
    relationship_strength,
    simulate_b2b_network,
    strength_over_time,
    structural_holes,
    supplier_switch,
)

ACTORS = pd.DataFrame({
    "actor_id": ["S1", "S2", "D1", "C1", "C2"],
    "type": ["supplier", "supplier", "distributor", "customer", "customer"],
    "country": ["SE", "DE", "SE", "SE", "DE"],
    "size": [500, 300, 80, 120, 60],
})
EPISODES = pd.DataFrame({
    "actor_id": ["S1", "C1", "S1", "S1", "D1", "S2"],
    "partner_id": ["C1", "S1", "C1", "D1", "C2", "C2"],
    "date": ["2022-01-01", "2022-03-01", "2022-12-31", "2022-06-01", "2022-09-01", "2022-10-01"],
    "kind": ["order", "adaptation", "order", "order", "order", "order"],
    "value": [300, 0, 100, 100, 50, 150],
    "initiator": ["C1", "S1", "C1", "D1", "C2", "C2"],
})
RESOURCES = pd.DataFrame({"actor_id": ["S1", "D1"], "partner_id": ["C1", "C2"], "resource": ["EDI platform", "warehouse"],
                          "tie": ["shared", "adapted"]})
ACTIVITIES = pd.DataFrame({"upstream_id": ["S1", "D1"], "upstream_activity": ["machining", "warehousing"],
                           "downstream_id": ["D1", "C2"], "downstream_activity": ["warehousing", "assembly"]})


# ----- data -----------------------------------------------------------------------------------


def test_bad_tables_are_named_by_file_row_and_column(tmp_path):
    """Definitions of the canonical tables: every bad cell is reported, by row (1-based under a CSV
    header) and column, naming the file or "DataFrame"."""
    bad = ACTORS.copy()
    bad.loc[1, "actor_id"] = "S1"
    bad.loc[2, "size"] = -3
    path = tmp_path / "actors.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        read_actors(path)
    text = str(info.value)
    assert text.startswith(f"{path}: 2 problems")
    assert "row 2, column 'actor_id': duplicate actor id ('S1')" in text
    assert "row 3, column 'size': negative value ('-3')" in text  # the lab's one wording, the value as written

    ep = EPISODES.astype({"value": object})
    ep.loc[0, ["partner_id", "initiator"]] = ["X9", "S1"]
    ep.loc[1, ["partner_id", "initiator"]] = ["C1", "C1"]  # C1 with itself
    ep.loc[2, "date"] = "2022-13-45"
    ep.loc[3, "initiator"] = "C2"  # not in the dyad S1–D1
    ep.loc[4, "value"] = "lots"
    with pytest.raises(DataError) as info:
        read_episodes(ep, actors=read_actors(ACTORS))
    text = str(info.value)
    assert text.startswith("DataFrame: 5 problems")
    assert "row 0, column 'partner_id': unknown actor (not in the actors table) ('X9')" in text
    assert "row 1, column 'partner_id': an actor cannot be tied to itself" in text
    assert "row 2, column 'date': unparseable or missing date ('2022-13-45')" in text
    assert "row 3, column 'initiator': the initiator must be one of the episode's two actors ('C2')" in text
    assert "row 4, column 'value': not a number ('lots')" in text

    res = RESOURCES.copy()
    res.loc[1, "tie"] = "borrowed"
    with pytest.raises(DataError, match="row 1, column 'tie': tie must be 'shared' or 'adapted'"):
        read_resource_ties(res)
    with pytest.raises(DataError, match="column 'downstream_activity': missing column"):
        read_activity_links(ACTIVITIES.drop(columns="downstream_activity"))
    with pytest.raises(DataError, match="unknown actor"):
        build_network(ACTORS.iloc[:3], EPISODES)  # C1, C2 not among the actors


# ----- strength, history, dependence ----------------------------------------------------------


def test_relationship_strength_by_hand():
    """Hand-worked (as of 31 Dec 2022, the last episode): S1–C1 has 3 episodes from 1 Jan to 31 Dec
    (age 364 d): f = 3 / 364 · 365.25 = 3.0103 a year → f / (f + 4) = 0.42943; recency 0 → 1;
    duration 364 / (364 + 365) = 0.49931; only S1 adapted → ½; strength = mean = 0.60719.
    S1–D1 has 1 episode on 1 Jun (age 213 d, f = 1.7148 → 0.30007), recency 213 d → 0.5^(213/180)
    = 0.44015, duration 0, no adaptation: strength 0.18506."""
    table = relationship_strength(read_episodes(EPISODES)).set_index(["actor_a", "actor_b"])
    a = table.loc[("C1", "S1")]
    assert a["n_episodes"] == 3 and a["value"] == 400 and a["adaptations_b"] == 1 and a["adaptations_a"] == 0
    assert not a["mutual_adaptation"]
    f = 3 / 364 * 365.25
    expected = (f / (f + 4) + 1 + 364 / 729 + 0.5) / 4
    assert a["strength"] == pytest.approx(expected) and expected == pytest.approx(0.60719, abs=1e-5)
    b = table.loc[("D1", "S1")]
    f = 1 / 213 * 365.25
    assert b["recency_score"] == pytest.approx(0.5 ** (213 / 180))
    assert b["strength"] == pytest.approx((f / (f + 4) + 0.5 ** (213 / 180)) / 4)
    only_recency = relationship_strength(read_episodes(EPISODES), weights={"recency": 1}).set_index(["actor_a", "actor_b"])
    np.testing.assert_allclose(only_recency["strength"], only_recency["recency_score"])
    with pytest.raises(ValueError, match="weights"):
        relationship_strength(read_episodes(EPISODES), weights={"trust": 1})
    anonymous = read_episodes(EPISODES.drop(columns="initiator"))  # an adaptation by an unknown side counts as one side
    assert relationship_strength(anonymous).set_index(["actor_a", "actor_b"]).loc[("C1", "S1"), "adaptation_score"] == 0.5


def test_strength_history_decays_at_the_half_life():
    """Closed form: after its last episode a relationship's recency score halves every half-life,
    so between two period ends Δ days apart the score falls by the factor 0.5^(Δ / half-life);
    episodes after a period's end do not count in that period."""
    ep = read_episodes(pd.DataFrame({"actor_id": ["A"] * 3 + ["C"], "partner_id": ["B"] * 3 + ["D"],
                                     "date": ["2022-01-10", "2022-02-10", "2022-03-10", "2022-12-31"], "kind": "order"}))
    hist = strength_over_time(ep, freq="Q", half_life_days=90).set_index(["actor_a", "actor_b", "period"])
    ab = hist.loc[("A", "B")]
    assert ab["n_episodes"].tolist() == [3, 3, 3, 3]
    q2, q3 = ab.loc["2022Q2"], ab.loc["2022Q3"]
    days = (q3["as_of"] - q2["as_of"]).days
    assert q3["recency_score"] / q2["recency_score"] == pytest.approx(0.5 ** (days / 90))
    assert ("C", "D", "2022Q1") not in hist.index and hist.loc[("C", "D", "2022Q4"), "n_episodes"] == 1
    only = strength_over_time(ep, freq="Q", dyads=[("B", "A")])
    assert set(zip(only["actor_a"], only["actor_b"])) == {("A", "B")}


def test_dependence_and_power_asymmetry_by_hand():
    """Hand-worked shares of business: S1 does 300 + 100 with C1 and 100 with D1 (500 in all); C1
    only with S1 (400). C1 depends on S1 for 400/400 = 1, S1 on C1 for 400/500 = 0.8: asymmetry
    +0.2, C1 more dependent (Emerson 1962). By episode counts: 3/3 against 3/4."""
    ep = read_episodes(EPISODES)
    table = dependence(ep).set_index(["actor_a", "actor_b"])
    row = table.loc[("C1", "S1")]
    assert (row["dependence_a"], row["dependence_b"]) == (1.0, pytest.approx(0.8))
    assert row["power_asymmetry"] == pytest.approx(0.2) and row["more_dependent"] == "C1"
    counts = dependence(ep, measure="episodes").set_index(["actor_a", "actor_b"]).loc[("C1", "S1")]
    assert counts["dependence_b"] == pytest.approx(3 / 4)
    assert np.allclose(table["power_asymmetry"], table["dependence_a"] - table["dependence_b"])


# ----- the ARA network ------------------------------------------------------------------------


def test_ara_network_layers():
    """Definition of the ARA graph: one bond per dyad weighted by its strength (as computed by
    relationship_strength), one edge per resource tie and activity link, every actor in every layer
    view; the directed activity layer runs upstream → downstream."""
    G = build_network(ACTORS, EPISODES, RESOURCES, ACTIVITIES)
    assert G.number_of_nodes() == 5 and G.nodes["S1"]["type"] == "supplier"
    strength = relationship_strength(read_episodes(EPISODES)).set_index(["actor_a", "actor_b"])["strength"]
    assert G["S1"]["C1"]["bond"]["weight"] == pytest.approx(strength[("C1", "S1")])
    assert G["S1"]["C1"]["bond"]["dependence_a"] == 1.0
    assert sorted(k for *_, k in layer_view(G, "resource").edges(keys=True)) == ["resource:EDI platform", "resource:warehouse"]
    assert layer_view(G, "activity").number_of_nodes() == 5
    activity = layer_graph(G, "activity", directed=True)
    assert sorted(activity.edges) == [("D1", "C2"), ("S1", "D1")]
    both = layer_graph(G, ["bond", "resource"])
    assert both["S1"]["C1"]["weight"] == pytest.approx(strength[("C1", "S1")] + 1.0)
    assert both["S1"]["C1"]["layers"] == ["bond", "resource"]
    with pytest.raises(ValueError, match="unknown layer"):
        layer_graph(G, "trust")
    early = build_network(ACTORS, EPISODES, as_of="2022-08-31")  # D1–C2 (1 Sep) and S2–C2 (1 Oct) not yet
    assert sorted(map(sorted, layer_graph(early).edges)) == [["C1", "S1"], ["D1", "S1"]]
    assert early.graph["as_of"] == pd.Timestamp("2022-08-31")
    unvalued = build_network(ACTORS, EPISODES.drop(columns="value"))  # dependence falls back to episode counts
    assert unvalued["S1"]["C1"]["bond"]["dependence_b"] == pytest.approx(3 / 4)


# ----- position -------------------------------------------------------------------------------


def _burt_constraint(graph: nx.Graph, weight: str | None = None) -> dict:
    """A second implementation of Burt's (1992) constraint in matrix form: P = proportional mutual
    ties, C_i = Σ_j (p_ij + Σ_q p_iq p_qj)² over i's contacts j."""
    nodes = list(graph.nodes)
    A = nx.to_numpy_array(graph, nodelist=nodes, weight=weight)
    M = A + A.T if graph.is_directed() else A
    P = M / M.sum(axis=1, keepdims=True)
    indirect = P @ P
    np.fill_diagonal(indirect, 0)
    out = {}
    for i, v in enumerate(nodes):
        contacts = np.flatnonzero(M[i])
        out[v] = float(np.sum((P[i, contacts] + indirect[i, contacts]) ** 2))
    return out


def test_burt_constraint_on_hand_solved_examples():
    """Burt (1992, Structural Holes, ch. 2) hand-solved:
    - ego E with contacts A, B, C, D and one tie A–B: p_Ej = 1/4, p_AB = p_BA = 1/2;
      c_EA = (1/4 + p_EB·p_BA)² = (1/4 + 1/8)² = 9/64 = c_EB; c_EC = c_ED = (1/4)² = 4/64;
      C_E = 26/64 = 0.40625; effective size = n − 2t/n = 4 − 2·1/4 = 3.5, efficiency 3.5/4;
      hierarchy: c̄ = C_E / 4 = 6.5/64, ratios 9/6.5 (twice) and 4/6.5 (twice),
      Σ r ln r / (4 ln 4) = (2·1.3846·0.3254 − 2·0.6154·0.4855) / 5.5452 = 0.05475;
      A: p_AE = p_AB = 1/2, p_EB = 1/4, p_BE = 1/2; c_AE = (1/2 + 1/2·1/2)² = 9/16,
      c_AB = (1/2 + 1/2·1/4)² = 25/64; C_A = 61/64.
    - the star (no ties among 3 contacts): C = 3 · (1/3)² = 1/3, effective size 3.
    - the clique K4: c_ij = (1/3 + 2 · 1/9)² = 25/81, C = 75/81 = 0.9259; effective size 3 − 2·3/3 = 1.
    - weighted: E–A 3, E–B 1, A–B 1 (a triangle): p_EA = 3/4, p_EB = 1/4, p_AB = 1/4, p_BA = 1/2,
      p_AE = 3/4, p_BE = 1/2; c_EA = (3/4 + 1/4·1/2)² = 49/64, c_EB = (1/4 + 3/4·1/4)² = 49/256;
      C_E = 245/256 = 0.95703.
    Also checked against a matrix re-implementation of the formula on a random weighted graph."""
    G = nx.Graph([("E", "A"), ("E", "B"), ("E", "C"), ("E", "D"), ("A", "B")])
    holes = structural_holes(G)
    assert holes.loc["E", "constraint"] == pytest.approx(26 / 64)
    assert holes.loc["A", "constraint"] == pytest.approx(61 / 64)
    assert holes.loc["E", "effective_size"] == pytest.approx(3.5) and holes.loc["E", "efficiency"] == pytest.approx(0.875)
    shares = np.array([9, 9, 4, 4]) / 26  # Burt's hierarchy: c_Ej / (C_E / n), n = 4
    ratio = shares * 4
    assert holes.loc["E", "hierarchy"] == pytest.approx(np.sum(ratio * np.log(ratio)) / (4 * np.log(4)))
    assert holes.loc["E", "hierarchy"] == pytest.approx(0.05475, abs=1e-5)
    star = structural_holes(nx.star_graph(3))
    assert star.loc[0, "constraint"] == pytest.approx(1 / 3) and star.loc[0, "effective_size"] == pytest.approx(3)
    assert star.loc[0, "hierarchy"] == pytest.approx(0.0)  # constraint spread evenly
    k4 = structural_holes(nx.complete_graph(4))
    assert k4.loc[0, "constraint"] == pytest.approx(75 / 81) and k4.loc[0, "effective_size"] == pytest.approx(1)
    W = nx.Graph()
    W.add_weighted_edges_from([("E", "A", 3), ("E", "B", 1), ("A", "B", 1)])
    assert structural_holes(W, weight="weight").loc["E", "constraint"] == pytest.approx(245 / 256)
    g = np.random.default_rng(5)
    R = nx.gnp_random_graph(25, 0.2, seed=5)
    R.remove_nodes_from(list(nx.isolates(R)))
    for u, v in R.edges:
        R[u][v]["weight"] = float(g.uniform(0.1, 2))
    mine = structural_holes(R, weight="weight")["constraint"]
    other = _burt_constraint(R, "weight")
    np.testing.assert_allclose(mine.to_numpy(), [other[v] for v in mine.index])


def _borgatti_graph(weighted: bool) -> nx.Graph:
    """The example network of Borgatti (1997), as in networkx's structural-holes tests (with their weights)."""
    ties = {("A", "B"): 2, ("A", "F"): 3, ("A", "G"): 5, ("A", "E"): 2, ("E", "G"): 8,
            ("F", "G"): 3, ("B", "G"): 4, ("B", "D"): 1, ("D", "G"): 3, ("G", "C"): 10}
    G = nx.Graph()
    for (u, v), w in ties.items():
        G.add_edge(u, v, **({"weight": w} if weighted else {}))
    return G


def _burt_effective_size(graph: nx.Graph, weight: str | None = None) -> dict:
    """A second implementation of Burt's (1992) effective size in matrix form: with M the mutual ties,
    P = M over row sums and N = M over row maxima, e_i = Σ_j [M_ij > 0] (1 − Σ_q P_iq N_jq)."""
    nodes = list(graph.nodes)
    A = nx.to_numpy_array(graph, nodelist=nodes, weight=weight)
    M = A + A.T if graph.is_directed() else A
    P = M / M.sum(axis=1, keepdims=True)
    N = M / M.max(axis=1, keepdims=True)
    redundancy = P @ N.T
    return {v: float(np.sum((1 - redundancy[i])[M[i] > 0])) for i, v in enumerate(nodes)}


@pytest.mark.parametrize(
    ("weighted", "published"),
    [
        (False, {"G": (4.67, 0.400, 6), "A": (2.50, 0.595, 4), "C": (1.00, 1.000, 1)}),
        (True, {"G": (5.47, 0.299, 6), "A": (2.47, 0.795, 4), "C": (1.00, 1.000, 1)}),
    ],
    ids=["unweighted", "weighted"],
)
def test_structural_holes_reproduce_borgattis_published_table(weighted, published):
    """Published: Borgatti (1997), "Structural holes: unpacking Burt's redundancy measures",
    Connections 20(1), 35–38: effective size 4.67 for the centre G of his example (6 − 2·4/6), 2.50
    for A; weighted (UCINET, the values networkx's own tests use): 5.47 and 2.47; constraint 0.400 and
    0.595 unweighted, 0.299 and 0.795 weighted; the pendant C has 1 and 1. Efficiency is effective size
    over degree (Burt 1992). The weighted effective sizes were 5.515 and 2.792 with networkx's sparse
    shortcut."""
    G = _borgatti_graph(weighted)
    holes = structural_holes(G, weight="weight" if weighted else None)
    for actor, (size, constraint, degree) in published.items():
        assert holes.loc[actor, "effective_size"] == pytest.approx(size, abs=0.005), actor
        assert holes.loc[actor, "constraint"] == pytest.approx(constraint, abs=0.0005), actor
        assert holes.loc[actor, "efficiency"] == pytest.approx(size / degree, abs=0.005 / degree), actor


def test_effective_size_against_burts_formula_in_matrix_form():
    """Second implementation: Burt's (1992) effective size in matrix form (:func:`_burt_effective_size`)
    on a random weighted graph, and with unit ties, where it is Borgatti's n − 2t/n."""
    R = nx.gnp_random_graph(30, 0.2, seed=7)
    R.remove_nodes_from(list(nx.isolates(R)))
    g = np.random.default_rng(7)
    for u, v in R.edges:
        R[u][v]["weight"] = float(g.uniform(0.1, 5))
    mine = structural_holes(R, weight="weight")["effective_size"]
    other = _burt_effective_size(R, "weight")
    np.testing.assert_allclose(mine.to_numpy(), [other[v] for v in mine.index])
    unweighted = structural_holes(R)["effective_size"]  # Borgatti's n − 2t/n, in matrix form with unit ties
    np.testing.assert_allclose(unweighted.to_numpy(), [_burt_effective_size(R)[v] for v in unweighted.index])


def test_centrality_on_hand_solved_graphs_and_against_numpy():
    """Hand-solved: on the path 0–1–2–3–4 node 2 lies on the shortest paths of 4 of the 6 pairs of
    the others (betweenness 2/3), node 1 on 3 (1/2); on the star K1,3 the eigenvector (λ = √3) is
    1/√2 at the centre and 1/√6 at each leaf. Second implementation: the leading eigenvector of the
    weighted adjacency matrix (numpy.linalg.eigh) on a connected random graph."""
    path = centrality_table(nx.path_graph(5))
    assert path["betweenness"].tolist() == pytest.approx([0, 0.5, 2 / 3, 0.5, 0])
    assert path["degree_centrality"].tolist() == pytest.approx([0.25, 0.5, 0.5, 0.5, 0.25])
    star = centrality_table(nx.star_graph(3))
    assert star["eigenvector"].tolist() == pytest.approx([1 / np.sqrt(2)] + [1 / np.sqrt(6)] * 3, abs=1e-6)
    g = np.random.default_rng(11)
    R = nx.connected_watts_strogatz_graph(30, 4, 0.3, seed=11)
    for u, v in R.edges:
        R[u][v]["weight"] = float(g.uniform(0.2, 1.0))
    table = centrality_table(R)
    values, vectors = np.linalg.eigh(nx.to_numpy_array(R, nodelist=list(R.nodes), weight="weight"))
    lead = np.abs(vectors[:, -1])
    np.testing.assert_allclose(table["eigenvector"].to_numpy(), lead / np.linalg.norm(lead), atol=1e-6)
    assert table["weighted_degree"].sum() == pytest.approx(2 * sum(d["weight"] for *_, d in R.edges(data=True)))


def _brokerage_brute_force(graph: nx.DiGraph, group: dict) -> dict:
    """Second implementation: every ordered triple of distinct actors (a, b, c) with a→b, b→c, not a→c."""
    counts = {v: dict.fromkeys(BROKERAGE_ROLES, 0) for v in graph}
    for a, b, c in itertools.permutations(graph.nodes, 3):
        if graph.has_edge(a, b) and graph.has_edge(b, c) and not graph.has_edge(a, c):
            ga, gb, gc = group[a], group[b], group[c]
            role = ("coordinator" if ga == gb == gc else "itinerant" if ga == gc else
                    "representative" if ga == gb else "gatekeeper" if gb == gc else "liaison")
            counts[b][role] += 1
    return counts


def test_brokerage_roles_on_a_hand_worked_example():
    """Hand-worked (Gould & Fernandez 1989; groups a* = A, b* = B, c1 = C), arcs a1→a2, a2→a3, a2→b1,
    a3→b1, a3→c1, b1→b2, b2→c1, c1→a1. The two-step paths x→y→z without x→z:
    c1→a1→a2 (C,A,A) gatekeeper a1; a1→a2→a3 (A,A,A) coordinator a2; a1→a2→b1 (A,A,B) representative
    a2; a2→a3→b1 is closed by a2→b1 (no brokerage); a2→a3→c1 (A,A,C) representative a3;
    a3→b1→b2 and a2→b1→b2 (A,B,B) two gatekeepers b1; b1→b2→c1 (B,B,C) representative b2;
    b2→c1→a1 (B,C,A) liaison c1; a3→c1→a1 (A,C,A) itinerant c1.
    Also against a brute-force enumeration of all ordered triples on a random digraph, and the
    undirected convention (each open triad counted both ways)."""
    arcs = [("a1", "a2"), ("a2", "a3"), ("a2", "b1"), ("a3", "b1"), ("a3", "c1"), ("b1", "b2"), ("b2", "c1"), ("c1", "a1")]
    group = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C"}
    roles = brokerage_roles(nx.DiGraph(arcs), group)
    expected = {  # coordinator, itinerant, representative, gatekeeper, liaison
        "a1": [0, 0, 0, 1, 0], "a2": [1, 0, 1, 0, 0], "a3": [0, 0, 1, 0, 0],
        "b1": [0, 0, 0, 2, 0], "b2": [0, 0, 1, 0, 0], "c1": [0, 1, 0, 0, 1],
    }
    for actor, counts in expected.items():
        assert roles.loc[actor, list(BROKERAGE_ROLES)].tolist() == counts, actor
    assert roles["total"].sum() == 9
    undirected = brokerage_roles(nx.Graph([("x", "b"), ("b", "y")]), {"x": "P", "b": "P", "y": "Q"})
    assert undirected.loc["b", list(BROKERAGE_ROLES)].tolist() == [0, 0, 1, 1, 0]
    R = nx.gnp_random_graph(18, 0.2, seed=3, directed=True)
    g = np.random.default_rng(3)
    groups = {v: int(g.integers(3)) for v in R}
    brute = _brokerage_brute_force(R, groups)
    mine = brokerage_roles(R, groups)
    for v in R:
        assert mine.loc[v, list(BROKERAGE_ROLES)].tolist() == [brute[v][r] for r in BROKERAGE_ROLES]
    nx.set_node_attributes(R, groups, "country")
    assert brokerage_roles(R, "country").equals(mine)


def test_network_horizon_and_communities():
    """Hand-solved horizon on the path 0–1–2–3–4 (from 0: 1 at one step, 2 at two) and, as a second
    implementation, horizon sizes equal the ego graphs' sizes less one. Louvain (seeded) splits two
    cliques joined by one tie into the two cliques, reproducibly."""
    assert network_horizon(nx.path_graph(5), 0, k=2)["actor"].tolist() == [1, 2]
    R = nx.gnp_random_graph(30, 0.1, seed=2)
    sizes = horizon_sizes(R, k=3)
    for v in R:
        assert sizes.loc[v, "within_2"] == horizon_graph(R, v, k=2).number_of_nodes() - 1
    G = nx.barbell_graph(5, 0)
    first, second = network_communities(G, rng=4), network_communities(G, rng=4)
    assert first.equals(second) and first.nunique() == 2
    assert first[list(range(5))].nunique() == 1 and first[list(range(5, 10))].nunique() == 1
    assert first.attrs["modularity"] == pytest.approx(nx.community.modularity(G, [set(range(5)), set(range(5, 10))]))
    with pytest.raises(KeyError):
        network_horizon(G, "nobody")


# ----- connected relationships ----------------------------------------------------------------


def test_connected_relationship_scenarios_by_hand():
    """Hand-worked on the path A–B–C–D: ending B–C disconnects 4 pairs ((A,C), (A,D), (B,C),
    (B,D)); B, on the paths of 2 of the 3 pairs of the others, loses its betweenness 2/3; A–B and
    C–D are the connected relationships (degree 1). Weakening a tie to half changes the weighted degree of its
    two ends by −w/2 and nothing measured in steps. Supplier switch on C–S1 (0.8), S1–X, S2–Y:
    C moves 0.8 to S2; S1 and S2 change degree by −1/+1, and C leaves S1's horizon."""
    path = nx.path_graph(["A", "B", "C", "D"])
    nx.set_edge_attributes(path, 1.0, "weight")
    ended = relationship_change_impact(path, "B", "C")
    assert ended.disconnected_pairs == 4
    assert ended.position_before.loc["B", "betweenness"] == pytest.approx(2 / 3)
    assert ended.position_change.loc["B", "betweenness"] == pytest.approx(-2 / 3)
    rel = ended.affected_relationships.set_index(["actor_a", "actor_b"])
    assert rel.loc[("B", "C"), "status"] == "removed" and rel.loc[("B", "C"), "connection_degree"] == 0
    assert rel.loc[("A", "B"), "connection_degree"] == 1 and rel.loc[("C", "D"), "connection_degree"] == 1
    assert set(ended.affected_actors.index) == {"A", "B", "C", "D"}
    assert ended.affected_actors.loc["A", "distance"] == 1

    weak = relationship_change_impact(path, "B", "C", factor=0.5)
    assert weak.disconnected_pairs == 0
    assert weak.position_change.loc["B", "weighted_degree"] == pytest.approx(-0.5)
    assert weak.position_change["betweenness"].abs().max() == 0 and weak.position_change["degree"].abs().max() == 0
    assert weak.affected_relationships.set_index(["actor_a", "actor_b"]).loc[("B", "C"), "status"] == "weakened"

    G = nx.Graph([("C", "S1", {"weight": 0.8}), ("S1", "X", {"weight": 0.5}), ("S2", "Y", {"weight": 0.5})])
    switch = supplier_switch(G, "C", "S1", "S2")
    change = switch.position_change
    assert change.loc["S1", "degree"] == -1 and change.loc["S2", "degree"] == 1 and change.loc["C", "degree"] == 0
    assert switch.graph_after["C"]["S2"]["weight"] == 0.8 and not switch.graph_after.has_edge("C", "S1")
    statuses = switch.affected_relationships.set_index(["actor_a", "actor_b"])["status"]
    assert statuses[("C", "S1")] == "removed" and statuses[("C", "S2")] == "added"
    assert change.loc["S1", "horizon"] == -1  # S1 reached C and X within 2 steps, now only X
    assert switch.disconnected_pairs == 0  # {C,S1,X},{S2,Y}: 3 + 1 pairs → {S1,X},{C,S2,Y}: 1 + 3
    with pytest.raises(KeyError):
        supplier_switch(G, "C", "S2", "S1")


# ----- the synthetic world --------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    w = simulate_b2b_network(4, 12, 4, rng=4)
    G = build_network(w.actors, w.episodes, w.resource_ties, w.activity_links)
    return w, G, layer_graph(G, "bond")


def test_planted_communities_and_brokers_are_found(world):
    """Synthetic ground truth: Louvain on the bond layer recovers the planted clusters (purity ≥ 0.9,
    as many communities as clusters); the planted brokers are the actors with the most brokerage
    between clusters (representative + gatekeeper + liaison, groups = planted cluster), rank among
    the top by betweenness and are less constrained than the other firms. Without random ties
    between clusters the brokers are exactly the top actors by betweenness."""
    w, G, bonds = world
    table = position_table(bonds, groups=w.communities.to_dict(), rng=1)
    crosstab = pd.crosstab(table["community"], w.communities.reindex(table.index))
    assert crosstab.max(axis=1).sum() / len(table) >= 0.9 and len(crosstab) == 4
    between_groups = table[["brokerage_representative", "brokerage_gatekeeper", "brokerage_liaison"]].sum(axis=1)
    assert set(between_groups.nlargest(4).index) == set(w.brokers)
    assert len(set(table["betweenness"].nlargest(6).index) & set(w.brokers)) >= 3
    brokers = table.index.isin(w.brokers)
    assert table.loc[brokers, "constraint"].mean() < table.loc[~brokers, "constraint"].mean()
    clean = simulate_b2b_network(4, 12, 4, p_between=0.0, rng=4)
    bonds0 = layer_graph(build_network(clean.actors, clean.episodes))
    assert set(centrality_table(bonds0)["betweenness"].nlargest(4).index) == set(clean.brokers)


def test_strength_tracks_the_latent_intensity(world):
    """Synthetic ground truth: episode frequency and strength rank relationships by their latent
    intensity λ (Spearman ≥ 0.7 and ≥ 0.5); relationships planted as dissolved are less recent."""
    w, G, _ = world
    table = relationship_strength(read_episodes(w.episodes)).merge(w.relationships, on=["actor_a", "actor_b"])
    assert len(table) == len(w.relationships)
    assert stats.spearmanr(table["frequency_per_year"], table["episodes_per_year"])[0] >= 0.7
    assert stats.spearmanr(table["strength"], table["episodes_per_year"])[0] >= 0.5
    assert table.loc[table["dissolved"], "recency_days"].median() > 4 * table.loc[~table["dissolved"], "recency_days"].median()
    assert G.number_of_edges() == len(w.relationships) + len(w.resource_ties) + len(w.activity_links)
    reread = simulate_b2b_network(4, 12, 4, rng=4)
    pd.testing.assert_frame_equal(reread.episodes, w.episodes)  # seeded


def test_network_tables_from_a_folder(world, tmp_path):
    """Round trip: the synthetic tables written as CSV files and read back with read_network_tables
    give the same network (same bonds and strengths) as the in-memory tables; a bad row in one file
    is named by that file, its 1-based row and column."""
    w, G, _ = world
    for name in ("actors", "episodes", "resource_ties", "activity_links"):
        getattr(w, name).to_csv(tmp_path / f"{name}.csv", index=False)
    tables = read_network_tables(tmp_path)
    again = build_network(**tables)
    assert sorted(again.edges(keys=True)) == sorted(G.edges(keys=True))
    a, b = w.relationships.iloc[0][["actor_a", "actor_b"]]
    assert again[a][b]["bond"]["weight"] == pytest.approx(G[a][b]["bond"]["weight"])
    assert position_table(layer_graph(again), groups="country")["brokerage_total"].sum() > 0
    links = w.activity_links.copy()
    links.loc[2, "downstream_id"] = "NOBODY"
    links.to_csv(tmp_path / "activity_links.csv", index=False)
    with pytest.raises(DataError, match=r"activity_links.csv: 1 problem\n  row 3, column 'downstream_id': unknown actor"):
        read_network_tables(tmp_path)


@pytest.mark.slow
def test_imp_figures(world):
    """The figures draw what they are given: one panel per ARA layer with that layer's tie count,
    one line per dyad of the history, one bar per affected actor."""
    from crmlab import plots

    w, G, bonds = world
    fig = plots.plot_network_layers(G, highlight=w.brokers)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [f"{layer} layer ({layer_graph(G, layer).number_of_edges() if layer != 'activity' else layer_graph(G, layer, directed=True).number_of_edges()} ties)"
                      for layer in ("bond", "resource", "activity")]
    ep = read_episodes(w.episodes)
    top = relationship_strength(ep).nlargest(3, "strength")
    hist = strength_over_time(ep, dyads=list(zip(top["actor_a"], top["actor_b"])))
    assert len(plots.plot_relationship_history(hist).axes[0].get_lines()) == 3
    impact = relationship_change_impact(bonds, w.brokers[0], next(iter(bonds[w.brokers[0]])))
    bars = plots.plot_connected_impact(impact.affected_actors, top=10).axes[0].patches
    assert len(bars) == min(10, len(impact.affected_actors))
    roles = brokerage_roles(bonds, w.communities.to_dict())
    assert len(plots.plot_brokerage_roles(roles, top=5).axes[0].patches) == 5 * len(BROKERAGE_ROLES)
    assert plots.plot_position_map(position_table(bonds), highlight=w.brokers).axes[0].get_xlabel() == (
        "Betweenness (share of shortest paths through the actor)")


def test_network_tables_report_every_table_at_once(tmp_path):
    """Definition (the README's promise): the problems of every table of a folder come back in one
    DataError, each starting with its file's name — a bad actor, a bad episode date and a link to an
    unknown actor (checked against the ids the faulty actors table holds) — not the first table's only."""
    actors = ACTORS.astype({"size": object})
    actors.loc[2, "size"] = -3
    actors.to_csv(tmp_path / "actors.csv", index=False)
    EPISODES.assign(date=["2022-01-01", "2022-03-01", "2022-13-45", "2022-06-01", "2022-09-01", "2022-10-01"]).to_csv(
        tmp_path / "episodes.csv", index=False)
    RESOURCES.to_csv(tmp_path / "resource_ties.csv", index=False)
    ACTIVITIES.assign(downstream_id=["D1", "NOBODY"]).to_csv(tmp_path / "activity_links.csv", index=False)
    with pytest.raises(DataError) as info:
        read_network_tables(tmp_path)
    err = info.value
    assert err.source == str(tmp_path) and err.n_problems == 3
    assert str(err).splitlines()[1:] == [
        "  actors.csv: row 3, column 'size': negative value ('-3')",
        "  episodes.csv: row 3, column 'date': unparseable or missing date ('2022-13-45')",
        "  activity_links.csv: row 2, column 'downstream_id': unknown actor (not in the actors table) ('NOBODY')",
    ]
    ACTORS.to_csv(tmp_path / "actors.csv", index=False)
    EPISODES.assign(date=["01/01/2022", "01/03/2022", "31/12/2022", "01/06/2022", "01/09/2022", "01/10/2022"]).to_csv(
        tmp_path / "episodes.csv", index=False)
    ACTIVITIES.to_csv(tmp_path / "activity_links.csv", index=False)
    tables = read_network_tables(tmp_path)  # day-first dates: 31/12 fixes the order of the whole column
    assert tables["episodes"]["date"].max() == pd.Timestamp("2022-12-31")
    assert tables["episodes"]["date"].dt.month.tolist() == [1, 3, 6, 9, 10, 12]
