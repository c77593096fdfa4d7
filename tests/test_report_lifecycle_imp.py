"""The pages of Dwyer's relationship phases and of the IMP networks: every conclusion follows its numbers.

What each test checks against is said in it: hand-worked frames, brute-force
recounts of the frames a function summarises, closed forms, synthetic worlds
with known truth, the CDNOW data on which the page once contradicted its own
table, and — for the executed pages — the tables shown on the same page, read
back with an independent HTML parser (BeautifulSoup). The generated sentences
are checked on frames built so that the answer flips (commitment longest, then
shortest; brokers less, then more constrained; …).
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from crmlab.display import imp as imp_text
from crmlab.display import lifecycle as phase_text
from crmlab.theories.imp import (
    asymmetry_distribution,
    broker_positions,
    broker_recovery,
    brokerage_across_groups,
    brokerage_roles,
    build_network,
    community_recovery,
    impact_by_distance,
    key_dyads,
    layer_graph,
    network_communities,
    relationship_change_impact,
    simulate_b2b_network,
    switch_parties,
)
from crmlab.theories.lifecycle import (
    DEVELOPMENT,
    PHASES,
    RelationshipHMM,
    activity_panel,
    cost_to_serve,
    dissolution_by_cost,
    lower_cost_to_serve,
    phase_counts,
    phase_reach,
    phase_recovery,
    phase_survival,
    phase_transition_matrix,
    planted_cost_effect,
    relationship_phases,
    simulate_relationships,
    time_in_phase,
)

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(4)>"


@pytest.fixture(scope="module")
def world():
    """A synthetic lifecycle world with a planted cost effect, its rule phases and their costs."""
    sim = simulate_relationships(600, 24, cost_effect=1.0, rng=11)
    phases = relationship_phases(activity_panel(sim.transactions, sim.interactions))
    return sim, phases, cost_to_serve(phases)


# ----- lifecycle frames ------------------------------------------------------------------------


def test_phase_counts_recount_the_customers_of_each_period(world):
    """Brute force: for each period and phase, the distinct customers in it, counted with a Python set."""
    _, phases, _ = world
    counts = phase_counts(phases).set_index(["period", "phase"])["customers"]
    for (period, phase), n in counts.sample(40, random_state=1).items():
        rows = phases[(phases["period"] == period) & (phases["phase"] == phase)]
        assert n == len(set(rows["customer_id"]))
    assert counts.groupby("period").sum().max() <= phases["customer_id"].nunique()
    assert set(phase_counts(phases)["phase"]) == set(PHASES)  # zeros kept, so every phase has a row
    from crmlab import plots

    counts = phase_counts(phases)
    first = counts["phase"].iloc[0]
    drawn = np.asarray(plots.plot_phase_shares(counts).axes[0].collections[0].get_paths()[0].vertices)
    expected = counts[counts["phase"] == first]["customers"].to_numpy(dtype=float)
    assert set(np.round(drawn[:, 1], 9)) >= set(np.round(expected, 9))  # the first layer's top edge is its counts


def test_phase_reach_by_hand_and_against_the_customers_histories(world):
    """Hand-worked: a explores, commits, dissolves (furthest: commitment); b only explores.
    Synthetic: the furthest phases partition the customers, and nobody gets further than the most
    developed phase they were ever in (recounted customer by customer)."""
    phases = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
                           "phase": ["exploration", "commitment", "dissolution", "exploration", "dissolution"]})
    reach = phase_reach(phases).set_index("phase")
    assert reach.loc["commitment", ["customers_reached", "customers_furthest"]].tolist() == [1, 1]
    assert reach.loc["exploration", ["customers_reached", "customers_furthest"]].tolist() == [2, 1]
    assert reach.loc["expansion", "customers_reached"] == 0 and reach.attrs["customers"] == 2
    _, phases, _ = world
    reach = phase_reach(phases).set_index("phase")
    assert reach["customers_furthest"].sum() == phases["customer_id"].nunique()
    rank = {p: k for k, p in enumerate(DEVELOPMENT)}
    furthest = phases[phases["phase"].isin(DEVELOPMENT)].groupby("customer_id")["phase"].agg(
        lambda s: max(s, key=rank.get))
    assert reach["customers_furthest"].to_dict() == {p: int((furthest == p).sum()) for p in DEVELOPMENT}


def test_phase_recovery_agrees_with_a_direct_comparison(world):
    """The agreement is the share of customer-periods whose rule phase equals the planted one,
    recounted directly; each row of the table sums to one."""
    sim, phases, _ = world
    recovery = phase_recovery(phases, sim.truth)
    merged = phases.merge(sim.truth, on=["customer_id", "t"], suffixes=("", "_true"))
    assert recovery.attrs["agreement"] == pytest.approx((merged["phase"] == merged["phase_true"]).mean())
    assert recovery.attrs["periods"] == len(merged)
    np.testing.assert_allclose(recovery.sum(axis=1), 1.0)


def test_transitions_leave_out_phases_nobody_is_in():
    """Purchases only (CDNOW-like): no awareness, so the observed matrix has no awareness row or column,
    and its counts are the full matrix's without them."""
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": pd.to_datetime(["2021-01-05", "2021-03-01", "2021-01-20"]),
                       "amount": [1.0, 2.0, 3.0]})
    phases = relationship_phases(activity_panel(tx, observation_end="2021-12-31"))
    full = phase_transition_matrix(phases)["count"]
    seen = phase_transition_matrix(phases, observed_only=True)["count"]
    assert "awareness" not in seen.index and "awareness" not in seen.columns
    pd.testing.assert_frame_equal(seen, full.loc[seen.index, seen.columns])
    note = phase_text.missing_phase_note(phases)
    assert "awareness" in str(note) and "no contacts at all" in str(note)


def test_hmm_state_table_gives_the_geometric_stay_of_each_state():
    """Closed form: a Markov chain stays in state k for 1 / (1 − a_kk) periods on average; the rates
    are the fitted ones, lowest first."""
    rng = np.random.default_rng(3)
    rows = []
    for c in range(60):
        active = rng.random() < 0.5
        for t in range(12):
            rows.append((f"c{c}", t, int(rng.poisson(3.0 if active and t < 6 else 0.1))))
    panel = pd.DataFrame(rows, columns=["customer_id", "t", "orders"])
    hmm = RelationshipHMM(2, rng=1).fit(panel)
    summary = hmm.state_table
    stay = np.diag(hmm.transition_matrix_.to_numpy())
    np.testing.assert_allclose(summary["expected_stay"], 1 / (1 - stay))
    np.testing.assert_allclose(summary["purchases_per_period"], hmm.rates_)
    assert summary["purchases_per_period"].is_monotonic_increasing


