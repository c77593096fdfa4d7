"""Trust and commitment: Morgan & Hunt's (1994) key mediating variable (KMV) model.

The North-American school of relationship marketing: relationships are built
on trust and commitment, which grow from shared values, communication and the
absence of opportunism, and from the benefits of the relationship and the cost
of ending it; they in turn produce cooperation and acquiescence and lower the
propensity to leave.

- Survey data: :func:`validate_survey`, :func:`scale_scores`, :data:`KMV_CONSTRUCTS`;
  :func:`infer_constructs` reads any survey's constructs from its item names.
- Measurement: :func:`reliability_table` (the KMV scales), with the shared
  scale statistics of :mod:`crmlab.stats.reliability` re-exported here:
  :func:`cronbach_alpha`, :func:`composite_reliability`,
  :func:`average_variance_extracted`, :func:`item_total_correlations`.
- Structure (:mod:`~crmlab.theories.trust_commitment.kmv`): :func:`kmv_model`,
  :func:`rival_model` (a :class:`crmlab.stats.PathModel`: OLS path analysis
  from raw scores or a published correlation matrix, effects and bootstrap
  indirect effects), :func:`compare_path_models`.
- Optional latent-variable SEM with fit indices: :func:`fit_sem` (semopy).
- PLS path modelling of the same model on the items: :func:`fit_kmv_pls`
  (:mod:`crmlab.stats.pls`).
- Ground truth: :func:`simulate_kmv_survey`.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.stats.path_model import PathModel
    from crmlab.stats.reliability import (
        average_variance_extracted,
        composite_reliability,
        cronbach_alpha,
        item_total_correlations,
        standardized_loadings,
    )
    from crmlab.theories.trust_commitment.kmv import (
        KMV_LAYERS,
        KMV_PATHS,
        compare_path_models,
        fit_kmv_pls,
        kmv_model,
        rival_model,
    )
    from crmlab.theories.trust_commitment.sem import fit_sem
    from crmlab.theories.trust_commitment.simulate import DEFAULT_PATHS, SimulatedSurvey, simulate_kmv_survey
    from crmlab.theories.trust_commitment.survey import (
        KMV_CONSTRUCTS,
        InferredConstructs,
        construct_items,
        infer_constructs,
        read_survey,
        reliability_table,
        scale_scores,
        validate_survey,
    )

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "DEFAULT_PATHS",
    "KMV_CONSTRUCTS",
    "KMV_LAYERS",
    "KMV_PATHS",
    "InferredConstructs",
    "PathModel",
    "SimulatedSurvey",
    "average_variance_extracted",
    "compare_path_models",
    "composite_reliability",
    "construct_items",
    "cronbach_alpha",
    "fit_kmv_pls",
    "fit_sem",
    "infer_constructs",
    "item_total_correlations",
    "kmv_model",
    "read_survey",
    "reliability_table",
    "rival_model",
    "scale_scores",
    "simulate_kmv_survey",
    "standardized_loadings",
    "validate_survey",
]
