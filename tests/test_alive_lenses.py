"""Two views of "lost" reconciled: each model's P(alive) shares, the expected number alive with its
interval, and the words that explain why the lenses differ (crmlab.audit.alive_lenses,
crmlab.display.audit.lost_lenses_sentences).

The interval is checked against the exact Poisson-binomial distribution computed by convolution (a
second implementation); the models' one-time buyers against the models' definitions on CDNOW (the
BG/NBD keeps them at P(alive) = 1, Fader, Hardie & Lee 2005, eq. 11); the sentences where they flip.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.audit import alive_count_interval, alive_lenses
from crmlab.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from crmlab.customers import transaction_summary
from crmlab.data import DataError, load_cdnow
from crmlab.display.audit import lost_lenses_sentences


def _poisson_binomial(p):
    """The exact distribution of the number of successes of independent Bernoulli(pᵢ), by convolution."""
    dist = np.array([1.0])
    for q in p:
        dist = np.convolve(dist, [1 - q, q])
    return dist


def test_interval_against_the_exact_poisson_binomial():
    """Second implementation: the normal approximation's 95% interval lies within one customer of the
    exact 2.5% and 97.5% quantiles, and the mean equals the exact distribution's mean."""
    p = np.random.default_rng(4).beta(0.8, 0.6, 600)
    dist = _poisson_binomial(p)
    cdf = np.cumsum(dist)
    mean, low, high = alive_count_interval(p)
    assert mean == pytest.approx(np.arange(len(dist)) @ dist)
    assert abs(low - np.searchsorted(cdf, 0.025)) <= 1 and abs(high - np.searchsorted(cdf, 0.975)) <= 1
    assert alive_count_interval([1.0, 1.0]) == (2.0, 2.0, 2.0)  # certainty: no interval
    assert alive_count_interval([0.5], confidence=0.99)[1:] == (0.0, 1.0)  # clipped to [0, n]
    with pytest.raises(ValueError, match="confidence"):
        alive_count_interval(p, confidence=1.0)


@pytest.fixture(scope="module")
def cdnow_lenses():
    summary = transaction_summary(load_cdnow(), observation_end="1998-06-30", freq="D", time_unit="W")
    models = {name: cls().fit(summary) for name, cls in
              (("BG/NBD", BetaGeo), ("MBG/NBD", ModifiedBetaGeo), ("Pareto/NBD", ParetoNBD))}
    return summary, models, alive_lenses(summary, models).set_index("model")


def test_cdnow_lenses_follow_the_models_definitions(cdnow_lenses):
    """On CDNOW's whole history: the BG/NBD's one-time buyers have P(alive) = 1 exactly, the MBG/NBD's and
    Pareto/NBD's less, so those two count more customers lost; Σ P(alive) recomputed from the models."""
    summary, models, lenses = cdnow_lenses
    assert lenses.loc["BG/NBD", "one_time_alive"] == 1.0
    assert lenses["one_time_buyers"].eq(int((summary["frequency"] == 0).sum())).all()
    for name in ("MBG/NBD", "Pareto/NBD"):
        assert lenses.loc[name, "one_time_alive"] < 0.9
        assert lenses.loc[name, "likely_lost"] > lenses.loc["BG/NBD", "likely_lost"]
        p = models[name].probability_alive(summary)
        assert lenses.loc[name, "expected_alive"] == pytest.approx(p.sum())
        assert lenses.loc[name, "likely_lost"] == pytest.approx((p < 0.5).mean())
    assert (lenses["expected_alive_low"] < lenses["expected_alive"]).all()
    assert (lenses["expected_alive"] < lenses["expected_alive_high"]).all()
    said = lost_lenses_sentences(lenses.reset_index(), dissolution_share=0.672).plain
    assert "keeps every one of them at P(alive) = 100%" in said
    with pytest.raises(DataError, match="recency"):
        alive_lenses(summary.drop(columns=["recency"]), models)
    late = summary.head(3).assign(recency=[0.0, 500.0, 0.0])
    with pytest.raises(DataError, match=rf"row {late.index[1]}, column 'recency': recency is after T \(500.0\)"):
        alive_lenses(late, models)


def _lenses(lost, one_time_alive, once=100):
    k = len(lost)
    return pd.DataFrame({"model": ["BG/NBD", "MBG/NBD", "Pareto/NBD"][:k], "customers": [1000] * k,
                         "likely_lost": lost, "expected_alive": [700.0] * k, "expected_alive_low": [680.0] * k,
                         "expected_alive_high": [720.0] * k, "one_time_buyers": [once] * k,
                         "one_time_alive": one_time_alive})


def test_sentences_flip_with_the_numbers():
    """The reason given is the one the numbers support: the one-time buyers, agreement, or repeat buyers;
    the phase share set above, below or within the models' range."""
    one_time = lost_lenses_sentences(_lenses([0.2, 0.5, 0.55], [1.0, 0.4, 0.35])).plain
    assert ("the BG/NBD lets a customer drop out only after a repeat purchase, so it keeps every one of them at "
            "P(alive) = 100% however long their silence, while the MBG/NBD gives them 40.0% on average and the "
            "Pareto/NBD 35.0%.") in one_time
    assert "The BG/NBD counts 20.0% of the 1,000 customers likely lost (P(alive) below 50%), the MBG/NBD 50.0% and " \
           "the Pareto/NBD 55.0%." in one_time
    assert "phase rules" not in one_time  # no dissolution share given
    agree = lost_lenses_sentences(_lenses([0.30, 0.32], [1.0, 0.98])).plain
    assert "The models agree: their shares likely lost lie within 2.0% of each other." in agree
    repeat = lost_lenses_sentences(_lenses([0.30, 0.45], [0.9, 0.9])).plain
    assert "differ by 15.0% on the share likely lost, not through the one-time buyers" in repeat
    no_once = lost_lenses_sentences(_lenses([0.30, 0.45], [np.nan, np.nan], once=0)).plain
    assert "differ by 15.0% on the share likely lost: they weigh a repeat buyer's silence" in no_once
    above = lost_lenses_sentences(_lenses([0.2, 0.5], [1.0, 0.4]), dissolution_share=0.67).plain
    assert "The phase rules put 67.0% in dissolution, more than the BG/NBD (20.0%) and the MBG/NBD (50.0%) count lost:" in above
    below = lost_lenses_sentences(_lenses([0.2, 0.5], [1.0, 0.4]), dissolution_share=0.05).plain
    assert "in dissolution, fewer than the BG/NBD (20.0%) and the MBG/NBD (50.0%) count lost:" in below
    within = lost_lenses_sentences(_lenses([0.2, 0.5, 0.7], [1.0, 0.4, 0.3]), dissolution_share=0.672).plain
    assert ("in dissolution, more than the BG/NBD (20.0%) and the MBG/NBD (50.0%) count lost and about as many as "
            "the Pareto/NBD (70.0%):") in within
    alone = lost_lenses_sentences(_lenses([0.2], [1.0])).plain
    assert alone.startswith("The BG/NBD counts 20.0% of the 1,000 customers likely lost (P(alive) below 50%).")
    assert "the interval holds the parameters fixed" in alone and "differ" not in alone
