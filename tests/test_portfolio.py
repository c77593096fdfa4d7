"""Relationship portfolio, KAM and GAM (crmlab.strategy.portfolio, key_accounts, account_world):
hand-worked examples, networkx as a second implementation, and a synthetic world with planted truth."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from crmlab.data import DataError
from crmlab.strategy.account_world import simulate_accounts
from crmlab.strategy.key_accounts import (
    gam_consistency,
    global_account_value,
    read_unit_terms,
    select_key_accounts,
    selection_sensitivity,
)
from crmlab.strategy.portfolio import (
    composite_score,
    concentration,
    dependence_risk,
    portfolio_matrix,
    read_accounts,
    read_ties,
    relationship_interdependencies,
)


@pytest.fixture(scope="module")
def world():
    return simulate_accounts(200, rng=0)


def test_concentration_hand_worked():
    """Hand-worked: revenues 40, 30, 20, 10 → shares .4 .3 .2 .1, HHI = .16 + .09 + .04 + .01 = 0.30
    (3,000 points), H* = (0.30 − 0.25) / 0.75 = 1/15, 1/HHI = 3.33, CR2 = 0.7; equal accounts give 1/n."""
    c = concentration([10, 40, 20, 30], top=(1, 2))
    assert c["hhi"] == pytest.approx(0.30)
    assert c["hhi_points"] == pytest.approx(3000)
    assert c["hhi_normalised"] == pytest.approx(1 / 15)
    assert c["equivalent_number"] == pytest.approx(10 / 3)
    assert c["top_2_share"] == pytest.approx(0.7)
    equal = concentration(np.ones(8))
    assert equal["hhi"] == pytest.approx(1 / 8) and equal["hhi_normalised"] == pytest.approx(0)
    with pytest.raises(DataError, match="non-negative"):
        concentration([10, -1])


def test_composite_score_and_matrix_hand_worked():
    """Hand-worked: min–max scaling then weights 2:1 (normalised to 2/3, 1/3).
    clv 0, 50, 100 → 0, .5, 1; growth .3, .1, .2 → 1, 0, .5; scores 1/3, 1/3, 5/6.
    A constant criterion scores 0.5 for all; a missing value scores the criterion's mean."""
    acc = pd.DataFrame({"clv": [0.0, 50.0, 100.0], "growth": [0.3, 0.1, 0.2], "flat": [1.0, 1.0, 1.0],
                        "gap": [1.0, np.nan, 3.0]})
    assert composite_score(acc, {"clv": 2, "growth": 1}).tolist() == pytest.approx([1 / 3, 1 / 3, 5 / 6])
    assert composite_score(acc, {"flat": 1}).tolist() == pytest.approx([0.5] * 3)
    assert composite_score(acc, {"gap": 1}).tolist() == pytest.approx([0, 0.5, 1])
    # Cells on a fixed cut-off: (a, s) = (high, high) key, (high, low) develop, (low, high) maintain, (low, low) reduce.
    grid = pd.DataFrame({"account_id": list("abcde"), "clv": [10.0, 9.0, 1.0, 0.0, 5.0],
                         "tenure": [10.0, 0.0, 9.0, 1.0, 5.0]})
    cells = portfolio_matrix(grid, attractiveness={"clv": 1}, strength={"tenure": 1}, cutoff=0.5)
    assert cells["cell"].astype(str).tolist() == ["key", "develop", "maintain", "reduce", "key"]
    with pytest.raises(DataError, match="criterion not in the accounts"):
        composite_score(acc, {"margin": 1})
    with pytest.raises(DataError, match="weight must be"):
        composite_score(acc, {"clv": -1})


def test_portfolio_cells_recover_the_synthetic_truth(world):
    """Ground truth: the cells of the median split on the observed criteria agree with the signs of
    the latent attractiveness and strength for at least 80% of accounts (noise σ = 0.3 on each signal)."""
    cells = portfolio_matrix(world.accounts)
    agreement = (cells["cell"].astype(str) == world.truth["cell"]).mean()
    assert agreement >= 0.8
    assert np.corrcoef(cells["attractiveness"], world.truth["attractiveness"])[0, 1] > 0.85


