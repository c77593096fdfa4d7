"""Trust–commitment (KMV) theory: survey checks, reliability, path analysis, rival model, SEM.

Each test says which independent check it is: a hand-worked example, a closed form, a
second implementation, or a synthetic survey with known paths and loadings (ground truth).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.data import DataError
from crmlab.theories.trust_commitment import (
    DEFAULT_PATHS,
    PathModel,
    average_variance_extracted,
    compare_path_models,
    composite_reliability,
    cronbach_alpha,
    item_total_correlations,
    kmv_model,
    reliability_table,
    rival_model,
    scale_scores,
    simulate_kmv_survey,
    standardized_loadings,
    validate_survey,
)
from crmlab.theories.trust_commitment.paths import KMV_PATHS


def exact_scores(n, rng):
    """Ground truth without measurement error: one continuous item per construct, loading 1."""
    survey = simulate_kmv_survey(n, loading=1.0, items_per_construct=1, discrete=False, rng=rng)
    return survey, scale_scores(survey.responses)


# ----- survey data -------------------------------------------------------------------------------


def test_bad_surveys_are_named_by_row_and_column():
    survey = pd.DataFrame(
        {"trust_1": [5, 9, 4, 3, 3], "trust_2": [5, 2, None, 3, "x"], "commitment_1": [2, 3, 4, 3, 6]},
        index=["r1", "r2", "r3", "r4", "r5"],
    )
    with pytest.raises(DataError) as info:
        validate_survey(survey, source="kmv.csv")
    text = str(info.value)
    assert text.startswith("kmv.csv: 4 problems")
    assert "row r2, column 'trust_1': outside the scale 1–7 (9.0)" in text
    assert "row r3, column 'trust_2': missing answer" in text
    assert "row r5, column 'trust_2': not a number ('x')" in text
    assert "row r4: constant responder" in text
    flagged = validate_survey(survey, on_invalid="flag")
    assert flagged["invalid"].tolist() == [False, True, True, True, True]
    assert "outside the scale" in flagged.loc["r2", "problems"]
    assert scale_scores(flagged).index.tolist() == ["r1"]
    with pytest.raises(DataError, match="column 'trust_3': missing item column"):
        validate_survey(survey, {"trust": ["trust_1", "trust_3"]})
    with pytest.raises(ValueError, match="on_invalid"):
        validate_survey(survey, on_invalid="ignore")


def test_reverse_coded_items_are_recoded():
    """Definition: a reverse-coded answer a becomes (min + max) − a; the simulated reverse item
    then correlates positively with its construct's other items."""
    survey = simulate_kmv_survey(400, reverse_items=["trust_3"], rng=2)
    raw = survey.responses
    assert np.corrcoef(raw["trust_1"], raw["trust_3"])[0, 1] < 0
    recoded = validate_survey(raw, reverse=["trust_3"])
    np.testing.assert_array_equal(recoded["trust_3"], 8 - raw["trust_3"])
    assert np.corrcoef(recoded["trust_1"], recoded["trust_3"])[0, 1] > 0.3
    with pytest.raises(DataError, match="reverse-coded item is not an item"):
        validate_survey(raw, reverse=["loyalty_1"])


# ----- reliability -------------------------------------------------------------------------------


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


def test_reliability_table_rows():
    survey = simulate_kmv_survey(500, rng=6).responses
    table = reliability_table(survey)
    assert len(table) == 12 and (table["items"] == 3).all()
    assert (table["cronbach_alpha"] > 0.7).all() and table["discriminant_ok"].all()
    assert set(table.columns) >= {"composite_reliability", "ave", "min_item_total", "sqrt_ave", "max_correlation"}


# ----- path analysis ------------------------------------------------------------------------------


