"""The portfolio and audit pages: sentences that follow their frames, the computations behind them, the figures.

Checked against something independent of the code under test:

- generated sentences against small hand-built frames where the answer flips
  (higher against lower retention, power held or not, concentrated or not, one-time
  buyers or not behind the phase/P(alive) disagreement);
- the phase × P(alive) reconciliation against a hand-counted base and against its own
  cross-tabulation (two computations that must add up);
- the concentration curve against :func:`concentration`'s concentration ratios (a second
  implementation), the portfolio cut-offs against the cells :func:`portfolio_matrix` assigns;
- figures against the frames they are given (cut-off lines, marked shares, label boxes);
- the firm's ranking of global accounts against a hand-worked firm with a local
  customer the unit terms leave out, and the synthetic world's hidden global
  accounts against a plain re-count of the firm's and each unit's revenues;
- the executed pages (small parameters, the ``executed`` fixture): each closing
  comparison re-derived from the numbers printed on the same page (the firm's
  ranks against the revenues of the dependence table, the pair counts against
  the table's rows), and a hostile ``company`` / ``currency`` shown as inert text.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from crmlab import audit, plots
from crmlab.data import DataError
from crmlab.display import audit as say_audit
from crmlab.display import portfolio as say
from crmlab.strategy.account_world import simulate_accounts
from crmlab.strategy.key_accounts import global_account_value, terms_out_of_line
from crmlab.strategy.portfolio import (
    concentration, concentration_curve, dependence_risk, portfolio_cutoffs, portfolio_matrix,
)

# --- generated sentences follow their numbers ---------------------------------------------------


def _history(recent: float, earlier: float, earlier_periods: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"span": ["recent", "earlier"], "first": ["2021-10", "2021-05"], "last": ["2021-12", "2021-09"],
                         "periods": [3, earlier_periods], "S": [300, 500], "retained": [0, 0],
                         "retention_rate": [recent, earlier]})


@pytest.mark.parametrize(("recent", "earlier", "word"), [(0.92, 0.83, "higher than"), (0.70, 0.83, "lower than"),
                                                         (0.832, 0.83, "about the same as")])
def test_retention_is_judged_against_the_earlier_periods_not_fixed_prose(recent, earlier, word):
    text = say_audit.retention_sentences(_history(recent, earlier), window=3, customers=1000).plain
    assert f"{word} the {earlier:.1%}" in text and f"{recent:.1%}" in text
    assert "low" not in text.replace("lower", "")  # no fixed judgement


def test_retention_without_history_says_so():
    text = say_audit.retention_sentences(_history(0.9, np.nan, earlier_periods=0), window=1).plain
    assert "no earlier complete month" in text and "than" not in text


def _agreement(phase_only_once: int) -> pd.DataFrame:
    return pd.DataFrame({"flag": ["both", "phase only", "model only", "neither"], "customers": [10, 50, 5, 35],
                         "share": [0.1, 0.5, 0.05, 0.35], "one_time_buyers": [0, phase_only_once, 0, 0]})


def test_the_disagreement_is_explained_by_one_time_buyers_only_when_they_are_most_of_it():
    mostly = say_audit.phase_alive_sentences(_agreement(45)).plain
    assert "45 of them (90.0%) never bought again" in mostly and "BG/NBD" in mostly
    few = say_audit.phase_alive_sentences(_agreement(5)).plain
    assert "never bought again" not in few and "past frequency" in few
    # the counts of the sentence are those of the frame: 60 in dissolution, 15 likely lost, 45 agree
    assert "60 of 100 customers (60.0%) in dissolution" in few and "15 (15.0%) a P(alive)" in few
    assert "agree on 45 (45.0%)" in few


@pytest.mark.parametrize(("points", "word"), [(900.0, "unconcentrated"), (2000.0, "moderately concentrated"),
                                              (3000.0, "highly concentrated")])
def test_concentration_words_follow_the_guidelines_bands(points, word):
    conc = pd.Series({"n": 10.0, "hhi_points": points, "equivalent_number": 10_000 / points, "top_5_share": 0.6})
    assert say.concentration_sentence(conc).plain.startswith(f"Revenue is {word}: an HHI of {points:,.0f} points")


def test_dependence_names_who_holds_the_power_only_when_the_numbers_say_so():
    risk = pd.DataFrame({"account_id": ["a", "b"], "seller_dependence": [0.6, 0.4], "asymmetry": [-0.2, -0.5],
                         "at_risk": [True, False]})
    assert "No account holds the power" in say.dependence_sentences(risk, threshold=0.5).plain
    flipped = say.dependence_sentences(risk.assign(asymmetry=[0.3, -0.5]), threshold=0.5).plain
    assert "1 account holds the power" in flipped and flipped.endswith(": a.")
    nobody = say.dependence_sentences(risk.assign(at_risk=False), threshold=0.7).plain
    assert nobody.startswith("No account brings 70.0% of revenue or more")


def test_cell_sentence_ranks_the_cells_by_their_share():
    cells = pd.DataFrame({"cell": ["key", "develop", "maintain", "reduce"], "accounts": [5, 5, 5, 5],
                          "share_of_revenue": [0.4, 0.3, 0.2, 0.1]})
    assert say.cell_sentences(cells).plain.startswith("Key accounts bring the largest share of revenue, 40.0%")
    flipped = cells.assign(share_of_revenue=[0.1, 0.2, 0.3, 0.4])
    assert say.cell_sentences(flipped).plain.startswith("Reduce accounts bring the largest share of revenue, 40.0%")


def test_key_account_sentence_counts_robust_and_borderline_accounts():
    key = pd.DataFrame({"account_id": list("abcd"), "key": [True, True, False, False]})
    acc = pd.DataFrame({"account_id": list("abcd"), "revenue": [40.0, 30.0, 20.0, 10.0]})
    robust = pd.DataFrame({"account_id": list("abcd"), "selection_frequency": [1.0, 0.95, 0.05, 0.0]})
    text = say.key_account_sentences(key, robust, acc).plain
    assert "bring 70.0% of revenue" in text and "2 of them (a and b) are key" in text and "no account is borderline" in text
    shaky = say.key_account_sentences(key, robust.assign(selection_frequency=[1.0, 0.5, 0.5, 0.0]), acc).plain
    assert "1 of them (a) is key" in shaky and "2 accounts are borderline" in shaky and "b and c" in shaky


def test_gam_sentence_counts_false_alarms_against_the_planted_cells():
    summary = pd.DataFrame({"account_id": ["A", "B"], "coordination_missing": [True, True]})
    deviations = pd.DataFrame({"account_id": ["A", "B"], "unit": ["US", "DE"], "term": ["price", "payment_days"]})
    value = pd.DataFrame({"account_id": ["A", "B", "C"], "n_units": [2, 3, 1], "hidden_global": False})
    planted = pd.DataFrame({"account_id": ["A"], "unit": ["US"], "term": ["price"]})
    text = say.gam_sentences(summary, deviations, value, planted=planted).plain
    assert "2 of the 2 global accounts (100.0%) have a unit out of line (1 price and 1 payment days)" in text
    assert "found: 1 of 1, with 1 false alarm" in text and "No hidden global account" in text


def test_gam_sentence_states_the_cut_and_names_hidden_accounts_nobody_planted():
    summary = pd.DataFrame({"account_id": ["A"], "coordination_missing": [False]})
    deviations = pd.DataFrame(columns=["account_id", "unit", "term"])
    value = pd.DataFrame({"account_id": ["A", "B"], "n_units": [3, 4], "hidden_global": [True, True]})
    planted = deviations.copy()
    truth = pd.DataFrame({"account_id": ["A", "B"], "hidden_global": [True, False]})
    text = say.gam_sentences(summary, deviations, value, local_top=5, planted=planted, truth=truth).plain
    assert "in the firm's top 5 by revenue over all units but in no unit's top 5: A and B" in text
    assert "found: 1 of the 1 planted, and B is hidden without being planted" in text
    none = say.gam_sentences(summary, deviations, value.assign(hidden_global=False), local_top=5, planted=planted,
                             truth=truth.assign(hidden_global=False)).plain
    assert "No hidden global account: each of the firm's top 5 accounts is in some unit's top 5" in none
    assert "the world planted no hidden global account" in none and "without being planted" not in none


def test_global_value_caption_says_over_which_accounts_the_firm_ranks():
    value = pd.DataFrame({"account_id": ["A", "B", "C"], "n_units": [3, 1, 2]})
    assert say.global_value_caption(value, local_top=2) == (
        "The firm's top 2 of its 3 accounts by revenue summed over the units serving them (ties included)")
    partial = say.global_value_caption(value.assign(n_units=[3, 0, 0]), local_top=2)
    assert partial.endswith("(ties included; 2 accounts without unit terms are ranked on the account table's revenue)")


def test_interdependence_sentence_accounts_for_every_pair_of_the_frame():
    """Every pair of the frame is either tied by a supplier or by its sector alone: the sentence's two counts add
    up to the frame's rows (the page's "in all"), and without sectors only the supplier pairs are counted."""
    pairs = pd.DataFrame({"account_a": ["a", "a", "b", "c"], "account_b": ["b", "c", "d", "d"],
                          "shared_actors": [2, 0, 1, 0], "same_sector": [True, True, False, True]})
    text = say.interdependence_sentences(pairs, 4).plain
    assert text.startswith("2 of the 6 pairs of accounts share at least one supplier;")
    assert "3 pairs are in the same sector: 1 of them also shares a supplier, 2 are tied by the sector alone." in text
    tied, alone = 2, 2
    assert tied + alone == len(pairs)
    no_sector = say.interdependence_sentences(pairs.drop(columns="same_sector").iloc[[0, 2]], 4).plain
    assert "sector" not in no_sector
    assert say.interdependence_sentences(pairs.assign(shared_actors=0), 4).plain.startswith(
        "No two accounts share a supplier. 3 pairs are in the same sector: 0 of them also share a supplier")


def test_equivalent_number_is_defined_on_the_points_it_is_shown_beside():
    """10,000 / HHI in points is 1 / Σ s² (the closed form of :func:`concentration`): the definition the tables give."""
    conc = concentration([50.0, 30.0, 20.0], top=(1,))
    assert 10_000 / conc["hhi_points"] == pytest.approx(conc["equivalent_number"])
    rows = say.concentration_table(conc).set_index("measure")["definition"]
    assert rows["equivalent number of accounts"].startswith("10,000 / HHI in points")
    card = audit.portfolio_indicators(pd.DataFrame({"cell": ["key"], "revenue": [1.0]}), pd.Series(
        {"hhi_points": 3800.0, "equivalent_number": 2.63, "top_5_share": 1.0}), pd.DataFrame({"at_risk": [True]}),
        threshold=0.5).set_index("indicator")["definition"]
    assert card["equivalent number of accounts"].startswith("10,000 / HHI in points")


def test_gaps_are_written_in_the_unit_of_their_term():
    dev = pd.DataFrame({"account_id": ["A", "B", "C"], "product": "all", "unit": ["US", "DE", "FR"],
                        "term": ["price", "payment_days", "service_level"], "value": [12.0, 75.0, 0.75],
                        "reference": [10.0, 30.0, 0.952], "gap": [0.2, 45.0, -0.202]})
    frame, kinds = say.deviation_frame(dev)
    assert frame["gap"].tolist() == ["20.0%", "45 days", "-20.2 points"]  # a gap in service is points, not %
    assert kinds == {"value": ["money", "integer", "percent"], "reference": ["money", "integer", "percent"]}


def test_dependence_indicator_states_its_threshold_and_counts_as_the_portfolio_page():
    """The audit's count of accounts at dependence risk is the portfolio page's (the same frame, the same threshold),
    its definition states the threshold, and moving the threshold past the largest share flips it to 0."""
    world = simulate_accounts(200, rng=42)
    pm, conc = portfolio_matrix(world.accounts), concentration(world.accounts["revenue"], top=(5,))
    risk = dependence_risk(world.accounts, threshold=0.02)
    card = audit.portfolio_indicators(pm, conc, risk).set_index("indicator")
    at_risk = int(card.loc["accounts at dependence risk", "value"])
    said = say.dependence_sentences(risk, threshold=0.02).plain
    assert at_risk > 0 and said.startswith(f"{at_risk} accounts each bring at least 2.0% of revenue")
    assert card.loc["accounts at dependence risk", "definition"] == (
        "accounts bringing 2.0% of revenue or more each (the dependence threshold)")
    assert conc["top_5_share"] >= min(at_risk, 5) * 0.02  # the page's own top-5 share allows the count
    high = risk["seller_dependence"].max() + 0.01
    none = audit.portfolio_indicators(pm, conc, dependence_risk(world.accounts, threshold=high)).set_index("indicator")
    assert none.loc["accounts at dependence risk", "value"] == 0
    with pytest.raises(ValueError, match="dependence threshold"):
        audit.portfolio_indicators(pm, conc, pd.DataFrame({"at_risk": [False]}))


def test_retention_is_called_net_and_months_above_100_are_counted():
    history = _history(0.9, 0.8).assign(periods_above=[0, 2])
    text = say_audit.retention_sentences(history, window=3).plain
    assert "the net retention rate was 90.0%" in text and "lapsed customers who came back included" in text
    assert "passed 100% in 2 of the 8 complete months (none of the last 3)" in text
    assert "still active" not in text  # E − N is not a subset of S
    flat = say_audit.retention_sentences(history.assign(periods_above=[0, 0]), window=3).plain
    assert "stayed at 100% or under in each of the 8 complete months" in flat and "passed 100%" not in flat
    recent = say_audit.retention_sentences(history.assign(periods_above=[1, 0]), window=3).plain
    assert "passed 100% in 1 of the 8 complete months (1 of the last 3)" in recent


def test_crr_is_defined_net_of_returning_customers():
    """A period in which lapsed customers return: E − N > S, so CRR > 100% — the definition must allow it."""
    rates = pd.DataFrame({"period": pd.period_range("2021-01", periods=3, freq="M"), "S": [10, 10, 10],
                          "N": [0, 0, 0], "E": [9, 12, 10]})
    history = audit.retention_history(rates, last=1).set_index("span")
    assert history["periods_above"].to_dict() == {"recent": 0, "earlier": 1}  # February: 12 − 0 > 10
    card = audit.customer_base_indicators(pd.DataFrame({"frequency": [1]}), rates, pd.DataFrame({"median": [3.0]}),
                                          last=3).set_index("indicator")
    assert card.loc["retention rate (CRR)", "value"] == pytest.approx(31 / 30)
    assert "net of returning customers" in card.loc["retention rate (CRR)", "definition"]
    assert "can pass 100%" in card.loc["retention rate (CRR)", "definition"]


def test_loyalty_without_wallets_says_so_and_shows_them_missing():
    profile = pd.DataFrame({"share_of_wallet": [np.nan, np.nan], "cross_buying_index": [np.nan, np.nan]},
                           index=["core", "growth"])
    text = say_audit.loyalty_data_sentence(profile).plain
    assert "share of wallet is missing (–)" in text and "CLV × P(alive), without share of wallet" in text
    assert "cross-buying index is missing (–)" in text
    known = say_audit.loyalty_data_sentence(profile.assign(share_of_wallet=[0.4, 0.6], cross_buying_index=0.2)).plain
    assert known == "The loyalty value is CLV × P(alive) × share of wallet."

    class Plan:
        budget, total_spend, total_incremental_clv, roi = 100.0, 80.0, 240.0, 2.0
        table = pd.DataFrame({"action": ["retention"], "spend": [80.0]})

    loyal = pd.DataFrame({"cumulative_share": [0.6, 1.0], "share_of_wallet": [np.nan, np.nan]})
    without = audit.loyalty_indicators(Plan(), loyal)["definition"].iloc[0]
    assert "without share of wallet" in without and "× share of wallet" not in without
    with_wallet = audit.loyalty_indicators(Plan(), loyal.assign(share_of_wallet=0.5))["definition"].iloc[0]
    assert "CLV × P(alive) × share of wallet" in with_wallet


def test_management_sentence_states_the_robustness_cut_it_counts_with():
    card = pd.DataFrame({"lens": "key accounts", "indicator": ["KAM key accounts", "revenue share of KAM key accounts",
                                                              "robust key accounts"],
                         "value": [15.0, 0.25, 11.0], "data": "synthetic"})
    text = say_audit.management_sentences(card).plain
    assert f"11 of them are key under at least {audit.ROBUST_SELECTION:.0%} of the random weightings" in text
    assert "whatever the weights" not in text
    frequency = pd.DataFrame({"account_id": list("ab"), "selection_frequency": [audit.ROBUST_SELECTION, 0.89]})
    counted = audit.key_account_indicators(pd.DataFrame({"account_id": list("ab"), "key": True}), frequency,
                                           pd.DataFrame({"account_id": list("ab"), "revenue": [1.0, 1.0]}))
    assert counted.set_index("indicator").loc["robust key accounts", "value"] == 1


def test_value_basis_follows_the_parameters():
    text = say_audit.value_basis_sentence(first_purchase="1997-01-01", observation_end="1998-06-30", longest=77.9,
                                          horizon=24, discount_rate=0.01, margin=0.3).plain
    assert "whole history, from the first purchase in the data (1997-01-01) to 1998-06-30" in text
    assert "the 24 months after 1998-06-30" in text and "30.0% of revenue" in text and "1.0% a month" in text
    other = say_audit.value_basis_sentence(first_purchase="2020-01-01", observation_end="2021-12-31", longest=104.0,
                                           horizon=12, discount_rate=0.02, margin=0.5, currency="€").plain
    assert "the 12 months after 2021-12-31" in other and "50.0% of revenue" in other and "in €" in other


# --- the computations behind the pages -----------------------------------------------------------


def _phases_and_values():
    """Six customers by hand: phase in the last period (period 2), P(alive), repeat purchases."""
    phases = pd.DataFrame({"customer_id": list("abcdef") * 2, "period": [1] * 6 + [2] * 6,
                           "phase": ["exploration"] * 6 + ["dissolution", "dissolution", "dissolution", "commitment",
                                                           "expansion", "exploration"]})
    values = pd.DataFrame({"probability_alive": [0.1, 1.0, 1.0, 0.3, 0.8, 0.6], "frequency": [4, 0, 0, 6, 2, 1]},
                          index=pd.Index(list("abcdef"), name="customer_id"))
    return phases, values


def test_phase_alive_reconciliation_counted_by_hand():
    phases, values = _phases_and_values()
    agreement = audit.phase_alive_agreement(phases, values).set_index("flag")
    # both: a; phase only: b, c (never bought again); model only: d; neither: e, f
    assert agreement["customers"].to_dict() == {"both": 1, "phase only": 2, "model only": 1, "neither": 2}
    assert agreement.loc["phase only", "one_time_buyers"] == 2
    crosstab = audit.phase_alive_crosstab(phases, values).set_index("phase")
    assert crosstab.loc["dissolution"].to_dict() == {"P(alive) 0–25%": 1, "P(alive) 25–50%": 0, "P(alive) 50–75%": 0,
                                                     "P(alive) 75–100%": 2, "customers": 3}
    # the two frames are two counts of one base: the crosstab's low bands of dissolution are "both"
    assert crosstab["customers"].sum() == agreement["customers"].sum() == 6
    low = ["P(alive) 0–25%", "P(alive) 25–50%"]
    assert crosstab.loc["dissolution", low].sum() == agreement.loc["both", "customers"]
    assert crosstab.drop(index="dissolution")[low].to_numpy().sum() == agreement.loc["model only", "customers"]


def test_phase_alive_refuses_customers_without_a_probability():
    phases, values = _phases_and_values()
    with pytest.raises(DataError, match="without a P\\(alive\\)"):
        audit.phase_alive_agreement(phases, values.drop(index="f"))


def test_retention_history_pools_each_span_by_hand():
    rates = pd.DataFrame({"period": pd.period_range("2021-01", periods=6, freq="M"), "S": [0, 10, 20, 10, 10, 10],
                          "N": [5, 0, 0, 0, 0, 0], "E": [5, 9, 16, 8, 7, 9]})
    history = audit.retention_history(rates, last=2, observation_end="2021-05-31").set_index("span")
    # June is not complete; the recent span is April–May, (8 + 7) / 20; the earlier February–March, (9 + 16) / 30
    assert history.loc["recent", "retention_rate"] == pytest.approx(15 / 20)
    assert history.loc["earlier", "retention_rate"] == pytest.approx(25 / 30)
    assert str(history.loc["earlier", "first"]) == "2021-02"


def test_the_firm_ranks_every_account_not_only_those_in_the_unit_terms():
    """Hand-worked: G buys 30 in each of DE and FR (60 in all, first in neither unit, where L1 and L2 buy 40 and
    45). Ranked among the accounts of the terms G is the firm's first and, with local_top = 1, hidden; the firm
    also has a local customer L3 of 500 that the terms leave out: it is the firm's first, and G is not hidden."""
    terms = pd.DataFrame({"account_id": ["G", "G", "L1", "L2"], "unit": ["DE", "FR", "DE", "FR"],
                          "revenue": [30.0, 30.0, 40.0, 45.0]})
    alone = global_account_value(terms, local_top=1).set_index("account_id")
    assert alone.loc["G", "global_rank"] == 1 and bool(alone.loc["G", "hidden_global"])
    firm = pd.DataFrame({"account_id": ["G", "L1", "L2", "L3"], "revenue": [60.0, 40.0, 45.0, 500.0]})
    ranked = global_account_value(terms, local_top=1, accounts=firm).set_index("account_id")
    assert ranked["global_rank"].to_dict() == {"L3": 1, "G": 2, "L2": 3, "L1": 4}
    assert not ranked["hidden_global"].any()
    assert ranked.loc["L3", "n_units"] == 0 and pd.isna(ranked.loc["L3", "best_local_rank"])
    with pytest.raises(DataError, match="not in the accounts"):
        global_account_value(terms, accounts=firm[firm["account_id"] != "G"])


