"""The Guanxi school (crmlab.theories.guanxi): balances and renqing on a hand-worked ledger, bad ledgers,
network closure against hand-computed clustering, and the obligation logit on synthetic ledgers whose
obligation effect is known."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from crmlab.data import DataError
from crmlab.theories.guanxi import (
    community_modularity,
    community_summary,
    community_ties,
    dyad_balances,
    favour_digraph,
    guanxi_closure,
    guanxi_communities,
    guanxi_graph,
    guanxi_positions,
    obligation_panel,
    obligation_test,
    read_favour_ledger,
    reciprocity_index,
    renqing_positions,
    simulate_favour_ledger,
)

LEDGER = pd.DataFrame({
    "giver":    ["Li",   "Wang", "Li",   "Zhao", "Wang", "Chen"],
    "receiver": ["Wang", "Li",   "Zhao", "Wang", "Zhao", "Li"],
    "date": ["2024-01-05", "2024-02-10", "2024-02-20", "2024-03-02", "2024-03-15", "2024-03-20"],
    "value": [100, 40, 30, 30, 50, 80],
    "tie_type": ["family", "family", "friendship", "business", "clan", "Community"],
})


def test_hand_worked_balances_and_renqing():
    """Hand-worked: Li–Wang: Li gave 100, Wang 40 → Wang owes Li 60, reciprocity 1 − 60/140;
    Li–Zhao: 30 one way → Zhao owes 30, reciprocity 0; Wang–Zhao: 50 vs 30 → Zhao owes Wang 20,
    reciprocity 1 − 20/80 = 0.75; Chen–Li: 80 one way ("Community" is a clan tie) → Li owes Chen 80.
    Li is owed 60 + 30 and owes 80: net +10. Value reciprocity 1 − (60+30+20+80)/(140+30+80+80);
    of the 6 directed giver → receiver links, Li↔Wang and Wang↔Zhao are returned: 4 of 6."""
    ledger = read_favour_ledger(LEDGER)
    d = dyad_balances(ledger).set_index(["person_a", "person_b"])
    assert d.loc[("Li", "Wang"), ["value_a_to_b", "value_b_to_a", "balance", "renqing_debt"]].tolist() == [100, 40, 60, 60]
    assert d.loc[("Li", "Wang"), "debtor"] == "Wang" and d.loc[("Li", "Wang"), "reciprocity"] == pytest.approx(1 - 60 / 140)
    assert d.loc[("Li", "Zhao"), ["debtor", "renqing_debt", "reciprocity"]].tolist() == ["Zhao", 30, 0]
    assert d.loc[("Wang", "Zhao"), ["creditor", "debtor", "renqing_debt", "reciprocity"]].tolist() == ["Wang", "Zhao", 20, 0.75]
    assert d.loc[("Chen", "Li"), ["tie_type", "creditor", "debtor"]].tolist() == ["clan", "Chen", "Li"]
    # the closest base of a dyad wins: Wang–Zhao is clan (Wang → Zhao) and business (Zhao → Wang)
    assert d.loc[("Wang", "Zhao"), "tie_type"] == "clan"
    pos = renqing_positions(ledger)
    assert pos.loc["Li", ["given", "received", "owed_to", "owes", "net", "n_partners"]].tolist() == [130, 120, 90, 80, 10, 3]
    assert pos.loc["Zhao", ["owed_to", "owes", "net"]].tolist() == [0, 50, -50]
    assert pos["net"].sum() == pytest.approx(0)  # every debt is someone's credit
    index = reciprocity_index(ledger)
    assert index["value_reciprocity"] == pytest.approx(1 - 190 / 330)
    assert index["dyad_reciprocity"] == pytest.approx(np.mean([1 - 60 / 140, 0, 0.75, 0]))
    assert index["edge_reciprocity"] == pytest.approx(4 / 6)
    early = dyad_balances(ledger, as_of="2024-01-31")
    assert early[["person_a", "person_b", "balance"]].values.tolist() == [["Li", "Wang", 100.0]]


def test_bad_ledgers_are_named_by_row_and_column(tmp_path):
    bad = LEDGER.copy()
    bad.loc[0, "receiver"] = "Li"
    bad.loc[1, "value"] = 0
    bad.loc[2, "date"] = "someday"
    bad.loc[3, "tie_type"] = "rival"
    bad.loc[4, "giver"] = None
    with pytest.raises(DataError) as info:
        read_favour_ledger(bad)
    text = str(info.value)
    assert "row 0, column 'receiver': a favour to oneself ('Li')" in text
    assert "row 1, column 'value': must be positive (0)" in text  # the lab's one wording of a bound
    assert "row 2, column 'date': unparseable or missing date ('someday')" in text
    assert "row 3, column 'tie_type': must be one of family, clan, friendship, business ('rival')" in text
    assert "row 4, column 'giver': missing giver" in text
    path = tmp_path / "favours.csv"
    LEDGER.assign(value=["100", "forty", "30", "30", "50", "80"]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"favours.csv: 1 problem\n  row 2, column 'value': not a number \('forty'\)"):
        read_favour_ledger(path)
    with pytest.raises(DataError, match="column 'tie_type': missing column"):
        read_favour_ledger(LEDGER.drop(columns="tie_type"))
    with pytest.raises(DataError, match="duplicate favour id"):
        read_favour_ledger(LEDGER.assign(favour_id=["f1", "f2", "f3", "f4", "f5", "f1"]))


def test_network_weights_closure_and_clustering_by_hand():
    """Hand-computed on the ledger's graph: edges Li–Wang (family 1.0), Li–Zhao (friendship 0.5),
    Wang–Zhao (clan 0.75), Chen–Li (clan 0.75). One triangle Li–Wang–Zhao; Li has degree 3 and 1 of its
    3 neighbour pairs linked: clustering 1/3; Wang and Zhao 1, Chen 0; average (1/3 + 1 + 1 + 0)/4;
    transitivity 3·1 / 5 connected triples = 0.6. Onnela's weighted clustering of Wang:
    (ŵ_LW ŵ_WZ ŵ_LZ)^(1/3) / (k(k − 1)) · 2 with ŵ = w / max w = (1 · 0.75 · 0.5)^(1/3)."""
    graph = guanxi_graph(read_favour_ledger(LEDGER))
    assert graph["Li"]["Wang"]["weight"] == 1.0 and graph["Li"]["Zhao"]["weight"] == 0.5
    assert graph["Wang"]["Zhao"]["weight"] == 0.75 and graph["Chen"]["Li"]["tie_type"] == "clan"
    assert graph["Li"]["Wang"]["n_favours"] == 2 and graph["Li"]["Wang"]["value"] == 140
    closure = guanxi_closure(graph)
    assert closure["triangles"] == 1 and closure["transitivity"] == pytest.approx(0.6)
    assert closure["average_clustering"] == pytest.approx((1 / 3 + 1 + 1 + 0) / 4)
    assert closure["density"] == pytest.approx(4 / 6)
    positions = guanxi_positions(graph)
    assert positions.loc["Li", "clustering"] == pytest.approx(1 / 3)
    assert positions.loc["Wang", "weighted_clustering"] == pytest.approx((1 * 0.75 * 0.5) ** (1 / 3))
    assert positions.loc["Li", "strength"] == pytest.approx(1 + 0.5 + 0.75)
    assert positions["betweenness"].idxmax() == "Li"     # Chen reaches the others only through Li
    digraph = favour_digraph(read_favour_ledger(LEDGER))
    assert digraph["Li"]["Wang"] == {"n_favours": 1, "value": 100.0} and not digraph.has_edge("Zhao", "Li")
    with pytest.raises(ValueError, match="needs a weight for"):
        guanxi_graph(read_favour_ledger(LEDGER), tie_weights={"family": 1.0})


def test_obligation_panel_by_hand():
    """Hand-worked monthly panel of the Li–Wang dyad (first favour January): February — Li owes nothing
    (gave 100), Wang owes 100 and gives (40); March — Wang still owes 60 and gives nothing, Li gives nothing;
    each direction enters from February to the ledger's last month (March)."""
    panel = obligation_panel(read_favour_ledger(LEDGER))
    lw = panel[panel["dyad"] == "Li|Wang"].set_index(["giver", panel.loc[panel["dyad"] == "Li|Wang", "period"].astype(str)])
    assert lw.loc[("Wang", "2024-02"), ["gives", "debt", "indebted"]].tolist() == [1, 100, 1]
    assert lw.loc[("Li", "2024-02"), ["gives", "debt", "indebted"]].tolist() == [0, -100, 0]
    assert lw.loc[("Wang", "2024-03"), ["gives", "debt", "indebted", "previous_exchange"]].tolist() == [0, 60, 1, 1]
    assert lw.loc[("Li", "2024-03"), "debt"] == -60
    assert len(lw) == 4
    # Chen–Li starts in March, the last month: no period after the first favour, no rows
    assert not (panel["dyad"] == "Chen|Li").any()
    wz = panel[(panel["dyad"] == "Wang|Zhao")]
    assert wz.empty  # both favours in March, the last month


