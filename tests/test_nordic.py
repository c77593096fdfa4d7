"""Nordic School triplet (crmlab.theories.nordic): hand-computed scores, bad logs, and a synthetic
world where a latent relationship quality drives interaction, dialogue, value and retention."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab.data import DataError
from crmlab.theories.nordic import (
    dialogue_scores,
    dimension_correlations,
    episodes,
    interaction_scores,
    next_period_activity,
    predictive_validity,
    read_interactions,
    relationship_levels,
    sequences,
    simulate_interactions,
    subindicator_alpha,
    triplet_profile,
    value_in_use,
    value_scores,
)

SMALL = pd.DataFrame({
    "act_id": ["a1", "a2", "a3", "a4", "a5", "b1"],
    "customer_id": ["A", "A", "A", "A", "A", "B"],
    "timestamp": ["2021-01-04 09:00", "2021-01-04 13:00", "2021-01-20 10:00", "2021-01-21 10:00", "2021-03-01 08:00",
                  "2021-02-01 12:00"],
    "initiator": ["customer", "firm", "firm", "customer", "customer", "firm"],
    "channel": ["email", "email", "phone", "phone", "chat", "email"],
    "reply_to": [None, "a1", None, "a3", None, None],
    "duration": [10, 20, 30, 30, 5, 15],
    "outcome_value": [0, 100, 0, 50, 0, 0],
    "satisfaction": [None, 4, None, 5, None, None],
})


def test_hand_computed_levels_and_scores():
    """Hand-computed on a 6-act log (episode gap 2 days):
    A's episodes: {a1, a2} (outcome 100, completed), {a3, a4} (outcome 50, completed), {a5} (open);
    B: {b1}. A's Q1: 5 acts; gaps 4 h, 15 d 21 h, 1 d, 38 d 22 h; channels 3 of 3; completion 2/3;
    customer acts a1, a4, a5 → two-wayness 3/5; the firm answered a1 (4 h): response 1/3;
    the customer answered a3 (24 h): response 1/2; turn-taking 1 − |3 − 2|/5 = 0.8;
    value: benefit 150, satisfaction 4.5, effort 3 customer acts / 2 completed = 1.5,
    time (10+20+30+30+5) min / 3 episodes = 0.5278 h."""
    log = read_interactions(SMALL)
    eps = episodes(log)
    a = eps[eps["customer_id"] == "A"]
    assert a["n_acts"].tolist() == [2, 2, 1] and a["completed"].tolist() == [True, True, False]
    assert a["outcome_value"].tolist() == [100.0, 50.0, 0.0]
    seqs = sequences(eps, "30D")
    assert seqs.loc[seqs["customer_id"] == "A", "n_episodes"].tolist() == [2, 1]  # a5 is 39 days after a4
    levels = relationship_levels(log).set_index("customer_id")
    assert levels.loc["A", "n_sequences"] == 2 and levels.loc["B", "n_acts"] == 1
    inter = interaction_scores(log).set_index("customer_id").loc["A"]
    gaps = np.array([4, 15 * 24 + 21, 24, 38 * 24 + 22], dtype=float)
    assert inter["intensity"] == 5 and inter["breadth"] == 1.0
    assert inter["regularity"] == pytest.approx(1 / (1 + gaps.std(ddof=1) / gaps.mean()))
    assert inter["completion"] == pytest.approx(2 / 3)
    dia = dialogue_scores(log).set_index("customer_id").loc["A"]
    assert dia["two_wayness"] == pytest.approx(0.6)
    assert dia["firm_response_rate"] == pytest.approx(1 / 3) and dia["firm_latency_hours"] == pytest.approx(4.0)
    assert dia["customer_response_rate"] == pytest.approx(0.5) and dia["customer_latency_hours"] == pytest.approx(24.0)
    assert dia["turn_taking"] == pytest.approx(0.8)
    val = value_scores(log).set_index("customer_id").loc["A"]
    assert val["benefit"] == 150 and val["satisfaction"] == 4.5 and val["effort"] == 1.5
    assert val["time_hours"] == pytest.approx(95 / 60 / 3)


def test_bad_logs_are_named_by_row_and_column():
    bad = SMALL.copy()
    bad.loc[1, "reply_to"] = "zz"  # unknown act
    bad.loc[3, "timestamp"] = "2021-01-19 10:00"  # before a3, which it answers
    bad.loc[5, "initiator"] = "partner"
    bad.loc[2, "satisfaction"] = 9
    with pytest.raises(DataError) as info:
        read_interactions(bad)
    text = str(info.value)
    assert "row 1, column 'reply_to': reply to an unknown act ('zz')" in text
    assert "row 3, column 'timestamp': timestamps out of order" in text
    assert "row 5, column 'initiator': initiator must be 'customer' or 'firm' ('partner')" in text
    assert "row 2, column 'satisfaction': outside the scale 1–5" in text
    with pytest.raises(DataError, match="duplicate act id"):
        read_interactions(pd.concat([SMALL, SMALL.iloc[[0]]], ignore_index=True))
    with pytest.raises(DataError, match="column 'initiator': missing column"):
        read_interactions(SMALL.drop(columns="initiator"))
    other = SMALL.copy()
    other.loc[5, "reply_to"] = "a1"
    with pytest.raises(DataError, match="reply to an act of another customer"):
        read_interactions(other)


def test_a_log_file_is_read_like_a_frame_and_recorded(tmp_path, monkeypatch):
    """The file route: the same log as a CSV gives the same table; its rows are numbered from 1 under
    the header in messages; the file is recorded for report provenance; an empty file is an error."""
    monkeypatch.setenv("CRMLAB_DATA_LOG", str(tmp_path / "read.log"))
    path = tmp_path / "acts.csv"
    SMALL.to_csv(path, index=False)
    from_file = read_interactions(path)
    pd.testing.assert_frame_equal(from_file.reset_index(drop=True), read_interactions(SMALL).reset_index(drop=True),
                                  check_dtype=False)
    assert str(path.resolve()) in (tmp_path / "read.log").read_text()
    bad = SMALL.copy()
    bad.loc[4, "initiator"] = "partner"
    bad.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"acts.csv: 1 problem\n  row 5, column 'initiator'"):
        read_interactions(path)
    path.write_text("")
    with pytest.raises(DataError, match="file is empty"):
        read_interactions(path)


def test_profile_weights_and_value_in_use():
    """Definitions: with all weight on one dimension the triplet is that index; value in use is the
    least-squares trend of a customer's value over periods (a linear series gives its slope)."""
    world = simulate_interactions(200, 4, rng=3)
    log = read_interactions(world.log)
    parts = (interaction_scores(log), dialogue_scores(log), value_scores(log))
    only = triplet_profile(*parts, weights={"interaction": 1, "dialogue": 0, "value": 0})
    complete = only.dropna(subset=["interaction", "dialogue", "value"])
    np.testing.assert_allclose(complete["triplet"], complete["interaction"])
    with pytest.raises(ValueError, match="weights"):
        triplet_profile(*parts, weights={"trust": 1})
    series = pd.DataFrame({"customer_id": "x", "period": ["2021Q1", "2021Q2", "2021Q3"], "benefit": [10.0, 15.0, 20.0]})
    assert value_in_use(series)["trend"].item() == pytest.approx(5.0)


