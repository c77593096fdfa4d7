"""Relationship quality → customer value (crmlab.theories.trust_commitment.quality_value): a world with known effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import GammaGamma, ParetoNBD
from crmlab.clv.covariates import likelihood_ratio_test
from crmlab.theories.trust_commitment.quality_value import (
    QUALITY_EFFECTS,
    fit_quality_value_models,
    quality_effect_table,
    quality_holdout_accuracy,
    quality_tercile_value,
    quality_terciles,
    simulate_relationship_quality,
)


@pytest.fixture(scope="module")
def world():
    return simulate_relationship_quality(3000, rng=5)


def test_world_is_seeded_and_reports_its_attenuation(world):
    """Ground truth: the same seed gives the same world; q is standardised; κ is the least-squares slope of q on
    the score (an independent np.polyfit), below 1 because the survey measures q with error, and the attenuated
    effects are the planted ones × κ."""
    again = simulate_relationship_quality(3000, rng=5)
    pd.testing.assert_frame_equal(world.summary, again.summary)
    q, s = world.truth["quality"], world.summary["relationship_quality"]
    assert q.mean() == pytest.approx(0, abs=1e-12) and q.std(ddof=0) == pytest.approx(1)
    assert world.kappa == pytest.approx(np.polyfit(s, q, 1)[0], rel=1e-9)
    assert 0.8 < world.kappa < 1
    assert world.attenuated_effects == pytest.approx({k: v * world.kappa for k, v in QUALITY_EFFECTS.items()})


def test_more_items_measure_quality_better():
    """Measurement theory (Spearman–Brown): more items per scale give a more reliable score, so κ rises towards 1."""
    few = simulate_relationship_quality(2000, items_per_construct=2, rng=1).kappa
    many = simulate_relationship_quality(2000, items_per_construct=8, rng=1).kappa
    assert few < many < 1


def test_spend_effect_is_recovered_from_latent_quality_and_attenuated_from_the_score(world):
    """Ground truth: the Gamma-Gamma with the latent q as spend covariate recovers the planted effect, and with
    the survey score the attenuated one (planted × κ), each within 3 standard errors."""
    frame = world.summary.assign(latent=world.truth["quality"])
    latent = GammaGamma().fit(frame, spend_covariates=["latent"])
    scored = GammaGamma().fit(frame, spend_covariates=["relationship_quality"])
    assert abs(latent.params_["spend: latent"] - QUALITY_EFFECTS["spend"]) < 3 * latent.standard_errors_["spend: latent"]
    name = "spend: relationship_quality"
    assert abs(scored.params_[name] - world.attenuated_effects["spend"]) < 3 * scored.standard_errors_[name]


def test_terciles_split_the_customers_in_three_equal_groups(world):
    """Terciles of the score: three groups of a third each, ordered by the score."""
    terciles = quality_terciles(world.summary)
    counts = terciles.value_counts()
    assert list(terciles.cat.categories) == ["low", "middle", "high"] and counts.max() - counts.min() <= 1
    means = world.summary["relationship_quality"].groupby(terciles, observed=True).mean()
    assert means.is_monotonic_increasing


def test_bad_world_arguments_are_refused():
    """Bad input: unknown effect names, too few customers, a holdout of no length."""
    with pytest.raises(ValueError, match="unknown effects"):
        simulate_relationship_quality(100, effects={"loyalty": 1.0})
    with pytest.raises(ValueError, match="≥ 50"):
        simulate_relationship_quality(10)
    with pytest.raises(ValueError, match="holdout_weeks"):
        simulate_relationship_quality(100, holdout_weeks=0)


@pytest.fixture(scope="module")
def fitted(world):
    return fit_quality_value_models(world.summary)


@pytest.mark.slow
def test_purchase_and_dropout_effects_recovered_attenuated_by_the_score(world, fitted):
    """Ground truth: the Pareto/NBD with the score as purchase and dropout covariate recovers the planted effects
    × κ within 3 standard errors, and the effects table says the 95% intervals hold them; fitted on the latent q
    instead, it recovers the unattenuated planted effects."""
    table = quality_effect_table(world, fitted)
    assert np.all(np.abs(table["estimate"] - table["attenuated"]) < 3 * table["se"])
    assert table["covers_attenuated"].all()
    latent = ParetoNBD().fit(world.summary.assign(latent=world.truth["quality"]), purchase_covariates=["latent"],
                             dropout_covariates=["latent"])
    for process in ("purchase", "dropout"):
        name = f"{process}: latent"
        assert abs(latent.params_[name] - QUALITY_EFFECTS[process]) < 3 * latent.standard_errors_[name]


@pytest.mark.slow
def test_the_score_improves_holdout_predictions_and_the_fit(world, fitted):
    """Holdout check against the world's truth: with the score, each customer's holdout purchases are predicted
    with a smaller mean absolute error, and AIC and the LR tests prefer the models with the score."""
    accuracy = quality_holdout_accuracy(world, fitted)
    without, with_ = accuracy.loc["without relationship quality"], accuracy.loc["with relationship quality"]
    assert with_["mae_purchases"] < without["mae_purchases"] and with_["AIC"] < without["AIC"]
    assert likelihood_ratio_test(fitted.transactions_with_quality, fitted.transactions).p_value < 1e-6


@pytest.mark.slow
def test_clv_rises_with_relationship_quality_tercile(world, fitted):
    """Ground truth: CLV per customer rises from the low to the high tercile, as the actual holdout value does in
    the world; the parameter-draw intervals hold their estimates and separate the low and high terciles; the model
    with the score is closer to the actual holdout value of the two extreme terciles than the one without."""
    terciles = quality_tercile_value(world, fitted, draws=40, rng=3)
    assert terciles["clv"].is_monotonic_increasing and terciles["actual_holdout_value"].is_monotonic_increasing
    assert ((terciles["lower"] <= terciles["clv"]) & (terciles["clv"] <= terciles["upper"])).all()
    assert terciles.loc["high", "lower"] > terciles.loc["low", "upper"]
    error = {k: (terciles[f"holdout_{k}"] - terciles["actual_holdout_value"]).abs()[["low", "high"]] for k in ("with", "without")}
    assert (error["with"] < error["without"]).all()
    assert terciles["customers"].sum() == len(world.summary)