def test_obligation_test_recovers_the_known_effect():
    """Synthetic ground truth: favours given with log-odds α_tie + β · indebted, β = 1.5; the logit
    recovers β within 3 clustered standard errors and the tie-type contrasts (family − business = 1.5)
    within 3 SE; with β = 0 the 95% interval of the odds ratio contains 1."""
    world = simulate_favour_ledger(150, 24, obligation_effect=1.5, rng=5)
    table, result = obligation_test(obligation_panel(read_favour_ledger(world.ledger)))
    assert abs(table.loc["indebted", "coef"] - 1.5) < 3 * table.loc["indebted", "se"], table
    alpha = world.truth["base_log_odds"]
    family = "C(tie_type)[T.family]"
    assert abs(table.loc[family, "coef"] - (alpha["family"] - alpha["business"])) < 3 * table.loc[family, "se"]
    assert table.loc["indebted", "ci_low"] > 1 and result.converged
    null = simulate_favour_ledger(150, 24, obligation_effect=0.0, rng=6)
    table0, _ = obligation_test(obligation_panel(read_favour_ledger(null.ledger)))
    assert table0.loc["indebted", "ci_low"] < 1 < table0.loc["indebted", "ci_high"], table0


def test_simulated_ledger_is_canonical_and_families_are_closed():
    """Ground truth: the simulated ledger passes the reader unchanged in size, its ties are the ones
    declared, and family ties (complete within each family) make family subgraphs fully clustered."""
    world = simulate_favour_ledger(80, 12, rng=3)
    ledger = read_favour_ledger(world.ledger)
    assert len(ledger) == len(world.ledger)
    graph = guanxi_graph(ledger)
    declared = {frozenset(p) for p in world.ties[["person_a", "person_b"]].itertuples(index=False)}
    assert {frozenset(e) for e in graph.edges} <= declared
    family = world.people.groupby("family")["person"].apply(list)
    big = [f for f in family if len(f) >= 3 and all(graph.has_edge(u, v) for i, u in enumerate(f) for v in f[i + 1:])]
    assert big and all(nx.transitivity(graph.subgraph(f)) == 1 for f in big)


