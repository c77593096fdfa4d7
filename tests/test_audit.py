"""The relationship audit's indicators (crmlab.audit): each headline recomputed independently from the
lens it summarises, on CDNOW and small synthetic worlds, and the scorecard's ordering and errors."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from crmlab import audit
from crmlab.customers import interpurchase_distribution, interpurchase_times, retention_rate, transaction_summary
from crmlab.data import DataError, load_cdnow
from crmlab.strategy import concentration, dependence_risk, portfolio_matrix, simulate_accounts


@pytest.fixture(scope="module")
def cdnow():
    tx = load_cdnow()
    return tx, transaction_summary(tx, observation_end="1998-06-30", freq="D", time_unit="W")


@pytest.mark.slow
def test_customer_base_headlines_recomputed_from_the_transactions(cdnow):
    """Second computation: CRR pooled over the last 3 months as Σ(E − N)/ΣS from the retention table,
    the repeat-buyer share as customers with two or more purchase days, the median IPT from the gaps."""
    tx, summary = cdnow
    rates = retention_rate(tx, freq="M")
    card = audit.customer_base_indicators(summary, rates, interpurchase_distribution(tx)).set_index("indicator")["value"]
    last = rates.tail(3)
    assert card["retention rate (CRR)"] == pytest.approx((last["E"] - last["N"]).sum() / last["S"].sum())
    assert card["churn rate"] == pytest.approx(1 - card["retention rate (CRR)"])
    days = tx.assign(day=tx["date"].dt.normalize()).groupby("customer_id")["day"].nunique()
    assert card["repeat buyers (share)"] == pytest.approx((days >= 2).mean())
    assert card["customers"] == tx["customer_id"].nunique()
    assert card["median interpurchase time"] == pytest.approx(interpurchase_times(tx)["ipt"].median())


def test_value_and_phase_headlines():
    """Hand-worked on ten customers: CLV 1..10 → top 20% (two customers) hold 19/55;
    phases of the last period only are counted, and all five phases are listed."""
    values = pd.DataFrame({"clv": np.arange(1.0, 11.0), "p_alive": np.linspace(0.05, 0.95, 10)})
    card = audit.value_indicators(values, top=0.2).set_index("indicator")["value"]
    assert card["CLV share of the top 20%"] == pytest.approx(19 / 55)
    assert card["customers likely lost"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="top"):
        audit.value_indicators(values, top=1.5)
    phases = pd.DataFrame({"period": [1, 2, 2, 2], "phase": ["dissolution", "awareness", "awareness", "commitment"]})
    shares = audit.lifecycle_indicators(phases).set_index("indicator")["value"]
    assert shares.sum() == pytest.approx(1)
    assert shares["awareness"] == pytest.approx(2 / 3) and shares["dissolution"] == 0


def test_portfolio_and_network_headlines_match_their_lenses():
    """Second computation: revenue share of key accounts summed directly, HHI from the shares;
    network density and the focal firm's betweenness rank from networkx."""
    world = simulate_accounts(60, rng=2)
    pm = portfolio_matrix(world.accounts)
    card = audit.portfolio_indicators(pm, concentration(world.accounts["revenue"]), dependence_risk(world.accounts))
    card = card.set_index("indicator")["value"]
    share = pm.loc[pm["cell"] == "key", "revenue"].sum() / pm["revenue"].sum()
    assert card["revenue in the matrix's 'key' cell"] == pytest.approx(share)
    s = world.accounts["revenue"] / world.accounts["revenue"].sum()
    assert card["HHI (points)"] == pytest.approx(10_000 * (s**2).sum())
    g = nx.karate_club_graph()
    betweenness = pd.Series(nx.betweenness_centrality(g))
    positions = pd.DataFrame({"betweenness": betweenness, "constraint": pd.Series(nx.constraint(g)), "community": 0,
                              "brokerage_liaison": 0})
    net = audit.network_indicators(g, positions, focal=0).set_index("indicator")["value"]
    assert net["density"] == pytest.approx(nx.density(g))
    assert net["focal firm: betweenness rank"] == 1  # Mr Hi, the most between actor of Zachary's club
    with pytest.raises(KeyError, match="focal actor"):
        audit.network_indicators(g, positions, focal="nobody")