def test_dependence_and_interdependencies_against_networkx():
    """Hand-worked dependence (revenue shares .5 .3 .2) and, as a second implementation, shared
    suppliers counted by set intersection over every pair (the bipartite projection must agree)."""
    acc = pd.DataFrame({"account_id": ["a", "b", "c"], "revenue": [50.0, 30.0, 20.0], "share_of_wallet": [0.1, 0.5, 0.2],
                        "sector": ["food", "food", "chem"]})
    risk = dependence_risk(acc, threshold=0.3).set_index("account_id")
    assert risk["seller_dependence"].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert risk.loc["a", "asymmetry"] == pytest.approx(0.4)
    assert risk["at_risk"].tolist() == [True, True, False]
    rng = np.random.default_rng(5)
    ties = pd.DataFrame([(f"A{i}", f"S{s}") for i in range(12) for s in rng.choice(8, 3, replace=False)],
                        columns=["account_id", "actor_id"]).assign(relation="supplier")
    pairs = relationship_interdependencies(ties).set_index(["account_a", "account_b"])
    suppliers = ties.groupby("account_id")["actor_id"].apply(set)
    for a, b in itertools.combinations(sorted(suppliers.index), 2):
        common = suppliers[a] & suppliers[b]
        if common:
            assert pairs.loc[(a, b), "shared_actors"] == len(common)
            assert pairs.loc[(a, b), "jaccard"] == pytest.approx(len(common) / len(suppliers[a] | suppliers[b]))
        else:
            assert (a, b) not in pairs.index
    with_sector = relationship_interdependencies(ties.head(3).assign(account_id=["a", "a", "c"]), acc)
    assert with_sector.set_index(["account_a", "account_b"]).loc[("a", "b"), "same_sector"]


def test_shared_suppliers_reflect_the_planted_groups(world):
    """Ground truth: accounts of one planted supplier group share suppliers; pairs across groups share
    only by the one random supplier each, so the mean overlap within groups is higher."""
    pairs = relationship_interdependencies(world.ties)
    group = world.truth.set_index("account_id")["supplier_group"]
    within = group[pairs["account_a"]].to_numpy() == group[pairs["account_b"]].to_numpy()
    assert within.mean() > 0.95
    assert pairs.loc[within, "shared_actors"].mean() > pairs.loc[~within, "shared_actors"].mean()


@pytest.mark.slow
def test_key_account_selection_and_sensitivity():
    """Hand-worked selection (scores 0.5, 0.5+, …), and invariances of the sensitivity analysis:
    the base scenario reproduces the selection, multiplying every weight by one factor changes nothing,
    a dominant account is selected in every random draw, and the draws are reproducible by seed."""
    acc = pd.DataFrame({"account_id": list("abcde"), "clv": [10.0, 8.0, 6.0, 4.0, 2.0],
                        "growth": [0.0, 0.4, 0.1, 0.3, 0.2], "fit": [1.0, 0.9, 0.8, 0.1, 0.0]})
    sel = select_key_accounts(acc, {"clv": 1, "growth": 1, "fit": 1}, n=2)
    # scores: a (1 + 0 + 1)/3, b (0.75 + 1 + 0.9)/3, c (0.5 + 0.25 + 0.8)/3, d (0.25 + 0.75 + 0.1)/3, e (0 + 0.5 + 0)/3
    assert sel["account_id"].tolist() == ["b", "a", "c", "d", "e"]
    assert sel.set_index("account_id")["score"]["b"] == pytest.approx(2.65 / 3)
    assert sel["key"].tolist() == [True, True, False, False, False]
    assert select_key_accounts(acc, {"clv": 1}, threshold=0.5)["key"].sum() == 3
    same = select_key_accounts(acc, {"clv": 10, "growth": 10, "fit": 10}, n=2)
    pd.testing.assert_frame_equal(sel, same)
    scenarios, freq = selection_sensitivity(acc, {"clv": 1, "growth": 1, "fit": 1}, n=2, n_draws=200, rng=3)
    assert scenarios.iloc[0]["selected"] == "a, b" and scenarios.iloc[0]["jaccard"] == 1
    assert len(scenarios) == 1 + 2 * 3
    assert freq.set_index("account_id")["selection_frequency"]["e"] == 0
    _, again = selection_sensitivity(acc, {"clv": 1, "growth": 1, "fit": 1}, n=2, n_draws=200, rng=3)
    pd.testing.assert_frame_equal(freq, again)
    with pytest.raises(ValueError, match="exactly one"):
        select_key_accounts(acc, {"clv": 1})