@pytest.mark.parametrize(("n", "seed"), [(200, 42), (80, 42), (120, 7)])
def test_synthetic_hidden_accounts_are_hidden_by_the_worlds_own_revenues(n, seed):
    """A plain re-count on the world's tables: every account's revenue is what its units sell it; a planted
    hidden account has fewer than 10 accounts of the firm above it and at least 10 above it in every unit."""
    world = simulate_accounts(n, rng=seed)
    revenue = world.accounts.set_index("account_id")["revenue"]
    sold = world.unit_terms.groupby("account_id")["revenue"].sum()
    assert sold.reindex(revenue.index).to_numpy() == pytest.approx(revenue.to_numpy())
    hidden = world.truth.loc[world.truth["hidden_global"], "account_id"]
    for account in hidden:
        assert (revenue > revenue[account]).sum() < 10
        for unit, rows in world.unit_terms.groupby("unit"):
            mine = rows.loc[rows["account_id"] == account, "revenue"]
            assert len(mine) == 1 and (rows["revenue"] > mine.iloc[0]).sum() >= 10, unit
    value = global_account_value(world.unit_terms, accounts=world.accounts)
    assert set(hidden) <= set(value.loc[value["hidden_global"], "account_id"])
    assert value.set_index("account_id")["global_revenue"].reindex(revenue.index).to_numpy() == pytest.approx(
        revenue.to_numpy())


