"""Figures: one function per figure, each taking a computed frame (or graph) and returning the Figure.

No computation of results happens here, only reshaping for display: the
numbers come from the area modules of crmlab, where they are tested. The
figures are grouped by area, and every one of them is also available here::

    from crmlab import plots
    plots.plot_retention_rate(retention_rate(tx))

========================== =====================================================
module                     figures of
========================== =====================================================
:mod:`.customer_base`      cohorts, retention, interpurchase time, base projection
:mod:`.clv`                customer lifetime value models and their fit
:mod:`.lifecycle`          relationship phases (Dwyer, Schurr & Oh)
:mod:`.imp`                IMP business networks
:mod:`.nordic`             the Nordic triplet
:mod:`.trust_commitment`   trust and commitment path models
:mod:`.quality_value`      relationship quality → customer value
:mod:`.satisfaction`       PLS path models of satisfaction and loyalty
:mod:`.value_and_loyalty`  value gaps, six markets, satisfaction chain, loyalty budgets
:mod:`.referral`           referrals, Bass diffusion, control charts
:mod:`.guanxi`             guanxi networks
:mod:`.accounts`           account portfolio, key and global accounts
:mod:`.audit`              the relationship audit: windowed retention, phase × P(alive)
========================== =====================================================
"""

from __future__ import annotations

from crmlab.plots.customer_base import (
    plot_base_projection,
    plot_cohort_heatmap,
    plot_cohort_retention_curves,
    plot_interpurchase_histogram,
    plot_retention_rate,
)
from crmlab.plots.clv import (
    plot_clv_by_channel,
    plot_clv_by_period,
    plot_clv_distribution,
    plot_clv_intervals,
    plot_count_distribution,
    plot_frequency_histogram,
    plot_holdout_comparison,
    plot_probability_alive_history,
    plot_probability_alive_matrix,
    plot_survival_curves,
    plot_tracking,
)
from crmlab.plots.lifecycle import (
    plot_phase_shares,
    plot_transition_heatmap,
)
from crmlab.plots.imp import (
    plot_brokerage_roles,
    plot_connected_impact,
    plot_network_layers,
    plot_position_map,
    plot_relationship_history,
)
from crmlab.plots.nordic import (
    plot_quality_recovery,
    plot_score_distributions,
    plot_triplet_profiles,
)
from crmlab.plots.satisfaction import plot_pls_path_diagram
from crmlab.plots.trust_commitment import (
    plot_path_diagram,
    plot_path_recovery,
)
from crmlab.plots.quality_value import (
    plot_quality_effects,
    plot_value_by_quality,
)
from crmlab.plots.value_and_loyalty import (
    plot_budget_allocation,
    plot_mediation,
    plot_response_curves,
    plot_retention_strategies,
    plot_six_markets,
    plot_value_gaps,
)
from crmlab.plots.referral import (
    plot_bass_fit,
    plot_control_chart,
    plot_referral_generations,
    plot_value_quadrants,
)
from crmlab.plots.guanxi import (
    plot_guanxi_network,
    plot_odds_ratios,
    plot_reciprocity_by_tie,
)
from crmlab.plots.accounts import (
    plot_concentration_curve,
    plot_gam_deviations,
    plot_portfolio_matrix,
)
from crmlab.plots.audit import (
    plot_phase_alive,
    plot_windowed_retention,
)

__all__ = [
    "plot_concentration_curve",
    "plot_gam_deviations",
    "plot_portfolio_matrix",
    "plot_phase_alive",
    "plot_windowed_retention",
    "plot_base_projection",
    "plot_clv_by_channel",
    "plot_clv_by_period",
    "plot_clv_distribution",
    "plot_clv_intervals",
    "plot_count_distribution",
    "plot_frequency_histogram",
    "plot_holdout_comparison",
    "plot_probability_alive_history",
    "plot_probability_alive_matrix",
    "plot_tracking",
    "plot_cohort_heatmap",
    "plot_cohort_retention_curves",
    "plot_interpurchase_histogram",
    "plot_path_diagram",
    "plot_path_recovery",
    "plot_pls_path_diagram",
    "plot_phase_shares",
    "plot_quality_effects",
    "plot_quality_recovery",
    "plot_retention_rate",
    "plot_score_distributions",
    "plot_survival_curves",
    "plot_transition_heatmap",
    "plot_triplet_profiles",
    "plot_value_by_quality",
    "plot_budget_allocation",
    "plot_mediation",
    "plot_response_curves",
    "plot_retention_strategies",
    "plot_six_markets",
    "plot_value_gaps",
    "plot_bass_fit",
    "plot_control_chart",
    "plot_guanxi_network",
    "plot_odds_ratios",
    "plot_reciprocity_by_tie",
    "plot_referral_generations",
    "plot_value_quadrants",
    "plot_brokerage_roles",
    "plot_connected_impact",
    "plot_network_layers",
    "plot_position_map",
    "plot_relationship_history",
]