def test_scorecard_orders_by_face_and_rejects_unknown_lenses():
    """The scorecard lists strategic, operational, analytical, collaborative in that order, keeps every row,
    and refuses a lens without a face rather than dropping it."""
    rows = lambda lens: pd.DataFrame({"lens": [lens], "indicator": ["x"], "value": [1.0], "definition": ["d"]})  # noqa: E731
    card = audit.audit_scorecard(rows("Nordic triplet"), rows("customer base"), rows("loyalty plan"), rows("customer value"))
    assert card["face"].astype(str).tolist() == ["strategic", "operational", "analytical", "collaborative"]
    assert len(audit.audit_scorecard(rows("churn desk"), faces={"churn desk": "operational"})) == 1
    with pytest.raises(ValueError, match="no face of CRM"):
        audit.audit_scorecard(rows("churn desk"))
    with pytest.raises(ValueError, match="unknown face"):
        audit.audit_scorecard(rows("churn desk"), faces={"churn desk": "tactical"})


def test_an_unfinished_last_period_does_not_count_as_churn():
    """Definition: CRR over complete periods only. Every customer buys on the 1st of each month; the data
    end on 2 March, so March is unfinished (it would look like churn) and the CRR of January–February is 1."""
    tx = pd.DataFrame({"customer_id": np.repeat(["a", "b", "c"], 3),
                       "date": pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01"] * 3), "amount": 10.0})
    tx = tx[~((tx["customer_id"] == "c") & (tx["date"] == "2021-03-01"))]  # one customer not yet back in March
    summary = transaction_summary(tx, observation_end="2021-03-02")
    rates = retention_rate(tx, freq="M")
    ipt = interpurchase_distribution(tx)
    complete = audit.customer_base_indicators(summary, rates, ipt, observation_end="2021-03-02").set_index("indicator")
    assert complete.loc["retention rate (CRR)", "value"] == pytest.approx(1.0)
    naive = audit.customer_base_indicators(summary, rates, ipt).set_index("indicator")
    assert naive.loc["retention rate (CRR)", "value"] < 1


def test_value_and_global_account_headlines_take_the_library_frames():
    """The value headlines read customer_value_table's own column name; the coordination share counts
    accounts (any product out of line), not account × product rows."""
    values = pd.DataFrame({"clv": [3.0, 1.0], "probability_alive": [0.9, 0.2]})
    assert audit.value_indicators(values).set_index("indicator").loc["mean P(alive)", "value"] == pytest.approx(0.55)
    summary = pd.DataFrame({"account_id": ["a", "a", "a", "b"], "coordination_missing": [True, False, False, False]})
    value = pd.DataFrame({"account_id": ["a", "b"], "n_units": [2, 2], "hidden_global": [False, False]})
    card = audit.global_account_indicators(summary, value).set_index("indicator")
    assert card.loc["coordination missing (share)", "value"] == pytest.approx(0.5)


def test_loyalty_plan_uses_what_the_data_hold_and_leaves_out_the_rest(cdnow):
    """Definitions: with categories the cross-buying index is measured (cross-selling kept); with wallets the
    share of wallet is spend / wallet (up-selling kept); a customer without a wallet is an error, not a
    share of 1; win-back is always left out (no offer outcomes in a transaction log); the plan spends no
    more than the budget."""
    from crmlab.clv import BetaGeo, GammaGamma, customer_value_table
    from crmlab.strategy import cross_buying_index

    tx, summary = cdnow
    values = customer_value_table(summary, BetaGeo().fit(summary), GammaGamma().fit(summary), discount_rate=0.01, horizon=24)
    rng = np.random.default_rng(3)
    with_categories = tx.assign(category=rng.choice(["pop", "jazz", "rock"], len(tx)))
    wallet = (summary["total_spend"] * 2).where(summary["total_spend"] > 0, 10.0)  # CDNOW has some zero-spend customers
    result = audit.loyalty_plan(with_categories, summary, values, budget=2000.0, lapse_after=26, wallet=wallet)
    assert sorted(result.left_out) == ["win_back"]
    assert set(result.plan.table["action"]) <= {"retention", "up_selling", "cross_selling", "relationship_deepening"}
    assert result.plan.total_spend <= 2000.0 + 1e-6
    expected_sow = summary["total_spend"] / wallet
    assert result.loyal["share_of_wallet"].to_numpy() == pytest.approx(expected_sow[result.loyal.index].to_numpy())
    expected = cross_buying_index(with_categories)["cross_buying_index"]
    profile_customers = result.profile.loc[["core", "growth", "maintain"], "cross_buying_index"]
    assert profile_customers.between(expected.min(), expected.max()).all() and profile_customers.max() > 0
    with pytest.raises(DataError, match="column 'wallet': missing value"):
        audit.loyalty_plan(tx, summary, values, budget=2000.0, lapse_after=26, wallet=wallet.iloc[:-5])


def test_lens_data_origin_names_each_lens_synthetic_or_company():
    """Every lens with a face of CRM has a kind of data; hand-worked: only the synthetic sources are marked so."""
    assert set(audit.LENS_SOURCE) == set(audit.LENS_FACE)
    card = pd.DataFrame({"lens": ["loyalty plan", "business network", "key accounts"]})
    origin = audit.lens_data_origin(card, {"transactions": "tx.csv", "network": "synthetic", "accounts": "acc.csv"})
    assert origin.tolist() == ["company", "synthetic", "company"]
    with pytest.raises(ValueError, match="my lens"):
        audit.lens_data_origin(pd.DataFrame({"lens": ["my lens"]}), {})


@pytest.mark.slow
def test_account_indicators_are_the_strategy_steps_stacked():
    """Second route: the portfolio, key-account and global-account steps of crmlab.strategy run one by one."""
    from crmlab.strategy import (
        gam_consistency, global_account_value, relationship_interdependencies, select_key_accounts, selection_sensitivity,
    )

    world = simulate_accounts(80, rng=3)
    acc = world.accounts
    card, portfolio = audit.account_indicators(acc, world.unit_terms, world.ties, n_key=10, n_draws=200, dependence_threshold=0.03,
                                               local_top=8, rng=3)
    criteria = dict(audit.KEY_ACCOUNT_CRITERIA)
    _, frequency = selection_sensitivity(acc, criteria, n=10, n_draws=200, rng=3)
    _, gam = gam_consistency(world.unit_terms)
    expected = pd.concat([
        audit.portfolio_indicators(portfolio_matrix(acc), concentration(acc["revenue"]),
                                   dependence_risk(acc, threshold=0.03), relationship_interdependencies(world.ties, acc),
                                   threshold=0.03),
        audit.key_account_indicators(select_key_accounts(acc, criteria, n=10), frequency, acc),
        audit.global_account_indicators(gam, global_account_value(world.unit_terms, local_top=8, accounts=acc), local_top=8),
    ], ignore_index=True)
    pd.testing.assert_frame_equal(card, expected)
    pd.testing.assert_frame_equal(portfolio.drop(columns="kam_key"), portfolio_matrix(acc))
    assert portfolio["kam_key"].sum() == card.set_index("indicator").loc["KAM key accounts", "value"]
    without_terms, _ = audit.account_indicators(acc, n_key=500, rng=3)  # more key accounts asked than there are
    assert set(without_terms["lens"]) == {"account portfolio", "key accounts"}
