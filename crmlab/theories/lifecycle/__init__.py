"""Relationship development: Dwyer, Schurr & Oh's (1987) five phases, measured, and how dissolution can be avoided.

- :func:`activity_panel` — customer × period orders, spend and contacts;
- :func:`relationship_phases` — awareness, exploration, expansion, commitment,
  dissolution by documented rules; :func:`phase_transition_matrix`,
  :func:`time_in_phase`, :func:`phase_survival`, :func:`phase_counts`
  (customers per phase and period), :func:`phase_reach` (how far relationships developed),
  :func:`dissolution_entries` (who entered dissolution, after how many purchases);
- :class:`RelationshipHMM` — latent relationship states in the spirit of Netzer,
  Lattin & Srinivasan (2008), and :func:`hmm_phase_agreement` with the rules;
- :func:`cost_to_serve`, :func:`dissolution_by_cost`, :func:`lower_cost_to_serve`
  (a Markov-chain what-if), :func:`dissolution_initiators` (unilateral or bilateral);
- :func:`simulate_relationships` — histories with known phase sequences, and
  :func:`phase_recovery`, :func:`planted_cost_effect` to set what the rules and
  the logit find beside what was planted.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.theories.lifecycle.dissolution import (
        cost_to_serve,
        dissolution_by_cost,
        dissolution_initiators,
        lower_cost_to_serve,
        planted_cost_effect,
    )
    from crmlab.theories.lifecycle.hmm import RelationshipHMM, hmm_phase_agreement
    from crmlab.theories.lifecycle.phases import (
        DEVELOPMENT,
        PHASES,
        activity_panel,
        dissolution_entries,
        phase_counts,
        phase_reach,
        phase_recovery,
        phase_survival,
        phase_transition_matrix,
        relationship_phases,
        time_in_phase,
    )
    from crmlab.theories.lifecycle.simulate import DEFAULT_TRANSITIONS, SimulatedLifecycle, simulate_relationships

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "DEFAULT_TRANSITIONS",
    "DEVELOPMENT",
    "PHASES",
    "RelationshipHMM",
    "SimulatedLifecycle",
    "activity_panel",
    "cost_to_serve",
    "dissolution_by_cost",
    "dissolution_entries",
    "dissolution_initiators",
    "hmm_phase_agreement",
    "lower_cost_to_serve",
    "phase_counts",
    "phase_reach",
    "phase_recovery",
    "phase_survival",
    "phase_transition_matrix",
    "planted_cost_effect",
    "relationship_phases",
    "simulate_relationships",
    "time_in_phase",
]