@pytest.mark.slow
def test_the_planted_cost_effect_is_recovered_on_the_true_phases():
    """Synthetic truth: a world built with a cost effect of 1 gives a logit slope near 1 on its true
    phases (the odds run slightly above a probability multiplier) and a positive one on the rules'
    phases; a world built without one gives an interval that covers 0 on the true phases."""
    for effect in (1.0, 0.0):
        sim = simulate_relationships(800, 24, cost_effect=effect, rng=5)
        phases = relationship_phases(activity_panel(sim.transactions, sim.interactions))
        table = planted_cost_effect(cost_to_serve(phases), sim)
        assert table.loc["planted", "estimate"] == effect
        true = table.loc["true_phases"]
        if effect:
            assert abs(true["estimate"] - effect) < 0.35 and table.loc["rule_phases", "ci_low"] > 0
        else:
            assert true["ci_low"] < 0 < true["ci_high"]
    assert sim.initiator_shares == pytest.approx({"customer": 0.6, "firm": 0.25, "both": 0.15})


# ----- lifecycle sentences ----------------------------------------------------------------------


def _spells(means: dict[str, float], shares: dict[str, float] | None = None) -> pd.DataFrame:
    shares = shares or {"exploration": 0.45, "expansion": 0.13, "commitment": 0.01, "dissolution": 0.41}
    return pd.DataFrame({"phase": list(means), "spells": 10, "mean_periods": list(means.values()),
                         "median_periods": list(means.values()), "share_of_periods": [shares[p] for p in means]})


def _survival(last: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"entry_phase": p, "k": k, "at_risk": 10, "survival": 1.0 if k == 0 else v}
                         for p, v in last.items() for k in (0, 12)])


def _what_if(clv: dict[str, float], lower: bool = True) -> pd.DataFrame:
    rows = []
    for p, v in clv.items():
        before = 0.08
        rows.append({"phase": p, "p_dissolution_after": before * (0.9 if lower else 1.1), "p_dissolution_before": before,
                     "clv_after": v * 1.07, "clv_before": v, "dissolved_after_24_after": 0.5,
                     "dissolved_after_24_before": 0.52})
    return pd.DataFrame(rows)


class _Logit:
    def __init__(self, slope: float, p: float):
        self.params = pd.Series({"cost_to_serve": slope})
        self.pvalues = pd.Series({"cost_to_serve": p})


def _reach(furthest: dict[str, int]) -> pd.DataFrame:
    total = sum(furthest.values())
    frame = pd.DataFrame({"phase": list(DEVELOPMENT)})
    frame["customers_furthest"] = frame["phase"].map(furthest).fillna(0).astype(int)
    frame["customers_reached"] = [total, total, furthest.get("expansion", 0) + furthest.get("commitment", 0),
                                  furthest.get("commitment", 0)]
    frame["share_reached"] = frame["customers_reached"] / total
    frame["share_furthest"] = frame["customers_furthest"] / total
    frame.attrs["customers"] = total
    return frame


def _closing(means, last, clv, *, furthest=None, slope=0.5, p=1e-6, lower=True):
    return str(phase_text.reading_the_phases(_reach(furthest or {"exploration": 70, "expansion": 28, "commitment": 2}),
                                             _spells(means), _survival(last), _what_if(clv, lower), _Logit(slope, p),
                                             reduction=0.2, period="month"))


def test_the_commitment_bullet_follows_the_spells_survival_and_value():
    """Flipped frames: commitment with the longest spells, then with the shortest (as on CDNOW); the
    most survivors, then the fewest; the most valuable, then not."""
    means_long = {"exploration": 6.4, "expansion": 6.6, "commitment": 9.1}
    means_short = {"exploration": 6.4, "expansion": 6.6, "commitment": 4.1}
    text = _closing(means_long, {"exploration": 0.2, "expansion": 0.4, "commitment": 0.7},
                    {"exploration": 75.0, "expansion": 86.0, "commitment": 116.0})
    assert "spells are the longest of the active phases (mean 9.10 months)" in text
    assert "70.0% of those who enter it have not dissolved 12 months later, the most of any phase" in text
    assert "worth $116.00, the most of any phase" in text
    text = _closing(means_short, {"exploration": 0.2, "expansion": 0.4, "commitment": 0.1},
                    {"exploration": 175.0, "expansion": 86.0, "commitment": 116.0})
    assert "spells are the shortest of the active phases (mean 4.10 months, against 6.60 months in expansion)" in text
    assert "longest" not in text and "stay longest" not in text
    assert "the fewest of any phase" in text and "less than one in exploration ($175.00)" in text


def test_the_reach_and_cost_bullets_follow_their_numbers():
    """Flipped frames: most customers stuck in exploration, then most beyond it; the logit slope positive
    and significant, negative and significant, then not significant; the what-if lowering, then not."""
    means = {"exploration": 6.4, "expansion": 6.6, "commitment": 4.1}
    last = {"exploration": 0.2, "expansion": 0.4, "commitment": 0.5}
    clv = {"exploration": 75.0, "expansion": 86.0, "commitment": 116.0}
    assert "Most relationships never leave exploration: of 100 customers, 70 (70.0%)" in _closing(means, last, clv)
    beyond = _closing(means, last, clv, furthest={"exploration": 30, "expansion": 50, "commitment": 20})
    assert "Most relationships develop beyond exploration: of 100 customers, 70 (70.0%) reached" in beyond
    assert "never leave" not in beyond
    assert "Customers who cost more to serve leave more often (logit slope 0.500, p < 0.001)" in _closing(means, last, clv)
    assert "leave *less* often" in _closing(means, last, clv, slope=-0.5)
    unclear = _closing(means, last, clv, p=0.4, lower=False)
    assert "does not predict dissolution in these data (logit slope 0.500, p = 0.400)" in unclear
    assert "does not lower the probability of dissolution in every active phase" in unclear


def test_the_cdnow_page_says_commitment_has_the_shortest_spells():
    """The issue's case, on the CDNOW data (Fader, Hardie & Lee 2005 sample): the closing bullet names
    commitment's spells as the shortest exactly when the spells frame does (its argmin, computed here)."""
    from crmlab.data import load_transactions

    phases = relationship_phases(activity_panel(load_transactions("cdnow"), observation_end="1998-06-30"))
    spells = time_in_phase(phases)
    costed = cost_to_serve(phases)
    _, logit = dissolution_by_cost(costed)
    what_if = lower_cost_to_serve(costed, 0.2)
    text = str(phase_text.reading_the_phases(phase_reach(phases), spells, phase_survival(phases), what_if, logit,
                                             reduction=0.2, period="month"))
    active = spells.set_index("phase")["mean_periods"].reindex(["exploration", "expansion", "commitment"])
    assert active.idxmin() == "commitment"
    assert f"spells are the shortest of the active phases (mean {active['commitment']:.2f} months" in text
    assert "Most relationships never leave exploration" in text  # 69% of CDNOW's customers never got further


