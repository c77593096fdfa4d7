"""The Anglo-Australian school (crmlab.theories.stakeholders): the satisfaction → retention →
profit mediation against synthetic chains with known effects and the Baron–Kenny identity, and the
six-markets map against hand-worked scores and simulated markets with known relationship scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from crmlab.data import DataError
from crmlab.theories.stakeholders import (
    SIX_MARKETS,
    SatisfactionChain,
    read_stakeholder_ratings,
    simulate_satisfaction_chain,
    simulate_stakeholder_ratings,
    six_markets_map,
)


@pytest.fixture(scope="module")
def chain_world():
    return simulate_satisfaction_chain(3000, rng=3)


def test_chain_recovers_the_known_effects(chain_world):
    """Synthetic ground truth: a, b, c′, a·b and the standardised effects of 3,000 simulated units
    are recovered (within 3 standard errors for a, b, c′; the standardised indirect within 0.03)."""
    chain = SatisfactionChain().fit(chain_world.data)
    truth = chain_world.truth
    raw = chain.path_model_.raw_results_
    assert abs(chain.a_ - truth["a"]) < 3 * raw["retention"].bse["satisfaction"]
    assert abs(chain.b_ - truth["b"]) < 3 * raw["profit"].bse["retention"]
    assert abs(chain.direct_ - truth["direct"]) < 3 * raw["profit"].bse["satisfaction"]
    assert chain.indirect_ == pytest.approx(truth["indirect"], rel=0.08)
    effects = chain.effects().set_index(["cause", "outcome"])
    assert effects.loc[("satisfaction", "profit"), "indirect"] == pytest.approx(truth["std_indirect"], abs=0.03)
    assert effects.loc[("satisfaction", "retention"), "direct"] == pytest.approx(truth["std_a"], abs=0.03)
    assert chain.table.set_index("hypothesis").loc[["C1", "C2"], "supported"].all()


def test_indirect_effect_is_total_minus_direct():
    """Second implementation (Baron & Kenny 1986): with OLS, the slope of profit on satisfaction
    alone (statsmodels, fitted here) minus the direct effect c′ equals a·b exactly."""
    data = simulate_satisfaction_chain(200, rng=9).data
    chain = SatisfactionChain().fit(data)
    total = smf.ols("profit ~ satisfaction", data).fit().params["satisfaction"]
    assert chain.total_ == pytest.approx(total, rel=1e-10)
    assert total - chain.direct_ == pytest.approx(chain.a_ * chain.b_, rel=1e-10)


@pytest.mark.slow
def test_bootstrap_interval_is_seeded_and_covers_the_truth():
    """Synthetic ground truth and reproducibility: the raw (statsmodels Mediation) and standardised
    (PathModel) bootstrap intervals contain the true indirect effects, the bootstrap mean of the
    ACME is close to a·b, and the same seed gives the same intervals."""
    world = simulate_satisfaction_chain(400, rng=4)
    chain = SatisfactionChain().fit(world.data)
    first = chain.indirect_effect(n_boot=300, rng=7)
    assert first.loc["raw", "ci_low"] < world.truth["indirect"] < first.loc["raw", "ci_high"]
    assert first.loc["standardised", "ci_low"] < world.truth["std_indirect"] < first.loc["standardised", "ci_high"]
    assert first.loc["raw", "bootstrap_mean"] == pytest.approx(chain.indirect_, rel=0.05)
    assert first["significant"].all()
    pd.testing.assert_frame_equal(first, chain.indirect_effect(n_boot=300, rng=7))
    with pytest.raises(ValueError, match="n_boot"):
        chain.indirect_effect(n_boot=10)


def test_no_mediation_when_retention_does_not_pay():
    """Synthetic ground truth: with b = 0 (retention does not drive profit) the bootstrap interval
    of the indirect effect contains 0."""
    world = simulate_satisfaction_chain(300, b=0.0, direct=2.0, rng=5)
    result = SatisfactionChain().fit(world.data).indirect_effect(n_boot=300, rng=1)
    assert result.loc["raw", "ci_low"] < 0 < result.loc["raw", "ci_high"]
    assert not result.loc["raw", "significant"]


def test_controls_enter_both_equations():
    """Synthetic ground truth with a confounder: unit size drives satisfaction (+0.5 per sd) and
    profit (+3 per sd), not retention. Without the control a and b (so a·b) are unbiased but c′
    absorbs size: its bias is 3·cov(size, sat)/var(sat) = 3·0.5/(0.8² + 0.5²) ≈ 1.69 (omitted-variable
    formula); with size controlled in both equations c′, a, b and size's own effects are recovered."""
    gen = np.random.default_rng(8)
    n, a, b, direct = 4000, 0.05, 50.0, 1.0
    size = gen.normal(0, 1, n)
    sat = 5.0 + gen.normal(0, 0.8, n) + 0.5 * size
    retention = 0.75 + a * (sat - 5.0) + gen.normal(0, 0.03, n)
    profit = 40.0 + direct * (sat - 5.0) + b * (retention - 0.75) + 3.0 * size + gen.normal(0, 2.0, n)
    data = pd.DataFrame({"satisfaction": sat, "retention": retention, "profit": profit, "size": size})
    bias = 3.0 * 0.5 / (0.8**2 + 0.5**2)

    naive = SatisfactionChain().fit(data)
    naive_se = naive.path_model_.raw_results_["profit"].bse["satisfaction"]
    assert abs(naive.direct_ - (direct + bias)) < 4 * naive_se  # biased by the omitted confounder ...
    assert abs(naive.direct_ - direct) > 10 * naive_se
    assert naive.indirect_ == pytest.approx(a * b, rel=0.1)  # ... while a·b is not

    chain = SatisfactionChain(controls=["size"]).fit(data)
    raw = chain.path_model_.raw_results_
    assert "size" in chain.path_model_.equations["profit"] and "size" in chain.path_model_.equations["retention"]
    assert abs(chain.direct_ - direct) < 3 * raw["profit"].bse["satisfaction"]
    assert abs(chain.a_ - a) < 3 * raw["retention"].bse["satisfaction"]
    assert abs(chain.b_ - b) < 3 * raw["profit"].bse["retention"]
    assert raw["profit"].params["size"] == pytest.approx(3.0, abs=4 * raw["profit"].bse["size"])
    assert abs(raw["retention"].params["size"]) < 4 * raw["retention"].bse["size"]


