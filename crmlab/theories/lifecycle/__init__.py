"""Relationship development: Dwyer, Schurr & Oh's (1987) five phases, measured, and how dissolution can be avoided.

- :func:`activity_panel` — customer × period orders, spend and contacts;
- :func:`relationship_phases` — awareness, exploration, expansion, commitment,
  dissolution by documented rules; :func:`phase_transition_matrix`,
  :func:`time_in_phase`, :func:`phase_survival`;
- :class:`RelationshipHMM` — latent relationship states in the spirit of Netzer,
  Lattin & Srinivasan (2008), and :func:`hmm_phase_agreement` with the rules;
- :func:`cost_to_serve`, :func:`dissolution_by_cost`, :func:`lower_cost_to_serve`
  (a Markov-chain what-if), :func:`dissolution_initiators` (unilateral or bilateral);
- :func:`simulate_relationships` — histories with known phase sequences.
"""

from crmlab.theories.lifecycle.dissolution import cost_to_serve, dissolution_by_cost, dissolution_initiators, lower_cost_to_serve
from crmlab.theories.lifecycle.hmm import RelationshipHMM, hmm_phase_agreement
from crmlab.theories.lifecycle.phases import (
    PHASES,
    activity_panel,
    phase_survival,
    phase_transition_matrix,
    relationship_phases,
    time_in_phase,
)
from crmlab.theories.lifecycle.simulate import DEFAULT_TRANSITIONS, SimulatedLifecycle, simulate_relationships

__all__ = [
    "DEFAULT_TRANSITIONS",
    "PHASES",
    "RelationshipHMM",
    "SimulatedLifecycle",
    "activity_panel",
    "cost_to_serve",
    "dissolution_by_cost",
    "dissolution_initiators",
    "hmm_phase_agreement",
    "lower_cost_to_serve",
    "phase_survival",
    "phase_transition_matrix",
    "relationship_phases",
    "simulate_relationships",
    "time_in_phase",
]
