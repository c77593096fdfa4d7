"""Shared methods that several areas use and no school owns.

- :mod:`crmlab.stats.maximum_likelihood` — :class:`ParametricModel`, the
  maximum-likelihood fitting of the parametric models (log-parameters,
  L-BFGS-B with a Nelder–Mead fallback, Hessian standard errors, AIC/BIC,
  ``params_``/``summary``/``print_summary()``), with :class:`ConvergenceWarning`
  and :class:`NotFittedError`. Used by the CLV models (:mod:`crmlab.clv`).
- :mod:`crmlab.stats.path_model` — :class:`PathModel` and :class:`Hypothesis`:
  recursive path analysis by OLS (Bollen 1989), from raw scores or a published
  correlation matrix, with direct, indirect and total effects and bootstrap
  intervals. Used by the KMV model (:mod:`crmlab.theories.trust_commitment`)
  and the satisfaction chain (:mod:`crmlab.theories.stakeholders`).
- :mod:`crmlab.stats.reliability` — Cronbach's α, standardised loadings,
  composite reliability, AVE, item–total correlations and
  :func:`scale_reliability` (Fornell & Larcker 1981). Used by the KMV survey
  and the Nordic triplet's validity checks (:mod:`crmlab.theories.nordic`).
- :mod:`crmlab.stats.pls` — PLS path modelling (PLS-SEM, Wold 1982;
  Lohmöller 1989): :class:`~crmlab.stats.pls.PLSModel` with reflective,
  formative, interaction and higher-order constructs, the vectorised
  bootstrap, measurement quality (α, ρ_A, ρ_C, AVE, Fornell–Larcker, HTMT) and
  PLSpredict; imported as ``crmlab.stats.pls`` (not re-exported here).
- :mod:`crmlab.stats.generators` — :func:`as_generator`, the one way a
  ``rng=`` argument (seed or Generator) becomes a numpy Generator.

This package imports no other part of crmlab: the areas depend on it, never
the other way round.
"""

from crmlab.stats.generators import as_generator
from crmlab.stats.maximum_likelihood import ConvergenceWarning, NotFittedError, ParametricModel
from crmlab.stats.path_model import Hypothesis, PathModel
from crmlab.stats.reliability import (
    average_variance_extracted,
    composite_reliability,
    cronbach_alpha,
    item_total_correlations,
    scale_reliability,
    standardized_loadings,
)

__all__ = [
    "ConvergenceWarning",
    "Hypothesis",
    "NotFittedError",
    "ParametricModel",
    "PathModel",
    "as_generator",
    "average_variance_extracted",
    "composite_reliability",
    "cronbach_alpha",
    "item_total_correlations",
    "scale_reliability",
    "standardized_loadings",
]