def test_bad_chain_data_are_named():
    """Bad input: a retention rate above 1 and a missing profit are reported by row and column."""
    data = simulate_satisfaction_chain(20, rng=1).data
    data.loc[3, "retention"] = 1.3
    data.loc[5, "profit"] = np.nan
    with pytest.raises(DataError) as err:
        SatisfactionChain().fit(data)
    assert "row 5, column 'profit': missing value" in str(err.value)
    data.loc[5, "profit"] = 10.0
    with pytest.raises(DataError, match="row 3, column 'retention': outside the scale"):
        SatisfactionChain().fit(data)


def test_six_markets_map_hand_worked():
    """Hand-worked: a stakeholder's score is 100·(mean item − 1)/6; customer market (7, 5, 6, 6)
    and (3, 3, 3, 3) → 83.33 and 33.33, mean 58.33; internal (4, 4, 4, 4) → 50; the other four
    markets unrated (n = 0, NaN); the emphasis gap is desired − current; the weakest is internal."""
    ratings = pd.DataFrame({"market": ["customer", "customer", "internal"], "trust": [7, 3, 4], "commitment": [5, 3, 4],
                            "satisfaction": [6, 3, 4], "communication": [6, 3, 4]})
    emphasis = pd.DataFrame({"current": [8, 2, 3, 1, 4, 5], "desired": [8, 6, 5, 4, 4, 7]}, index=list(SIX_MARKETS))
    out = six_markets_map(ratings, emphasis=emphasis)
    assert list(out.index) == list(SIX_MARKETS)
    assert out.loc["customer", "relationship_score"] == pytest.approx((250 / 3 + 100 / 3) / 2)
    assert out.loc["internal", "relationship_score"] == pytest.approx(50.0)
    assert out.loc["referral", "n"] == 0 and np.isnan(out.loc["referral", "relationship_score"])
    assert out["emphasis_gap"].tolist() == [0, 4, 2, 3, 0, 2]
    assert out.index[out["weakest"]].tolist() == ["internal"]
    assert out.loc["customer", "trust"] == 5.0


def test_six_markets_map_recovers_the_simulated_scores():
    """Synthetic ground truth: with 2,000 stakeholders per market each market's score is within its
    99.9% interval of the true (clipped) score (all six covered with probability 0.994), and the
    weakest market is the one set weakest."""
    world = simulate_stakeholder_ratings(2000, true_scores={"influence": 30.0}, rng=2)
    out = six_markets_map(world.ratings, emphasis=world.emphasis, confidence=0.999)
    for market in SIX_MARKETS:
        assert out.loc[market, "ci_low"] < world.truth[market] < out.loc[market, "ci_high"], market
    assert out.index[out["weakest"]].tolist() == ["influence"]


def test_bad_stakeholder_ratings_are_named(tmp_path):
    """Bad input from a file: an unknown market, a rating of 9 and a word are named with the file
    and the 1-based row under the header."""
    path = tmp_path / "stakeholders.csv"
    path.write_text("market,trust,commitment,satisfaction,communication\n"
                    "customer,5,5,5,5\npress,4,4,4,4\ninternal,9,4,high,4\n")
    with pytest.raises(DataError, match="row 2, column 'market': must be one of customer"):
        read_stakeholder_ratings(path)
    path.write_text("market,trust,commitment,satisfaction,communication\ncustomer,5,5,5,5\ninternal,9,4,high,4\n")
    with pytest.raises(DataError) as err:
        read_stakeholder_ratings(path)
    text = str(err.value)
    assert text.startswith(str(path))
    assert "row 2, column 'trust': outside the scale 1–7 ('9')" in text
    assert "row 2, column 'satisfaction': not a number ('high')" in text


def test_six_markets_figure_draws_the_scores():
    """The spider diagram's first line is the six relationship scores, closed back to the first."""
    from crmlab import plots

    world = simulate_stakeholder_ratings(30, rng=1)
    markets = six_markets_map(world.ratings, emphasis=world.emphasis)
    lines = plots.plot_six_markets(markets).axes[0].lines
    np.testing.assert_allclose(lines[0].get_ydata(), np.append(markets["relationship_score"], markets["relationship_score"].iloc[0]))
    np.testing.assert_allclose(lines[2].get_ydata()[:-1], 10 * markets["desired_emphasis"])


def test_mediation_figure_labels_the_paths():
    """The mediation triangle labels a, b and c′ with the standardised estimates of the path table."""
    from crmlab import plots

    chain = SatisfactionChain().fit(simulate_satisfaction_chain(200, rng=1).data)
    texts = [t.get_text() for t in plots.plot_mediation(chain.table).axes[0].texts]
    std = chain.table.set_index(["predictor", "outcome"])["std_estimate"]
    assert f"a = {std[('satisfaction', 'retention')]:+.2f} (p < 0.001)" in texts
    assert f"b = {std[('retention', 'profit')]:+.2f} (p < 0.001)" in texts
    assert any(t.startswith(f"c′ = {std[('satisfaction', 'profit')]:+.2f}") for t in texts)
