"""Reliability of multi-item scales (crmlab.stats.reliability), on synthetic surveys with known loadings.

Each test says which independent check it is: a hand-worked example, a closed form, a
second implementation, or a synthetic survey with known loadings (ground truth).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.stats import (
    average_variance_extracted,
    composite_reliability,
    cronbach_alpha,
    item_total_correlations,
    scale_reliability,
    standardized_loadings,
)
from crmlab.theories.trust_commitment import simulate_kmv_survey


def test_alpha_from_the_covariance_matrix():
    """Second implementation: α = k/(k−1) · (1 − tr(C) / 1'C1) from the item covariance matrix C."""
    items = simulate_kmv_survey(300, rng=4).responses[["trust_1", "trust_2", "trust_3"]]
    C = np.cov(items.to_numpy().T)
    k = 3
    assert cronbach_alpha(items) == pytest.approx(k / (k - 1) * (1 - np.trace(C) / C.sum()))


def test_alpha_equals_pingouin():
    """Second implementation: pingouin.cronbach_alpha (another library) on the same items."""
    pg = pytest.importorskip("pingouin")
    survey = simulate_kmv_survey(300, rng=14).responses
    for construct in ("trust", "commitment", "uncertainty"):
        items = survey[[f"{construct}_{j}" for j in (1, 2, 3)]]
        assert cronbach_alpha(items) == pytest.approx(pg.cronbach_alpha(items)[0], rel=1e-12)


def test_reliability_of_parallel_items_matches_its_closed_form():
    """Closed form / ground truth: k parallel continuous items with loading λ have standardised
    loadings λ, AVE = λ², and α = CR = kλ²/(1 + (k−1)λ²) (Spearman–Brown)."""
    lam, k = 0.7, 4
    survey = simulate_kmv_survey(20_000, loading=lam, items_per_construct=k, discrete=False, rng=5).responses
    items = survey[[f"trust_{j}" for j in range(1, k + 1)]]
    expected = k * lam**2 / (1 + (k - 1) * lam**2)
    loadings = standardized_loadings(items)
    np.testing.assert_allclose(loadings, lam, atol=0.02)
    assert cronbach_alpha(items) == pytest.approx(expected, abs=0.01)
    assert composite_reliability(loadings) == pytest.approx(expected, abs=0.01)
    assert average_variance_extracted(loadings) == pytest.approx(lam**2, abs=0.02)
    # corrected item-total correlation: λ·(k−1)λ / sqrt((k−1)(1 + (k−2)λ²))
    item_total = lam * (k - 1) * lam / np.sqrt((k - 1) * (1 + (k - 2) * lam**2))
    np.testing.assert_allclose(item_total_correlations(items), item_total, atol=0.02)


def test_scale_reliability_by_hand():
    """Hand-worked: items a_1 = 1..5 (variance 2.5) and a_2 = 2,2,3,5,5 (variance 2.3), whose sum has
    variance 9.3: α = 2·(1 − 4.8/9.3); two items load √r each, so CR and AVE follow from r alone;
    a one-item construct gets its item count only."""
    data = pd.DataFrame({"a_1": [1, 2, 3, 4, 5], "a_2": [2, 2, 3, 5, 5], "b_1": [3, 1, 2, 2, 1]})
    table = scale_reliability(data, {"a": ["a_1", "a_2"], "b": ["b_1"]}).set_index("construct")
    assert table.loc["a", "cronbach_alpha"] == pytest.approx(2 * (1 - 4.8 / 9.3))
    r = np.corrcoef(data["a_1"], data["a_2"])[0, 1]
    assert table.loc["a", "ave"] == pytest.approx(r)
    assert table.loc["a", "composite_reliability"] == pytest.approx(4 * r / (4 * r + 2 * (1 - r)))
    assert table.loc["a", "min_item_total"] == pytest.approx(r)
    assert table.loc["b", "items"] == 1 and np.isnan(table.loc["b", "cronbach_alpha"])
    b_with_a = abs(np.corrcoef(data[["a_1", "a_2"]].mean(axis=1), data["b_1"])[0, 1])
    assert table.loc["a", "max_correlation"] == pytest.approx(b_with_a)
    assert bool(table.loc["a", "discriminant_ok"]) == (np.sqrt(r) > b_with_a)


def test_a_scale_needs_two_items_and_three_answers():
    with pytest.raises(ValueError, match="at least two items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(ValueError, match="three complete responses"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2], "b": [2, 1]}))