def test_gam_hand_worked():
    """Hand-worked: three units, median price 10.2 → US at 12 is 17.6% off (> 5%); payment days 30, 30, 90
    → US 60 days off; service 0.95, 0.80, 0.95 → FR 0.15 off. One unit serving alone is not compared."""
    terms = pd.DataFrame({"account_id": ["A", "A", "A", "B"], "unit": ["DE", "FR", "US", "DE"],
                          "price": [10.0, 10.2, 12.0, 5.0], "payment_days": [30, 30, 90, 60],
                          "service_level": [0.95, 0.80, 0.95, 0.5], "revenue": [100.0, 50.0, 50.0, 10.0]})
    dev, summary = gam_consistency(read_unit_terms(terms))
    assert dev[["unit", "term"]].values.tolist() == [["FR", "service_level"], ["US", "payment_days"], ["US", "price"]]
    assert dev.set_index("term").loc["price", "gap"] == pytest.approx(12 / 10.2 - 1)
    assert summary["account_id"].tolist() == ["A"] and summary.iloc[0]["units_out_of_line"] == "FR, US"
    assert summary.iloc[0]["payment_days_range"] == 60


def test_gam_finds_the_planted_inconsistencies_and_hidden_global_accounts(world):
    """Ground truth: exactly the planted (account, unit, term) cells are out of line (the jitter of
    ±1%, ±2 days, ±1 point stays inside the default tolerances), and the accounts planted as
    hidden global ones — in no unit's top 10, in the firm's top 10 — are the ones flagged."""
    dev, summary = gam_consistency(world.unit_terms)
    found = set(map(tuple, dev[["account_id", "unit", "term"]].to_numpy()))
    assert found == set(map(tuple, world.planted.to_numpy()))
    assert set(summary.loc[summary["coordination_missing"], "account_id"]) == set(world.planted["account_id"])
    value = global_account_value(world.unit_terms)
    assert set(value.loc[value["hidden_global"], "account_id"]) == set(world.truth.loc[world.truth["hidden_global"], "account_id"])
    assert value["global_revenue"].sum() == pytest.approx(world.unit_terms["revenue"].sum())


def test_bad_inputs_are_named_by_row_and_column(tmp_path):
    """Bad input: negative revenue, share of wallet above 1, a duplicate account, a missing column,
    service level outside [0, 1], a non-numeric price — each named by file, row and column."""
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,revenue,share_of_wallet\nA,10,0.5\nB,-3,0.2\nC,5,1.4\nA,1,0.1\n")
    with pytest.raises(DataError) as err:
        read_accounts(path)
    text = str(err.value)
    assert "accounts.csv: 3 problems" in text
    assert "row 2, column 'revenue': negative value ('-3')" in text  # the lab's one wording, the value as written
    assert "row 3, column 'share_of_wallet': outside the scale 0–1 ('1.4')" in text
    assert "row 4, column 'account_id': duplicate account_id ('A')" in text
    with pytest.raises(DataError, match="column 'revenue': missing column"):
        read_accounts(pd.DataFrame({"account_id": ["a"]}))
    bad = pd.DataFrame({"account_id": ["A", "A"], "unit": ["DE", "FR"], "price": ["ten", 10], "payment_days": [30, 30],
                        "service_level": [0.9, 1.2], "revenue": [1, 1]})
    with pytest.raises(DataError) as err:
        read_unit_terms(bad)
    assert "row 0, column 'price': not a number ('ten')" in str(err.value)
    assert "row 1, column 'service_level': outside the scale 0–1 (1.2)" in str(err.value)
    with pytest.raises(DataError, match="missing value"):
        read_ties(pd.DataFrame({"account_id": ["a"], "actor_id": [None], "relation": ["supplier"]}))


