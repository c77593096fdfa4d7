"""The synthetic ECSI survey: planted paths, item reliability and segments."""

import numpy as np
import pandas as pd
import pytest

from crmlab.theories.satisfaction import (
    DEFAULT_PATHS,
    ECSI_CONSTRUCTS,
    ECSI_PATHS,
    simulate_satisfaction_survey,
    true_score_paths,
)


def test_true_scores_carry_the_planted_standardised_paths_in_each_segment():
    """Synthetic world with known truth: OLS on the true scores of a large survey recovers each
    segment's planted paths (sampling error of n = 20,000 per segment: about 0.01)."""
    survey = simulate_satisfaction_survey(40_000, rng=11)
    for segment, rows in survey.latent.groupby("channel"):
        ols = true_score_paths(rows, survey.structure)
        planted = pd.Series(survey.paths[segment]).reindex(ols.index)
        np.testing.assert_allclose(ols.to_numpy(), planted.to_numpy(), atol=0.03)
    assert survey.paths["online"][("Satisfaction", "Loyalty")] != survey.paths["branch"][("Satisfaction", "Loyalty")]


def test_latent_scores_are_standardised_and_items_have_the_planted_loading():
    """Closed form: Var(η) = 1 by construction, and corr(item, η) = λ for continuous items."""
    survey = simulate_satisfaction_survey(20_000, loading=0.7, discrete=False, segment_paths={}, rng=3)
    latent = survey.latent[list(ECSI_CONSTRUCTS)]
    np.testing.assert_allclose(latent.std(), 1, atol=0.03)
    for construct, items in ECSI_CONSTRUCTS.items():
        r = survey.responses[items].corrwith(survey.latent[construct])
        np.testing.assert_allclose(r, 0.7, atol=0.02)


def test_discrete_items_use_the_whole_scale_and_the_mobi_item_names():
    survey = simulate_satisfaction_survey(500, rng=5)
    items = [i for v in ECSI_CONSTRUCTS.values() for i in v]
    assert list(survey.responses.columns) == [*items, "channel"]
    assert len(items) == 24
    assert survey.responses[items].min().min() == 1 and survey.responses[items].max().max() == 10


def test_segment_shares_give_exact_counts():
    survey = simulate_satisfaction_survey(101, segments={"a": 0.3, "b": 0.7}, segment_paths={}, rng=1)
    assert survey.responses["channel"].value_counts().to_dict() == {"b": 71, "a": 30}


def test_same_seed_same_survey():
    a = simulate_satisfaction_survey(50, rng=9).responses
    b = simulate_satisfaction_survey(50, rng=9).responses
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"loading": 1.2}, "loading must be in"),
        ({"paths": {("Image", "Expectation"): 0.5}}, "each of the 12 ECSI paths"),
        ({"segments": {"a": 0.5, "b": 0.4}}, "shares summing to 1"),
        ({"segment_paths": {"web": {("Image", "Loyalty"): 0.1}}}, "names segment 'web'"),
        ({"paths": {**DEFAULT_PATHS, ("Satisfaction", "Loyalty"): 1.2}}, "explain"),
    ],
)
def test_impossible_worlds_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_satisfaction_survey(100, rng=1, **kwargs)


def test_true_score_paths_follow_the_structure_order():
    survey = simulate_satisfaction_survey(200, rng=4)
    assert list(true_score_paths(survey.latent, ECSI_PATHS).index) == ECSI_PATHS


def test_pls_paths_converge_to_ols_on_the_true_scores_as_items_become_reliable():
    """Consistency at large (Wold 1982): with more reliable items the PLS composites approach the true scores, so
    the PLS paths approach OLS on the true scores; the largest gap shrinks with each step of the loading and is
    under 0.01 when every item's reliability is 0.99 (continuous items, same respondents' latent scores)."""
    from crmlab.stats.pls import PLSModel, reflective

    gaps = []
    for loading in (0.6, 0.8, 0.95, 0.995):
        survey = simulate_satisfaction_survey(2000, loading=loading, discrete=False, segment_paths={}, rng=8)
        model = PLSModel({c: reflective(items) for c, items in survey.constructs.items()}, survey.structure)
        fit = model.fit(survey.responses)
        pls = np.array([fit.path_coefficients.loc[p, o] for p, o in survey.structure])
        gaps.append(float(np.abs(pls - true_score_paths(survey.latent, survey.structure).to_numpy()).max()))
    assert gaps == sorted(gaps, reverse=True), gaps
    assert gaps[-1] < 0.01 and gaps[0] > 0.05, gaps


def _coverage(loading: float, reference) -> float:
    """Share of 95% percentile-bootstrap intervals (199 resamples) over 25 surveys × 12 paths that cover ``reference``
    (path → value)."""
    from crmlab.stats.pls import PLSModel, reflective

    hits = []
    for world in range(25):
        survey = simulate_satisfaction_survey(400, loading=loading, discrete=False, segment_paths={}, rng=300 + world)
        model = PLSModel({c: reflective(items) for c, items in survey.constructs.items()}, survey.structure)
        boot = model.fit(survey.responses).bootstrap(199, rng=world).paths
        truth = np.array([reference[(p, o)] for p, o in zip(boot["from"], boot["to"], strict=True)])
        hits.extend((boot["lower"] <= truth) & (truth <= boot["upper"]))
    return float(np.mean(hits))


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_planted_paths_at_about_the_nominal_rate_when_items_are_reliable():
    """Synthetic worlds with known truth: with item reliability 0.94 (loading 0.97) PLS is nearly unbiased, and the
    95% bootstrap intervals cover the planted paths in about 95% of 300 intervals (25 surveys × 12 paths; tolerance
    88%–99%, about three binomial standard errors)."""
    assert 0.88 <= _coverage(0.97, DEFAULT_PATHS) <= 0.99


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_pls_estimand_at_about_the_nominal_rate():
    """With item reliability 0.64 (loading 0.8) PLS paths are attenuated, so the intervals are checked against what
    PLS estimates in the population: the fit on one survey of 200,000 respondents of the same world (sampling error
    about 0.002). Same tolerance as above."""
    from crmlab.stats.pls import PLSModel, reflective

    population = simulate_satisfaction_survey(200_000, loading=0.8, discrete=False, segment_paths={}, rng=1)
    model = PLSModel({c: reflective(items) for c, items in population.constructs.items()}, population.structure)
    estimand = model.fit(population.responses).paths.set_index(["from", "to"])["estimate"].to_dict()
    assert 0.88 <= _coverage(0.8, estimand) <= 0.99
