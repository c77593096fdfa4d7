"""The Nordic School of relationship marketing: interaction, dialogue and value (Grönroos; Holmlund).

- Data: :func:`read_interactions` (the interaction log, checked).
- Levels of interaction (Holmlund 1996): :func:`assign_episodes`, :func:`episodes`,
  :func:`sequences`, :func:`relationship_levels`.
- Scores: :func:`interaction_scores`, :func:`dialogue_scores`, :func:`value_scores`,
  :func:`value_in_use`, :func:`triplet_profile`.
- Validity: :func:`subindicator_alpha`, :func:`dimension_correlations`,
  :func:`next_period_activity`, :func:`predictive_validity`.
- Ground truth: :func:`simulate_interactions`.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.theories.nordic.levels import assign_episodes, episodes, relationship_levels, sequences
    from crmlab.theories.nordic.log import INTERACTION_COLUMNS, read_interactions
    from crmlab.theories.nordic.scores import (
        INDICATORS,
        dialogue_scores,
        interaction_scores,
        triplet_profile,
        value_in_use,
        value_scores,
    )
    from crmlab.theories.nordic.simulate import SimulatedInteractions, simulate_interactions
    from crmlab.theories.nordic.validity import dimension_correlations, next_period_activity, predictive_validity, subindicator_alpha

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "INDICATORS",
    "INTERACTION_COLUMNS",
    "SimulatedInteractions",
    "assign_episodes",
    "dialogue_scores",
    "dimension_correlations",
    "episodes",
    "interaction_scores",
    "next_period_activity",
    "predictive_validity",
    "read_interactions",
    "relationship_levels",
    "sequences",
    "simulate_interactions",
    "subindicator_alpha",
    "triplet_profile",
    "value_in_use",
    "value_scores",
]