def test_other_lifecycle_sentences_follow_their_frames():
    """Flipped frames for the single sentences: spells, survival, the what-if, the planted cost effect."""
    assert str(phase_text.spell_sentence(_spells({"exploration": 2.0, "commitment": 9.0}), period="month")).startswith(
        "A spell in commitment lasts longest")
    assert str(phase_text.spell_sentence(_spells({"exploration": 9.0, "commitment": 2.0}), period="month")).startswith(
        "A spell in exploration lasts longest")
    text = str(phase_text.survival_sentence(_survival({"exploration": 0.6, "commitment": 0.3}), period="month"))
    assert "60.0% of the customers who entered exploration have not dissolved, against 30.0% for commitment" in text
    # commitment's entrants leave observation before 12 months: the phases are compared where all are observed
    short = pd.concat([_survival({"exploration": 0.4}),
                       pd.DataFrame({"entry_phase": "commitment", "k": [0, 9, 12], "at_risk": [5, 2, 0],
                                     "survival": [1.0, 0.8, np.nan]})])
    short = pd.concat([short, pd.DataFrame({"entry_phase": "exploration", "k": [9], "at_risk": [9], "survival": [0.5]})])
    assert str(phase_text.survival_sentence(short, period="month")).startswith(
        "9 months after entering a phase, 80.0% of the customers who entered commitment have not dissolved, "
        "against 50.0% for exploration")
    raised = str(phase_text.what_if_sentence(_what_if({"commitment": 100.0}, lower=False), reduction=0.2))
    assert "raises the probability of dissolution" in raised and "lowers the probability" not in raised
    planted = pd.DataFrame({"estimate": [1.0, 1.1, 0.2], "ci_low": [np.nan, 0.9, -0.1], "ci_high": [np.nan, 1.3, 0.5],
                            "p": [np.nan, 1e-9, 0.2]}, index=["planted", "true_phases", "rule_phases"])
    text = str(phase_text.planted_cost_sentence(planted))
    assert "1.10 (95% CI 0.90 to 1.30), an interval that covers the planted value" in text
    assert "Only the fit on the true phases finds the planted direction." in text


def test_currency_and_file_names_in_lifecycle_sentences_are_escaped():
    """The currency and a file name are parameters: in the Markdown they are text, never a tag."""
    text = phase_text.what_if_sentence(_what_if({"commitment": 100.0}), reduction=0.2, unit=HOSTILE)
    assert "<img" not in text.text and "&lt;img" in text.text
    assert "<img" not in phase_text.data_description(HOSTILE, customers=1, customer_periods=1, first="a", last="b").text


def _first_clause_extremes(sentence: str) -> tuple[set[str], set[str]]:
    """The phases a spell sentence's first clause names longest and shortest, ties together (read back with a regex)."""
    match = re.search(r"(?:a spell|spells) in (.+?) lasts? longest \(.*?\), in (.+?) shortest", sentence, re.IGNORECASE)
    assert match, sentence
    return tuple(set(re.split(r", | and ", group)) for group in match.groups())


def _ties(series: pd.Series, largest: bool) -> set[str]:
    return set(series.index[series == (series.max() if largest else series.min())])


def test_the_spell_sentence_ranks_every_phase_of_its_table():
    """The reviewer's case (synthetic page): dissolution's spells are the longest and awareness's the shortest of
    the table, so the sentence may call commitment longest only in a clause that says it ranks the active phases
    alone. Brute force on seeded random tables of every subset of phases: the first clause names the table's argmax
    and argmin (pandas), and a second clause, when there is one, the active phases' argmax and argmin."""
    table = {"awareness": 1.66, "exploration": 4.00, "expansion": 6.21, "commitment": 10.47, "dissolution": 12.39}
    text = str(phase_text.spell_sentence(_spells(table, dict.fromkeys(table, 0.2)), period="month"))
    assert text.startswith("Of the 5 phases in the table, a spell in dissolution lasts longest (mean 12.39 months), "
                           "in awareness shortest (mean 1.66 months); among the active phases")
    assert "alone, a spell in commitment lasts longest (mean 10.47 months), in exploration shortest" in text
    # flipped: commitment and exploration are the extremes of all five, so no second clause is needed
    flipped = {**table, "awareness": 5.0, "commitment": 13.0}
    text = str(phase_text.spell_sentence(_spells(flipped, dict.fromkeys(table, 0.2)), period="month"))
    assert text == ("Of the 5 phases in the table, a spell in commitment lasts longest (mean 13.00 months), in "
                    "exploration shortest (mean 4.00 months).")
    rng = np.random.default_rng(7)
    for _ in range(200):
        phases = [p for p in PHASES if rng.random() < 0.7] or ["exploration"]
        means = dict(zip(phases, np.round(rng.uniform(1, 15, len(phases)), 2)))
        series = pd.Series(means)
        text = str(phase_text.spell_sentence(_spells(means, dict.fromkeys(means, 0.1)), period="month"))
        if series.nunique() == 1:
            continue
        longest, shortest = _first_clause_extremes(text)
        assert longest == _ties(series, True) and shortest == _ties(series, False), (means, text)
        active = series.reindex([p for p in ("exploration", "expansion", "commitment") if p in means])
        if "among the active phases" in text:
            longest, shortest = _first_clause_extremes(text.split(" alone, ")[1])
            assert longest == _ties(active, True) and shortest == _ties(active, False), (means, text)
        else:
            assert len(active) < 2 or (_ties(active, True) == _ties(series, True)
                                       and _ties(active, False) == _ties(series, False)), (means, text)


def test_the_commitment_bullet_joins_its_clauses_by_what_they_say():
    """Flipped frames: rare and short (CDNOW) agree ("and"), rare but long contrast ("but"), common and long agree;
    the "yet" of a rare phase with short spells is gone."""
    rare = {"exploration": 0.45, "expansion": 0.13, "commitment": 0.01, "dissolution": 0.41}
    common = {"exploration": 0.10, "expansion": 0.13, "commitment": 0.36, "dissolution": 0.41}
    last, clv = {"exploration": 0.2, "expansion": 0.4, "commitment": 0.5}, {"exploration": 75.0, "commitment": 116.0}

    def bullet(means, shares):
        return str(phase_text._commitment_bullet(_spells(means, shares), _survival(last), _what_if(clv), "$", "month"))

    short, long_ = ({"exploration": 6.4, "expansion": 6.6, "commitment": c} for c in (4.1, 9.1))
    assert "the rarest active phase, and its spells are the shortest" in bullet(short, rare)
    assert "the rarest active phase, but its spells are the longest" in bullet(long_, rare)
    assert "the most common active phase, and its spells are the longest" in bullet(long_, common)
    assert "the most common active phase, but its spells are the shortest" in bullet(short, common)
    assert not any(" yet " in bullet(m, s) for m in (short, long_) for s in (rare, common))