def test_confidence_intervals_cover_the_true_paths_at_their_rate():
    """Ground truth: over 100 simulated surveys of 250 respondents measured without error, the
    95% intervals of the 13 KMV paths contain the true standardised path about 95% of the time
    (1,300 intervals: a binomial standard error of 0.6 points)."""
    rng = np.random.default_rng(7)
    covered, total = 0, 0
    for _ in range(100):
        survey, scores = exact_scores(250, rng)
        table = kmv_model().fit(scores).table
        truth = table.apply(lambda r: survey.paths[(r["predictor"], r["outcome"])], axis=1)
        covered += int(((table["ci_low"] <= truth) & (truth <= table["ci_high"])).sum())
        total += len(table)
    assert 0.93 <= covered / total <= 0.97, covered / total


def test_correlation_matrix_route_equals_raw_data_route():
    """Second implementation: the same standardised paths, SEs, t, p, R² and log-likelihood from a
    correlation matrix and N as from OLS on the raw scores; raw slopes from the SDs."""
    survey = simulate_kmv_survey(400, rng=8)
    scores = scale_scores(survey.responses)
    raw = kmv_model().fit(scores)
    published = kmv_model().fit_correlations(scores.corr(), n_obs=len(scores), std=scores.std(ddof=1).to_dict())
    for column in ("std_estimate", "se", "t", "p", "ci_low", "ci_high", "r_squared", "estimate"):
        np.testing.assert_allclose(published.table[column], raw.table[column], rtol=1e-8, atol=1e-12, err_msg=column)
    assert published.log_likelihood_ == pytest.approx(raw.log_likelihood_)
    with pytest.raises(ValueError, match="not a correlation matrix"):
        kmv_model().fit_correlations(scores.cov(), n_obs=400)


def test_indirect_effects_are_products_of_paths():
    """Closed form: the indirect effect of shared values on acquiescence is
    (β_sv→c + β_sv→t·β_t→c)·β_c→acq − direct (0), from the fitted coefficients."""
    _, scores = exact_scores(600, 9)
    model = kmv_model().fit(scores)
    b = {(r.predictor, r.outcome): r.std_estimate for r in model.table.itertuples()}
    expected = (b[("shared_values", "commitment")] + b[("shared_values", "trust")] * b[("trust", "commitment")]) * b[("commitment", "acquiescence")]
    effects = model.effects().set_index(["cause", "outcome"])
    assert effects.loc[("shared_values", "acquiescence"), "indirect"] == pytest.approx(expected)
    assert effects.loc[("shared_values", "acquiescence"), "direct"] == 0
    assert effects.loc[("communication", "trust"), "indirect"] == 0


def test_bootstrap_intervals_cover_true_indirect_effects():
    """Ground truth: bootstrap 95% intervals of the indirect effects (n = 800, no measurement
    error) contain the population indirect effects of the simulation's paths, nearly all."""
    survey, scores = exact_scores(800, 10)
    model = kmv_model().fit(scores)
    ie = model.indirect_effects(n_boot=400, rng=1)
    truth_model = kmv_model()
    coef = {o: {p: survey.paths[(p, o)] for p in ps} for o, ps in truth_model.equations.items()}
    D, names = truth_model._matrices(coef)
    T = PathModel._total(D)
    idx = {v: i for i, v in enumerate(names)}
    true = [T[idx[o], idx[c]] - D[idx[o], idx[c]] for c, o in zip(ie["cause"], ie["outcome"], strict=True)]
    inside = (ie["ci_low"] <= true) & (np.array(true) <= ie["ci_high"])
    assert inside.mean() >= 0.85 and len(ie) >= 20
    again = model.indirect_effects(n_boot=400, rng=1)
    pd.testing.assert_frame_equal(ie, again)  # seeded


def test_kmv_beats_its_rival_on_kmv_data():
    """Ground truth: on data generated by the KMV model, KMV's hypotheses are all supported and
    its AIC is lower than the rival's, whose extra direct paths mostly fail (M&H 1994's argument)."""
    _, scores = exact_scores(1500, 11)
    kmv, rival = kmv_model().fit(scores), rival_model().fit(scores)
    table = compare_path_models(kmv, rival).set_index("model")
    assert table.loc["KMV model", "share_supported"] == 1.0
    assert table.loc["rival model", "share_supported"] < 0.7
    assert table.loc["KMV model", "AIC"] < table.loc["rival model", "AIC"]
    assert table.loc["KMV model", "parameters"] < table.loc["rival model", "parameters"]
    assert table.loc["rival model", "log_likelihood"] >= table.loc["KMV model", "log_likelihood"]  # nests KMV


