"""Referrals and word of mouth: Gummesson's business relationship management.

Satisfied customers refer new ones — a "supply chain" of customers — and word
of mouth may return more on capital than advertising; every interaction is
a process to be controlled and improved, as in total quality management.

- Data: :func:`read_referrals` (the referral log, checked), :func:`read_adoptions`
  (adopters per period), :func:`read_service_quality` (interactions, complaints, satisfaction).
- Trees (who feeds the base): :func:`referral_graph`, :func:`referral_generations`,
  :func:`referral_trees`, :func:`referral_chain`, :func:`referral_feed`.
- Value: :func:`customer_referral_value` (Kumar, Petersen & Leone 2007, 2010) beside
  own CLV in :func:`referral_value_table`.
- Word of mouth vs advertising: :class:`BassDiffusion` (Bass 1969, NLS with standard
  errors), :func:`bass_ols`, :func:`bass_cdf`, :func:`bass_pdf`, :func:`bass_adoptions`,
  :func:`bass_external_cumulative`, :func:`bass_peak`, :func:`advertising_vs_referral_roi`.
- Quality control (Montgomery 2009): :func:`p_chart`, :func:`ewma_chart`, :func:`cusum_chart`,
  :func:`western_electric_rules`, :func:`nelson_rules`, :func:`before_after_p_chart`.
- Ground truth: :func:`simulate_referral_world`, :func:`simulate_bass_adoptions`,
  :func:`simulate_service_quality`.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.theories.referral.bass import (
        BassDiffusion,
        advertising_vs_referral_roi,
        bass_adoptions,
        bass_cdf,
        bass_pdf,
        bass_external_cumulative,
        bass_ols,
        bass_peak,
    )
    from crmlab.theories.referral.data import REFERRAL_COLUMNS, read_adoptions, read_referrals, read_service_quality
    from crmlab.theories.referral.quality import (
        before_after_p_chart,
        cusum_chart,
        ewma_chart,
        nelson_rules,
        p_chart,
        western_electric_rules,
    )
    from crmlab.theories.referral.simulate import (
        SimulatedReferralWorld,
        simulate_bass_adoptions,
        simulate_referral_world,
        simulate_service_quality,
    )
    from crmlab.theories.referral.trees import referral_chain, referral_feed, referral_generations, referral_graph, referral_trees
    from crmlab.theories.referral.value import VALUE_SEGMENTS, customer_referral_value, referral_value_table

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "BassDiffusion",
    "REFERRAL_COLUMNS",
    "SimulatedReferralWorld",
    "VALUE_SEGMENTS",
    "advertising_vs_referral_roi",
    "bass_adoptions",
    "bass_cdf",
    "bass_pdf",
    "bass_external_cumulative",
    "bass_ols",
    "bass_peak",
    "before_after_p_chart",
    "customer_referral_value",
    "cusum_chart",
    "ewma_chart",
    "nelson_rules",
    "p_chart",
    "read_adoptions",
    "read_referrals",
    "read_service_quality",
    "referral_chain",
    "referral_feed",
    "referral_generations",
    "referral_graph",
    "referral_trees",
    "referral_value_table",
    "simulate_bass_adoptions",
    "simulate_referral_world",
    "simulate_service_quality",
    "western_electric_rules",
]