def test_false_alarms_are_counted_against_the_true_phases_and_claimed_nowhere_else(world):
    """Synthetic truth: the dissolution bullet's shares are the planted phases' customer-periods the rules read as
    dissolution (false alarms) and the planted dissolution periods they read as another phase, recounted here
    from the merged frames; flipped, a world without false alarms says 0.0%; without a truth (real data) the bullet
    states no rate and never says "few false alarms"."""
    sim, phases, _ = world
    recovery = phase_recovery(phases, sim.truth)
    text = str(phase_text.dissolution_reading_sentence(recovery, period="month"))
    merged = phases.merge(sim.truth, on=["customer_id", "t"], suffixes=("", "_true"))
    for phase in ("exploration", "expansion", "commitment"):
        rows = merged[merged["phase_true"] == phase]
        assert f"{100 * (rows['phase'] == 'dissolution').mean():.1f}% of {phase}'s" in text
    dissolved = merged[merged["phase_true"] == "dissolution"]
    assert f"and {100 * (dissolved['phase'] != 'dissolution').mean():.1f}% of the planted dissolution months" in text
    clean = pd.DataFrame(np.eye(4), index=["exploration", "expansion", "commitment", "dissolution"],
                         columns=["exploration", "expansion", "commitment", "dissolution"])
    text = str(phase_text.dissolution_reading_sentence(clean, period="month"))
    assert "read 0.0% of exploration's customer-months, 0.0% of expansion's and 0.0% of commitment's" in text
    assert "0.0% of the planted dissolution months as another phase" in text
    for recovery_ in (None, recovery, clean):
        closing = str(phase_text.reading_the_phases(_reach({"exploration": 70, "commitment": 30}), _spells(
            {"exploration": 6.4, "commitment": 4.1}), _survival({"exploration": 0.2, "commitment": 0.5}),
            _what_if({"commitment": 100.0}), _Logit(0.5, 1e-6), reduction=0.2, period="month", recovery=recovery_))
        assert "few false alarms" not in closing
        assert ("cannot be counted here" in closing) == (recovery_ is None)
        assert ("% of exploration's" in closing) == (recovery_ is not None)


def test_hmm_rates_read_the_same_in_table_and_sentence_and_long_stays_are_flagged():
    """The synthetic page's case: a state buying 0.000000923 times a month is written alike in the table and the
    sentence. The expected stay 1 / (1 − a_kk) (closed form) past the data's span gets a note naming it; a stay
    within the span gets none (flipped by the span)."""
    summary = pd.DataFrame({"state": [0, 1, 2], "purchases_per_period": [9.23e-7, 0.4753, 6.1861],
                            "initial_share": [0.0, 1.0, 0.0], "p_stay": [1 - 1 / 713.87, 0.82, 1 - 1 / 25.43]})
    summary["expected_stay"] = 1 / (1 - summary["p_stay"])
    agreement = pd.DataFrame([[0.9, 0.1, 0.0]], index=["exploration"], columns=[0, 1, 2])
    states, _, _ = phase_text.hmm_tables(summary, pd.DataFrame(np.eye(3)), agreement, period="month")
    rates = states.cells["Purchases per month"].tolist()
    assert rates == ["0.000", "0.475", "6.186"]
    assert f"buy {rates[0]}, {rates[1]} and {rates[2]} times a month" in str(phase_text.hmm_sentence(summary, agreement,
                                                                                                 period="month"))
    assert states.cells["Expected stay (months, geometric)"].tolist() == ["713.9", "5.6", "25.4"]
    note = str(phase_text.hmm_stay_note(summary, periods=24, period="month"))
    assert "For state 1 (least active) it is 713.9 months and for state 3 (most active) 25.4 months, past the 24 months" in note
    assert "state 2" not in note
    assert phase_text.hmm_stay_note(summary, periods=800, period="month") is None


def test_the_single_purchase_rule_and_count_follow_the_entries():
    """The one-time buyers' threshold is max(min_silence, factor × median gap) (the rule's closed form): a median
    gap of 2 months gives more than 6 months, of 1 month more than 3 (flipped by the gap). The count of their
    entries is recounted from the frame; exploration's survival is quoted on both sides of the threshold only when
    the survival frame holds both months."""
    periods = pd.PeriodIndex(["1997-08", "1997-09", "1997-09", "1997-10", "1998-02"], freq="M")
    entries = pd.DataFrame({"period": periods, "single_purchase": [True, True, True, True, False]})
    entries.attrs.update(median_gap=2.0, single_purchase_silence=6.0)
    text = phase_text.single_purchase_dissolution_sentence(entries, period="month").plain
    assert "median gap between purchases of all customers (2 months)" in text
    assert "dissolved after more than 6 months without a purchase" in text
    assert "Of 5 entries into dissolution, 4 (80.0%) are of customers with a single purchase" in text
    assert "from 1997-08 to 1997-10, most in 1997-09 (2)" in text
    entries.attrs.update(median_gap=1.0, single_purchase_silence=3.0)
    few = entries.assign(single_purchase=[True, False, False, False, False])
    text = phase_text.single_purchase_dissolution_sentence(few, period="month").plain
    assert "(1 month)" in text and "more than 3 months" in text and "1 (20.0%)" in text and "all in 1997-08" in text
    survival = pd.DataFrame({"entry_phase": "exploration", "k": range(8), "survival": np.linspace(1, 0.3, 8)})
    text = phase_text.single_purchase_dissolution_sentence(few, period="month", survival=survival).plain
    assert "70.0% had not dissolved 3 months later and 60.0% 4 months later" in text
    short = survival[survival["k"] < 4]
    assert "had not dissolved" not in phase_text.single_purchase_dissolution_sentence(few, period="month",
                                                                                       survival=short).plain
    closing = phase_text.dissolution_reading_sentence(None, period="month", median_gap=2.0).plain
    assert "more than 6 months without a purchase" in closing
    assert "single purchase" not in phase_text.dissolution_reading_sentence(None, period="month").plain


def test_awareness_in_a_buying_hmm_state_is_explained_by_the_fitted_chain():
    """Each phase's state is named with its share in one parenthesis. Awareness (no purchases by definition) read
    as a buying state gets the reason from the fitted chain's start shares and the dormant state's stay; read as
    the least active state it needs none (flipped by the agreement table)."""
    summary = pd.DataFrame({"state": [0, 1, 2], "purchases_per_period": [0.0, 0.475, 6.19],
                            "initial_share": [0.0, 1.0, 0.0], "p_stay": [0.999, 0.82, 0.961]})
    agreement = pd.DataFrame([[0.0, 1.0, 0.0], [0.22, 0.18, 0.60]], index=["awareness", "expansion"], columns=[0, 1, 2])
    text = phase_text.hmm_sentence(summary, agreement, period="month").plain
    assert "state 3 (most active, 60.0%)" in text and ") (" not in text
    assert "Awareness has no purchases, yet it is not read as state 1 (least active)" in text
    assert "starts 100.0% of customers in state 2 and 0.0% in state 1 (least active)" in text
    assert "stays 99.9% a month" in text
    dormant = agreement.copy()
    dormant.loc["awareness"] = [0.9, 0.1, 0.0]
    text = phase_text.hmm_sentence(summary, dormant, period="month").plain
    assert "state 1 (least active, 90.0%)" in text and "Awareness has no purchases" not in text


