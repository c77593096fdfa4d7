"""The satisfaction report's generated sentences: each says what its numbers say, and flips when they do."""

import numpy as np
import pandas as pd
import pytest

from crmlab.display import satisfaction as show
from crmlab.display.trust_commitment import pls_sentence, sem_path_frame, sem_path_table

RELIABLE = pd.DataFrame({"cronbach_alpha": [0.9, 0.8], "rho_a": [0.9, 0.8], "rho_c": [0.93, 0.88], "ave": [0.7, 0.6]},
                        index=["Quality", "Loyalty"])
FL = pd.DataFrame([[0.84, np.nan], [0.5, 0.77]], index=["Quality", "Loyalty"], columns=["Quality", "Loyalty"])
PAIRS = pd.DataFrame({"first": ["Quality"], "second": ["Loyalty"], "htmt": [0.6], "lower": [0.5], "upper": [0.7]})


def test_quality_sentence_flips_on_a_failed_threshold_fornell_larcker_and_htmt():
    good = str(show.quality_sentence(RELIABLE, {"Quality": 7, "Loyalty": 3}, FL, PAIRS))
    assert "2 meet every threshold" in good and "the constructs are distinct" in good
    weak = RELIABLE.assign(ave=[0.7, 0.45])
    bad = str(show.quality_sentence(weak, {"Quality": 7, "Loyalty": 3}, FL.assign(Quality=[0.84, 0.9]),
                                    PAIRS.assign(htmt=[0.93], upper=[1.02])))
    assert "1 meets every threshold" in bad and "loyalty misses on AVE (0.450)" in bad
    assert "does not exceed" in bad and "may not be distinct" in bad and "distinct." not in bad.split("may not")[0]


def test_paths_sentence_counts_intervals_and_coverage_of_the_truth():
    paths = pd.DataFrame({"predictor": ["Quality", "Value"], "outcome": ["Satisfaction"] * 2, "estimate": [0.5, 0.1],
                          "lower": [0.4, 0.02], "upper": [0.6, 0.18], "true_path": [0.45, 0.1]})
    text = str(show.paths_sentence(paths))
    assert text.startswith("2 of the 2 paths have") and "cover the planted path for 2 of the 2 paths." in text
    flipped = str(show.paths_sentence(paths.assign(lower=[0.4, -0.05], true_path=[0.7, 0.1])))
    assert flipped.startswith("1 of the 2 paths has") and "includes zero" in flipped
    assert "they miss quality → satisfaction (planted 0.700)" in flipped
    assert "smaller in size than the planted path" in flipped  # 0.5 < 0.7: attenuation


def test_chain_sentence_flips_between_mostly_direct_and_mostly_indirect():
    chain = pd.DataFrame({"construct": ["Satisfaction"], "direct": [0.45], "indirect": [0.05], "total": [0.5]})
    assert "mostly directly" in str(show.chain_sentence(chain))
    assert "mostly through other constructs" in str(show.chain_sentence(chain.assign(direct=[0.1], indirect=[0.4])))


def test_chain_frame_sums_direct_and_indirect_and_plants_totals_by_the_closed_form():
    """Closed form: with paths I→S 0.5, S→L 0.4, I→L 0.2 the total effect of I on L is 0.2 + 0.5·0.4 = 0.4."""
    names = ["Image", "Satisfaction", "Loyalty"]
    direct = pd.DataFrame(0.0, index=names, columns=names)
    direct.loc["Image", "Satisfaction"], direct.loc["Satisfaction", "Loyalty"], direct.loc["Image", "Loyalty"] = 0.5, 0.4, 0.2
    total = direct.copy()
    total.loc["Image", "Loyalty"] = 0.4
    truth = {("Image", "Satisfaction"): 0.5, ("Satisfaction", "Loyalty"): 0.4, ("Image", "Loyalty"): 0.2}
    chain = show.chain_frame(total, direct, truth=truth).set_index("construct")
    assert chain.loc["Image", "indirect"] == pytest.approx(0.2) and chain.loc["Image", "true_total"] == pytest.approx(0.4)