def test_edge_cases_of_the_portfolio_functions():
    """Edge cases, each against its definition: ties at the median are not "high" (only the account above
    it is); a constant axis warns; relation labels match whatever their case; without ties the same-sector
    pairs remain; zero total revenue, a missing revenue column, a non-numeric criterion and all-zero
    weights are clear errors."""
    acc = pd.DataFrame({"account_id": list("abcd"), "revenue": [1.0, 2.0, 3.0, 4.0], "clv": [1.0, 1.0, 1.0, 5.0],
                        "tenure": [1.0, 2.0, 3.0, 4.0], "sector": ["x", "x", "y", "y"]})
    cells = portfolio_matrix(acc, attractiveness={"clv": 1}, strength={"tenure": 1})
    assert cells["cell"].astype(str).tolist() == ["reduce", "reduce", "maintain", "key"]
    with pytest.warns(UserWarning, match="same attractiveness"):
        portfolio_matrix(acc.assign(clv=2.0), attractiveness={"clv": 1}, strength={"tenure": 1})
    ties = pd.DataFrame({"account_id": ["a", "b"], "actor_id": ["S", "S"], "relation": ["Supplier", "supplier "]})
    assert relationship_interdependencies(ties)["shared_actors"].tolist() == [1]
    only_partners = ties.assign(relation="partner")
    sector_pairs = relationship_interdependencies(only_partners, acc)
    assert sector_pairs[["account_a", "account_b"]].values.tolist() == [["a", "b"], ["c", "d"]]
    assert sector_pairs["same_sector"].all() and (sector_pairs["shared_actors"] == 0).all()
    with pytest.raises(DataError, match="total revenue is 0"):
        dependence_risk(acc.assign(revenue=0.0))
    with pytest.raises(DataError, match="column 'revenue': missing column"):
        dependence_risk(acc.drop(columns="revenue"))
    with pytest.raises(DataError, match="row 1, column 'clv': score criterion must be a finite number"):
        composite_score(acc.assign(clv=["1", "many", "2", "3"]), {"clv": 1})
    with pytest.raises(ValueError, match="positive sum"):
        selection_sensitivity(acc, {"clv": 0.0}, n=1)


def test_gam_edge_cases():
    """Definitions: two rows of one account and unit without a product are duplicates (missing values of a
    nullable key compare equal); a missing price is an error, not a price CV of 0; accounts served by one unit
    give an empty summary that still has its columns."""
    terms = pd.DataFrame({"account_id": ["A", "A"], "unit": ["DE", "DE"], "product": [None, None], "price": [1.0, 2.0],
                          "payment_days": [30, 30], "service_level": [0.9, 0.9], "revenue": [1.0, 1.0]})
    with pytest.raises(DataError, match="row 1, column 'unit': duplicate account_id × product × unit"):
        read_unit_terms(terms)
    with pytest.raises(DataError, match="column 'price': missing value"):
        gam_consistency(terms.assign(unit=["DE", "FR"], price=[1.0, None]))
    deviations, summary = gam_consistency(terms.assign(account_id=["A", "B"]))
    assert deviations.empty and summary.empty and "coordination_missing" in summary.columns