def test_the_what_if_row_of_dissolved_customers_says_it_is_the_chance_of_staying_dissolved():
    """For a customer starting in dissolution, P(dissolution next period) is the chance of still being dissolved:
    the row and the caption say so, and only when the table has that row."""
    what_if = _what_if({"commitment": 100.0, "dissolution": 40.0})
    shown = phase_text.what_if_table(what_if, reduction=0.2, period="month")
    assert shown.cells["Phase"].tolist() == ["commitment", "dissolution (already dissolved: still dissolved)"]
    assert "chance of still being dissolved" in shown.caption
    active = phase_text.what_if_table(_what_if({"commitment": 100.0}), reduction=0.2, period="month")
    assert "still being dissolved" not in active.caption


def test_the_path_of_dwyers_sequence_names_only_the_phases_present():
    """The path runs through the phases of the transition matrix: with awareness, from awareness; without (CDNOW,
    no contacts), from exploration, saying awareness is left out."""
    phases = ["awareness", "exploration", "expansion", "commitment", "dissolution"]
    full = pd.DataFrame(0.2, index=phases, columns=phases)
    text = phase_text.transition_path_sentence(full).plain
    assert "path awareness → exploration → expansion → commitment;" in text and "left out" not in text
    text = phase_text.transition_path_sentence(full.drop(index="awareness", columns="awareness")).plain
    assert "path exploration → expansion → commitment (awareness" in text and "left out" in text


def test_the_cost_model_names_a_contact_cost_only_where_there_are_contacts():
    """Flipped frames: purchases only (CDNOW) say the contact cost adds nothing; recorded contacts name it."""
    bare = pd.DataFrame({"orders": [1, 2], "contacts": [0, 0]})
    text = str(phase_text.cost_model_sentence(bare, margin=0.3, cost_per_order=2.0, cost_per_contact=1.0))
    assert "$2.00 per order, set against" in text and "record no contacts" in text
    text = str(phase_text.cost_model_sentence(bare.assign(contacts=[0, 3]), margin=0.3, cost_per_order=2.0,
                                              cost_per_contact=1.0))
    assert "$2.00 per order and $1.00 per contact" in text and "no contacts" not in text


# ----- IMP frames -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def network():
    w = simulate_b2b_network(4, 10, 4, rng=8)
    bonds = layer_graph(build_network(w.actors, w.episodes, w.resource_ties, w.activity_links), "bond")
    return w, bonds


def test_brokerage_across_groups_and_the_broker_ranking_recount_the_roles(network):
    """Brute force: the across-group paths are the sum of the three across-group role columns, and
    the top brokers are the actors with the most of them (sorted here by Python)."""
    w, bonds = network
    roles = brokerage_roles(bonds, w.communities.to_dict())
    across = brokerage_across_groups(roles)
    for actor in list(roles.index)[:10]:
        assert across.loc[actor, "across_groups"] == sum(roles.loc[actor, r] for r in ("representative", "gatekeeper",
                                                                                       "liaison"))
    found = broker_recovery(roles, w.brokers)
    by_hand = sorted(roles.index, key=lambda v: (-across.loc[v, "across_groups"], str(v)))[: len(w.brokers)]
    assert found.loc[found["found"], "actor"].tolist() == by_hand
    assert set(found.loc[found["planted"], "actor"]) == set(w.brokers)


def test_community_recovery_counts_the_firms_in_their_clusters_community(network):
    """Purity recounted firm by firm: a firm is matched when its planted cluster is the majority
    cluster of its Louvain community."""
    w, bonds = network
    found = network_communities(bonds, rng=2)
    recovery = community_recovery(found, w.communities)
    majority = {c: w.communities[found[found == c].index].mode().iloc[0] for c in found.unique()}
    matched = sum(w.communities[v] == majority[found[v]] for v in found.index)
    assert recovery.attrs["matched"] == matched and recovery.attrs["actors"] == len(found)


def test_broker_positions_are_the_medians_of_each_group():
    """Hand-worked medians; the brokerage share pools the paths of the group's actors."""
    position = pd.DataFrame({"constraint": [0.2, 0.3, 0.4, 0.5], "effective_size": [6.0, 5.0, 3.0, 2.0],
                             "betweenness": [0.3, 0.2, 0.1, 0.0]}, index=["b1", "b2", "x", "y"])
    roles = pd.DataFrame({"representative": [2, 1, 0, 0], "gatekeeper": [2, 1, 0, 1], "liaison": [0, 0, 0, 0],
                          "total": [4, 4, 2, 2]}, index=position.index)
    table = broker_positions(position, ["b1", "b2"], roles=roles)
    assert table.loc["brokers", "constraint"] == pytest.approx(0.25) and table.loc["others", "constraint"] == 0.45
    assert table.loc["brokers", "share_across"] == pytest.approx(6 / 8)
    assert table.loc["others", "share_across"] == pytest.approx(1 / 4)


def test_impact_by_distance_on_the_path_where_a_tie_ends():
    """Hand-worked on the path A–B–C–D–E: ending C–D leaves C and D (distance 0) and B, E (1) and A (2);
    betweenness changes are recounted from the scenario's own before/after frames."""
    path = nx.path_graph(list("ABCDE"))
    nx.set_edge_attributes(path, 1.0, "weight")
    impact = relationship_change_impact(path, "C", "D")
    table = impact_by_distance(impact.affected_actors).set_index("distance")
    change = impact.position_change["betweenness"].abs()
    assert table.loc[0, "actors"] == 2 and table.loc[0, "max_abs_change"] == pytest.approx(change[["C", "D"]].max())
    assert table["actors"].sum() == len(impact.affected_actors)
    assert table["changed"].sum() == int((change > 1e-6).sum())


def test_asymmetry_bands_key_dyads_and_switch_parties_by_hand():
    power = pd.DataFrame({"power_asymmetry": [0.0, 0.05, -0.051, 0.2, 0.7, np.nan]})
    table = asymmetry_distribution(power)
    assert table["dyads"].tolist() == [2, 2, 0, 1] and table.attrs["dyads"] == 5
    strength = pd.DataFrame({"actor_a": ["A", "A", "B"], "actor_b": ["B", "C", "C"], "strength": [0.9, 0.5, 0.2],
                             "n_episodes": [10, 8, 9], "recency_days": [1.0, 20.0, 90.0]})
    assert key_dyads(strength, "A")["role"].tolist() == ["strongest", "quietest of the rich"]  # A–B is both strongest
    G = nx.Graph([("C1", "S1"), ("S2", "C2")])
    actors = pd.DataFrame({"actor_id": ["C1", "C2", "S1", "S2"], "type": ["customer", "customer", "supplier", "supplier"],
                           "country": ["SE", "DE", "SE", "DE"]})
    position = pd.DataFrame({"eigenvector": [0.1, 0.2, 0.5, 0.9]}, index=["C1", "C2", "S1", "S2"])
    supply = pd.DataFrame({"actor_a": ["C1", "C2"], "actor_b": ["S1", "S2"], "strength": [0.9, 0.4]})
    assert switch_parties(G, supply, actors, position) == ("C1", "S1", "S2")  # no other supplier in SE


# ----- IMP sentences ----------------------------------------------------------------------------