@pytest.fixture(scope="module")
def world_profile():
    world = simulate_interactions(1200, 8, rng=7)
    log = read_interactions(world.log)
    profile = triplet_profile(interaction_scores(log), dialogue_scores(log), value_scores(log))
    return world, log, profile


def test_scores_rank_customers_by_latent_quality(world_profile):
    """Ground truth: the customers' mean triplet score ranks them by their latent relationship
    quality with Spearman ≥ 0.7; each dimension correlates positively with it."""
    world, _, profile = world_profile
    per = profile.groupby("customer_id")[["interaction", "dialogue", "value", "triplet"]].mean()
    quality = world.quality.reindex(per.index)
    rho = {c: stats.spearmanr(per[c], quality, nan_policy="omit")[0] for c in per.columns}
    assert rho["triplet"] >= 0.7, rho
    assert min(rho.values()) > 0.4, rho


def test_validity_tables(world_profile):
    """Ground truth: in the simulation retention rises with quality, so the logit's odds ratios of all
    three indices exceed 1 (the true signs), with intervals above 1; the three indices correlate
    positively but are not the same (discriminant: r < 0.9)."""
    _, log, profile = world_profile
    table, result = predictive_validity(profile, next_period_activity(log))
    assert (table["odds_ratio"] > 1).all() and (table["ci_low"] > 1).all(), table
    corr = dimension_correlations(profile)
    off = corr.to_numpy()[np.triu_indices(3, 1)]
    assert (off > 0).all() and (off < 0.9).all()
    alphas = subindicator_alpha(profile)
    assert alphas["indicators"].tolist() == [4, 4, 4] and alphas["cronbach_alpha"].notna().all()


def test_nordic_figures_draw_the_profiles(world_profile):
    from crmlab import plots

    _, _, profile = world_profile
    segments = profile.groupby(profile["triplet"] > 0)[["interaction", "dialogue", "value"]].mean()
    ax = plots.plot_triplet_profiles(segments).axes[0]
    heights = sorted(round(p.get_height(), 9) for p in ax.patches)
    assert heights == sorted(round(v, 9) for v in segments.to_numpy().ravel())
    assert plots.plot_score_distributions(profile).axes[0].get_ylabel() == "standardised score"


def test_reply_ids_compare_by_value(tmp_path):
    """Definition: act ids are compared by value. A log whose act_id is integers and whose reply_to is a
    float column (NaN for no reply, 1.0 for act 1) is valid, as a frame and as the CSV pandas writes from
    it (reply_to "1.0"); the replies point at acts 1 and 3. A reversed satisfaction scale is refused."""
    log = SMALL.assign(act_id=[1, 2, 3, 4, 5, 6], reply_to=[np.nan, 1.0, np.nan, 3.0, np.nan, np.nan])
    assert log["reply_to"].dtype == float
    read = read_interactions(log)
    assert read.set_index("act_id").loc[["2", "4"], "reply_to"].tolist() == ["1", "3"]
    path = tmp_path / "acts.csv"
    log.to_csv(path, index=False)
    assert "1.0" in path.read_text()
    pd.testing.assert_frame_equal(read_interactions(path).reset_index(drop=True), read.reset_index(drop=True),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(dialogue_scores(read_interactions(path)), dialogue_scores(read_interactions(SMALL)))
    with pytest.raises(DataError, match=r"row 1, column 'reply_to': reply to an unknown act \(7.0\)"):
        read_interactions(log.assign(reply_to=[np.nan, 7.0, np.nan, 3.0, np.nan, np.nan]))
    with pytest.raises(DataError, match=r"row 0, column 'act_id': missing act id \(None\)"):
        read_interactions(log.assign(act_id=pd.Series([None, 2, 3, 4, 5, 6], dtype=object)))
    with pytest.raises(ValueError, match=r"satisfaction_scale must be \(lowest, highest\) with lowest < highest, got \(5, 1\)"):
        read_interactions(SMALL, satisfaction_scale=(5, 1))
