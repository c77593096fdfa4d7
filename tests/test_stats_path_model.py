"""Recursive path models (crmlab.stats.PathModel), on synthetic surveys with known paths.

Each test says which independent check it is: a closed form, a second implementation, or a
synthetic survey generated with known paths (ground truth).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.stats import Hypothesis, NotFittedError, PathModel
from crmlab.theories.trust_commitment import KMV_PATHS, kmv_model, scale_scores, simulate_kmv_survey


def exact_scores(n, rng):
    """Ground truth without measurement error: one continuous item per construct, loading 1."""
    survey = simulate_kmv_survey(n, loading=1.0, items_per_construct=1, discrete=False, rng=rng)
    return survey, scale_scores(survey.responses)


@pytest.mark.slow
def test_confidence_intervals_cover_the_true_paths_at_their_rate():
    """Ground truth: over 100 simulated surveys of 250 respondents measured without error, the
    95% intervals of the 13 KMV paths contain the true standardised path about 95% of the time
    (1,300 intervals: a binomial standard error of 0.6 points)."""
    rng = np.random.default_rng(7)
    covered, total = 0, 0
    for _ in range(100):
        survey, scores = exact_scores(250, rng)
        table = kmv_model().fit(scores).summary
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
        np.testing.assert_allclose(published.summary[column], raw.summary[column], rtol=1e-8, atol=1e-12, err_msg=column)
    assert published.log_likelihood_ == pytest.approx(raw.log_likelihood_)
    with pytest.raises(ValueError, match="not a correlation matrix"):
        kmv_model().fit_correlations(scores.cov(), n_obs=400)


def test_indirect_effects_are_products_of_paths():
    """Closed form: the indirect effect of shared values on acquiescence is
    (β_sv→c + β_sv→t·β_t→c)·β_c→acq − direct (0), from the fitted coefficients."""
    _, scores = exact_scores(600, 9)
    model = kmv_model().fit(scores)
    b = {(r.predictor, r.outcome): r.std_estimate for r in model.summary.itertuples()}
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
    D, names = truth_model.direct_effect_matrix(coef)
    T = PathModel.total_effect_matrix(D)
    idx = {v: i for i, v in enumerate(names)}
    true = [T[idx[o], idx[c]] - D[idx[o], idx[c]] for c, o in zip(ie["cause"], ie["outcome"], strict=True)]
    inside = (ie["ci_low"] <= true) & (np.array(true) <= ie["ci_high"])
    assert inside.mean() >= 0.85 and len(ie) >= 20
    again = model.indirect_effects(n_boot=400, rng=1)
    pd.testing.assert_frame_equal(ie, again)  # seeded


def test_path_model_definitions_are_checked():
    assert len(KMV_PATHS) == 13
    with pytest.raises(ValueError, match="before it is explained"):
        PathModel({"commitment": ["trust"], "trust": ["communication"]})
    with pytest.raises(ValueError, match="not a path of the model"):
        PathModel({"trust": ["communication"]}, [KMV_PATHS[0]])
    with pytest.raises(ValueError, match="no scores for"):
        kmv_model().fit(pd.DataFrame({"trust": [1.0, 2.0]}))


def _chain(n=4000, a=0.6, b=0.5, seed=3):
    """Ground truth: x → m → y with standardised paths a and b (unit variances by construction)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = a * x + np.sqrt(1 - a**2) * rng.normal(size=n)
    y = b * m + np.sqrt(1 - b**2) * rng.normal(size=n)
    model = PathModel({"m": ["x"], "y": ["m"]}, [Hypothesis("H1", "x", "m", +1), Hypothesis("H2", "m", "y", +1)], name="chain")
    return model, pd.DataFrame({"x": x, "m": m, "y": y})


def test_fitted_path_model_has_the_lifelines_face(capsys):
    """Ground truth (a chain with planted paths 0.6 and 0.5) read through the one face of fitted models:
    ``params_`` a named Series of the standardised paths, ``summary`` the path table, ``print_summary()`` a text block with the model, N, R² and log-likelihood."""
    model, data = _chain()
    with pytest.raises(NotFittedError, match="chain is not fitted yet"):
        model.summary
    assert model.params_ is None
    model = model.fit(data)
    assert model.params_.name == "std_estimate"
    assert model.params_.index.names == ["outcome", "predictor"]
    np.testing.assert_allclose(model.params_.to_numpy(), [0.6, 0.5], atol=0.03)
    assert model.params_[("y", "m")] == model.summary.set_index(["outcome", "predictor"]).loc[("y", "m"), "std_estimate"]
    assert model.summary["supported"].all()
    model.print_summary()
    text = capsys.readouterr().out
    assert text.startswith("PathModel: chain (2 equations, 2 paths)")
    assert "respondents = 4,000" in text and "R² = m " in text and f"log-likelihood = {model.log_likelihood_:.3f}" in text
    assert "H2" in text and repr(model) == "<PathModel 'chain': 2 equations, fitted on 4,000 respondents>"


def test_total_effects_of_a_chain_are_the_product_of_its_paths():
    """Closed form (Bollen 1987): in x → m → y the total (= indirect) effect of x on y is a·b."""
    model, data = _chain()
    D, names = model.direct_effect_matrix({"m": {"x": 0.6}, "y": {"m": 0.5}})
    T = PathModel.total_effect_matrix(D)
    assert T[names.index("y"), names.index("x")] == pytest.approx(0.3)
    with pytest.raises(NotFittedError):
        model.effects()