def test_imp_closing_bullets_follow_their_frames():
    """Flipped frames: few, then most dyads balanced; brokers less, then more constrained; a change
    reaching far, then only its neighbours; a quiet relationship losing strength, then not."""
    history = pd.DataFrame({"actor_a": "A", "actor_b": "B", "period": ["q1", "q2", "q3"], "strength": [0.4, 0.6, 0.5]})
    key = pd.DataFrame({"actor_a": ["A"], "actor_b": ["B"], "role": ["quietest of the rich"]})
    unequal = asymmetry_distribution(pd.DataFrame({"power_asymmetry": [0.01, 0.3, 0.4, 0.5, 0.6]}))
    balanced = asymmetry_distribution(pd.DataFrame({"power_asymmetry": [0.01, 0.02, 0.03, 0.5]}))
    open_ = pd.DataFrame({"actors": [4.0, 40.0], "constraint": [0.2, 0.3], "share_across": [0.7, 0.2]},
                         index=["brokers", "others"])
    closed = open_.assign(constraint=[0.4, 0.3])
    far = pd.DataFrame({"distance": [0, 1, 2, 3], "actors": [2, 3, 4, 5], "changed": [2, 3, 1, 1]})
    near = pd.DataFrame({"distance": [0, 1, 2], "actors": [2, 3, 4], "changed": [2, 3, 0]})
    text = str(imp_text.what_the_network_tells(history, key, unequal, open_, far, near))
    assert "Dependence is rarely symmetric (20.0% of relationships nearly balanced)" in text
    assert "less constrained (median 0.200 against 0.300)" in text
    assert "up to 3 steps away, switching supplier up to 1 steps away" in text
    assert "decays when the interaction stops (A – B fell from 0.600 to 0.500)" in text
    flat = history.assign(strength=[0.4, 0.5, 0.6])
    text = str(imp_text.what_the_network_tells(flat, key, balanced, closed, near, near))
    assert "Dependence is mostly balanced here (75.0%" in text and "rarely symmetric" not in text
    assert "not the open one the theory expects" in text and "less constrained" not in text
    assert "Here the changes stay close" in text and "has not yet lost strength" in text


def test_imp_sentences_name_what_the_tables_hold():
    """Brokers found and missed, communities against clusters, the ripple and its fading."""
    found = pd.DataFrame({"actor": ["X", "BR-1", "BR-2"], "rank": [1, 2, 5], "planted": [False, True, True],
                          "found": [True, True, False]})
    assert str(imp_text.broker_sentence(found)) == ("1 of the 2 planted brokers (BR-1) is among the 2 actors with the "
                                                   "most brokerage between groups; also there: X. Not found: BR-2 (rank 5).")
    ripple = pd.DataFrame({"distance": [0, 1, 2], "actors": [2, 4, 6], "changed": [2, 4, 3],
                           "mean_abs_change": [0.01, 0.02, 0.05], "max_abs_change": [0.02, 0.03, 0.06]})
    text = str(imp_text.impact_sentence("A–B ends", ripple, actors=20, disconnected_pairs=3))
    assert "rises from 0.0100 at the relationship itself to 0.0500 at 2 steps" in text
    assert "3 pairs of firms can no longer reach each other" in text
    table = imp_text.broker_table(found.assign(across_groups=[10.0, 8.0, 5.0], share_across=[0.5, 0.6, 0.4]))
    assert "Planted broker" in table.cells.columns
    users = imp_text.broker_table(found.assign(across_groups=[10.0, 8.0, 5.0], share_across=[0.5, 0.6, 0.4],
                                               planted=False))
    assert "Planted broker" not in users.cells.columns and "planted" not in (users.caption or "")
    recovery = pd.DataFrame([[5, 5]])
    recovery.attrs.update(matched=5, actors=10, communities=1, clusters=2)
    assert "fewer communities than there are clusters" in str(imp_text.community_sentence(recovery, modularity=0.1))


def test_the_dependence_bullet_counts_the_unequal_dyads():
    """The reviewer's case: 98 of 172 dyads within 5 points, 51 within 20, 23 beyond. The bullet and the sentence give
    the unequal dyads recounted from the power frame (|A − B| over 0.05 and over 0.2), and never that power "rarely"
    comes from unequal shares; flipped: none over 20 points, then every dyad balanced."""
    gaps = [0.01] * 98 + [-0.1] * 51 + [0.3] * 21 + [-0.6] * 2
    power = pd.DataFrame({"power_asymmetry": gaps})
    distribution = asymmetry_distribution(power)
    over5, over20 = int((power["power_asymmetry"].abs() > 0.05).sum()), int((power["power_asymmetry"].abs() > 0.2).sum())
    assert (over5, over20) == (74, 23)
    bullet = str(imp_text._dependence_bullet(distribution))
    assert f"{over5} relationships (43.0%) have a gap over 5 percentage points, {over20} (13.4%) over 20 points" in bullet
    assert "rarely" not in bullet
    assert "and 23 relationships (13.4%) have a gap over 20 points" in str(imp_text.asymmetry_sentence(distribution))
    moderate = asymmetry_distribution(pd.DataFrame({"power_asymmetry": [0.01] * 8 + [0.1] * 2}))
    assert "2 relationships (20.0%) have a gap over 5 percentage points, though none over 20 points" in str(
        imp_text._dependence_bullet(moderate))
    assert "and no relationship has a gap over 20 points" in str(imp_text.asymmetry_sentence(moderate))
    even = asymmetry_distribution(pd.DataFrame({"power_asymmetry": [0.01, -0.02, 0.0]}))
    assert "balanced in every relationship here" in str(imp_text._dependence_bullet(even))


def test_position_changes_read_alike_in_tables_and_sentences(network):
    """Changes in betweenness and constraint are written with four decimals in every table and sentence; a change
    too small for them is "less than 0.0001" in a sentence, never 0.00000903. With the page's threshold
    (VISIBLE_CHANGE) no firm counted as changed shows a largest change of 0.0000: checked on an ended relationship
    of a synthetic network, the counts recounted from the scenario's own frame."""
    ripple = pd.DataFrame({"distance": [0, 5], "actors": [2, 5], "changed": [2, 2],
                           "mean_abs_change": [0.013373, 0.00000903], "max_abs_change": [0.023886, 0.000023]})
    text = str(imp_text.impact_sentence("A–B ends", ripple, actors=52, disconnected_pairs=0))
    assert "falls from 0.0134 at the relationship itself to less than 0.0001 at 5 steps" in text
    assert imp_text.impact_table(ripple).cells.iloc[:, 3].tolist() == ["0.0134", "0.0000"]
    _, bonds = network
    a, b = sorted(bonds.edges)[0]
    ended = relationship_change_impact(bonds, a, b)
    table = impact_by_distance(ended.affected_actors, tol=imp_text.VISIBLE_CHANGE)
    shown = imp_text.impact_table(table).cells.set_index("Steps from the change")
    for (steps, row), changed in zip(shown.iterrows(), table["changed"]):
        assert (row["Largest change in betweenness (absolute)"] != "0.0000") == (changed > 0), steps
    visible = (ended.affected_actors["betweenness_change"].abs() > imp_text.VISIBLE_CHANGE).sum()
    assert table["changed"].sum() == visible
    cells = imp_text.affected_actors_table(ended.affected_actors).cells
    assert all(re.fullmatch(r"-?\d\.\d{4}", v) for v in cells["Change in betweenness"])