def test_guanxi_figures_draw():
    from crmlab import plots

    world = simulate_favour_ledger(60, 12, rng=1)
    ledger = read_favour_ledger(world.ledger)
    graph = guanxi_graph(ledger)
    communities = guanxi_communities(graph)
    circles = community_summary(graph, communities)
    fig = plots.plot_guanxi_network(circles, community_ties(graph, communities))
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == len(circles)  # one disc per circle
    assert sorted(ax.collections[0].get_sizes()) == sorted(2200 + 3800 * circles["people"] / circles["people"].max())
    assert plots.plot_reciprocity_by_tie(dyad_balances(ledger)).axes[0].get_ylabel() == "reciprocity of the pair"
    table, _ = obligation_test(obligation_panel(ledger))
    ax = plots.plot_odds_ratios(table, reference={"tie_type": "business"}).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Tie type: clan (vs business)", "Tie type: family (vs business)", "Tie type: friendship (vs business)", "Indebted"]
    assert all("10^" not in t.get_text() and "times" not in t.get_text() for t in ax.get_xticklabels())


def test_guanxi_positions_weighted_effective_size_is_burts():
    """Published: the weighted effective sizes of Borgatti's (1997) example network as UCINET gives
    them (G 5.47, A 2.47; networkx's structural-holes tests), which networkx's sparse shortcut
    without nodes= overstates (5.515 and 2.792)."""
    ties = {("A", "B"): 2, ("A", "F"): 3, ("A", "G"): 5, ("A", "E"): 2, ("E", "G"): 8,
            ("F", "G"): 3, ("B", "G"): 4, ("B", "D"): 1, ("D", "G"): 3, ("G", "C"): 10}
    graph = nx.Graph()
    for (u, v), w in ties.items():
        graph.add_edge(u, v, weight=w)
    positions = guanxi_positions(graph)
    assert positions.loc["G", "effective_size"] == pytest.approx(5.47, abs=0.005)
    assert positions.loc["A", "effective_size"] == pytest.approx(2.47, abs=0.005)