def test_concentration_curve_agrees_with_the_concentration_ratios():
    revenue = np.random.default_rng(3).lognormal(5, 1, 57)
    curve = concentration_curve(revenue)
    conc = concentration(revenue, top=(1, 5, 20))
    for k in (1, 5, 20):
        assert curve.loc[curve["accounts"] == k, "revenue_share"].item() == pytest.approx(conc[f"top_{k}_share"])
    assert curve["revenue_share"].iloc[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("cutoff", ["median", 0.4])
def test_cutoffs_separate_the_cells_the_matrix_assigns(cutoff):
    pm = portfolio_matrix(simulate_accounts(80, rng=5).accounts, cutoff=cutoff)
    cuts = portfolio_cutoffs(pm, cutoff)
    high_a = pm["cell"].astype(str).isin(["key", "develop"])
    assert (pm.loc[high_a, "attractiveness"] >= cuts["attractiveness"]).all()
    assert (pm.loc[~high_a, "attractiveness"] <= cuts["attractiveness"]).all()
    high_s = pm["cell"].astype(str).isin(["key", "maintain"])
    assert (pm.loc[high_s, "strength"] >= cuts["strength"]).all()
    assert (pm.loc[~high_s, "strength"] <= cuts["strength"]).all()


# --- the figures draw the frames they are given --------------------------------------------------


def test_portfolio_figure_draws_the_numeric_cutoff_and_labels_without_overlap():
    pm = portfolio_matrix(simulate_accounts(120, rng=7).accounts, cutoff=0.3)
    fig = plots.plot_portfolio_matrix(pm, portfolio_cutoffs(pm, 0.3), label=12)
    ax = fig.axes[0]
    verticals = [line.get_xdata()[0] for line in ax.lines if line.get_xdata()[0] == line.get_xdata()[1]]
    assert verticals == [pytest.approx(0.3)]  # not the median (a different place on this portfolio)
    assert pm["strength"].median() != pytest.approx(0.3, abs=0.01)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()  # the figure is closed in pyplot: draw it off-screen
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == 12
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_concentration_figure_marks_the_shares_of_the_table():
    revenue = pd.Series(np.random.default_rng(4).lognormal(5, 1, 40))
    conc = concentration(revenue, top=(4, 8))
    fig = plots.plot_concentration_curve(concentration_curve(revenue), conc)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [f"largest 4 (10% of accounts): {conc['top_4_share']:.1%} of revenue",
                     f"largest 8 (20% of accounts): {conc['top_8_share']:.1%} of revenue"]


def test_gam_figure_counts_the_terms_of_the_frame():
    deviations = pd.DataFrame({"account_id": ["A", "A", "B"], "product": "all", "unit": ["US", "US", "DE"],
                               "term": ["price", "payment_days", "service_level"]})
    grid = terms_out_of_line(deviations)
    ax = plots.plot_gam_deviations(grid).axes[0]
    assert sorted(t.get_text() for t in ax.texts if t.get_text()) == ["payment days\nprice", "service level"]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_portfolio_legend_markers_are_all_legible():
    """The legend takes each cell's first point's size: a cell of small accounts came out as a faint dot."""
    pm = portfolio_matrix(simulate_accounts(120, rng=7).accounts)
    legend = plots.plot_portfolio_matrix(pm, portfolio_cutoffs(pm)).axes[0].get_legend()
    sizes = [tuple(h.get_sizes()) for h in legend.legend_handles]
    assert len(set(sizes)) == 1 and sizes[0][0] >= 100
    assert all(h.get_alpha() == 1.0 for h in legend.legend_handles)


@pytest.mark.parametrize("terms", [["price"], ["price", "payment_days"]])
def test_gam_figure_is_a_yes_no_grid_with_a_two_colour_legend(terms):
    """The grid says whether a unit is out of line (the terms named in the cell): a two-colour legend,
    not a colour bar of counts with ticks 0 and 1."""
    deviations = pd.DataFrame({"account_id": ["A", "B"][: len(terms)], "product": "all", "unit": "US", "term": terms})
    fig = plots.plot_gam_deviations(terms_out_of_line(deviations))
    assert len(fig.axes) == 1  # no colour bar
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["out of line (the terms named)", "in line, or unit not serving the account"]


def test_audit_figures_are_titled_with_what_they_show():
    from crmlab.customers import retention_rate
    from crmlab.data import load_cdnow

    fig = plots.plot_windowed_retention(retention_rate(load_cdnow(), freq="M", window=3), window=3, freq="M")
    assert "a purchase in the last 3 months" in fig.axes[0].get_title()
    phases, values = _phases_and_values()
    crosstab = audit.phase_alive_crosstab(phases, values)
    ax = plots.plot_phase_alive(crosstab).axes[0]
    bands = crosstab.drop(columns=["phase", "customers"]).to_numpy().ravel()
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(bands.tolist())


# --- the executed pages: closing sentences against the numbers on the same page -----------------


def _page_text(executed, name: str) -> tuple[str, BeautifulSoup]:
    base, _ = executed
    html = (base / "reports" / name / f"{name}.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    return " ".join(soup.get_text(" ").split()), soup


def _table(soup: BeautifulSoup, caption: str) -> pd.DataFrame:
    found = next(t for t in soup.find_all("table") if t.caption and t.caption.get_text(strip=True) == caption)
    head = [th.get_text(strip=True) for th in found.find("thead").find_all("th")]
    rows = [[td.get_text(strip=True) for td in tr.find_all(["td", "th"])] for tr in found.find("tbody").find_all("tr")]
    return pd.DataFrame(rows, columns=head)


def _pct(text: str) -> float:
    return float(text.rstrip("%").replace(",", "")) / 100


def test_audit_page_closing_comparisons_hold_on_its_own_numbers(executed):
    text, soup = _page_text(executed, "relationship_audit_cdnow")
    history = _table(soup, "Retention now and before").set_index("Periods")
    recent, earlier = (_pct(history.loc[k, "Retention rate (CRR)"]) for k in ("last 3 complete periods",
                                                                              "earlier complete periods"))
    said = re.search(r"came back included\. That is (higher than|lower than|about the same as) the ([\d.]+%)", text)
    word = "about the same as" if abs(recent - earlier) <= 0.01 else ("higher than" if recent > earlier else "lower than")
    assert said.group(1) == word and _pct(said.group(2)) == pytest.approx(earlier)
    assert "low retention" not in text.lower()
    flags = _table(soup, "Where the two flags agree").set_index("Flagged")["Customers"].str.replace(",", "").astype(int)
    dissolved = flags["in dissolution and likely lost"] + flags["in dissolution, not likely lost"]
    assert f"The phase rules put {dissolved:,} of {flags.sum():,} customers" in text
    phases = _table(soup, "Customers by phase in the last period").set_index("Indicator")
    assert _pct(phases.loc["dissolution", "Value"]) == pytest.approx(dissolved / flags.sum(), abs=0.0005)
    # the accounts at dependence risk: the threshold stated, and allowed by the page's own top-5 share
    accounts = _table(soup, "Accounts").set_index("Indicator")
    threshold = _pct(re.search(r"bringing ([\d.]+%) of revenue", accounts.loc["accounts at dependence risk",
                                                                             "Definition"]).group(1))
    at_risk, top5 = int(accounts.loc["accounts at dependence risk", "Value"]), _pct(accounts.loc["top-5 share", "Value"])
    assert top5 >= min(at_risk, 5) * threshold and (at_risk > 0 or top5 < 5 * threshold)
    assert "whatever the weights" not in text


def test_portfolio_page_closing_sentences_hold_on_its_own_numbers(executed):
    text, soup = _page_text(executed, "portfolio_and_kam_synthetic")
    cells = _table(soup, "Accounts and revenue per cell")
    top = cells.loc[cells["Share of revenue"].map(_pct).idxmax()]
    assert f"{top['Cell'].capitalize()} accounts bring the largest share of revenue, {top['Share of revenue']}" in text
    measures = _table(soup, "Concentration of revenue").set_index("Measure")
    points = int(measures.loc["HHI (points)", "Value"].replace(",", ""))
    word = "unconcentrated" if points < 1500 else "moderately concentrated" if points < 2500 else "highly concentrated"
    assert f"Revenue is {word}: an HHI of {points:,} points" in text
    assert "Against the planted truth" in text and "Planted inconsistencies found" in text
    # the firm's ranks run over the revenues the dependence table shows: no account of it that earns more than
    # the last of the firm's top accounts is missing from them, and each shares its revenue
    money = lambda v: float(v.replace("$", "").replace(",", ""))  # noqa: E731
    top = next(t for t in soup.find_all("table") if t.caption and t.caption.get_text().startswith("The firm's top"))
    firm = _table(soup, top.caption.get_text(strip=True)).set_index("Account")
    depends = _table(soup, "The accounts the seller depends on most").set_index("Account")["Revenue"].map(money)
    floor = firm["Revenue, all units"].map(money).min()
    assert set(depends.index[depends > floor]) <= set(firm.index)
    for account in set(firm.index) & set(depends.index):
        assert money(firm.loc[account, "Revenue, all units"]) == pytest.approx(depends[account])
    ranks = firm["Rank in the firm"].astype(int)
    assert (ranks.diff().dropna() >= 0).all() and ranks.iloc[0] == 1
    # the pairs the table counts are those the sentence counts
    said = re.search(r"([\d,]+) of the [\d,]+ pairs of accounts share at least one supplier", text).group(1)
    caption = "The pairs of accounts that share a supplier, the most strongly tied first"
    pair_table = next(t for t in soup.find_all("table") if t.caption and t.caption.get_text(strip=True) == caption)
    note = pair_table.find_next_sibling("p", class_="crmlab-table-note")
    rows = re.search(r"\(([\d,]+) in all\)", note.get_text()).group(1) if note else str(len(_table(soup, caption)))
    assert rows == said


@pytest.mark.slow
def test_hostile_parameters_come_out_inert(tmp_path):
    """company and currency are shown on the pages: an HTML payload in them must stay text."""
    from pathlib import Path

    from crmlab.reports import run_reports

    hostile = "<img src=x onerror=alert(4)>"
    config = Path(__file__).resolve().parents[1] / "reports.toml"
    small = {"n_customers": 240, "n_respondents": 240, "n_accounts": 60, "n_draws": 50, "n_key": 8}
    results = run_reports(config, only=["relationship_audit_cdnow"], output_dir=tmp_path,
                          overrides={**small, "company": hostile, "currency": hostile}, jobs=1, progress=False)
    results += run_reports(config, only=["portfolio_and_kam_synthetic"], output_dir=tmp_path,
                           overrides={"n_accounts": 60, "n_draws": 50, "n_key": 8, "currency": hostile}, jobs=1,
                           progress=False)
    assert [r.status for r in results] == ["succeeded", "succeeded"], [r.error for r in results]
    for name in ("relationship_audit_cdnow", "portfolio_and_kam_synthetic"):
        soup = BeautifulSoup((tmp_path / name / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
        assert not soup.find_all(attrs={"onerror": True}), name
        assert not [img for img in soup.find_all("img") if img.get("src") == "x"], name
        assert hostile in soup.get_text(), name  # shown, as text


# --- what a reviewer found: settings, the two kinds of broker and of "key", the loyalty segments -----------


def _defaults(notebook) -> dict:
    import ast

    import papermill

    return {k: ast.literal_eval(v["default"]) for k, v in papermill.inspect_notebook(str(notebook)).items()}


def test_companion_settings_are_those_of_the_dedicated_reports_and_the_audit_runs_with_them():
    """Second source: reports.toml and the notebooks' own parameter cells. The audit states per lens that its
    companion data are the dedicated page's; that must stay true of the configured runs."""
    from pathlib import Path

    from crmlab.reports import load_config

    root = Path(__file__).resolve().parents[1]
    runs = {run.name: run for run in load_config(root / "reports.toml").runs}
    audit_run = runs["relationship_audit_cdnow"]
    used = {**_defaults(root / audit_run.notebook), **audit_run.parameters}
    for lens, (report, settings) in audit.COMPANION_REPORTS.items():
        run = runs[report]
        dedicated = {**_defaults(root / run.notebook), **run.parameters}
        assert {k: dedicated[k] for k in settings} == settings, report
        assert {k: used[k] for k in settings} == settings, lens  # the audit notebook names them alike


def test_companion_sentence_says_whether_the_numbers_are_the_dedicated_pages():
    report, settings = audit.COMPANION_REPORTS["account portfolio"]
    same = say_audit.companion_sentence("account portfolio", "synthetic", settings).plain
    assert f"the settings of the report {report}, so its numbers are that page's" in same
    fewer = say_audit.companion_sentence("account portfolio", "synthetic", {**settings, "n_key": 15}).plain
    assert "15 KAM key accounts" in fewer and f"the report {report} draws 20 KAM key accounts" in fewer
    assert "differ from that page's" in fewer and "are that page's" not in fewer
    assert "company's data (accounts.csv)" in say_audit.companion_sentence("account portfolio", "accounts.csv", {}).plain


def test_network_counts_any_broker_and_the_leading_brokers_apart():
    """Second implementation: the leading brokers are the ones crmlab.theories.imp.broker_recovery finds (the
    IMP report's ranking). A star of two groups: the hub brokers every path between groups; a leaf tied to
    a leaf of the other group brokers a few; so 'any' counts both and 'leading' (n=1) only the hub."""
    import networkx as nx

    from crmlab.theories.imp import broker_recovery, brokerage_roles, position_table

    g = nx.Graph([("hub", "a1"), ("hub", "a2"), ("hub", "b1"), ("hub", "b2"), ("a1", "b3"), ("b3", "b4")])
    groups = {"hub": "A", "a1": "A", "a2": "A", "b1": "B", "b2": "B", "b3": "B", "b4": "B"}
    positions = position_table(g, groups=groups, weight=None, rng=0)
    card = audit.network_indicators(g, positions, planted=["a1"], n_leading=1).set_index("indicator")["value"]
    found = broker_recovery(brokerage_roles(g, groups), ["a1"], n=1)
    assert card["leading brokers between groups"] == 1 and found.loc[found["found"], "actor"].tolist() == ["hub"]
    assert card["firms on a brokered path between groups"] == 3  # hub, a1 and b3
    assert card["planted brokers among the leading"] == 0  # a1 is not the hub
    assert audit.network_indicators(g, positions, planted=["hub"]).set_index("indicator").loc[
        "planted brokers among the leading", "value"] == 1
    groups_by_column = audit.network_groups(pd.DataFrame({"actor_id": list(groups), "country": list(groups.values())}),
                                            g, group_by="country")
    assert groups_by_column == groups


def test_key_cell_and_kam_key_accounts_are_reconciled_by_hand():
    """Hand-worked: the key cell holds a, b (60% of revenue); the KAM list a, c, d (80%); one in both."""
    pm = pd.DataFrame({"account_id": list("abcde"), "cell": ["key", "key", "develop", "reduce", "maintain"],
                       "revenue": [40.0, 20.0, 25.0, 15.0, 0.0]})
    text = say.key_cell_sentence(pm, ["a", "c", "d"]).plain
    assert "key cell holds 2 accounts with 60.0% of revenue" in text
    assert "the 3 KAM key accounts, selected on the stated criteria, bring 80.0%; 1 of them is in the key cell" in text
    marked = say.key_cell_sentence(pm.assign(kam_key=pm["account_id"].isin(["a", "b"]))).plain
    assert "the 2 KAM key accounts" in marked and "bring 60.0%; 2 of them are in the key cell" in marked
    world = simulate_accounts(60, rng=4)
    card, portfolio = audit.account_indicators(world.accounts, n_key=6, n_draws=20, rng=4)
    card = card.set_index("indicator")["value"]
    assert card["KAM key accounts"] == portfolio["kam_key"].sum() == 6
    assert "revenue in the matrix's 'key' cell" in card.index and "key accounts" not in card.index


def test_lapsed_segment_alive_is_explained_by_its_one_time_buyers_and_flips_with_them():
    """Closed form of BG/NBD (Fader, Hardie & Lee 2005, eq. 11): a customer with no repeat purchase has
    P(alive) = 1. With most lapsed customers one-time buyers, their mean passes an active segment's; with
    none, it does not, and the sentence must not say it does."""
    seg = pd.Series(["maintain"] * 2 + ["lapsed"] * 4, index=list("abcdef"))
    values = pd.DataFrame({"probability_alive": [0.7, 0.8, 1.0, 1.0, 1.0, 0.2], "frequency": [2, 3, 0, 0, 0, 4]},
                          index=list("abcdef"))
    breakdown = audit.lapsed_alive_breakdown(seg, values)
    assert breakdown.loc["lapsed", "probability_alive"] == pytest.approx(0.8)
    assert breakdown.loc["lapsed", "one_time_buyers"] == 3 and breakdown.loc["lapsed", "repeat_alive"] == 0.2
    above = say_audit.lapsed_alive_sentence(breakdown).plain
    assert "80.0%, is above that of maintain (75.0%): 3 of its 4 customers (75.0%) bought only once" in above
    assert "keep a P(alive) of 100.0%" in above and "its 1 repeat buyer has a mean P(alive) of 20.0%" in above
    repeat = values.assign(frequency=[2, 3, 1, 1, 1, 4], probability_alive=[0.7, 0.8, 0.3, 0.3, 0.3, 0.2])
    below = say_audit.lapsed_alive_sentence(audit.lapsed_alive_breakdown(seg, repeat)).plain
    assert "below every active segment's" in below and "none of its 4 customers bought only once" in below
    assert "is above" not in below


def test_won_back_clv_is_defined_and_the_exclusion_of_win_back_follows_the_plan():
    profile = pd.DataFrame({"lapsed": [False, True], "won_back_clv": [np.nan, 40.0]}, index=["core", "lapsed"])
    left = say_audit.won_back_sentence(profile, {"win_back": "needs the outcomes of past win-back offers"}).plain
    assert "CLV if won back ($40.00)" in left and "the mean CLV of the active customers" in left
    assert "left out of the plan (it needs the outcomes of past win-back offers)" in left
    kept = say_audit.won_back_sentence(profile, {}).plain
    assert "left out" not in kept


def test_unfunded_segments_are_named_with_their_best_first_return():
    """Definition of the optimum (allocate_budget): an action is funded only when its first unit returns
    more than it costs, so a segment whose best marginal return at zero spend is below 1 gets nothing."""
    table = pd.DataFrame({"segment": ["core", "core", "growth", "maintain"], "action": ["retention", "deepening",
                          "retention", "relationship_deepening"], "spend": [50.0, 0.0, 0.0, 0.0],
                          "marginal_return": [1.0, 0.9, 0.7, 0.4]})
    text = say_audit.unfunded_segments_sentence(table).plain
    assert "nothing on growth and maintain (their bars" in text
    assert "growth: $0.70 (retention) and maintain: $0.40 (relationship deepening)" in text
    assert "core" not in text
    assert say_audit.unfunded_segments_sentence(table.assign(spend=1.0)).plain == "The plan spends on every segment."


def test_position_map_labels_the_top_actors_by_betweenness_beside_the_highlighted():
    """The actor with the highest betweenness is labelled even when it is not highlighted, and the legend
    says what the highlighted actors are."""
    position = pd.DataFrame({"betweenness": [0.24, 0.19, 0.10, 0.01, 0.0], "constraint": [0.2, 0.2, 0.3, 0.5, 0.9]},
                            index=["DE-05", "BR-1", "FI-08", "SE-01", "UK-01"])
    ax = plots.plot_position_map(position, highlight=["BR-1"], highlight_label="planted brokers", label_top=2).axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["BR-1", "DE-05"]  # FI-08 is third
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["other actors", "planted brokers",
                      "also among the 2 highest on betweenness, not planted brokers"]


def test_audit_page_agrees_with_the_dedicated_pages(executed):
    """The audit's companion lenses run with the dedicated reports' settings (here the tests' small ones, so each
    lens says its settings differ from the configured report's): its KAM key accounts are the portfolio page's,
    its planted brokers among the leading those of the IMP page."""
    text, audit_soup = _page_text(executed, "relationship_audit_cdnow")
    assert text.count("The synthetic companion data of this lens are drawn with") == 4
    accounts = _table(audit_soup, "Accounts").set_index("Indicator")["Value"]
    _, portfolio_soup = _page_text(executed, "portfolio_and_kam_synthetic")
    kam = _table(portfolio_soup, "Robustness of the selection").set_index("Indicator")["Value"]
    for row in ("KAM key accounts", "revenue share of KAM key accounts", "robust key accounts"):
        assert accounts[row] == kam[row], row
    imp_text, _ = _page_text(executed, "imp_networks_synthetic")
    network = _table(audit_soup, "The business network").set_index("Indicator")["Value"]
    planted = re.search(r"([\d,]+) of the ([\d,]+) planted brokers", imp_text)
    assert (network["planted brokers among the leading"], network["leading brokers between groups"]) == planted.groups()