def test_power_asymmetry_is_shown_in_percentage_points_of_the_shares_beside_it():
    """Recount: the asymmetry cell is the difference of the two dependence cells, in percentage points."""
    power = pd.DataFrame({"actor_a": ["SE-05", "DE-01"], "actor_b": ["SE-07", "DE-11"], "dependence_a": [0.036, 0.645],
                          "dependence_b": [0.633, 0.133], "more_dependent": ["SE-07", "DE-01"]})
    power["power_asymmetry"] = power["dependence_a"] - power["dependence_b"]
    cells = imp_text.asymmetric_dyads_table(power).cells
    column = "Power asymmetry, A − B (percentage points)"
    assert cells[column].tolist() == ["-59.7", "51.2"]
    for _, row in cells.iterrows():
        assert _value(row[column]) == pytest.approx(_value(row["Dependence of A on B"]) - _value(row["Dependence of B on A"]))


def test_episode_counts_are_written_as_counts():
    """Whole quartiles of the episode counts have no ".0"; the mean keeps its decimal; a quartile between two counts
    keeps its half (flipped by adding a relationship)."""
    strength = pd.DataFrame({"n_episodes": [2, 6, 14, 25, 57], "frequency_per_year": 1.5, "recency_days": 10.0,
                             "duration_days": 300.0, "strength": 0.5})
    cells = imp_text.strength_summary_table(strength).cells.set_index("")["Episodes"]
    assert cells.tolist() == ["20.8", "6", "14", "25", "57"]
    more = pd.concat([strength, strength.iloc[[0]].assign(n_episodes=7)])  # median (7 + 14) / 2
    assert imp_text.strength_summary_table(more).cells.set_index("")["Episodes"]["Median"] == "10.5"


def test_the_leading_broker_is_named_with_its_ties():
    """The synthetic page's case: BR-1 ties BR-3 and BR-4 at 32 paths, DE-05 (not planted) brokers more; flipped:
    a planted broker ranked above BR-1 leads instead, and without a tie none is named. The leader is the
    best-ranked planted broker of broker_recovery (recounted from the roles by Python's sort)."""
    roles = pd.DataFrame({"representative": [28, 16, 16, 16, 15, 1], "gatekeeper": [28, 16, 16, 16, 15, 1],
                          "liaison": 0, "total": [106, 42, 46, 42, 44, 9]},
                         index=pd.Index(["DE-05", "BR-1", "BR-3", "BR-4", "BR-2", "X"], name="actor"))
    planted = ["BR-1", "BR-2", "BR-3", "BR-4"]
    found = broker_recovery(roles, planted)
    across = brokerage_across_groups(roles)
    by_hand = sorted(planted, key=lambda v: (-across.loc[v, "across_groups"], v))[0]
    assert imp_text.leading_broker(found) == by_hand == "BR-1"
    text = str(imp_text.leading_broker_sentence(found, across))
    assert "BR-1, the planted broker with the most brokered paths between groups (32), tied with BR-3 and BR-4" in text
    assert "DE-05, not a planted broker, brokers more (56)" in text
    roles.loc["BR-2", ["representative", "gatekeeper"]] = 20
    found, across = broker_recovery(roles, planted), brokerage_across_groups(roles)
    assert imp_text.leading_broker(found) == "BR-2"
    text = str(imp_text.leading_broker_sentence(found, across))
    assert "is BR-2" in text and "tied" not in text
    users = broker_recovery(roles, [], n=3)
    assert imp_text.leading_broker(users) == "DE-05"
    assert "the actor with the most brokered paths" in str(imp_text.leading_broker_sentence(users, across))


def test_communities_and_clusters_are_numbered_from_one(network):
    """Louvain communities (network_communities, position_table) and the planted clusters are numbered 1, 2, …,
    so the IMP and audit pages show the same numbers; the reader table shows them as they are."""
    w, bonds = network
    found = network_communities(bonds, rng=2)
    assert sorted(found.unique()) == list(range(1, found.nunique() + 1))
    assert sorted(w.communities.unique()) == list(range(1, w.communities.nunique() + 1))
    from crmlab.theories.imp import position_table

    assert position_table(bonds, rng=2)["community"].equals(found)
    table = imp_text.community_table(community_recovery(found, w.communities)).cells
    assert table["Louvain community"].tolist() == [str(c) for c in sorted(found.unique())]
    assert [c for c in table.columns if c.startswith("Cluster")] == [f"Cluster {k}" for k in sorted(w.communities.unique())]


def test_the_impact_figure_says_which_firms_it_draws_and_lists_every_distance():
    """Flipped: with fewer bars than affected firms the title says how many are drawn and the legend still lists
    every distance at which a firm is affected, marking the ones none of whose firms is drawn; with every firm
    drawn it says so and marks none."""
    from crmlab import plots

    affected = pd.DataFrame({"distance": [0, 1, 2, 3, 4], "betweenness_change": [-0.02, 0.01, 0.003, 0.0005, 0.0001]},
                            index=["A", "B", "C", "D", "E"])
    ax = plots.plot_connected_impact(affected, top=3, title="Switch").axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["0 steps", "1 step", "2 steps", "3 steps (none drawn)", "4 steps (none drawn)"]
    assert "the 3 of the 5 firms whose position changed" in ax.get_title()
    ax = plots.plot_connected_impact(affected, top=15).axes[0]
    assert not any("none drawn" in t.get_text() for t in ax.get_legend().get_texts())
    assert "all 5 firms whose position changed" in ax.get_title()


# ----- the executed pages -----------------------------------------------------------------------