def test_day_first_ledgers_keep_their_dates_and_order(tmp_path):
    """Known truth of a hand-made file: 13/02/2021, 01/03/2021 and 25/03/2021 are 13 Feb, 1 Mar and
    25 Mar, so the favours stay in file order (per-value parsing read 01/03/2021 as 3 January and moved
    Wang's favour first). A ledger that reads both ways is refused, naming file and column; dayfirst=True
    reads it. A None giver is shown as written."""
    path = tmp_path / "favours.csv"
    LEDGER.iloc[:3].assign(date=["13/02/2021", "01/03/2021", "25/03/2021"]).to_csv(path, index=False)
    ledger = read_favour_ledger(path)
    assert ledger["giver"].tolist() == ["Li", "Wang", "Li"]
    assert ledger["date"].dt.strftime("%d %b").tolist() == ["13 Feb", "01 Mar", "25 Mar"]
    LEDGER.iloc[:3].assign(date=["01/03/2021", "05/04/2021", "07/06/2021"]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"favours.csv: 1 problem\n  column 'date': ambiguous dates: .*dayfirst=True"):
        read_favour_ledger(path)
    assert read_favour_ledger(path, dayfirst=True)["date"].dt.strftime("%d %b").tolist() == ["01 Mar", "05 Apr", "07 Jun"]
    with pytest.raises(DataError, match=r"row 0, column 'giver': missing giver \(None\)"):
        read_favour_ledger(LEDGER.assign(giver=pd.Series([None, "Wang", "Li", "Zhao", "Wang", "Chen"], dtype=object)))


def test_louvain_circles_recover_the_planted_clans():
    """Ground truth: in a simulated ledger, people live in families grouped into clans; the Louvain circles are
    as modular as the planted clans (Newman's Q within 0.02), at least 95% of the people sit in the circle where
    most of their clan is, and the circle table counts every tie once, inside or between circles. Hand-worked:
    two triangles joined by one tie split into the two triangles."""
    world = simulate_favour_ledger(150, 24, rng=42)
    graph = guanxi_graph(read_favour_ledger(world.ledger))
    communities = guanxi_communities(graph, seed=0)
    clans = world.people.set_index("person")["clan"].reindex(communities.index)
    assert community_modularity(graph, communities) >= community_modularity(graph, clans) - 0.02
    majority = pd.crosstab(communities, clans).max(axis=1).sum() / len(communities)
    assert majority >= 0.95
    circles = community_summary(graph, communities)
    between = community_ties(graph, communities)
    assert circles["people"].sum() == graph.number_of_nodes()
    assert circles["internal_ties"].sum() + between["ties"].sum() == graph.number_of_edges()
    assert circles["external_ties"].sum() == 2 * between["ties"].sum()
    assert list(circles["people"]) == sorted(circles["people"], reverse=True)  # circle 1 is the largest
    two = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"), ("d", "f"), ("c", "d")])
    found = guanxi_communities(two)
    assert found[["a", "b", "c"]].nunique() == 1 and found[["d", "e", "f"]].nunique() == 1 and found["a"] != found["d"]
