"""Dwyer's relationship phases (crmlab.theories.lifecycle): hand-worked panels, synthetic
histories with known phases, an HMM recovering a known chain, cost-to-serve what-if."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.data import DataError
from crmlab.theories.lifecycle import (
    PHASES,
    RelationshipHMM,
    activity_panel,
    cost_to_serve,
    dissolution_by_cost,
    dissolution_entries,
    dissolution_initiators,
    hmm_phase_agreement,
    lower_cost_to_serve,
    phase_counts,
    phase_survival,
    phase_transition_matrix,
    relationship_phases,
    simulate_relationships,
    time_in_phase,
)


def panel_of(orders, contacts=None, customer="c"):
    n = len(orders)
    return pd.DataFrame({"customer_id": customer, "t": range(n), "orders": orders,
                         "contacts": contacts or [0] * n, "spend": [10.0 * o for o in orders]})


def test_hand_worked_panel():
    """Hand-worked, period by period (default rules, window 3):
    t0 contact only → awareness; t1–t3 up to two purchase periods → exploration (t2 carries it);
    t4–t8 orders in the last 3 periods exceed 1.2 × the 3 before (e.g. t8: 9 > 1.2 · 6) → expansion;
    t9 9 ≤ 1.2 · 8 and purchases in all of the last 3 → commitment, carried through t10–t13;
    t14 silence 4 > max(3, 3 × mean gap 1) → dissolution; t15 a return → exploration."""
    orders = [0, 1, 0, 1, 2, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 1]
    contacts = [1] + [0] * 15
    phases = relationship_phases(panel_of(orders, contacts))["phase"].tolist()
    assert phases == ["awareness"] + ["exploration"] * 3 + ["expansion"] * 5 + ["commitment"] * 5 + ["dissolution", "exploration"]


def test_bad_panels_and_thresholds_are_rejected():
    with pytest.raises(DataError, match="periods out of order"):
        relationship_phases(panel_of([1, 0, 1]).iloc[[0, 2, 1]])
    with pytest.raises(DataError, match="customer without transactions"):
        relationship_phases(pd.concat([panel_of([1, 1]), panel_of([0, 0], customer="d")]))
    with pytest.raises(ValueError, match="commitment_share must be in"):
        relationship_phases(panel_of([1, 1]), commitment_share=1.5)
    with pytest.raises(ValueError, match="dissolution_factor"):
        relationship_phases(panel_of([1, 1]), dissolution_factor=0)
    with pytest.raises(DataError, match="missing column"):
        activity_panel(pd.DataFrame({"customer_id": ["a"], "date": ["2020-01-01"]}))
    with pytest.raises(DataError, match="row 1, column 'date': unparseable or missing date"):
        activity_panel(pd.DataFrame({"customer_id": ["a", "a"], "date": ["2020-01-01", "not a date"], "amount": [1.0, 2.0]}))
    with pytest.raises(DataError, match="row 0, column 'amount'"):
        activity_panel(pd.DataFrame({"customer_id": ["a"], "date": ["2020-01-01"], "amount": [-3.0]}))
    with pytest.raises(DataError, match="activity after observation_end"):
        activity_panel(pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2020-05-01"]), "amount": [1.0]}),
                       observation_end="2020-03-31")


#: Day-first dates only one reading fits (13 Feb, 1 Mar, 25 Mar 2021), and dates that read both ways.
DAY_FIRST_DATES = ["13/02/2021", "01/03/2021", "25/03/2021"]
AMBIGUOUS_DATES = ["01/03/2021", "05/04/2021", "07/06/2021"]


def test_activity_panel_reads_day_first_dates():
    """Known truth: the lifecycle panel's periods come from dates read day-first as a whole column; an
    ambiguous column is refused naming it; dayfirst=True chooses."""
    tx = pd.DataFrame({"customer_id": "a", "date": DAY_FIRST_DATES, "amount": [1.0, 2.0, 3.0]})
    panel = activity_panel(tx, freq="M")
    assert panel.loc[panel["orders"] > 0, "period"].astype(str).tolist() == ["2021-02", "2021-03"]
    assert panel["orders"].tolist() == [1, 2]
    with pytest.raises(DataError, match=r"transactions: 1 problem\n  column 'date': ambiguous dates.*dayfirst=True"):
        activity_panel(tx.assign(date=AMBIGUOUS_DATES))
    panel = activity_panel(tx.assign(date=AMBIGUOUS_DATES), dayfirst=True)
    assert panel.loc[panel["orders"] > 0, "period"].astype(str).tolist() == ["2021-03", "2021-04", "2021-06"]
    with pytest.raises(DataError, match=r"row 2, column 'date': unparseable or missing date \('someday'\)"):
        activity_panel(tx.assign(date=["13/02/2021", "01/03/2021", "someday"]))


@pytest.fixture(scope="module")
def world():
    sim = simulate_relationships(800, 24, cost_effect=1.0, rng=3)
    panel = activity_panel(sim.transactions, sim.interactions, freq="M", observation_end="2021-12-31")
    return sim, relationship_phases(panel)


def test_rules_recover_known_phase_sequences(world):
    """Ground truth: on simulated histories the rules agree with the true phase in at least 70% of
    customer-periods; awareness exactly; dissolution in at least 75% (the rest is the few
    periods of silence a rule must wait for before calling it)."""
    sim, phases = world
    merged = phases.merge(sim.truth, on=["customer_id", "t"], suffixes=("", "_true"))
    assert len(merged) == len(sim.truth)
    assert (merged["phase"] == merged["phase_true"]).mean() >= 0.70
    by_phase = merged.assign(ok=merged["phase"] == merged["phase_true"]).groupby("phase_true")["ok"].mean()
    assert by_phase["awareness"] == 1.0 and by_phase["dissolution"] >= 0.75


def test_transition_matrix_time_and_survival(world):
    """Definitions: probability rows sum to one and equal count row shares; spells add up to the
    periods; survival starts at 1 and never rises."""
    _, phases = world
    matrix = phase_transition_matrix(phases)
    probs, counts = matrix["probability"], matrix["count"]
    np.testing.assert_allclose(probs.dropna().sum(axis=1), 1.0)
    np.testing.assert_allclose(probs.loc["expansion"], counts.loc["expansion"] / counts.loc["expansion"].sum())
    spells = time_in_phase(phases)
    assert spells["share_of_periods"].sum() == pytest.approx(1.0)
    survival = phase_survival(phases, horizon=12)
    for _, curve in survival.groupby("entry_phase"):
        assert curve["survival"].iloc[0] <= 1.0 and np.all(np.diff(curve["survival"].dropna()) <= 1e-12)


@pytest.mark.slow
def test_hmm_recovers_a_known_chain():
    """Ground truth: 3,000 sequences of 30 periods from a 3-state Poisson HMM; the EM estimates
    of the rates and transition probabilities are within 0.03 (rates within 5%)."""
    rng = np.random.default_rng(5)
    A = np.array([[0.90, 0.08, 0.02], [0.10, 0.80, 0.10], [0.05, 0.15, 0.80]])
    rates = np.array([0.1, 1.0, 3.0])
    n, T = 3000, 30
    state = rng.choice(3, n, p=[0.3, 0.4, 0.3])
    states = np.empty((n, T), dtype=int)
    for t in range(T):
        states[:, t] = state
        u = rng.random(n)
        state = (u[:, None] > A[state].cumsum(axis=1)).sum(axis=1)
    counts = rng.poisson(rates[states])
    panel = pd.DataFrame({"customer_id": np.repeat(np.arange(n), T), "t": np.tile(np.arange(T), n), "orders": counts.ravel()})
    hmm = RelationshipHMM(3, rng=1).fit(panel)
    np.testing.assert_allclose(hmm.rates_, rates, rtol=0.05)
    np.testing.assert_allclose(hmm.transition_matrix_, A, atol=0.03)
    decoded = hmm.decode(panel)
    assert (decoded.to_numpy() == states.ravel()).mean() > 0.8


def test_hmm_against_rules(world):
    """The HMM's lowest state should hold most dissolution periods and its higher states most
    commitment periods (agreement table rows sum to one)."""
    _, phases = world
    hmm = RelationshipHMM(3, rng=2).fit(phases)
    table = hmm_phase_agreement(phases, hmm.decode(phases))
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    assert table.loc["dissolution", 0] > 0.8
    assert table.loc["commitment", [1, 2]].sum() > 0.8


def test_cost_to_serve_drives_dissolution_and_the_what_if(world):
    """Ground truth: in the simulated world costly customers (more contacts per order) leave more
    often, so the logit slope is positive; lowering cost to serve lowers the probability of
    dissolution from every active phase and raises every phase's CLV."""
    _, phases = world
    costed = cost_to_serve(phases, margin=0.3, cost_per_order=1.0, cost_per_contact=2.0)
    np.testing.assert_allclose(costed["profit"], 0.3 * costed["spend"] - costed["orders"] - 2 * costed["contacts"])
    bands, logit = dissolution_by_cost(costed)
    assert logit.params["cost_to_serve"] > 0 and logit.pvalues["cost_to_serve"] < 0.01
    assert bands["dissolution_rate"].iloc[-1] > bands["dissolution_rate"].iloc[0]
    table = lower_cost_to_serve(costed, 0.3, horizon=24).set_index("phase")
    for phase in ("exploration", "expansion", "commitment"):
        assert table.loc[phase, "p_dissolution_after"] < table.loc[phase, "p_dissolution_before"]
        assert table.loc[phase, "clv_after"] > table.loc[phase, "clv_before"]
    assert table.loc["dissolution", "p_dissolution_before"] == pytest.approx(table.loc["dissolution", "p_dissolution_after"])
    with pytest.raises(ValueError, match="reduction"):
        lower_cost_to_serve(costed, 1.0)