def _hostile_network(folder: Path) -> Path:
    """A small synthetic network written as the four tables, with one broker renamed to a script tag."""
    w = simulate_b2b_network(3, 8, 2, rng=3)
    rename = {"BR-1": HOSTILE}
    for name, frame in (("actors", w.actors), ("episodes", w.episodes), ("resource_ties", w.resource_ties),
                        ("activity_links", w.activity_links)):
        frame.replace(rename).to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The two notebooks executed by the report pipeline on hostile inputs: a transactions file whose name
    is a tag and a currency that is one (lifecycle), an actor id that is one (IMP)."""
    from crmlab.reports import run_reports

    tmp = tmp_path_factory.mktemp("pages")
    sim = simulate_relationships(250, 18, rng=2)
    tx_file = tmp / f"{HOSTILE}.csv"
    sim.transactions.to_csv(tx_file, index=False)
    folder = tmp / "network"
    folder.mkdir()
    _hostile_network(folder)
    config = tmp / "reports.toml"
    config.write_text(f'''
[[run]]
name = "lifecycle_hostile"
notebook = "{ROOT / 'notebooks' / '03_relationship_lifecycle.ipynb'}"
[run.parameters]
source = {tx_file.as_posix()!r}
currency = "{HOSTILE}"

[[run]]
name = "imp_hostile"
notebook = "{ROOT / 'notebooks' / '04_imp_networks.ipynb'}"
[run.parameters]
source = {folder.as_posix()!r}
n_brokers = 2
''', encoding="utf-8")
    results = run_reports(config, output_dir=tmp / "out", jobs=2, progress=False)
    failed = {r.name: r.error for r in results if r.status != "succeeded"}
    assert not failed, failed
    return {r.name: BeautifulSoup((tmp / "out" / r.name / f"{r.name}.html").read_text("utf-8"), "html.parser")
            for r in results}


def _live(soup: BeautifulSoup) -> list:
    """Elements that could run a script: an event handler, a script, or an image that is not an inline figure."""
    handlers = [t for t in soup.find_all(True) if any(a.lower().startswith("on") for a in t.attrs)]
    images = [t for t in soup.find_all("img") if not str(t.get("src", "")).startswith("data:image/png;base64,")]
    scripts = [t for t in soup.find_all("script") if HOSTILE in t.get_text() or "alert(4)" in t.get_text()]
    return handlers + images + scripts


def _table(soup: BeautifulSoup, caption: str) -> pd.DataFrame:
    """The reader table with this caption, as text cells under its headers."""
    node = soup.find("caption", string=re.compile(re.escape(caption))).find_parent("table")
    headers = [th.get_text() for th in node.find("thead").find_all("th")]
    rows = [[td.get_text() for td in tr.find_all(["td", "th"])] for tr in node.find("tbody").find_all("tr")]
    return pd.DataFrame(rows, columns=headers)


def _closing_text(soup: BeautifulSoup, heading: str) -> str:
    return soup.find(lambda t: t.name == "h2" and heading in t.get_text()).find_next("ul").get_text(" ")


def _value(text: str) -> float:
    return float(text.replace(",", "").replace("%", "").replace("< ", ""))


@pytest.mark.slow
def test_hostile_parameters_and_data_come_out_inert(pages):
    """A file name, a currency and an actor id that are tags show as text on the pages, and no element
    of either page can run a script (read by BeautifulSoup)."""
    for name, soup in pages.items():
        assert not _live(soup), (name, _live(soup)[:3])
        assert HOSTILE in soup.get_text(), name  # the value is shown, as text


def test_the_lifecycle_page_concludes_what_its_tables_show(pages):
    """The closing bullets against the page's own tables: the longest or shortest spells, the share of
    customers stuck in exploration, and the sign of the cost logit."""
    soup = pages["lifecycle_hostile"]
    closing = _closing_text(soup, "Reading the phases")
    spells = _table(soup, "Time in each phase").set_index("Phase")
    means = spells.filter(like="Mean spell").iloc[:, 0].map(_value).reindex(["exploration", "expansion", "commitment"])
    if means.idxmax() == "commitment":
        assert "spells are the longest" in closing
    elif means.idxmin() == "commitment":
        assert "spells are the shortest" in closing
    reach = _table(soup, "How far relationships developed").set_index("Phase")
    stuck = reach.reindex(["awareness", "exploration"])["Got no further"].dropna().map(_value).sum()
    total = _value(reach.loc["exploration", "Customers who reached it"])
    assert ("Most relationships never leave exploration" in closing) == (2 * stuck > total)
    logit = _table(soup, "Logit of dissolution").set_index("Regressor").loc["Cost-to-serve ratio"]
    slope, p = _value(logit["Estimate"]), _value(logit["p"])
    if p < 0.05:
        assert ("leave more often" in closing) == (slope > 0)
    else:
        assert "does not predict dissolution" in closing


def test_the_imp_page_concludes_what_its_tables_show(pages):
    """The closing bullets against the page's own tables: balanced dyads, the brokers' constraint, and how
    far the ended relationship's effect reaches."""
    soup = pages["imp_hostile"]
    closing = _closing_text(soup, "What the network view tells")
    bands = _table(soup, "How unequal dependence is")
    balanced = _value(bands["Share"].iloc[0]) / 100
    if balanced < 0.25:
        assert "Dependence is rarely symmetric" in closing
    elif balanced >= 0.5:
        assert "Dependence is mostly balanced" in closing
    groups = _table(soup, "Brokers and the other firms").set_index("")
    less = _value(groups.loc["Brokers", "Median constraint"]) < _value(groups.loc["Other firms", "Median constraint"])
    assert ("are less constrained" in closing) == less
    ripple = _table(soup, "How far the change ripples")
    moved = ripple[ripple["Firms whose betweenness changed"].map(_value) > 0]["Steps from the change"]
    far = int(max(_value(d) for d in moved if d != "unreachable"))
    assert f"ending one changed the betweenness of firms up to {far} steps away" in closing or far < 2


def test_the_lifecycle_page_ranks_every_phase_and_counts_no_false_alarms_without_truth(pages):
    """The page's spell sentence against its own "Time in each phase" table (read back by BeautifulSoup): the phase
    called longest is the table's longest over every phase shown. On user data (no true phases) the page claims no
    rate of false alarms, the rules' check says it cannot be made, and the cost model names no contact cost when
    the transactions record no contacts."""
    soup = pages["lifecycle_hostile"]
    spells = _table(soup, "Time in each phase").set_index("Phase")
    means = spells.filter(like="Mean spell").iloc[:, 0].map(_value)
    sentence = soup.find(string=re.compile(r"lasts? longest"))
    longest, shortest = _first_clause_extremes(str(sentence))
    assert longest == _ties(means, True) and shortest == _ties(means, False)
    text = soup.get_text(" ")
    assert "few false alarms" not in text and "cannot be checked against one here" in text
    assert "record no contacts" in text


def test_the_imp_page_names_its_leading_broker_and_counts_unequal_dyads(pages):
    """Against the page's own tables (BeautifulSoup): the leading broker is the first row of the broker table and
    every actor listed with its count of brokered paths is named as tied; the closing bullet on dependence states
    the dyads beyond 5 points as the bands table counts them, or says that none are."""
    soup = pages["imp_hostile"]
    brokers = _table(soup, "The top brokers between groups")
    leader, paths = brokers.iloc[0]["Actor"], brokers.iloc[0]["Brokered paths between groups"]
    sentence = soup.find(string=re.compile("The leading broker followed below is")).parent.get_text()
    assert f"is {leader}, the actor with the most brokered paths between groups ({paths})" in sentence
    for actor in brokers.loc[brokers["Brokered paths between groups"] == paths, "Actor"].iloc[1:]:
        assert actor in sentence.split("tied with")[1]
    bands = _table(soup, "How unequal dependence is")
    counts = bands["Relationships"].map(_value)
    closing = _closing_text(soup, "What the network view tells")
    unequal = int(counts.iloc[1:].sum())
    if 2 * counts.iloc[0] >= counts.sum():  # mostly balanced: the unequal ones are counted
        assert (f"{unequal} relationship" in closing) if unequal else "balanced in every relationship" in closing
    assert "rarely comes from" not in closing
