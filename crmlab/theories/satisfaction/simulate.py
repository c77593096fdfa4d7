"""Synthetic customer-satisfaction-index surveys with planted paths (ground truth for PLS-SEM).

The model is the European Customer Satisfaction Index (ECSI; Eklöf & Westlund
2002, "The pan-European customer satisfaction index programme", Total
Quality Management 13(8)) as seminr's documentation fits it to the ``mobi``
data (Ray, Danks & Calero Valdez 2022): Image → Expectation → Quality → Value
→ Satisfaction → Complaints → Loyalty, 12 paths, with the ``mobi`` item names.

Latent constructs are standard normal within each segment. Image is
exogenous; each endogenous construct η is Σ γ·(its predictors) + ζ, with the
disturbance variance set so that Var(η) = 1, so the γ are the population
*standardised* paths of that segment. Each item is λ·η + √(1 − λ²)·ε
(standardised loading λ, the item's reliability λ²), and, with
``discrete=True``, cut into the points of a rating scale at the normal
quantiles j/K (equally used categories). A segment column (e.g. acquisition
channel) carries planted path differences for multigroup analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab.stats.generators import as_generator
from crmlab.stats.path_model import simulate_standardised_scores

__all__ = [
    "DEFAULT_PATHS",
    "DEFAULT_SEGMENT_PATHS",
    "ECSI_CONSTRUCTS",
    "ECSI_PATHS",
    "SimulatedSatisfactionSurvey",
    "simulate_satisfaction_survey",
    "true_score_paths",
]

#: The ECSI measurement model with the item names of seminr's ``mobi`` data (24 items).
ECSI_CONSTRUCTS: dict[str, list[str]] = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": [f"PERV{i}" for i in range(1, 3)],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}

#: The ECSI structural model (predictor, outcome), in causal order of the outcomes.
ECSI_PATHS: list[tuple[str, str]] = [
    ("Image", "Expectation"),
    ("Expectation", "Quality"),
    ("Expectation", "Value"),
    ("Quality", "Value"),
    ("Image", "Satisfaction"),
    ("Expectation", "Satisfaction"),
    ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"),
    ("Image", "Loyalty"),
    ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
]

#: Illustrative standardised paths, of the sizes reported for the ECSI ``mobi`` data (not its estimates).
DEFAULT_PATHS: dict[tuple[str, str], float] = {
    ("Image", "Expectation"): 0.50,
    ("Expectation", "Quality"): 0.55,
    ("Expectation", "Value"): 0.05,
    ("Quality", "Value"): 0.55,
    ("Image", "Satisfaction"): 0.20,
    ("Expectation", "Satisfaction"): 0.05,
    ("Quality", "Satisfaction"): 0.45,
    ("Value", "Satisfaction"): 0.20,
    ("Satisfaction", "Complaints"): 0.55,
    ("Image", "Loyalty"): 0.20,
    ("Satisfaction", "Loyalty"): 0.50,
    ("Complaints", "Loyalty"): 0.05,
}

#: The planted segment difference of the default survey: satisfaction binds online customers less.
DEFAULT_SEGMENT_PATHS: dict[str, dict[tuple[str, str], float]] = {"online": {("Satisfaction", "Loyalty"): 0.20}}


@dataclass(frozen=True)
class SimulatedSatisfactionSurvey:
    """A simulated ECSI survey and its truth.

    ``responses``: the items and the segment column; ``latent``: the true
    construct scores and the segment column; ``paths``: segment → (predictor,
    outcome) → planted standardised path; ``loading``: the items'
    standardised loading; ``segment``: the name of the segment column;
    ``constructs`` and ``structure``: the measurement and structural model.
    """

    responses: pd.DataFrame
    latent: pd.DataFrame
    paths: dict[str, dict[tuple[str, str], float]]
    loading: float
    segment: str
    constructs: dict[str, list[str]]
    structure: list[tuple[str, str]]

    @property
    def pooled_paths(self) -> dict[tuple[str, str], float]:
        """The paths of all respondents together: each segment's path weighted by its share of respondents.

        Every segment's constructs have mean 0 and variance 1, so this is the
        population standardised path of the pooled survey whenever the segments
        share the covariances of the path's predictors — as when, by default,
        only a path into Loyalty (the model's last construct) differs.

        >>> survey = simulate_satisfaction_survey(100, rng=1)
        >>> round(survey.pooled_paths[("Satisfaction", "Loyalty")], 3)
        0.35
        """
        shares = self.responses[self.segment].value_counts(normalize=True)
        return {path: float(sum(shares[g] * self.paths[g][path] for g in shares.index)) for path in self.structure}


def _equations(structure: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Outcome → its predictors, outcomes in the order they first appear."""
    equations: dict[str, list[str]] = {}
    for predictor, outcome in structure:
        equations.setdefault(outcome, []).append(predictor)
    return equations


def simulate_satisfaction_survey(
    n_respondents: int,
    *,
    paths: Mapping[tuple[str, str], float] | None = None,
    segments: Mapping[str, float] | None = None,
    segment_paths: Mapping[str, Mapping[tuple[str, str], float]] | None = None,
    loading: float = 0.8,
    scale: tuple[int, int] = (1, 10),
    discrete: bool = True,
    segment: str = "channel",
    rng: np.random.Generator | int | None = None,
) -> SimulatedSatisfactionSurvey:
    """Simulate respondents of an ECSI survey from planted standardised paths (see the module docstring).

    ``paths`` (default :data:`DEFAULT_PATHS`) hold in every segment except
    where ``segment_paths`` (default :data:`DEFAULT_SEGMENT_PATHS`; ``{}``
    for none) overrides a path for one segment. ``segments`` gives each
    segment's share of respondents (default half ``"branch"``, half
    ``"online"``); the counts are exact (rounded), the order random.
    ``loading`` is the standardised loading of every item (its reliability is
    ``loading**2``); ``discrete=False`` keeps the continuous items.

    >>> survey = simulate_satisfaction_survey(300, rng=1)
    >>> survey.responses.shape, survey.responses["channel"].value_counts().sort_index().to_dict()
    ((300, 25), {'branch': 150, 'online': 150})
    >>> survey.paths["online"][("Satisfaction", "Loyalty")], survey.paths["branch"][("Satisfaction", "Loyalty")]
    (0.2, 0.5)
    """
    if int(n_respondents) != n_respondents or n_respondents < 10:
        raise ValueError(f"n_respondents must be a whole number ≥ 10, got {n_respondents}")
    if not 0 < loading <= 1:
        raise ValueError(f"loading must be in (0, 1], got {loading}")
    base = dict(DEFAULT_PATHS if paths is None else paths)
    unknown = set(base) - set(ECSI_PATHS)
    if unknown or len(base) != len(ECSI_PATHS):
        missing = sorted(set(ECSI_PATHS) - set(base))
        raise ValueError(f"paths must give a value for each of the 12 ECSI paths; unknown {sorted(unknown)}, missing {missing}")
    shares = dict(segments or {"branch": 0.5, "online": 0.5})
    if any(s <= 0 for s in shares.values()) or not np.isclose(sum(shares.values()), 1):
        raise ValueError(f"segments must map each segment to a positive share, the shares summing to 1: {shares}")
    overrides = dict(DEFAULT_SEGMENT_PATHS if segment_paths is None else segment_paths)
    for name, changed in overrides.items():
        if name not in shares:
            raise ValueError(f"segment_paths names segment {name!r}, not one of {sorted(shares)}")
        if set(changed) - set(ECSI_PATHS):
            raise ValueError(f"segment_paths[{name!r}] names paths not in the ECSI model: {sorted(set(changed) - set(ECSI_PATHS))}")
    truth = {name: {**base, **overrides.get(name, {})} for name in shares}
    generator = as_generator(rng)
    n = int(n_respondents)
    counts = np.floor(np.array(list(shares.values())) * n).astype(int)
    counts[np.argsort(-(np.array(list(shares.values())) * n - counts))[: n - counts.sum()]] += 1
    labels = generator.permutation(np.repeat(np.array(list(shares), dtype=object), counts))
    names = list(ECSI_CONSTRUCTS)
    exogenous = [c for c in names if c not in _equations(ECSI_PATHS)]
    latent = np.zeros((n, len(names)))
    for name in shares:
        rows = np.flatnonzero(labels == name)
        latent[rows] = simulate_standardised_scores(
            names, exogenous, _equations(ECSI_PATHS), truth[name], len(rows), rng=generator
        )
    low, high = scale
    from scipy import stats

    cuts = stats.norm.ppf(np.arange(1, high - low + 1) / (high - low + 1))
    n_items = sum(len(items) for items in ECSI_CONSTRUCTS.values())
    noise = generator.standard_normal((n, n_items))
    columns, j = {}, 0
    for c, items in enumerate(ECSI_CONSTRUCTS.values()):
        for item in items:
            x = loading * latent[:, c] + np.sqrt(1 - loading**2) * noise[:, j]
            columns[item] = (low + np.searchsorted(cuts, x)).astype("int64") if discrete else x
            j += 1
    index = pd.RangeIndex(n, name="respondent")
    responses = pd.DataFrame(columns, index=index)
    responses[segment] = labels.astype(str)
    scores = pd.DataFrame(latent, columns=names, index=index)
    scores[segment] = responses[segment]
    return SimulatedSatisfactionSurvey(
        responses, scores, truth, float(loading), segment, {k: list(v) for k, v in ECSI_CONSTRUCTS.items()}, list(ECSI_PATHS)
    )


def true_score_paths(latent: pd.DataFrame, structure: list[tuple[str, str]]) -> pd.Series:
    """Standardised OLS paths of a structural model on the *true* construct scores.

    Each outcome's standardised scores are regressed on its predictors'
    (ordinary least squares), the estimate PLS path coefficients converge to
    as the items become perfectly reliable (Wold 1982's "consistency at
    large": Dijkstra & Henseler 2015, Section 2).

    >>> survey = simulate_satisfaction_survey(2000, segment_paths={}, rng=2)
    >>> ols = true_score_paths(survey.latent, survey.structure)
    >>> round(float(ols[("Image", "Expectation")]), 1)
    0.5
    """
    names = sorted({c for edge in structure for c in edge})
    z = latent[names].astype(float)
    z = (z - z.mean()) / z.std(ddof=0)
    values = {}
    for outcome, predictors in _equations(structure).items():
        coef, *_ = np.linalg.lstsq(z[predictors].to_numpy(), z[outcome].to_numpy(), rcond=None)
        values.update({(p, outcome): float(b) for p, b in zip(predictors, coef, strict=True)})
    return pd.Series(values, name="path").rename_axis(["predictor", "outcome"]).reindex(structure)
