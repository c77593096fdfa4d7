"""Relationship strategy: what the firm does with what it knows about its customers.

Value and loyalty strategy
    - :mod:`~crmlab.strategy.value_for` — value *for* the customer: disconfirmation (perceived −
      expected) per attribute, the satisfaction regression on the gaps, the value gap per touchpoint.
    - value *of* the customer: CLV and P(alive) from :mod:`crmlab.clv`.
    - :mod:`~crmlab.strategy.value_with` — value *with* the customer: co-creation indicators and
      their association with CLV.
    - :mod:`~crmlab.strategy.loyalty` — most loyal customers (CLV × P(alive) × share of wallet),
      cross-buying, relationship length/depth/breadth, spending growth, target segments, and the
      loyalty plan a transaction log supports (:func:`loyalty_plan`).
    - :mod:`~crmlab.strategy.response_curves` — concave response curves of each segment × loyalty
      action, from the segments' customer-base metrics.
    - :mod:`~crmlab.strategy.budget` — the budget split over segments × actions (scipy.optimize),
      incremental CLV and ROI.
    - :mod:`~crmlab.strategy.retention_strategies` — proactive against reactive retention.
    - :mod:`~crmlab.strategy.win_back` — lapsed customers and the probability of winning them back.
    - :mod:`~crmlab.strategy.loyalty_world` — a synthetic loyalty world with its ground truth.

Portfolio and key accounts
    - :mod:`~crmlab.strategy.portfolio` — the account portfolio (attractiveness × relationship
      strength), concentration (HHI) and dependence, interdependent relationships.
    - :mod:`~crmlab.strategy.key_accounts` — key-account selection and its sensitivity to the
      weights; global account management: consistency across units, global against local value.
    - :mod:`~crmlab.strategy.account_world` — a synthetic multi-unit B2B world with its ground truth.
"""

from typing import TYPE_CHECKING

from crmlab import lazy_exports

# Loaded on first use (crmlab.lazy_exports), so importing the package stays cheap.
if TYPE_CHECKING:
    from crmlab.strategy.account_world import SimulatedAccounts, simulate_accounts
    from crmlab.strategy.budget import BudgetAllocation, InfeasibleBudgetError, allocate_budget, incremental_clv_and_roi
    from crmlab.strategy.key_accounts import (
        gam_consistency,
        global_account_value,
        read_unit_terms,
        select_key_accounts,
        selection_sensitivity,
    )
    from crmlab.strategy.loyalty import (
        LoyaltyPlan,
        LoyaltyTargets,
        cross_buying_index,
        loyalty_plan,
        loyalty_targets,
        loyalty_segments,
        most_loyal_customers,
        relationship_depth,
        segment_profile,
        share_of_wallet,
        spending_growth,
    )
    from crmlab.strategy.portfolio import (
        composite_score,
        concentration,
        dependence_risk,
        portfolio_matrix,
        read_accounts,
        read_ties,
        relationship_interdependencies,
    )
    from crmlab.strategy.response_curves import (
        ACTIONS,
        DEFAULT_ACTIONS,
        RESPONSE_FORMS,
        check_response_curves,
        loyalty_response_curves,
        marginal_response,
        response,
        response_curve_grid,
    )
    from crmlab.strategy.retention_strategies import expected_retention_outcome, simulate_retention_strategies
    from crmlab.strategy.loyalty_world import LoyaltyWorld, simulate_loyalty_world
    from crmlab.strategy.value_for import (
        attributes_of,
        disconfirmation,
        disconfirmation_summary,
        read_value_survey,
        satisfaction_regression,
        touchpoint_value_gaps,
    )
    from crmlab.strategy.value_with import CO_CREATION_INDICATORS, co_creation_clv_association, co_creation_indicators
    from crmlab.strategy.win_back import WinBackModel, lapsed_customers

__getattr__, __dir__ = lazy_exports(__name__, __file__)

__all__ = [
    "ACTIONS",
    "CO_CREATION_INDICATORS",
    "DEFAULT_ACTIONS",
    "RESPONSE_FORMS",
    "BudgetAllocation",
    "InfeasibleBudgetError",
    "LoyaltyPlan",
    "LoyaltyTargets",
    "LoyaltyWorld",
    "SimulatedAccounts",
    "WinBackModel",
    "allocate_budget",
    "attributes_of",
    "check_response_curves",
    "co_creation_clv_association",
    "co_creation_indicators",
    "composite_score",
    "concentration",
    "cross_buying_index",
    "dependence_risk",
    "disconfirmation",
    "disconfirmation_summary",
    "expected_retention_outcome",
    "gam_consistency",
    "global_account_value",
    "incremental_clv_and_roi",
    "lapsed_customers",
    "loyalty_plan",
    "loyalty_response_curves",
    "loyalty_segments",
    "loyalty_targets",
    "marginal_response",
    "most_loyal_customers",
    "portfolio_matrix",
    "read_accounts",
    "read_ties",
    "read_unit_terms",
    "read_value_survey",
    "relationship_depth",
    "relationship_interdependencies",
    "response",
    "response_curve_grid",
    "satisfaction_regression",
    "segment_profile",
    "select_key_accounts",
    "selection_sensitivity",
    "share_of_wallet",
    "simulate_accounts",
    "simulate_loyalty_world",
    "simulate_retention_strategies",
    "spending_growth",
    "touchpoint_value_gaps",
]