def test_path_model_definitions_are_checked():
    assert len(KMV_PATHS) == 13
    with pytest.raises(ValueError, match="before it is explained"):
        PathModel({"commitment": ["trust"], "trust": ["communication"]})
    with pytest.raises(ValueError, match="not a path of the model"):
        PathModel({"trust": ["communication"]}, [KMV_PATHS[0]])
    with pytest.raises(ValueError, match="no scores for"):
        kmv_model().fit(pd.DataFrame({"trust": [1.0, 2.0]}))


def test_simulation_rejects_impossible_paths():
    paths = dict(DEFAULT_PATHS)
    paths[("communication", "trust")] = 1.2
    with pytest.raises(ValueError, match="explain"):
        simulate_kmv_survey(100, paths=paths, rng=1)


# ----- latent-variable SEM (optional) ------------------------------------------------------------


def test_sem_corrects_the_attenuation_of_scale_scores():
    """Ground truth: with loadings of 0.7, OLS paths on scale scores are attenuated; the latent
    SEM (semopy) gets closer to the true paths and fits well (CFI ≥ 0.95, RMSEA ≤ 0.06, SRMR ≤ 0.08)."""
    pytest.importorskip("semopy")
    from crmlab.theories.trust_commitment import fit_sem

    survey = simulate_kmv_survey(1000, loading=0.7, rng=12)
    result = fit_sem(survey.responses)
    ols = kmv_model().fit(scale_scores(survey.responses)).table
    truth = ols.apply(lambda r: survey.paths[(r["predictor"], r["outcome"])], axis=1).to_numpy()
    sem = result.paths.set_index(["predictor", "outcome"]).loc[list(zip(ols["predictor"], ols["outcome"], strict=True)), "std_estimate"]
    assert np.abs(sem.to_numpy() - truth).mean() < np.abs(ols["std_estimate"].to_numpy() - truth).mean()
    assert result.fit["CFI"] >= 0.95 and result.fit["RMSEA"] <= 0.06 and result.fit["SRMR"] <= 0.08
    assert len(result.loadings) == 36


def test_read_survey_and_path_diagram(tmp_path):
    """A survey CSV round-trips; an empty file is a DataError naming it; the diagram draws every path."""
    from crmlab import plots
    from crmlab.theories.trust_commitment import KMV_LAYERS, read_survey

    survey = simulate_kmv_survey(120, rng=13).responses
    path = tmp_path / "survey.csv"
    survey.to_csv(path)
    back = read_survey(path, index_col="respondent")
    pd.testing.assert_frame_equal(back, survey)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty.csv"):
        read_survey(tmp_path / "empty.csv")
    table = kmv_model().fit(scale_scores(back)).table
    fig = plots.plot_path_diagram(table, layers=KMV_LAYERS)
    labels = [t.get_text() for t in fig.axes[0].texts]
    for value in table["std_estimate"]:
        assert f"{value:+.2f}" in labels


def test_a_scale_that_is_not_lowest_to_highest_is_refused():
    """Definition: a Likert scale runs from its lowest to its highest whole point. scale=(7, 1) used to
    flag every answer as outside it; a reversed, degenerate, non-numeric or fractional scale is refused.
    The missing-answer markers of the lab's one rule are missing answers, not words."""
    survey = pd.DataFrame({"trust_1": [5, 6], "trust_2": [4, "NA"]}, index=["r1", "r2"])
    for scale in [(7, 1), (4, 4), ("1", "7"), (1, 7.5), (1, 5, 7)]:
        with pytest.raises(ValueError, match="scale must"):
            validate_survey(survey, scale=scale)
    flagged = validate_survey(survey, on_invalid="flag")
    assert flagged["problems"].tolist() == ["", "trust_2: missing answer"]
