"""Synthetic KMV surveys with known structural paths and loadings (ground truth for the tests).

Latent constructs are standard normal. The five antecedents are equicorrelated
(``antecedent_correlation``); each endogenous construct η is Σ γ·(its
predictors) + ζ, with the disturbance variance set so that Var(η) = 1, so the
γ are the population *standardised* paths. Each item is λ·η + √(1 − λ²)·ε
(standardised loading λ), and, with ``discrete=True``, cut into the points of
a Likert scale at the normal quantiles j/K (equally used categories).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

# scipy.stats (about half a second to import) is imported by the simulator that draws from it.

from crmlab.stats.generators import as_generator
from crmlab.stats.path_model import simulate_standardised_scores
from crmlab.theories.trust_commitment.kmv import ANTECEDENTS, KMV_PATHS, kmv_model

__all__ = ["DEFAULT_PATHS", "SimulatedSurvey", "simulate_kmv_survey"]

#: Illustrative standardised paths with the KMV signs (moderate sizes; not estimates from a study).
DEFAULT_PATHS: dict[tuple[str, str], float] = {
    ("termination_costs", "commitment"): 0.25,
    ("relationship_benefits", "commitment"): 0.30,
    ("shared_values", "commitment"): 0.20,
    ("shared_values", "trust"): 0.25,
    ("communication", "trust"): 0.45,
    ("opportunistic_behavior", "trust"): -0.30,
    ("trust", "commitment"): 0.25,
    ("commitment", "acquiescence"): 0.50,
    ("commitment", "propensity_to_leave"): -0.50,
    ("commitment", "cooperation"): 0.35,
    ("trust", "cooperation"): 0.40,
    ("trust", "functional_conflict"): 0.45,
    ("trust", "uncertainty"): -0.50,
}


@dataclass(frozen=True)
class SimulatedSurvey:
    """A simulated survey and its truth: ``responses`` (items), ``latent`` (construct scores),
    ``paths`` (standardised path → value), ``loading``."""

    responses: pd.DataFrame
    latent: pd.DataFrame
    paths: dict[tuple[str, str], float]
    loading: float


def simulate_kmv_survey(
    n_respondents: int,
    *,
    paths: Mapping[tuple[str, str], float] | None = None,
    loading: float = 0.8,
    items_per_construct: int = 3,
    antecedent_correlation: float = 0.3,
    scale: tuple[int, int] = (1, 7),
    discrete: bool = True,
    reverse_items: Iterable[str] = (),
    rng: np.random.Generator | int | None = None,
) -> SimulatedSurvey:
    """Simulate respondents of a KMV survey from known standardised paths (see the module docstring).

    ``reverse_items`` are written reverse-coded, as a questionnaire would
    have them (recode with ``validate_survey(..., reverse=...)``).

    >>> survey = simulate_kmv_survey(200, rng=3)
    >>> survey.responses.shape, int(survey.responses.min().min()), int(survey.responses.max().max())
    ((200, 36), 1, 7)
    """
    from scipy import stats

    if int(n_respondents) != n_respondents or n_respondents < 10:
        raise ValueError(f"n_respondents must be a whole number ≥ 10, got {n_respondents}")
    if not 0 < loading <= 1:
        raise ValueError(f"loading must be in (0, 1], got {loading}")
    if not -0.25 < antecedent_correlation < 1:
        raise ValueError(f"antecedent_correlation must be in (−0.25, 1), got {antecedent_correlation}")
    truth = dict(DEFAULT_PATHS if paths is None else paths)
    model = kmv_model()
    unknown = set(truth) - {(h.predictor, h.outcome) for h in KMV_PATHS}
    if unknown or len(truth) != len(KMV_PATHS):
        raise ValueError(f"paths must give a value for each of the 13 KMV paths; unknown {sorted(unknown)}")
    generator = as_generator(rng)
    names = model.variables
    idx = {v: i for i, v in enumerate(names)}
    n = int(n_respondents)
    latent = simulate_standardised_scores(
        names, ANTECEDENTS, model.equations, truth, n, exogenous_correlation=antecedent_correlation, rng=generator
    )
    low, high = scale
    k = high - low + 1
    cuts = stats.norm.ppf(np.arange(1, k) / k)
    items = {}
    reverse = set(reverse_items)
    for name in names:
        for j in range(1, int(items_per_construct) + 1):
            x = loading * latent[:, idx[name]] + np.sqrt(1 - loading**2) * generator.standard_normal(n)
            value = (low + np.searchsorted(cuts, x)).astype(float) if discrete else x
            column = f"{name}_{j}"
            items[column] = (low + high) - value if column in reverse else value
    unknown_rev = reverse - set(items)
    if unknown_rev:
        raise ValueError(f"reverse_items not in the survey: {sorted(unknown_rev)}")
    responses = pd.DataFrame(items, index=pd.RangeIndex(n, name="respondent"))
    if discrete:
        responses = responses.astype("int64")
    return SimulatedSurvey(responses, pd.DataFrame(latent, columns=names, index=responses.index), truth, float(loading))