def test_who_ended_it():
    """Definitions: customer or firm alone is unilateral, both bilateral; shares sum to one. Ground
    truth: the simulated initiator shares (0.6, 0.25, 0.15) are recovered within 0.05."""
    sim = simulate_relationships(1500, 24, rng=4)
    table = dissolution_initiators(sim.terminations).set_index("initiator")
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.loc["both", "kind"] == "bilateral" and table.loc["firm", "kind"] == "unilateral"
    np.testing.assert_allclose(table.loc[["customer", "firm", "both"], "share"], [0.6, 0.25, 0.15], atol=0.05)
    with pytest.raises(ValueError, match="customer, firm or both"):
        dissolution_initiators(pd.DataFrame({"initiator": ["supplier"]}))
    assert set(PHASES) >= set(sim.truth["phase"])


def test_lifecycle_figures_draw_the_data(world):
    """Figures draw what the tables hold: stacked customer counts per period, annotated probabilities."""
    from crmlab import plots

    _, phases = world
    fig = plots.plot_phase_shares(phase_counts(phases))
    polys = fig.axes[0].collections
    assert len(polys) == len(PHASES)
    probs = phase_transition_matrix(phases)["probability"].dropna(how="all")
    heat = plots.plot_transition_heatmap(probs)
    texts = [t.get_text() for t in heat.axes[0].texts]
    assert f"{probs.loc['commitment', 'commitment']:.2f}" in texts