def test_predictive_sentence_uses_chins_and_cohens_words():
    paths = pd.DataFrame({"predictor": ["Quality"], "outcome": ["Satisfaction"], "estimate": [0.5], "f2": [0.4]})
    assert "(substantial by Chin's 1998 rule)" in str(show.predictive_sentence(pd.Series({"Satisfaction": 0.7}), paths))
    text = str(show.predictive_sentence(pd.Series({"Satisfaction": 0.25}), paths.assign(f2=[0.1])))
    assert "(weak by Chin's 1998 rule)" in text and "small by Cohen's 1988 rule" in text


def _mga(p_values):
    index = pd.MultiIndex.from_tuples([("Satisfaction", "Loyalty"), ("Image", "Loyalty")], names=["predictor", "outcome"])
    return pd.DataFrame({"branch": [0.5, 0.2], "online": [0.2, 0.2], "difference": [0.3, 0.0], "p_value": p_values},
                        index=index)


def test_multigroup_sentence_flips_on_the_test_and_on_invariance_and_checks_the_planted_difference():
    micom = pd.DataFrame({"invariance": ["full", "partial"]}, index=["Satisfaction", "Loyalty"])
    truth = {"branch": {("Satisfaction", "Loyalty"): 0.5, ("Image", "Loyalty"): 0.2},
             "online": {("Satisfaction", "Loyalty"): 0.2, ("Image", "Loyalty"): 0.2}}
    found = str(show.multigroup_sentence(_mga([0.01, 0.7]), micom, ("branch", "online"), truth=truth))
    assert "1 of the 2 paths differs" in found and "1 planted difference: 1 found, and 0 differences flagged" in found
    missed = str(show.multigroup_sentence(_mga([0.2, 0.7]), micom, ("branch", "online"), truth=truth))
    assert "No path differs" in missed and "0 found" in missed
    broken = str(show.multigroup_sentence(_mga([0.2, 0.7]), micom.assign(invariance=["none", "full"]), ("A", "B"),
                                          placebo=True))
    assert "no compositional invariance for satisfaction" in broken and "drawn at random" in broken
    assert "flagged by chance too" in broken


def test_trust_commitment_table_and_sentence_carry_the_pls_estimate():
    ols = pd.DataFrame({"predictor": ["trust"], "outcome": ["uncertainty"], "std_estimate": [-0.37]})
    pls = pd.DataFrame({"from": ["trust"], "to": ["uncertainty"], "estimate": [-0.41]})
    frame = sem_path_frame(ols, None, {("trust", "uncertainty"): -0.5}, pls_paths=pls)
    assert list(frame.columns) == ["predictor", "outcome", "ols", "pls", "sem", "true_path"]
    shown = str(sem_path_table(frame))
    assert "β, PLS" in shown and "latent SEM" not in shown  # no SEM column when the SEM did not run
    text = str(pls_sentence(frame))
    assert "larger in size than OLS on scale scores for 1 of 1" in text and "did not run" in text
    assert "correct" not in text.split("did not run")[0]
    worse = str(pls_sentence(frame.assign(pls=[-0.3])))
    assert "larger in size than OLS on scale scores for 0 of 1" in worse and "no closer to the truth" in worse


def test_prediction_sentence_flips_with_the_items_pls_predicts_better():
    metrics = pd.DataFrame({"item": ["CUSL1", "CUSL2"], "pls_beats_lm": [True, True], "q2_predict": [0.2, 0.1]})
    assert "on 2 of the 2 endogenous items: high predictive power" in str(show.prediction_sentence(metrics, "high", 10))
    none = str(show.prediction_sentence(metrics.assign(pls_beats_lm=False, q2_predict=-0.1), "none", 10))
    assert "on 0 of the 2 endogenous items: no predictive power" in none and "(Q²_predict > 0) on 0 of the 2" in none
