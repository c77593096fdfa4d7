"""Customer satisfaction and loyalty: the customer-satisfaction-index models of the Anglo-Australian chain.

The Anglo-Australian school makes satisfaction and retention the value drivers
of a business (:mod:`crmlab.theories.stakeholders`); the customer-satisfaction
index models — the ECSI in Europe (Eklöf & Westlund 2002), the ACSI in the
United States (Fornell et al. 1996) — measure that chain on surveys, and PLS
path modelling (:mod:`crmlab.stats.pls`) estimates them.

- Ground truth: :func:`simulate_satisfaction_survey` (an ECSI-shaped survey
  with planted paths, item reliability and a segment with a planted path
  difference), :func:`true_score_paths` (OLS on the true construct scores).
- The model: :data:`ECSI_CONSTRUCTS`, :data:`ECSI_PATHS`, :func:`ecsi_model` (a
  :class:`crmlab.stats.pls.PLSModel`).
- Multigroup comparisons: :func:`comparison_groups` (a segment column, or
  placebo groups drawn at random).
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.theories.satisfaction.simulate import (
        DEFAULT_PATHS,
        DEFAULT_SEGMENT_PATHS,
        ECSI_CONSTRUCTS,
        ECSI_PATHS,
        SimulatedSatisfactionSurvey,
        simulate_satisfaction_survey,
        true_score_paths,
    )
    from crmlab.theories.satisfaction.survey import PLACEBO_GROUP, comparison_groups, ecsi_model

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "DEFAULT_PATHS",
    "DEFAULT_SEGMENT_PATHS",
    "ECSI_CONSTRUCTS",
    "ECSI_PATHS",
    "PLACEBO_GROUP",
    "SimulatedSatisfactionSurvey",
    "comparison_groups",
    "ecsi_model",
    "simulate_satisfaction_survey",
    "true_score_paths",
]