def test_dissolution_from_probability_alive():
    """Second implementation: with a BTYD model the dissolution rule is P(alive) < threshold, where
    P(alive) at the end of each period is the model's for the history up to then (x repeat
    periods, t_x, T in the model's unit) — recomputed here directly for one customer."""
    from crmlab.clv import BetaGeo

    model = BetaGeo()
    model.params_ = pd.Series({"r": 0.5, "alpha": 2.0, "a": 0.8, "b": 2.0})
    orders = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    phases = relationship_phases(panel_of(orders), model=model, period_length=1.0, alive_threshold=0.5)
    # after the 4th purchase period (t = 3): x = 3, t_x = 3; at the end of period t, T = t + 1
    expected = [model.probability_alive(3.0, 3.0, t + 1.0) for t in range(4, 10)]
    dissolved = [p < 0.5 for p in expected]
    assert [ph == "dissolution" for ph in phases["phase"].iloc[4:]] == dissolved
    assert any(dissolved) and not all(dissolved)


def test_a_one_time_buyer_dissolves_after_the_population_median_gap_times_the_factor():
    """Hand-worked rule for a customer with one purchase: no gap of their own, so the threshold is
    max(min_silence, factor × the median gap of all customers' purchase periods). With the other customers buying
    every period (median gap 1) the one-time buyer dissolves at silence 4 > max(3, 3); with them buying every
    2nd period (median gap 2) only at silence 7 > max(3, 6): the answer flips with the population's gap.
    dissolution_entries counts the entry as a single-purchase one and states the threshold it used."""
    one_time = panel_of([1] + [0] * 9, customer="once")
    for gap, dissolves_at in ((1, 4), (2, 7)):
        regular = panel_of([1 if t % gap == 0 else 0 for t in range(10)], customer="regular")
        phases = relationship_phases(pd.concat([one_time, regular], ignore_index=True))
        mine = phases[phases["customer_id"] == "once"]
        assert mine.loc[mine["phase"] == "dissolution", "t"].min() == dissolves_at
        entries = dissolution_entries(phases)
        assert entries.attrs["median_gap"] == gap
        assert entries.attrs["single_purchase_silence"] == max(3, 3 * gap)
        once = entries[entries["customer_id"] == "once"]
        assert once["t"].tolist() == [dissolves_at] and once["single_purchase"].tolist() == [True]
        assert not entries.loc[entries["customer_id"] == "regular", "single_purchase"].any()


def test_dissolution_entries_count_each_spell_with_the_purchases_before_it():
    """By hand: purchases at t0–t2, then silence (dissolved at t6: 4 > max(3, 3 × mean gap 1)), a return at t7 and
    silence again (gaps 1, 1, 5: mean 7/3, dissolved at t15: 8 > 3 × 7/3 = 7): two entries, after 3 and 4 purchase
    periods."""
    phases = relationship_phases(panel_of([1, 1, 1, 0, 0, 0, 0, 1] + [0] * 8))
    entries = dissolution_entries(phases)
    assert entries["t"].tolist() == [6, 15]
    assert entries["purchase_periods"].tolist() == [3, 4] and not entries["single_purchase"].any()
